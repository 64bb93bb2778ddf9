#!/usr/bin/python3
# mapnik_tiles.py: renders the benchmark's tile list with Mapnik from the same GeoPackage, one process then every core.
#
# Run with Debian's /usr/bin/python3 (python3-mapnik lives in its dist-packages,
# not in a pyenv or venv interpreter).
import argparse
import json
import math
import multiprocessing as mp
import os
import statistics
import sys
import time
from xml.sax.saxutils import quoteattr, escape

import mapnik

HALF = 20037508.342789244
RADIUS = 6378137.0
REGION = (-120.0, 2.0, -58.0, 35.0)  # the `region` named view, degrees
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FACE = "DejaVu Sans Book"
BOLD = "DejaVu Sans Bold"
ITALIC = "DejaVu Sans Oblique"
SRS_MERC = "epsg:3857"
SRS_LONLAT = "epsg:4326"

# briefmap's style (tiles/render.c, tiles/labels.c), restated for Mapnik.
OCEAN, LAND, EMPHASIS = "#d6e4ec", "#f3f0ea", "#f8eed8"
BORDER, STATE, COAST = "#998c80", "#b8ab9c", "#8aa8bd"
HALO = "rgba(255,255,255,0.8)"
EMPHASISED = ("484", "862")  # Natural Earth ids of Mexico and Venezuela
# Smallest population of a labelled city at each zoom; national capitals
# from zoom 3, state capitals from zoom 6 at a quarter of it.
CITY_MIN_POP = [20_000_000, 10_000_000, 8_000_000, 5_000_000, 2_000_000, 1_000_000, 400_000,
                150_000, 60_000, 25_000, 10_000, 5_000, 1_000]


def lonlat_to_merc(lon, lat):
    return (lon * HALF / 180.0,
            math.log(math.tan(math.pi / 4.0 + math.radians(lat) / 2.0)) * RADIUS)


def lonlat_to_tile(lon, lat, z):
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bbox(z, x, y):
    span = 2.0 * HALF / (1 << z)
    return (-HALF + x * span, HALF - (y + 1) * span, -HALF + (x + 1) * span, HALF - y * span)


