#!/usr/bin/env python3
"""test_hostile.py: `briefmap serve` against malformed and hostile requests, over raw sockets.

Usage: test_hostile.py BRIEFMAP_EXE SOURCE_ROOT

Starts a real server on 127.0.0.1:0 and sends what a well-behaved client never
would: a query key without '=', truncated and non-XML UTF-8 in sheet titles
(each SVG checked with xmllint), control characters in the method, encoded
slashes in paths, requests whose length is ambiguous, and a FIFO in the static
folder. Prints "N passed, N failed" and exits non-zero on any failure.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http as th  # noqa: E402  (the shared Server, check() and helpers)


def raw(srv, data, wait=3.0):
    """Sends bytes, reads until the server closes or is silent for `wait` s; (bytes, closed)."""
    s = socket.create_connection((srv.host, srv.port), timeout=wait)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not d:
                return out, True
            out += d
    finally:
        s.close()


def status_lines(data):
    """Every status line in `data` (a body may end without a newline before the next one)."""
    return re.findall(rb"HTTP/1\.[01] \d{3} [^\r\n]*", data)


def test_query_key_without_value(srv):
    # Used to write into a string literal: the server died of SIGSEGV.
    for path in ("/healthz?b", "/tiles/base/0/0/0.png?x", "/api/views?a&b&c="):
        st, _, _ = srv.get(path)
        th.check(f"{path} -> 200", st == 200, f"{st}")
    th.check("server alive after keys without '='", srv.proc.poll() is None, srv.tail())


def test_titles(srv, tmp):
    xmllint = shutil.which("xmllint")
    th.check("xmllint is installed", xmllint is not None)
    for name, title in (("truncated lead byte", "%e0"), ("truncated 4-byte", "ab%f0%9f"),
                        ("control", "a%01b%1bc"), ("U+FFFE", "x%EF%BF%BEy"),
                        ("lone surrogate", "x%ED%A0%80y"), ("overlong", "%C0%AF%E0%80%AF"),
                        ("past U+10FFFF", "%F4%90%80%80"), ("plain", "Caribbean+%C3%A9t%C3%A9")):
        path = f"/render.svg?view=region&size=300x200&title={title}"
        st, h, body = srv.get(path, timeout=120)
        ok = th.check(f"title {name}: 200 SVG", st == 200 and h.get("content-type", "")
                      .startswith("image/svg+xml"), f"{st} {body[:200]!r}")
        if ok and xmllint:
            f = os.path.join(tmp, "sheet.svg")
            with open(f, "wb") as out:
                out.write(body)
            p = subprocess.run([xmllint, "--noout", f], capture_output=True)
            th.check(f"title {name}: well-formed XML", p.returncode == 0,
                     p.stderr.decode("utf-8", "replace")[:300])
    # JSON built from the same bytes stays valid.
    st, h, body = srv.get("/api/events/%ED%A0%80%e0")
    try:
        json.loads(body.decode("utf-8"))
        valid = True
    except ValueError:
        valid = False
    th.check("error JSON about a bad id is valid UTF-8 JSON", st == 404 and valid,
             f"{st} {body[:100]!r}")
    th.check("server alive after the titles", srv.proc.poll() is None, srv.tail())


def test_log_escapes(srv):
    mark = srv.mark()
    data, _ = raw(srv, f"G\x1b[31mET\x07 /healthz HTTP/1.1\r\nHost: {srv.host}\r\n\r\n".encode())
    th.check("method with control codes answered", status_lines(data) != [], repr(data[:80]))
    m = srv.wait_log(r"healthz", 5, mark)
    th.check("request logged", m is not None)
    with srv.cond:
        lines = srv.lines[mark:]
    th.check("no control code reaches the log", not any(
        any(ord(c) < 0x20 or ord(c) == 0x7f for c in ln) for ln in lines), repr(lines))
    th.check("control codes logged escaped", any("\\x1b[31m" in ln for ln in lines), repr(lines))


def test_encoded_slash(srv):
    for path, want in (("/tiles/briefing%2F5%2F7%2F14.png", 404),
                       ("/tiles/briefing/5%2F7/14.png", 404),
                       ("/static/leaflet%2fleaflet.js", 404),
                       ("/api/events/a%2Fb", 404)):
        th.expect_error(srv, path, want)
    st, _, _ = srv.get("/tiles/briefing/5/7/14.png", timeout=120)
    th.check("the same tile with real slashes -> 200", st == 200, f"{st}")


def test_framing(srv):
    host = f"Host: {srv.host}\r\n".encode()
    follow = b"GET /metrics HTTP/1.1\r\n" + host + b"\r\n"
    for name, head, body in (
            ("Content-Length with Transfer-Encoding", b"Content-Length: 5\r\n"
             b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
            ("two Content-Lengths", b"Content-Length: 0\r\nContent-Length: 5\r\n", b""),
            ("two Transfer-Encodings", b"Transfer-Encoding: chunked\r\n"
             b"Transfer-Encoding: identity\r\n", b"0\r\n\r\n")):
        data, closed = raw(srv, b"GET /healthz HTTP/1.1\r\n" + host + head + b"\r\n" + body +
                           follow)
        lines = status_lines(data)
        th.check(f"{name}: one answer, 400", len(lines) == 1 and b" 400 " in lines[0],
                 repr(data[:300]))
        th.check(f"{name}: JSON", b"application/json" in data and b'{"error":' in data,
                 repr(data[:300]))
        th.check(f"{name}: request behind it not served", b"briefmap_" not in data,
                 repr(data[:300]))
        th.check(f"{name}: connection closed", closed)
    # A plain pipelined pair is still served, both.
    data, _ = raw(srv, b"GET /healthz HTTP/1.1\r\n" + host + b"\r\n" + follow, wait=2)
    th.check("plain pipelining still served", len(status_lines(data)) == 2 and
             b"briefmap_" in data, repr(data[:200]))


def test_fifo(exe, root, data_dir, events):
    """A FIFO in static/ must not hold a network thread, nor the stop."""
    with tempfile.TemporaryDirectory(prefix="briefmap-fifo-") as tmp:
        static = os.path.join(tmp, "static")
        shutil.copytree(os.path.join(root, "static"), static, symlinks=True)
        os.mkfifo(os.path.join(static, "pipe.js"))
        srv = th.Server(exe, root, ["--events", events, "--data", data_dir, "--static", static],
                        name="fifo server")
        try:
            t0 = time.monotonic()
            try:
                st, h, b = srv.get("/static/pipe.js", timeout=5)
                th.check("FIFO in static/ -> 404 JSON", th.is_json_error(st, h, b, 404),
                         f"{st} {b[:100]!r}")
            except OSError as e:
                th.check("FIFO in static/ -> 404 JSON", False, f"{e}")
            th.check("FIFO answered at once", time.monotonic() - t0 < 2,
                     f"{time.monotonic() - t0:.1f} s")
            st, _, _ = srv.get("/healthz", timeout=5)
            th.check("still serving after the FIFO", st == 200)
        finally:
            t0 = time.monotonic()
            rc = srv.stop(signal.SIGTERM, timeout=15)
            th.check("SIGTERM after a FIFO request: status 0, quick",
                     rc == 0 and time.monotonic() - t0 < 10, f"{rc}")


def main():
    if len(sys.argv) != 3:
        print("usage: test_hostile.py BRIEFMAP_EXE SOURCE_ROOT", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    root = os.path.abspath(sys.argv[2])
    events = os.environ.get("BRIEFMAP_EVENTS") or os.path.join(
        root, "briefings", "us-mexico-cartels", "events.geojson")
    data_dir = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")
    srv = th.Server(exe, root, ["--events", events, "--data", data_dir], name="hostile server")
    try:
        with tempfile.TemporaryDirectory(prefix="briefmap-hostile-") as tmp:
            for name, fn in (("query keys", lambda: test_query_key_without_value(srv)),
                             ("titles", lambda: test_titles(srv, tmp)),
                             ("log escapes", lambda: test_log_escapes(srv)),
                             ("encoded slash", lambda: test_encoded_slash(srv)),
                             ("framing", lambda: test_framing(srv))):
                try:
                    fn()
                except Exception:  # noqa: BLE001 - a crash in one section fails it, not the run
                    import traceback
                    th.check(f"section {name} ran", False, traceback.format_exc())
    finally:
        rc = srv.stop(signal.SIGTERM)
        th.check("hostile server stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")
    test_fifo(exe, root, data_dir, events)
    print(f"{th.PASSED} passed, {th.FAILED} failed")
    return 1 if th.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
