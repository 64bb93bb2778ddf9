/* i18n.js: the reader's language (?lang=, else the briefing's, else <html lang>) and the interface strings of static/i18n/<lang>.json. */

const LANGS = ['en', 'es'];
let table = null;

export function supported(code) {
	code = String(code || '').toLowerCase().split('-')[0];
	return LANGS.includes(code) ? code : null;
}

/* ?lang= wins, then the briefing's own language, then the page's. */
export function pick(briefing, search, htmlLang) {
	const asked = new URLSearchParams(search || '').get('lang');
	return supported(asked) || supported(briefing && briefing.language) || supported(htmlLang) || 'en';
}

function fill(s, vars) {
	return String(s).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
}

/* An interface string of the loaded table; the key itself shows a missing one. */
export function t(key, vars) {
	const s = table && table.ui && table.ui[key];
	return s === undefined ? key : fill(s, vars);
}

/* Every [data-i18n] element's text, [data-i18n-aria-label] and [data-i18n-title] attributes. */
export function apply(doc) {
	doc.documentElement.lang = table.lang;
	for (const e of doc.querySelectorAll('[data-i18n]'))
		e.textContent = t(e.getAttribute('data-i18n'));
	for (const a of ['aria-label', 'title']) {
		for (const e of doc.querySelectorAll('[data-i18n-' + a + ']'))
			e.setAttribute(a, t(e.getAttribute('data-i18n-' + a)));
	}
}

/* Fetches the table of `lang` (relative to the page) and applies it to the document. */
export function load(lang, doc) {
	const url = 'static/i18n/' + lang + '.json';
	return fetch(url, { headers: { Accept: 'application/json' } }).then((r) => {
		if (!r.ok)
			throw new Error(url + ': HTTP ' + r.status);
		return r.json();
	}).then((json) => {
		table = json;
		if (doc)
			apply(doc);
		return json;
	});
}

/* An event's own text in the reader's language when the briefing gives it (title_es). */
export function own(props, field) {
	const l = table && table.lang;
	return (l && l !== 'en' && props && props[field + '_' + l]) || (props && props[field]);
}

export function lang() {
	return table ? table.lang : 'en';
}

export function dates() {
	return table && table.dates;
}
