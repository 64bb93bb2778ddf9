#!/usr/bin/env python3
"""test_http.py: integration tests of `briefmap serve` against a real running server.

Usage: test_http.py BRIEFMAP_EXE SOURCE_ROOT

Starts the server on 127.0.0.1:0, reads the printed URL and checks every
route with good and bad input, the HTTP semantics (ETag/304, CORS, HEAD,
OPTIONS, 405), static file containment, the render queue, live reload of the
events file and clean shutdown. Prints "N passed, N failed" and exits non-zero
on any failure.
"""

import concurrent.futures
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import briefmaptest  # noqa: E402  (checks, the real server, cases by name)
from briefmaptest import Server, case, check, server_env, summary  # noqa: E402,F401

# Deadline factor: 1, or more under a sanitizer (set in main).
SLOW = 1


def __getattr__(name):
    """The harnesses that import this module read the shared counts through it."""
    if name in ("PASSED", "FAILED"):
        return getattr(briefmaptest, name)
    raise AttributeError(name)


def png_size(body):
    if len(body) < 33 or body[:8] != b"\x89PNG\r\n\x1a\n" or body[12:16] != b"IHDR":
        return None
    w, h = struct.unpack(">II", body[16:24])
    return w, h, body[25]  # width, height, colour type


def png_has_alpha(body):
    """An alpha channel, or a palette with translucent entries (tRNS)."""
    return body[25] in (4, 6) or (body[25] == 3 and b"tRNS" in body)


def webp_size(body):
    """Width, height and alpha-used of a lossless WebP, or None."""
    if len(body) < 25 or body[:4] != b"RIFF" or body[8:16] != b"WEBPVP8L" or body[20] != 0x2F:
        return None
    if struct.unpack("<I", body[4:8])[0] + 8 != len(body):
        return None
    bits = struct.unpack("<I", body[21:25])[0]
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)


def is_json_error(status, headers, body, want):
    if status != want:
        return False
    if not headers.get("content-type", "").startswith("application/json"):
        return False
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"] != ""


def expect_error(srv, path, want, name=None, method="GET", headers=None):
    st, h, b = srv.request(method, path, headers)
    return check(name or f"{method} {path[:80]} -> {want}", is_json_error(st, h, b, want),
                 f"got {st} {h.get('content-type')} {b[:120]!r}")


def without_oembed_link(page):
    """A served page less the one oEmbed discovery link the server adds before </head>."""
    rx = rb'<link rel="alternate" type="application/json\+oembed" [^>]*>\n(?=</head>)'
    return re.sub(rx, b"", page, count=1) if len(re.findall(rx, page)) == 1 else None


def lonlat_to_tile(lon, lat, z):
    import math
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lr = math.radians(lat)
    y = int((1.0 - math.log(math.tan(lr) + 1 / math.cos(lr)) / math.pi) / 2.0 * n)
    return x, y


# ---- the checks -------------------------------------------------------------


def test_basic_routes(srv, root):
    st, h, b = srv.get("/healthz")
    check("healthz 200 ok", st == 200 and b == b"ok\n", f"{st} {b!r}")
    check("healthz text/plain", h.get("content-type", "").startswith("text/plain"))
    check("healthz has strong ETag", re.fullmatch(r'"[0-9a-f]{16}"', h.get("etag", "")) is not None)

    st, h, b = srv.get("/")
    check("index 200 html", st == 200 and h.get("content-type", "").startswith("text/html"),
          f"{st} {h.get('content-type')}")
    with open(os.path.join(root, "static", "index.html"), "rb") as f:
        check("index is static/index.html and its oEmbed link", without_oembed_link(b) == f.read())
    check("index Cache-Control", "max-age=60" in h.get("cache-control", ""))
    check("index ETag", h.get("etag", "").startswith('"'))

    st, h, b = srv.get("/embed?view=region")
    check("embed 200 html", st == 200 and h.get("content-type", "").startswith("text/html"),
          f"{st}")
    with open(os.path.join(root, "static", "embed.html"), "rb") as f:
        check("embed is static/embed.html and its oEmbed link", without_oembed_link(b) == f.read())
    expect_error(srv, "/embed?view=atlantis", 404)

    for path, ctype in (("/static/leaflet/leaflet.js", "text/javascript"),
                        ("/static/leaflet/leaflet.css", "text/css"),
                        ("/static/leaflet/images/marker-icon.png", "image/png"),
                        ("/static/index.html", "text/html")):
        st, h, b = srv.get(path)
        check(f"{path} 200 {ctype}", st == 200 and h.get("content-type", "").startswith(ctype),
              f"{st} {h.get('content-type')}")
    st, h, b = srv.get("/static/leaflet/leaflet.js")
    with open(os.path.join(root, "node_modules", "leaflet", "dist", "leaflet.js"), "rb") as f:
        check("leaflet.js comes from node_modules", b == f.read())
    etag = h.get("etag")
    st, h, b = srv.get("/static/leaflet/leaflet.js", {"If-None-Match": etag})
    check("static 304 on If-None-Match", st == 304 and b == b"", f"{st}")
    expect_error(srv, "/static/no-such-file.js", 404)
    expect_error(srv, "/static/leaflet/no-such-file.js", 404)
    expect_error(srv, "/nowhere", 404)


def test_static_containment(srv):
    secret = b"project('briefmap'"
    paths = [
        "/static/../meson.build",
        "/static/%2e%2e/meson.build",
        "/static/%2E%2E/meson.build",
        "/static/%2e%2e%2fmeson.build",
        "/static/..%2Fmeson.build",
        "/static/.%2e/meson.build",
        "/static%2F..%2Fmeson.build",
        "/static/leaflet/../../meson.build",
        "/static/leaflet/..%2F..%2F..%2Fmeson.build",
        "/static/leaflet/%2e%2e/%2e%2e/%2e%2e/meson.build",
        "/static/..\\meson.build",
        "/static/%5c..%5cmeson.build",
        "/static/index.html%00.js",
        "/static/%252e%252e/meson.build",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/static/.gitignore",
        "/static/",
    ]
    for p in paths:
        st, h, b = srv.get(p)
        check(f"refused {p}", 400 <= st < 500 and secret not in b and b"root:" not in b,
              f"{st} {b[:80]!r}")
        check(f"refused {p} with JSON", h.get("content-type", "").startswith("application/json"))


