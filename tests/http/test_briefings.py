#!/usr/bin/env python3
"""Many briefings on one server: each under /b/{slug}/, the list, live add/edit/break/remove.

Usage: test_briefings.py BRIEFMAP_EXE SOURCE_ROOT
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_http import Server, check  # noqa: E402
import test_http  # noqa: E402

ARTICLE = ("Sudan's army said on Tuesday it had retaken the bridge at Omdurman.\n\n"
           "The Rapid Support Forces claimed their drones struck the airport at Port Sudan.\n\n"
           "Aid groups warned that famine could spread to El Fasher.\n")

BRIEFING = {
    "title": "Fighting around Khartoum and Port Sudan",
    "subtitle": "A test briefing",
    "language": "en",
    "article": {"headline": "Sudan army retakes Omdurman bridge as drones hit Port Sudan",
                "outlet": "Test Wire", "byline": None, "url": None,
                "published": "2025-05-06", "retrieved": None},
    "caveats": [{"kind": "other", "text": "The drone claim comes from one side alone (Sudan test caveat)."}],
    "default_view": "sudan",
}

VIEWS = {"views": [{"name": "sudan", "title": "Sudan", "description": "Sudan",
                    "bbox": [21.0, 8.0, 39.0, 23.0]}]}


def event(eid, title, status, lon, lat, quote, claimant):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": eid, "kind": "other", "title": title, "summary": title,
                           "status": status, "geo_precision": "near", "place": title,
                           "date_text": "on Tuesday", "sequence": 1, "actors": ["test"],
                           "sources": [{"quote": quote, "claimant": claimant}]}}


EVENTS = {"type": "FeatureCollection", "features": [
    event("omdurman-bridge", "Omdurman bridge retaken", "reported", 32.48, 15.64,
          "Sudan's army said on Tuesday it had retaken the bridge at Omdurman.", "Sudan's army"),
    event("port-sudan-drones", "Drones on Port Sudan airport", "claimed", 37.22, 19.43,
          "The Rapid Support Forces claimed their drones struck the airport at Port Sudan.", "RSF"),
]}


def write_sudan(folder, events=EVENTS, briefing=BRIEFING):
    os.makedirs(folder, exist_ok=True)
    for name, obj in (("briefing.json", briefing), ("views.json", VIEWS)):
        with open(os.path.join(folder, name), "w") as f:
            json.dump(obj, f)
    with open(os.path.join(folder, "article.txt"), "w") as f:
        f.write(ARTICLE)
    # The events last: their file makes the folder a briefing.
    tmp = os.path.join(folder, ".events.tmp")
    with open(tmp, "w") as f:
        json.dump(events, f)
    os.replace(tmp, os.path.join(folder, "events.geojson"))


def get_json(srv, path):
    st, _, body = srv.get(path)
    return st, (json.loads(body) if body[:1] in (b"{", b"[") else None)


def log_of(srv):
    """The server's own lines, without the access log."""
    with srv.cond:
        return "\n".join(l for l in srv.lines if l.startswith("briefmap:"))[-3000:]


