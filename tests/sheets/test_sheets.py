#!/usr/bin/env python3
"""test_sheets.py: `briefmap render` sheets as PNG, PDF and SVG, read back with real tools."""
import datetime
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

BRIEFMAP = sys.argv[1] if len(sys.argv) > 1 else "build/server/briefmap"
ROOT = os.environ.get("BRIEFMAP_SOURCE_ROOT", ".")
EVENTS = os.environ.get("BRIEFMAP_EVENTS", os.path.join(ROOT, "briefings/us-mexico-cartels/events.geojson"))
VIEWS = os.environ.get("BRIEFMAP_VIEWS", os.path.join(ROOT, "briefings/us-mexico-cartels/views.json"))
ARTICLE = "Trump threatens US strikes on Mexican soil against drug cartels after Maduro raid"
# A fixed clock, so that two renders of the same view differ only where the test means them to.
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z

# The legend's wording of each kind and status: the sheet's contract with its readers.
KIND_LABEL = {
    "strike_zone": "Strike zone",
    "boat_strike": "Strikes on boats",
    "raid": "Raid",
    "threat": "Threat or warning",
    "diplomatic": "Diplomatic reaction",
    "staging_base": "Staging base",
    "public_opinion": "Public opinion",
    "other": "Other event",
}
STATUS_LABEL = {
    "confirmed": "Confirmed",
    "reported": "Reported",
    "claimed": "Claimed, not verified",
    "threatened": "Threatened",
    "hypothetical": "Hypothetical scenario",
    "disputed": "Disputed",
}

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def render(out, *args):
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    # Under LeakSanitizer, fontconfig's caches (kept for the process's life) are not our leaks.
    if "suppressions=" not in env.get("LSAN_OPTIONS", ""):
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan.supp")
        env["LSAN_OPTIONS"] = ":".join(x for x in (env.get("LSAN_OPTIONS"),
                                                   f"suppressions={supp}",
                                                   "print_suppressions=0") if x)
    p = subprocess.run([BRIEFMAP, "render", *args, "-o", out], capture_output=True, text=True,
                       env=env, timeout=300)
    return p.returncode, p.stderr


def must_render(out, *args):
    rc, err = render(out, *args)
    if rc != 0:
        raise SystemExit(f"render {' '.join(args)} failed ({rc}): {err}")
    with open(out, "rb") as f:
        return f.read()


# ---- decoding -------------------------------------------------------------------------------

def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos = 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        assert zlib.crc32(kind + body) & 0xffffffff == crc, f"bad CRC in {kind}"
        yield kind.decode("latin-1"), body
        pos += 12 + n


def png_text(data):
    """Text chunks (tEXt, zTXt, iTXt) as a dict."""
    out = {}
    for kind, body in png_chunks(data):
        if kind == "tEXt":
            k, v = body.split(b"\0", 1)
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == "zTXt":
            k, rest = body.split(b"\0", 1)
            out[k.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == "iTXt":
            k, rest = body.split(b"\0", 1)
            compressed = rest[0]
            _lang, rest = rest[2:].split(b"\0", 1)
            _tkey, text = rest.split(b"\0", 1)
            out[k.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode()
    return out


def png_decode(data):
    """(width, height, rows of packed RGB bytes) of an 8-bit RGB or RGBA PNG."""
    idat = b""
    for kind, body in png_chunks(data):
        if kind == "IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"unexpected PNG type {depth}/{ctype}"
            bpp = 3 if ctype == 2 else 4
        elif kind == "IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    pos = 0
    for _ in range(h):
        ft = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line) if bpp == 3 else
                    bytes(v for j in range(0, stride, 4) for v in line[j:j + 3]))
        prev = line
    return w, h, rows


def ppm_decode(data):
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert m, "not a binary PPM"
    w, h, maxval = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert maxval == 255
    body = data[m.end():]
    return w, h, [body[y * w * 3:(y + 1) * w * 3] for y in range(h)]


