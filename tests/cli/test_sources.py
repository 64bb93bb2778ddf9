#!/usr/bin/env python3
"""Any OGR source replaces a base layer: a Shapefile in another CRS, FlatGeobuf, GeoJSON; what is
drawn is the replacement's features, where they are, and nothing where it has none."""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from briefmaptest import case, check, png_rgba, summary  # noqa: E402

briefmap = sys.argv[1]
data = os.environ.get("BRIEFMAP_DATA", "var/data")
gpkg = os.path.join(data, "base.gpkg")

# tiles/render.c's land and ocean, in 8-bit sRGB.
LAND = (243, 240, 234)
OCEAN = (214, 228, 236)
# The replacement land: one square, split into two countries at SPLIT, one city in the west.
SQUARE = (-112.0, 18.0, -100.0, 28.0)
SPLIT = -106.0
CITY = (-109.0, 23.0)
BBOX = "-120,10,-90,34"


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


def near(px, rgb, tol=6):
    return all(abs(a - b) <= tol for a, b in zip(px, rgb))


def inked(px):
    """Drawn over the land: a line, a dot or a letter, not the land's flat colour."""
    return sum(px[:3]) < sum(LAND) - 60


def write_geojson(path, features):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f)
    return path


def box(w, s, e, n, props):
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def merc_y(lat):
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