def test_tiles(srv):
    st, h, b = srv.get("/tiles/base/0/0/0.png")
    size = png_size(b)
    check("base 0/0/0 PNG 256x256", st == 200 and size and size[:2] == (256, 256), f"{st} {size}")
    check("tile content-type image/png", h.get("content-type") == "image/png")
    check("tile CORS", h.get("access-control-allow-origin") == "*")
    check("tile Cache-Control", h.get("cache-control") == "public, max-age=300", h.get("cache-control"))
    etag = h.get("etag", "")
    check("tile strong ETag", re.fullmatch(r'"[0-9a-f]{16}"', etag) is not None, etag)
    check("tile content-length", h.get("content-length") == str(len(b)))

    st2, h2, b2 = srv.get("/tiles/base/0/0/0.png")
    check("cached tile identical", st2 == 200 and b2 == b and h2.get("etag") == etag)

    for inm in (etag, f'"0000000000000000", {etag}', "*", f"W/{etag}"):
        st, h3, b3 = srv.get("/tiles/base/0/0/0.png", {"If-None-Match": inm})
        check(f"tile 304 for If-None-Match {inm}", st == 304 and b3 == b"" and h3.get("etag") == etag
              and h3.get("access-control-allow-origin") == "*", f"{st}")
    st, _, _ = srv.get("/tiles/base/0/0/0.png", {"If-None-Match": '"0000000000000000"'})
    check("tile 200 for other If-None-Match", st == 200)

    st, h, b = srv.request("HEAD", "/tiles/base/0/0/0.png")
    check("HEAD tile: 200, no body, same headers", st == 200 and b == b"" and h.get("etag") == etag
          and h.get("content-type") == "image/png" and h.get("content-length") == str(len(b2)),
          f"{st} {h}")

    st, h, b = srv.get("/tiles/briefing/1/0/0@2x.png")
    size = png_size(b)
    check("briefing @2x PNG 512x512", st == 200 and size and size[:2] == (512, 512), f"{st} {size}")
    st, h, b = srv.get("/tiles/events/3/2/3.png")
    size = png_size(b)
    check("events tile is a PNG with alpha", st == 200 and size and size[:2] == (256, 256)
          and png_has_alpha(b), f"{st} {size}")

    # WebP: the same tiles from the table of tile image formats, with their own ETag.
    st, h, b = srv.get("/tiles/base/0/0/0.webp")
    check("base 0/0/0 WebP 256x256", st == 200 and webp_size(b) == (256, 256, False),
          f"{st} {webp_size(b)}")
    check("WebP content-type", h.get("content-type") == "image/webp", h.get("content-type"))
    check("WebP ETag differs from the PNG's", h.get("etag") not in ("", None, etag))
    st, h2, b2 = srv.get("/tiles/base/0/0/0.webp", {"If-None-Match": h.get("etag", "")})
    check("WebP 304", st == 304 and b2 == b"", f"{st}")
    st, h, b = srv.get("/tiles/briefing/1/0/0@2x.webp")
    check("briefing @2x WebP 512x512", st == 200 and webp_size(b) == (512, 512, False),
          f"{st} {webp_size(b)}")
    st, h, b = srv.get("/tiles/events/3/2/3.webp")
    check("events WebP keeps alpha", st == 200 and webp_size(b) == (256, 256, True),
          f"{st} {webp_size(b)}")

    x, y = lonlat_to_tile(-99.13, 19.43, 12)
    st, h, b = srv.get(f"/tiles/briefing/12/{x}/{y}.png")
    check("zoom 12 tile", st == 200 and png_size(b) is not None, f"{st}")

    # until: filters events, so the events tileset's ETag depends on it; base ignores it.
    _, h_all, _ = srv.get("/tiles/events/4/3/7.png")
    st, h_u, _ = srv.get("/tiles/events/4/3/7.png?until=2025-01-01")
    check("until accepted", st == 200, f"{st}")
    check("until changes events ETag", h_all.get("etag") != h_u.get("etag"))
    _, hb1, _ = srv.get("/tiles/base/4/3/7.png")
    _, hb2, _ = srv.get("/tiles/base/4/3/7.png?until=2025-01-01")
    check("until does not change base ETag", hb1.get("etag") == hb2.get("etag"))

    for p, want in (
        ("/tiles/base/13/0/0.png", 404),
        ("/tiles/base/1/2/0.png", 404),
        ("/tiles/base/1/0/2.png", 404),
        ("/tiles/base/12/4096/0.png", 404),
        ("/tiles/base/-1/0/0.png", 400),
        ("/tiles/base/1/-1/0.png", 400),
        ("/tiles/base/1/+1/0.png", 400),
        ("/tiles/base/1/0/+0.png", 400),
        ("/tiles/base/01/0/0.png", 400),
        ("/tiles/base/1/01/0.png", 400),
        ("/tiles/base/1/0/00.png", 400),
        ("/tiles/base/1/0x1/0.png", 400),
        ("/tiles/base/1/1a/0.png", 400),
        ("/tiles/base/1/%201/0.png", 400),
        ("/tiles/base/1//0.png", 400),
        ("/tiles/base/1/0/.png", 400),
        ("/tiles/base/1/99999999999999999999999/0.png", 400),
        ("/tiles/base/99999999999999999999/0/0.png", 400),
        ("/tiles/base/1/0/0@3x.png", 400),
        ("/tiles/base/1/0/0.jpg", 404),
        ("/tiles/base/1/0/0.webp.png", 400),
        ("/tiles/base/1/0/0@2x", 404),
        ("/tiles/base/1/0/0.", 404),
        ("/tiles/base/1/0/0@3x.webp", 400),
        ("/tiles/base/1/0.png", 404),
        ("/tiles/base/1/0/0/0.png", 404),
        ("/tiles/nope/0/0/0.png", 404),
        ("/tiles/nope.json", 404),
        ("/tiles/base/0/0/0.png?until=2025-13-45", 400),
        ("/tiles/base/0/0/0.png?until=yesterday", 400),
        ("/tiles/events/0/0/0.png?until=", 400),
        ("/tiles/base/0/0/0.png?until=%zz", 400),
    ):
        st, h, b = srv.get(p)
        check(f"{p} -> {want}", is_json_error(st, h, b, want) and
              h.get("access-control-allow-origin") == "*", f"got {st} {b[:100]!r}")


