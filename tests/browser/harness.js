// harness.js: what the browser tests share: a real `briefmap serve` on a free port, headless
// Chromium from Debian, named checks that print PASS/FAIL and a closing "N passed, N failed".
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const { chromium } = require(require.resolve('playwright-core', { paths: [REPO] }));

const CHROMIUM = process.env.BRIEFMAP_CHROMIUM || '/usr/bin/chromium';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STEP_TIMEOUT = 20000;

/* Absolute: the server runs from the repository root, not from here. */
const binary = process.argv[2] ? path.resolve(process.argv[2]) : null;
const shotDir = path.resolve(process.argv[3] || process.env.BRIEFMAP_SCREENSHOTS || '.');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js', { paths: [REPO] }), 'utf8');
/* axe-core in the page or frame; returns every violation as "impact rule (n nodes: first target)".
 * A rule that threw is skipped by axe and reported only as incomplete: it counts here as a critical
 * violation, so that a check is never silently not made. Leaflet blends its tiles with
 * `mix-blend-mode: plus-lighter`, which axe-core 4.11 cannot compute: color-contrast threw on every
 * run made once a tile was in the DOM and judged the page only when no tile had arrived yet. The
 * audit sees the tiles unblended (they are opaque images either way), the page keeps the blending. */
async function axe(target) {
	if (!(await target.evaluate(() => !!window.axe)))
		await target.evaluate(AXE);
	const r = await target.evaluate(async () => {
		const style = document.createElement('style');
		style.textContent = '.leaflet-container img.leaflet-tile { mix-blend-mode: normal !important; }';
		document.head.appendChild(style);
		try {
			return await window.axe.run(document, { resultTypes: ['violations'] });
		} finally {
			style.remove();
		}
	});
	const errors = r.incomplete.filter((v) => v.error).map((v) => ({
		impact: 'critical', id: v.id, n: v.nodes.length,
		text: 'critical ' + v.id + ' (rule error: ' + String(v.error.message || v.error).split('\n')[0] + ')'
	}));
	return errors.concat(r.violations.map((v) => ({
		impact: v.impact, id: v.id, n: v.nodes.length,
		text: v.impact + ' ' + v.id + ' (' + v.nodes.length + ': ' + v.nodes[0].target.join(' ') + ')'
	})));
}

function seriousOnly(list) {
	return list.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

let passed = 0;
let failed = 0;
const cleanups = [];

function report(name, ok, detail) {
	if (ok)
		passed++;
	else
		failed++;
	console.log((ok ? 'PASS ' : 'FAIL ') + name + (detail ? ': ' + detail : ''));
}

/* Runs one named check; an exception is a failure with its message. */
async function check(name, fn) {
	const t0 = Date.now();
	try {
		const detail = await fn();
		if (process.env.BRIEFMAP_TEST_TIMES)
			name += ' [' + (Date.now() - t0) + ' ms]';
		report(name, true, typeof detail === 'string' ? detail : '');
		return true;
	} catch (e) {
		report(name, false, e && e.message ? e.message.split('\n')[0] : String(e));
		return false;
	}
}

function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

/* Starts `briefmap serve` on a free port and resolves with its base URL once
 * it says it is serving. */
function startServer(extraArgs) {
	return new Promise((resolve, reject) => {
		const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0'].concat(extraArgs || []), {
			cwd: REPO, stdio: ['ignore', 'ignore', 'pipe']
		});
		let buf = '';
		let done = false;
		const timer = setTimeout(() => {
			if (!done) {
				done = true;
				child.kill('SIGTERM');
				reject(new Error('server did not say it was serving within 30 s; stderr: ' + buf.slice(-500)));
			}
		}, 30000);
		child.stderr.on('data', (d) => {
			buf += d.toString();
			const m = /briefmap: serving on (http:\/\/[^\s/]+)\//.exec(buf);
			if (m && !done) {
				done = true;
				clearTimeout(timer);
				resolve({ child, base: m[1], log: () => buf });
			}
		});
		child.on('error', (e) => {
			if (!done) {
				done = true;
				clearTimeout(timer);
				reject(e);
			}
		});
		child.on('exit', (code, sig) => {
			if (!done) {
				done = true;
				clearTimeout(timer);
				reject(new Error('server exited (' + (code !== null ? 'status ' + code : sig) + '): ' + buf.slice(-500)));
			}
		});
		cleanups.push(() => new Promise((res) => {
			if (child.exitCode !== null || child.signalCode !== null)
				return res();
			child.once('exit', () => res());
			child.kill('SIGTERM');
			setTimeout(() => {
				if (child.exitCode === null)
					child.kill('SIGKILL');
			}, 5000);
		}));
	});
}

/* The browser is not under test: meson's MALLOC_PERTURB_ (meant for our C
 * code, which the server still gets) only slows Chromium down and crashes
 * its renderers. */
function browserEnv() {
	const env = Object.assign({}, process.env);
	delete env.MALLOC_PERTURB_;
	return env;
}

async function launch(contextOptions) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'briefmap-chromium-'));
	const ctx = await chromium.launchPersistentContext(dir, Object.assign({
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		env: browserEnv(),
		viewport: { width: 1440, height: 900 }
	}, contextOptions || {}));
	cleanups.push(async () => {
		await ctx.close().catch(() => {});
		fs.rmSync(dir, { recursive: true, force: true });
	});
	return ctx;
}

/* Watches a page for console errors, page errors, failed requests, HTTP
 * errors and any request that leaves the server (the page must work with no
 * internet). Tile requests that Leaflet cancels on purpose while zooming
 * (net::ERR_ABORTED) are counted apart and are not failures. `others`: origins
 * also allowed (a host page that embeds the map). */
