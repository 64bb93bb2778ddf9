// untranslated.test.js: with ?lang=es no interface text of the web map or the embed is left in
// English. Every text a reader meets (text nodes, aria-label, title, alt of what is shown or read
// aloud) is checked, the briefing's own texts taken out, against each English string of en.json
// and of api/style that the Spanish tables give otherwise: with the legend, a popup, an area's
// popup, a quote in its paragraph, the embed dialog and the embed's list open; and the list of
// briefings, whose counts of statuses take the singular or plural api/style?lang=es gives.
//
// usage: node untranslated.test.js BRIEFMAP_BINARY [SCREENSHOT_DIR]
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { REPO, STEP_TIMEOUT, shotDir, cleanups, check, assert, startServer, launch, watch, getJSON, run } = require('./harness');

const EN = JSON.parse(fs.readFileSync(path.join(REPO, 'static', 'i18n', 'en.json'), 'utf8'));
const ES = JSON.parse(fs.readFileSync(path.join(REPO, 'static', 'i18n', 'es.json'), 'utf8'));

/* The words of an English string that the Spanish one does not share: its parts between
 * {placeholders}, each a whole phrase of letters. */
function phrases(en, es) {
	if (typeof en !== 'string' || en === es)
		return [];
	return en.split(/\{\w+\}/).map((s) => s.replace(/^[\s·:,.()—“”]+|[\s·:,.()—“”]+$/g, ''))
		.filter((s) => /[A-Za-z]{3}/.test(s) && !(es || '').includes(s));
}

function englishPhrases(style, styleEs) {
	const out = new Map();
	const add = (where, en, es) => phrases(en, es).forEach((p) => out.set(p, where));
	for (const k of Object.keys(EN.ui))
		add('en.json ui.' + k, EN.ui[k], ES.ui[k]);
	for (const k of ['undated', 'undated_said'])
		add('en.json dates.' + k, EN.dates[k], ES.dates[k]);
	EN.dates.months.forEach((m, i) => add('en.json month', m, ES.dates.months[i]));
	/* The server's words of kinds and statuses, in English and as it gives them in Spanish. */
	const sst = new Map(styleEs.statuses.map((s) => [s.name, s])), sk = new Map(styleEs.kinds.map((k) => [k.id, k]));
	for (const s of style.statuses)
		for (const f of ['label', 'words', 'legend', 'legend_note', 'count_one', 'count_other'])
			add('api/style ' + s.name + '.' + f, s[f], (sst.get(s.name) || {})[f]);
	for (const k of style.kinds)
		add('api/style kind ' + k.id, k.label, (sk.get(k.id) || {}).label);
	return out;
}

/* Every string the briefing itself gives: these are its texts, in its own language. */
function briefingTexts(fc, views, slug) {
	const out = new Set([slug]);
	const walk = (v) => {
		if (typeof v === 'string')
			out.add(v);
		else if (Array.isArray(v))
			v.forEach(walk);
		else if (v && typeof v === 'object')
			Object.keys(v).forEach((k) => k !== 'geometry' && walk(v[k]));
	};
	walk(fc.briefing);
	fc.features.forEach((f) => walk(f.properties));
	(Array.isArray(views) ? views : views.views || []).forEach((v) => walk(v.title));
	return Array.from(out).filter((s) => s.length >= 2).sort((a, b) => b.length - a.length);
}

/* The texts a reader meets on the page now: text shown or read aloud, and the labels of
 * elements shown. Elements that are not rendered (closed dialogs, collapsed parts) are left
 * for the states that open them. */
function visibleTexts(page) {
	return page.evaluate(() => {
		const out = [];
		const shown = (e) => e && e.checkVisibility({ visibilityProperty: true }) && !e.closest('[aria-hidden="true"]');
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const t = n.textContent.replace(/\s+/g, ' ').trim();
			if (t && shown(n.parentElement) && !n.parentElement.closest('script,style,textarea'))
				out.push({ text: t, where: n.parentElement.tagName.toLowerCase() + '.' + n.parentElement.className });
		}
		for (const e of document.querySelectorAll('[aria-label],[title],img[alt]')) {
			if (!shown(e))
				continue;
			for (const a of ['aria-label', 'title', 'alt']) {
				if (e.getAttribute(a))
					out.push({ text: e.getAttribute(a), where: e.tagName.toLowerCase() + '[' + a + ']' });
			}
		}
		out.push({ text: document.title, where: 'title' });
		return out;
	});
}

