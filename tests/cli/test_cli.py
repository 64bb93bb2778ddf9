#!/usr/bin/env python3
"""test_cli.py: the `briefmap` command line's contract: --help everywhere, exit status 2 for
usage errors and 1 for runtime errors with exactly one `briefmap: ` line on stderr and no output
file (whole or partial), and the output of `views`, `check`, `tile` and `render`.

    test_cli.py BRIEFMAP [SOURCE_ROOT]
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback
import zlib

BIN = None
ROOT = None
TMP = None


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(args, timeout=300):
    return subprocess.run([BIN] + args, capture_output=True, text=True, cwd=TMP,
                          timeout=timeout)


def listing(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def png_alpha(path):
    """Whether a PNG can hold translucent pixels: an alpha channel, or a palette with tRNS."""
    with open(path, 'rb') as f:
        data = f.read()
    return data[25] in (4, 6) or b'tRNS' in data


def webp_info(path):
    """Width, height and whether alpha is used, from a lossless WebP's RIFF and VP8L headers."""
    with open(path, 'rb') as f:
        data = f.read()
    check(data[:4] == b'RIFF' and data[8:16] == b'WEBPVP8L', '%s is not a lossless WebP' % path)
    check(struct.unpack('<I', data[4:8])[0] + 8 == len(data), '%s is truncated' % path)
    check(data[20] == 0x2f, '%s: bad VP8L signature' % path)
    bits = struct.unpack('<I', data[21:25])[0]
    return (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1, bool(bits >> 28 & 1)


def png_info(path):
    """Width, height and colour type from a PNG's IHDR; checks the chunks' CRCs and the IEND."""
    with open(path, 'rb') as f:
        data = f.read()
    check(data[:8] == b'\x89PNG\r\n\x1a\n', '%s is not a PNG' % path)
    pos, ihdr, ended = 8, None, False
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])[0]
        check(zlib.crc32(kind + body) == crc, '%s: bad CRC in %r' % (path, kind))
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBB', body[:10])
        if kind == b'IEND':
            ended = True
        pos += 12 + n
    check(ihdr is not None and ended, '%s is truncated' % path)
    return ihdr[0], ihdr[1], ihdr[3]


def expect_error(args, status, out=None, what=None):
    """Runs a command that must fail with `status`, one stderr line, and no output file."""
    out_dir = os.path.dirname(out) if out else TMP
    # /proc's listing changes by itself, and nothing can be created there anyway.
    before = (listing(out_dir) if out and os.path.isdir(out_dir) and
              not out_dir.startswith('/proc') else None)
    p = run(args)
    label = what or ' '.join(args)
    check(p.returncode == status,
          '%s: exit status %d, expected %d (stderr: %r)' % (label, p.returncode, status,
                                                             p.stderr))
    lines = p.stderr.splitlines()
    check(len(lines) == 1, '%s: %d stderr lines, expected one: %r' % (label, len(lines),
                                                                       p.stderr))
    check(lines[0].startswith('briefmap: '), '%s: stderr %r lacks "briefmap: "' % (label,
                                                                                  lines[0]))
    check(len(lines[0]) > len('briefmap: ') + 5, '%s: empty message' % label)
    check(p.stdout == '', '%s: printed %r on stdout' % (label, p.stdout[:200]))
    if out and before is not None:
        # Neither the file nor a temporary beside it is left behind.
        check(listing(out_dir) == before,
              '%s: left files behind: %s' % (label, set(listing(out_dir)) - set(before)))
    if out and not os.path.isdir(out):
        check(not os.path.exists(out), '%s: wrote %s' % (label, out))
    return lines[0]


# ---- the tests ---------------------------------------------------------------------------------

SUBCOMMANDS = ['serve', 'render', 'tile', 'seed', 'new', 'check', 'views']


def test_help():
    p = run(['--help'])
    check(p.returncode == 0, 'briefmap --help exit %d' % p.returncode)
    for sub in SUBCOMMANDS:
        check(sub in p.stdout, 'briefmap --help does not mention %s' % sub)
    for sub in SUBCOMMANDS:
        for flag in ('--help', '-h'):
            p = run([sub, flag])
            check(p.returncode == 0, 'briefmap %s %s: exit %d, stderr %r' % (
                sub, flag, p.returncode, p.stderr))
            check(p.stdout.startswith('usage: briefmap ' + sub),
                  'briefmap %s %s: no usage line on stdout: %r' % (sub, flag, p.stdout[:80]))
            check(p.stderr == '', 'briefmap %s %s wrote to stderr: %r' % (sub, flag, p.stderr))


