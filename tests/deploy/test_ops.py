#!/usr/bin/env python3
"""test_ops.py: operating `briefmap serve`: revisioned tile URLs, gzip, --public-url and
--trust-proxy, the access log and its reopening on SIGHUP, /readyz, process metrics, 304s,
--version, OGC WMTS read by GDAL's own WMTS driver, and the metadata of seeded MBTiles.

Usage: test_ops.py BRIEFMAP_EXE SOURCE_ROOT IMGCMP_EXE
"""

import gzip
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import Server, check, free_port, request, server_env, summary  # noqa: E402

REV = re.compile(r"\?v=([0-9a-f]{16})")


def tilejson_rev(srv, ts="briefing", headers=None):
    st, _, b = srv.get(f"/tiles/{ts}.json", headers)
    if st != 200:
        return None, None
    doc = json.loads(b)
    url = doc["tiles"][0]
    m = REV.search(url)
    return (m.group(1) if m else None), doc


def test_version(exe):
    for args in (["--version"], ["render", "--version"], ["serve", "--version"]):
        p = subprocess.run([exe, *args], capture_output=True, text=True)
        check(f"briefmap {' '.join(args)}", p.returncode == 0 and
              re.match(r"briefmap \d+\.\d+\.\d+\n.*GDAL", p.stdout), p.stdout + p.stderr)


def test_revisions(srv, events):
    rev, doc = tilejson_rev(srv)
    check("TileJSON tiles carry a revision", rev is not None, doc)
    brev, _ = tilejson_rev(srv, "base")
    path = f"/tiles/briefing/5/7/14.png?v={rev}"
    st, h, b = srv.get(path)
    check("revisioned tile 200", st == 200 and b[:8] == b"\x89PNG\r\n\x1a\n", st)
    check("revisioned tile immutable",
          h.get("cache-control") == "public, max-age=31536000, immutable", h.get("cache-control"))
    st, h2, _ = srv.get(path, {"If-None-Match": h.get("etag", "")})
    check("revisioned tile 304 stays immutable", st == 304 and "immutable" in
          h2.get("cache-control", ""), h2)
    check("304 carries no Content-Length: 0", h2.get("content-length") in (None, str(len(b))), h2)
    st, h, _ = srv.get("/tiles/briefing/5/7/14.png")
    check("unrevisioned tile short-lived with ETag", st == 200 and
          h.get("cache-control") == "public, max-age=300" and h.get("etag", "").startswith('"'), h)
    st, h, b = srv.get("/tiles/briefing/5/7/14@2x.png?v=0123456789abcdef&until=2025-12-31")
    check("stale revision redirects (relative, keeps until)", st == 302 and
          h.get("location") == f"14@2x.png?v={rev}&until=2025-12-31" and
          "no-store" in h.get("cache-control", ""), (st, h))
    st, h, b = srv.get("/tiles/briefing/5/7/14.png?v=nothex")
    check("malformed revision 400 JSON", st == 400 and "error" in json.loads(b or b"{}"), (st, b))
    # @2x TileJSON for MapLibre's tileSize 512
    for p in ("/tiles/briefing@2x.json", "/tiles/briefing.json?scale=2"):
        st, _, b = srv.get(p)
        d = json.loads(b) if st == 200 else {}
        check(f"{p}: tileSize 512, @2x URLs", d.get("tileSize") == 512 and
              "/tiles/briefing/{z}/{x}/{y}@2x.png?v=" in d.get("tiles", [""])[0], d)
    st, _, _ = srv.get("/tiles/briefing.json?scale=3")
    check("TileJSON scale=3 is 400", st == 400, st)

    # An edit of the events changes the events tilesets' revision, not the base map's.
    with open(events, encoding="utf-8") as f:
        doc = json.load(f)
    doc["features"][0]["properties"]["title"] += " (edited)"
    tmp = events + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    t0 = time.monotonic()
    os.replace(tmp, events)
    new = rev
    while new == rev and time.monotonic() - t0 < 5:
        time.sleep(0.05)
        new, _ = tilejson_rev(srv)
    dt = time.monotonic() - t0
    print(f"revision: {rev} -> {new} after {dt:.2f} s", flush=True)
    check("events edit changes the revision within 2 s", new != rev and dt < 2.0, dt)
    check("base revision unchanged by events", tilejson_rev(srv, "base")[0] == brev)
    st, h, _ = srv.get(path)
    check("old revision now redirects to the new one", st == 302 and
          h.get("location") == f"14.png?v={new}", (st, h))


