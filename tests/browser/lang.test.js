// lang.test.js: the web map and the embed in the reader's language (?lang=es|en, else the briefing's):
// interface strings from static/i18n/<lang>.json, dates in that language, screenshots of both.
//
// usage: node lang.test.js BRIEFMAP_BINARY [SCREENSHOT_DIR]
'use strict';

const fs = require('fs');
const path = require('path');
const { REPO, STEP_TIMEOUT, shotDir, check, assert, startServer, launch, watch, getJSON, run, waitTiles } = require('./harness');

const TABLES = {
	en: JSON.parse(fs.readFileSync(path.join(REPO, 'static', 'i18n', 'en.json'), 'utf8')),
	es: JSON.parse(fs.readFileSync(path.join(REPO, 'static', 'i18n', 'es.json'), 'utf8'))
};
const SIZES = [{ width: 360, height: 640 }, { width: 1440, height: 900 }];

async function main() {
	let server;
	if (!(await check('server starts', async () => { server = await startServer(); return server.base; })))
		return;
	const base = server.base;
	const fc = await getJSON(base + '/api/events');
	const desk = await launch();

	await check('both tables hold the same keys', async () => {
		for (const part of ['ui', 'dates']) {
			const a = Object.keys(TABLES.en[part]).sort().join(), b = Object.keys(TABLES.es[part]).sort().join();
			assert(a === b, part + ': en ' + a + ' / es ' + b);
		}
	});

	for (const lang of ['en', 'es']) {
		const T = TABLES[lang];
		for (const size of SIZES) {
			await check('/?lang=' + lang + ' at ' + size.width + 'x' + size.height + ': interface strings and dates in ' + lang, async () => {
				const page = await desk.newPage();
				await page.setViewportSize(size);
				const w = watch(page, base);
				await page.goto(base + '/?lang=' + lang, { waitUntil: 'load', timeout: STEP_TIMEOUT });
				await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
				const got = await page.evaluate(() => ({
					html: document.documentElement.lang,
					timeline: document.getElementById('timeline-title').textContent,
					all: document.getElementById('timeline-value').textContent,
					events: document.getElementById('events-title').textContent,
					dates: Array.from(document.querySelectorAll('.event-date')).map((e) => e.textContent)
				}));
				assert(got.html === lang, '<html lang> is ' + got.html);
				assert(got.timeline === T.ui.timeline, 'timeline heading: ' + got.timeline);
				assert(got.all === T.ui.all_dates, 'timeline value: ' + got.all);
				assert(got.events === T.ui.events, 'events heading: ' + got.events);
				const month = new RegExp('\\b(' + T.dates.months.join('|') + ')\\b');
				const other = new RegExp('\\b(' + TABLES[lang === 'en' ? 'es' : 'en'].dates.months.join('|') + ')\\b');
				assert(got.dates.some((d) => month.test(d)), 'no date names a month in ' + lang + ': ' + got.dates.slice(0, 4).join(' | '));
				assert(!got.dates.some((d) => other.test(d) && !/[“”]/.test(d)), 'a date in the other language: ' + got.dates.join(' | '));
				assert(got.dates.some((d) => d.startsWith(T.dates.undated)), 'no undated event reads "' + T.dates.undated + '"');
				/* The screenshot shows the base map, not tiles still fading in. */
				await waitTiles(page, 2, '/tiles/base/');
				/* The base map names its places in the page's language (English: the data's own names). */
				const srcs = await page.$$eval('img.leaflet-tile', (l) => l.map((i) => i.src).filter((u) => u.includes('/tiles/base/')));
				const inLang = srcs.filter((u) => /[?&]lang=es\b/.test(u)).length;
				assert(lang === 'es' ? inLang === srcs.length : inLang === 0,
					inLang + ' of ' + srcs.length + ' base tiles ask for lang=es: ' + srcs[0]);
				await page.waitForTimeout(400);
				await page.screenshot({ path: path.join(shotDir, 'lang-' + lang + '-' + size.width + 'x' + size.height + '.png') });
				assert(w.errors.length === 0, w.errors.slice(0, 3).join('; '));
				await page.close();
				return got.dates.slice(0, 2).join(' | ');
			});
		}
		await check('/embed?view=caribbean&lang=' + lang + ': list and dates in ' + lang, async () => {
			const page = await desk.newPage();
			await page.setViewportSize({ width: 800, height: 500 });
			const w = watch(page, base);
			await page.goto(base + '/embed?view=caribbean&lang=' + lang, { waitUntil: 'load', timeout: STEP_TIMEOUT });
			await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
			await page.click('#embed-events summary');
			const got = await page.evaluate(() => ({
				html: document.documentElement.lang,
				summary: document.getElementById('embed-events-summary').textContent,
				dates: Array.from(document.querySelectorAll('.event-date')).map((e) => e.textContent)
			}));
			assert(got.html === lang, '<html lang> is ' + got.html);
			assert(got.summary.startsWith(T.ui.events + ' ('), 'summary: ' + got.summary);
			const desc = await page.evaluate(() => {
				const id = document.getElementById('map').getAttribute('aria-describedby');
				return document.getElementById(id).textContent;
			});
			const head = T.ui.map_of.replace('{title}', '');
			assert(desc.startsWith(head.split(' ')[0] + ' ') && desc.includes(T.ui.n_events.replace('{n} ', '')), 'description: ' + desc.slice(0, 100));
			assert(desc.includes(T.ui.caveats_line.split('{kinds}')[0].trim()), 'no caveats in the description: ' + desc);
			assert(got.dates.some((d) => new RegExp('\\b(' + T.dates.months.join('|') + ')\\b').test(d)), 'dates: ' + got.dates.slice(0, 3).join(' | '));
			await page.screenshot({ path: path.join(shotDir, 'lang-embed-' + lang + '-800x500.png') });
			assert(w.errors.length === 0, w.errors.slice(0, 3).join('; '));
			await page.close();
			return got.summary;
		});
	}

	await check('without ?lang the page speaks the briefing\'s language', async () => {
		const want = TABLES[fc.briefing && fc.briefing.language] ? fc.briefing.language : 'en';
		const page = await desk.newPage();
		await page.goto(base + '/?lang=xx', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const html = await page.evaluate(() => document.documentElement.lang);
		assert(html === want, 'lang ' + html + ', briefing says ' + want);
		await page.close();
		return want;
	});
}

run(main);
