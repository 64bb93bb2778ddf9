// honesty.test.js: the web map keeps the honesty rules of the tiles and sheets: an area shared by
// several events is drawn once, with its events listed; the legend gives every status of
// api/style a row and a symbol of its own; a quote can be read inside its paragraph of the
// article, marked, by keyboard, in English and in Spanish.
//
// usage: node honesty.test.js BRIEFMAP_BINARY [SCREENSHOT_DIR]
'use strict';

const fs = require('fs');
const path = require('path');
const { REPO, STEP_TIMEOUT, shotDir, check, assert, startServer, launch, watch, normalise, getJSON, run, axe, seriousOnly } = require('./harness');

const TABLES = {
	en: JSON.parse(fs.readFileSync(path.join(REPO, 'static', 'i18n', 'en.json'), 'utf8')),
	es: JSON.parse(fs.readFileSync(path.join(REPO, 'static', 'i18n', 'es.json'), 'utf8'))
};

/* The key the page draws an area once by (static/js/areas.js), from the API's features. */
function areaKey(f) {
	const g = f.geometry, p = f.properties;
	if (g.type === 'Point')
		return p.geo_precision === 'region' ? 'near:' + g.coordinates[0].toFixed(4) + ',' + g.coordinates[1].toFixed(4) : null;
	if (!/Polygon/.test(g.type))
		return null;
	return p.area ? 'area:' + p.area : 'shape:' + JSON.stringify(g.coordinates);
}

async function openPage(desk, base, url) {
	const page = await desk.newPage();
	const w = watch(page, base);
	await page.goto(base + url, { waitUntil: 'load', timeout: STEP_TIMEOUT });
	await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
	return { page, w };
}