class Frame:
    """Maps degrees to pixels of a render, from where the land square's edges were drawn."""

    def __init__(self, rows):
        h, w = len(rows), len(rows[0])
        mid_row = [x for x in range(w) if near(rows[h // 2][x], LAND)]
        mid_col = [y for y in range(h) if near(rows[y][w // 2], LAND)]
        self.ok = bool(mid_row and mid_col)
        if self.ok:
            self.x0, self.x1 = mid_row[0], mid_row[-1]
            self.y0, self.y1 = mid_col[0], mid_col[-1]

    def px(self, lon, lat):
        w, s, e, n = SQUARE
        x = self.x0 + (lon - w) / (e - w) * (self.x1 - self.x0)
        y = self.y0 + (merc_y(n) - merc_y(lat)) / (merc_y(n) - merc_y(s)) * (self.y1 - self.y0)
        return round(x), round(y)


def inked_near(rows, x, y, r=3):
    return any(inked(rows[j][i]) for j in range(y - r, y + r + 1) for i in range(x - r, x + r + 1))


def render(tmp, name, layers, events):
    out = os.path.join(tmp, name + ".png")
    args = ["render", "--events", events, "--bbox", BBOX, "--size", "600x400", "--bare"]
    for k, v in layers.items():
        args += ["--layer", f"{k}={v}"]
    r = run(*args, "-o", out)
    check(f"render {name}", r.returncode == 0, r.stderr)
    with open(out, "rb") as f:
        return png_rgba(f.read())


def test_counts(tmp, shp, fgb, gj):
    base = run("check")
    check("default data checks", base.returncode == 0, base.stderr)
    swapped = run("check", "--layer", f"states={shp}", "--layer", f"cities={fgb}|cities",
                  "--layer", f"land={gj}")
    check("replaced layers check", swapped.returncode == 0, swapped.stderr)
    a, b = counts(base.stdout), counts(swapped.stdout)
    for layer in ("states", "cities", "land"):
        check(f"{layer}: same features from the other source",
              layer in a and layer in b and a[layer][0] == b[layer][0],
              f"{a.get(layer)} vs {b.get(layer)}")
    check("read through OGR, not the snapshot", "read through GDAL/OGR" in swapped.stdout,
          swapped.stdout)


def test_drawn_where_the_source_has_features(tmp):
    """Land, countries and a city from GeoJSON and FlatGeobuf: drawn at their places only."""
    events = write_geojson(os.path.join(tmp, "no-events.geojson"), [])
    empty = write_geojson(os.path.join(tmp, "empty.geojson"), [])
    land = write_geojson(os.path.join(tmp, "square.geojson"), [box(*SQUARE, {"name": "Square"})])
    w, s, e, n = SQUARE
    countries = write_geojson(os.path.join(tmp, "countries.geojson"), [
        box(w, s, SPLIT, n, {"name": "Westland", "NAME": "Westland"}),
        box(SPLIT, s, e, n, {"name": "Eastland", "NAME": "Eastland"})])
    city_json = write_geojson(os.path.join(tmp, "city.geojson"), [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": list(CITY)},
        "properties": {"name": "Bigtown", "iso2": "MX", "population": 9000000,
                       "capital": "primary"}}])
    city = os.path.join(tmp, "city.fgb")
    subprocess.run(["ogr2ogr", "-q", "-f", "FlatGeobuf", city, city_json], check=True)
    bare = {"land": land, "land_low": land, "countries": empty, "countries_low": empty,
            "states": empty, "cities": empty}

    only_land = render(tmp, "only-land", bare, events)
    h, wd = len(only_land), len(only_land[0])
    frame = Frame(only_land)
    if not check("the land square is drawn in the land colour at the centre", frame.ok and
                 near(only_land[h // 2][wd // 2], LAND), only_land[h // 2][wd // 2]):
        return
    # Mississippi is land in the real data; the replacement has none there.
    check("no land where the replacement has none (top right: Mississippi)",
          near(only_land[8][wd - 8], OCEAN), only_land[8][wd - 8])
    check("ocean outside the square (bottom left)", near(only_land[h - 8][8], OCEAN),
          only_land[h - 8][8])
    check("the square's west edge is at its longitude",
          abs(frame.x0 - wd * (w + 120) / 30) < wd * 0.15, frame.x0)
    sx, sy = frame.px(SPLIT, 26)
    cx, cy = frame.px(*CITY)
    check("nothing drawn over the land without countries or cities",
          not inked_near(only_land, sx, sy) and not inked_near(only_land, cx, cy))

    full = render(tmp, "countries-city", dict(bare, countries=countries, countries_low=countries,
                                              cities=city), events)
    check("a border where the two countries meet", inked_near(full, sx, sy), (sx, sy))
    check("no border inside a country", not inked_near(full, *frame.px(-109, 26)) and
          not inked_near(full, *frame.px(-103, 26)))
    check("the city's dot at its place", inked_near(full, cx, cy), (cx, cy))
    check("nothing drawn in the ocean", near(full[8][wd - 8], OCEAN) and
          near(full[h - 8][8], OCEAN))


def test_shapefile_in_another_crs(tmp, shp):
    """States from a Shapefile in EPSG:3857 are drawn where the snapshot's states are."""
    events = write_geojson(os.path.join(tmp, "no-events.geojson"), [])

    def view(name, *layers):
        out = os.path.join(tmp, name + ".png")
        r = run("render", "--events", events, "--bbox", "-118,14,-86,33", "--size", "400x300",
                "--bare", *layers, "-o", out)
        check(f"render {name}", r.returncode == 0, r.stderr)
        with open(out, "rb") as f:
            return png_rgba(f.read())

    def differing(a, b):
        return sum(1 for ra, rb in zip(a, b) for pa, pb in zip(ra, rb)
                   if max(abs(x - y) for x, y in zip(pa, pb)) > 24)

    default = view("mexico-default")
    from_shp = view("mexico-shapefile", "--layer", f"states={shp}")
    no_states = view("mexico-no-states", "--layer",
                     f"states={write_geojson(os.path.join(tmp, 'none.geojson'), [])}")
    total = len(default) * len(default[0])
    same = differing(default, from_shp)
    gone = differing(default, no_states)
    print(f"Shapefile states: {same} of {total} pixels differ; without states: {gone}")
    check("states without their lines change the picture", gone > total // 200, gone)
    # Misplaced (metres read as degrees, or shifted), they would differ at least as much as none.
    check("a Shapefile's states in EPSG:3857 draw like the snapshot's", same < gone // 2,
          f"{same} vs {gone}")


def test_bad_sources(tmp):
    bad = run("check", "--layer", f"states={os.path.join(tmp, 'missing.shp')}")
    lines = [ln for ln in bad.stderr.splitlines() if ln]
    check("missing source: exit 1, one line", bad.returncode == 1 and len(lines) == 1 and
          lines[0].startswith("briefmap: "), bad.stderr)
    bad = run("check", "--layer", "rivers=x.shp")
    check("unknown layer name: exit 2", bad.returncode == 2, bad.stderr)


with tempfile.TemporaryDirectory() as tmp:
    shp = os.path.join(tmp, "states.shp")
    fgb = os.path.join(tmp, "cities.fgb")
    gj = os.path.join(tmp, "land.geojson")
    subprocess.run(["ogr2ogr", "-q", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8",
                    "-t_srs", "EPSG:3857", shp, gpkg, "states"], check=True)
    subprocess.run(["ogr2ogr", "-q", "-f", "FlatGeobuf", fgb, gpkg, "cities"], check=True)
    subprocess.run(["ogr2ogr", "-q", "-f", "GeoJSON", gj, gpkg, "land"], check=True)
    case("counts", test_counts, tmp, shp, fgb, gj)
    case("drawn_where_the_source_has_features", test_drawn_where_the_source_has_features, tmp)
    case("shapefile_in_another_crs", test_shapefile_in_another_crs, tmp, shp)
    case("bad_sources", test_bad_sources, tmp)

sys.exit(summary())
