#!/usr/bin/env python3
"""soak.py: memory of a real `briefmap serve` under a mixed load, over time.

Usage: soak.py BRIEFMAP_EXE SOURCE_ROOT [--seconds N] [--connections N] [--cache-mb N]
               [--every S] [--bound-mb N]

Starts the server on a free loopback port and keeps N connections busy with a
mix of cold and warm tiles (all tilesets, @1x and @2x, zooms 3 to 11),
/api/events and small briefing sheets, printing the server's resident memory
(RSS, its anonymous part and its file-backed part, mostly the mapped data
snapshot) every S seconds, then a verdict. The run passes
when the RSS stays under its bound (250 MiB with the server's default cache,
300 MiB with a cache up to 256 MiB, else the cache size + 150 MiB; or
--bound-mb), the anonymous memory
(what the process allocated, as opposed to mapped files such as the data
snapshot) stays within the cache size + 150 MiB, and it has levelled off: its
mean over the last third of the run exceeds that over the middle third by
less than 10% of that bound. Once the load stops and the server is idle for
3 s, what it keeps (anonymous) must be within what it held once ready (the
data and every zoom's labels, a fixed cost of the base data) + the cache size
+ 4 MiB per render thread (its own font map and cairo caches) + 64 MiB: memory
the load took is given back.
With --short (a run of well under a minute, where the renders in flight and
the caches still warming dominate the samples) only the memory kept once idle
is judged.
Under AddressSanitizer, whose allocator keeps freed memory on purpose, the run
is skipped (exit status 77).
Exit status: 0 pass, 1 fail, 2 usage, 77 skipped.
"""

import argparse
import http.client
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

REGION = (-118.0, 4.0, -58.0, 33.0)  # W, S, E, N: Mexico to Venezuela


def tile_at(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def memory(pid):
    """(RSS, anonymous RSS, file-backed RSS) in MiB: the file-backed part is mostly the pages of
    the mapped data snapshot that renders have touched."""
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile"):
                vals[k] = int(v.split()[0]) / 1024
    return vals.get("VmRSS", 0.0), vals.get("RssAnon", 0.0), vals.get("RssFile", 0.0)


def random_path(rng):
    r = rng.random()
    if r < 0.70:
        z = rng.randint(3, 11)
        x0, y0 = tile_at(REGION[0], REGION[3], z)
        x1, y1 = tile_at(REGION[2], REGION[1], z)
        ts = rng.choice(("briefing", "base", "events"))
        suffix = "@2x.png" if rng.random() < 0.4 else ".png"
        return f"/tiles/{ts}/{z}/{rng.randint(x0, x1)}/{rng.randint(y0, y1)}{suffix}"
    if r < 0.85:
        return "/api/events"
    w, h = rng.choice(((600, 400), (800, 600), (1000, 700)))
    view = rng.choice(("region", "mexico", "caribbean", "venezuela"))
    fmt = rng.choice(("png", "png", "pdf", "svg"))
    return f"/render.{fmt}?view={view}&size={w}x{h}&title=soak-{rng.randint(0, 1 << 30)}"


def client(host, port, stop, seed, counts):
    rng = random.Random(seed)
    conn = None
    while not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=120)
            conn.request("GET", random_path(rng))
            resp = conn.getresponse()
            resp.read()
            counts[resp.status] = counts.get(resp.status, 0) + 1
            if resp.status == 503:
                time.sleep(0.2)
        except (OSError, http.client.HTTPException):
            counts["error"] = counts.get("error", 0) + 1
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def cache_mib(host, port):
    """The tile cache's bytes, malloc's used and free bytes and the mapped snapshot's resident
    bytes, as the server reports them, in MiB (nan if unknown)."""
    try:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None
    vals = []
    for rx in (r"^briefmap_tile_cache_bytes (\d+)$", r'^briefmap_heap_bytes\{state="used"\} (\d+)$',
               r'^briefmap_heap_bytes\{state="free"\} (\d+)$',
               r'^briefmap_mapped_data_bytes\{state="resident"\} (\d+)$'):
        m = re.search(rx, text, re.M)
        vals.append(int(m.group(1)) / 1048576 if m else float("nan"))
    return vals


def hit_rate(host, port):
    """The tile cache's hits over its lookups since start, as a percentage ("?" if unknown)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    n = [re.search(rf"^briefmap_tile_cache_{k}_total (\d+)$", text, re.M) for k in ("hits", "misses")]
    if not all(n) or int(n[0].group(1)) + int(n[1].group(1)) == 0:
        return "?"
    hits, misses = int(n[0].group(1)), int(n[1].group(1))
    return f"{100 * hits / (hits + misses):.1f}%"


def cache_bound_mib(host, port):
    """The tile cache's bound, in MiB, as the server reports it."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    m = re.search(r"^briefmap_tile_cache_max_bytes (\d+)$", text, re.M)
    if not m:
        raise RuntimeError("/metrics has no briefmap_tile_cache_max_bytes")
    return int(m.group(1)) // 1048576


