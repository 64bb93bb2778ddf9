// embed.test.js: accessibility (axe-core, keyboard) of the web map and the embed, and the embed in
// small iframes on another origin: popups inside the frame, refit on resize, embed-resize.js.
//
// usage: node embed.test.js BRIEFMAP_BINARY [SCREENSHOT_DIR]
'use strict';

const http = require('http');
const path = require('path');
const {
	REPO, STEP_TIMEOUT, shotDir, cleanups, check, assert, startServer, launch, watch, getJSON, run, axe, seriousOnly
} = require('./harness');

const STATUS_WORDS = { confirmed: 'confirmed', reported: 'reported', claimed: 'claimed', threatened: 'threatened', hypothetical: 'hypothetical', disputed: 'disputed' };

/* A page of another origin (a second loopback server) that embeds the map, as a newsroom would. */
function startHost() {
	const pages = new Map();
	const srv = http.createServer((req, res) => {
		const body = pages.get(req.url.split('?')[0]);
		res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end(body || 'not found');
	});
	return new Promise((resolve) => {
		srv.listen(0, '127.0.0.1', () => {
			cleanups.push(() => new Promise((r) => {
				srv.close(() => r());
				srv.closeAllConnections();
			}));
			resolve({ base: 'http://127.0.0.1:' + srv.address().port, pages });
		});
	});
}

function hostPage(inner) {
	return '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Host</title>' +
		'<style>body{margin:0;font:14px sans-serif}iframe{display:block}</style></head><body>' + inner + '</body></html>';
}

async function embedFrame(page, selector) {
	const handle = await page.waitForSelector(selector, { timeout: STEP_TIMEOUT });
	const frame = await handle.contentFrame();
	await frame.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
	return { handle, frame };
}

/* Waits until the frame's map has not moved for about 400 ms (popups pan it when they open). */
async function frameSettled(frame) {
	let last = '', same = 0;
	for (let i = 0; i < 60 && same < 3; i++) {
		const now = await frame.evaluate(() => {
			const m = window.briefmap.embed.map;
			const c = m.getCenter();
			return m.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5);
		});
		same = now === last ? same + 1 : 0;
		last = now;
		await new Promise((r) => setTimeout(r, 120));
	}
}

/* Boxes of the open popup, its close button and the visible map controls, in the frame's pixels. */
async function popupBoxes(frame) {
	return frame.evaluate(() => {
		const box = (e) => {
			const r = e.getBoundingClientRect();
			return { l: Math.round(r.left), t: Math.round(r.top), r: Math.round(r.right), b: Math.round(r.bottom) };
		};
		const pops = Array.from(document.querySelectorAll('.leaflet-popup'));
		const pop = pops[pops.length - 1];
		if (!pop)
			return null;
		const controls = Array.from(document.querySelectorAll('.leaflet-control')).filter((c) =>
			getComputedStyle(c).visibility === 'visible' && c.offsetWidth > 0).map((c) => ({ cls: c.className.split(' ')[0], box: box(c) }));
		return {
			frame: { w: window.innerWidth, h: window.innerHeight },
			popup: box(pop.querySelector('.leaflet-popup-content-wrapper')),
			close: box(pop.querySelector('.leaflet-popup-close-button')),
			title: pop.querySelector('.bm-popup-title').textContent,
			focusInPopup: pop.contains(document.activeElement),
			controls
		};
	});
}

function inside(b, w, h) {
	return b.l >= 0 && b.t >= 0 && b.r <= w && b.b <= h;
}

function overlaps(a, b) {
	return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
}

/* Opens each event's popup from the keyboard (focus its symbol, Enter) in an embed frame and
 * measures it; Escape must close it and give the focus back to the symbol. */