def test_unknown_command():
    expect_error(['frobnicate'], 2)
    expect_error(['render', '--frobnicate', '-o', 'x.png'], 2, os.path.join(TMP, 'x.png'))
    expect_error(['tile', '0/0/0', 'extra', '-o', 'x.png'], 2, os.path.join(TMP, 'x.png'))
    expect_error(['views', 'extra'], 2)
    expect_error(['new', 'a-b', 'c-d', '--article', 'x.txt'], 2)
    expect_error(['render', '--briefing', 'no-such-briefing', '--view', 'mexico', '-o', 'x.png'],
                 2, os.path.join(TMP, 'x.png'))
    p = run([])
    check(p.returncode == 2, 'briefmap with no command: exit %d' % p.returncode)


BAD_BBOXES = [
    ('-60,30,-50,20', 'south above north'),
    ('-50,20,-60,30', 'west east of east'),
    ('-70,10,-70,12', 'zero width'),
    ('-200,0,0,10', 'longitude out of range'),
    ('0,-89,10,10', 'latitude beyond Web Mercator'),
    ('0,0,10,95', 'latitude out of range'),
    ('nan,0,10,10', 'NaN'),
    ('0,0,inf,10', 'infinity'),
    ('0,0,10,-inf', 'minus infinity'),
    ('junk', 'junk'),
    ('', 'empty'),
    ('1,2,3', 'three numbers'),
    ('1,2,3,4,5', 'five numbers'),
    ('1,2,3,4x', 'trailing junk'),
]


def test_render_usage_errors():
    out = os.path.join(TMP, 'out.png')
    for bbox, why in BAD_BBOXES:
        expect_error(['render', '--bbox', bbox, '--bare', '-o', out], 2, out,
                     'bad bbox (%s) %r' % (why, bbox))
    for size in ['0x0', '0x100', '100x0', '8193x10', '10x8193', 'abc', '100', '-5x10', '100x',
                 'x100', '1e3x10', '100x100x100', '99999999999999999999x10']:
        expect_error(['render', '--view', 'region', '--size', size, '-o', out], 2, out,
                     'size %r' % size)
    expect_error(['render', '--view', 'atlantis', '-o', out], 2, out, 'unknown view')
    expect_error(['render', '--view', 'region'], 2, None, 'render without -o')
    expect_error(['render', '-o', out], 2, out, 'render without a view or a bbox')
    expect_error(['render', '--view', 'region', '--bbox', '-100,10,-90,20', '-o', out], 2, out,
                 'render with both --view and --bbox')
    expect_error(['render', '--view', 'region', '--format', 'gif', '-o', out], 2, out,
                 'unknown format')
    for until in ['2025-13-01', '2025-02-30', 'yesterday', '2025/09/01', '']:
        expect_error(['render', '--view', 'region', '--until', until, '-o', out], 2, out,
                     'bad --until %r' % until)
    for scale in ['0', '3', 'two', '1.5']:
        expect_error(['render', '--view', 'region', '--scale', scale, '-o', out], 2, out,
                     'bad --scale %r' % scale)
    expect_error(['render', '--view', 'region', '--crs', 'EPSG:999999', '-o', out], 2, out,
                 'unknown CRS')
    # Within each side's limit, but too many pixels in all.
    expect_error(['render', '--view', 'region', '--size', '8000x8000', '--scale', '2', '-o',
                  out], 2, out, 'too large with --scale 2')


def test_tile_usage_errors():
    out = os.path.join(TMP, 'tile.png')
    for zxy in ['13/0/0', '3/8/0', '3/0/8', '-1/0/0', '0/0/-1', '1/2', '1/2/3/4', 'a/b/c',
                '0/0/1', '12/4096/0', '', '//', '1//1', '99999999999999999999/0/0',
                # One tile, one address, as over HTTP: no leading zero, no sign, no space.
                '05/7/14', '5/07/14', '5/7/014', '00/0/0', '+5/7/14', '5/+7/14', ' 5/7/14',
                '5/7/14 ']:
        expect_error(['tile', zxy, '-o', out], 2, out, 'tile %r' % zxy)
    expect_error(['tile', '0/0/0', '--tileset', 'nope', '-o', out], 2, out, 'unknown tileset')
    expect_error(['tile', '0/0/0'], 2, None, 'tile without -o')
    expect_error(['tile', '-o', out], 2, out, 'tile without Z/X/Y')
    expect_error(['tile', '0/0/0', '--scale', '3', '-o', out], 2, out, 'tile --scale 3')
    expect_error(['tile', '0/0/0', '--until', 'soon', '-o', out], 2, out, 'tile bad --until')