def downscale(img, cols, rows):
    """Mean colour of each cell of a cols x rows grid: a blur that forgives antialiasing."""
    w, h, px = img
    out = []
    for gy in range(rows):
        y0, y1 = gy * h // rows, (gy + 1) * h // rows
        for gx in range(cols):
            x0, x1 = gx * w // cols, (gx + 1) * w // cols
            acc = [0, 0, 0]
            n = 0
            for y in range(y0, y1, 2):
                row = px[y]
                for x in range(x0, x1, 2):
                    acc[0] += row[3 * x]
                    acc[1] += row[3 * x + 1]
                    acc[2] += row[3 * x + 2]
                    n += 1
            out.append(tuple(v / n for v in acc))
    return out


def mean_diff(a, b):
    return sum(abs(x - y) for ca, cb in zip(a, b) for x, y in zip(ca, cb)) / (3 * len(a))


def pdf_text(path, raw=False):
    p = subprocess.run(["pdftotext", "-raw" if raw else "-layout", path, "-"],
                       capture_output=True, text=True, check=True)
    return p.stdout


def flat(text):
    return re.sub(r"\s+", " ", text)


def pdf_words(path):
    """Page size and the words of the first page with their boxes, from pdftotext -bbox."""
    p = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-"],
                       capture_output=True, text=True, check=True)
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', p.stdout)
    words = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        p.stdout)]
    return float(page.group(1)), float(page.group(2)), words


def legend_text(path):
    """The legend's own words: the block from its first heading (EVENTS) up to the locator's
    caption (LOCATION), beside the map in landscape and below it in portrait."""
    pw, ph, words = pdf_words(path)
    ev = next((w for w in words if w[4].startswith("EVENT")), None)
    loc = next((w for w in words if w[4].startswith("LOCAT")), None)
    src = next((w for w in words if w[4] == "Sources:"), None)
    if not ev or not loc or not src:
        return ""
    x, y = ev[0] - 2, ev[1] - 2
    if loc[1] > ev[1] + 5:
        w, h = pw - x, loc[1] - y - 1
    else:
        w, h = loc[0] - x - 1, src[1] - y - 1
    p = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", "-x", str(int(x)),
                        "-y", str(int(y)), "-W", str(int(w)), "-H", str(int(h)), path, "-"],
                       capture_output=True, text=True, check=True)
    # Within a line, columns are apart by runs of spaces; labels keep single spaces.
    return " | ".join(part for line in p.stdout.splitlines()
                      for part in re.split(r"\s{2,}", line.strip()) if part)


# ---- what the events file says should be on a map -------------------------------------------

def load_events():
    with open(EVENTS) as f:
        return json.load(f)["features"]


def event_start(props):
    """The first day of an event, or None when the article gives it no date."""
    if not props.get("date"):
        return None
    d = props["date"].split("/")[0]
    parts = [int(x) for x in d.split("-")]
    while len(parts) < 3:
        parts.append(1)
    return datetime.date(*parts)


def coords(geom):
    if not geom:
        return []
    c = geom["coordinates"]
    if not isinstance(c[0], list):
        return [c]
    while isinstance(c[0][0], list):
        c = [p for part in c for p in part]
    return c


def on_map(feature, box, shown, margin=0.1):
    """True if some point of the event lies well inside the requested box (it is drawn),
    False if its whole extent lies well outside the area the map shows, else None (an `area`
    event without coordinates here, or one near an edge)."""
    pts = coords(feature.get("geometry"))
    if not pts:
        return None
    w, s, e, n = box
    dx, dy = (e - w) * margin, (n - s) * margin
    if any(w + dx < x < e - dx and s + dy < y < n - dy for x, y in pts):
        return True
    W, S, E, N = shown
    dx, dy = (E - W) * margin, (N - S) * margin
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    if max(xs) < W - dx or min(xs) > E + dx or max(ys) < S - dy or min(ys) > N + dy:
        return False
    return None


def expected_legend(box, shown, until=None):
    """Kinds and statuses that must be in the legend, and those that must not."""
    must_k, may_k, must_s, may_s = set(), set(), set(), set()
    for f in load_events():
        p = f["properties"]
        if until and (event_start(p) is None or event_start(p) > until):
            continue
        where = on_map(f, box, shown)
        if where:
            must_k.add(p["kind"])
            must_s.add(p["status"])
        if where is not False:
            may_k.add(p["kind"])
            may_s.add(p["status"])
    return must_k, set(KIND_LABEL) - may_k, must_s, set(STATUS_LABEL) - may_s


