#!/usr/bin/env python3
"""test_jobs.py: the render queue of a real `briefmap serve`: tiles never wait behind sheets,
sheets whose clients hung up are not drawn, identical sheets are drawn once, the memory of
sheets is bounded, HEAD on a sheet does not draw it, and equal requests give equal bytes.

Usage: test_jobs.py BRIEFMAP_EXE SOURCE_ROOT
Prints the figures it measured, then "N passed, N failed"; exits non-zero on any failure.
"""

import concurrent.futures
import os
import re
import signal
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http as th  # noqa: E402 - the shared harness (Server, check, helpers)

check = th.check
BIG_SHEET = "/render.png?view=region&size=8000x5000"


def metric(srv, name, labels=""):
    _, _, b = srv.get("/metrics")
    rx = re.escape(name) + (re.escape("{" + labels + "}") if labels else "") + r" (\S+)$"
    m = re.search("^" + rx, b.decode(), re.M)
    return float(m.group(1)) if m else None


def sheet_renders(srv):
    return metric(srv, "briefmap_render_seconds_count", 'kind="sheet"')


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(srv, timeout):
    """Waits until nothing is queued or being drawn; returns the seconds it took, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        depth = metric(srv, "briefmap_render_queue_depth")
        running = metric(srv, "briefmap_render_running")
        if depth == 0 and (running is None or running == 0):
            return time.monotonic() - t0
        time.sleep(0.2)
    return None


def send_and_hang_up_later(srv, paths):
    """Sends each request on its own connection; returns the sockets, still open."""
    socks = []
    for p in paths:
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(f"GET {p} HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n\r\n".encode())
        socks.append(s)
    return socks


def test_tile_behind_abandoned_sheets(srv):
    """48 large sheets queued, their clients gone after 1 s: a cold tile still answers within
    1 s, and the abandoned sheets are not drawn."""
    x, y = th.lonlat_to_tile(-99.1, 19.4, 10)
    # The zoom's label placement is made once, by the first tile: not what is measured here.
    st, _, _ = srv.get(f"/tiles/briefing/10/{x + 1}/{y}.png", timeout=120)
    check("neighbour tile warms the zoom", st == 200)
    # What a cold tile takes on this machine right now, with nothing queued: on a machine
    # shared with other work the bound allows for it.
    t0 = time.perf_counter()
    st, _, _ = srv.get(f"/tiles/briefing/10/{x - 1}/{y}.png", timeout=120)
    alone = time.perf_counter() - t0
    bound = max(1.0, 4 * alone)
    before = sheet_renders(srv)
    cpu0 = cpu_seconds(srv.proc.pid)
    t_flood = time.monotonic()
    socks = send_and_hang_up_later(srv, [f"{BIG_SHEET}&title=flood-{i}" for i in range(48)])
    time.sleep(1.0)
    for s in socks:
        s.close()
    t0 = time.perf_counter()
    try:
        st, _, b = srv.get(f"/tiles/briefing/10/{x}/{y}.png", timeout=120)
    except OSError as e:
        st, b = repr(e), b""
    took = time.perf_counter() - t0
    check("cold tile behind 48 abandoned sheets: 200", st == 200 and th.png_size(b), f"{st}")
    check("cold tile behind 48 abandoned sheets: within 1 s", took < bound,
          f"{took:.2f} s, {alone:.2f} s with nothing queued")
    idle = wait_idle(srv, 180)
    check("abandoned sheets leave the queue", idle is not None)
    check("the sheet budget is all given back",
          metric(srv, "briefmap_sheet_memory_bytes") == 0)
    cpu = cpu_seconds(srv.proc.pid) - cpu0
    drawn = sheet_renders(srv) - before
    abandoned = metric(srv, "briefmap_render_abandoned_total", 'kind="sheet"') or 0
    check("abandoned sheets are not drawn", drawn <= 3, f"{drawn:.0f} of 48 drawn")
    check("abandoned sheets are counted", abandoned >= 45, f"{abandoned:.0f}")
    print(f"abandoned flood: cold tile in {took * 1e3:.0f} ms ({alone * 1e3:.0f} ms alone); {drawn:.0f} of 48 sheets drawn, "
          f"{abandoned:.0f} dropped; {cpu:.1f} s CPU until idle after "
          f"{time.monotonic() - t_flood:.1f} s", flush=True)


def test_identical_sheets_merged(srv):
    path = "/render.png?view=mexico&size=3000x2000&title=merged"
    before = sheet_renders(srv)
    merged0 = metric(srv, "briefmap_render_merged_total", 'kind="sheet"') or 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(lambda _: srv.get(path, timeout=120), range(2)))
    drawn = sheet_renders(srv) - before
    merged = (metric(srv, "briefmap_render_merged_total", 'kind="sheet"') or 0) - merged0
    check("two identical sheets at once: both 200", all(r[0] == 200 for r in results),
          f"{[r[0] for r in results]}")
    check("two identical sheets at once: same bytes and ETag",
          results[0][2] == results[1][2] and results[0][1].get("etag") == results[1][1].get("etag"))
    check("two identical sheets at once: drawn once", drawn == 1, f"{drawn:.0f} renders")
    check("two identical sheets at once: one merged", merged == 1, f"{merged:.0f}")


def test_head_does_not_draw(srv):
    path = "/render.png?view=caribbean&size=700x500&title=head"
    before = sheet_renders(srv)
    st, h, b = srv.request("HEAD", path)
    check("HEAD sheet: 200 without body", st == 200 and b == b"", f"{st}")
    check("HEAD sheet: not drawn", sheet_renders(srv) == before)
    st_g, h_g, b_g = srv.get(path)
    check("HEAD sheet: headers of the GET",
          st_g == 200 and h.get("etag") == h_g.get("etag")
          and h.get("content-type") == h_g.get("content-type") == "image/png"
          and h.get("content-disposition") == h_g.get("content-disposition")
          and h.get("access-control-allow-origin") == "*", f"{h} {h_g}")
    check("HEAD sheet: no wrong length", h.get("content-length") in (None, str(len(b_g))),
          f"{h.get('content-length')}")
    st, h, b = srv.request("HEAD", path)
    check("HEAD sheet once drawn: its length", st == 200 and b == b""
          and h.get("content-length") == str(len(b_g)), f"{h.get('content-length')} {len(b_g)}")
    st, _, _ = srv.request("HEAD", path, {"If-None-Match": h_g.get("etag", "")})
    check("HEAD sheet: 304 on its ETag", st == 304)


def test_deterministic(srv, other):
    """The same request on two servers, a second apart: the same bytes and ETag."""
    for fmt in ("png", "pdf", "svg"):
        path = f"/render.{fmt}?view=venezuela&size=800x600&title=same"
        st1, h1, b1 = srv.get(path)
        time.sleep(1.1)
        st2, h2, b2 = other.get(path)
        check(f"{fmt}: same request, same bytes", st1 == st2 == 200 and b1 == b2,
              f"{st1} {st2} {len(b1)} {len(b2)}")
        check(f"{fmt}: same request, same ETag", h1.get("etag") == h2.get("etag"))
        st3, h3, _ = srv.get(f"/render.{fmt}?view=venezuela&size=800x600&title=other")
        check(f"{fmt}: other request, other ETag", st3 == 200 and h3.get("etag") != h1.get("etag"))


def test_budget(srv):
    """Sheets past the memory budget are refused at once with 503 and Retry-After."""
    paths = [f"/render.png?view=region&size=2400x1600&title=budget-{i}" for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(lambda p: srv.get(p, timeout=120), paths))
    ok = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] == 503]
    check("sheet flood past the budget: some drawn", len(ok) >= 1, f"{[r[0] for r in results]}")
    check("sheet flood past the budget: the rest 503", len(ok) + len(refused) == len(results)
          and len(refused) >= 4, f"{[r[0] for r in results]}")
    check("sheet flood past the budget: JSON with Retry-After",
          all(th.is_json_error(*r[:3], 503) and r[1].get("retry-after") for r in refused))
    n = metric(srv, "briefmap_render_refused_total", 'reason="sheet_budget"') or 0
    check("budget refusals counted", n >= len(refused), f"{n}")
    check("budget flood: the budget is all given back", wait_idle(srv, 60) is not None
          and metric(srv, "briefmap_sheet_memory_bytes") == 0)


def main():
    if len(sys.argv) != 3:
        print("usage: test_jobs.py BRIEFMAP_EXE SOURCE_ROOT", file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    root = os.path.abspath(sys.argv[2])
    events = os.environ.get("BRIEFMAP_EVENTS") or os.path.join(
        root, "briefings", "us-mexico-cartels", "events.geojson")
    data = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")
    common = ["--events", events, "--data", data]

    # A budget large enough that every sheet of the flood is queued.
    a = th.Server(exe, root, [*common, "--threads", "2", "--sheet-budget-mb", "100000"],
                  name="queue server")
    b = th.Server(exe, root, [*common, "--threads", "2", "--sheet-budget-mb", "40"],
                  name="budget server")
    try:
        for name, fn in (("tile behind abandoned sheets", lambda: test_tile_behind_abandoned_sheets(a)),
                         ("identical sheets", lambda: test_identical_sheets_merged(a)),
                         ("HEAD sheet", lambda: test_head_does_not_draw(a)),
                         ("deterministic sheets", lambda: test_deterministic(a, b)),
                         ("sheet budget", lambda: test_budget(b))):
            try:
                fn()
            except Exception:  # noqa: BLE001 - a crash in one section fails it, not the run
                check(f"section {name} ran", False, traceback.format_exc())
    finally:
        for srv in (a, b):
            rc = srv.stop(signal.SIGTERM, 60)
            check(f"{srv.name} stopped with status 0", rc == 0, f"{rc}\n{srv.tail()}")
    print(f"{th.PASSED} passed, {th.FAILED} failed")
    return 1 if th.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