def test_unwritable_outputs():
    adir = os.path.join(TMP, 'adir')
    os.makedirs(adir, exist_ok=True)
    for out, what in [('/proc/nope.png', 'a file in /proc'), (adir, 'a directory'),
                      (os.path.join(TMP, 'no', 'such', 'dir', 'x.png'), 'a missing directory')]:
        expect_error(['tile', '5/7/14', '-o', out], 1, out, 'tile to %s' % what)
        expect_error(['render', '--view', 'caribbean', '--bare', '--size', '200x100', '-o',
                      out], 1, out, 'render to %s' % what)
    check(listing(adir) == [], 'something was written into %s' % adir)


def test_failure_keeps_old_file():
    out = os.path.join(TMP, 'keep.png')
    with open(out, 'wb') as f:
        f.write(b'old content')
    expect_error(['tile', '13/0/0', '-o', out], 2, None, 'tile 13/0/0 over an existing file')
    expect_error(['render', '--view', 'atlantis', '-o', out], 2, None,
                 'unknown view over an existing file')
    with open(out, 'rb') as f:
        check(f.read() == b'old content', 'a failed command changed %s' % out)
    os.unlink(out)


def test_views():
    p = run(['views'])
    check(p.returncode == 0, 'views: exit %d, %r' % (p.returncode, p.stderr))
    names = [line.split()[0] for line in p.stdout.splitlines() if line.strip()]
    for n in ['region', 'mexico', 'caribbean', 'venezuela', 'sinaloa-baja']:
        check(n in names, 'views does not list %s: %r' % (n, p.stdout))
    with open(os.path.join(ROOT, 'briefings', 'us-mexico-cartels', 'views.json')) as f:
        check(len(names) == len(json.load(f)['views']), 'views lists %d views' % len(names))


LAYERS = ['land_low', 'countries_low', 'land', 'countries', 'states', 'cities']


def test_check_ok():
    p = run(['check'])
    check(p.returncode == 0, 'check: exit %d, stderr %r' % (p.returncode, p.stderr))
    rows = {line.split()[0]: line.split() for line in p.stdout.splitlines() if line.split()}
    for layer in LAYERS:
        check(layer in rows, 'check does not list layer %s:\n%s' % (layer, p.stdout))
        # features, pieces, vertices: all positive numbers.
        nums = rows[layer][1:4]
        check(all(n.isdigit() and int(n) > 0 for n in nums),
              'check: layer %s has %r' % (layer, rows[layer]))
    check('events:' in p.stdout, 'check prints no events summary:\n%s' % p.stdout)
    check(p.stderr == '', 'check wrote to stderr: %r' % p.stderr)


def broken_events(path, mutate):
    with open(os.path.join(ROOT, 'briefings', 'us-mexico-cartels', 'events.geojson')) as f:
        doc = json.load(f)
    mutate(doc['features'])
    with open(path, 'w') as f:
        json.dump(doc, f)
    return [feat['properties'].get('id') for feat in doc['features']]


