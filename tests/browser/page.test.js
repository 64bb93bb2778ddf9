// page.test.js: drives the real web map and embed page in headless Chromium against a real `briefmap serve`.
//
// usage: node page.test.js BRIEFMAP_BINARY [SCREENSHOT_DIR]
// (SCREENSHOT_DIR may also come from BRIEFMAP_SCREENSHOTS; default: the current directory)
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const {
	REPO, STEP_TIMEOUT, shotDir, cleanups, check, assert, startServer, launch, watch,
	startDate, waitTiles, eventIdsOnMap, clickableMarker, normalise, popupText, getJSON, run
} = require('./harness');

/* Waits until the map has not moved for half a second: popups pan it after they open. */
async function settled(p) {
	let last = '';
	for (let i = 0; i < 40; i++) {
		const now = await p.evaluate(() => {
			const m = window.briefmap.app.map;
			const c = m.getCenter();
			return m.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5);
		});
		if (now === last)
			return;
		last = now;
		await new Promise((r) => setTimeout(r, 500));
	}
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

	let fc = null, views = null;
	await check('API answers /healthz, /api/events and /api/views', async () => {
		const h = await fetch(base + '/healthz');
		assert(h.ok, '/healthz: HTTP ' + h.status);
		fc = await getJSON(base + '/api/events');
		assert(fc.type === 'FeatureCollection' && Array.isArray(fc.features), 'not a FeatureCollection');
		assert(fc.features.length > 0, 'no events');
		views = await getJSON(base + '/api/views');
		assert(Array.isArray(views) && views.some((v) => v.name === 'caribbean'), 'no caribbean view');
		return fc.features.length + ' events, ' + views.length + ' views';
	});
	if (!fc || !views)
		return;
	await check('the pages\' ES modules: each served as text/javascript, no import cycle', async () => {
		const root = path.join(REPO, 'static');
		const graph = new Map();
		const visit = (rel) => {
			if (graph.has(rel))
				return;
			const text = fs.readFileSync(path.join(root, rel), 'utf8');
			const deps = Array.from(text.matchAll(/^import\s[^;]*?['"](\.{1,2}\/[^'"]+)['"]/gm))
				.map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1])));
			graph.set(rel, deps);
			deps.forEach(visit);
		};
		['app.js', 'embed.js', 'list.js'].forEach(visit);
		const state = new Map();
		const cycle = (rel, trail) => {
			if (state.get(rel) === 'done')
				return null;
			if (state.get(rel) === 'open')
				return trail.concat(rel);
			state.set(rel, 'open');
			for (const d of graph.get(rel)) {
				const c = cycle(d, trail.concat(rel));
				if (c)
					return c;
			}
			state.set(rel, 'done');
			return null;
		};
		for (const rel of graph.keys()) {
			const c = cycle(rel, []);
			assert(!c, 'import cycle: ' + (c || []).join(' -> '));
			const r = await fetch(base + '/static/' + rel);
			assert(r.ok && /^text\/javascript\b/.test(r.headers.get('content-type')), rel + ': HTTP ' + r.status + ' ' + r.headers.get('content-type'));
		}
		return graph.size + ' modules';
	});
	const apiIds = fc.features.map((f) => String(f.properties.id)).sort();
	const byId = new Map(fc.features.map((f) => [String(f.properties.id), f.properties]));

	/* ---- desktop ---- */
	const desk = await launch();
	const page = await desk.newPage();
	const watched = watch(page, base);

	await check('page loads and draws its events', async () => {
		await page.goto(base + '/', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await page.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const title = await page.textContent('.topbar h1');
		assert(/Trump threatens US strikes on Mexican soil/.test(title), 'headline missing: ' + title);
		const brand = await page.textContent('.brand-name');
		assert(brand.trim() === 'briefmap', 'brand missing');
	});

	await check('base tiles load (img.leaflet-tile, naturalWidth > 0)', async () => {
		const t = await waitTiles(page, 4, '/tiles/base/\\d+/\\d+/\\d+(@2x)?\\.png');
		return t.count + ' tiles, e.g. ' + t.sample.replace(base, '') + ' (' + t.width + ' px)';
	});

	await check('one clickable feature per API event', async () => {
		const onMap = await eventIdsOnMap(page);
		assert(onMap.total === apiIds.length, 'elements with data-event-id: ' + onMap.total + ', API features: ' + apiIds.length);
		assert(JSON.stringify(onMap.unique) === JSON.stringify(apiIds), 'ids differ from the API');
		const items = await page.$$eval('#event-list .event-item', (l) => l.length);
		assert(items === apiIds.length, 'list has ' + items + ' items');
		return onMap.total + ' features';
	});

	await check('events list is sorted by date', async () => {
		const order = await page.$$eval('#event-list .event-item', (l) => l.map((b) => b.getAttribute('data-event')));
		const starts = order.map((id) => startDate(byId.get(id).date) || '9999');
		for (let i = 1; i < starts.length; i++)
			assert(starts[i - 1] <= starts[i], 'out of order at ' + order[i]);
	});

	await check('legend explains kinds and statuses; attribution credits the sources', async () => {
		const legend = normalise(await page.textContent('.bm-legend')).toLowerCase();
		for (const word of ['confirmed', 'claimed', 'threatened', 'hypothetical', 'disputed'])
			assert(legend.includes(word), 'legend lacks ' + word);
		const kinds = new Set(fc.features.map((f) => f.properties.kind));
		const boxes = await page.$$eval('.bm-legend input[data-kind]', (l) => l.map((i) => i.getAttribute('data-kind')));
		for (const k of kinds)
			assert(boxes.includes(k), 'no legend toggle for kind ' + k);
		const attr = normalise(await page.textContent('.leaflet-control-attribution'));
		for (const word of ['Natural Earth', 'SimpleMaps', 'CC BY 4.0', 'events: the article'])
			assert(attr.includes(word), 'attribution lacks ' + word);
	});

	await page.screenshot({ path: path.join(shotDir, 'desktop-1440x900.png') });

	let clickedId = null;
	await check('clicking an event opens a popup with its source sentence', async () => {
		const m = await clickableMarker(page);
		assert(m, 'no event symbol can be clicked in the first view');
		clickedId = m.id;
		await page.mouse.click(m.x, m.y);
		const p = byId.get(m.id);
		const text = await popupText(page, p.source);
		await page.waitForTimeout(400);
		assert(normalise(text).includes(normalise(p.source)), 'popup of ' + m.id + ' lacks its source sentence');
		assert(normalise(text).includes(normalise(p.title)), 'popup lacks the title');
		const quote = await page.$eval('.leaflet-popup-content blockquote', (b) => b.textContent);
		assert(normalise(quote).includes(normalise(p.source)), 'source is not in a blockquote');
		await page.waitForFunction((id) => location.hash.includes('event=' + encodeURIComponent(id)), m.id, { timeout: 5000 });
		return m.id;
	});
	await page.screenshot({ path: path.join(shotDir, 'desktop-popup.png') });

	await check('popups name the status in plain words for claims and hypotheticals', async () => {
		const want = { claimed: /not independently confirmed/i, hypothetical: /hypothetical/i, threatened: /threatened/i };
		let seen = 0;
		for (const f of fc.features) {
			const p = f.properties;
			if (!want[p.status])
				continue;
			await page.evaluate((id) => window.briefmap.app.state.layer.open(id), String(p.id));
			const text = await popupText(page, p.title);
			assert(want[p.status].test(text), p.id + ' (' + p.status + ') popup says: ' + normalise(text).slice(0, 120));
			seen++;
		}
		await page.evaluate(() => window.briefmap.app.map.closePopup());
		return seen + ' popups checked';
	});

	await check('choosing an event in the list flies to it and opens its popup', async () => {
		const order = await page.$$eval('#event-list .event-item', (l) => l.map((b) => b.getAttribute('data-event')));
		const target = order.slice().reverse().find((id) => id !== clickedId);
		const before = await page.evaluate(() => {
			const c = window.briefmap.app.map.getCenter();
			return [c.lat, c.lng, window.briefmap.app.map.getZoom()];
		});
		await page.click('#event-list .event-item[data-event="' + target + '"]');
		await page.waitForFunction((id) => {
			const c = document.querySelector('.leaflet-popup-content');
			return c && location.hash.includes('event=' + encodeURIComponent(id));
		}, target, { timeout: STEP_TIMEOUT });
		await popupText(page, byId.get(target).title);
		const after = await page.evaluate((id) => {
			const app = window.briefmap.app;
			const rec = app.state.layer.events.get(id);
			const c = app.map.getCenter();
			return { center: [c.lat, c.lng, app.map.getZoom()], inside: app.map.getBounds().contains(rec.anchor) };
		}, target);
		assert(after.inside, 'the event is not in view after the flight');
		assert(after.center.join() !== before.join(), 'the map did not move');
		const selected = await page.$eval('.event-item.selected', (b) => b.getAttribute('data-event'));
		assert(selected === target, 'list selection is ' + selected);
		return target;
	});

	await check('the URL hash reproduces the view and the selected event', async () => {
		/* A popup's auto-pan may still be running: wait until the hash
		 * says where the map is. */
		await page.waitForFunction(() => {
			const m = /^#([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)/.exec(location.hash);
			const map = window.briefmap.app.map;
			const c = map.getCenter();
			return m && +m[1] === map.getZoom() && Math.abs(+m[2] - c.lat) < 1e-3 && Math.abs(+m[3] - c.lng) < 1e-3;
		}, null, { timeout: 5000 });
		await settled(page);
		const href = page.url();
		assert(/#\d+(\.\d+)?\/-?\d+\.\d+\/-?\d+\.\d+/.test(href), 'hash is ' + new URL(href).hash);
		const want = await page.evaluate(() => {
			const m = window.briefmap.app.map;
			return { lat: m.getCenter().lat, lng: m.getCenter().lng, zoom: m.getZoom(), ev: window.briefmap.app.state.selected };
		});
		const p2 = await desk.newPage();
		const w2 = watch(p2, base);
		await p2.goto(href, { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await p2.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		await settled(p2);
		const got = await p2.evaluate(() => {
			const m = window.briefmap.app.map;
			return { lat: m.getCenter().lat, lng: m.getCenter().lng, zoom: m.getZoom(), ev: window.briefmap.app.state.selected };
		});
		await p2.close();
		assert(Math.abs(got.zoom - want.zoom) < 0.01, 'zoom ' + got.zoom + ' vs ' + want.zoom);
		assert(Math.abs(got.lat - want.lat) < 0.01 && Math.abs(got.lng - want.lng) < 0.01, 'centre differs');
		assert(got.ev === want.ev, 'selected event ' + got.ev + ' vs ' + want.ev);
		assert(w2.errors.length === 0, w2.errors.join('; '));
	});

	await check('the view selector fits a named view', async () => {
		await page.selectOption('#view-select', 'caribbean');
		const v = views.find((x) => x.name === 'caribbean');
		const c = await page.evaluate(() => {
			const m = window.briefmap.app.map.getCenter();
			return [m.lng, m.lat];
		});
		assert(c[0] > v.bbox[0] && c[0] < v.bbox[2] && c[1] > v.bbox[1] && c[1] < v.bbox[3], 'centre ' + c + ' outside the view');
		await waitTiles(page, 4, '/tiles/base/');
	});

	await check('the timeline hides events that had not begun', async () => {
		const dates = Array.from(new Set(fc.features.map((f) => startDate(f.properties.date)).filter(Boolean))).sort();
		assert(dates.length >= 2, 'fewer than two distinct dates');
		const first = dates[0];
		const expect = fc.features.filter((f) => {
			const s = startDate(f.properties.date);
			return s && s <= first;
		}).length;
		await page.locator('#timeline-range').fill('0');
		await page.waitForFunction((n) => document.querySelectorAll('#map [data-event-id]').length === n, expect, { timeout: 5000 })
			.catch(() => {});
		const shown = (await eventIdsOnMap(page)).total;
		assert(shown === expect, 'up to ' + first + ': ' + shown + ' shown, ' + expect + ' expected');
		assert(shown < apiIds.length, 'nothing was hidden');
		const undated = fc.features.filter((f) => !startDate(f.properties.date)).length;
		const said = await page.$eval('#timeline-value', (e) => e.textContent);
		assert(!undated || said.includes(undated + ' undated left out'), 'the timeline says: ' + said);
		const items = await page.$$eval('#event-list .event-item', (l) => l.length);
		assert(items === expect, 'list shows ' + items);
		const href = await page.getAttribute('#export-link', 'href');
		assert(href.includes('until=' + first), 'export link does not carry until=' + first);
		await page.check('#timeline-all');
		await page.waitForFunction((n) => document.querySelectorAll('#map [data-event-id]').length === n, apiIds.length, { timeout: 5000 });
		return 'until ' + first + ': ' + shown + ' of ' + apiIds.length;
	});

	await check('kind toggles hide and show a kind', async () => {
		const kind = fc.features[0].properties.kind;
		const n = fc.features.filter((f) => f.properties.kind === kind).length;
		await page.uncheck('.bm-legend input[data-kind="' + kind + '"]');
		const off = (await eventIdsOnMap(page)).total;
		await page.check('.bm-legend input[data-kind="' + kind + '"]');
		const on = (await eventIdsOnMap(page)).total;
		assert(off === apiIds.length - n && on === apiIds.length, kind + ': ' + off + ' then ' + on);
	});

	await check('Export links a well-formed /render.png of the current view', async () => {
		const href = await page.getAttribute('#export-link', 'href');
		const u = new URL(href, base);
		assert(u.pathname === '/render.png', 'path ' + u.pathname);
		const bbox = (u.searchParams.get('bbox') || '').split(',').map(Number);
		assert(bbox.length === 4 && bbox.every(Number.isFinite), 'bbox ' + u.searchParams.get('bbox'));
		assert(bbox[0] >= -180 && bbox[2] <= 180 && bbox[1] >= -85 && bbox[3] <= 85, 'bbox out of range');
		assert(bbox[0] < bbox[2] && bbox[1] < bbox[3], 'bbox inverted');
		const b = await page.evaluate(() => {
			const x = window.briefmap.app.map.getBounds();
			return [x.getWest(), x.getSouth(), x.getEast(), x.getNorth()];
		});
		assert(bbox.every((v, i) => Math.abs(v - Math.max(-180, Math.min(180, b[i]))) < 0.01 || Math.abs(b[i]) > 85), 'bbox is not the map view');
		assert(/^\d+x\d+$/.test(u.searchParams.get('size') || ''), 'size ' + u.searchParams.get('size'));
		const r = await fetch(u.href);
		assert(r.ok, 'server answers ' + r.status + ' to ' + u.pathname + u.search);
		const png = Buffer.from(await r.arrayBuffer());
		assert(png.slice(1, 4).toString() === 'PNG', 'not a PNG');
		fs.writeFileSync(path.join(shotDir, 'export-caribbean.png'), png);
		return u.search.slice(0, 80) + ' -> ' + png.length + ' bytes';
	});

	await check('Embed dialog gives the iframe, XYZ and TileJSON snippets', async () => {
		await page.click('#embed-button');
		await page.waitForSelector('#embed-dialog[open]', { timeout: 5000 });
		await page.waitForFunction(() => document.getElementById('embed-iframe').value !== '', null, { timeout: 5000 });
		const iframe = await page.inputValue('#embed-iframe');
		assert(iframe.startsWith('<iframe src="' + base + '/embed?view=caribbean"'), 'iframe snippet: ' + iframe);
		const oembed = await getJSON(await page.inputValue('#embed-oembed'));
		assert(iframe === oembed.html + '\n<script async src="' + base + '/static/embed-resize.js"></script>',
			'the snippet is not the oEmbed html and the resize script: ' + iframe);
		const xyz = await page.inputValue('#embed-xyz');
		assert(xyz === base + '/tiles/briefing/{z}/{x}/{y}.png', 'xyz: ' + xyz);
		const tj = await page.inputValue('#embed-tilejson');
		const doc = await getJSON(tj);
		assert(Array.isArray(doc.tiles) && doc.tiles.length > 0, 'TileJSON has no tiles');
		const tile = await fetch(xyz.replace('{z}', '3').replace('{x}', '2').replace('{y}', '3'));
		assert(tile.ok && tile.headers.get('content-type') === 'image/png', 'XYZ template does not give a PNG');
		await page.screenshot({ path: path.join(shotDir, 'desktop-embed-dialog.png') });
		await page.click('#embed-dialog button[value="close"]');
		await page.waitForSelector('#embed-dialog', { state: 'hidden', timeout: 5000 });
	});

	await check('no console error, failed request or outside request on the web map', async () => {
		assert(watched.errors.length === 0, watched.errors.slice(0, 5).join('; '));
		return watched.aborted ? watched.aborted + ' tile loads cancelled by zooming' : '';
	});

	/* ---- embed page ---- */
	const embed = await desk.newPage();
	await embed.setViewportSize({ width: 800, height: 500 });
	const ew = watch(embed, base);
	await check('embed page /embed?view=caribbean shows tiles and every event', async () => {
		await embed.goto(base + '/embed?view=caribbean', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await embed.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const t = await waitTiles(embed, 4, '/tiles/base/');
		const onMap = await eventIdsOnMap(embed);
		assert(onMap.total === apiIds.length, onMap.total + ' features, API has ' + apiIds.length);
		const v = views.find((x) => x.name === 'caribbean');
		const c = await embed.evaluate(() => {
			const m = window.briefmap.embed.map.getCenter();
			return [m.lng, m.lat];
		});
		assert(c[0] > v.bbox[0] && c[0] < v.bbox[2] && c[1] > v.bbox[1] && c[1] < v.bbox[3], 'not fitted to the caribbean view');
		const chrome = await embed.$$('.topbar, .sidebar');
		assert(chrome.length === 0, 'embed page has page chrome');
		const attr = normalise(await embed.textContent('.leaflet-control-attribution'));
		assert(attr.includes('Natural Earth'), 'no attribution');
		await embed.screenshot({ path: path.join(shotDir, 'embed-caribbean-800x500.png') });
		return t.count + ' tiles, ' + onMap.total + ' features';
	});
	await check('embed page popups work', async () => {
		const m = await clickableMarker(embed);
		assert(m, 'no clickable event symbol in the caribbean view');
		await embed.mouse.click(m.x, m.y);
		await popupText(embed, byId.get(m.id).source);
		await embed.waitForTimeout(400);
		await embed.screenshot({ path: path.join(shotDir, 'embed-popup.png') });
		assert(ew.errors.length === 0, ew.errors.slice(0, 5).join('; '));
		return m.id;
	});

	/* ---- phone: a HiDPI touch screen ---- */
	const phoneCtx = await launch({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
	const phone = await phoneCtx.newPage();
	const pw = watch(phone, base);
	await check('phone-sized screen (390x844) shows the map with retina tiles', async () => {
		await phone.goto(base + '/', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await phone.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const t = await waitTiles(phone, 4, '/tiles/base/\\d+/\\d+/\\d+@2x\\.png');
		assert(t.width === 512, '@2x tile is ' + t.width + ' px wide');
		const box = await phone.$eval('#map', (m) => {
			const r = m.getBoundingClientRect();
			return { w: r.width, h: r.height };
		});
		assert(box.w >= 380 && box.h >= 500, 'map is ' + box.w + 'x' + box.h);
		const sheet = await phone.$eval('#sidebar', (s) => s.getBoundingClientRect().top);
		assert(sheet > 700, 'the sheet covers the map (top at ' + sheet + ')');
		const onMap = await eventIdsOnMap(phone);
		assert(onMap.total === apiIds.length, onMap.total + ' features');
		await phone.screenshot({ path: path.join(shotDir, 'phone-390x844.png') });
		return t.count + ' tiles, ' + t.sample.replace(base, '');
	});
	await check('phone: the events sheet opens and its list flies to an event', async () => {
		await phone.tap('#sheet-handle');
		await phone.waitForFunction(() => {
			const s = document.getElementById('sidebar');
			return s.classList.contains('open') && s.getBoundingClientRect().top < 600;
		}, null, { timeout: 5000 });
		await phone.waitForTimeout(300);
		await phone.screenshot({ path: path.join(shotDir, 'phone-sheet.png') });
		const first = await phone.$eval('#event-list .event-item', (b) => b.getAttribute('data-event'));
		await phone.tap('#event-list .event-item[data-event="' + first + '"]');
		await popupText(phone, byId.get(first).source);
		await phone.waitForTimeout(300);
		await phone.screenshot({ path: path.join(shotDir, 'phone-popup.png') });
		assert(pw.errors.length === 0, pw.errors.slice(0, 5).join('; '));
	});

	/* ---- the article's caveats ---- */
	await check('the article\'s caveats are shown above the event list and on the embed', async () => {
		const where = await page.evaluate(() => {
			const c = document.getElementById('caveats'), l = document.getElementById('event-list');
			return c && !c.hidden ? { text: c.textContent, above: c.getBoundingClientRect().top < l.getBoundingClientRect().top,
				height: c.getBoundingClientRect().height } : null;
		});
		assert(where, 'no caveats panel');
		assert(where.above && where.height > 20, 'caveats not above the list: ' + JSON.stringify(where));
		assert(where.text.includes('contradicts itself') && where.text.includes('Undated'), where.text.slice(0, 120));
		const p = await desk.newPage();
		await p.goto(base + '/embed?view=caribbean', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await p.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		const line = await p.$eval('.caveats-embed summary', (e) => e.textContent);
		await p.close();
		assert(/^Caveats about the article: contradiction/.test(line), line);
	});

	/* ---- article text is escaped ---- */
	await check('event text is shown as text, never as markup', async () => {
		const src = process.env.BRIEFMAP_EVENTS || path.join(REPO, 'briefings', 'us-mexico-cartels', 'events.geojson');
		const doc = JSON.parse(fs.readFileSync(src, 'utf8'));
		const evil = '<img src=x id=bm-injected onerror="window.bmInjected=1"><b>bold</b>';
		const pick = doc.features.find((f) => f.geometry && f.geometry.type === 'Point') || doc.features[0];
		pick.properties.title = 'Title ' + evil;
		delete pick.properties.sources; /* the older single quote, not checked without article.txt */
		pick.properties.source = 'Source ' + evil;
		pick.properties.actors = [evil];
		const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'briefmap-events-'));
		const file = path.join(tmp, 'events.geojson');
		fs.writeFileSync(file, JSON.stringify(doc));
		cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
		const s2 = await startServer(['--events', file]);
		const p = await desk.newPage();
		await p.goto(s2.base + '/', { waitUntil: 'load', timeout: STEP_TIMEOUT });
		await p.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
		await p.evaluate((id) => window.briefmap.app.state.layer.open(id), String(pick.properties.id));
		const text = await popupText(p, pick.properties.source);
		const state = await p.evaluate(() => ({
			injected: !!document.getElementById('bm-injected') || !!window.bmInjected,
			bold: document.querySelectorAll('.leaflet-popup-content b, #event-list b').length
		}));
		await p.close();
		assert(!state.injected && state.bold === 0, 'markup from the events file was interpreted');
		assert(text.includes(evil), 'the text was not shown literally');
	});

	/* The server sends no Content-Security-Policy; the pages must keep working under a strict
	 * one (no inline script or style attribute), should it or a proxy in front send one. */
	await check('the map, a popup and the embed run under a strict Content-Security-Policy', async () => {
		const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'";
		const out = [];
		for (const url of ['/', '/embed?view=caribbean']) {
			const p = await desk.newPage();
			const w = watch(p, base);
			const violations = [];
			await p.exposeFunction('bmViolation', (v) => violations.push(v));
			await p.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => window.bmViolation(e.violatedDirective + ' ' + e.blockedURI)));
			await p.route(base + url, async (route) => {
				const r = await route.fetch();
				await route.fulfill({ response: r, headers: Object.assign({}, r.headers(), { 'content-security-policy': csp }) });
			});
			await p.goto(base + url, { waitUntil: 'load', timeout: STEP_TIMEOUT });
			await p.waitForSelector('body.ready', { timeout: STEP_TIMEOUT });
			const layer = await p.evaluate(() => (window.briefmap.app ? 'app' : 'embed'));
			await p.evaluate(([l, id]) => (l === 'app' ? window.briefmap.app.state.layer : window.briefmap.embed.layer).open(id), [layer, apiIds[0]]);
			await p.waitForSelector('.leaflet-popup .bm-popup', { timeout: STEP_TIMEOUT });
			assert(violations.length === 0, url + ': ' + violations.slice(0, 3).join('; '));
			assert(w.errors.length === 0, url + ': ' + w.errors.slice(0, 3).join('; '));
			out.push(url);
			await p.close();
		}
		return out.join(', ') + ' with ' + csp;
	});
}

run(main);