def test_limits(srv):
    expect_error(srv, "/tiles/base/0/0/0.png?until=2025-01-01&pad=" + "a" * 10000, 413,
                 "huge query string -> 413")
    expect_error(srv, "/healthz?" + "&".join(f"k{i}=v" for i in range(200)), 413,
                 "too many parameters -> 413")
    expect_error(srv, "/static/" + "a" * 9000, 414, "path over 8 KiB -> 414")
    # Beyond the per-connection memory, libmicrohttpd refuses by itself: any 4xx or a close.
    try:
        st, _, _ = srv.get("/healthz?" + "a" * 200000, timeout=10)
        check("200 KB URL refused", 400 <= st < 500, f"{st}")
    except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
        check("200 KB URL refused", True, str(e))
    st, _, b = srv.get("/healthz")
    check("server alive after huge URL", st == 200 and b == b"ok\n")
    expect_error(srv, "/static/a%00b", 400, "encoded NUL -> 400")
    expect_error(srv, "/healthz?x=%G1", 400, "bad escape in query -> 400")


def test_methods(srv):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/tiles/base/0/0/0.png", "/api/events", "/"):
            st, h, b = srv.request(method, path, {"Content-Length": "0"})
            check(f"{method} {path} -> 405 with Allow", is_json_error(st, h, b, 405)
                  and "GET" in h.get("allow", "") and "HEAD" in h.get("allow", ""),
                  f"{st} {h.get('allow')}")
    st, h, b = srv.request("POST", "/api/events", {"Content-Length": "5"})
    check("POST with body -> 405", st == 405)
    for path in ("/tiles/base/0/0/0.png", "/api/events", "/tiles/briefing.json", "/render.png"):
        st, h, b = srv.request("OPTIONS", path, {"Origin": "http://example.org",
                                                 "Access-Control-Request-Method": "GET"})
        check(f"OPTIONS {path} -> 204 preflight", st == 204 and b == b""
              and h.get("access-control-allow-origin") == "*"
              and "GET" in h.get("access-control-allow-methods", "")
              and "HEAD" in h.get("access-control-allow-methods", ""), f"{st} {h}")
    for path in ("/api/events", "/api/views", "/healthz", "/tiles/base.json", "/"):
        st_g, h_g, b_g = srv.get(path)
        st_h, h_h, b_h = srv.request("HEAD", path)
        check(f"HEAD {path} like GET without body", st_h == st_g == 200 and b_h == b""
              and h_h.get("content-type") == h_g.get("content-type")
              and h_h.get("etag") == h_g.get("etag")
              and h_h.get("content-length") == str(len(b_g)), f"{st_h} {st_g}")