def test_check_broken_events():
    path = os.path.join(TMP, 'broken.geojson')

    def two_problems(features):
        features[0]['properties']['status'] = 'rumoured'
        features[2]['properties']['kind'] = 'invasion'

    ids = broken_events(path, two_problems)
    p = run(['check', '--events', path])
    check(p.returncode == 1, 'check of a broken events file: exit %d' % p.returncode)
    lines = p.stderr.splitlines()
    check(all(line.startswith('briefmap: ') for line in lines),
          'check: stderr lines without "briefmap: ": %r' % p.stderr)
    status_lines = [line for line in lines if 'status' in line and 'rumoured' in line]
    kind_lines = [line for line in lines if 'kind' in line and 'invasion' in line]
    check(len(status_lines) == 1, 'check: %d lines about the bad status: %r' % (
        len(status_lines), p.stderr))
    check(len(kind_lines) == 1, 'check: %d lines about the bad kind: %r' % (len(kind_lines),
                                                                            p.stderr))
    check(ids[0] in status_lines[0], 'check: the status problem does not name %s: %r' % (
        ids[0], status_lines[0]))
    check(ids[2] in kind_lines[0], 'check: the kind problem does not name %s: %r' % (
        ids[2], kind_lines[0]))
    # One line per problem, and at most a summary line besides.
    check(len(lines) <= 3, 'check: %d stderr lines for two problems: %r' % (len(lines),
                                                                            p.stderr))

    def one_problem(features):
        features[1]['properties']['status'] = 'confirmed-ish'

    broken_events(path, one_problem)
    p = run(['check', '--events', path])
    check(p.returncode == 1, 'check, one bad status: exit %d' % p.returncode)
    check(1 <= len(p.stderr.splitlines()) <= 2, 'check, one problem: %r' % p.stderr)

    with open(path, 'w') as f:
        f.write('{"type": "FeatureCollection", "features": [')
    p = run(['check', '--events', path])
    check(p.returncode == 1, 'check of truncated JSON: exit %d' % p.returncode)
    check(p.stderr.startswith('briefmap: '), 'check of truncated JSON: %r' % p.stderr)
    p = run(['check', '--events', os.path.join(TMP, 'missing.geojson')])
    check(p.returncode == 1, 'check of a missing events file: exit %d' % p.returncode)
    # Rendering with a broken events file fails too, and writes nothing.
    broken_events(path, two_problems)
    out = os.path.join(TMP, 'broken.png')
    p = run(['tile', '0/0/0', '--events', path, '-o', out])
    check(p.returncode == 1, 'tile with broken events: exit %d' % p.returncode)
    check(not os.path.exists(out), 'tile with broken events wrote %s' % out)
    os.unlink(path)


def test_check_quotes():
    """Every quote is found in the briefing's article.txt; one that is not names file, event, field."""
    p = run(['check'])
    check(p.returncode == 0 and 'every one found verbatim in article.txt' in p.stdout,
          'check of the seed briefing: %r' % p.stdout[-400:])
    check('caveats' in p.stdout, 'check names no caveats: %r' % p.stdout[-300:])
    folder = os.path.join(TMP, 'briefing')
    os.makedirs(folder, exist_ok=True)
    seed = os.path.join(ROOT, 'briefings', 'us-mexico-cartels')
    for name in ('article.txt', 'briefing.json'):
        with open(os.path.join(seed, name), 'rb') as src, \
                open(os.path.join(folder, name), 'wb') as dst:
            dst.write(src.read())
    path = os.path.join(folder, 'events.geojson')

    def misquote(features):
        features[4]['properties']['sources'][0]['quote'] = 'We have knocked out 99% of the drugs'

    ids = broken_events(path, misquote)
    p = run(['check', '--events', path])
    check(p.returncode == 1, 'check of a misquote: exit %d' % p.returncode)
    bad = [line for line in p.stderr.splitlines() if 'not found verbatim' in line]
    check(len(bad) == 1 and path in bad[0] and ids[4] in bad[0]
          and 'sources[0].quote' in bad[0], 'misquote not named: %r' % p.stderr)

    def joined(features):
        q = features[0]['properties']['sources']
        q[0]['quote'] = q[0]['quote'] + '\n' + q[1]['quote']

    broken_events(path, joined)
    p = run(['check', '--events', path])
    check(p.returncode == 1 and 'one entry of "sources" per paragraph' in p.stderr,
          'joined quotes accepted: %r' % p.stderr)

    def dated_hypothetical(features):
        for f in features:
            if f['properties']['status'] == 'hypothetical':
                f['properties']['date'] = '2022'
                f['properties']['date_precision'] = 'year'

    broken_events(path, dated_hypothetical)
    p = run(['check', '--events', path])
    check(p.returncode == 1 and 'a hypothetical is not a dated event' in p.stderr,
          'dated hypothetical accepted: %r' % p.stderr)

    broken_events(path, lambda features: None)
    with open(os.path.join(folder, 'briefing.json'), 'w') as f:
        f.write('{"title": "t", "language": "en", "article": {"headline": "h", '
                '"published": null}, "caveats": [{"kind": "rumour", "text": "x"}]}')
    p = run(['check', '--events', path])
    check(p.returncode == 1 and 'briefing.json' in p.stderr and 'caveats[0].kind' in p.stderr,
          'bad caveat kind accepted: %r' % p.stderr)


