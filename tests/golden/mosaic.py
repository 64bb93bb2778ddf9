#!/usr/bin/env python3
"""mosaic.py: a 2x2 block of `briefmap tile` output equals `briefmap render --bare` of the same
extent, pixel for pixel up to antialiasing noise (labels are placed once per zoom, for the whole
map, so they are neither cut nor doubled at tile edges).

    mosaic.py --briefmap BIN --imgcmp BIN --out DIR

The block's extent in degrees comes from its EPSG:3857 corners through PROJ's inverse (cs2cs),
printed with 10 decimals, as a user would pass it. Failed cases leave the mosaic, the render and
a diff image in DIR.
"""
import argparse
import os
import shutil
import subprocess
import sys

HALF = 20037508.342789244

# name, zoom, top-left tile of the 2x2 block (the block's centre is near the place).
CASES = [
    ('mexico-z5', 5, 6, 13),
    ('caracas-z7', 7, 39, 59),
    ('caribbean-z4', 4, 4, 6),
    ('culiacan-z6', 6, 12, 26),
    ('havana-z8', 8, 68, 110),
]
SCALES = [1, 2]

# "Up to antialiasing noise": no channel off by more than NOISE except on a handful of pixels
# (2 in 10000: a long edge drawn from other coordinates shifts its antialiasing slightly), and
# none off by more than BIG (a seam, a cut or doubled label, a missing stroke). Tiles are
# indexed-colour PNGs whose quantiser moves no channel by more than 16 (tiles/png.c), while the
# render is full colour: NOISE is that bound.
NOISE = '16'
HANDFUL_PER_MEGAPIXEL = 200
BIG = '32'


def block_bbox(z, x0, y0):
    """W,S,E,N in degrees of tiles x0..x0+1, y0..y0+1 at zoom z, through PROJ."""
    size = 2 * HALF / (1 << z)
    minx = -HALF + x0 * size
    maxx = minx + 2 * size
    maxy = HALF - y0 * size
    miny = maxy - 2 * size
    # OGC:CRS84 is WGS 84 with longitude first (EPSG:4326 puts latitude first).
    p = subprocess.run(['cs2cs', '-f', '%.12f', 'EPSG:3857', 'OGC:CRS84'],
                       input='%.9f %.9f\n%.9f %.9f\n' % (minx, miny, maxx, maxy),
                       capture_output=True, text=True, check=True)
    rows = [line.split() for line in p.stdout.strip().splitlines()]
    w, s = float(rows[0][0]), float(rows[0][1])
    e, n = float(rows[1][0]), float(rows[1][1])
    return '%.10f,%.10f,%.10f,%.10f' % (w, s, e, n)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError('%s exited %d: %s' % (' '.join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def run_case(args, name, z, x0, y0, scale):
    tag = '%s@%dx' % (name, scale)
    d = os.path.join(args.out, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    tiles = []
    for dy in (0, 1):
        for dx in (0, 1):
            t = os.path.join(d, 'tile-%d-%d-%d.png' % (z, x0 + dx, y0 + dy))
            run([args.briefmap, 'tile', '%d/%d/%d' % (z, x0 + dx, y0 + dy), '--scale',
                 str(scale), '-o', t])
            tiles.append(t)
    mosaic = os.path.join(d, 'mosaic.png')
    run([args.imgcmp, 'mosaic', mosaic, '2', '2'] + tiles)
    bbox = block_bbox(z, x0, y0)
    render = os.path.join(d, 'render.png')
    run([args.briefmap, 'render', '--bare', '--bbox', bbox, '--size', '512x512', '--scale',
         str(scale), '-o', render])
    px = (512 * scale) ** 2
    handful = max(10, HANDFUL_PER_MEGAPIXEL * px // 1000000)
    diff = os.path.join(d, 'diff.png')
    c = subprocess.run([args.imgcmp, 'compare', mosaic, render, '--diff', diff, '--mean-max',
                        '0.25', '--big-level', BIG, '--big-frac-max', '0',
                        '--noise-level', NOISE, '--noise-max', str(handful)],
                       capture_output=True, text=True)
    summary = 'bbox %s: %s' % (bbox, (c.stdout + c.stderr).strip())
    if c.returncode == 0 and args.control:
        # The comparison must be able to tell: the same tiles with the columns swapped differ.
        swapped = os.path.join(d, 'swapped.png')
        run([args.imgcmp, 'mosaic', swapped, '2', '2', tiles[1], tiles[0], tiles[3], tiles[2]])
        k = subprocess.run([args.imgcmp, 'compare', swapped, render, '--mean-max', '0.25',
                            '--big-level', BIG, '--big-frac-max', '0', '--noise-level', NOISE,
                            '--noise-max', str(handful)], capture_output=True, text=True)
        if k.returncode != 1:
            return False, tag, 'swapped tiles pass for the render: %s' % k.stdout.strip()
        args.control = False
    if c.returncode == 0:
        shutil.rmtree(d)
        return True, tag, summary
    return False, tag, summary + '\n    mosaic, render and diff in %s' % d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--briefmap', required=True)
    ap.add_argument('--imgcmp', required=True)
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    args.control = True
    passed = failed = 0
    for name, z, x0, y0 in CASES:
        for scale in SCALES:
            try:
                ok, tag, msg = run_case(args, name, z, x0, y0, scale)
            except (RuntimeError, subprocess.SubprocessError) as e:
                ok, tag, msg = False, '%s@%dx' % (name, scale), str(e)
            print('%s %s: %s' % ('ok  ' if ok else 'FAIL', tag, msg), flush=True)
            if ok:
                passed += 1
            else:
                failed += 1
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