def test_route_table(srv):
    """Each route's caching and CORS, where it is found, and its name in /metrics."""
    slug = json.loads(srv.get("/api/briefings")[2])["default"]
    # /readyz answers 200 once every zoom's labels are placed.
    deadline = time.monotonic() + 120
    while srv.get("/readyz")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    # path, Cache-Control of its 200, whether it sends Access-Control-Allow-Origin: *
    routes = [("/", "public, max-age=60", False),
              ("/embed", "public, max-age=60", False),
              ("/static/app.js", "public, max-age=60", False),
              ("/tiles/base/0/0/0.png", "public, max-age=300", True),
              ("/tiles/base.json", "no-cache", True),
              ("/api/events", "no-cache", True),
              ("/api/views", "no-cache", True),
              ("/api/style", "no-cache", True),
              ("/api/briefing", "no-cache", True),
              ("/api/article", "no-cache", True),
              ("/api/briefings", "no-cache", True),
              ("/render.png?view=mexico&size=120x80", "public, max-age=60", True),
              ("/healthz", "no-store", False),
              ("/readyz", "no-store", False),
              ("/metrics", "no-store", False),
              ("/wmts/1.0.0/WMTSCapabilities.xml", "no-cache", True)]
    for path, cache, cors in routes:
        for prefix in ("", f"/b/{slug}"):
            if prefix and path in ("/healthz", "/readyz", "/metrics", "/api/briefings",
                                   "/wmts/1.0.0/WMTSCapabilities.xml"):
                # The server's own routes are not a briefing's.
                expect_error(srv, prefix + path, 404, f"{prefix + path} -> 404")
                st, h, _ = srv.request("OPTIONS", prefix + path)
                check(f"OPTIONS {prefix + path} -> 404", st == 404, f"{st}")
                continue
            st, h, _ = srv.get(prefix + path)
            check(f"{prefix + path}: 200, Cache-Control {cache}",
                  st == 200 and h.get("cache-control") == cache,
                  f"{st} {h.get('cache-control')}")
            check(f"{prefix + path}: CORS {cors}",
                  (h.get("access-control-allow-origin") == "*") == cors,
                  f"{h.get('access-control-allow-origin')}")
            st, h, _ = srv.request("OPTIONS", prefix + path)
            check(f"OPTIONS {prefix + path}: Allow", st == 204
                  and h.get("allow") == "GET, HEAD, OPTIONS", f"{st} {h.get('allow')}")
    names = ("index", "embed", "static", "tile", "tilejson", "events", "views", "style",
             "briefing", "article", "briefings", "render", "healthz", "readyz", "metrics", "wmts")
    # A request is counted once its answer is sent whole, which the client may see first.
    deadline = time.monotonic() + 2
    while True:
        text = srv.get("/metrics")[2].decode()
        counted = {name: re.search(rf'^briefmap_requests_total\{{route="{name}",status="200"\}} '
                                   rf'[1-9]', text, re.M) is not None for name in names}
        if all(counted.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for name in names:
        check(f"/metrics counts route {name}", counted[name])
    # A path no route has: counted as "other", and 404 for any method but the unknown ones.
    expect_error(srv, "/api/nothing", 404, "/api/nothing -> 404")
    st, _, _ = srv.request("OPTIONS", "/api/nothing")
    check("OPTIONS /api/nothing -> 404", st == 404, f"{st}")
    text = srv.get("/metrics")[2].decode()
    check("/metrics counts unknown paths as other",
          re.search(r'^briefmap_requests_total\{route="other",status="404"\} [1-9]', text,
                    re.M) is not None)


def test_article(srv, events_src):
    """article.txt as the quotes' offsets count it: each quote is at its offset."""
    slug = json.loads(srv.get("/api/briefings")[2])["default"]
    with open(os.path.join(os.path.dirname(events_src), "article.txt"), "rb") as f:
        want = f.read()
    for prefix in ("", f"/b/{slug}"):
        st, h, body = srv.get(prefix + "/api/article")
        check(f"{prefix}/api/article: the briefing's article.txt, byte for byte",
              st == 200 and body == want
              and h.get("content-type") == "text/plain; charset=utf-8" and h.get("etag"),
              f"{st} {h.get('content-type')} {len(body)} vs {len(want)}")
    etag = srv.get("/api/article")[1].get("etag")
    st, _, _ = srv.request("GET", "/api/article", headers={"If-None-Match": etag})
    check("/api/article: 304 on its ETag", st == 304, f"{st}")
    check("/api/article's ETag is not /api/events'",
          etag != srv.get("/api/events")[1].get("etag"), etag)
    fc = json.loads(srv.get("/api/events")[2])
    placed = bad = 0
    for f in fc["features"]:
        for s in f["properties"].get("sources", []):
            off, n = s.get("offset", -1), s.get("length", 0)
            placed += 1
            if want[off:off + n].decode("utf-8") != s["quote"]:
                bad += 1
    check("every quote's offset and length pick it out of /api/article",
          placed > 0 and bad == 0, f"{bad} of {placed}")


def test_tilejson(srv):
    for ts in ("briefing", "base", "events"):
        st, h, b = srv.get(f"/tiles/{ts}.json")
        ok = check(f"TileJSON {ts} 200 JSON", st == 200 and h.get("content-type", "").startswith(
            "application/json") and h.get("access-control-allow-origin") == "*", f"{st}")
        if not ok:
            continue
        doc = json.loads(b)
        check(f"TileJSON {ts} version 3.0.0", doc.get("tilejson") == "3.0.0")
        tiles = doc.get("tiles") or [""]
        check(f"TileJSON {ts} tiles URL (revisioned)", len(tiles) == 1 and re.fullmatch(
            rf"http://{re.escape(srv.host)}:{srv.port}/tiles/{ts}/\{{z\}}/\{{x\}}/\{{y\}}\.png"
            r"\?v=[0-9a-f]{16}", tiles[0]), tiles)
        check(f"TileJSON {ts} zooms", doc.get("minzoom") == 0 and doc.get("maxzoom") == 12)
        check(f"TileJSON {ts} bounds", doc.get("bounds") == [-120, 2, -58, 35], doc.get("bounds"))
        check(f"TileJSON {ts} description carries the article's caveats",
              "Caveats about the article" in doc.get("description", "")
              and "contradicts itself" in doc.get("description", ""), doc.get("description"))
        c = doc.get("center", [])
        check(f"TileJSON {ts} center", len(c) == 3 and -120 < c[0] < -58 and 2 < c[1] < 35
              and 0 <= c[2] <= 12, c)
        check(f"TileJSON {ts} scheme xyz", doc.get("scheme") == "xyz")
        for k in ("name", "description", "version", "attribution"):
            check(f"TileJSON {ts} {k}", isinstance(doc.get(k), str) and doc[k] != "")
        check(f"TileJSON {ts} attribution", "Natural Earth" in doc.get("attribution", "")
              and "SimpleMaps" in doc.get("attribution", ""))
        check(f"TileJSON {ts} ETag", h.get("etag", "").startswith('"'))
    st, h, b = srv.get("/tiles/events.json", {"Host": "maps.example.org",
                                               "X-Forwarded-Proto": "https"})
    doc = json.loads(b) if st == 200 else {}
    # X-Forwarded-* are a proxy's to set: without --trust-proxy only Host counts.
    check("TileJSON honours Host, not an untrusted X-Forwarded-Proto",
          (doc.get("tiles") or [""])[0].startswith(
              "http://maps.example.org/tiles/events/{z}/{x}/{y}.png?v="), doc.get("tiles"))
    st, h, b = srv.get("/tiles/base.json", {"Host": "evil\"<script>"})
    doc = json.loads(b) if st == 200 else {}
    check("TileJSON ignores a bad Host header",
          st == 200 and doc.get("tiles", [""])[0].startswith(f"http://{srv.host}:{srv.port}/"),
          doc.get("tiles"))


def test_api(srv, events_path):
    with open(events_path, encoding="utf-8") as f:
        source = json.load(f)
    st, h, b = srv.get("/api/events")
    check("events 200 geo+json", st == 200 and h.get("content-type", "").startswith(
        "application/geo+json"), f"{st} {h.get('content-type')}")
    check("events CORS and no-cache", h.get("access-control-allow-origin") == "*"
          and h.get("cache-control") == "no-cache")
    doc = json.loads(b)
    check("events FeatureCollection", doc.get("type") == "FeatureCollection")
    brief = doc.get("briefing") or {}
    check("events carry the briefing's caveats", len(brief.get("caveats", [])) >= 3
          and {c.get("kind") for c in brief["caveats"]} >= {"contradiction", "inaccuracy", "undated"},
          brief)
    article = os.path.join(os.path.dirname(events_path), "article.txt")
    if os.path.exists(article):
        with open(article, "rb") as f:
            text = f.read()
        bad = [(f["id"], q.get("quote", "")[:40]) for f in doc.get("features", [])
               for q in f["properties"].get("sources", [])
               if text[q.get("offset", -1):q.get("offset", -1) + q.get("length", 0)]
               != q.get("quote", "").encode()]
        check("every quote is at its byte offset in article.txt", not bad, bad[:3])
    check("events count equals the file's features",
          len(doc.get("features", [])) == len(source["features"]),
          f"{len(doc.get('features', []))} vs {len(source['features'])}")
    etag = h.get("etag")
    st, _, _ = srv.get("/api/events", {"If-None-Match": etag})
    check("events 304", st == 304)
    first = source["features"][0]["properties"]["id"]
    st, h, b = srv.get(f"/api/events/{first}")
    ok = check("event by id 200", st == 200, f"{st}")
    if ok:
        f1 = json.loads(b)
        check("event by id is that Feature", f1.get("type") == "Feature"
              and f1.get("properties", {}).get("id") == first)
        check("event by id ETag differs from the collection's", h.get("etag") != etag)
    expect_error(srv, "/api/events/no-such-event", 404)
    expect_error(srv, "/api/events/a%2Fb", 404)

    st, h, b = srv.get("/api/views")
    ok = check("views 200 JSON", st == 200 and h.get("content-type", "").startswith(
        "application/json") and h.get("access-control-allow-origin") == "*", f"{st}")
    if ok:
        views = json.loads(b)
        region = [v for v in views if v.get("name") == "region"]
        check("views has region with its bbox", region and region[0]["bbox"] == [-120, 2, -58, 35])
        check("views entries complete", all(set(v) >= {"name", "title", "description", "bbox"}
                                            for v in views))
        st, _, _ = srv.get("/api/views", {"If-None-Match": h.get("etag")})
        check("views 304", st == 304)


def test_render(srv):
    st, h, b = srv.get("/render.png?view=caribbean&size=600x400")
    size = png_size(b)
    check("render.png 600x400", st == 200 and size and size[:2] == (600, 400), f"{st} {size} {b[:100]!r}")
    check("render.png headers", h.get("content-type") == "image/png"
          and h.get("access-control-allow-origin") == "*"
          and h.get("content-disposition", "").startswith("inline")
          and "filename=" in h.get("content-disposition", ""), h)
    etag = h.get("etag") or '"none"'
    st, _, _ = srv.get("/render.png?view=caribbean&size=600x400", {"If-None-Match": etag})
    check("render 304", st == 304)
    st, h, b = srv.get("/render.png?bbox=-90,8,-59,24.5&size=300x200&scale=2")
    size = png_size(b)
    check("render.png bbox scale 2 is 600x400", st == 200 and size and size[:2] == (600, 400),
          f"{st} {size}")
    st, h, b = srv.get("/render.pdf?view=mexico&size=600x400&title=Test%20sheet")
    check("render.pdf", st == 200 and h.get("content-type") == "application/pdf"
          and b.startswith(b"%PDF"), f"{st} {h.get('content-type')}")
    st, h, b = srv.get("/render.svg?view=venezuela&size=600x400&until=2025-10-01")
    check("render.svg", st == 200 and h.get("content-type", "").startswith("image/svg+xml")
          and b"<svg" in b[:400], f"{st} {h.get('content-type')}")
    st, h, b = srv.get("/render.png?view=region")
    size = png_size(b)
    check("render default size 1200x800", st == 200 and size and size[:2] == (1200, 800),
          f"{st} {size}")
    for p, want in (
        ("/render.png", 400),
        ("/render.png?view=atlantis", 404),
        ("/render.png?bbox=1,2,3", 400),
        ("/render.png?bbox=10,0,5,5", 400),
        ("/render.png?bbox=nan,0,5,5", 400),
        ("/render.png?view=region&bbox=-100,10,-90,20", 400),
        ("/render.png?view=region&size=abc", 400),
        ("/render.png?view=region&size=0x100", 400),
        ("/render.png?view=region&size=-5x100", 400),
        ("/render.png?view=region&size=100000x100", 413),
        ("/render.png?view=region&size=8000x8000", 413),
        ("/render.png?view=region&scale=3", 400),
        ("/render.png?view=region&until=2025-02-30x", 400),
        ("/render.png?view=region&size=300x200&crs=EPSG:99999999", 400),
        ("/render.gif?view=region", 404),
        ("/render.png?view=region&lang=fr", 400),
        ("/render.png?view=region&lang=", 400),
    ):
        expect_error(srv, p, want)
    test_render_lang(srv)


def png_text(body):
    """The text chunks (tEXt, iTXt) of a PNG, by keyword."""
    out, i = {}, 8
    while i + 8 <= len(body):
        n, kind = struct.unpack(">I4s", body[i:i + 8])
        data = body[i + 8:i + 8 + n]
        if kind == b"tEXt":
            k, _, v = data.partition(b"\0")
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"iTXt":
            k, _, rest = data.partition(b"\0")
            rest = rest[2:]  # compression flag and method: never compressed here
            _, _, rest = rest.partition(b"\0")  # language tag
            _, _, v = rest.partition(b"\0")  # translated keyword
            out[k.decode("latin-1")] = v.decode("utf-8")
        i += 12 + n
    return out


def test_render_lang(srv):
    """&lang=es: the sheet's own words in Spanish, the briefing's texts as written, and the one
    text alternative ("Map of ...: N events, ...; caveats") in PNG, SVG and PDF metadata."""
    _, h_en, png_en = srv.get("/render.png?view=mexico&size=900x600")
    st, h_es, png_es = srv.get("/render.png?view=mexico&size=900x600&lang=es")
    check("render lang=es 200", st == 200, st)
    check("lang=es has an ETag of its own", h_es.get("etag") not in (None, h_en.get("etag")))
    d_en, d_es = png_text(png_en).get("Description", ""), png_text(png_es).get("Description", "")
    check("PNG Description: text alternative in English",
          re.match(r"Map of .+: \d+ events(, \d+ [a-z]+)+; Caveats about the article\.", d_en)
          is not None, d_en[:200])
    check("PNG Description: text alternative in Spanish",
          re.match(r"Mapa de .+: \d+ sucesos(, \d+ [a-zé]+)+; Advertencias sobre el artículo\.", d_es)
          is not None, d_es[:200])
    n_en = re.match(r"Map of .+?: (\d+) events", d_en)
    n_es = re.match(r"Mapa de .+?: (\d+) sucesos", d_es)
    check("both languages count the same events", n_en and n_es and n_en.group(1) == n_es.group(1),
          f"{d_en[:80]} / {d_es[:80]}")
    st, _, svg = srv.get("/render.svg?view=mexico&size=900x600&lang=es")
    m = re.search(rb"<desc>(.*?)</desc>", svg, re.S)
    check("SVG <desc>: the Spanish text alternative", st == 200 and m is not None
          and m.group(1).decode().startswith("Mapa de "), m and m.group(1)[:120])
    st, _, pdf = srv.get("/render.pdf?view=mexico&size=1200x800&lang=es&until=2025-12-31")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True,
                              check=True).stdout
    flat = " ".join(text.split())
    for words in ("Fuentes: ", "Advertencias sobre el artículo", "Contradicción:",
                  "sucesos sin fecha omitidos", "hasta el 31 de diciembre de 2025"):
        check(f"PDF lang=es says '{words}'", words in flat, flat[:300])
    for words in ("Sources: ", "Caveats about the article", "left out"):
        check(f"PDF lang=es does not say '{words}'", words not in flat, flat[:300])
    check("PDF lang=es keeps the article's words as written", "The article contradicts itself" in flat)
    subject = dict(re.findall(r"^([A-Za-z]+):\s+(.*)$", info, re.M)).get("Subject", "")
    check("PDF Subject: the Spanish text alternative", subject.startswith("Mapa de "), subject[:120])


