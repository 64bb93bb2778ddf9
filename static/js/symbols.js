/* symbols.js: an event's point symbol, the hatch patterns and the line and area styles, by status as the server draws them. */
import { svg } from './dom.js';
import { KINDS, KIND_ORDER, STATUSES, kindColor, glyph } from './style.js';

export const NEUTRAL = '#4d5866';
const C = 12, R = 12;
let clipSerial = 0;

function statusStyle(status) {
	return STATUSES[status] || STATUSES.claimed;
}

/* A disc, or a diamond for threats, of radius r around the symbol's centre. */
function outline(st, r, attrs) {
	if (st.shape === 'diamond') {
		const d = r * 1.18;
		return svg('polygon', Object.assign({ points: [C, C - d, C + d, C, C, C + d, C - d, C].join(' ') }, attrs));
	}
	return svg('circle', Object.assign({ cx: C, cy: C, r }, attrs));
}

/* A hollow outline, dashed (claims, threats) or dotted (hypotheticals), its dashes fitted to its length. */
function hollow(root, st, kind, color) {
	const w = 3, r = R - w / 2;
	const length = st.shape === 'diamond' ? 4 * Math.SQRT2 * 1.18 * r : 2 * Math.PI * r;
	const ring = { fill: '#fff', stroke: color, 'stroke-width': w };
	if (st.hatch) {
		root.appendChild(outline(st, r, { fill: '#fff' }));
		ring.fill = 'url(#bm-hatchs-' + kind + ')';
	}
	if (st.line === 'dashed') {
		ring['stroke-dasharray'] = (length / 8 * 0.6).toFixed(2) + ' ' + (length / 8 * 0.4).toFixed(2);
	} else {
		ring['stroke-dasharray'] = '0.01 ' + (length / 12).toFixed(2);
		ring['stroke-linecap'] = 'round';
	}
	root.appendChild(outline(st, r, ring));
}

/* Half solid, half open: the article's account against its denial; the glyph white over the solid half. */
function half(root, kind, color) {
	const id = 'bm-half-' + (++clipSerial);
	root.appendChild(svg('defs', {}, svg('clipPath', { id }, svg('rect', { x: C, y: -2, width: 14, height: 28 }))));
	root.appendChild(svg('circle', { cx: C, cy: C, r: R, fill: '#fff' }));
	root.appendChild(svg('path', { d: 'M' + C + ' 0A12 12 0 0 1 ' + C + ' 24Z', fill: color }));
	root.appendChild(svg('circle', { cx: C, cy: C, r: R - 0.85, fill: 'none', stroke: color, 'stroke-width': 1.7 }));
	root.appendChild(svg('g', { transform: 'translate(12 12) scale(24)' }, glyph(kind, color, svg)));
	root.appendChild(svg('g', { 'clip-path': 'url(#' + id + ')' }, svg('g', { transform: 'translate(12 12) scale(24)' }, glyph(kind, '#fff', svg))));
}

function badge(root) {
	root.appendChild(svg('circle', { cx: 21.4, cy: 2.6, r: 5.4, fill: '#fff', stroke: '#1d2733', 'stroke-width': 1.3 }));
	const q = svg('text', { x: 21.4, y: 5.6, 'text-anchor': 'middle', 'font-size': 8.5, 'font-weight': 700, fill: '#1d2733', 'font-family': 'system-ui, sans-serif' });
	q.textContent = '?';
	root.appendChild(q);
}

/*
 * The point symbol of an event, as the server's (tiles/symbols.c): the
 * kind's glyph on confirmed a solid disc; reported a solid disc with a white
 * inner ring; claimed a hollow disc with a dashed ring; threatened a hollow
 * diamond with a dashed edge; hypothetical a hatched disc with a dotted
 * ring; disputed a half-filled disc with a "?" badge.
 */
export function eventSymbol(kind, status, size) {
	const st = statusStyle(status), color = kindColor(kind);
	const root = svg('svg', {
		viewBox: '-2 -2 28 28', width: size, height: size,
		'class': 'bm-symbol bm-symbol-' + st.treatment, 'aria-hidden': 'true', focusable: 'false'
	});
	root.appendChild(outline(st, R + 1.5, { fill: '#fff', 'fill-opacity': 0.95 }));
	if (st.fill === 'half') {
		half(root, kind, color);
	} else if (st.fill === 'solid') {
		root.appendChild(outline(st, R, { fill: color }));
		if (st.inner_ring)
			root.appendChild(svg('circle', { cx: C, cy: C, r: R * 0.7, fill: 'none', stroke: '#fff', 'stroke-width': 1.7 }));
		root.appendChild(svg('g', { transform: 'translate(12 12) scale(24)' }, glyph(kind, '#fff', svg)));
	} else {
		hollow(root, st, kind, color);
		root.appendChild(svg('g', { transform: 'translate(12 12) scale(24)' }, glyph(kind, color, svg)));
	}
	if (st.badge)
		badge(root);
	return root;
}