def shown_area(pdf):
    """The area the map shows, as the PDF's subject states it."""
    p = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True)
    num = r"(-?\d+(?:\.\d+)?)"
    m = re.search(r"The map shows " + ",".join([num] * 4), p.stdout)
    assert m, f"no shown area in the PDF's subject: {p.stdout}"
    return tuple(float(v) for v in m.groups())


def views():
    with open(VIEWS) as f:
        return {v["name"]: v for v in json.load(f)["views"]}


def legend_words(text, labels):
    return {k for k, label in labels.items() if re.search(r"\b" + re.escape(label) + r"\b", text)}


# ---- the tests -----------------------------------------------------------------------------

def test_pdf_text(tmp):
    vs = views()
    for name in ("caribbean", "mexico", "venezuela"):
        v = vs[name]
        path = os.path.join(tmp, f"{name}.pdf")
        data = must_render(path, "--view", name, "--size", "1200x800")
        check(f"{name}: PDF header", data.startswith(b"%PDF-"))
        text = flat(pdf_text(path))
        check(f"{name}: title in PDF text", v["title"] in text, text[:200])
        for src in ("Natural Earth", "SimpleMaps", "CC BY 4.0", ARTICLE):
            check(f"{name}: attribution '{src[:20]}' in PDF text", src in text, text[-600:])
        check(f"{name}: made time in UTC", "2026-01-01 00:00 UTC" in text, text[-300:])
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True,
                              check=True).stdout
        meta = dict(re.findall(r"^([A-Za-z]+):\s+(.*)$", info, re.M))
        check(f"{name}: PDF Title", meta.get("Title") == v["title"], meta)
        check(f"{name}: PDF Subject", meta.get("Subject", "").startswith(f"Map of {v['title']}: "), meta)
        check(f"{name}: PDF Creator", meta.get("Creator") == "briefmap", meta)
        check(f"{name}: PDF creation date", "2026" in meta.get("CreationDate", ""), meta)
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        check(f"{name}: PDF text in embedded fonts with a Unicode map", fonts != [] and all(
            f.split()[-5:-2] == ["yes", "yes", "yes"] for f in fonts), fonts)
        legend = legend_text(path)
        check(f"{name}: legend found in the PDF text", legend != "", text[:300])
        shown = shown_area(path)
        check(f"{name}: the map shows the whole box", shown[0] <= v["bbox"][0] + 0.01
              and shown[1] <= v["bbox"][1] + 0.01 and shown[2] >= v["bbox"][2] - 0.01
              and shown[3] >= v["bbox"][3] - 0.01, shown)
        must_k, never_k, must_s, never_s = expected_legend(v["bbox"], shown)
        kinds = legend_words(legend, KIND_LABEL)
        statuses = legend_words(legend, STATUS_LABEL)
        check(f"{name}: legend lists the kinds on the map", must_k <= kinds,
              f"missing {must_k - kinds} in {legend}")
        check(f"{name}: legend lists no kind absent from the map", not (kinds & never_k),
              f"extra {kinds & never_k}")
        check(f"{name}: legend lists the statuses on the map", must_s <= statuses,
              f"missing {must_s - statuses} in {legend}")
        check(f"{name}: legend lists no status absent from the map", not (statuses & never_s),
              f"extra {statuses & never_s}")
        latest = max((event_start(f["properties"]) for f in load_events()
                      if on_map(f, v["bbox"], shown) and event_start(f["properties"])),
                     default=None)
        if latest:
            m = re.search(r"latest dated: (?:since |from )?((?:\d{1,2} )?(?:[A-Z][a-z]+ )?\d{4})",
                          text)
            when = None
            for fmt in ("%d %B %Y", "%B %Y", "%Y"):
                try:
                    when = datetime.datetime.strptime(m.group(1).strip(), fmt).date() if m else None
                    break
                except ValueError:
                    continue
            check(f"{name}: dateline gives the latest event shown, as precise as the article",
                  when is not None and when >= latest, m and m.group(0))


