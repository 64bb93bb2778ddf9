#!/usr/bin/env python3
"""Any OGR source replaces a base layer: a Shapefile in another CRS, FlatGeobuf, GeoJSON."""
import os
import re
import subprocess
import sys
import tempfile

briefmap = sys.argv[1]
data = os.environ.get("BRIEFMAP_DATA", "var/data")
gpkg = os.path.join(data, "base.gpkg")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(*args):
    return subprocess.run([briefmap, *args], capture_output=True, text=True, timeout=300)


def counts(out):
    """layer -> (features, vertices) from `briefmap check`."""
    table = {}
    for line in out.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s", line)
        if m:
            table[m.group(1)] = (int(m.group(2)), int(m.group(4)))
    return table


with tempfile.TemporaryDirectory() as tmp:
    shp = os.path.join(tmp, "states.shp")
    fgb = os.path.join(tmp, "cities.fgb")
    gj = os.path.join(tmp, "land.geojson")
    subprocess.run(["ogr2ogr", "-q", "-f", "ESRI Shapefile", "-t_srs", "EPSG:3857", shp, gpkg,
                    "states"], check=True)
    subprocess.run(["ogr2ogr", "-q", "-f", "FlatGeobuf", fgb, gpkg, "cities"], check=True)
    subprocess.run(["ogr2ogr", "-q", "-f", "GeoJSON", gj, gpkg, "land"], check=True)

    base = run("check")
    check("default data checks", base.returncode == 0, base.stderr)
    swapped = run("check", "--layer", f"states={shp}", "--layer", f"cities={fgb}|cities",
                  "--layer", f"land={gj}")
    check("replaced layers check", swapped.returncode == 0, swapped.stderr)
    a, b = counts(base.stdout), counts(swapped.stdout)
    for layer in ("states", "cities", "land"):
        check(f"{layer}: same features from the other source",
              layer in a and layer in b and a[layer][0] == b[layer][0], f"{a.get(layer)} vs {b.get(layer)}")
    check("read through OGR, not the snapshot", "read through GDAL/OGR" in swapped.stdout,
          swapped.stdout)

    out = os.path.join(tmp, "mexico.png")
    r = run("render", "--view", "mexico", "--size", "400x300", "--bare", "--layer",
            f"states={shp}", "-o", out)
    check("render with a Shapefile layer", r.returncode == 0 and os.path.getsize(out) > 1000,
          r.stderr)

    bad = run("check", "--layer", f"states={os.path.join(tmp, 'missing.shp')}")
    lines = [l for l in bad.stderr.splitlines() if l]
    check("missing source: exit 1, one line", bad.returncode == 1 and len(lines) == 1 and
          lines[0].startswith("briefmap: "), bad.stderr)
    bad = run("check", "--layer", "rivers=x.shp")
    check("unknown layer name: exit 2", bad.returncode == 2, bad.stderr)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