function patternsOf(k, color) {
	const hatch = svg('pattern', { id: 'bm-hatch-' + k, patternUnits: 'userSpaceOnUse', width: 7, height: 7, patternTransform: 'rotate(45)' },
		svg('rect', { width: 7, height: 7, fill: color, 'fill-opacity': 0.07 }),
		svg('line', { x1: 1.5, y1: 0, x2: 1.5, y2: 7, stroke: color, 'stroke-width': 2, 'stroke-opacity': 0.6 }));
	/* Finer, lighter hatching inside point symbols. */
	const fine = svg('pattern', { id: 'bm-hatchs-' + k, patternUnits: 'userSpaceOnUse', width: 5.3, height: 5.3, patternTransform: 'rotate(45)' },
		svg('line', { x1: 1, y1: 0, x2: 1, y2: 5.3, stroke: color, 'stroke-width': 1.1, 'stroke-opacity': 0.45 }));
	/* Stippling: an area the article names only loosely. */
	const dots = svg('pattern', { id: 'bm-dots-' + k, patternUnits: 'userSpaceOnUse', width: 10, height: 10 },
		svg('circle', { cx: 2.5, cy: 2.5, r: 1.1, fill: color, 'fill-opacity': 0.75 }),
		svg('circle', { cx: 7.5, cy: 7.5, r: 1.1, fill: color, 'fill-opacity': 0.75 }));
	return [hatch, fine, dots];
}

/* Hatch patterns live in one hidden SVG in the page: Leaflet's paths can
 * then use fill="url(#bm-hatch-KIND)" from any renderer. */
export function installPatterns() {
	if (document.getElementById('bm-patterns'))
		return;
	const defs = svg('defs', {});
	const colors = { neutral: NEUTRAL };
	for (const k of KIND_ORDER)
		colors[k] = KINDS[k].color;
	for (const [k, color] of Object.entries(colors))
		patternsOf(k, color).forEach((p) => defs.appendChild(p));
	const root = svg('svg', { id: 'bm-patterns', width: 0, height: 0, 'aria-hidden': 'true', focusable: 'false' }, defs);
	root.style.position = 'absolute';
	root.style.width = '0';
	root.style.height = '0';
	document.body.appendChild(root);
}

/* Line and area style of a feature by status; `loose` areas (the
 * article names a region, not a place) are stippled. */
export function pathStyle(kind, status, isArea, loose) {
	const color = kindColor(kind);
	const t = statusStyle(status).treatment;
	const s = { color, weight: 2.2, opacity: 0.95, fillColor: color, fillOpacity: isArea ? 0.1 : 0, dashArray: null, lineCap: 'round' };
	if (t === 'dashed') {
		s.dashArray = '7 5';
	} else if (t === 'hatched') {
		s.dashArray = '2 5';
		s.fillColor = 'url(#bm-hatch-' + kind + ')';
		s.fillOpacity = 1;
	} else if (t === 'disputed') {
		s.dashArray = '1 4 8 4';
	}
	if (loose && isArea && t !== 'hatched') {
		s.fillColor = 'url(#bm-dots-' + kind + ')';
		s.fillOpacity = 1;
	}
	if (!isArea)
		s.fill = false;
	return s;
}

/* A legend swatch: the area treatment beside the point symbol. */
export function statusSwatch(status) {
	const t = statusStyle(status).treatment;
	const rect = { x: 1.5, y: 2, width: 27, height: 14, rx: 2, stroke: NEUTRAL, 'stroke-width': 1.8, fill: NEUTRAL, 'fill-opacity': 0.1 };
	if (t === 'solid') {
		rect['fill-opacity'] = 0.18;
	} else if (t === 'dashed') {
		rect['stroke-dasharray'] = '4.5 3';
	} else if (t === 'hatched') {
		rect.fill = 'url(#bm-hatch-neutral)';
		delete rect['fill-opacity'];
		rect['stroke-dasharray'] = '1.5 3';
	} else {
		rect['stroke-dasharray'] = '1 3 5 3';
	}
	const wrap = document.createElement('span');
	wrap.className = 'bm-swatch';
	wrap.appendChild(svg('svg', { viewBox: '0 0 30 18', width: 30, height: 18, 'aria-hidden': 'true' }, svg('rect', rect)));
	wrap.appendChild(eventSymbol('neutral', status, 18));
	return wrap;
}

/* A Leaflet icon built from DOM nodes each time it is added, so a marker
 * removed by a filter and added back gets a fresh element. */
export const EventIcon = L.Icon.extend({
	options: { kind: 'neutral', status: 'reported', size: 28, offset: [0, 0], eventId: null, label: null },
	createIcon() {
		const o = this.options;
		const div = document.createElement('div');
		div.className = 'leaflet-marker-icon bm-marker bm-kind-' + o.kind + ' bm-status-' + o.status;
		div.appendChild(eventSymbol(o.kind, o.status, o.size));
		const half = o.size / 2;
		div.style.width = o.size + 'px';
		div.style.height = o.size + 'px';
		div.style.marginLeft = (-half + o.offset[0]) + 'px';
		div.style.marginTop = (-half + o.offset[1]) + 'px';
		if (o.eventId != null)
			div.setAttribute('data-event-id', o.eventId);
		if (o.label)
			div.setAttribute('aria-label', o.label);
		return div;
	},
	createShadow() { return null; }
});