def test_until_changes_legend(tmp):
    v = views()["caribbean"]
    until = datetime.date(2025, 1, 1)
    full = os.path.join(tmp, "full.pdf")
    early = os.path.join(tmp, "early.pdf")
    must_render(full, "--view", "caribbean", "--size", "1200x800")
    must_render(early, "--view", "caribbean", "--size", "1200x800", "--until", until.isoformat())
    tf, te = flat(pdf_text(full)), flat(pdf_text(early))
    # the day by the one date rule (tests/events/date_format_cases.json)
    check("until: dateline says 'as of'", f"as of {until.day} {until:%B} {until.year}" in te, te[:300])
    check("no until: no 'as of'", "as of" not in tf, tf[:300])
    lf, le = legend_text(full), legend_text(early)
    kf, ke = legend_words(lf, KIND_LABEL), legend_words(le, KIND_LABEL)
    sf, se = legend_words(lf, STATUS_LABEL), legend_words(le, STATUS_LABEL)
    shown = shown_area(early)
    must_k, _never_k, _must_s, never_s = expected_legend(v["bbox"], shown, until)
    # Kinds drawn before but whose every event that might be on the map begins after `until`
    # must leave the legend.
    later = {f["properties"]["kind"] for f in load_events()
             if on_map(f, v["bbox"], shown)
             and (event_start(f["properties"]) is None or event_start(f["properties"]) > until)}
    earlier = {f["properties"]["kind"] for f in load_events()
               if on_map(f, v["bbox"], shown) is not False
               and event_start(f["properties"]) and event_start(f["properties"]) <= until}
    gone = later - earlier
    check("until: the legend changes", (kf, sf) != (ke, se), f"{kf} {sf}")
    check("until: later kinds leave the legend", gone and not (gone & ke) and gone <= kf,
          f"gone={gone} full={kf} early={ke}")
    check("until: earlier kinds stay", must_k <= ke, f"missing {must_k - ke}")
    check("until: no status that is not on the map", not (se & never_s), f"{se & never_s}")


def caveats():
    with open(os.path.join(os.path.dirname(EVENTS), "briefing.json"), encoding="utf-8") as f:
        return [c["text"] for c in json.load(f)["caveats"]]


def squash(t):
    return re.sub(r"\s+", " ", t).strip()


def test_caveats_everywhere(tmp):
    """The article's caveats on every sheet: visible text (PDF), and each format's metadata."""
    texts = caveats()
    check("the briefing has caveats", len(texts) >= 3, texts)
    pdf = os.path.join(tmp, "cav.pdf")
    must_render(pdf, "--view", "mexico")
    body = squash(pdf_text(pdf))
    for t in texts:
        # pdftotext may hyphenate or reflow: compare the opening words.
        head = squash(t)[:48]
        check(f"caveat in the PDF's text: {head[:30]}", head in body, body[:400])
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    check("caveats in the PDF subject", "Caveats about the article" in info, info[:400])
    small = os.path.join(tmp, "cav-small.pdf")
    must_render(small, "--view", "mexico", "--size", "420x300")
    check("a small sheet still names its caveats",
          "Caveats about the article" in squash(pdf_text(small)), squash(pdf_text(small))[:300])
    for extra in ((), ("--bare",)):
        png = os.path.join(tmp, "cav.png")
        meta = png_text(must_render(png, "--view", "caribbean", "--size", "800x500", *extra))
        desc = meta.get("Description", "")
        check(f"caveats in the PNG Description {extra}", all(t in desc for t in texts),
              desc[:300])
    svg = must_render(os.path.join(tmp, "cav.svg"), "--view", "venezuela").decode()
    d = re.search(r"<desc>(.*?)</desc>", svg, re.S)
    check("caveats in the SVG <desc>", d is not None and "Caveats about the article"
          in d.group(1) and "contradicts itself" in d.group(1), d and d.group(1)[:300])