/* The English phrases left in `texts` once the briefing's own strings are taken out. */
function leftInEnglish(texts, english, own) {
	const bad = [];
	for (const { text, where } of texts) {
		let rest = text;
		for (const s of own)
			rest = rest.split(s).join(' ');
		for (const [p, from] of english) {
			const re = new RegExp('(^|[^A-Za-z])' + p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '($|[^A-Za-z])', 'i');
			if (re.test(rest))
				bad.push('"' + p + '" (' + from + ') in ' + where + ': "' + text.slice(0, 80) + '"');
		}
	}
	return Array.from(new Set(bad));
}

async function main() {
	let server;
	if (!(await check('server starts', async () => { server = await startServer(); return server.base; })))
		return;
	const base = server.base;
	const [fc, views, style, styleEs, briefing] = await Promise.all(['/api/events', '/api/views', '/api/style?lang=en', '/api/style?lang=es', '/api/briefing'].map((u) => getJSON(base + u)));
	const english = englishPhrases(style, styleEs);
	const own = briefingTexts(fc, views, briefing.slug);
	const desk = await launch();
	const area = (() => {
		const n = {};
		fc.features.forEach((f) => { if (f.properties.area) n[f.properties.area] = (n[f.properties.area] || 0) + 1; });
		return Object.keys(n).sort((a, b) => n[b] - n[a])[0];
	})();

	await check('the English phrases to look for are many (en.json and api/style)', async () => {
		assert(english.size >= 80, 'only ' + english.size + ' phrases');
		return english.size + ' phrases';
	});

	await check('/?lang=es: no interface text in English, with the legend, popups and the embed dialog open', async () => {
		const page = await desk.newPage();
		await page.setViewportSize({ width: 1440, height: 900 });
		const w = watch(page, base);
		await page.goto(base + '/?lang=es', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		let texts = await visibleTexts(page);
		const states = ['page'];
		/* A popup of an event with several quotes, a verification and a count where there is one. */
		const rich = fc.features.map((f) => f.properties).sort((a, b) =>
			((b.sources || []).length + !!b.verification + (typeof b.count === 'number')) -
			((a.sources || []).length + !!a.verification + (typeof a.count === 'number')))[0];
		await page.evaluate((id) => window.briefmap.app.state.layer.open(id), String(rich.id));
		await page.waitForSelector('.leaflet-popup .bm-popup', { timeout: STEP_TIMEOUT });
		const toggles = await page.$$('.leaflet-popup .bm-article-toggle:visible');
		for (const b of toggles)
			await b.click();
		texts = texts.concat(await visibleTexts(page));
		states.push('popup of ' + rich.id + (toggles.length ? ' with ' + toggles.length + ' quotes in the article' : ''));
		await page.evaluate((code) => {
			const e = window.briefmap.app.state.layer.areas.entries.get('area:' + code);
			e.layer.openPopup(e.layer.getBounds().getCenter());
		}, area);
		await page.waitForSelector('.leaflet-popup .bm-area-popup', { timeout: STEP_TIMEOUT });
		texts = texts.concat(await visibleTexts(page));
		states.push('popup of area ' + area);
		await page.evaluate(() => window.briefmap.app.map.closePopup());
		const sheet = new URL(await page.getAttribute('#export-link', 'href'), base + '/');
		assert(sheet.searchParams.get('lang') === 'es', 'the exported sheet is not asked in Spanish: ' + sheet.search);
		await page.click('#embed-button');
		await page.waitForSelector('#embed-dialog[open]', { timeout: STEP_TIMEOUT });
		await page.waitForFunction(() => document.getElementById('embed-iframe').value.length > 0, null, { timeout: STEP_TIMEOUT });
		texts = texts.concat(await visibleTexts(page));
		states.push('embed dialog');
		await page.screenshot({ path: path.join(shotDir, 'untranslated-es-dialog.png') });
		const bad = leftInEnglish(texts, english, own);
		assert(bad.length === 0, bad.length + ' English: ' + bad.slice(0, 6).join(' | '));
		assert(w.errors.length === 0, w.errors.slice(0, 3).join('; '));
		await page.close();
		return texts.length + ' texts in ' + states.join(', ');
	});

	await check('/embed?lang=es: no interface text in English, with its list, legend, caveats and a popup open', async () => {
		const page = await desk.newPage();
		await page.setViewportSize({ width: 800, height: 500 });
		const w = watch(page, base);
		await page.goto(base + '/embed?view=region&lang=es', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		await page.click('.bm-legend-toggle');
		await page.click('.caveats-embed summary');
		let texts = await visibleTexts(page);
		await page.click('#embed-events summary');
		texts = texts.concat(await visibleTexts(page));
		await page.click('#embed-events summary');
		await page.evaluate((id) => window.briefmap.embed.layer.open(id), String(fc.features[0].properties.id));
		await page.waitForSelector('.leaflet-popup .bm-popup', { timeout: STEP_TIMEOUT });
		texts = texts.concat(await visibleTexts(page));
		const bad = leftInEnglish(texts, english, own);
		assert(bad.length === 0, bad.length + ' English: ' + bad.slice(0, 6).join(' | '));
		assert(w.errors.length === 0, w.errors.slice(0, 3).join('; '));
		await page.close();
		return texts.length + ' texts';
	});

	await check('the list of briefings with ?lang=es: no interface text in English', async () => {
		/* Two briefings, so that / is the list page. */
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'briefmap-list-'));
		cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
		for (const slug of ['first', 'second'])
			fs.cpSync(path.join(REPO, 'briefings', briefing.slug), path.join(dir, slug), { recursive: true });
		const two = await startServer(['--briefings', dir]);
		const list = await getJSON(two.base + '/api/briefings');
		const theirs = briefingTexts({ briefing: {}, features: [] }, [], '').concat(
			list.briefings.flatMap((b) => [b.title, b.slug, (b.article || {}).headline].concat((b.caveats || []).map((c) => c.text))).filter(Boolean));
		const page = await desk.newPage();
		const w = watch(page, two.base);
		await page.goto(two.base + '/?lang=es', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await page.waitForSelector('.card .counts', { timeout: STEP_TIMEOUT });
		const texts = await visibleTexts(page);
		assert(await page.evaluate(() => document.documentElement.lang) === 'es', 'the list page is not in Spanish');
		const thumbs = await page.$$eval('img.thumb', (l) => l.map((i) => new URL(i.src).searchParams.get('lang')));
		assert(thumbs.length === 2 && thumbs.every((l) => l === 'es'), 'thumbnails not drawn in Spanish: ' + thumbs.join(','));
		const bad = leftInEnglish(texts, english, theirs.sort((a, b) => b.length - a.length));
		assert(bad.length === 0, bad.length + ' English: ' + bad.slice(0, 6).join(' | '));
		/* Each count in the number it takes, with api/style's words: "1 amenazado", "8 afirmados". */
		const counts = list.briefings[0].status_counts;
		assert(Object.values(counts).includes(1) && Object.values(counts).some((n) => n > 1), 'no status counted once and another more: ' + JSON.stringify(counts));
		const cards = await page.$$eval('.card .counts', (l) => l.map((e) => e.textContent));
		const byName = new Map(styleEs.statuses.map((s) => [s.name, s]));
		for (const [name, n] of Object.entries(counts).filter(([, n]) => n > 0)) {
			const s = byName.get(name);
			const want = n + ' ' + (n === 1 ? s.count_one : s.count_other), wrong = n + ' ' + (n === 1 ? s.count_other : s.count_one);
			const re = (x) => new RegExp('(^|\\D)' + x + '($|[^\\p{L}])', 'u');
			assert(cards.every((c) => re(want).test(c) && !re(wrong).test(c)), 'not "' + want + '" in: ' + cards[0]);
		}
		assert(w.errors.length === 0, w.errors.slice(0, 3).join('; '));
		await page.close();
		return texts.length + ' texts, ' + list.briefings.length + ' briefings; ' + cards[0];
	});

	await check('the check finds English: /?lang=en shows the phrases it looks for', async () => {
		const page = await desk.newPage();
		await page.goto(base + '/?lang=en', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const bad = leftInEnglish(await visibleTexts(page), english, own);
		assert(bad.length >= 20, 'only ' + bad.length + ' English phrases found on the English page');
		await page.close();
		return bad.length + ' found';
	});
}

run(main);
