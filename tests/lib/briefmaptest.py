"""briefmaptest.py: what the Python test harnesses share: checks and their count, cases run by name
(BRIEFMAP_TEST_CASE), a real `briefmap serve` on a free loopback port, HTTP requests, free ports
for other daemons, and a PNG decoder for looking at rendered pixels."""

import fnmatch
import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import traceback
import zlib

PASSED = 0
FAILED = 0
# Cases run and cases left out by BRIEFMAP_TEST_CASE.
_RAN = 0

LSAN_SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http", "lsan.supp")


def check(name, cond, detail=""):
    """Counts one check; prints a failure with its detail. Returns `cond`."""
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL: {name}" + (f" ({detail})" if detail else ""), flush=True)
    return cond


def selected(name):
    """Whether the case `name` runs: every case, or those BRIEFMAP_TEST_CASE names (a glob)."""
    want = os.environ.get("BRIEFMAP_TEST_CASE")
    return not want or fnmatch.fnmatchcase(name, want)


def case(name, fn, *args):
    """Runs one named case unless BRIEFMAP_TEST_CASE leaves it out; an exception fails only it."""
    global _RAN
    if not selected(name):
        return
    _RAN += 1
    print(f"case: {name}", flush=True)
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - a crash in one case fails it, not the run
        check(f"case {name} ran", False, traceback.format_exc())


def summary():
    """Prints "N passed, N failed"; the exit status: 1 on a failure, or when
    BRIEFMAP_TEST_CASE named no case (a typo must not pass)."""
    want = os.environ.get("BRIEFMAP_TEST_CASE")
    if want and _RAN == 0:
        check(f"BRIEFMAP_TEST_CASE={want} names a case", False, "no case has that name")
    print(f"{PASSED} passed, {FAILED} failed", flush=True)
    return 1 if FAILED else 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(supp=LSAN_SUPP):
    """The environment of a server: under LeakSanitizer, fontconfig's caches are not our leaks."""
    env = dict(os.environ)
    if "suppressions=" not in env.get("LSAN_OPTIONS", ""):
        env["LSAN_OPTIONS"] = ":".join(x for x in (env.get("LSAN_OPTIONS"),
                                                   f"suppressions={os.path.abspath(supp)}") if x)
    return env


def request(host, port, path, headers=None, method="GET", timeout=60):
    """One request on its own connection: (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": f"{host}:{port}"}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


class Server:
    """A running `briefmap serve` with its stderr collected line by line."""

    def __init__(self, exe, cwd, extra_args=(), listen="127.0.0.1:0", name="briefmap"):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        args = [exe, "serve", "--listen", listen, *extra_args]
        self.proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, env=server_env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        m = self.wait_log(r"^briefmap: serving on http://([0-9.]+):(\d+)/$", 120)
        if not m:
            self.stop()
            raise RuntimeError(f"{name} did not start:\n" + "\n".join(self.lines[-30:]))
        self.host, self.port = m.group(1), int(m.group(2))

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_log(self, pattern, timeout, start=0):
        """Waits for a stderr line matching `pattern` from line `start` on."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and i >= len(self.lines)):
                    return None
                self.cond.wait(min(left, 0.2))

    def mark(self):
        """The number of stderr lines so far, for a later wait_log(start=...)."""
        with self.cond:
            return len(self.lines)

    def tail(self, n=30):
        with self.cond:
            return "\n".join(self.lines[-n:])

    def request(self, method, path, headers=None, timeout=60):
        return request(self.host, self.port, path, headers, method, timeout)

    def get(self, path, headers=None, method="GET", timeout=60):
        return request(self.host, self.port, path, headers, method, timeout)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, _, _ = self.get("/readyz")
            if st == 200:
                return True
            time.sleep(0.1)
        return False

    def metric(self, name):
        """The sum of a metric's samples in /metrics."""
        _, _, b = self.get("/metrics")
        total = 0.0
        for m in re.finditer(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? ([0-9.e+-]+)$",
                             b.decode(), re.M):
            total += float(m.group(1))
        return total

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the server: its exit status, or "killed after Ns" when it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = f"killed after {timeout}s"
        self.reader.join(5)
        return rc


def png_rgba(data):
    """Decodes an 8-bit PNG (RGB, RGBA or palette) into rows of (r, g, b, a)."""
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        t = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if t == b"IDAT":
            idat += body
        else:
            chunks.setdefault(t, body)
        pos += 12 + n
    w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8, depth
    bpp = {2: 3, 6: 4, 3: 1}[ctype]
    raw = zlib.decompress(idat)
    rows, prev, i = [], bytearray(w * bpp), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + w * bpp])
        i += 1 + w * bpp
        for x in range(len(line)):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if ctype == 3:
            pal = chunks[b"PLTE"]
            trns = chunks.get(b"tRNS", b"")
            rows.append([(pal[3 * v], pal[3 * v + 1], pal[3 * v + 2],
                          trns[v] if v < len(trns) else 255) for v in line])
        else:
            rows.append([tuple(line[x * bpp:(x + 1) * bpp]) + ((255,) if bpp == 3 else ())
                         for x in range(w)])
    return rows