async function popupsFit(frame, events, label) {
	const widths = [];
	for (const f of events) {
		const id = f.properties.id;
		const sel = '[aria-label][data-event-id="' + id + '"], [aria-label][data-event-part="' + id + '"]';
		await frame.focus(sel);
		/* Focus pans the map to a symbol out of view (Leaflet's autoPanOnFocus). */
		await frameSettled(frame);
		await frame.press(sel, 'Enter');
		await frame.waitForFunction((t) => {
			const all = Array.from(document.querySelectorAll('.leaflet-popup .bm-popup-title'));
			return all.length && all[all.length - 1].textContent === t;
		}, f.properties.title, { timeout: STEP_TIMEOUT });
		await frameSettled(frame);
		const m = await popupBoxes(frame);
		assert(m && m.title === f.properties.title, label + ' ' + id + ': no popup');
		assert(inside(m.popup, m.frame.w, m.frame.h), label + ' ' + id + ': popup ' + JSON.stringify(m.popup) + ' outside ' + m.frame.w + 'x' + m.frame.h);
		assert(inside(m.close, m.frame.w, m.frame.h), label + ' ' + id + ': close button ' + JSON.stringify(m.close) + ' outside the frame');
		const under = m.controls.filter((c) => overlaps(c.box, m.popup));
		assert(under.length === 0, label + ' ' + id + ': popup ' + JSON.stringify(m.popup) + ' under ' + JSON.stringify(under));
		assert(m.focusInPopup, label + ' ' + id + ': the popup did not take the focus');
		widths.push(m.popup.r - m.popup.l);
		await frame.press('.leaflet-popup .bm-popup', 'Escape');
		await frame.waitForFunction(() => !document.querySelector('.leaflet-popup'), null, { timeout: 5000 });
		const back = await frame.evaluate(() => {
			const a = document.activeElement;
			return a ? a.getAttribute('data-event-id') || a.getAttribute('data-event-part') : null;
		});
		assert(back === id, label + ' ' + id + ': after Escape the focus is on ' + back);
	}
	return { min: Math.min(...widths), max: Math.max(...widths) };
}

/* Whether the frame's map shows the whole of a view's bbox. */
async function coversView(frame, bbox) {
	return frame.evaluate((bbox) => {
		const b = window.briefmap.embed.map.getBounds();
		const eps = 1e-6;
		return { ok: b.getWest() <= bbox[0] + eps && b.getSouth() <= bbox[1] + eps && b.getEast() >= bbox[2] - eps && b.getNorth() >= bbox[3] - eps,
			bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => +v.toFixed(3)) };
	}, bbox);
}

