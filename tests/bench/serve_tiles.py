#!/usr/bin/python3
"""serve_tiles.py: times briefmap serve on cold tiles one request at a time, and one cached tile
under wrk beside nginx serving the same bytes from disk.

usage: tests/bench/serve_tiles.py --briefmap BIN --list TILES [--max-zoom Z] [--seconds S]
                                  [--connections C] [--threads N] [--rounds R]
Run from the top of the source tree. Starts `briefmap serve` and nginx on free loopback ports
and stops both. Prints one `result ...` line per figure, for run.sh.
"""
import argparse
import http.client
import os
import re
import shutil
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, proc, what, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("serve_tiles: %s exited with status %d" % (what, proc.returncode))
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            # briefmap answers /healthz before its data is loaded; /readyz says 200 once the
            # data is loaded and every zoom's labels are placed, as bench_tiles waits for.
            c.request("GET", "/readyz" if what == "briefmap" else "/")
            r = c.getresponse()
            r.read()
            c.close()
            if what != "briefmap" or r.status == 200:
                return
            time.sleep(0.05)
        except OSError:
            time.sleep(0.05)
    sys.exit("serve_tiles: %s did not answer on port %d" % (what, port))


def render_seconds(port):
    """The server's own count and sum of tile render times, from /metrics."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    got = {}
    for what in ("sum", "count"):
        m = re.search(r'^briefmap_render_seconds_%s\{kind="tile"\} ([0-9.e+-]+)$' % what, text,
                      re.M)
        got[what] = float(m.group(1)) if m else 0.0
    return got["count"], got["sum"]


def cold_tiles(port, tiles, fmt):
    """Every tile once, in order, over one keep-alive connection: each one a cache miss."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sizes = []
    t0 = time.perf_counter()
    for z, x, y in tiles:
        c.request("GET", "/tiles/briefing/%d/%d/%d.%s" % (z, x, y, fmt))
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit("serve_tiles: %d/%d/%d.%s: HTTP %d" % (z, x, y, fmt, r.status))
        sizes.append(len(body))
    seconds = time.perf_counter() - t0
    c.close()
    return seconds, sizes