def test_until_leaves_undated_out(tmp):
    """--until 2025-09-01 draws no undated event, and the sheet says how many it left out."""
    undated = [f for f in load_events() if not f["properties"].get("date")]
    check("the seed has undated events", len(undated) >= 10, len(undated))
    pdf = os.path.join(tmp, "until.pdf")
    must_render(pdf, "--view", "region", "--until", "2025-09-01")
    text = squash(pdf_text(pdf))
    m = re.search(r"(\d+) undated events? left out", text)
    check("the sheet says how many undated events were left out",
          m is not None and int(m.group(1)) == len(undated), text[:300])
    m = re.search(r"(\d+) article events? shown", text)
    dated = [f for f in load_events() if f["properties"].get("date")
             and event_start(f["properties"]) <= datetime.date(2025, 9, 1)]
    check("only dated events begun by then are drawn", m is not None and
          int(m.group(1)) == len(dated), text[:200])
    for f in undated:
        title = f["properties"]["title"]
        check(f"undated event not labelled as of 2025-09-01: {title[:30]}",
              squash(title)[:28] not in text, text[:200])


def test_pdf_looks_like_png(tmp):
    png = os.path.join(tmp, "look.png")
    pdf = os.path.join(tmp, "look.pdf")
    other = os.path.join(tmp, "other.png")
    must_render(png, "--view", "caribbean", "--size", "800x500")
    must_render(pdf, "--view", "caribbean", "--size", "800x500")
    must_render(other, "--view", "sinaloa-baja", "--size", "800x500")
    subprocess.run(["pdftoppm", "-r", "72", "-singlefile", pdf, os.path.join(tmp, "look")],
                   check=True)
    with open(os.path.join(tmp, "look.ppm"), "rb") as f:
        raster = ppm_decode(f.read())
    with open(png, "rb") as f:
        img = png_decode(f.read())
    with open(other, "rb") as f:
        oimg = png_decode(f.read())
    check("PDF rasterises at the sheet's size", raster[:2] == img[:2] == (800, 500),
          f"{raster[:2]} {img[:2]}")
    a, b, c = (downscale(i, 80, 50) for i in (img, raster, oimg))
    same, differ = mean_diff(a, b), mean_diff(a, c)
    print(f"     mean difference PNG/PDF {same:.2f}, PNG/another view {differ:.2f} (of 255)")
    check("PDF resembles the PNG of the same view", same < 4.0, f"{same:.2f}")
    check("comparison tells views apart", differ > 3 * same and differ > 4, f"{differ:.2f}")


def test_svg(tmp):
    path = os.path.join(tmp, "sheet.svg")
    title = 'Strikes & "threats" <at sea>'
    data = must_render(path, "--view", "venezuela", "--size", "900x600", "--title", title,
                       "--crs", "EPSG:6372")
    p = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
    check("SVG parses with xmllint", p.returncode == 0, p.stderr[:300])
    text = data.decode()
    root = text.find("<svg")
    m = re.search(r"<title>(.*?)</title>", text, re.S)
    d = re.search(r"<desc>(.*?)</desc>", text, re.S)
    check("SVG has <title> inside the root", m is not None and m.start() > root >= 0)
    check("SVG title escaped and intact", m is not None and m.group(1) ==
          "Strikes &amp; &quot;threats&quot; &lt;at sea&gt;", m and m.group(1))
    check("SVG desc names the sources", d is not None and "Natural Earth" in d.group(1)
          and "SimpleMaps" in d.group(1) and "EPSG:6372" in d.group(1), d and d.group(1)[:300])
    check("SVG is vector (paths, no embedded raster of the map)",
          text.count("<path") > 50 and "<image" not in text)


def test_png_metadata(tmp):
    path = os.path.join(tmp, "meta.png")
    title = "Strikes at sea — über test"
    data = must_render(path, "--view", "caribbean", "--size", "640x400", "--scale", "2",
                       "--title", title)
    ihdr = next(body for kind, body in png_chunks(data) if kind == "IHDR")
    w, h = struct.unpack(">II", ihdr[:8])
    check("--scale 2 doubles the pixels", (w, h) == (1280, 800), f"{w}x{h}")
    meta = png_text(data)
    check("PNG Title", meta.get("Title") == title, meta)
    check("PNG Source", "Natural Earth" in meta.get("Source", "")
          and "SimpleMaps" in meta.get("Source", "") and ARTICLE in meta.get("Source", ""), meta)
    check("PNG Software", meta.get("Software", "").startswith("briefmap"), meta)
    check("PNG Creation Time", meta.get("Creation Time") == "2026-01-01T00:00:00Z", meta)
    bare = os.path.join(tmp, "bare.png")
    data = must_render(bare, "--view", "caribbean", "--size", "640x400", "--bare")
    meta = png_text(data)
    check("bare PNG keeps its provenance", meta.get("Title") == views()["caribbean"]["title"]
          and "Natural Earth" in meta.get("Source", ""), meta)


