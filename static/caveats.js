/* caveats.js: the article's caveats above the event list and on the embed, and the one rule that formats event dates. */
/*
 * Loaded by the page as a module (import './caveats.js', which sets
 * globalThis.BriefmapCaveats) and by node's require() in the date rule's test.
 */
(function (factory) {
	'use strict';
	var api = factory();
	if (typeof module === 'object' && module.exports)
		module.exports = api;
	else
		globalThis.BriefmapCaveats = api;
})(function () {
	'use strict';

	/* Under node (the date rule's test) the words are the English table's. */
	var EN = typeof module === 'object' && module.exports && typeof require === 'function' ? require('./i18n/en.json') : null;

	/* `t` (i18n.js) or, under node, the English table. */
	function word(t, key, vars) {
		if (t)
			return t(key, vars);
		return fill(EN.ui[key], vars || {});
	}

	function fill(s, vars) {
		return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
	}

	/* One ISO date as words: "2022", "March 2024", "15 June 2024"; null if it is not one. */
	function dateWords(iso, D) {
		var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(iso || '');
		if (!m || (m[2] && (+m[2] < 1 || +m[2] > 12)))
			return null;
		if (!m[2])
			return m[1];
		var month = D.months[+m[2] - 1];
		if (!m[3])
			return fill(D.month, { month: month, y: m[1] });
		return fill(D.day, { d: +m[3], month: month, y: m[1] });
	}

	/*
	 * The rule of geodata_date_format_lang (geodata/geodata.h), case for case
	 * (tests/events/date_format_cases.json) in the words of `D` (a "dates"
	 * table of static/i18n): no date reads "Undated"
	 * with the article's words; "A/B" reads "A to B"; "A/.." reads "since A";
	 * a day at week precision reads "week of ...".
	 */
	function formatDate(date, precision, dateText, D) {
		if (!D)
			return date ? String(date) : '';
		if (!date)
			return dateText ? fill(D.undated_said, { text: dateText }) : D.undated;
		var parts = String(date).split('/');
		var a = dateWords(parts[0], D);
		if (!a)
			return String(date);
		var day = parts[0].length === 10, week = precision === 'week' && day;
		if (parts.length === 1)
			return (week ? D.week : '') + a;
		if (parts[1] === '..')
			return (day && !week ? D.since_day : D.since) + (week ? D.week : '') + a;
		var b = dateWords(parts[1], D);
		if (!b)
			return String(date);
		if (week)
			return D.week + a + D.to_day + b;
		return (day ? D.from_day : D.from) + a + (day ? D.to_day : D.to) + b;
	}

	function shortLine(caveats, t) {
		var order = ['contradiction', 'inaccuracy', 'undated', 'other'], parts = [];
		order.forEach(function (k) {
			var n = caveats.filter(function (c) { return c.kind === k; }).length;
			if (n)
				parts.push(word(t, 'caveat_' + k) + (n > 1 ? ' (' + n + ')' : ''));
		});
		return word(t, 'caveats_title') + ': ' + parts.join('; ');
	}

	function list(doc, caveats, t) {
		var ul = doc.createElement('ul');
		ul.className = 'caveats-list';
		caveats.forEach(function (c) {
			var li = doc.createElement('li');
			var b = doc.createElement('strong');
			var kind = ['contradiction', 'inaccuracy', 'undated'].indexOf(c.kind) >= 0 ? c.kind : 'other';
			b.textContent = word(t, 'caveat_title_' + kind) + ': ';
			li.appendChild(b);
			li.appendChild(doc.createTextNode(String(c.text || '')));
			ul.appendChild(li);
		});
		return ul;
	}

	function valid(briefing) {
		return briefing && Array.isArray(briefing.caveats) ? briefing.caveats.filter(function (c) {
			return c && typeof c.text === 'string';
		}) : [];
	}

	/* Fills the page's caveats panel (above the event list); hides it when there are none. */
	function show(briefing, panel, t) {
		if (!panel)
			return;
		var caveats = valid(briefing);
		panel.textContent = '';
		panel.hidden = caveats.length === 0;
		if (!caveats.length)
			return;
		var doc = panel.ownerDocument;
		/* Always in sight above the list, never crowding it out of the sidebar. */
		panel.style.flex = '0 0 auto';
		panel.style.maxHeight = '30vh';
		panel.style.overflowY = 'auto';
		panel.tabIndex = 0;
		var h = doc.createElement('h2');
		h.id = 'caveats-title';
		h.textContent = word(t, 'caveats_title');
		panel.setAttribute('aria-labelledby', h.id);
		panel.appendChild(h);
		panel.appendChild(list(doc, caveats, t));
	}

	/* The embed's caveats: one line over the map that opens to the full list. */
	function showOnEmbed(briefing, container, t) {
		var caveats = valid(briefing);
		if (!container || !caveats.length)
			return null;
		var doc = container.ownerDocument;
		var box = doc.createElement('details');
		/* Its look is style.css's (.caveats-embed): no inline style, for a strict style-src. */
		box.className = 'caveats caveats-embed';
		var s = doc.createElement('summary');
		s.textContent = shortLine(caveats, t);
		box.appendChild(s);
		box.appendChild(list(doc, caveats, t));
		container.appendChild(box);
		return box;
	}

	return { formatDate: formatDate, show: show, showOnEmbed: showOnEmbed, shortLine: shortLine };
});