def test_metrics(srv):
    st, h, b = srv.get("/metrics")
    text = b.decode()
    check("metrics 200 text/plain 0.0.4", st == 200 and h.get("content-type", "").startswith(
        "text/plain") and "0.0.4" in h.get("content-type", ""), f"{st} {h.get('content-type')}")
    for name in ("briefmap_requests_total", "briefmap_tiles_rendered_total",
                 "briefmap_label_images_bytes", "briefmap_mapped_data_bytes",
                 "briefmap_tile_cache_hits_total", "briefmap_tile_cache_misses_total",
                 "briefmap_tile_cache_bytes", "briefmap_render_seconds_bucket",
                 "briefmap_render_seconds_sum", "briefmap_render_seconds_count",
                 "briefmap_render_queue_depth", "briefmap_events_generation"):
        check(f"metrics has {name}", re.search(rf"^{name}(\{{[^}}]*\}})? [0-9.e+-]+$", text, re.M)
              is not None)
    m = re.search(r'^briefmap_requests_total\{route="tile",status="200"\} (\d+)$', text, re.M)
    check("metrics counts tile 200s", m and int(m.group(1)) > 0)
    m = re.search(r'^briefmap_requests_total\{route="tile",status="404"\} (\d+)$', text, re.M)
    check("metrics counts tile 404s", m and int(m.group(1)) > 0)
    m = re.search(r"^briefmap_tile_cache_hits_total (\d+)$", text, re.M)
    check("metrics cache hits > 0", m and int(m.group(1)) > 0)
    m = re.search(r'^briefmap_tiles_rendered_total\{tileset="base"\} (\d+)$', text, re.M)
    check("metrics tiles rendered > 0", m and int(m.group(1)) > 0)
    m = re.search(r'^briefmap_render_seconds_bucket\{kind="tile",le="\+Inf"\} (\d+)$', text, re.M)
    c = re.search(r'^briefmap_render_seconds_count\{kind="tile"\} (\d+)$', text, re.M)
    check("histogram +Inf equals count", m and c and m.group(1) == c.group(1))
    check("every sample line is well formed", all(
        re.fullmatch(r'[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+', ln)
        for ln in text.splitlines() if ln and not ln.startswith("#")))


