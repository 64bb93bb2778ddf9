/* style.js: event kinds, statuses and their symbology as the server declares them (GET api/style); the page keeps no copy. */
import { fetchJSON } from './api.js';
import { styleWord } from './i18n.js';

export const KINDS = {};
export const KIND_ORDER = [];
export const STATUSES = {};
export const STATUS_ORDER = [];
export const FALLBACK_KIND = { label: '', color: '#606066', paths: [] };

/* The one word the page draws an area by, read from the server's treatment. */
function treatmentName(t) {
	if (t.badge)
		return 'disputed';
	if (t.hatch)
		return 'hatched';
	return t.fill === 'solid' ? 'solid' : 'dashed';
}

function fill(style) {
	for (const k of style.kinds || []) {
		KINDS[k.id] = { label: k.label, color: k.color, glyph: k.glyph, paths: k.paths || [] };
		KIND_ORDER.push(k.id);
	}
	for (const s of style.statuses || []) {
		STATUSES[s.name] = {
			label: s.label, words: s.words, legend: s.legend, legend_note: s.legend_note, color: s.color,
			shape: (s.treatment || {}).shape, fill: (s.treatment || {}).fill,
			line: (s.treatment || {}).line, inner_ring: !!(s.treatment || {}).inner_ring, badge: !!(s.treatment || {}).badge,
			hatch: !!(s.treatment || {}).hatch, treatment: treatmentName(s.treatment || {})
		};
		STATUS_ORDER.push(s.name);
	}
}

let ready = null;

/* api/style, fetched once; the tables above are filled when it resolves. */
export function loadStyle() {
	if (!ready)
		ready = fetchJSON('api/style').then(fill);
	return ready;
}

export function kindOf(p) {
	return Object.hasOwn(KINDS, p.kind) ? p.kind : KIND_ORDER[KIND_ORDER.length - 1];
}

/* An unknown status is shown as the weakest claim, never as a fact. */
export function statusOf(p) {
	return Object.hasOwn(STATUSES, p.status) ? p.status : 'claimed';
}

export function kindColor(kind) {
	return (KINDS[kind] || FALLBACK_KIND).color;
}

export function kindLabel(kind) {
	return styleWord('kinds', kind, 'label', (KINDS[kind] || FALLBACK_KIND).label);
}

/* A status's `label`, `words` (its plain-words meaning), `legend` or `legend_note`. */
export function statusText(status, field) {
	return styleWord('statuses', status, field, STATUSES[status][field]);
}

/* The kind's glyph: the server's own paths, filled or stroked in `ink`. */
export function glyph(kind, ink, svg) {
	const g = svg('g', {});
	const k = KINDS[kind];
	if (!k || !k.paths.length) {
		g.appendChild(svg('circle', { r: 0.15, fill: ink }));
		return g;
	}
	for (const p of k.paths) {
		if (p.stroke_width)
			g.appendChild(svg('path', { d: p.d, fill: 'none', stroke: ink, 'stroke-width': p.stroke_width, 'stroke-linejoin': 'round' }));
		else
			g.appendChild(svg('path', { d: p.d, fill: ink }));
	}
	return g;
}
