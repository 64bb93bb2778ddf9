#!/usr/bin/env python3
"""test_flood.py: `briefmap serve` keeps answering while hostile clients hold thousands of connections.

Usage: test_flood.py BRIEFMAP_EXE SOURCE_ROOT

Starts a real server on 127.0.0.1:0 and, from many loopback source addresses
(127.0.0.2, 127.0.0.3, ...: the server limits connections per address), holds
idle connections, slowloris connections that send a request one byte at a
time, and busy keep-alive connections each asking for a cached tile every
second (about 1,000 requests a second), while probing /healthz and a cached
tile from 127.0.0.1 on fresh connections. Prints p50/p99 of the probes and
fails when a probe fails or p99 is over the bound. Then, on a server taking
4096 connections per address, wrk keeps 1,000 keep-alive connections asking
for a cached tile as fast as they are answered while /healthz is probed every
100 ms; it fails on any wrk error or a p99 over its bound. Then checks the per-address
limit, that a request whose headers never end is cut at the deadline, and that a
server started with a soft limit of 1024 open files raises it to the hard limit.
Everything stays on loopback and every socket is closed at the end.

Environment: FLOOD_IDLE, FLOOD_SLOW, FLOOD_BUSY (connection counts, default
2000, 1000, 1000), FLOOD_P99_MS (bound of p99 while connections are held, default
100), FLOOD_BUSY_P99_MS (bound with the busy connections too, default 100),
FLOOD_WRK (wrk's connections, default 1000), FLOOD_WRK_P99_MS (bound of /healthz's
p99 under wrk, default 100; 4 times that under a sanitizer).
"""

import os
import re
import resource
import shutil
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http as th  # noqa: E402  (the shared Server and check())

TILE = "/tiles/base/3/2/3.png"
PER_ADDR = 40  # connections per source address, below the server's default per-address limit


def source_addrs(start):
    """127.0.0.N for N from `start` upwards, then 127.0.1.N, ..."""
    i = start
    while True:
        yield f"127.0.{i // 250}.{i % 250 + 2}"
        i += 1


def connect_from(src, host, port, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, port))
    return s


class Holder:
    """Opens `n` connections from loopback addresses and keeps them open."""

    def __init__(self, srv, n, first_addr):
        self.socks = []
        self.failed = 0
        addrs = source_addrs(first_addr)
        src = next(addrs)
        for i in range(n):
            if i and i % PER_ADDR == 0:
                src = next(addrs)
            try:
                self.socks.append(connect_from(src, srv.host, srv.port))
            except OSError:
                self.failed += 1
        th.check(f"{n} connections opened", self.failed == 0, f"{self.failed} failed")
        self.addrs_used = (n + PER_ADDR - 1) // PER_ADDR

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


class Slowloris(Holder):
    """Connections that each send one byte of a request every `period` seconds, never ending it."""

    def __init__(self, srv, n, first_addr, period=2.0):
        super().__init__(srv, n, first_addr)
        self.req = (f"GET /healthz HTTP/1.1\r\nHost: {srv.host}\r\n" + "X-a: b\r\n" * 4000).encode()
        self.pos = [0] * len(self.socks)
        self.period = period
        self.stop = threading.Event()
        self.sent = 0
        self.closed_by_server = 0
        for s in self.socks:
            s.setblocking(False)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            for i, s in enumerate(self.socks):
                if s.fileno() < 0:
                    continue
                try:
                    s.send(self.req[self.pos[i]:self.pos[i] + 1])
                    self.pos[i] = (self.pos[i] + 1) % len(self.req)
                    self.sent += 1
                except OSError:
                    self.closed_by_server += 1
                    s.close()
            self.stop.wait(max(0.0, self.period - (time.monotonic() - t0)))

    def close(self):
        self.stop.set()
        self.thread.join(10)
        super().close()


