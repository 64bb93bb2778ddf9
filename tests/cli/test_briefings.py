#!/usr/bin/env python3
"""A folder of briefings on the command line: `new` from an empty folder, then `check`,
`render`, `tile`, `seed` and `views`; `new` refusals; `check` of a good and a bad briefing;
`--briefing` selection; each sheet credits its own article."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
SEED = os.path.join(ROOT, 'briefings', 'us-mexico-cartels')
passed = failed = 0

ARTICLE = """Floods cut off villages along the Danube in Bavaria

Heavy rain flooded at least a dozen villages near Passau on Tuesday, officials said.
The regional government said the water would peak on Thursday.
Residents of Regensburg were told to prepare sandbags, a spokesman claimed.
"""
HEADLINE = 'Floods cut off villages along the Danube in Bavaria'


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print('ok   ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, detail))


def run(*args, cwd=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def pdf_text(path):
    return subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True,
                          check=True).stdout


def one_line_error(p):
    lines = p.stderr.splitlines()
    return len(lines) == 1 and lines[0].startswith('briefmap: ')


def seed_headline():
    with open(os.path.join(SEED, 'briefing.json'), encoding='utf-8') as f:
        return json.load(f)['article']['headline']


EVENT = {
    'type': 'Feature',
    'geometry': {'type': 'Point', 'coordinates': [13.43, 48.57]},
    'properties': {
        'id': 'passau-floods', 'kind': 'other', 'status': 'reported',
        'title': 'Villages flooded near Passau',
        'summary': 'At least a dozen villages flooded, officials said.',
        'sources': [{'quote': 'Heavy rain flooded at least a dozen villages near Passau on '
                              'Tuesday, officials said.', 'claimant': 'officials'}],
        'date_text': 'on Tuesday', 'sequence': 1, 'geo_precision': 'near',
        'place': 'near Passau', 'actors': ['officials'], 'count': 12}}
AREA_EVENT = {
    'type': 'Feature', 'geometry': None,
    'properties': {
        'id': 'bavaria-peak', 'kind': 'other', 'status': 'claimed',
        'title': 'Water to peak on Thursday',
        'summary': 'The regional government expects the water to peak on Thursday.',
        'sources': [{'quote': 'The regional government said the water would peak on '
                              'Thursday.', 'claimant': 'the regional government'}],
        'date_text': 'on Thursday', 'sequence': 2, 'geo_precision': 'admin1',
        'area': 'DE-BY', 'place': 'Bavaria', 'actors': ['regional government']}}


def test_new_check_render(tmp):
    """From an empty folder: new, check, add events, check, render, seed."""
    art = os.path.join(tmp, 'article.txt')
    with open(art, 'w', encoding='utf-8') as f:
        f.write(ARTICLE)
    bdir = os.path.join(tmp, 'briefings')   # does not exist yet
    p = run('new', 'danube-floods', '--article', art, '--briefings', bdir)
    check('new: exit 0', p.returncode == 0, p.stderr)
    folder = os.path.join(bdir, 'danube-floods')
    check('new: the four files', sorted(os.listdir(folder)) ==
          ['article.txt', 'briefing.json', 'events.geojson', 'views.json'], os.listdir(folder))
    check('new: no temporary folder left', os.listdir(bdir) == ['danube-floods'],
          os.listdir(bdir))
    with open(os.path.join(folder, 'article.txt'), encoding='utf-8') as f:
        check('new: article copied', f.read() == ARTICLE)
    with open(os.path.join(folder, 'briefing.json'), encoding='utf-8') as f:
        meta = json.load(f)
    check('new: title and headline from the first line',
          meta['title'] == HEADLINE and meta['article']['headline'] == HEADLINE, meta)
    check('new: language en, published null, default view all',
          meta['language'] == 'en' and meta['article']['published'] is None
          and meta['default_view'] == 'all', meta)
    check('new: outlet, byline, url empty',
          all(meta['article'].get(k) is None for k in ('outlet', 'byline', 'url')), meta)
    check('new: one undated caveat', [c['kind'] for c in meta['caveats']] == ['undated']
          and 'dates' in meta['caveats'][0]['text'], meta['caveats'])
    with open(os.path.join(folder, 'events.geojson')) as f:
        check('new: empty FeatureCollection', json.load(f) ==
              {'type': 'FeatureCollection', 'features': []})
    with open(os.path.join(folder, 'views.json')) as f:
        views = json.load(f)['views']
    check('new: one view "all" of the whole world', len(views) == 1 and
          views[0]['name'] == 'all' and views[0]['bbox'][0] == -180 and
          views[0]['bbox'][2] == 180, views)
    check('new: next steps with an example Feature',
          '"type": "Feature"' in p.stdout and 'briefmap check' in p.stdout
          and 'briefmap render' in p.stdout and 'briefmap serve' in p.stdout, p.stdout)

    p = run('check', '--briefings', bdir)
    check('check of the new briefing: exit 0', p.returncode == 0, p.stderr)
    check('check: summary names the briefing, 0 events, 1 view, 1 caveat',
          'briefing danube-floods' in p.stdout and 'events: 0' in p.stdout
          and 'views: 1' in p.stdout and 'caveats: 1' in p.stdout, p.stdout)
    pdf = os.path.join(tmp, 'empty.pdf')
    p = run('render', '--briefings', bdir, '--view', 'all', '--size', '800x500', '-o', pdf)
    check('render of an empty briefing: exit 0', p.returncode == 0 and os.path.exists(pdf),
          p.stderr)

    # The guide's step: events written, quotes from the article, an area by ISO 3166-2 code.
    with open(os.path.join(folder, 'events.geojson'), 'w') as f:
        json.dump({'type': 'FeatureCollection', 'features': [EVENT, AREA_EVENT]}, f)
    p = run('check', '--briefings', bdir, '--briefing', 'danube-floods')
    check('check with two events: exit 0', p.returncode == 0, p.stderr)
    check('check: events by status, quotes checked',
          'events: 2' in p.stdout and '1 reported' in p.stdout and '1 claimed' in p.stdout
          and 'every one found verbatim' in p.stdout, p.stdout)
    p = run('render', '--briefings', bdir, '--bbox', '8,46,15,51', '--size', '1000x700',
            '-o', pdf)
    check('render with events: exit 0', p.returncode == 0, p.stderr)
    text = pdf_text(pdf) if p.returncode == 0 else ''
    check('sheet credits its own article', HEADLINE in ' '.join(text.split()), text[-600:])
    check('sheet does not credit the shipped article', seed_headline() not in text)
    check('sheet shows its events', '2 article events shown' in text, text[:300])
    mb = os.path.join(tmp, 'floods.mbtiles')
    p = run('seed', '--briefings', bdir, '--zoom', '0-1', '-o', mb)
    check('seed of the new briefing (its default view): exit 0', p.returncode == 0, p.stderr)
    if p.returncode == 0:
        db = sqlite3.connect(mb)
        meta = dict(db.execute('SELECT name, value FROM metadata'))
        db.close()
        check('seed: credits its own article', HEADLINE in meta.get('attribution', '')
              and seed_headline() not in meta.get('attribution', ''), meta)
    return bdir


def test_new_refusals(tmp, bdir):
    art = os.path.join(tmp, 'article.txt')
    before = sorted(os.listdir(bdir))
    meta_path = os.path.join(bdir, 'danube-floods', 'briefing.json')
    with open(meta_path, 'rb') as f:
        meta_before = f.read()
    p = run('new', 'danube-floods', '--article', art, '--briefings', bdir)
    check('new over an existing folder: exit 1, one line',
          p.returncode == 1 and one_line_error(p) and 'exists' in p.stderr, p.stderr)
    with open(meta_path, 'rb') as f:
        check('new over an existing folder: nothing touched', f.read() == meta_before)
    for bad in ('Bad_Slug', 'a/b', '..', 'x' * 65, ''):
        p = run('new', bad, '--article', art, '--briefings', bdir)
        check('new with bad slug %r: exit 2, one line' % bad,
              p.returncode == 2 and one_line_error(p), p.stderr)
    p = run('new', 'no-article', '--article', os.path.join(tmp, 'missing.txt'),
            '--briefings', bdir)
    check('new with a missing article: exit 1, one line',
          p.returncode == 1 and one_line_error(p), p.stderr)
    p = run('new', 'dir-article', '--article', tmp, '--briefings', bdir)
    check('new with a folder as article: exit 1', p.returncode == 1 and one_line_error(p),
          p.stderr)
    empty = os.path.join(tmp, 'empty.txt')
    open(empty, 'w').close()
    p = run('new', 'empty-article', '--article', empty, '--briefings', bdir)
    check('new with an empty article: exit 1', p.returncode == 1 and one_line_error(p),
          p.stderr)
    p = run('new', 'no-option', '--briefings', bdir)
    check('new without --article: exit 2', p.returncode == 2 and one_line_error(p), p.stderr)
    check('refusals wrote nothing', sorted(os.listdir(bdir)) == before, os.listdir(bdir))
    p = run('new', 'headline-given', '--article', art, '--headline', 'Another headline',
            '--briefings', bdir)
    with open(os.path.join(bdir, 'headline-given', 'briefing.json')) as f:
        meta = json.load(f)
    check('new --headline', p.returncode == 0 and meta['title'] == 'Another headline'
          and meta['article']['headline'] == 'Another headline', meta)
    shutil.rmtree(os.path.join(bdir, 'headline-given'))


def test_check_good_and_bad(tmp):
    bdir = os.path.join(tmp, 'mixed')
    os.makedirs(bdir)
    shutil.copytree(SEED, os.path.join(bdir, 'good-one'))
    art = os.path.join(tmp, 'article.txt')
    p = run('new', 'bad-one', '--article', art, '--briefings', bdir)
    check('new bad-one', p.returncode == 0, p.stderr)
    bad = dict(EVENT, properties=dict(EVENT['properties'], id='bad-event', status='rumoured'))
    bad_events = os.path.join(bdir, 'bad-one', 'events.geojson')
    with open(bad_events, 'w') as f:
        json.dump({'type': 'FeatureCollection', 'features': [bad]}, f)
    p = run('check', '--briefings', bdir)
    check('check of a good and a bad briefing: exit 1', p.returncode == 1, p.stderr)
    lines = p.stderr.splitlines()
    named = [l for l in lines if 'bad-one/events.geojson' in l and 'bad-event' in l
             and 'status' in l]
    check('check names file, feature and field', len(named) == 1, p.stderr)
    check('check: every stderr line starts "briefmap: "',
          all(l.startswith('briefmap: ') for l in lines), p.stderr)
    check('check: the good briefing is summarised too',
          'briefing good-one' in p.stdout and 'every one found verbatim' in p.stdout
          and '1 good, 1 bad' in p.stdout, p.stdout)
    p = run('check', '--briefings', bdir, '--briefing', 'good-one')
    check('check --briefing good-one: exit 0', p.returncode == 0, p.stderr)
    p = run('check', '--briefing', os.path.join(bdir, 'bad-one'))
    check('check --briefing DIR of the bad one: exit 1', p.returncode == 1
          and 'bad-event' in p.stderr, p.stderr)
    p = run('check', '--briefings', bdir, '--briefing', 'nope')
    check('check --briefing unknown: exit 2 listing the slugs', p.returncode == 2
          and one_line_error(p) and 'bad-one' in p.stderr and 'good-one' in p.stderr,
          p.stderr)
    # A default view that names no view is a problem of briefing.json.
    with open(bad_events, 'w') as f:
        json.dump({'type': 'FeatureCollection', 'features': [EVENT]}, f)
    meta_path = os.path.join(bdir, 'bad-one', 'briefing.json')
    with open(meta_path) as f:
        meta = json.load(f)
    meta['default_view'] = 'nowhere'
    with open(meta_path, 'w') as f:
        json.dump(meta, f)
    p = run('check', '--briefings', bdir, '--briefing', 'bad-one')
    check('check: a default_view without its view is an error', p.returncode == 1
          and 'default_view' in p.stderr and 'nowhere' in p.stderr, p.stderr)


def test_selection(tmp, floods_dir):
    bdir = os.path.join(tmp, 'two')
    os.makedirs(bdir)
    shutil.copytree(SEED, os.path.join(bdir, 'a-seed'))
    shutil.copytree(os.path.join(floods_dir, 'danube-floods'), os.path.join(bdir, 'b-floods'))
    with open(os.path.join(SEED, 'views.json')) as f:
        seed_views = [v['name'] for v in json.load(f)['views']]
    p = run('views', '--briefings', bdir)
    names = [l.split()[0] for l in p.stdout.splitlines()]
    check('views: the first briefing by default', p.returncode == 0 and names == seed_views,
          p.stdout + p.stderr)
    p = run('views', '--briefings', bdir, '--briefing', 'b-floods')
    check('views --briefing b-floods', p.returncode == 0 and
          [l.split()[0] for l in p.stdout.splitlines()] == ['all'], p.stdout + p.stderr)
    for cmd in (['views'], ['render', '--view', 'all', '-o', os.path.join(tmp, 'x.png')],
                ['tile', '0/0/0', '-o', os.path.join(tmp, 'x.png')],
                ['seed', '--zoom', '0-0', '-o', os.path.join(tmp, 'x.mbtiles')]):
        p = run(*cmd, '--briefings', bdir, '--briefing', 'nope')
        check('%s --briefing nope: exit 2 listing the slugs' % cmd[0], p.returncode == 2
              and one_line_error(p) and 'a-seed' in p.stderr and 'b-floods' in p.stderr,
              p.stderr)
    check('nothing written for an unknown briefing', not os.path.exists(os.path.join(
        tmp, 'x.png')) and not os.path.exists(os.path.join(tmp, 'x.mbtiles')))

    pdfs = {}
    for slug in ('a-seed', 'b-floods'):
        out = os.path.join(tmp, slug + '.pdf')
        p = run('render', '--briefings', bdir, '--briefing', slug, '--bbox', '-180,-60,180,75',
                '--size', '900x600', '-o', out)
        check('render --briefing %s' % slug, p.returncode == 0, p.stderr)
        pdfs[slug] = ' '.join(pdf_text(out).split()) if p.returncode == 0 else ''
    check('sheet of the second briefing credits its own article',
          HEADLINE in pdfs['b-floods'] and seed_headline() not in pdfs['b-floods'],
          pdfs['b-floods'][-500:])
    check('sheet of the first briefing credits the shipped article',
          seed_headline() in pdfs['a-seed'], pdfs['a-seed'][-500:])
    p = run('render', '--briefings', bdir, '--briefing', 'b-floods', '--view', 'mexico',
            '-o', os.path.join(tmp, 'y.png'))
    check('render --briefing b-floods --view of another briefing: exit 2',
          p.returncode == 2 and one_line_error(p), p.stderr)

    tiles = {}
    for slug in ('a-seed', 'b-floods'):
        out = os.path.join(tmp, slug + '-tile.png')
        p = run('tile', '0/0/0', '--tileset', 'events', '--briefings', bdir, '--briefing', slug,
                '-o', out)
        check('tile --briefing %s' % slug, p.returncode == 0, p.stderr)
        with open(out, 'rb') as f:
            tiles[slug] = f.read()
    check('tiles of the two briefings differ', tiles['a-seed'] != tiles['b-floods'])
    out = os.path.join(tmp, 'default-tile.png')
    p = run('tile', '0/0/0', '--tileset', 'events', '--briefings', bdir, '-o', out)
    with open(out, 'rb') as f:
        check('tile without --briefing: the first briefing', p.returncode == 0 and
              f.read() == tiles['a-seed'])
    p = run('serve', '--briefings', bdir, '--default-briefing', 'nope')
    check('serve --default-briefing unknown: exit 2 listing the slugs', p.returncode == 2
          and one_line_error(p) and 'b-floods' in p.stderr, p.stderr)
    p = run('serve', '--default-briefing', 'Not_A_Slug')
    check('serve --default-briefing bad slug: exit 2', p.returncode == 2 and one_line_error(p),
          p.stderr)
    empty = os.path.join(tmp, 'no-briefings')
    os.makedirs(empty)
    p = run('render', '--briefings', empty, '--view', 'all', '-o', os.path.join(tmp, 'z.png'))
    check('render with no briefing in the folder: exit 1, one line',
          p.returncode == 1 and one_line_error(p), p.stderr)


def test_versions():
    for cmd in ('serve', 'render', 'tile', 'seed', 'new', 'check', 'views'):
        p = run(cmd, '--version')
        check('%s --version' % cmd, p.returncode == 0 and p.stdout.startswith('briefmap '),
              p.stdout + p.stderr)
        p = run(cmd, '--help')
        check('%s --help names --briefings' % cmd, p.returncode == 0
              and '--briefings DIR' in p.stdout, p.stdout)


with tempfile.TemporaryDirectory() as tmp:
    test_versions()
    floods = test_new_check_render(tmp)
    test_new_refusals(tmp, floods)
    test_check_good_and_bad(tmp)
    test_selection(tmp, floods)
print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