def start_server(exe, root, cache_mb, threads):
    args = [exe, "serve", "--listen", "127.0.0.1:0"]
    if cache_mb:
        args += ["--cache-mb", str(cache_mb)]
    if threads:
        args += ["--threads", str(threads)]
    for env, opt in (("BRIEFMAP_EVENTS", "--events"), ("BRIEFMAP_DATA", "--data")):
        if os.environ.get(env):
            args += [opt, os.environ[env]]
    proc = subprocess.Popen(args, cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    rx = re.compile(r"^briefmap: serving on http://([0-9.]+):(\d+)/$")
    for raw in proc.stderr:
        m = rx.match(raw.decode("utf-8", "replace").rstrip("\n"))
        if m:
            # Keep draining the access log so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, m.group(1), int(m.group(2))
    proc.wait()
    raise RuntimeError("the server did not start")


def wait_ready(host, port, timeout=180):
    """Waits for /readyz: data loaded and every zoom's labels placed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(host, port, timeout=5)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not get ready")


def sanitized(exe):
    """Whether the binary is built with AddressSanitizer (its allocator is the one measured)."""
    with open(exe, "rb") as f:
        return b"__asan_init" in f.read()


def soak(exe, root, seconds, connections, cache_mb, every, bound_mb, threads=0, short=False):
    default_cache = not cache_mb
    proc, host, port = start_server(exe, root, cache_mb, threads)
    render_threads = threads or os.cpu_count() or 1
    stop = threading.Event()
    counts = {}
    samples = []
    try:
        # The data and every zoom's labels are in memory first: that fixed cost is the baseline
        # against which the memory kept after the load is judged.
        wait_ready(host, port)
        cache_mb = cache_mb or cache_bound_mib(host, port)
        anon_bound = cache_mb + 150
        bound_mb = bound_mb or (250 if default_cache else 300 if cache_mb <= 256 else anon_bound)
        base = memory(proc.pid)
        samples.append((0.0, *base))
        print(f"{'t (s)':>6} {'RSS MiB':>8} {'anon MiB':>9} {'file MiB':>9} {'cache MiB':>10} "
              f"{'heap used':>10} {'heap free':>10} {'mapped':>10}", flush=True)
        print(f"{0:6.0f} {samples[0][1]:8.1f} {samples[0][2]:9.1f} {samples[0][3]:9.1f}",
              flush=True)
        threads = [threading.Thread(target=client, args=(host, port, stop, i, counts), daemon=True)
                   for i in range(connections)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        while True:
            left = t0 + seconds - time.monotonic()
            time.sleep(max(0.0, min(every, left)))
            t = time.monotonic() - t0
            samples.append((t, *memory(proc.pid)))
            c = cache_mib(host, port) or [float("nan")] * 4
            print(f"{t:6.0f} {samples[-1][1]:8.1f} {samples[-1][2]:9.1f} {samples[-1][3]:9.1f} "
                  + " ".join(f"{v:10.1f}" for v in c), flush=True)
            if t >= seconds:
                break
        stop.set()
        for t in threads:
            t.join(130)
        time.sleep(3.0)
        idle = memory(proc.pid)
        print(f"  idle {idle[0]:8.1f} {idle[1]:9.1f} {idle[2]:9.1f}", flush=True)
        print(f"tile cache: {hit_rate(host, port)} of lookups found their tile ({cache_mb} MiB)",
              flush=True)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    total = sum(v for k, v in counts.items() if k != "error")
    print(f"requests: {total} answered ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items(), key=str))})")
    peak = max(s[1] for s in samples)
    peak_anon = max(s[2] for s in samples)
    # Renders in flight make single samples jump by tens of MiB: thirds are compared by their
    # means.
    n = len(samples)
    mid, tail = samples[n // 3:n * 2 // 3], samples[n * 2 // 3:]
    growth = sum(s[2] for s in tail) / len(tail) - sum(s[2] for s in mid) / len(mid)
    ok_bound = peak <= bound_mb
    ok_anon = peak_anon <= anon_bound
    ok_level = growth < 0.10 * anon_bound
    ok_load = total > 0 and counts.get("error", 0) <= total // 20
    # Memory given back: once idle, what the load added stays within the cache, what each render
    # thread keeps of its own (its pango font map and cairo's caches, about 4 MiB) and a margin.
    kept_bound = base[1] + cache_mb + 4 * render_threads + 64
    ok_idle = idle[1] <= kept_bound
    def word(ok, good, bad):
        return "not judged" if short else good if ok else bad

    if short:
        ok_bound = ok_anon = ok_level = True
    ok = ok_bound and ok_anon and ok_level and ok_load and ok_idle
    print(f"verdict: peak RSS {peak:.0f} MiB (bound {bound_mb}: {word(ok_bound, 'ok', 'EXCEEDED')}); "
          f"peak anonymous {peak_anon:.0f} MiB (bound {anon_bound}: {word(ok_anon, 'ok', 'EXCEEDED')}); "
          f"last third {growth:+.0f} MiB on the middle one "
          f"({word(ok_level, 'levelled off', 'STILL RISING')}); "
          f"kept once idle {idle[1]:.0f} MiB (bound: {base[1]:.0f} MiB once ready + cache + "
          f"4 per render thread + 64 = "
          f"{kept_bound:.0f}: {'ok' if ok_idle else 'EXCEEDED'}); "
          f"{'PASS' if ok else 'FAIL'}{' (short run)' if short else ''}", flush=True)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("exe")
    ap.add_argument("root")
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--cache-mb", type=int, default=0, help="tile cache (default: the server's)")
    ap.add_argument("--every", type=float, default=10)
    ap.add_argument("--bound-mb", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="render threads (default: the server's)")
    ap.add_argument("--short", action="store_true", help="judge only the memory kept once idle")
    a = ap.parse_args()
    if sanitized(a.exe):
        print("skipped: a sanitizer build measures the sanitizer's allocator")
        return 77
    return soak(os.path.abspath(a.exe), os.path.abspath(a.root), a.seconds, a.connections,
                a.cache_mb, a.every, a.bound_mb, a.threads, a.short)


if __name__ == "__main__":
    sys.exit(main())