def wrk(url, seconds, connections, threads):
    """(requests/s, 99th percentile latency in ms) of wrk on `url`; exits on any non-2xx answer."""
    out = subprocess.run(["wrk", "--latency", "-t%d" % threads, "-c%d" % connections,
                          "-d%ds" % seconds, url],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    p99 = re.search(r"^\s*99%\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not m or not p99 or errors:
        sys.exit("serve_tiles: wrk on %s: %s" % (url, out))
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return float(m.group(1)), float(p99.group(1)) * scale


NGINX_CONF = """daemon off;
worker_processes %(workers)d;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    types { image/png png; }
    server {
        listen 127.0.0.1:%(port)d;
        root %(dir)s/www;
    }
}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--briefmap", required=True)
    ap.add_argument("--list", required=True, help='tile list, one "z x y" per line')
    ap.add_argument("--max-zoom", type=int, default=7, help="cold tiles up to this zoom")
    ap.add_argument("--seconds", type=int, default=5, help="wrk duration per server")
    ap.add_argument("--connections", type=lambda v: [int(c) for c in v.split(",")],
                    default=[64, 256], help="wrk connection counts, comma-separated (64,256)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=5,
                    help="wrk runs per server and connection count, interleaved; medians kept")
    a = ap.parse_args()
    with open(a.list) as f:
        tiles = [tuple(int(v) for v in line.split()) for line in f if line.strip()]
    tiles = [t for t in tiles if t[0] <= a.max_zoom]
    if not tiles:
        sys.exit("serve_tiles: no tiles up to zoom %d in %s" % (a.max_zoom, a.list))
    work = tempfile.mkdtemp(prefix="briefmap-bench-serve.")
    os.chmod(work, 0o755)  # nginx's workers run as another user and read the tile from here
    procs = []
    try:
        port = free_port()
        bm = subprocess.Popen([a.briefmap, "serve", "--listen", "127.0.0.1:%d" % port,
                               "--threads", str(a.threads), "--cache-mb", "512",
                               # wrk opens every connection from one address, as a proxy would:
                               # the per-address limit is raised as for serving behind one.
                               "--conns-per-ip", "4096"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(bm)
        t0 = time.perf_counter()
        wait_up(port, bm, "briefmap")
        print("briefmap serve: ready (data loaded, labels of every zoom placed) after %.3f s"
              % (time.perf_counter() - t0))
        # Labels of every zoom are placed at start-up in the background: wait for them as the
        # in-process benchmark does, with one tile per zoom outside the list.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for z in range(0, 13):
            for tileset in ("briefing", "base", "events"):
                c.request("GET", "/tiles/%s/%d/0/0.png" % (tileset, z))
                c.getresponse().read()
        c.close()

        print("briefmap serve: %d cold tiles up to zoom %d, one request at a time, %d render "
              "threads" % (len(tiles), a.max_zoom, a.threads))
        for fmt in ("png", "webp"):
            n0, s0 = render_seconds(port)
            seconds, sizes = cold_tiles(port, tiles, fmt)
            n1, s1 = render_seconds(port)
            if fmt == "png":
                png_sizes = sizes
            n, nbytes = len(tiles), sum(sizes)
            print("cold %-4s %6d tiles %8.3f s %9.1f tiles/s %8.2f ms/tile  mean %6.0f bytes" %
                  (fmt, n, seconds, n / seconds, 1000 * seconds / n, nbytes / n))
            # What the request cost beyond drawing and encoding: hand-off, reply, client.
            if n1 > n0:
                per = 1000 * (s1 - s0) / (n1 - n0)
                print("cold %-4s rendering %.2f ms/tile on the render threads, %.2f ms/tile "
                      "around it" % (fmt, per, 1000 * seconds / n - per))
            print("result tool=briefmap_serve mode=cold_%s tiles=%d seconds=%.4f tiles_per_s=%.2f "
                  "mean_bytes=%.0f" % (fmt, n, seconds, n / seconds, nbytes / n))
        sys.stdout.flush()

        # One tile of median size, cached by briefmap; nginx serves the same bytes from a file.
        median = sorted(range(len(tiles)), key=lambda i: png_sizes[i])[len(tiles) // 2]
        z, x, y = tiles[median]
        path = "/tiles/briefing/%d/%d/%d.png" % (z, x, y)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", path)
        body = c.getresponse().read()
        c.close()
        os.makedirs(os.path.join(work, "www", os.path.dirname(path[1:])))
        with open(os.path.join(work, "www", path[1:]), "wb") as f:
            f.write(body)
        nport = free_port()
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF % {"workers": a.threads, "dir": work, "port": nport})
        ng = subprocess.Popen(["nginx", "-c", os.path.join(work, "nginx.conf"), "-p", work,
                               "-e", os.path.join(work, "error.log")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(ng)
        wait_up(nport, ng, "nginx")
        # Each connection count, briefmap then nginx, back to back so that both see the same
        # load, for several rounds: one run's tail latency swings with what else the two cores
        # do, so the result is the median of the rounds, each run printed.
        for conns in a.connections:
            runs = {"briefmap_serve": [], "nginx": []}
            for rnd in range(a.rounds):
                for tool, p in (("briefmap_serve", port), ("nginx", nport)):
                    rps, p99 = wrk("http://127.0.0.1:%d%s" % (p, path), a.seconds, conns,
                                   a.threads)
                    runs[tool].append((rps, p99))
                    print("cached tile %s (%d bytes): %s, wrk -t%d -c%d -d%ds, round %d: "
                          "%.0f requests/s, p99 %.2f ms" % (path, len(body), tool, a.threads,
                                                            conns, a.seconds, rnd + 1, rps, p99))
            for tool, v in runs.items():
                rps = statistics.median(r for r, _ in v)
                p99 = statistics.median(q for _, q in v)
                print("result tool=%s mode=cached_tile_c%d connections=%d requests_per_s=%.0f "
                      "p99_ms=%.3f rounds=%d" % (tool, conns, conns, rps, p99, len(v)))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