def test_mapped_budget(srv):
    """Tiles all over the region, zooms 3 to 12, read much of the mapped snapshot: past its
    budget, and once the server is idle, its pages are given back, so that the server's
    resident set does not keep them."""
    def figures():
        text = srv.get("/metrics")[2].decode()
        vals = {}
        for key, rx in (("resident", r'^briefmap_mapped_data_bytes\{state="resident"\} (\d+)$'),
                        ("budget", r'^briefmap_mapped_data_bytes\{state="budget"\} (\d+)$'),
                        ("releases", r"^briefmap_mapped_data_releases_total (\d+)$")):
            m = re.search(rx, text, re.M)
            vals[key] = int(m.group(1)) if m else None
        return vals

    before = figures()
    check("metrics: mapped data budget and releases", None not in before.values(), str(before))
    if None in before.values():
        return
    peak = over = 0
    for z in range(3, 13):
        n = 2 ** z
        # lon -118..-58, lat 33..4 in tile numbers, 8 tiles spread over it per zoom.
        x0, x1 = int((-118 + 180) / 360 * n), int((-58 + 180) / 360 * n)
        y0, y1 = int(0.403 * n), int(0.489 * n)
        for i in range(8):
            x, y = x0 + (x1 - x0) * i // 7, y0 + (y1 - y0) * ((i * 3) % 8) // 7
            for ts in ("base", "briefing"):
                srv.get(f"/tiles/{ts}/{z}/{x}/{y}@2x.png")
        f = figures()
        peak = max(peak, f["resident"])
        over += f["resident"] > f["budget"]
    # Idle: within a few looks of the upkeep thread (a quarter of a second each) all is given back.
    deadline = time.monotonic() + 4
    while True:
        after = figures()
        if after["resident"] <= 4 << 20 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    print(f"mapped data: peak seen {peak / 1048576:.1f} MiB, {after['resident'] / 1048576:.1f} MiB "
          f"once idle, budget {after['budget'] / 1048576:.0f} MiB, given back "
          f"{after['releases'] - before['releases']} times during the test", flush=True)
    check("mapped data: the tiles read more than 4 MiB of it", peak > 4 << 20, f"{peak}")
    check("mapped data: never seen past its budget by more than a burst", over <= 2,
          f"{over} of 10 looks over the budget")
    # Less than 4 MiB read since the last time is not worth a release (upkeep.c).
    check("mapped data: given back once the server is idle", after["resident"] <= 4 << 20,
          str(after))
    check("mapped data: given back during the test", after["releases"] > before["releases"],
          f"{before} -> {after}")


def test_access_log(srv):
    mark = srv.mark()
    srv.get("/healthz?log=1")
    m = srv.wait_log(r"GET /healthz\?log=1 200 3 [0-9.]+ms", 5, mark)
    check("access log line: method, path, status, bytes, ms", m is not None, srv.tail(5))


def rendered_count(srv, tileset):
    _, _, b = srv.get("/metrics")
    m = re.search(rf'^briefmap_tiles_rendered_total{{tileset="{tileset}"}} (\d+)$', b.decode(), re.M)
    return int(m.group(1)) if m else -1


def test_coalescing(srv):
    """Clients asking at once for the same cold tile share one render."""
    x, y = lonlat_to_tile(-87.2, 14.1, 11)
    path = f"/tiles/briefing/11/{x}/{y}@2x.png"
    before = rendered_count(srv, "briefing")
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(lambda _: srv.get(path), range(8)))
    after = rendered_count(srv, "briefing")
    check("same cold tile x8: all 200", all(r[0] == 200 for r in results),
          f"{[r[0] for r in results]}")
    check("same cold tile x8: same bytes and ETag", len({r[2] for r in results}) == 1
          and len({r[1].get("etag") for r in results}) == 1)
    check("same cold tile x8: rendered once", after - before == 1, f"{before} -> {after}")