def test_tile_ok():
    out = os.path.join(TMP, 'ok.png')
    cases = [(['tile', '0/0/0'], 256, False), (['tile', '5/7/14', '--tileset', 'base'], 256, False),
             (['tile', '5/7/14', '--scale', '2'], 512, False),
             (['tile', '7/40/60', '--tileset', 'events'], 256, True),
             (['tile', '12/1123/1849', '--until', '2025-01-01'], 256, False)]
    for args, side, alpha in cases:
        p = run(args + ['-o', out])
        check(p.returncode == 0, '%s: exit %d, %r' % (' '.join(args), p.returncode, p.stderr))
        w, h, ct = png_info(out)
        check((w, h) == (side, side), '%s: %dx%d' % (' '.join(args), w, h))
        # Opaque tilesets carry no alpha, the events overlay keeps it; colour or palette.
        check(ct in (2, 3, 6), '%s: PNG colour type %d' % (' '.join(args), ct))
        check(png_alpha(out) == alpha, '%s: alpha %s, expected %s' % (' '.join(args),
                                                                      png_alpha(out), alpha))
        os.unlink(out)
    # The output's extension picks the format from the table of tile image formats.
    webp = os.path.join(TMP, 'ok.webp')
    for args, side, alpha in [(['tile', '5/7/14'], 256, False),
                              (['tile', '5/7/14', '--scale', '2'], 512, False),
                              (['tile', '7/40/60', '--tileset', 'events'], 256, True)]:
        p = run(args + ['-o', webp])
        check(p.returncode == 0, '%s: exit %d, %r' % (' '.join(args), p.returncode, p.stderr))
        check(webp_info(webp) == (side, side, alpha),
              '%s -o x.webp: %r' % (' '.join(args), webp_info(webp)))
        os.unlink(webp)
    check([f for f in listing(TMP) if f.startswith('.')] == [],
          'temporary files left in %s' % TMP)


def test_render_ok():
    out = os.path.join(TMP, 'view.png')
    p = run(['render', '--view', 'caribbean', '--bare', '--size', '400x250', '-o', out])
    check(p.returncode == 0, 'render --bare: exit %d, %r' % (p.returncode, p.stderr))
    check(png_info(out)[:2] == (400, 250), 'render --bare size %r' % (png_info(out)[:2],))
    p = run(['render', '--bbox', '-90,8,-59,24.5', '--bare', '--size', '300x200', '--scale',
             '2', '-o', out])
    check(p.returncode == 0, 'render --scale 2: exit %d, %r' % (p.returncode, p.stderr))
    check(png_info(out)[:2] == (600, 400), 'render --scale 2 size %r' % (png_info(out)[:2],))
    os.unlink(out)
    # Without --size, the size HTTP's /render.png gives (tests/http checks 1200x800 there).
    p = run(['render', '--view', 'caribbean', '--bare', '-o', out])
    check(p.returncode == 0, 'render default size: exit %d, %r' % (p.returncode, p.stderr))
    check(png_info(out)[:2] == (1200, 800), 'render default size %r' % (png_info(out)[:2],))
    p = run(['render', '--help'])
    check('default 1200x800' in p.stdout, 'render --help names the default size')
    os.unlink(out)
    # --size reads WxH as the query string's size does: plain decimals, 1 to 8192 a side.
    for size in ['0400x250', '400x+250', ' 400x250']:
        expect_error(['render', '--view', 'region', '--size', size, '-o', out], 2, out,
                     'size %r' % size)
    for fmt, magic in [('png', b'\x89PNG'), ('pdf', b'%PDF'), ('svg', b'<')]:
        out = os.path.join(TMP, 'sheet.' + fmt)
        p = run(['render', '--view', 'venezuela', '--size', '800x500', '-o', out])
        check(p.returncode == 0, 'render %s sheet: exit %d, %r' % (fmt, p.returncode, p.stderr))
        with open(out, 'rb') as f:
            head = f.read(256)
        check(head.startswith(magic), 'render -o %s: starts with %r' % (out, head[:16]))
        if fmt == 'svg':
            check(b'<svg' in head or b'<?xml' in head, 'render svg: %r' % head[:64])
        os.unlink(out)