def build_list(zmin, zmax):
    tiles = []
    for z in range(zmin, zmax + 1):
        x0, y0 = lonlat_to_tile(REGION[0], REGION[3], z)
        x1, y1 = lonlat_to_tile(REGION[2], REGION[1], z)
        tiles += [(z, x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
    return tiles


def read_list(path):
    tiles = []
    with open(path) as f:
        for line in f:
            if line.strip():
                z, x, y = (int(v) for v in line.split())
                tiles.append((z, x, y))
    return tiles


def scale_denom(z):
    """Mapnik's scale denominator of zoom z for 256 px tiles (0.28 mm pixels)."""
    return 2.0 * HALF / 256.0 / (1 << z) / 0.00028


def zoom_range(zmin=None, zmax=None):
    """Scale attributes of a rule that applies from zmin to zmax inclusive."""
    attrs = ""
    if zmin is not None:
        attrs += ' maximum-scale-denominator="%.1f"' % (scale_denom(zmin) * math.sqrt(2))
    if zmax is not None:
        attrs += ' minimum-scale-denominator="%.1f"' % (scale_denom(zmax) / math.sqrt(2))
    return attrs


def rule_zoom_range(zmin=None, zmax=None):
    """The same bounds as elements of a Rule."""
    el = ""
    if zmin is not None:
        el += "<MaxScaleDenominator>%.1f</MaxScaleDenominator>" % (scale_denom(zmin) * math.sqrt(2))
    if zmax is not None:
        el += "<MinScaleDenominator>%.1f</MinScaleDenominator>" % (scale_denom(zmax) / math.sqrt(2))
    return el


def ogr_layer(name, gpkg, table, style_names, zmin=None, zmax=None, srs=SRS_LONLAT):
    styles = "".join("<StyleName>%s</StyleName>" % s for s in style_names)
    # Layer visibility by zoom uses the same denominators as the rules.
    vis = zoom_range(zmin, zmax)
    return ('<Layer name=%s srs=%s%s>%s<Datasource>'
            '<Parameter name="type">ogr</Parameter>'
            '<Parameter name="file">%s</Parameter>'
            '<Parameter name="layer">%s</Parameter>'
            '</Datasource></Layer>\n'
            % (quoteattr(name), quoteattr(srs), vis, styles, escape(gpkg), escape(table)))


def text(size, fill, face=FACE, extra="", field="name"):
    return ('<TextSymbolizer face-name="%s" size="%g" fill="%s" halo-fill="%s" halo-radius="2.5" '
            '%s>[%s]</TextSymbolizer>' % (face, size, fill, HALO, extra, field))


def width_rules(widths, symbolizer):
    """One rule per zoom span with its own line width: [(zmin, zmax, width)]."""
    return "".join("<Rule>%s%s</Rule>" % (rule_zoom_range(a, b), symbolizer % w)
                   for a, b, w in widths)


def style_xml(gpkg, events=None, grouped=False):
    """briefmap's style in Mapnik terms: sea, land, Mexico and Venezuela
    warmer, dashed states from zoom 4, borders, coasts; country, state and
    city labels with halos, cities thinned by population; the article's
    events on top when their file is given."""
    point_text = 'placement-type="simple" placements="E,W,NE,SE,NW,SW,N,S" dx="5" dy="5" margin="2"'
    city_rules = []
    for z in range(2, 13):
        pop = CITY_MIN_POP[z]
        zr = rule_zoom_range(z, z)
        if z >= 3:
            city_rules.append(
                "<Rule>%s<Filter>[capital] = 'primary'</Filter>"
                '<MarkersSymbolizer marker-type="ellipse" width="8.4" height="8.4" fill="#ffffff" '
                'stroke="#262421" stroke-width="1.2" allow-overlap="true" ignore-placement="true"/>'
                '<MarkersSymbolizer marker-type="ellipse" width="4" height="4" fill="#262421" '
                'stroke-width="0" allow-overlap="true" ignore-placement="true"/>%s</Rule>'
                % (zr, text(11.5 if z <= 5 else 12.5, "#211f1c", BOLD, point_text)))
        dot = ('<MarkersSymbolizer marker-type="ellipse" width="%g" height="%g" fill="#4d4742" '
               'stroke="rgba(255,255,255,0.9)" stroke-width="0.8" allow-overlap="true" '
               'ignore-placement="true"/>')
        if z >= 6:
            city_rules.append(
                "<Rule>%s<Filter>[capital] = 'admin' and [population] &gt;= %d</Filter>%s%s</Rule>"
                % (zr, pop // 4, dot % (5.6, 5.6),
                   text(11 if pop >= 1_000_000 else 10.5, "#38332f", FACE, point_text)))
        city_rules.append(
            "<Rule>%s<Filter>[population] &gt;= %d</Filter>%s%s</Rule>"
            % (zr, max(pop, 1_000_000), dot % (4.4, 4.4), text(11, "#38332f", FACE, point_text)))
        if pop < 1_000_000:
            city_rules.append(
                "<Rule>%s<Filter>[population] &gt;= %d</Filter>%s%s</Rule>"
                % (zr, pop, dot % (4.4, 4.4), text(10.5, "#38332f", FACE, point_text)))

    emphasis = " or ".join("[id] = '%s'" % i for i in EMPHASISED)
    country_text = ('placement="interior" text-transform="uppercase" character-spacing="%g" '
                    'wrap-width="120" margin="4"')
    line = '<LineSymbolizer stroke="%s" stroke-width="%%g" stroke-linejoin="round"%s/>'
    xml = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<Map srs="%s" background-color="%s" buffer-size="128">\n' % (SRS_MERC, OCEAN)]
    xml.append('<Style name="land"><Rule><PolygonSymbolizer fill="%s"/></Rule></Style>\n' % LAND)
    xml.append('<Style name="emphasis"><Rule><Filter>%s</Filter><PolygonSymbolizer fill="%s"/>'
               '</Rule></Style>\n' % (emphasis, EMPHASIS))
    xml.append('<Style name="states">%s</Style>\n'
               % width_rules([(4, 5, 0.6), (6, None, 0.8)],
                             line % (STATE, ' stroke-dasharray="3,2.2"')))
    xml.append('<Style name="borders">%s</Style>\n'
               % width_rules([(None, 3, 0.5), (4, 5, 0.9), (6, None, 1.2)], line % (BORDER, "")))
    xml.append('<Style name="coast">%s</Style>\n'
               % width_rules([(None, 3, 0.8), (4, 5, 1.2), (6, None, 1.5)], line % (COAST, "")))
    xml.append('<Style name="country-labels">%s</Style>\n' % "".join(
        "<Rule>%s%s</Rule>" % (rule_zoom_range(a, b), text(size, "#6b5e52", BOLD,
                                                           country_text % (size * 0.12)))
        for a, b, size in [(None, 3, 10), (4, 4, 11), (5, 5, 12), (6, None, 13)]))
    xml.append('<Style name="state-labels">%s</Style>\n' % "".join(
        "<Rule>%s%s</Rule>" % (rule_zoom_range(a, b), text(
            size, "#8c8073", ITALIC, 'placement="interior" wrap-width="90" margin="4"'))
        for a, b, size in [(5, 5, 9.5), (6, 7, 10.5), (8, None, 11.5)]))
    xml.append('<Style name="cities" filter-mode="first">%s</Style>\n' % "".join(city_rules))
    xml.append('<Style name="events">'
               '<Rule><Filter>[mapnik::geometry_type] = polygon</Filter>'
               '<PolygonSymbolizer fill="#d7301f" fill-opacity="0.15"/>'
               '<LineSymbolizer stroke="#d7301f" stroke-width="1.5" stroke-dasharray="6,3"/></Rule>'
               '<Rule><Filter>[mapnik::geometry_type] = linestring</Filter>'
               '<LineSymbolizer stroke="#d7301f" stroke-width="1.5" stroke-dasharray="6,3"/></Rule>'
               '<Rule><Filter>[mapnik::geometry_type] = point</Filter>'
               '<MarkersSymbolizer marker-type="ellipse" width="12" height="12" fill="#d7301f" '
               'stroke="#ffffff" stroke-width="1.5" allow-overlap="true"/>%s</Rule></Style>\n'
               % text(11, "#7a1a10", BOLD, 'placement="point" dy="-10" wrap-width="150" margin="2"',
                      field="title"))

    event_layers = []
    if events:
        # Events whose geometry is a state (`area`) are drawn from the states layer.
        with open(events) as f:
            codes = sorted({ft["properties"]["area"] for ft in json.load(f)["features"]
                            if ft["properties"].get("area")})
        if codes:
            xml.append('<Style name="event-areas"><Rule><Filter>%s</Filter>'
                       '<PolygonSymbolizer fill="#d7301f" fill-opacity="0.15"/>'
                       '<LineSymbolizer stroke="#d7301f" stroke-width="1.5" '
                       'stroke-dasharray="6,3"/></Rule></Style>\n'
                       % " or ".join("[iso_3166_2] = '%s'" % c for c in codes))
            event_layers.append(ogr_layer("event_areas", gpkg, "states", ["event-areas"]))
        event_layers.append(ogr_layer("events", events, "events", ["events"]))
    spans = [(None, 3, "land_low", "countries_low"), (4, None, "land", "countries")]

    if grouped:
        # Each table read once per tile, its styles applied to cached features:
        # faster for Mapnik, at the price of coasts under the borders and state
        # lines over country names.
        def cached(*args):
            return ogr_layer(*args).replace("<Layer ", '<Layer cache-features="true" ', 1)
        for lo, hi, land, countries in spans:
            xml.append(cached(land, gpkg, land, ["land", "coast"], lo, hi))
            xml.append(cached(countries, gpkg, countries, ["emphasis", "borders", "country-labels"],
                              lo, hi))
        xml.append(cached("states", gpkg, "states", ["states", "state-labels"], 4, None))
        xml += event_layers
        xml.append(ogr_layer("cities", gpkg, "cities", ["cities"]))
        xml.append('</Map>\n')
        return "".join(xml)

    # Drawn in briefmap's order: fills, states, borders, coasts, events, labels.
    for lo, hi, land, countries in spans:
        xml.append(ogr_layer(land + "_fill", gpkg, land, ["land"], lo, hi))
        xml.append(ogr_layer(countries + "_emphasis", gpkg, countries, ["emphasis"], lo, hi))
    xml.append(ogr_layer("states", gpkg, "states", ["states"], 4, None))
    for lo, hi, land, countries in spans:
        xml.append(ogr_layer(countries + "_borders", gpkg, countries, ["borders"], lo, hi))
        xml.append(ogr_layer(land + "_coast", gpkg, land, ["coast"], lo, hi))
    xml += event_layers
    # Mapnik places labels in drawing order: the most important first.
    xml.append(ogr_layer("country_labels_low", gpkg, "countries_low", ["country-labels"], None, 3))
    xml.append(ogr_layer("country_labels", gpkg, "countries", ["country-labels"], 4, None))
    xml.append(ogr_layer("cities", gpkg, "cities", ["cities"]))
    xml.append(ogr_layer("state_labels", gpkg, "states", ["state-labels"], 5, None))
    xml.append('</Map>\n')
    return "".join(xml)


def make_map(gpkg, events, grouped, width=256, height=256):
    mapnik.register_fonts(FONT_DIR)
    m = mapnik.Map(width, height)
    mapnik.load_map_from_string(m, style_xml(gpkg, events, grouped))
    m.buffer_size = 128
    return m


def render_tile(m, z, x, y, fmt):
    m.zoom_to_box(mapnik.Box2d(*tile_bbox(z, x, y)))
    im = mapnik.Image(256, 256)
    mapnik.render(m, im)
    return im.tostring(fmt)


def sequential(m, tiles, fmt):
    """One pass over the list in this process: seconds, bytes, per-zoom [tiles, seconds, bytes]."""
    zstats = {}
    nbytes = 0
    start = time.perf_counter()
    t0 = start
    for z, x, y in tiles:
        size = len(render_tile(m, z, x, y, fmt))
        t1 = time.perf_counter()
        s = zstats.setdefault(z, [0, 0.0, 0])
        s[0] += 1
        s[1] += t1 - t0
        s[2] += size
        nbytes += size
        t0 = t1
    return time.perf_counter() - start, nbytes, zstats


def worker(gpkg, events, grouped, fmt, tiles, counter, barrier, results, slot):
    m = make_map(gpkg, events, grouped)
    render_tile(m, *tiles[0], fmt)  # untimed, as in bench_tiles
    barrier.wait()
    n = nbytes = 0
    while True:
        with counter.get_lock():
            i = counter.value
            counter.value += 1
        if i >= len(tiles):
            break
        nbytes += len(render_tile(m, *tiles[i], fmt))
        n += 1
    results[2 * slot] = n
    results[2 * slot + 1] = nbytes


def run_parallel(gpkg, events, grouped, fmt, tiles, procs):
    ctx = mp.get_context("fork")
    counter = ctx.Value("l", 0)
    barrier = ctx.Barrier(procs + 1)
    results = ctx.Array("q", 2 * procs)
    ps = [ctx.Process(target=worker, args=(gpkg, events, grouped, fmt, tiles, counter, barrier,
                                                       results, i))
          for i in range(procs)]
    for p in ps:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in ps:
        p.join()
    seconds = time.perf_counter() - t0
    if any(p.exitcode != 0 for p in ps):
        sys.exit("mapnik_tiles: a worker failed")
    done = sum(results[2 * i] for i in range(procs))
    nbytes = sum(results[2 * i + 1] for i in range(procs))
    if done != len(tiles):
        sys.exit("mapnik_tiles: rendered %d of %d tiles" % (done, len(tiles)))
    return seconds, nbytes


def report(tool, mode, procs, n, seconds, nbytes, fmt):
    print("%-10s %2d process%s %6d tiles %8.3f s %9.1f tiles/s %8.2f ms/tile  mean PNG %6.0f bytes"
          % (mode, procs, "  " if procs == 1 else "es", n, seconds, n / seconds,
             1000.0 * seconds / n, nbytes / n))
    print("result tool=%s mode=%s threads=%d tiles=%d seconds=%.4f tiles_per_s=%.2f "
          "mean_png_bytes=%.0f format=%s" % (tool, mode, procs, n, seconds, n / seconds, nbytes / n,
                                             fmt))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gpkg", default=os.path.join(os.environ.get("BRIEFMAP_DATA", "var/data"),
                                                   "base.gpkg"))
    ap.add_argument("--events", default="briefings/us-mexico-cartels/events.geojson",
                    help="article events drawn on top (skipped if the file does not exist)")
    ap.add_argument("--list", help='tile list, one "z x y" per line (default: built from --zoom)')
    ap.add_argument("--zoom", default="2-8")
    ap.add_argument("--processes", type=int, default=os.cpu_count())
    ap.add_argument("--grouped", action="store_true",
                    help="read each table once per tile (cache-features), not in briefmap's "
                         "draw order: faster for Mapnik, slightly different picture")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each N times and report the fastest")
    ap.add_argument("--format", default="png",
                    help="Mapnik image format: png (Mapnik's default, 8-bit palette), png32, ...")
    ap.add_argument("--save", metavar="DIR", help="after timing, write tiles as DIR/z-x-y.png")
    ap.add_argument("--save-every", type=int, default=1, help="with --save, every Nth tile only")
    ap.add_argument("--region", metavar="PNG",
                    help="also render the region view at --size to this file and time it")
    ap.add_argument("--size", default="1600x1000")
    ap.add_argument("--skip-tiles", action="store_true")
    a = ap.parse_args()

    gpkg = os.path.abspath(a.gpkg)
    tool = "mapnik_grouped" if a.grouped else "mapnik"
    if not os.path.exists(gpkg):
        sys.exit("mapnik_tiles: %s: no such file" % gpkg)
    events = os.path.abspath(a.events) if a.events and os.path.exists(a.events) else None
    if a.list:
        tiles = read_list(a.list)
    else:
        zmin, _, zmax = a.zoom.partition("-")
        tiles = build_list(int(zmin), int(zmax or zmin))
    if not tiles:
        sys.exit("mapnik_tiles: empty tile list")

    print("Mapnik %s tile benchmark: %d tiles, ogr datasource on %s, buffer 128 px, format %s%s, "
          "best of %d%s" % (mapnik.mapnik_version(), len(tiles), os.path.relpath(gpkg), a.format,
                            ", with events" if events else ", no events file", a.repeat,
                            ", grouped layers" if a.grouped else ""))
    t0 = time.perf_counter()
    m = make_map(gpkg, events, a.grouped)
    print("load: map and datasources %.3f s" % (time.perf_counter() - t0))

    if not a.skip_tiles:
        render_tile(m, *tiles[0], a.format)
        # On a shared machine the least disturbed of several runs is the best estimate.
        best = None
        for _ in range(a.repeat):
            run = sequential(m, tiles, a.format)
            if best is None or run[0] < best[0]:
                best = run
        seconds, nbytes, zstats = best
        print("zoom  tiles  seconds   tiles/s  ms/tile  mean PNG bytes")
        for z in sorted(zstats):
            n, sec, b = zstats[z]
            print("%4d %6d %8.3f %9.1f %8.2f %15.0f" % (z, n, sec, n / sec, 1000 * sec / n, b / n))
        for z in sorted(zstats):
            print("result tool=%s mode=zoom zoom=%d tiles=%d seconds=%.4f"
                  % (tool, z, zstats[z][0], zstats[z][1]))
        report(tool, "sequential", 1, len(tiles), seconds, nbytes, a.format)

        seconds, nbytes = min(run_parallel(gpkg, events, a.grouped, a.format, tiles, a.processes)
                              for _ in range(a.repeat))
        report(tool, "parallel", a.processes, len(tiles), seconds, nbytes, a.format)

        if a.save:
            os.makedirs(a.save, exist_ok=True)
            for z, x, y in tiles[::max(1, a.save_every)]:
                with open(os.path.join(a.save, "%d-%d-%d.png" % (z, x, y)), "wb") as f:
                    f.write(render_tile(m, z, x, y, a.format))

    if a.region:
        w, _, h = a.size.partition("x")
        w, h = int(w), int(h)
        rm = make_map(gpkg, events, a.grouped, w, h)
        minx, miny = lonlat_to_merc(REGION[0], REGION[1])
        maxx, maxy = lonlat_to_merc(REGION[2], REGION[3])
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            rm.zoom_to_box(mapnik.Box2d(minx, miny, maxx, maxy))
            im = mapnik.Image(w, h)
            mapnik.render(rm, im)
            data = im.tostring(a.format)
            times.append(time.perf_counter() - t0)
        with open(a.region, "wb") as f:
            f.write(data)
        print("region %dx%d in process: median %.4f s over %d renders"
              % (w, h, statistics.median(times), len(times)))
        print("result tool=%s mode=region_inprocess seconds=%.4f" % (tool, statistics.median(times)))


if __name__ == "__main__":
    main()