def test_gzip(srv):
    st, h, plain = srv.get("/api/events")
    st2, h2, z = srv.get("/api/events", {"Accept-Encoding": "gzip, deflate"})
    check("events gzipped when asked", st2 == 200 and h2.get("content-encoding") == "gzip" and
          gzip.decompress(z) == plain and len(z) < len(plain), (h2, len(z), len(plain)))
    check("Vary: Accept-Encoding on both", h.get("vary") == "Accept-Encoding" ==
          h2.get("vary"), (h.get("vary"), h2.get("vary")))
    check("no gzip without Accept-Encoding", "content-encoding" not in h)
    check("gzip has its own ETag", h.get("etag") != h2.get("etag"), (h.get("etag"), h2.get("etag")))
    st3, h3, _ = srv.get("/api/events", {"Accept-Encoding": "gzip", "If-None-Match": h2["etag"]})
    check("gzip ETag revalidates", st3 == 304, st3)
    st, h, _ = srv.get("/api/events", {"Accept-Encoding": "gzip;q=0"})
    check("gzip;q=0 refused", "content-encoding" not in h, h)
    for path in ("/static/app.js", "/static/style.css", "/", "/static/favicon.svg",
                 "/tiles/briefing.json", "/wmts/1.0.0/WMTSCapabilities.xml"):
        st, h, plain = srv.get(path)
        st2, h2, z = srv.get(path, {"Accept-Encoding": "gzip"})
        check(f"{path} gzipped", st2 == 200 and h2.get("content-encoding") == "gzip" and
              gzip.decompress(z) == plain, (st2, h2.get("content-encoding")))
    for path in ("/tiles/base/4/3/6.png", "/tiles/base/4/3/6@2x.png"):
        st, h, b = srv.get(path, {"Accept-Encoding": "gzip"})
        check(f"{path} never gzipped", st == 200 and "content-encoding" not in h and
              b[:4] == b"\x89PNG", h)


