#!/usr/bin/env python3
"""Nothing of the shipped briefing is compiled into the program: no headline, name, place or kind
of its article in server/, tiles/, geodata/*.c or static/ (a briefing is data).

Files still carrying such strings while they are being moved to data are listed in PENDING:
a hit in any other file fails; a PENDING file that has become clean is reported so that the
list shrinks."""
import glob
import json
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.environ['BRIEFMAP_SOURCE_ROOT']
seed = os.path.join(root, 'briefings', 'us-mexico-cartels')

# Files known to hold strings of the shipped briefing, until their tables move to data files.
PENDING = set(sys.argv[2:])


def seed_strings():
    with open(os.path.join(seed, 'briefing.json'), encoding='utf-8') as f:
        meta = json.load(f)
    with open(os.path.join(seed, 'events.geojson'), encoding='utf-8') as f:
        events = json.load(f)
    words = {meta['title'], meta['article']['headline'], 'Maduro', 'Sheinbaum', 'Caracas',
             'Sinaloa', 'Nellis', 'cartel', 'Petro', 'El Financiero'}
    generic = {'by water', 'the article', 'other', 'threat', 'raid', 'diplomatic'}
    for feat in events['features']:
        p = feat['properties']
        words.add(p['kind'])
        if p.get('place'):
            words.add(re.sub(r'\s*\(assumed by this map\)', '', p['place']))
        for s in p.get('sources') or []:
            words.add(s.get('claimant') or '')
    return sorted(w for w in words if w and w.lower() not in generic)


def program_files():
    pats = ['server/**/*', 'tiles/**/*', 'geodata/*.c', 'static/**/*']
    out = set()
    for pat in pats:
        for path in glob.glob(os.path.join(root, pat), recursive=True):
            if os.path.isfile(path):
                out.add(os.path.relpath(path, root))
    return sorted(out)


def main():
    words = seed_strings()
    # A word starts at a word boundary; short ones end at one too ("Petro" is not "petrol").
    regex = re.compile('|'.join(
        r'(?<![A-Za-z0-9])' + re.escape(w) + (r'(?![A-Za-z])' if len(w) < 6 else '')
        for w in words), re.IGNORECASE)
    files = program_files()
    failed = 0
    clean_pending = []
    for rel in files:
        try:
            with open(os.path.join(root, rel), encoding='utf-8') as f:
                text = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        hits = []
        for no, line in enumerate(text.splitlines(), 1):
            for m in regex.finditer(line):
                hits.append('%s:%d: "%s"' % (rel, no, m.group(0)))
        if hits and rel not in PENDING:
            failed += 1
            print('FAIL %s names the shipped briefing:' % rel)
            for h in hits[:20]:
                print('       ' + h)
            if len(hits) > 20:
                print('       ... %d more' % (len(hits) - 20))
        elif hits:
            print('pending %s (%d lines)' % (rel, len(hits)))
        elif rel in PENDING:
            clean_pending.append(rel)
    for rel in clean_pending:
        print('note %s is clean now: take it off the pending list' % rel)
    print('%d files checked against %d strings of the shipped briefing; %d fail' %
          (len(files), len(words), failed))
    sys.exit(1 if failed else 0)


main()
