/* list.js: the list page: one card per briefing from /api/briefings. */
(function () {
	'use strict';
	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined && text !== null) e.textContent = text;
		return e;
	}
	function card(b) {
		var li = el('li', 'card');
		var href = 'b/' + encodeURIComponent(b.slug) + '/';
		var a = el('a', 'card-link');
		a.href = href;
		if (b.served && b.thumbnail_view) {
			var img = el('img', 'thumb');
			img.src = href + 'render.png?view=' + encodeURIComponent(b.thumbnail_view) + '&size=320x200&bare=1';
			img.width = 320; img.height = 200; img.loading = 'lazy';
			img.alt = 'Map of ' + (b.title || b.slug);
			a.appendChild(img);
		}
		a.appendChild(el('h2', null, b.title || b.slug));
		li.appendChild(a);
		var art = b.article || {};
		if (art.headline) li.appendChild(el('p', 'headline', art.headline));
		var meta = [art.outlet || 'outlet unknown', art.published || 'undated'];
		li.appendChild(el('p', 'meta', meta.join(' · ')));
		var counts = b.status_counts || {};
		var parts = Object.keys(counts).filter(function (k) { return counts[k] > 0; })
			.map(function (k) { return counts[k] + ' ' + k; });
		li.appendChild(el('p', 'counts', (b.events || 0) + ' events' + (parts.length ? ': ' + parts.join(', ') : '')));
		(b.caveats || []).forEach(function (c) { li.appendChild(el('p', 'caveat', c.text)); });
		if (b.problem) li.appendChild(el('p', 'problem', 'Problem: ' + b.problem));
		return li;
	}
	fetch('api/briefings').then(function (r) {
		if (!r.ok) throw new Error('HTTP ' + r.status);
		return r.json();
	}).then(function (d) {
		var ul = document.getElementById('briefings');
		d.briefings.forEach(function (b) { ul.appendChild(card(b)); });
		document.getElementById('list-status').textContent = d.briefings.length + ' briefing' + (d.briefings.length === 1 ? '' : 's');
	}).catch(function (e) {
		document.getElementById('list-status').textContent = 'The briefings could not be loaded (' + e.message + ').';
	});
})();