class Busy(Holder):
    """Keep-alive connections each asking for the cached tile again `period` s after an answer."""

    def __init__(self, srv, n, first_addr, period=1.0):
        super().__init__(srv, n, first_addr)
        self.period = period
        self.req = f"GET {TILE} HTTP/1.1\r\nHost: {srv.host}\r\n\r\n".encode()
        self.done = 0
        self.errors = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        sel = selectors.DefaultSelector()
        bufs = {}
        due = {}  # socket -> when to ask again
        t0 = time.monotonic()
        for i, s in enumerate(self.socks):
            s.setblocking(False)
            bufs[s] = b""
            due[s] = t0 + self.period * i / len(self.socks)  # spread over one period
            sel.register(s, selectors.EVENT_READ)
        while not self.stop.is_set() and bufs:
            now = time.monotonic()
            for s, t in list(due.items()):
                if t <= now:
                    del due[s]
                    try:
                        s.send(self.req)
                    except OSError:
                        self.errors += 1
            for key, _ in sel.select(0.02):
                s = key.fileobj
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.errors += 1
                    sel.unregister(s)
                    del bufs[s]
                    due.pop(s, None)
                    continue
                b = bufs[s] + data
                # One answer is the head, then Content-Length bytes.
                while True:
                    end = b.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = b[:end].decode("latin-1")
                    clen = 0
                    for line in head.split("\r\n")[1:]:
                        k, _, v = line.partition(":")
                        if k.strip().lower() == "content-length":
                            clen = int(v)
                    if len(b) < end + 4 + clen:
                        break
                    if not head.startswith("HTTP/1.1 200"):
                        self.errors += 1
                    self.done += 1
                    b = b[end + 4 + clen:]
                    due[s] = time.monotonic() + self.period
                bufs[s] = b
        sel.close()

    def close(self):
        self.stop.set()
        self.thread.join(10)
        super().close()


def probe(srv, path, timeout=5.0):
    """One GET on a fresh connection from 127.0.0.1; returns milliseconds, or None on failure."""
    t0 = time.monotonic()
    try:
        st, _, body = srv.get(path, timeout=timeout)
    except OSError:
        return None
    ms = (time.monotonic() - t0) * 1e3
    return ms if st == 200 and body else None


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def probe_round(srv, label, n, bound):
    for path in ("/healthz", TILE):
        times = []
        failed = 0
        for _ in range(n):
            ms = probe(srv, path)
            if ms is None:
                failed += 1
            else:
                times.append(ms)
            time.sleep(0.01)
        if times:
            p50, p99 = percentile(times, 50), percentile(times, 99)
        else:
            p50 = p99 = float("inf")
        print(f"flood: {label}: {path}: {n} probes, {failed} failed, "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True)
        th.check(f"{label}: {path} answered every probe", failed == 0, f"{failed} of {n} failed")
        th.check(f"{label}: {path} p99 under {bound} ms", p99 < bound, f"p99 {p99:.1f} ms")


def test_flood(srv, n_idle, n_slow, n_busy, bound, busy_bound):
    th.check("cached tile warm", probe(srv, TILE, 120) is not None)
    idle = slow = busy = None
    try:
        t0 = time.monotonic()
        idle = Holder(srv, n_idle, 0)
        slow = Slowloris(srv, n_slow, idle.addrs_used)
        print(f"flood: {n_idle} idle and {n_slow} slowloris connections open in "
              f"{time.monotonic() - t0:.1f} s", flush=True)
        time.sleep(2)  # let the server accept the backlog
        probe_round(srv, f"{n_idle} idle + {n_slow} slowloris", 300, bound)
        th.check("slowloris connections still open while probed", slow.closed_by_server == 0,
                 f"{slow.closed_by_server} closed")
        busy = Busy(srv, n_busy, idle.addrs_used + slow.addrs_used)
        time.sleep(2)
        probe_round(srv, f"plus {n_busy} busy keep-alive", 300, busy_bound)
        busy.stop.set()
        busy.thread.join(10)
        print(f"flood: busy connections: {busy.done} tiles, {busy.errors} errors", flush=True)
        th.check("busy connections: tiles served", busy.done >= n_busy, f"{busy.done}")
        th.check("busy connections: no errors", busy.errors == 0, f"{busy.errors}")
    finally:
        for h in (busy, slow, idle):
            if h:
                h.close()


