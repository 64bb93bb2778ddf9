/* map.js: the Leaflet map, its base tiles and attribution, and fitting a view at a whole zoom level. */
import { fetchJSON } from './api.js';
import { t, lang } from './i18n.js';

const WORLD_BOUNDS = [[-85, -180], [85, 180]];
/* Before the briefing's views arrive, or when it has none: the whole world. */
export const VIEW_FALLBACK = { name: 'world', bbox: [-170, -58, 180, 78] };
const ATTRIBUTION_BASE = '<a href="https://www.naturalearthdata.com/">Natural Earth</a> · ' +
	'<a href="https://simplemaps.com/data/world-cities">SimpleMaps</a> ' +
	'(<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>)';

/* The base tiles; URLs are relative to the page, so that it works under any path
 * prefix, carry the base map's revision (from its TileJSON: immutable) and name
 * places in the reader's language. They are shown once both are known (localise),
 * so that no tile is fetched twice. */
function baseTiles() {
	/* {r} is Leaflet's retina hook: '@2x' on HiDPI screens, which the
	 * server answers with tiles drawn at twice the resolution. */
	const tiles = L.tileLayer('tiles/base/{z}/{x}/{y}{r}.png', {
		minZoom: 0, maxZoom: 12, tileSize: 256, noWrap: true, bounds: WORLD_BOUNDS,
		keepBuffer: 3, updateWhenZooming: false, className: 'bm-base-tiles'
	});
	tiles.revision = fetchJSON('tiles/base.json').then((tj) => {
		const m = /[?&]v=([0-9a-f]+)/.exec((tj.tiles || [''])[0]);
		return m ? m[1] : null;
	}).catch(() => null);
	return tiles;
}

function showBaseTiles(map) {
	const tiles = map.baseTiles;
	tiles.revision.then((rev) => {
		const q = [];
		if (rev)
			q.push('v=' + rev);
		/* English is the data's own names: those tiles keep one address. */
		if (lang() !== 'en')
			q.push('lang=' + lang());
		tiles.setUrl('tiles/base/{z}/{x}/{y}{r}.png' + (q.length ? '?' + q.join('&') : ''), true);
		tiles.addTo(map);
	});
}

export function createMap(container, options) {
	options = options || {};
	/* The zoom buttons come with the reader's words (localise). */
	const map = L.map(container, {
		/* Whole zoom levels only: raster tiles scaled by a fraction
		 * blur their labels and show seams between tiles. */
		minZoom: 2, maxZoom: 12, zoomSnap: 1, zoomDelta: 1, wheelPxPerZoomLevel: 90,
		maxBounds: WORLD_BOUNDS, maxBoundsViscosity: 0.9, worldCopyJump: false,
		zoomControl: false, attributionControl: false
	});
	map.attribution = L.control.attribution({ prefix: options.attributionPrefix || false, position: 'bottomright' });
	map.attribution.addAttribution(ATTRIBUTION_BASE);
	map.attribution.addTo(map);
	map.baseTiles = baseTiles();
	return map;
}

/* What Leaflet says in English (zoom buttons, a popup's close button) and the events'
 * credit, in the reader's language: once its table is loaded. */
export function localise(map) {
	if (map.localised)
		return;
	map.localised = true;
	showBaseTiles(map);
	L.control.zoom({ position: 'topleft', zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out') }).addTo(map);
	map.attribution.addAttribution(t('attribution_events'));
	map.on('popupopen', (e) => {
		const close = e.popup.getElement() && e.popup.getElement().querySelector('.leaflet-popup-close-button');
		if (close)
			close.setAttribute('aria-label', t('close_popup'));
	});
}

/* Fits bounds at a whole zoom level, taking the next level up when the
 * view nearly fits it: a region shown large, with its edges trimmed by
 * a few pixels, reads better than the same region small. With `cover`
 * the whole of the bounds stays in view (an embed's named view). */
export function fitWhole(map, bounds, topLeft, bottomRight, cover) {
	topLeft = L.point(topLeft || [0, 0]);
	bottomRight = L.point(bottomRight || [0, 0]);
	const snap = map.options.zoomSnap;
	map.options.zoomSnap = 0;
	const exact = map.getBoundsZoom(bounds, false, topLeft.add(bottomRight));
	map.options.zoomSnap = snap;
	let zoom = !cover && exact - Math.floor(exact) >= 0.9 ? Math.ceil(exact) : Math.floor(exact);
	zoom = Math.max(map.getMinZoom(), Math.min(map.getMaxZoom(), zoom));
	const shift = bottomRight.subtract(topLeft).divideBy(2);
	const sw = map.project(bounds.getSouthWest(), zoom), ne = map.project(bounds.getNorthEast(), zoom);
	map.setView(map.unproject(sw.add(ne).divideBy(2).add(shift), zoom), zoom, { animate: false });
}

export function bboxToBounds(b) {
	return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
}
