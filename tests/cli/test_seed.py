#!/usr/bin/env python3
"""`briefmap seed` writes a valid MBTiles file, whole or not at all."""
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

briefmap = sys.argv[1]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def tile_xy(lon, lat, z):
    n = 2 ** z
    lat = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "caribbean.mbtiles")
    bbox = (-90.0, 8.0, -59.0, 24.5)
    r = subprocess.run([briefmap, "seed", "--zoom", "3-5", "--bbox", ",".join(map(str, bbox)),
                        "--tileset", "events", "-o", out], capture_output=True, text=True)
    check("seed exits 0", r.returncode == 0, r.stderr)
    expected = 0
    for z in range(3, 6):
        x0, y0 = tile_xy(bbox[0], bbox[3], z)
        x1, y1 = tile_xy(bbox[2], bbox[1], z)
        expected += (x1 - x0 + 1) * (y1 - y0 + 1)
    db = sqlite3.connect(out)
    n, zmin, zmax = db.execute("SELECT count(*), min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    check("every tile of the range", n == expected and (zmin, zmax) == (3, 5), f"{n} vs {expected}")
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    check("metadata", meta.get("format") == "png" and meta.get("type") == "overlay" and
          meta.get("minzoom") == "3" and "Natural Earth" in meta.get("attribution", ""), meta)
    blob, = db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
    check("tiles are PNG", blob[:8] == b"\x89PNG\r\n\x1a\n")
    # TMS rows: the tile holding Caracas at zoom 5 is stored with its row flipped.
    x, y = tile_xy(-66.9, 10.5, 5)
    row = db.execute("SELECT count(*) FROM tiles WHERE zoom_level=5 AND tile_column=? AND tile_row=?",
                     (x, 2 ** 5 - 1 - y)).fetchone()[0]
    check("rows counted from the south", row == 1)
    db.close()

    bad = os.path.join(tmp, "bad.mbtiles")
    for args, why in ((["--zoom", "5-3"], "inverted zoom"), (["--zoom", "0-13"], "zoom past 12"),
                      (["--zoom", "2-3", "--bbox", "1,2,3"], "bad bbox"),
                      (["--zoom", "2-3", "--tileset", "nope"], "unknown tileset")):
        r = subprocess.run([briefmap, "seed", *args, "-o", bad], capture_output=True, text=True)
        lines = [l for l in r.stderr.splitlines() if l]
        check(f"{why}: exit 2, one line", r.returncode == 2 and len(lines) == 1 and
              lines[0].startswith("briefmap: "), r.stderr)
    check("no file left behind", not os.path.exists(bad) and
          not [f for f in os.listdir(tmp) if "partial" in f])
    r = subprocess.run([briefmap, "seed", "--zoom", "2-3", "-o", os.path.join(tmp, "no/such/dir.mbtiles")],
                       capture_output=True, text=True)
    check("unwritable output: exit 1", r.returncode == 1, r.stderr)

# A seed killed midway leaves its partial file; the next seed removes it, but never the partial
# of a seed still running.
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "region.mbtiles")
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = f"{out}.partial-{dead.pid}"
    with open(stale, "wb") as f:
        f.write(b"half a file")
    other = os.path.join(tmp, "other.mbtiles.partial-1")  # another output's: not ours to touch
    open(other, "wb").close()
    r = subprocess.run([briefmap, "seed", "--zoom", "2-3", "-o", out], capture_output=True,
                       text=True)
    check("seed beside a stale partial: exit 0", r.returncode == 0, r.stderr)
    check("stale partial of a dead seed removed", not os.path.exists(stale))
    check("another output's partial kept", os.path.exists(other))
    os.unlink(other)

    long_seed = subprocess.Popen([briefmap, "seed", "--zoom", "2-9", "--threads", "1", "-o", out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    running = f"{out}.partial-{long_seed.pid}"
    deadline = time.monotonic() + 60
    while not os.path.exists(running) and time.monotonic() < deadline and long_seed.poll() is None:
        time.sleep(0.05)
    check("a running seed writes its partial", os.path.exists(running))
    r = subprocess.run([briefmap, "seed", "--zoom", "2-2", "-o", out], capture_output=True,
                       text=True)
    check("second seed while one runs: exit 0", r.returncode == 0, r.stderr)
    check("the running seed's partial is kept", os.path.exists(running) and
          long_seed.poll() is None)
    long_seed.kill()
    long_seed.wait()
    check("a killed seed leaves its partial", os.path.exists(running))
    r = subprocess.run([briefmap, "seed", "--zoom", "2-3", "-o", out], capture_output=True,
                       text=True)
    check("seed after a killed one: exit 0", r.returncode == 0, r.stderr)
    left = sorted(f for f in os.listdir(tmp) if f != "region.mbtiles")
    check("no leftovers after a killed seed", not left, left)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