def test_wrk_flood(srv, connections, seconds, bound):
    """While wrk keeps `connections` keep-alive connections asking for a cached tile as fast as
    they are answered, /healthz on a fresh connection every 100 ms is answered within `bound`."""
    th.check("cached tile warm (wrk)", probe(srv, TILE, 120) is not None)
    wrk = subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s",
                            f"http://{srv.host}:{srv.port}{TILE}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    times = []
    failed = 0
    try:
        time.sleep(2)  # every connection open and busy
        end = time.monotonic() + seconds - 3
        while time.monotonic() < end:
            t0 = time.monotonic()
            ms = probe(srv, "/healthz")
            if ms is None:
                failed += 1
            else:
                times.append(ms)
            time.sleep(max(0.0, 0.1 - (time.monotonic() - t0)))
        out, _ = wrk.communicate(timeout=seconds + 30)
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    m = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    rps = float(m.group(1)) if m else 0.0
    p50 = percentile(times, 50) if times else float("inf")
    p99 = percentile(times, 99) if times else float("inf")
    print(f"flood: wrk -t2 -c{connections} on {TILE}: {rps:.0f} requests/s; /healthz every "
          f"100 ms: {len(times)} answered, {failed} failed, p50 {p50:.1f} ms, p99 {p99:.1f} ms",
          flush=True)
    th.check("wrk ran", wrk.returncode == 0 and m is not None, out[-500:])
    th.check("wrk: no socket errors", "Socket errors" not in out, out[-500:])
    th.check("wrk: every answer a 200", "Non-2xx" not in out, out[-500:])
    th.check("under wrk: /healthz answered every probe", failed == 0, f"{failed} failed")
    th.check(f"under wrk: /healthz p99 under {bound} ms", p99 < bound, f"p99 {p99:.1f} ms")


def test_per_addr_limit(srv, limit):
    """The connection past the per-address limit is closed at once; others still get through."""
    socks = []
    try:
        for _ in range(limit):
            socks.append(connect_from("127.0.9.9", srv.host, srv.port))
        # Each of them answered once (kept alive): the server has accepted them all before the
        # next one arrives, whatever order its threads take them from the backlog in.
        for s in socks:
            s.settimeout(10)
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {srv.host}\r\n\r\n".encode())
        answered = sum(1 for s in socks if s.recv(100).startswith(b"HTTP/1.1 200"))
        th.check(f"{limit} connections from one address served", answered == limit,
                 f"{answered}")
        extra = connect_from("127.0.9.9", srv.host, srv.port)
        socks.append(extra)
        extra.settimeout(5)
        try:
            extra.sendall(f"GET /healthz HTTP/1.1\r\nHost: {srv.host}\r\n\r\n".encode())
            got = extra.recv(100)
        except OSError:
            got = b""
        th.check(f"connection {limit + 1} from one address refused", got == b"", repr(got[:40]))
        th.check("other addresses still served", probe(srv, "/healthz") is not None)
    finally:
        for s in socks:
            s.close()


def test_header_deadline(srv, seconds):
    """A request that sends a byte a second but never ends its headers is cut at the deadline."""
    s = connect_from("127.0.8.8", srv.host, srv.port)
    try:
        s.settimeout(1.0)
        req = f"GET /healthz HTTP/1.1\r\nHost: {srv.host}\r\n" + "X-a: b\r\n" * 100
        t0 = time.monotonic()
        closed_at = None
        for ch in req:
            if time.monotonic() - t0 > seconds + 10:
                break
            try:
                s.send(ch.encode())
                if s.recv(1024) == b"":
                    closed_at = time.monotonic() - t0
                    break
            except socket.timeout:
                continue
            except OSError:
                closed_at = time.monotonic() - t0
                break
        th.check(f"headers never finished: cut after about {seconds} s",
                 closed_at is not None and closed_at < seconds + 3,
                 "still open" if closed_at is None else f"after {closed_at:.1f} s")
        if closed_at is not None:
            print(f"flood: byte-a-second request cut after {closed_at:.1f} s", flush=True)
    finally:
        s.close()


