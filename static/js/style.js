/* style.js: event kinds, statuses, their symbology and their words in the reader's language as the server declares them (GET api/style?lang=); the page keeps no copy. */
import { fetchJSON } from './api.js';

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
	for (const o of [KINDS, STATUSES])
		Object.keys(o).forEach((k) => delete o[k]);
	KIND_ORDER.length = 0;
	STATUS_ORDER.length = 0;
	for (const k of style.kinds || []) {
		KINDS[k.id] = { label: k.label, color: k.color, glyph: k.glyph, paths: k.paths || [] };
		KIND_ORDER.push(k.id);
	}
	for (const s of style.statuses || []) {
		STATUSES[s.name] = {
			label: s.label, words: s.words, legend: s.legend, legend_note: s.legend_note, color: s.color,
			count_one: s.count_one, count_other: s.count_other,
			shape: (s.treatment || {}).shape, fill: (s.treatment || {}).fill,
			line: (s.treatment || {}).line, inner_ring: !!(s.treatment || {}).inner_ring, badge: !!(s.treatment || {}).badge,
			hatch: !!(s.treatment || {}).hatch, treatment: treatmentName(s.treatment || {})
		};
		STATUS_ORDER.push(s.name);
	}
}

let ready = null;
let readyLang = null;

/* api/style in `lang` (the server's words of that language, English where it has none), fetched
 * once per language; the tables above are filled with the last one asked for when it resolves. */
export function loadStyle(lang) {
	lang = lang || 'en';
	if (!ready || readyLang !== lang) {
		readyLang = lang;
		/* A language asked for before the reader's was known may answer last: it fills nothing. */
		ready = fetchJSON('api/style?lang=' + encodeURIComponent(lang)).then((style) => {
			if (readyLang === lang)
				fill(style);
		});
	}
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
	return (KINDS[kind] || FALLBACK_KIND).label;
}

/* A status's `label`, `words` (its plain-words meaning), `legend` or `legend_note`. */
export function statusText(status, field) {
	return STATUSES[status][field];
}

/* "3 claimed": a count of events of a status, with the word its number takes (count_one or count_other). */
export function statusCount(status, n) {
	return countWords(STATUSES[status] || { count_one: status, count_other: status }, n);
}

/* The same from a status as api/style gives it, for pages that keep no tables. */
export function countWords(s, n) {
	return n + ' ' + (n === 1 ? s.count_one : s.count_other);
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