def test_concurrency(srv):
    """A cached tile answers fast while the workers are busy with cold renders."""
    hot = "/tiles/base/2/0/1.png"
    st, _, _ = srv.get(hot)
    check("hot tile warmed", st == 200)
    cold = []
    for z in (8, 9):
        x0, y0 = lonlat_to_tile(-110, 30, z)
        x1, y1 = lonlat_to_tile(-60, 5, z)
        for x in range(x0, x1 + 1, 2):
            for y in range(y0, y1 + 1, 2):
                cold.append(f"/tiles/briefing/{z}/{x}/{y}@2x.png")
    stop = threading.Event()
    done = []
    errors = []

    def cold_worker(paths):
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=60)
        for p in paths:
            if stop.is_set():
                break
            try:
                conn.request("GET", p)
                r = conn.getresponse()
                r.read()
                done.append(r.status)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(srv.host, srv.port, timeout=60)
        conn.close()

    nthreads = 6
    threads = [threading.Thread(target=cold_worker, args=(cold[i::nthreads],))
               for i in range(nthreads)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    lat = []
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    t_end = time.monotonic() + 10
    # Measured only while the cold renders are still running.
    while time.monotonic() < t_end and len(lat) < 300 and any(t.is_alive() for t in threads):
        t0 = time.perf_counter()
        conn.request("GET", hot)
        r = conn.getresponse()
        r.read()
        lat.append((time.perf_counter() - t0) * 1e3)
        if r.status != 200:
            check("hot tile 200 under load", False, f"{r.status}")
            break
        time.sleep(0.02)
    conn.close()
    rendered_during = len(done)
    stop.set()
    for t in threads:
        t.join(120)
    if not check("enough cached-tile samples during the renders", len(lat) >= 30, f"{len(lat)}"):
        return
    lat.sort()
    p50 = lat[len(lat) // 2]
    p95 = lat[int(len(lat) * 0.95) - 1]
    print(f"concurrency: cached tile latency over {len(lat)} requests while cold tiles rendered "
          f"({rendered_during} done meanwhile, {len(cold)} queued in total): "
          f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {lat[-1]:.2f} ms", flush=True)
    check("cold renders ran meanwhile", rendered_during > 0 and not errors, f"{errors[:3]}")
    check("cold renders all 200", all(s == 200 for s in done), f"{set(done)}")
    check("cached tile p95 < 50 ms while rendering", p95 < 50, f"p95 {p95:.1f} ms")


def make_sandbox(root, tmp, events_src):
    """A working folder of its own: copied events, a static/ with symlinks in and out."""
    os.makedirs(os.path.join(tmp, "geodata"))
    os.symlink(os.path.join(root, "briefings", "us-mexico-cartels", "views.json"), os.path.join(tmp, "geodata", "views.json"))
    os.symlink(os.path.join(root, "node_modules"), os.path.join(tmp, "node_modules"))
    static = os.path.join(tmp, "static")
    os.makedirs(static)
    shutil.copy(os.path.join(root, "static", "index.html"), static)
    shutil.copy(os.path.join(root, "static", "embed.html"), static)
    with open(os.path.join(tmp, "secret.txt"), "w") as f:
        f.write("top secret\n")
    os.symlink(os.path.join(tmp, "secret.txt"), os.path.join(static, "out.txt"))
    os.symlink("/etc/passwd", os.path.join(static, "passwd.txt"))
    os.symlink(tmp, os.path.join(static, "up"))
    os.symlink(os.path.join(static, "index.html"), os.path.join(static, "in.html"))
    events = os.path.join(tmp, "events.geojson")
    shutil.copy(events_src, events)
    return events


def test_symlinks(srv):
    for p in ("/static/out.txt", "/static/passwd.txt", "/static/up/secret.txt"):
        st, h, b = srv.get(p)
        check(f"symlink out of static refused: {p}", st == 404 and b"secret" not in b
              and b"root:" not in b, f"{st} {b[:60]!r}")
    st, h, b = srv.get("/static/up/static/index.html")
    check("symlink leading back inside static served", st == 200, f"{st}")
    st, h, b = srv.get("/static/in.html")
    check("symlink inside static served", st == 200 and h.get("content-type", "").startswith(
        "text/html"), f"{st}")


def write_json(path, doc):
    # Written in place (not renamed) on purpose: the watcher must cope with a file mid-write.
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)


def wait_title(srv, title, timeout):
    deadline = time.monotonic() + timeout
    t0 = time.monotonic()
    while time.monotonic() < deadline:
        st, h, b = srv.get("/api/events")
        if st == 200 and title in [f["properties"].get("title") for f in json.loads(b)["features"]]:
            return time.monotonic() - t0, h.get("etag")
        time.sleep(0.1)
    return None, None


def test_reload(srv, events):
    with open(events, encoding="utf-8") as f:
        doc = json.load(f)
    _, h0, _ = srv.get("/api/events")
    _, tb0, _ = srv.get("/tiles/briefing/3/1/3.png")
    _, tbase0, _ = srv.get("/tiles/base/3/1/3.png")
    _, _, m0 = srv.get("/metrics")
    gen0 = int(re.search(r"^briefmap_events_generation (\d+)$", m0.decode(), re.M).group(1))

    doc["features"][0]["properties"]["title"] = "Edited title for the reload test"
    write_json(events, doc)
    took, etag1 = wait_title(srv, "Edited title for the reload test", 3.0 * SLOW)
    check("good edit served within 3 s", took is not None, srv.tail(10))
    if took is not None:
        print(f"reload: good edit visible after {took:.2f} s", flush=True)
    check("events ETag changed after edit", etag1 and etag1 != h0.get("etag"))
    _, tb1, _ = srv.get("/tiles/briefing/3/1/3.png")
    _, tbase1, _ = srv.get("/tiles/base/3/1/3.png")
    check("briefing tile ETag changed after edit", tb1.get("etag") != tb0.get("etag"))
    check("base tile ETag unchanged after edit", tbase1.get("etag") == tbase0.get("etag"))
    _, _, m1 = srv.get("/metrics")
    gen1 = int(re.search(r"^briefmap_events_generation (\d+)$", m1.decode(), re.M).group(1))
    check("events generation incremented", gen1 == gen0 + 1, f"{gen0} -> {gen1}")

    mark = srv.mark()
    bad = json.loads(json.dumps(doc))
    bad["features"][0]["properties"]["title"] = "This bad edit must not be served"
    bad["features"][0]["properties"]["status"] = "rumoured"
    write_json(events, bad)
    m = srv.wait_log(r"events reload rejected", 3.0 * SLOW, mark)
    check("bad edit rejected in the log", m is not None, srv.tail(10))
    m = srv.wait_log(r"status", 1.0, mark)
    check("log names the bad field", m is not None, srv.tail(10))
    st, h, b = srv.get("/api/events")
    titles = [f["properties"].get("title") for f in json.loads(b)["features"]]
    check("last good version still served after bad edit",
          st == 200 and "Edited title for the reload test" in titles
          and "This bad edit must not be served" not in titles and h.get("etag") == etag1)

    mark = srv.mark()
    os.remove(events)
    m = srv.wait_log(r"events file .* is gone", 3.0 * SLOW, mark)
    check("removal logged", m is not None, srv.tail(10))
    st, h, b = srv.get("/api/events")
    check("still serving after removal", st == 200 and h.get("etag") == etag1)
    st, _, _ = srv.get("/tiles/briefing/3/2/3.png")
    check("tiles still render after removal", st == 200)

    doc["features"][0]["properties"]["title"] = "Restored title"
    write_json(events, doc)
    took, etag2 = wait_title(srv, "Restored title", 3.0 * SLOW)
    check("restored file served within 3 s", took is not None, srv.tail(10))
    check("ETag changed after restore", etag2 and etag2 != etag1)


def queue_depth(srv):
    _, _, b = srv.get("/metrics", timeout=5)
    m = re.search(r"^briefmap_render_queue_depth (\d+)$", b.decode(), re.M)
    return int(m.group(1)) if m else -1


def test_queue_full(srv):
    """With one render thread, a burst of cold tiles overflows the queue: 503 at once.
    Then SIGTERM while renders are still queued: the server must stop cleanly and fast."""
    x0, y0 = lonlat_to_tile(-100, 25, 12)
    paths = [f"/tiles/briefing/12/{x0 + i % 16}/{y0 + i // 16}@2x.png" for i in range(160)]

    def one(p):
        t0 = time.monotonic()
        try:
            st, h, b = srv.get(p, timeout=30)
            return st, h, b, time.monotonic() - t0
        except (OSError, http.client.HTTPException):
            return None, {}, b"", time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(paths)) as ex:
        futures = [ex.submit(one, p) for p in paths]
        depth, deadline = 0, time.monotonic() + 10
        while depth < 16 and time.monotonic() < deadline and not all(f.done() for f in futures):
            depth = max(depth, queue_depth(srv))
        check("render queue fills under a burst", depth >= 16, f"max depth seen {depth}")
        t0 = time.monotonic()
        rc = srv.stop(signal.SIGTERM)
        took = time.monotonic() - t0
        results = [f.result() for f in futures]
    check("SIGTERM with renders queued: status 0", rc == 0, f"{rc}\n{srv.tail()}")
    check("SIGTERM with renders queued: quick", took < 10 * SLOW, f"{took:.1f} s")
    print(f"shutdown: with renders queued (depth {depth}) stopped in {took:.2f} s", flush=True)
    busy = [r for r in results if r[0] == 503]
    print(f"queue: {len(paths)} cold tiles at once with 1 render thread: "
          f"{sum(1 for r in results if r[0] == 200)} rendered, {len(busy)} answered 503, "
          f"{sum(1 for r in results if r[0] is None)} cut by the stop", flush=True)
    check("no other status than 200 and 503", all(r[0] in (200, 503, None) for r in results),
          f"{sorted(set(str(r[0]) for r in results))}")
    full = [r for r in busy if b"queue full" in r[2]]
    check("full render queue answers 503", len(full) > 0,
          f"statuses {sorted(set(str(r[0]) for r in results))}")
    if full:
        st, h, b, dt = full[0]
        check("503 is JSON with Retry-After", is_json_error(st, h, b, 503)
              and h.get("retry-after") == "1", f"{h}")
        check("503 answered at once", max(r[3] for r in full) < 2.0,
              f"{max(r[3] for r in full):.2f} s")


def main():
    global SLOW
    if len(sys.argv) != 3:
        print("usage: test_http.py BRIEFMAP_EXE SOURCE_ROOT", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    with open(exe, "rb") as f:
        # Under AddressSanitizer every load and label placement runs several times slower: the
        # deadlines of reloads and shutdown are stretched there, and held to in other builds.
        SLOW = 8 if b"__asan_init" in f.read() else 1
    root = os.path.abspath(sys.argv[2])
    events_src = os.environ.get("BRIEFMAP_EVENTS") or os.path.join(
        root, "briefings", "us-mexico-cartels", "events.geojson")
    data_dir = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")

    sections = []
    srv = Server(exe, root, ["--events", events_src, "--data", data_dir], name="main server")
    try:
        for name, fn in (("basic routes", lambda: test_basic_routes(srv, root)),
                         ("static containment", lambda: test_static_containment(srv)),
                         ("tiles", lambda: test_tiles(srv)),
                         ("limits", lambda: test_limits(srv)),
                         ("methods", lambda: test_methods(srv)),
                         ("route table", lambda: test_route_table(srv)),
                         ("tilejson", lambda: test_tilejson(srv)),
                         ("api", lambda: test_api(srv, events_src)),
                         ("article", lambda: test_article(srv, events_src)),
                         ("render", lambda: test_render(srv)),
                         ("metrics", lambda: test_metrics(srv)),
                         ("mapped budget", lambda: test_mapped_budget(srv)),
                         ("access log", lambda: test_access_log(srv)),
                         ("coalescing", lambda: test_coalescing(srv)),
                         ("concurrency", lambda: test_concurrency(srv))):
            sections.append(name)
            case(name, fn)
    finally:
        t0 = time.monotonic()
        rc = srv.stop(signal.SIGINT)
        check("SIGINT stops cleanly with status 0", rc == 0, f"{rc}\n{srv.tail()}")
        check("stop logged", srv.wait_log(r"SIGINT received", 1) is not None)
        print(f"shutdown: main server stopped in {time.monotonic() - t0:.2f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="briefmap-http-") as tmp:
        events = make_sandbox(root, tmp, events_src)
        # The queue test opens 160 connections at once from 127.0.0.1: more than the default
        # per-address limit.
        srv2 = Server(exe, tmp, ["--events", events, "--threads", "1", "--data", data_dir,
                                 "--conns-per-ip", "1024",
                                 "--static", os.path.join(tmp, "static"),
                                 "--views-file", os.path.join(tmp, "geodata", "views.json")],
                      name="sandbox server")
        try:
            for name, fn in (("symlinks", lambda: test_symlinks(srv2)),
                             ("reload", lambda: test_reload(srv2, events)),
                             ("queue full", lambda: test_queue_full(srv2))):
                case(name, fn)
        finally:
            rc = srv2.stop(signal.SIGTERM)
            check("sandbox server stopped with status 0", rc == 0, f"{rc}\n{srv2.tail()}")

        # A bad events file at start-up: the problems on stderr and a failing exit.
        with open(events, encoding="utf-8") as f:
            doc = json.load(f)
        doc["features"][0]["properties"]["kind"] = "invasion"
        write_json(events, doc)
        p = subprocess.run([exe, "serve", "--listen", "127.0.0.1:0", "--events", events,
                            "--data", data_dir], cwd=tmp, env=server_env(),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        check("bad events at start-up: non-zero exit", p.returncode != 0, f"{p.returncode}")
        check("bad events at start-up: problem named", "kind" in err and "problem" in err, err)
        check("bad events at start-up: never serves", "serving on" not in err, err)

    return summary()


if __name__ == "__main__":
    sys.exit(main())