def test_fd_limit(exe, root, events, data_dir):
    """A server started with a soft limit of 1024 open files raises it to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        th.check("hard limit of open files above 1024 (to test raising the soft one)", False,
                 f"hard limit {hard}")
        return
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        srv = th.Server(exe, root, ["--events", events, "--data", data_dir], name="fd server")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        with open(f"/proc/{srv.proc.pid}/limits", encoding="ascii") as f:
            line = next(ln for ln in f if ln.startswith("Max open files"))
        got_soft, got_hard = line.split()[3:5]
        th.check("soft limit of open files raised to the hard limit", got_soft == got_hard,
                 line.strip())
        m = srv.wait_log(r"at most (\d+) connections", 1)
        th.check("connection limit derived from the raised limit",
                 m is not None and int(m.group(1)) > 1024 // 2, m.group(0) if m else srv.tail())
    finally:
        rc = srv.stop(signal.SIGTERM)
        th.check("fd server stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")


def main():
    if len(sys.argv) != 3:
        print("usage: test_flood.py BRIEFMAP_EXE SOURCE_ROOT", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    root = os.path.abspath(sys.argv[2])
    events = os.environ.get("BRIEFMAP_EVENTS") or os.path.join(
        root, "briefings", "us-mexico-cartels", "events.geojson")
    data_dir = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")
    n_idle = int(os.environ.get("FLOOD_IDLE", "2000"))
    n_slow = int(os.environ.get("FLOOD_SLOW", "1000"))
    n_busy = int(os.environ.get("FLOOD_BUSY", "1000"))
    bound = float(os.environ.get("FLOOD_P99_MS", "100"))
    busy_bound = float(os.environ.get("FLOOD_BUSY_P99_MS", "100"))
    n_wrk = int(os.environ.get("FLOOD_WRK", "1000"))
    wrk_bound = float(os.environ.get("FLOOD_WRK_P99_MS", "100"))
    with open(exe, "rb") as f:
        if b"__asan_init" in f.read():
            # A sanitized server answers a third as many requests a second, and with 1,000
            # connections waiting their turn each turn is three times as long; the bound
            # that matters is the release build's, this one only catches a server that stalls.
            wrk_bound *= 10
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = max(n_idle + n_slow + n_busy, n_wrk) + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need) if hard > 0 else need, hard))

    srv = th.Server(exe, root, ["--events", events, "--data", data_dir], name="flood server")
    try:
        test_flood(srv, n_idle, n_slow, n_busy, bound, busy_bound)
        test_per_addr_limit(srv, 64)
    finally:
        rc = srv.stop(signal.SIGTERM)
        th.check("flood server stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")

    srv = th.Server(exe, root, ["--events", events, "--data", data_dir, "--timeout", "3"],
                    name="deadline server")
    try:
        test_header_deadline(srv, 3)
    finally:
        rc = srv.stop(signal.SIGTERM)
        th.check("deadline server stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")

    if shutil.which("wrk"):
        # wrk opens every connection from one address, as a proxy would. The access log goes
        # to a file, as deployed: read line by line here, tens of thousands of lines a second
        # would take this process's time from the probes.
        with tempfile.TemporaryDirectory(prefix="briefmap-flood.") as tmp:
            srv = th.Server(exe, root, ["--events", events, "--data", data_dir,
                                        "--conns-per-ip", "4096",
                                        "--access-log", os.path.join(tmp, "access.log")],
                            name="wrk server")
            try:
                test_wrk_flood(srv, n_wrk, 20, wrk_bound)
            finally:
                rc = srv.stop(signal.SIGTERM)
                th.check("wrk server stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")
    else:
        th.check("wrk installed (tools/setup.sh installs it)", False)

    test_fd_limit(exe, root, events, data_dir)

    print(f"{th.PASSED} passed, {th.FAILED} failed")
    return 1 if th.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
