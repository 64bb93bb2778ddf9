"""deploylib.py: what the deployment tests share: a real `briefmap serve` on a free loopback port,
HTTP requests, checks, and free ports for the other daemons (nginx, PostgreSQL)."""

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time

PASSED = 0
FAILED = 0


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL: {name}" + (f" ({detail})" if detail else ""), flush=True)
    return cond


def summary():
    print(f"{PASSED} passed, {FAILED} failed", flush=True)
    return 1 if FAILED else 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env():
    env = dict(os.environ)
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http", "lsan.supp")
    if "suppressions=" not in env.get("LSAN_OPTIONS", ""):
        env["LSAN_OPTIONS"] = ":".join(x for x in (env.get("LSAN_OPTIONS"),
                                                   f"suppressions={os.path.abspath(supp)}") if x)
    return env


class Server:
    """A running `briefmap serve` with its stderr collected line by line."""

    def __init__(self, exe, cwd, extra_args=(), listen="127.0.0.1:0", name="briefmap"):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        args = [exe, "serve", "--listen", listen, *extra_args]
        self.proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, env=server_env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        m = self.wait_log(r"^briefmap: serving on http://([0-9.]+):(\d+)/$", 120)
        if not m:
            self.stop()
            raise RuntimeError(f"{name} did not start:\n" + "\n".join(self.lines[-30:]))
        self.host, self.port = m.group(1), int(m.group(2))

    def _read(self):
        for raw in self.proc.stderr:
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_log(self, pattern, timeout, start=0):
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
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def request(host, port, path, headers=None, method="GET", timeout=60):
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