def coordinate_blocks(path):
    """The 64 KiB blocks of a snapshot lying wholly inside its layers' coordinates, walking its
    headers as geodata/snapshot.c does (record sizes of geodata/snapshot_format.h)."""
    with open(path, 'rb') as f:
        data = f.read()
    pad8 = lambda n: n + (-n % 8)
    magic, _fp, _layout, nlayers, length, body_end, _crc = struct.unpack_from('<8s6Q', data, 0)
    check(magic == b'BRFMSNPB' and length == len(data), '%s: not a snapshot this test knows' % path)
    off, header, block, spans = 56, 56, 64 << 10, []
    for _ in range(nlayers):
        nf, npc, nco, nle, nst, nno, nit, _root, points = struct.unpack_from('<9Q', data, off)
        off += pad8(9 * 8 + 3 * 8 + 2 * 32 + 8)
        off += pad8(nf * 88) + pad8((nf + 1) * 4) + pad8(npc * (40 if points else 904))
        off += pad8(npc * 32) + pad8(nno * 48) + pad8(nit * 4)
        spans.append((off, off + nco * 8))
        off += pad8(nco * 8) + pad8(nle * 4) + pad8(nst)
    check(off == body_end, '%s: layers end at %d, the header says %d' % (path, off, body_end))
    blocks = []
    for a, b in spans:
        first = (a - header + block - 1) // block
        while header + (first + 1) * block <= b:
            blocks.append(header + first * block)
            first += 1
    return blocks


def test_damaged_snapshot_rebuilt():
    """Damaged coordinates are found when a render reads them: nothing drawn from them is
    written, the snapshot is rebuilt from the GeoPackage and the image is the sound one."""
    data = os.path.join(TMP, 'data')
    os.makedirs(data)
    shutil.copy(os.path.join(os.environ.get('BRIEFMAP_DATA', os.path.join(ROOT, 'var/data')),
                             'base.gpkg'), data)
    env = dict(os.environ, SOURCE_DATE_EPOCH='1700000000')
    cases = [['render', '--view', 'region', '--size', '800x500'], ['tile', '5/7/14']]

    def draw(args, out):
        return subprocess.run([BIN] + args + ['--data', data, '-o', out], capture_output=True,
                              text=True, cwd=TMP, env=env, timeout=600)
    good = []
    for i, args in enumerate(cases):
        out = os.path.join(TMP, 'good%d.png' % i)
        p = draw(args, out)
        check(p.returncode == 0, '%s: exit %d, %r' % (args[0], p.returncode, p.stderr))
        with open(out, 'rb') as f:
            good.append(f.read())
    snap = os.path.join(data, 'base.snapshot')
    blocks = coordinate_blocks(snap)
    check(len(blocks) > 1000, 'only %d blocks of coordinates' % len(blocks))
    for i, args in enumerate(cases):
        with open(snap, 'r+b') as f:
            for at in blocks:
                f.seek(at + 1000)
                byte = f.read(1)
                f.seek(at + 1000)
                f.write(bytes([byte[0] ^ 0x10]))
        out = os.path.join(TMP, 'again%d.png' % i)
        p = draw(args, out)
        check(p.returncode == 0, '%s, damaged: exit %d, %r' % (args[0], p.returncode, p.stderr))
        check('fails its checksum: rebuilding it' in p.stderr,
              '%s, damaged: nothing said on stderr: %r' % (args[0], p.stderr))
        with open(out, 'rb') as f:
            check(f.read() == good[i], '%s, damaged: not the sound image' % args[0])
        p = draw(args, out)
        check(p.returncode == 0 and p.stderr == '', '%s after the rebuild: exit %d, %r'
              % (args[0], p.returncode, p.stderr))


TESTS = [test_help, test_unknown_command, test_render_usage_errors, test_tile_usage_errors,
         test_unwritable_outputs, test_failure_keeps_old_file, test_views, test_check_ok,
         test_check_broken_events, test_check_quotes, test_tile_ok, test_render_ok,
         test_damaged_snapshot_rebuilt]


def main():
    global BIN, ROOT, TMP
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    BIN = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                           os.environ.get('BRIEFMAP_SOURCE_ROOT',
                                          os.path.join(os.path.dirname(__file__), '..', '..')))
    only = sys.argv[3] if len(sys.argv) > 3 else None
    passed = failed = 0
    TMP = tempfile.mkdtemp(prefix='briefmap-cli-')
    try:
        for t in TESTS:
            if only and t.__name__ != only:
                continue
            try:
                t()
                print('ok   %s' % t.__name__, flush=True)
                passed += 1
            except Failure as e:
                print('FAIL %s: %s' % (t.__name__, e), flush=True)
                failed += 1
            except Exception:
                print('FAIL %s: %s' % (t.__name__, traceback.format_exc()), flush=True)
                failed += 1
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