def test_every_view(tmp):
    """Every named view renders in each format, CRS and shape."""
    for name in views():
        for crs in ("EPSG:3857", "EPSG:6372"):
            for size, fmt in (("800x500", "png"), ("700x1000", "pdf"), ("1000x700", "svg")):
                out = os.path.join(tmp, f"{name}-{crs[5:]}-{size}.{fmt}")
                rc, err = render(out, "--view", name, "--crs", crs, "--size", size)
                ok = rc == 0 and os.path.getsize(out) > 1000
                check(f"{name} {crs} {size} {fmt}", ok, err)


def test_portrait_pdf_text(tmp):
    path = os.path.join(tmp, "portrait.pdf")
    must_render(path, "--view", "mexico", "--size", "800x1200", "--crs",
                "+proj=lcc +lat_1=12 +lat_2=22 +lat_0=17 +lon_0=-75 +datum=WGS84")
    text = flat(pdf_text(path))
    must_k, never_k, _, _ = expected_legend(views()["mexico"]["bbox"], shown_area(path))
    kinds = legend_words(legend_text(path), KIND_LABEL)
    check("portrait: title", views()["mexico"]["title"] in text)
    check("portrait: legend kinds", must_k <= kinds and not (kinds & never_k),
          f"{kinds} must {must_k} never {never_k}")
    check("portrait: graticule labels", re.search(r"\d+°[NSWE]", text) is not None)


def test_bad_input(tmp):
    cases = [
        ("size beyond the side limit", ["--view", "region", "--size", "9000x100"], "8192"),
        ("size beyond the pixel limit", ["--view", "region", "--size", "7000x7000"], "40000000"),
        ("unknown EPSG code", ["--view", "region", "--crs", "EPSG:99999999"], "EPSG:99999999"),
        ("nonsense CRS", ["--view", "region", "--crs", "+proj=nosuchthing"], None),
        ("box the CRS cannot show", ["--view", "caribbean", "--crs",
                                     "+proj=ortho +lat_0=0 +lon_0=100 +datum=WGS84"], None),
        ("bad until", ["--view", "region", "--until", "2025-02-30x"], None),
        ("until not a date", ["--view", "region", "--until", "yesterday"], None),
        ("inverted bbox", ["--bbox", "10,0,5,5"], None),
        ("NaN bbox", ["--bbox", "nan,0,5,5"], None),
        ("short bbox", ["--bbox", "1,2,3"], None),
        ("unknown view", ["--view", "atlantis"], None),
    ]
    # --scale multiplies a PNG's pixels only: PDF and SVG stay vector at any scale.
    png_only = [("scale 2 beyond the side limit", ["--view", "region", "--size", "5000x3000",
                                                   "--scale", "2"], "8192")]
    for fmt in ("png", "pdf", "svg"):
        for name, args, needle in cases + (png_only if fmt == "png" else []):
            d = tempfile.mkdtemp(dir=tmp)
            out = os.path.join(d, f"out.{fmt}")
            rc, err = render(out, *args)
            lines = err.strip().splitlines()
            check(f"{fmt}: {name}: exit 2", rc == 2, f"rc={rc} {err}")
            check(f"{fmt}: {name}: one 'briefmap:' line", len(lines) == 1
                  and lines[0].startswith("briefmap: "), err)
            if needle:
                check(f"{fmt}: {name}: message gives '{needle}'", needle in err, err)
            check(f"{fmt}: {name}: nothing written", os.listdir(d) == [], os.listdir(d))


def main():
    for tool in ("pdftotext", "pdftoppm", "xmllint"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            print(f"{tool} is missing")
            return 1
    only = set(sys.argv[2:])
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in list(globals().items()):
            if name.startswith("test_") and callable(fn) and (not only or name in only):
                print(f"# {name}")
                fn(tmp)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