def wait_for(pred, timeout=2.0):
    """Polls `pred` until it holds; returns the seconds it took, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def main():
    exe, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    data_dir = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")
    tmp = tempfile.mkdtemp(prefix="briefmap-briefings-")
    srv = None
    try:
        bdir = os.path.join(tmp, "briefings")
        shutil.copytree(os.path.join(root, "briefings", "us-mexico-cartels"),
                        os.path.join(bdir, "us-mexico-cartels"))
        write_sudan(os.path.join(bdir, "sudan-war"))
        srv = Server(exe, tmp, ["--data", data_dir, "--threads", "2"], name="two briefings")
        seed_head = "Trump threatens US strikes on Mexican soil"
        sudan_head = BRIEFING["article"]["headline"]

        st, lst = get_json(srv, "/api/briefings")
        slugs = [b["slug"] for b in lst["briefings"]] if lst else []
        check("/api/briefings lists both", st == 200 and slugs == ["sudan-war", "us-mexico-cartels"], slugs)
        sud = [b for b in lst["briefings"] if b["slug"] == "sudan-war"][0]
        check("list entry: counts by status", sud["status_counts"]["claimed"] == 1
              and sud["status_counts"]["reported"] == 1 and sud["events"] == 2, sud)
        st, _, body = srv.get("/")
        check("/ is the list page", st == 200 and b"list.js" in body, body[:200])

        for slug, own, other in (("sudan-war", sudan_head, seed_head),
                                 ("us-mexico-cartels", seed_head, sudan_head)):
            st, meta = get_json(srv, f"/b/{slug}/api/briefing")
            check(f"{slug}: api/briefing has its own headline",
                  st == 200 and meta["article"]["headline"].startswith(own[:30]) and meta.get("problem") is None, meta)
            st, _, body = srv.get(f"/b/{slug}/api/events")
            check(f"{slug}: api/events are its own", st == 200 and other[:20].encode() not in body)
            st, tj = get_json(srv, f"/b/{slug}/tiles/briefing.json")
            check(f"{slug}: TileJSON names its article", st == 200 and own[:30] in tj["attribution"]
                  and other[:30] not in json.dumps(tj) and f"/b/{slug}/tiles/briefing/" in tj["tiles"][0], tj)
            st, h, body = srv.get(f"/b/{slug}/tiles/briefing/3/4/3.png")
            check(f"{slug}: tile", st == 200 and body[:4] == b"\x89PNG", st)
            st, _, body = srv.get(f"/b/{slug}/")
            check(f"{slug}: map page", st == 200 and b"static/app.js" in body, st)
            st, _, body = srv.get(f"/b/{slug}/embed")
            check(f"{slug}: embed page", st == 200 and b"embed.js" in body, st)
            st, _, body = srv.get(f"/b/{slug}/static/app.js")
            check(f"{slug}: static", st == 200, st)
        st, ev = get_json(srv, "/b/sudan-war/api/events/port-sudan-drones")
        check("event of the second briefing", st == 200 and ev["properties"]["status"] == "claimed", ev)
        st, _ = get_json(srv, "/b/us-mexico-cartels/api/events/port-sudan-drones")
        check("no event of the other briefing", st == 404, st)

        st, _, pdf = srv.get("/b/sudan-war/render.pdf?view=sudan&size=1600x1100", timeout=120)
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
        text = " ".join(text.split())
        check("sheet PDF: its caveats, not the other's", st == 200 and "Sudan test caveat" in text
              and "Maduro" not in text, text[:400])
        st, h, png = srv.get("/b/sudan-war/render.png?view=sudan&size=320x200&bare=1", timeout=120)
        check("bare thumbnail", st == 200 and png[:4] == b"\x89PNG", st)

        # The routes of the first version answer for the default briefing (the first slug).
        st, _, body = srv.get("/api/events")
        check("old /api/events: the default briefing", st == 200 and b"port-sudan-drones" in body)
        st, tj = get_json(srv, "/tiles/briefing.json")
        st2, tjb2 = get_json(srv, "/b/sudan-war/tiles/briefing.json")
        rev = lambda t: t["tiles"][0].split("?v=")[1]
        check("old TileJSON: the default briefing's revision on the old route",
              st == 200 and "/tiles/briefing/" in tj["tiles"][0] and "/b/" not in tj["tiles"][0]
              and sudan_head[:30] in tj["attribution"] and rev(tj) == rev(tjb2), tj)
        st, tjb = get_json(srv, "/tiles/base.json")
        check("base TileJSON shared at the root", st == 200 and "/tiles/base/" in tjb["tiles"][0]
              and "/b/" not in tjb["tiles"][0], tjb)
        st, _, b1 = srv.get("/tiles/base/2/1/1.png")
        st2, _, b2 = srv.get("/b/us-mexico-cartels/tiles/base/2/1/1.png")
        check("one base map for all", st == 200 and b1 == b2)
        origin = f"http://{srv.host}:{srv.port}"
        q = urllib.parse.quote(f"{origin}/b/sudan-war/embed?view=sudan", safe="")
        st, oe = get_json(srv, f"/b/sudan-war/oembed?url={q}")
        check("oEmbed of a briefing's embed", st == 200 and
              f'src="{origin}/b/sudan-war/embed?view=sudan"' in oe["html"], oe)
        q = urllib.parse.quote(f"{origin}/b/sudan-war/embed?view=caribbean", safe="")
        st, _ = get_json(srv, f"/oembed?url={q}")
        check("oEmbed: a view of another briefing is no view of this one", st == 404, st)
        st1, h1, _ = srv.get("/b/sudan-war/tiles/events/3/4/3.png")
        st2, h2, _ = srv.get("/b/us-mexico-cartels/tiles/events/3/4/3.png")
        check("each briefing's tiles have their own ETag", st1 == st2 == 200
              and h1["etag"] != h2["etag"], (h1.get("etag"), h2.get("etag")))
        st, _, _ = srv.get("/b/sudan-war/tiles/events/3/4/3.png", {"If-None-Match": h1["etag"]})
        check("304 under /b/{slug}/", st == 304, st)
        st, _ = get_json(srv, "/b/nope/api/events")
        check("unknown briefing: 404", st == 404, st)
        st, h, _ = srv.get("/b/sudan-war")
        check("/b/slug redirects to the slash", st == 302 and h.get("location") == "sudan-war/", h)

        # Live: edit, break, fix, add bad, remove.
        lat = {}
        ev2 = json.loads(json.dumps(EVENTS))
        ev2["features"].append(event("el-fasher-famine", "Famine warning for El Fasher", "threatened",
                                     25.35, 13.63, "Aid groups warned that famine could spread to El Fasher.",
                                     "aid groups"))
        write_sudan(os.path.join(bdir, "sudan-war"), ev2)
        lat["edit"] = wait_for(lambda: b"el-fasher-famine" in srv.get("/b/sudan-war/api/events")[2])
        check("edit seen within 2 s", lat["edit"] is not None, lat)
        bad = json.loads(json.dumps(ev2))
        bad["features"][0]["properties"]["sources"][0]["quote"] = "A quote the article never had."
        write_sudan(os.path.join(bdir, "sudan-war"), bad)
        lat["break"] = wait_for(lambda: get_json(srv, "/b/sudan-war/api/briefing")[1].get("problem"))
        check("break seen within 2 s", lat["break"] is not None, f"{lat}\n{log_of(srv)}")
        st, _, body = srv.get("/b/sudan-war/api/events")
        check("broken briefing keeps its last good version", st == 200 and b"el-fasher-famine" in body)
        st, _, m = srv.get("/metrics")
        check("metrics: reload errors of the briefing",
              re.search(rb'briefmap_briefing_reload_errors_total\{briefing="sudan-war"\} 1', m) is not None
              and b'briefmap_briefings{state="loaded"} 2' in m, m[-600:])
        write_sudan(os.path.join(bdir, "sudan-war"), EVENTS)
        lat["fix"] = wait_for(lambda: get_json(srv, "/b/sudan-war/api/briefing")[1].get("problem") is None)
        check("fix seen within 2 s", lat["fix"] is not None, lat)

        brokenb = dict(BRIEFING, caveats="not a list")
        write_sudan(os.path.join(bdir, "bad-from-start"), EVENTS, brokenb)
        lat["add-bad"] = wait_for(lambda: "bad-from-start" in [b["slug"] for b in get_json(srv, "/api/briefings")[1]["briefings"]])
        check("a bad new briefing is listed within 2 s", lat["add-bad"] is not None,
              f"{lat}\n{log_of(srv)}")
        st, meta = get_json(srv, "/b/bad-from-start/api/briefing")
        check("…with its problem", st == 200 and meta.get("problem"), meta)
        st, err = get_json(srv, "/b/bad-from-start/api/events")
        check("…and 503 JSON on its map routes", st == 503 and "error" in err, (st, err))
        shutil.rmtree(os.path.join(bdir, "bad-from-start"))
        shutil.rmtree(os.path.join(bdir, "sudan-war"))
        lat["remove"] = wait_for(lambda: get_json(srv, "/b/sudan-war/api/events")[0] == 404)
        check("removal seen within 2 s", lat["remove"] is not None, lat)
        st, lst = get_json(srv, "/api/briefings")
        check("the list after removal", [b["slug"] for b in lst["briefings"]] == ["us-mexico-cartels"], lst)
        st, _, body = srv.get("/api/events")
        check("the default moves to the remaining briefing", st == 200 and b"caracas" in body)
        add_t = time.monotonic()
        write_sudan(os.path.join(bdir, "sudan-war"))
        lat["add"] = wait_for(lambda: srv.get("/b/sudan-war/api/events")[0] == 200)
        check("a new briefing served within 2 s", lat["add"] is not None, lat)
        with open(f"/proc/{srv.proc.pid}/status") as f:
            rss = [l for l in f if l.startswith("VmRSS")][0].split()[1]
        print(f"reload latency (s): {json.dumps({k: round(v, 2) if v else v for k, v in lat.items()})}; "
              f"RSS with two briefings {int(rss) // 1024} MiB")
    finally:
        if srv:
            rc = srv.stop()
            check("server stops cleanly", rc == 0, srv.tail())
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{test_http.PASSED} passed, {test_http.FAILED} failed")
    sys.exit(1 if test_http.FAILED else 0)


if __name__ == "__main__":
    main()
