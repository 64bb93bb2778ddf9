/* i18n.js: the reader's language (?lang=, else the briefing's, else <html lang>) and the interface strings of static/i18n/<lang>.json. */
(function (root, factory) {
	'use strict';
	var api = factory();
	if (typeof module === 'object' && module.exports)
		module.exports = api;
	else
		root.BriefmapI18n = api;
})(this, function () {
	'use strict';

	var LANGS = ['en', 'es'];
	var table = null;

	function supported(code) {
		code = String(code || '').toLowerCase().split('-')[0];
		return LANGS.indexOf(code) >= 0 ? code : null;
	}

	/* ?lang= wins, then the briefing's own language, then the page's. */
	function pick(briefing, search, htmlLang) {
		var asked = new URLSearchParams(search || '').get('lang');
		return supported(asked) || supported(briefing && briefing.language) || supported(htmlLang) || 'en';
	}

	function fill(s, vars) {
		return String(s).replace(/\{(\w+)\}/g, function (m, k) {
			return vars && k in vars ? String(vars[k]) : m;
		});
	}

	/* An interface string of the loaded table; the key itself shows a missing one. */
	function t(key, vars) {
		var s = table && table.ui && table.ui[key];
		return s === undefined ? key : fill(s, vars);
	}

	/* Every [data-i18n] element's text, [data-i18n-aria-label] and [data-i18n-title] attributes. */
	function apply(doc) {
		doc.documentElement.lang = table.lang;
		Array.prototype.forEach.call(doc.querySelectorAll('[data-i18n]'), function (e) {
			e.textContent = t(e.getAttribute('data-i18n'));
		});
		['aria-label', 'title'].forEach(function (a) {
			Array.prototype.forEach.call(doc.querySelectorAll('[data-i18n-' + a + ']'), function (e) {
				e.setAttribute(a, t(e.getAttribute('data-i18n-' + a)));
			});
		});
	}

	/* Fetches the table of `lang` (relative to the page) and applies it to the document. */
	function load(lang, doc) {
		return fetch('static/i18n/' + lang + '.json', { headers: { Accept: 'application/json' } }).then(function (r) {
			if (!r.ok)
				throw new Error('static/i18n/' + lang + '.json: HTTP ' + r.status);
			return r.json();
		}).then(function (json) {
			table = json;
			if (doc)
				apply(doc);
			return json;
		});
	}

	/* An event's own text in the reader's language when the briefing gives it (title_es). */
	function own(props, field) {
		var l = table && table.lang;
		return (l && l !== 'en' && props && props[field + '_' + l]) || (props && props[field]);
	}

	return {
		pick: pick, load: load, t: t, own: own, supported: supported,
		use: function (json) { table = json; },
		lang: function () { return table ? table.lang : 'en'; },
		dates: function () { return table && table.dates; }
	};
});