async function main() {
	let server;
	const started = await check('server starts and says where it listens', async () => {
		server = await startServer();
		return server.base;
	});
	if (!started)
		return;
	const base = server.base;
	const events = (await getJSON(base + '/api/events')).features;
	const views = await getJSON(base + '/api/views');
	const caribbean = views.find((v) => v.name === 'caribbean');
	const withGeometry = events.filter((f) => f.geometry);
	const desk = await launch();
	const found = {};

	/* ---- axe-core ---- */
	const page = await desk.newPage();
	const pw = watch(page, base);
	await page.goto(base + '/', { waitUntil: 'load', timeout: STEP_TIMEOUT });
	await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
	await check('axe-core: no serious or critical violation on / (1440x900)', async () => {
		const v = await axe(page);
		found.page = v.map((x) => x.text);
		assert(seriousOnly(v).length === 0, seriousOnly(v).map((x) => x.text).join('; '));
		return v.length ? 'minor: ' + found.page.join('; ') : 'no violation';
	});
	await check('axe-core: none on / with a popup open', async () => {
		await page.evaluate((id) => window.briefmap.app.state.layer.open(id), 'caracas-raid');
		await page.waitForSelector('.leaflet-popup .bm-popup', { timeout: STEP_TIMEOUT });
		/* Leaflet fades a popup in: contrast is judged once it is opaque, not mid-fade. */
		await page.waitForFunction(() => {
			const p = document.querySelector('.leaflet-popup');
			return p && getComputedStyle(p).opacity === '1';
		}, null, { timeout: STEP_TIMEOUT });
		const v = seriousOnly(await axe(page));
		assert(v.length === 0, v.map((x) => x.text).join('; '));
		await page.keyboard.press('Escape');
		await page.waitForFunction(() => !document.querySelector('.leaflet-popup'), null, { timeout: 5000 });
	});

	const embed = await desk.newPage();
	await embed.setViewportSize({ width: 800, height: 500 });
	const ew = watch(embed, base);
	await embed.goto(base + '/embed?view=caribbean', { waitUntil: 'load', timeout: STEP_TIMEOUT });
	await embed.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
	await check('axe-core: no serious or critical violation on /embed (800x500), list closed and open', async () => {
		const v = await axe(embed);
		found.embed = v.map((x) => x.text);
		await embed.click('#embed-events summary');
		const open = await axe(embed);
		await embed.click('#embed-events summary');
		const bad = seriousOnly(v.concat(open));
		assert(bad.length === 0, bad.map((x) => x.text).join('; '));
		return v.length ? 'minor: ' + found.embed.join('; ') : 'no violation';
	});

	/* ---- names and keyboard ---- */
	await check('every event symbol is named by its title and status; Tab reaches each event once, no shape', async () => {
		const names = await embed.$$eval('#map .bm-marker[aria-label]', (l) => l.map((e) => [
			e.getAttribute('data-event-id') || e.getAttribute('data-event-part'), e.getAttribute('aria-label'), e.getAttribute('role')]));
		for (const f of withGeometry) {
			const p = f.properties;
			const hit = names.filter((n) => n[0] === p.id);
			assert(hit.length === 1, p.id + ' has ' + hit.length + ' named symbols');
			assert(hit[0][1] === p.title + ' — ' + STATUS_WORDS[p.status], p.id + ' is named "' + hit[0][1] + '"');
			assert(hit[0][2] === 'button', p.id + ' role ' + hit[0][2]);
		}
		await embed.focus('#map');
		const reached = [];
		for (let i = 0; i < withGeometry.length + 10; i++) {
			await embed.keyboard.press('Tab');
			const a = await embed.evaluate(() => {
				const e = document.activeElement;
				return { tag: e.tagName, inMap: !!e.closest('#map'), id: e.getAttribute('data-event-id') || e.getAttribute('data-event-part'), label: e.getAttribute('aria-label') };
			});
			assert(a.tag.toLowerCase() !== 'path', 'Tab stops on an SVG shape of ' + a.id);
			if (a.id) {
				assert(a.label, 'Tab stops on an unnamed element of ' + a.id);
				reached.push(a.id);
			}
		}
		const want = withGeometry.map((f) => f.properties.id).sort();
		const got = Array.from(new Set(reached)).sort();
		assert(JSON.stringify(got) === JSON.stringify(want), 'reached ' + got.length + ' of ' + want.length + ': missing ' + want.filter((x) => !got.includes(x)).join(', '));
		assert(reached.length === want.length, reached.length + ' event tab stops for ' + want.length + ' events');
		return reached.length + ' events, ' + reached.length + ' tab stops';
	});

	await check('the embed describes its map: aria-describedby with the counts by status', async () => {
		const d = await embed.evaluate(() => {
			const m = document.getElementById('map');
			const ref = document.getElementById(m.getAttribute('aria-describedby') || '');
			return ref ? ref.textContent : null;
		});
		assert(d, 'no description');
		const by = {};
		events.forEach((f) => { by[f.properties.status] = (by[f.properties.status] || 0) + 1; });
		assert(d.startsWith('Map of ' + caribbean.title + ': ' + events.length + ' events'), d.slice(0, 80));
		for (const st of Object.keys(by))
			assert(d.includes(by[st] + ' ' + STATUS_WORDS[st]), 'no "' + by[st] + ' ' + st + '" in: ' + d);
		return d;
	});

	await check('the embed lists its events in a collapsed <details>; a list entry opens its popup, Escape returns to it', async () => {
		const closed = await embed.$eval('#embed-events', (d) => !d.open && !d.querySelector('.event-list').checkVisibility());
		assert(closed, 'the list is not collapsed at first');
		await embed.focus('#embed-events summary');
		await embed.keyboard.press('Enter');
		const n = await embed.$$eval('#embed-events .event-item', (l) => l.length);
		assert(n === events.length, n + ' entries for ' + events.length + ' events');
		const first = withGeometry[0].properties;
		await embed.focus('#embed-events .event-item[data-event="' + first.id + '"]');
		await embed.keyboard.press('Enter');
		await embed.waitForFunction((t) => Array.from(document.querySelectorAll('.leaflet-popup .bm-popup-title')).some((e) => e.textContent === t),
			first.title, { timeout: STEP_TIMEOUT });
		await embed.keyboard.press('Escape');
		await embed.waitForFunction(() => !document.querySelector('.leaflet-popup'), null, { timeout: 5000 });
		const back = await embed.evaluate(() => document.activeElement.getAttribute('data-event'));
		assert(back === first.id, 'focus after Escape is on ' + back);
		assert(ew.errors.length === 0, ew.errors.slice(0, 5).join('; '));
	});

	await check('web map: Enter on a list entry opens its popup, Escape closes it and the focus returns to the entry', async () => {
		const id = 'caracas-raid';
		await page.focus('#event-list .event-item[data-event="' + id + '"]');
		await page.keyboard.press('Enter');
		await page.waitForFunction(() => {
			const p = document.querySelector('.leaflet-popup .bm-popup');
			return p && p.contains(document.activeElement);
		}, null, { timeout: STEP_TIMEOUT });
		await page.keyboard.press('Escape');
		await page.waitForFunction(() => !document.querySelector('.leaflet-popup'), null, { timeout: 5000 });
		const back = await page.evaluate(() => document.activeElement.getAttribute('data-event'));
		assert(back === id, 'focus after Escape is on ' + back);
	});

	await check('the timeline announces its date in words (aria-valuetext)', async () => {
		const all = await page.getAttribute('#timeline-range', 'aria-valuetext');
		assert(/^All dates/.test(all || ''), 'at first: ' + all);
		await page.focus('#timeline-range');
		await page.keyboard.press('Home');
		const first = await page.getAttribute('#timeline-range', 'aria-valuetext');
		await page.keyboard.press('End');
		const last = await page.getAttribute('#timeline-range', 'aria-valuetext');
		const words = /^Events begun by ((\d{1,2} )?(January|February|March|April|May|June|July|August|September|October|November|December) )?\d{4}$/;
		assert(words.test(first || ''), 'first: ' + first);
		assert(words.test(last || '') && last !== first, 'last: ' + last);
		await page.check('#timeline-all');
		assert(pw.errors.length === 0, pw.errors.slice(0, 5).join('; '));
		return first + ' … ' + last;
	});

	await check('/?view=NAME opens the web map on that view (the page urls oEmbed accepts)', async () => {
		const p = await desk.newPage();
		await p.setViewportSize({ width: 1200, height: 800 });
		await p.goto(base + '/?view=caribbean', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await p.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const r = await p.evaluate(() => ({
			chosen: document.getElementById('view-select').value,
			described: document.getElementById('map-description').textContent
		}));
		await p.close();
		assert(r.chosen === 'caribbean', 'view ' + r.chosen);
		assert(r.described.startsWith('Map of ' + caribbean.title + ':'), r.described.slice(0, 80));
	});

	/* ---- the embed in small frames on another origin ---- */
	const host = await startHost();
	const src = base + '/embed?view=caribbean';
	host.pages.set('/300x250', hostPage('<iframe id="f" src="' + src + '" width="300" height="250" style="border:0" title="Map"></iframe>'));
	host.pages.set('/360x640', hostPage('<iframe id="f" src="' + src + '" width="360" height="640" style="border:0" title="Map"></iframe>'));
	const frames = await desk.newPage();
	await frames.setViewportSize({ width: 1000, height: 900 });
	const fw = watch(frames, base, [host.base]);
	const measured = {};
	for (const size of ['300x250', '360x640']) {
		await check('embed in a ' + size + ' iframe: each popup and its close button inside the frame, no control over it', async () => {
			await frames.goto(host.base + '/' + size, { waitUntil: 'load', timeout: STEP_TIMEOUT });
			const { frame } = await embedFrame(frames, '#f');
			/* Every event in the smallest frame; every other one in the taller frame, for time. */
			const which = size === '300x250' ? withGeometry : withGeometry.filter((f, i) => i % 2 === 0);
			measured[size] = await popupsFit(frame, which, size);
			const ev = withGeometry.find((f) => f.properties.id === 'caracas-raid') || withGeometry[0];
			await frame.focus('[aria-label][data-event-id="' + ev.properties.id + '"], [aria-label][data-event-part="' + ev.properties.id + '"]');
			await frame.press(':focus', 'Enter');
			await frame.waitForSelector('.leaflet-popup .bm-popup', { timeout: STEP_TIMEOUT });
			await frameSettled(frame);
			const m = await popupBoxes(frame);
			await frames.screenshot({ path: path.join(shotDir, 'iframe-' + size + '-popup.png'), clip: { x: 0, y: 0, width: m.frame.w, height: m.frame.h } });
			measured[size].sample = m.popup;
			measured[size].close = m.close;
			await frame.press('.leaflet-popup .bm-popup', 'Escape');
			return which.length + ' popups ' + measured[size].min + '-' + measured[size].max + ' px wide; caracas-raid popup ' + JSON.stringify(m.popup) + ', close ' + JSON.stringify(m.close);
		});
	}
	await check('a resized iframe refits its view: the map still shows the whole named view', async () => {
		await frames.goto(host.base + '/300x250', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		const { frame } = await embedFrame(frames, '#f');
		const sizes = [[300, 250], [640, 400], [360, 640], [900, 300]];
		const out = [];
		for (const [w, h] of sizes) {
			await frames.evaluate(([w, h]) => {
				const f = document.getElementById('f');
				f.width = w;
				f.height = h;
			}, [w, h]);
			await frame.waitForFunction(([w]) => window.innerWidth === w && window.briefmap.embed.map.getSize().x === w, [w], { timeout: 5000 });
			await frameSettled(frame);
			const c = await coversView(frame, caribbean.bbox);
			assert(c.ok, w + 'x' + h + ': bounds ' + c.bounds.join(',') + ' do not cover ' + caribbean.bbox.join(','));
			out.push(w + 'x' + h + ' z' + (await frame.evaluate(() => window.briefmap.embed.map.getZoom())));
		}
		return out.join(', ');
	});

	/* ---- oEmbed discovery, the oEmbed html, embed-resize.js ---- */
	let oembed;
	await check('the embed page links its oEmbed; the oEmbed answer is a rich iframe of the embed within maxwidth/maxheight', async () => {
		const href = await embed.evaluate(() => {
			const l = document.querySelector('link[rel="alternate"][type="application/json+oembed"]');
			return l ? l.getAttribute('href') : null;
		});
		assert(href, 'no oEmbed discovery link');
		const u = new URL(href, base);
		assert(u.origin === base && u.pathname === '/oembed', 'discovery link ' + href);
		assert(new URL(u.searchParams.get('url')).searchParams.get('view') === 'caribbean', 'discovery url ' + u.searchParams.get('url'));
		u.searchParams.set('maxwidth', '360');
		u.searchParams.set('maxheight', '600');
		oembed = await getJSON(u.href);
		assert(oembed.type === 'rich' && oembed.version === '1.0' && oembed.provider_name === 'briefmap', JSON.stringify(oembed).slice(0, 120));
		assert(oembed.width <= 360 && oembed.height <= 600, oembed.width + 'x' + oembed.height);
		assert(new RegExp('^<iframe src="' + base.replace(/\./g, '\\.') + '/embed\\?view=caribbean"').test(oembed.html), oembed.html);
		return oembed.width + 'x' + oembed.height + ' ' + oembed.title;
	});
	await check('plain iframe without embed-resize.js: the height stays, the list opens over the map inside the frame', async () => {
		host.pages.set('/plain', hostPage(oembed.html + '<p id="after">After the map</p>'));
		await frames.goto(host.base + '/plain', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		const { handle, frame } = await embedFrame(frames, 'iframe');
		const h0 = await handle.evaluate((f) => f.getBoundingClientRect().height);
		await frame.click('#embed-events summary');
		await frames.waitForTimeout(300);
		const h1 = await handle.evaluate((f) => f.getBoundingClientRect().height);
		const list = await frame.$eval('#embed-events .event-list', (l) => {
			const r = l.getBoundingClientRect();
			return { t: r.top, b: r.bottom, scroll: l.scrollHeight > l.clientHeight, h: window.innerHeight };
		});
		assert(h1 === h0 && h0 === oembed.height, 'iframe height ' + h0 + ' -> ' + h1 + ' (oEmbed says ' + oembed.height + ')');
		assert(list.t >= 0 && list.b <= list.h, 'list ' + list.t + '..' + list.b + ' outside the frame of ' + list.h);
		return 'height ' + h1 + ', list ' + Math.round(list.t) + '..' + Math.round(list.b) + (list.scroll ? ', scrolls' : '');
	});
	await check('with embed-resize.js the iframe grows to its content when the list opens, and shrinks back', async () => {
		host.pages.set('/resize', hostPage(oembed.html + '<script async src="' + base + '/static/embed-resize.js"></script><p id="after">After the map</p>'));
		await frames.goto(host.base + '/resize', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		const { handle, frame } = await embedFrame(frames, 'iframe');
		await frame.waitForSelector('body.embed-auto', { timeout: STEP_TIMEOUT });
		const h0 = await handle.evaluate((f) => f.getBoundingClientRect().height);
		await frame.click('#embed-events summary');
		await frames.waitForFunction((h0) => document.querySelector('iframe').getBoundingClientRect().height > h0 + 100, h0, { timeout: 5000 });
		const m = await frame.evaluate(() => ({ doc: Math.ceil(document.body.getBoundingClientRect().height), inner: window.innerHeight, scroll: document.scrollingElement.scrollHeight }));
		const h1 = await handle.evaluate((f) => f.getBoundingClientRect().height);
		assert(Math.abs(h1 - m.doc) <= 1 && m.scroll <= m.inner + 1, 'iframe ' + h1 + ' px for content of ' + m.doc + ' px (scrollHeight ' + m.scroll + ')');
		await frames.screenshot({ path: path.join(shotDir, 'iframe-auto-height.png'), fullPage: true });
		await frame.click('#embed-events summary');
		await frames.waitForFunction((h0) => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h0) <= 1, h0, { timeout: 5000 });
		assert(fw.errors.length === 0, fw.errors.slice(0, 5).join('; '));
		return h0 + ' -> ' + h1 + ' -> ' + h0 + ' px';
	});

	console.log('axe before/after: / ' + JSON.stringify(found.page) + '; /embed ' + JSON.stringify(found.embed));
	console.log('popup widths: ' + JSON.stringify(measured));
}

run(main);