def test_304_raw(srv):
    """Two requests on one connection: the 304 must not carry Content-Length: 0 nor a body."""
    _, h, b = srv.get("/api/views")
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.sendall(f"GET /api/views HTTP/1.1\r\nHost: x\r\nIf-None-Match: {h['etag']}\r\n\r\n"
              "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    check("304 on a kept-alive connection", head.startswith(b"HTTP/1.1 304"), head[:40])
    check("304 without Content-Length: 0", b"content-length: 0\r" not in head.lower() + b"\r", head)
    check("304 sends no body, next answer follows", rest.startswith(b"HTTP/1.1 200"), rest[:40])


def test_metrics(srv):
    _, _, b = srv.get("/metrics")
    t = b.decode()
    check("build_info", re.search(r'^briefmap_build_info\{version="[0-9.]+",gdal="[^"]+".*\} 1$',
                                  t, re.M), t[-800:])
    rss = srv.metric("process_resident_memory_bytes")
    check("process_resident_memory_bytes", rss > 1e6, rss)
    check("process_open_fds", srv.metric("process_open_fds") > 3)
    start = srv.metric("process_start_time_seconds")
    check("process_start_time_seconds", abs(start - time.time()) < 600, start)


def test_readyz_while_loading(exe, root, events, data):
    """Listening starts before the load: /healthz is 200 and /readyz 503 until it is over."""
    port = free_port()
    # A base layer from a GeoPackage rather than the snapshot: a load of a second or so.
    proc = subprocess.Popen([exe, "serve", "--listen", f"127.0.0.1:{port}", "--events", events,
                             "--layer", f"cities={data}/base.gpkg|cities"], cwd=root,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=server_env())
    seen = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                st, h, b = request("127.0.0.1", port, "/readyz", timeout=10)
                hz, _, _ = request("127.0.0.1", port, "/healthz", timeout=10)
                tj, _, _ = request("127.0.0.1", port, "/tiles/base.json", timeout=10)
            except OSError:
                time.sleep(0.01)
                continue
            if not seen or seen[-1][0] != st:
                seen.append((st, hz, tj, h.get("retry-after")))
            if st == 200:
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    print(f"readyz while starting: {seen}", flush=True)
    check("readyz 503 (Retry-After) while loading, healthz 200, other routes 503",
          seen and seen[0][0] == 503 and seen[0][1] == 200 and seen[0][2] == 503 and
          seen[0][3] == "1", seen)
    check("then readyz 200 and the routes answer", seen and seen[-1][:3] == (200, 200, 200), seen)


def test_readyz(exe, root, events):
    srv = Server(exe, root, ["--events", events])
    try:
        st, _, b = srv.get("/readyz")
        check("readyz answers 200 or 503 at once", st in (200, 503), st)
        if st == 503:
            check("readyz 503 is JSON with Retry-After", "error" in json.loads(b))
        check("readyz 200 once labels are placed", srv.wait_ready(120))
        check("healthz still ok", srv.get("/healthz")[0] == 200)
    finally:
        srv.stop()


def test_access_log(exe, root, events, tmp):
    log = os.path.join(tmp, "access.log")
    srv = Server(exe, root, ["--events", events, "--access-log", log])
    try:
        ua = 'evil\x1b[31m"agent\\'
        srv.get("/healthz?x=1", {"User-Agent": ua, "Referer": "http://ref.example/p"})
        srv.get("/tiles/base/4/3/6.png")
        srv.get("/tiles/base/4/3/6.png")
        time.sleep(0.3)
        with open(log, encoding="utf-8") as f:
            lines = f.read().splitlines()
        combined = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] '
                              r'"GET (\S+) HTTP/1\.1" (\d{3}) (\d+) "([^"]*)" "([^"]*)" '
                              r'([0-9.]+) (\S+)$')
        ms = [combined.match(ln) for ln in lines]
        check("combined log format", len(lines) >= 3 and all(ms), lines)
        if all(ms) and len(ms) >= 3:
            # Lines are written as answers complete: found by path, not by position.
            hz = [m for m in ms if m.group(1) == "/healthz?x=1"]
            tiles = [m for m in ms if m.group(1) == "/tiles/base/4/3/6.png"]
            check("logged path, status, bytes", len(hz) == 1 and hz[0].group(2) == "200" and
                  hz[0].group(3) == "3", lines)
            check("control characters and quotes escaped", hz and
                  hz[0].group(5) == "evil\\x1b[31m\\x22agent\\x5c" and
                  not any("\x1b" in ln for ln in lines), lines)
            check("referer logged", hz and hz[0].group(4) == "http://ref.example/p", lines)
            check("one render, one cache hit", sorted(m.group(7) for m in tiles) ==
                  ["hit", "render"], lines)
        os.rename(log, log + ".1")
        srv.get("/healthz?before-hup=1")
        # The line is written once the answer has gone out, maybe after the client has it:
        # a request still in flight when the file is reopened may land in either file.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(log + ".1", encoding="utf-8") as f:
                if "before-hup" in f.read():
                    break
            time.sleep(0.05)
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while not os.path.exists(log) and time.monotonic() < deadline:
            time.sleep(0.05)
        srv.get("/healthz?after-hup=1")
        time.sleep(0.3)
        with open(log + ".1", encoding="utf-8") as f:
            old = f.read()
        new = open(log, encoding="utf-8").read() if os.path.exists(log) else ""
        check("before SIGHUP: the renamed file", "before-hup" in old and "before-hup" not in new)
        check("after SIGHUP: a new file", "after-hup" in new and "after-hup" not in old, new)
        check("server alive after SIGHUP", srv.proc.poll() is None and
              srv.get("/healthz")[0] == 200)
    finally:
        srv.stop()


