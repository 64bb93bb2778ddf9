/* embed.js: the chrome-less map for iframes (/embed?view=NAME): base tiles, clickable events, legend, the list of events, attribution. */
import { el, byId } from './js/dom.js';
import { fetchJSON } from './js/api.js';
import * as I18N from './js/i18n.js';
import { KIND_ORDER, loadStyle } from './js/style.js';
import { Caveats } from './js/dates.js';
import { createMap, localise, fitWhole, bboxToBounds, VIEW_FALLBACK } from './js/map.js';
import { EventLayer } from './js/event-layer.js';
import { LegendControl } from './js/legend.js';
import { renderEventList } from './js/event-list.js';
import { describeMap } from './js/describe.js';
import { AutoHeight } from './js/embed-height.js';
import { useArticle } from './js/article.js';

const wanted = new URLSearchParams(location.search).get('view') || 'region';
const map = createMap(byId('map'), { attributionPrefix: false });
map.fitBounds(bboxToBounds(VIEW_FALLBACK.bbox), { animate: false });
const details = byId('embed-events');
const auto = new AutoHeight(map, details);

/* A way out to the full map at the same place, for readers who want the timeline and the list. */
const OpenControl = L.Control.extend({
	options: { position: 'topleft' },
	onAdd() {
		const a = el('a', { className: 'bm-open-full', href: './', target: '_blank', rel: 'noopener', title: I18N.t('open_full_title') },
			el('strong', { text: 'briefmap' }), el('span', { text: I18N.t('open_full') }));
		const update = () => {
			const c = map.getCenter();
			a.href = './#' + (Math.round(map.getZoom() * 100) / 100) + '/' + c.lat.toFixed(4) + '/' + c.lng.toFixed(4);
		};
		map.on('moveend', update);
		update();
		L.DomEvent.disableClickPropagation(a);
		return a;
	}
});

/* The named view stays whole in the frame, whatever size the host page
 * gives it, until the reader moves the map. */
const fit = { bounds: null, fitting: false, moved: false, flying: false };
function refit() {
	if (!fit.bounds || fit.moved)
		return;
	fit.fitting = true;
	fitWhole(map, fit.bounds, [4, 4], [4, 4], true);
	fit.fitting = false;
}
map.on('dragstart', () => { fit.moved = true; });
map.on('zoomstart', () => {
	if (!fit.fitting && !fit.flying)
		fit.moved = true;
});
map.on('resize', refit);
map.on('movestart', () => { fit.flying = true; });
map.on('moveend', () => { fit.flying = false; });

function showView(views) {
	views = Array.isArray(views) ? views : (views && views.views) || [];
	const view = views.find((v) => v.name === wanted) || views.find((v) => v.name === 'region');
	const title = view ? view.title || view.name : I18N.t('world');
	if (view && Array.isArray(view.bbox)) {
		fit.bounds = bboxToBounds(view.bbox);
		refit();
	}
	document.title = 'briefmap — ' + (view ? title : I18N.t('embedded_map'));
	byId('embed-title').textContent = 'briefmap: ' + title;
	return { view: view || null, title };
}

function show(views, fc) {
	const { view, title } = showView(views);
	localise(map);
	new OpenControl().addTo(map);
	useArticle(fc.briefing);
	const cav = Caveats.showOnEmbed(fc.briefing, map.getContainer(), I18N.t);
	if (cav)
		L.DomEvent.disableClickPropagation(cav);
	let legend = null;
	const layer = new EventLayer(map, fc, {
		symbolSize: 26,
		popupRoom: (bottom) => [[56, 12], [(legend ? legend.occupiedWidth() : 0) + 12, bottom]]
	});
	layer.apply(null);
	const counts = {};
	for (const rec of layer.order)
		counts[rec.kind] = (counts[rec.kind] || 0) + 1;
	legend = new LegendControl({
		kinds: KIND_ORDER.filter((k) => counts[k]), collapsed: true, onCollapse: () => layer.fitPopups()
	}).addTo(map);
	layer.fitPopups();
	const n = renderEventList(byId('event-list'), layer, {
		onChoose: () => {
			fit.moved = true;
			/* Over the map the open list would hide the popup. */
			if (!auto.on)
				details.open = false;
		}
	});
	byId('embed-events-summary').textContent = I18N.t('events') + ' (' + n.total + ')';
	byId('map-description').textContent = describeMap(layer, title, fc.briefing);
	window.briefmap = Object.assign(window.briefmap || {}, { embed: { map, layer, view } });
	document.body.classList.add('ready');
	auto.post();
}

Promise.all([
	fetchJSON('api/views').catch(() => []),
	fetchJSON('api/events'),
	loadStyle(I18N.pick(null, location.search, document.documentElement.lang)),
	I18N.load(I18N.pick(null, location.search, document.documentElement.lang), document)
]).then(([views, fc]) => {
	const lang = I18N.pick(fc && fc.briefing, location.search, document.documentElement.lang);
	return Promise.all([lang === I18N.lang() ? null : I18N.load(lang, document), loadStyle(lang)]).then(() => show(views, fc));
}).catch((e) => {
	console.error('briefmap:', e);
});