async function main() {
	let server;
	if (!(await check('server starts', async () => { server = await startServer(); return server.base; })))
		return;
	const base = server.base;
	const [fc, style, briefing] = await Promise.all(['/api/events', '/api/style', '/api/briefing'].map((u) => getJSON(base + u)));
	const article = fs.readFileSync(path.join(REPO, 'briefings', briefing.slug, 'article.txt'));
	const desk = await launch();
	const { page, w } = await openPage(desk, base, '/');

	await check('each area shared by several events is drawn once, each event keeping its own symbol', async () => {
		const keys = new Map();
		fc.features.forEach((f) => {
			const k = areaKey(f);
			if (k)
				keys.set(k, (keys.get(k) || []).concat(String(f.properties.id)));
		});
		const shared = Array.from(keys.entries()).filter(([, ids]) => ids.length > 1);
		assert(shared.length > 0, 'the briefing has no area shared by events: nothing to test');
		const drawn = await page.evaluate(() => {
			const n = {};
			document.querySelectorAll('#map [data-event-area]').forEach((e) => {
				const k = e.getAttribute('data-event-area');
				n[k] = (n[k] || 0) + 1;
			});
			return n;
		});
		for (const [k, ids] of keys)
			assert(drawn[k] === 1, k + ' (' + ids.length + ' events) drawn ' + (drawn[k] || 0) + ' times');
		assert(Object.keys(drawn).length === keys.size, 'areas drawn: ' + Object.keys(drawn).length + ', distinct areas: ' + keys.size);
		for (const [, ids] of shared) {
			for (const id of ids) {
				const n = await page.$$eval('#map .leaflet-marker-icon[data-event-id="' + id + '"]', (l) => l.length);
				assert(n === 1, id + ' has ' + n + ' symbols');
			}
		}
		return shared.map(([k, ids]) => k.slice(0, 24) + ' ×' + ids.length).join(', ') + ' each drawn once';
	});

	await check('an area\'s popup lists its events, axe-core clean; Enter on one opens that event', async () => {
		const [key, ids] = (() => {
			const m = new Map();
			fc.features.forEach((f) => { const k = areaKey(f); if (k) m.set(k, (m.get(k) || []).concat(String(f.properties.id))); });
			return Array.from(m.entries()).sort((a, b) => b[1].length - a[1].length)[0];
		})();
		await page.evaluate((k) => {
			const e = window.briefmap.app.state.layer.areas.entries.get(k);
			e.layer.openPopup(e.layer.getBounds().getCenter());
		}, key);
		await page.waitForSelector('.leaflet-popup .bm-area-popup', { timeout: STEP_TIMEOUT });
		await page.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1', null, { timeout: STEP_TIMEOUT });
		const bad = seriousOnly(await axe(page));
		assert(bad.length === 0, 'axe-core: ' + bad.map((x) => x.text).join('; '));
		const listed = await page.$$eval('.leaflet-popup .bm-area-event', (l) => l.map((b) => b.getAttribute('data-event')));
		assert(JSON.stringify(listed) === JSON.stringify(ids), key + ' lists ' + listed.join(',') + ', API: ' + ids.join(','));
		const pick = ids[ids.length - 1];
		await page.focus('.leaflet-popup .bm-area-event[data-event="' + pick + '"]');
		await page.keyboard.press('Enter');
		const title = fc.features.find((f) => String(f.properties.id) === pick).properties.title;
		await page.waitForFunction((t) => Array.from(document.querySelectorAll('.leaflet-popup .bm-popup-title')).some((e) => e.textContent === t), title, { timeout: STEP_TIMEOUT });
		await page.evaluate(() => window.briefmap.app.map.closePopup());
		return key + ': ' + listed.length + ' events listed, ' + pick + ' opened';
	});

	await check('the legend gives every status of api/style its own row and its own symbol', async () => {
		const rows = await page.$$eval('.bm-legend-status [data-status]', (l) => l.map((r) => ({
			status: r.getAttribute('data-status'),
			text: r.textContent.replace(/\s+/g, ' ').trim(),
			symbol: r.querySelector('svg.bm-symbol').outerHTML.replace(/bm-half-\d+/g, 'bm-half')
		})));
		const want = style.statuses.map((s) => s.name);
		assert(JSON.stringify(rows.map((r) => r.status)) === JSON.stringify(want), 'rows ' + rows.map((r) => r.status).join(',') + ', api/style ' + want.join(','));
		style.statuses.forEach((s, i) => assert(rows[i].text.includes(s.legend), s.name + ' row reads "' + rows[i].text + '", not "' + s.legend + '"'));
		for (let i = 0; i < rows.length; i++)
			for (let j = i + 1; j < rows.length; j++)
				assert(rows[i].symbol !== rows[j].symbol, rows[i].status + ' and ' + rows[j].status + ' have the same symbol');
		return rows.map((r) => r.text).join(' | ');
	});

	await check('every quote\'s offsets hold it inside one paragraph of article.txt', async () => {
		const sources = [];
		fc.features.forEach((f) => (f.properties.sources || []).forEach((s) => sources.push(s)));
		const got = await page.evaluate(async ({ bytes, sources }) => {
			const m = await import(new URL('static/js/article.js', document.baseURI).href);
			const buf = new Uint8Array(bytes);
			return sources.map((s) => m.paragraphOf(buf, s.offset, s.length, s.quote));
		}, { bytes: Array.from(article), sources });
		const lines = article.toString('utf8').split('\n');
		got.forEach((p, i) => {
			assert(p, 'no paragraph for "' + sources[i].quote.slice(0, 50) + '" at ' + sources[i].offset);
			assert(p.quote === sources[i].quote, 'quote differs');
			assert(lines.includes(p.before + p.quote + p.after), 'not a whole paragraph: "' + (p.before + p.quote).slice(0, 60) + '"');
		});
		return got.length + ' quotes';
	});
	assert(w.errors.length === 0, w.errors.slice(0, 3).join('; '));
	await page.close();

	for (const lang of ['en', 'es']) {
		await check('?lang=' + lang + ': "' + TABLES[lang].ui.show_in_article + '" shows the quote marked in its paragraph, by keyboard, axe-core clean', async () => {
			const p = await desk.newPage();
			const w2 = watch(p, base);
			await p.goto(base + '/?lang=' + lang, { waitUntil: 'load', timeout: STEP_TIMEOUT });
			await p.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
			const ev = fc.features.find((f) => (f.properties.sources || []).length > 1).properties;
			await p.evaluate((id) => window.briefmap.app.state.layer.open(id), String(ev.id));
			await p.waitForSelector('.leaflet-popup .bm-article-toggle:visible', { timeout: STEP_TIMEOUT });
			const n = await p.$$eval('.leaflet-popup .bm-article-toggle', (l) => l.filter((b) => !b.hidden).length);
			assert(n === ev.sources.length, n + ' controls for ' + ev.sources.length + ' quotes');
			const q = ev.sources[n - 1];
			const sel = '.leaflet-popup .bm-article-toggle >> nth=' + (n - 1);
			assert(normalise(await p.textContent(sel)) === TABLES[lang].ui.show_in_article, 'control reads ' + await p.textContent(sel));
			await p.focus(sel);
			await p.keyboard.press('Enter');
			const shown = await p.evaluate(() => {
				const b = Array.from(document.querySelectorAll('.leaflet-popup .bm-article-toggle')).pop();
				const box = document.getElementById(b.getAttribute('aria-controls'));
				return { expanded: b.getAttribute('aria-expanded'), hidden: box.hidden, label: box.getAttribute('aria-label'),
					mark: box.querySelector('mark') && box.querySelector('mark').textContent, text: box.textContent, button: b.textContent };
			});
			assert(shown.expanded === 'true' && !shown.hidden, 'the paragraph did not open: ' + JSON.stringify(shown).slice(0, 120));
			assert(shown.mark === q.quote, 'marked: "' + shown.mark + '"');
			assert(shown.text.length > q.quote.length && shown.text.includes(q.quote), 'no paragraph around the quote');
			assert(shown.label === TABLES[lang].ui.in_article && shown.button === TABLES[lang].ui.hide_in_article, 'words: ' + shown.label + ' / ' + shown.button);
			await p.screenshot({ path: path.join(shotDir, 'quote-in-article-' + lang + '.png') });
			const bad = seriousOnly(await axe(p));
			assert(bad.length === 0, 'axe-core with the paragraph open: ' + bad.map((x) => x.text).join('; '));
			await p.keyboard.press('Space');
			assert(await p.evaluate(() => { const b = Array.from(document.querySelectorAll('.leaflet-popup .bm-article-toggle')).pop(); return document.getElementById(b.getAttribute('aria-controls')).hidden; }), 'Space did not close it');
			assert(w2.errors.length === 0, w2.errors.slice(0, 3).join('; '));
			await p.close();
			return 'marked "' + q.quote.slice(0, 40) + '…"';
		});
	}

	await check('without an article text the popups offer no control that would open on nothing', async () => {
		/* As for a briefing without article.txt: the server's own 404 for it. */
		const missing = await fetch(base + '/api/nothing');
		const body = await missing.text();
		const { page: p, w: w3 } = await (async () => {
			const pg = await desk.newPage();
			await pg.route(base + '/api/article', (route) => route.fulfill({ status: 404, contentType: 'application/json', body }));
			const w = watch(pg, base);
			await pg.goto(base + '/', { waitUntil: 'load', timeout: STEP_TIMEOUT });
			await pg.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
			return { page: pg, w };
		})();
		await p.evaluate((id) => window.briefmap.app.state.layer.open(id), String(fc.features[0].properties.id));
		await p.waitForSelector('.leaflet-popup .bm-popup', { timeout: STEP_TIMEOUT });
		await p.waitForTimeout(300);
		const n = await p.$$eval('.leaflet-popup .bm-article-toggle', (l) => l.filter((b) => !b.hidden).length);
		assert(n === 0, n + ' controls shown');
		/* The 404 itself is what this case is about; anything else is an error. */
		const other = w3.errors.filter((e) => !e.includes('/api/article') && !/status of 404/.test(e));
		assert(other.length === 0, other.slice(0, 3).join('; '));
		await p.close();
		return 'none offered';
	});
}

run(main);
