#!/usr/bin/env python3
"""test_oembed.py: GET /oembed and the pages' oEmbed discovery link, against a real `briefmap serve`.

Usage: test_oembed.py BRIEFMAP_EXE SOURCE_ROOT

Prints "N passed, N failed" and exits non-zero on any failure.
"""

import html.parser
import json
import os
import signal
import sys
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http  # noqa: E402  (the server harness and checks of the HTTP tests)
from test_http import Server, check, expect_error  # noqa: E402


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.oembed = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/json+oembed":
            self.oembed.append(a.get("href"))


def oembed(srv, url, **extra):
    q = urllib.parse.urlencode(dict(url=url, **extra))
    return srv.get("/oembed?" + q)


def iframe_of(doc):
    """The attributes of the one iframe in an oEmbed html."""
    found = []

    class P(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    P().feed(doc["html"])
    return found


def test_answers(srv, base, views):
    st, h, b = oembed(srv, base + "/embed?view=caribbean")
    doc = json.loads(b) if st == 200 else {}
    check("oembed 200 JSON", st == 200 and h.get("content-type", "").startswith("application/json"),
          f"{st} {b[:120]!r}")
    check("oembed is oEmbed 1.0 rich from briefmap",
          doc.get("version") == "1.0" and doc.get("type") == "rich" and doc.get("provider_name") == "briefmap",
          repr(doc)[:200])
    car = next(v for v in views if v["name"] == "caribbean")
    check("oembed title is the view's", doc.get("title") == car["title"], repr(doc.get("title")))
    tags = iframe_of(doc)
    check("oembed html is one iframe", len(tags) == 1 and tags[0][0] == "iframe", doc.get("html", ""))
    if tags:
        a = tags[0][1]
        check("iframe shows the embed of that view", a.get("src") == base + "/embed?view=caribbean", a.get("src"))
        check("iframe size is the answer's", a.get("width") == str(doc["width"]) and
              a.get("height") == str(doc["height"]), repr(a))
        check("iframe has a title", (a.get("title") or "").endswith(car["title"]), repr(a.get("title")))
    check("CORS on oembed", h.get("access-control-allow-origin") == "*")

    # maxwidth / maxheight bound the size, keeping its proportions.
    for mw, mh in (("360", None), ("300", "150"), ("2000", "2000"), ("1", "1"), ("", "")):
        extra = {}
        if mw is not None:
            extra["maxwidth"] = mw
        if mh is not None:
            extra["maxheight"] = mh
        st, _, b = oembed(srv, base + "/", **extra)
        d = json.loads(b) if st == 200 else {}
        ok = st == 200 and d["width"] >= 1 and d["height"] >= 1
        if mw:
            ok = ok and d["width"] <= int(mw)
        if mh:
            ok = ok and d["height"] <= int(mh)
        check(f"maxwidth={mw} maxheight={mh} -> {d.get('width')}x{d.get('height')}", ok, f"{st} {b[:100]!r}")
    st, _, b = oembed(srv, base + "/")
    d = json.loads(b)
    check("the page's url gives the default view", '/embed?view=region"' in d.get("html", ""),
          d.get("html"))
    # A url with a fragment and an encoded view name.
    st, _, b = oembed(srv, base + "/?view=mexico#5/20/-100")
    check("the page with ?view= and a fragment", st == 200 and "/embed?view=mexico\"" in json.loads(b)["html"],
          f"{st} {b[:160]!r}")
    st, _, b = oembed(srv, base.upper().replace("HTTP://", "http://") + "/embed?view=caribbean")
    check("host compared without case", st == 200, f"{st} {b[:100]!r}")
    # HEAD works where GET does.
    st, h, b = srv.request("HEAD", "/oembed?" + urllib.parse.urlencode({"url": base + "/"}))
    check("HEAD /oembed 200 without a body", st == 200 and b == b"", f"{st} {b[:60]!r}")


def test_errors(srv, base):
    enc = urllib.parse.quote
    cases = [
        ("", 400, "no url"),
        ("url=", 400, "empty url"),
        ("url=" + enc("embed?view=caribbean"), 400, "relative url"),
        ("url=" + enc("ftp://" + base[7:] + "/"), 400, "ftp scheme"),
        ("url=" + enc("http:///embed"), 400, "no host"),
        ("url=" + enc(base + "/embed?view=%zz"), 400, "bad escape in the url"),
        ("url=" + enc(base + "/embed?view=%00"), 400, "encoded NUL in the url"),
        ("url=" + enc(base + "/embed?view=a b"), 400, "space in the url"),
        ("url=" + enc(base + "/<script>"), 400, "markup in the url"),
        ("url=" + enc("http://user@" + base[7:] + "/"), 400, "user info"),
        ("url=" + enc(base + "/") + "&maxwidth=abc", 400, "maxwidth not a number"),
        ("url=" + enc(base + "/") + "&maxwidth=0", 400, "maxwidth 0"),
        ("url=" + enc(base + "/") + "&maxheight=-5", 400, "negative maxheight"),
        ("url=" + enc(base + "/") + "&maxwidth=99999999", 400, "huge maxwidth"),
        ("url=" + enc("http://example.com/embed?view=caribbean"), 404, "another server"),
        ("url=" + enc(base + "/api/events"), 404, "not a map page"),
        ("url=" + enc(base + "/static/app.js"), 404, "a static file"),
        ("url=" + enc(base + "/embed?view=atlantis"), 404, "unknown view"),
        ("url=" + enc(base + "/") + "&format=xml", 501, "format=xml"),
        ("url=" + enc(base + "/") + "&format=yaml", 501, "format=yaml"),
        ("url=" + enc(base + "/" + "x" * 3000), 400, "url too long"),
    ]
    for q, want, name in cases:
        expect_error(srv, "/oembed?" + q, want, f"oembed {name} -> {want}")


def test_discovery(srv, base):
    for path in ("/", "/embed?view=caribbean", "/embed"):
        st, h, b = srv.get(path)
        p = Links()
        p.feed(b.decode("utf-8"))
        check(f"{path}: one oEmbed discovery link", st == 200 and len(p.oembed) == 1, f"{st} {p.oembed}")
        if not p.oembed:
            continue
        u = urllib.parse.urlsplit(p.oembed[0])
        check(f"{path}: the link is absolute, to /oembed here",
              f"{u.scheme}://{u.netloc}" == base and u.path == "/oembed", p.oembed[0])
        page = urllib.parse.parse_qs(u.query).get("url", [""])[0]
        check(f"{path}: the link names this page", page == base + path, page)
        st, _, b = srv.get(u.path + "?" + u.query)
        check(f"{path}: the link answers", st == 200 and json.loads(b).get("type") == "rich", f"{st} {b[:100]!r}")
        st2, h2, _ = srv.get(path, {"If-None-Match": h.get("etag", "")})
        check(f"{path}: ETag and 304", h.get("etag") and st2 == 304, f"{h.get('etag')} {st2}")
    # A hostile query string is escaped into the link, never into the markup.
    st, _, b = srv.get('/?view="><script>alert(1)</script>')
    check("a hostile page query stays inside the link's attribute",
          st == 200 and b"<script>alert" not in b, b[:400])
    st, _, b = srv.get("/", {"Host": "evil\"><b>x</b>"})
    check("a hostile Host header is not echoed", st == 200 and b"<b>x</b>" not in b, b[:400])
    # The longest Host header we echo, with a long page address: the link is whole.
    long_host = "h" * 249 + ":8080"
    st, _, b = srv.get("/embed?view=caribbean&x=" + "%41" * 1000, {"Host": long_host})
    p = Links()
    p.feed(b.decode("utf-8"))
    check("a long Host and address give a whole link", st == 200 and len(p.oembed) == 1 and
          p.oembed[0].startswith("http://" + long_host + "/oembed?url=http%3A%2F%2F" + long_host.replace(":", "%3A")) and
          p.oembed[0].endswith("%2541" * 1000), f"{st} {p.oembed[:1]!r}"[:300])
    st, _, b = srv.get("/oembed?" + urllib.parse.urlencode({"url": "http://" + long_host + "/embed?view=caribbean"}),
                       {"Host": long_host})
    check("oembed for a long Host", st == 200 and long_host in json.loads(b).get("html", ""), f"{st} {b[:100]!r}")


def main():
    if len(sys.argv) != 3:
        print("usage: test_oembed.py BRIEFMAP_EXE SOURCE_ROOT", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    root = os.path.abspath(sys.argv[2])
    data_dir = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")
    srv = Server(exe, root, ["--data", data_dir], name="server")
    try:
        base = f"http://{srv.host}:{srv.port}"
        _, _, b = srv.get("/api/views")
        views = json.loads(b)
        for name, fn in (("answers", lambda: test_answers(srv, base, views)),
                         ("errors", lambda: test_errors(srv, base)),
                         ("discovery", lambda: test_discovery(srv, base))):
            try:
                fn()
            except Exception:  # noqa: BLE001 - a crash in one section fails it, not the run
                check(f"section {name} ran", False, traceback.format_exc())
    finally:
        rc = srv.stop(signal.SIGTERM)
        check("server stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")
    print(f"{test_http.PASSED} passed, {test_http.FAILED} failed")
    return 1 if test_http.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
