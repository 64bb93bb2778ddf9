/* style-api.js: event kinds, statuses and their symbology as the server declares them (GET api/style); the page keeps no copy. */
(function () {
	'use strict';

	/* The one word app.js draws a status by, read from the server's treatment. */
	function treatmentName(t) {
		if (t.badge)
			return 'disputed';
		if (t.hatch)
			return 'hatched';
		return t.fill === 'solid' ? 'solid' : 'dashed';
	}

	function clear(o) {
		Object.keys(o).forEach(function (k) { delete o[k]; });
	}

	/* Fills the page's tables in place from a /api/style answer, so that
	 * every closure holding them sees the briefing's own kinds. */
	function apply(style, t) {
		clear(t.KINDS);
		t.KIND_ORDER.length = 0;
		(style.kinds || []).forEach(function (k) {
			t.KINDS[k.id] = { label: k.label, color: k.color, glyph: k.glyph, paths: k.paths || [] };
			t.KIND_ORDER.push(k.id);
		});
		clear(t.STATUSES);
		t.STATUS_ORDER.length = 0;
		t.LEGEND_STATUS_ROWS.length = 0;
		var rows = {};
		(style.statuses || []).forEach(function (s) {
			t.STATUSES[s.name] = {
				label: s.label, words: s.words, legend: s.legend, color: s.color,
				treatment: treatmentName(s.treatment || {})
			};
			t.STATUS_ORDER.push(s.name);
			/* Statuses drawn alike share a row, keyed by the one whose label goes first. */
			var row = rows[s.legend_row];
			if (!row) {
				row = rows[s.legend_row] = { status: s.name, label: s.legend_row, note: s.legend_note, rank: s.label_rank };
				t.LEGEND_STATUS_ROWS.push(row);
			} else if (s.label_rank < row.rank) {
				row.status = s.name;
				row.rank = s.label_rank;
			}
		});
		/* Patterns are made per kind colour: the next installPatterns makes them anew. */
		var old = document.getElementById('bm-patterns');
		if (old)
			old.parentNode.removeChild(old);
	}

	/* The kind's glyph: the server's own paths, filled or stroked in `ink`. */
	function glyph(kind, ink, svg) {
		var g = svg('g', {});
		if (!kind || !kind.paths || !kind.paths.length) {
			g.appendChild(svg('circle', { r: 0.15, fill: ink }));
			return g;
		}
		kind.paths.forEach(function (p) {
			if (p.stroke_width)
				g.appendChild(svg('path', { d: p.d, fill: 'none', stroke: ink, 'stroke-width': p.stroke_width, 'stroke-linejoin': 'round' }));
			else
				g.appendChild(svg('path', { d: p.d, fill: ink }));
		});
		return g;
	}

	window.briefmapStyle = { apply: apply, glyph: glyph };
})();