function watch(page, base, others) {
	const allowed = [base].concat(others || []);
	const w = { errors: [], aborted: 0 };
	page.on('console', (m) => {
		if (m.type() === 'error')
			w.errors.push('console error: ' + m.text());
	});
	page.on('pageerror', (e) => w.errors.push('page error: ' + e.message));
	page.on('request', (r) => {
		const u = r.url();
		if (!allowed.some((b) => u.startsWith(b + '/')) && !u.startsWith('data:') && !u.startsWith('blob:') && u !== 'about:blank')
			w.errors.push('request outside the server: ' + u);
	});
	page.on('requestfailed', (r) => {
		const why = r.failure() ? r.failure().errorText : '';
		if (why === 'net::ERR_ABORTED' && new URL(r.url(), base).pathname.startsWith('/tiles/'))
			w.aborted++;
		else if (!r.url().startsWith('data:'))
			w.errors.push('request failed: ' + r.url() + ' ' + why);
	});
	page.on('response', (r) => {
		if (r.status() >= 400)
			w.errors.push('HTTP ' + r.status() + ': ' + r.url());
	});
	return w;
}

function startDate(date) {
	if (typeof date !== 'string')
		return null;
	const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(date.split('/')[0].trim());
	return m ? m[1] + '-' + (m[2] || '01') + '-' + (m[3] || '01') : null;
}

async function waitTiles(page, min, pattern) {
	await page.waitForFunction(({ min, pattern }) => {
		const imgs = Array.from(document.querySelectorAll('img.leaflet-tile.leaflet-tile-loaded'));
		const ok = imgs.filter((i) => i.complete && i.naturalWidth > 0 && new RegExp(pattern).test(i.src));
		return ok.length >= min;
	}, { min, pattern }, { timeout: STEP_TIMEOUT });
	return page.evaluate(() => {
		const imgs = Array.from(document.querySelectorAll('img.leaflet-tile.leaflet-tile-loaded'));
		return { count: imgs.length, sample: imgs.length ? imgs[0].src : '', width: imgs.length ? imgs[0].naturalWidth : 0 };
	});
}

async function eventIdsOnMap(page) {
	return page.evaluate(() => {
		const ids = Array.from(document.querySelectorAll('#map [data-event-id]')).map((e) => e.getAttribute('data-event-id'));
		return { total: ids.length, unique: Array.from(new Set(ids)).sort() };
	});
}

/* A point symbol whose centre is on screen and not hidden under another
 * element (legend, other symbol): what a reader can actually click. */
async function clickableMarker(page, exclude) {
	return page.evaluate((exclude) => {
		const map = document.getElementById('map').getBoundingClientRect();
		const marks = Array.from(document.querySelectorAll('#map .leaflet-marker-icon[data-event-id]'));
		for (const m of marks) {
			const id = m.getAttribute('data-event-id');
			if (exclude && exclude.includes(id))
				continue;
			const r = m.getBoundingClientRect();
			const x = r.left + r.width / 2, y = r.top + r.height / 2;
			if (x < map.left + 2 || y < map.top + 2 || x > map.right - 2 || y > map.bottom - 2)
				continue;
			const hit = document.elementFromPoint(x, y);
			if (hit && hit.closest('[data-event-id]') === m)
				return { id, x, y };
		}
		return null;
	}, exclude || []);
}

function normalise(s) {
	return String(s).replace(/\s+/g, ' ').trim();
}

/* The text of the open popup that mentions `needle` (a closing popup
 * lingers for its fade-out, so the first one found may be the old one). */
async function popupText(page, needle) {
	const handle = await page.waitForFunction((needle) => {
		const norm = (s) => s.replace(/\s+/g, ' ').trim();
		const all = Array.from(document.querySelectorAll('.leaflet-popup-content'));
		const hit = all.reverse().find((e) => norm(e.textContent).includes(norm(needle)));
		return hit ? hit.textContent : null;
	}, needle, { timeout: STEP_TIMEOUT }).catch(() => null);
	if (!handle) {
		const seen = await page.$$eval('.leaflet-popup-content', (l) => l.map((e) => e.textContent.slice(0, 80)));
		throw new Error('no popup showing "' + normalise(needle).slice(0, 60) + '"; popups: ' + JSON.stringify(seen));
	}
	return handle.jsonValue();
}

async function getJSON(url) {
	const r = await fetch(url);
	assert(r.ok, url + ': HTTP ' + r.status);
	return r.json();
}

let finishing = false;
async function finish() {
	if (finishing)
		return;
	finishing = true;
	for (const c of cleanups.reverse())
		await c().catch(() => {});
	console.log(passed + ' passed, ' + failed + ' failed');
	process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

/* Ends the run with its summary before meson's 180 s limit kills it. */
const WATCHDOG_MS = +(process.env.BRIEFMAP_BROWSER_TEST_DEADLINE_MS || 165000);
setTimeout(() => {
	report('test run', false, 'still running after ' + WATCHDOG_MS / 1000 + ' s, stopped');
	finish();
}, WATCHDOG_MS).unref();

/* Runs a test's main(), then the clean-ups and the summary. */
function run(main) {
	if (!binary) {
		console.error('usage: node ' + path.basename(process.argv[1]) + ' BRIEFMAP_BINARY [SCREENSHOT_DIR]');
		process.exit(2);
	}
	fs.mkdirSync(shotDir, { recursive: true });
	main().catch((e) => {
		report('test run', false, e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
	}).finally(finish);
}

module.exports = {
	REPO, CHROMIUM_ARGS, STEP_TIMEOUT, shotDir, cleanups, check, assert, startServer, launch, watch,
	startDate, waitTiles, eventIdsOnMap, clickableMarker, normalise, popupText, getJSON, run, axe, seriousOnly
};