def test_public_url(exe, root, events, tmp):
    log = os.path.join(tmp, "access.jsonl")
    srv = Server(exe, root, ["--events", events, "--public-url",
                             "https://maps.example.org/briefmap/", "--access-log", log,
                             "--access-log-format", "json"])
    try:
        _, doc = tilejson_rev(srv, "events", {"X-Forwarded-Host": "evil.example"})
        check("--public-url in TileJSON", doc["tiles"][0].startswith(
            "https://maps.example.org/briefmap/tiles/events/{z}/{x}/{y}.png?v="), doc["tiles"])
        _, _, b = srv.get("/wmts/1.0.0/WMTSCapabilities.xml")
        check("--public-url in WMTS", b'template="https://maps.example.org/briefmap/tiles/base/'
              b'{TileMatrix}/{TileCol}/{TileRow}.png?v=' in b)
        srv.get("/api/views", {"User-Agent": "ua\x01\x7fx\xe9"})
        time.sleep(0.3)
        lines = open(log, encoding="utf-8").read().splitlines()
        docs = [json.loads(ln) for ln in lines]
        check("JSON lines access log", len(docs) >= 3 and all(
            set(d) >= {"time", "client", "method", "path", "status", "bytes", "duration_ms",
                       "cache", "user_agent", "referer"} for d in docs), lines)
        # Lines are written as answers complete, not always in the order of the requests.
        views = [(d, ln) for d, ln in zip(docs, lines) if d["path"] == "/api/views"]
        check("JSON log keeps the escaped agent", len(views) == 1 and
              views[0][0]["user_agent"] == "ua\x01\x7fx\xe9" and "\\u0001" in views[0][1],
              views)
    finally:
        srv.stop()
    p = subprocess.run([exe, "serve", "--public-url", "ftp://x", "--events", events],
                       cwd=root, capture_output=True, text=True, timeout=120)
    check("bad --public-url is a usage error", p.returncode == 2 and
          p.stderr.startswith("briefmap: ") and "public-url" in p.stderr, p.stderr)

    log = os.path.join(tmp, "access-proxied.log")
    srv = Server(exe, root, ["--events", events, "--trust-proxy", "--access-log", log])
    try:
        srv.get("/healthz?xff=1", {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"})
        srv.get("/healthz?xff=2", {"X-Forwarded-For": "not-an-address"})
        time.sleep(0.3)
        lines = open(log, encoding="utf-8").read().splitlines()
        check("--trust-proxy logs the client the proxy saw (last X-Forwarded-For)",
              sorted(re.sub(r' .*"GET (\S+) .*', r"\1", ln) for ln in lines) ==
              ["127.0.0.1/healthz?xff=2", "198.51.100.7/healthz?xff=1"], lines)
        h = {"X-Forwarded-Host": "proxy.example:8443", "X-Forwarded-Proto": "https",
             "X-Forwarded-Prefix": "/maps/"}
        _, doc = tilejson_rev(srv, "base", h)
        check("--trust-proxy honours X-Forwarded-*", doc["tiles"][0].startswith(
            "https://proxy.example:8443/maps/tiles/base/{z}/{x}/{y}.png?v="), doc["tiles"])
        h["X-Forwarded-Prefix"] = "/../x\"<"
        h["X-Forwarded-Host"] = "bad\"host<"
        _, doc = tilejson_rev(srv, "base", h)
        check("malformed forwarded values ignored", doc["tiles"][0].startswith(
            f"https://{srv.host}:{srv.port}/tiles/base/"), doc["tiles"])
    finally:
        srv.stop()


def test_wmts(srv, imgcmp, tmp):
    url = f"WMTS:http://{srv.host}:{srv.port}/wmts/1.0.0/WMTSCapabilities.xml"
    env = dict(os.environ, GDAL_DEFAULT_WMS_CACHE_PATH=os.path.join(tmp, "gdalwmscache"),
               GDAL_ENABLE_WMS_CACHE="NO", GDAL_HTTP_TIMEOUT="60")
    p = subprocess.run(["gdalinfo", url], capture_output=True, text=True, env=env, timeout=120)
    check("gdalinfo reads the capabilities", p.returncode == 0 and
          all(f"layer={ts}" in p.stdout for ts in ("briefing", "base", "events")),
          p.stdout[-1500:] + p.stderr[-500:])
    p = subprocess.run(["gdalinfo", url + ",layer=briefing"], capture_output=True, text=True,
                       env=env, timeout=120)
    check("gdalinfo: EPSG:3857, 13 zooms (12 overviews)", p.returncode == 0 and
          "Pseudo-Mercator" in p.stdout and p.stdout.count("Overviews:") >= 1 and
          len(re.findall(r"\d+x\d+", p.stdout.split("Overviews:")[1].splitlines()[0])) == 12,
          p.stdout[-1200:] + p.stderr[-400:])
    # Tile 5/7/14 exactly: its extent in EPSG:3857 at 256 px, read through WMTS.
    z, x, y = 5, 7, 14
    size = 2 * 20037508.3427892 / (1 << z)
    minx = -20037508.3427892 + x * size
    maxy = 20037508.3427892 - y * size
    out = os.path.join(tmp, "wmts.png")
    p = subprocess.run(["gdal_translate", "-q", "-of", "PNG", "-outsize", "256", "256",
                        "-projwin", repr(minx), repr(maxy), repr(minx + size), repr(maxy - size),
                        url + ",layer=briefing", out], capture_output=True, text=True, env=env,
                       timeout=300)
    check("gdal_translate of a window", p.returncode == 0 and os.path.exists(out), p.stderr)
    st, _, b = srv.get(f"/tiles/briefing/{z}/{x}/{y}.png")
    xyz = os.path.join(tmp, "xyz.png")
    with open(xyz, "wb") as f:
        f.write(b)
    if os.path.exists(out):
        c = subprocess.run([imgcmp, "compare", xyz, out, "--mean-max", "1.0", "--big-frac-max", "0.005"],
                           capture_output=True, text=True)
        check("WMTS window equals the XYZ tile", c.returncode == 0, c.stdout + c.stderr)


def test_mbtiles(exe, root, events, tmp):
    out = os.path.join(tmp, "seed.mbtiles")
    p = subprocess.run([exe, "seed", "--zoom", "2-3", "--bbox", "-100,10,-80,25", "--events",
                        events, "-o", out], cwd=root, capture_output=True, text=True, timeout=600)
    check("seed ran", p.returncode == 0, p.stderr)
    if p.returncode:
        return
    db = sqlite3.connect(out)
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    appid = db.execute("PRAGMA application_id").fetchone()[0]
    db.close()
    check("MBTiles application_id 0x4d504258", appid == 0x4d504258, hex(appid))
    check("MBTiles version row", re.fullmatch(r"\d+\.\d+\.\d+", meta.get("version", "")), meta)
    check("MBTiles scheme row", meta.get("scheme") == "tms", meta)


def main():
    exe, root, imgcmp = (os.path.abspath(a) for a in sys.argv[1:4])
    tmp = tempfile.mkdtemp(prefix="briefmap-ops-")
    events = os.path.join(tmp, "events.geojson")
    shutil.copy(os.environ.get("BRIEFMAP_EVENTS",
                               os.path.join(root, "briefings/us-mexico-cartels/events.geojson")), events)
    try:
        test_version(exe)
        test_readyz(exe, root, events)
        test_readyz_while_loading(exe, root, events, os.environ.get(
            "BRIEFMAP_DATA", os.path.join(root, "var/data")))
        srv = Server(exe, root, ["--events", events])
        try:
            test_gzip(srv)
            test_304_raw(srv)
            test_metrics(srv)
            test_wmts(srv, imgcmp, tmp)
            test_revisions(srv, events)
        finally:
            check("server stops cleanly", srv.stop() == 0)
        test_access_log(exe, root, events, tmp)
        test_public_url(exe, root, events, tmp)
        test_mbtiles(exe, root, events, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
