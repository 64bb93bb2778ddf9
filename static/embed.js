/* embed.js: the chrome-less map for iframes (/embed?view=NAME): base tiles, clickable events, legend, attribution. */
(function () {
	'use strict';
	var bm = window.briefmap;
	var params = new URLSearchParams(location.search);
	var wanted = params.get('view') || 'region';

	var map = bm.createMap(document.getElementById('map'), {
		attributionPrefix: false
	});
	map.fitBounds(bm.bboxToBounds(bm.REGION_FALLBACK.bbox), { animate: false });

	/* A way out to the full map at the same place, for readers who want
	 * the timeline and the list. */
	var OpenControl = L.Control.extend({
		options: { position: 'topleft' },
		onAdd: function () {
			var a = bm.el('a', {
				className: 'bm-open-full', href: '/', target: '_blank', rel: 'noopener',
				title: 'Open the full briefing map in a new tab'
			}, bm.el('strong', { text: 'briefmap' }), bm.el('span', { text: ' · open full map' }));
			var update = function () {
				var c = map.getCenter();
				a.href = '/#' + (Math.round(map.getZoom() * 100) / 100) + '/' + c.lat.toFixed(4) + '/' + c.lng.toFixed(4);
			};
			map.on('moveend', update);
			update();
			L.DomEvent.disableClickPropagation(a);
			return a;
		}
	});
	new OpenControl().addTo(map);

	Promise.all([
		bm.fetchJSON('/api/views').catch(function () { return []; }),
		bm.fetchJSON('/api/events')
	]).then(function (res) {
		var views = Array.isArray(res[0]) ? res[0] : (res[0] && res[0].views) || [];
		var view = views.find(function (v) { return v.name === wanted; }) ||
			views.find(function (v) { return v.name === 'region'; });
		if (view && Array.isArray(view.bbox)) {
			bm.fitWhole(map, bm.bboxToBounds(view.bbox), [4, 4], [4, 4]);
			document.title = 'briefmap — ' + (view.title || view.name);
		}
		var fc = res[1];
		var cav = window.BriefmapCaveats && window.BriefmapCaveats.showOnEmbed(fc.briefing, map.getContainer());
		if (cav)
			L.DomEvent.disableClickPropagation(cav);
		var layer = new bm.EventLayer(map, fc, { symbolSize: 26 });
		layer.apply(null);
		var counts = {};
		layer.order.forEach(function (rec) { counts[rec.kind] = (counts[rec.kind] || 0) + 1; });
		new bm.LegendControl({
			kinds: bm.KIND_ORDER.filter(function (k) { return counts[k]; }),
			collapsed: true
		}).addTo(map);
		window.briefmap.embed = { map: map, layer: layer };
		document.body.classList.add('ready');
	}).catch(function (e) {
		console.error('briefmap:', e);
	});
})();
