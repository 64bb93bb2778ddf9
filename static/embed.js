/* embed.js: the chrome-less map for iframes (/embed?view=NAME): base tiles, clickable events, legend, the list of events, attribution. */
(function () {
	'use strict';
	var bm = window.briefmap;
	var params = new URLSearchParams(location.search);
	var wanted = params.get('view') || 'region';
	var list = document.getElementById('event-list');
	var details = document.getElementById('embed-events');

	var map = bm.createMap(document.getElementById('map'), {
		attributionPrefix: false
	});
	map.fitBounds(bm.bboxToBounds(bm.VIEW_FALLBACK.bbox), { animate: false });

	/* A way out to the full map at the same place, for readers who want
	 * the timeline and the list. */
	var OpenControl = L.Control.extend({
		options: { position: 'topleft' },
		onAdd: function () {
			var a = bm.el('a', {
				className: 'bm-open-full', href: './', target: '_blank', rel: 'noopener',
				title: 'Open the full briefing map in a new tab'
			}, bm.el('strong', { text: 'briefmap' }), bm.el('span', { text: ' · open full map' }));
			var update = function () {
				var c = map.getCenter();
				a.href = './#' + (Math.round(map.getZoom() * 100) / 100) + '/' + c.lat.toFixed(4) + '/' + c.lng.toFixed(4);
			};
			map.on('moveend', update);
			update();
			L.DomEvent.disableClickPropagation(a);
			return a;
		}
	});
	new OpenControl().addTo(map);

	/* The named view stays whole in the frame, whatever size the host page
	 * gives it, until the reader moves the map. */
	var fit = { bounds: null, fitting: false, moved: false };
	function refit() {
		if (!fit.bounds || fit.moved)
			return;
		fit.fitting = true;
		bm.fitWhole(map, fit.bounds, [4, 4], [4, 4], true);
		fit.fitting = false;
	}
	map.on('dragstart', function () { fit.moved = true; });
	map.on('zoomstart', function () {
		if (!fit.fitting && !fit.flying)
			fit.moved = true;
	});
	map.on('resize', refit);

	/* embed-resize.js on the host page asks for the frame's height to
	 * follow the content: the map then keeps its height and the list of
	 * events opens below it instead of over it. */
	var auto = { on: false, last: 0 };
	function postHeight() {
		if (!auto.on)
			return;
		var h = Math.ceil(document.body.getBoundingClientRect().height);
		if (h !== auto.last) {
			auto.last = h;
			window.parent.postMessage({ type: 'briefmap:height', height: h }, '*');
		}
	}
	window.addEventListener('message', function (ev) {
		var d = ev.data;
		if (ev.source !== window.parent || !d || d.type !== 'briefmap:auto-height' || auto.on)
			return;
		auto.on = true;
		var mapH = Math.max(160, window.innerHeight - details.offsetHeight);
		document.getElementById('map').style.height = mapH + 'px';
		document.body.classList.add('embed-auto');
		map.invalidateSize();
		if (window.ResizeObserver)
			new ResizeObserver(postHeight).observe(document.body);
		details.addEventListener('toggle', postHeight);
		postHeight();
	});
	/* In case embed-resize.js said hello before this page could hear it. */
	if (window.parent !== window)
		window.parent.postMessage({ type: 'briefmap:ready' }, '*');

	Promise.all([
		bm.fetchJSON('api/views').catch(function () { return []; }),
		bm.fetchJSON('api/events'),
		bm.loadStyle()
	]).then(function (res) {
		var I18N = window.BriefmapI18n;
		return I18N.load(I18N.pick(res[1] && res[1].briefing, location.search, document.documentElement.lang), document)
			.then(function () { return res; });
	}).then(function (res) {
		var views = Array.isArray(res[0]) ? res[0] : (res[0] && res[0].views) || [];
		var view = views.find(function (v) { return v.name === wanted; }) ||
			views.find(function (v) { return v.name === 'region'; });
		var title = view ? view.title || view.name : bm.VIEW_FALLBACK.title;
		if (view && Array.isArray(view.bbox)) {
			fit.bounds = bm.bboxToBounds(view.bbox);
			refit();
			document.title = 'briefmap — ' + title;
			document.getElementById('embed-title').textContent = 'briefmap: ' + title;
		}
		var fc = res[1];
		var cav = window.BriefmapCaveats && window.BriefmapCaveats.showOnEmbed(fc.briefing, map.getContainer());
		if (cav)
			L.DomEvent.disableClickPropagation(cav);
		var legend = null;
		var layer = new bm.EventLayer(map, fc, {
			symbolSize: 26,
			popupRoom: function (bottom) {
				return [[56, 12], [(legend ? legend.occupiedWidth() : 0) + 12, bottom]];
			}
		});
		layer.apply(null);
		var counts = {};
		layer.order.forEach(function (rec) { counts[rec.kind] = (counts[rec.kind] || 0) + 1; });
		legend = new bm.LegendControl({
			kinds: bm.KIND_ORDER.filter(function (k) { return counts[k]; }),
			collapsed: true,
			onCollapse: function () { layer.fitPopups(); }
		}).addTo(map);
		layer.fitPopups();
		var n = bm.renderEventList(list, layer, {
			onChoose: function () {
				fit.moved = true;
				/* Over the map the open list would hide the popup. */
				if (!auto.on)
					details.open = false;
			}
		});
		document.getElementById('embed-events-summary').textContent = window.BriefmapI18n.t('events') + ' (' + n.total + ')';
		document.getElementById('map-description').textContent = bm.describeMap(layer, title, fc.briefing);
		map.on('movestart', function () { fit.flying = true; });
		map.on('moveend', function () { fit.flying = false; });
		window.briefmap.embed = { map: map, layer: layer, view: view || null };
		document.body.classList.add('ready');
		postHeight();
	}).catch(function (e) {
		console.error('briefmap:', e);
	});
})();
