/* app.js: the briefmap web map page: the map and its events, the list, the timeline, named views, export and the embed dialog. */
import { el, byId as $ } from './js/dom.js';
import { fetchJSON } from './js/api.js';
import * as I18N from './js/i18n.js';
import { KIND_ORDER, loadStyle, kindOf } from './js/style.js';
import { Caveats } from './js/dates.js';
import { createMap, localise, fitWhole, bboxToBounds, VIEW_FALLBACK } from './js/map.js';
import { EventLayer } from './js/event-layer.js';
import { LegendControl } from './js/legend.js';
import { renderEventList } from './js/event-list.js';
import { describeMap } from './js/describe.js';
import { parseHash, hashFor, eventLink, isDay } from './js/hash.js';
import { updateExport } from './js/export.js';
import { Timeline } from './js/timeline.js';
import { setupEmbedDialog } from './js/embed-dialog.js';
import { useArticle } from './js/article.js';

const PHONE = window.matchMedia('(max-width: 760px)');

class App {
	constructor() {
		this.map = createMap($('map'), { attributionPrefix: '<a href="https://leafletjs.com/">Leaflet</a>' });
		L.control.scale({ position: 'bottomleft', maxWidth: 140 }).addTo(this.map);
		this.map.fitBounds(bboxToBounds(VIEW_FALLBACK.bbox));
		this.state = {
			views: [], layer: null, legend: null, briefing: null, hiddenKinds: new Set(), until: null,
			selected: null, viewName: '', fitting: false, flying: false
		};
		this.lastHash = '';
		this.timeline = null;
		this.wireMap();
		setupEmbedDialog(() => this.state.viewName);
		$('sheet-handle').addEventListener('click', () => this.setSheet(!$('sidebar').classList.contains('open')));
		$('view-select').addEventListener('change', (ev) => ev.target.value && this.fitView(ev.target.value));
		this.initial = parseHash(location.hash);
		if (this.initial && this.initial.center)
			this.map.setView(this.initial.center, this.initial.zoom, { animate: false });
		updateExport(this.map, this.state);
	}

	wireMap() {
		const map = this.map, state = this.state;
		/* A named view stays whole when the window changes size. */
		map.on('resize', () => state.viewName && !state.flying && this.fitView(state.viewName));
		map.on('dragstart', () => this.userMoved());
		map.on('zoomstart', () => !state.flying && this.userMoved());
		map.on('moveend', () => this.moved());
		map.on('resize', () => updateExport(map, state));
		map.on('movestart', () => { state.flying = true; });
		map.on('moveend', () => { state.flying = false; });
		window.addEventListener('hashchange', () => location.hash !== this.lastHash && this.applyHash(parseHash(location.hash)));
	}

	moved() {
		updateExport(this.map, this.state);
		this.writeHash();
	}

	writeHash() {
		const h = hashFor(this.map.getCenter(), this.map.getZoom(), this.state.selected, this.state.until);
		if (h !== this.lastHash) {
			this.lastHash = h;
			history.replaceState(null, '', h);
		}
	}

	filter(rec) {
		if (this.state.hiddenKinds.has(rec.kind))
			return false;
		return !this.state.until || (!!rec.start && rec.start <= this.state.until);
	}

	refresh() {
		const state = this.state;
		if (state.layer) {
			state.layer.apply((rec) => this.filter(rec));
			if (state.selected && !this.filter(state.layer.events.get(state.selected) || {}))
				state.selected = null;
			this.renderList();
		}
		this.moved();
	}

	renderList() {
		const n = renderEventList($('event-list'), this.state.layer, {
			selected: this.state.selected,
			onChoose: () => PHONE.matches && this.setSheet(false)
		});
		const t = I18N.t, all = n.shown === n.total;
		$('events-count').textContent = all ? t('events_count', { n: n.total }) : t('events_shown', n);
		$('sheet-summary').textContent = all ? t('sheet_summary', { n: n.total }) : t('sheet_summary_of', n);
		$('events-empty').hidden = n.shown !== 0;
	}

	/* Scrolls only the list: scrollIntoView would also scroll the page and the bottom sheet's container. */
	markSelected() {
		const list = $('event-list');
		for (const item of document.querySelectorAll('.event-item')) {
			const on = item.getAttribute('data-event') === this.state.selected;
			item.classList.toggle('selected', on);
			if (!on)
				continue;
			const top = item.offsetTop - list.offsetTop, bottom = top + item.offsetHeight;
			if (top < list.scrollTop)
				list.scrollTop = top;
			else if (bottom > list.scrollTop + list.clientHeight)
				list.scrollTop = bottom - list.clientHeight;
		}
	}

	setSheet(open) {
		$('sidebar').classList.toggle('open', open);
		$('sheet-handle').setAttribute('aria-expanded', open ? 'true' : 'false');
	}

	fitView(name) {
		const state = this.state, v = state.views.find((x) => x.name === name);
		if (!v)
			return;
		state.viewName = name;
		$('view-select').value = name;
		state.fitting = true;
		/* The view is fitted to the map area the legend and the phone sheet's handle leave free. */
		const legendW = state.legend && !PHONE.matches ? state.legend.occupiedWidth() : 0;
		fitWhole(this.map, bboxToBounds(v.bbox), [8, 8], [legendW + 8, PHONE.matches ? 56 : 8]);
		state.fitting = false;
		this.moved();
		this.describe();
	}

	describe() {
		const v = this.state.views.find((x) => x.name === this.state.viewName);
		if (this.state.layer)
			$('map-description').textContent = describeMap(this.state.layer, v ? v.title || v.name : I18N.t('custom_view_title'), this.state.briefing);
	}

	userMoved() {
		if (this.state.fitting || !this.state.viewName)
			return;
		this.state.viewName = '';
		$('view-select').value = '';
		this.describe();
	}

	applyHash(h) {
		if (!h)
			return;
		const until = h.params.get('until');
		if (isDay(until) && this.state.layer)
			this.timeline.set(until);
		if (h.center)
			this.map.setView(h.center, h.zoom, { animate: false });
		const ev = h.params.get('event');
		if (ev && this.state.layer) {
			if (h.center)
				this.state.layer.open(ev);
			else
				this.state.layer.flyTo(ev);
		}
	}

	showViews(views) {
		this.state.views = Array.isArray(views) ? views : views && Array.isArray(views.views) ? views.views : [];
		for (const v of this.state.views) {
			$('view-select').appendChild(el('option', { value: v.name, text: v.title || v.name }));
			$('embed-view').appendChild(el('option', { value: v.name, text: v.title || v.name }));
		}
		if (!this.state.views.length)
			$('embed-view').appendChild(el('option', { value: 'region', text: 'region' }));
	}

	/* The page names its own briefing: nothing of any article is written into it. */
	showBriefing(fc) {
		this.state.briefing = fc.briefing;
		const art = fc.briefing && fc.briefing.article;
		if (art && art.headline) {
			$('headline').textContent = art.headline;
			document.title = 'briefmap — ' + art.headline;
		}
		Caveats.show(fc.briefing, $('caveats'), I18N.t);
		useArticle(fc.briefing);
		localise(this.map);
	}

	addLayer(fc) {
		const state = this.state;
		state.layer = new EventLayer(this.map, fc, {
			link: (id) => eventLink(this.map, state.layer, id),
			popupRoom: (bottom) => (PHONE.matches ? [[8, 56], [8, bottom]] :
				[[60, 16], [(state.legend ? state.legend.occupiedWidth() : 0) + 16, Math.max(bottom, 28)]]),
			onOpen: (rec) => {
				state.selected = rec.id;
				this.markSelected();
				this.writeHash();
			},
			onClose: (rec) => {
				if (state.selected !== rec.id)
					return;
				state.selected = null;
				this.markSelected();
				this.writeHash();
			}
		});
	}

	/* The legend switches kinds on and off; popups pan clear of it. */
	addLegend(fc) {
		const state = this.state, counts = {};
		for (const f of fc.features || []) {
			const k = kindOf((f && f.properties) || {});
			counts[k] = (counts[k] || 0) + 1;
		}
		const padPopups = () => state.layer.fitPopups();
		state.legend = new LegendControl({
			kinds: KIND_ORDER.filter((k) => counts[k]), counts,
			collapsed: PHONE.matches || this.map.getSize().x < 900,
			onToggle: (k, on) => {
				if (on)
					state.hiddenKinds.delete(k);
				else
					state.hiddenKinds.add(k);
				this.refresh();
			},
			onCollapse: padPopups
		}).addTo(this.map);
		padPopups();
		/* On a phone the open legend would hide most of the map. */
		PHONE.addEventListener('change', (mq) => {
			if (mq.matches)
				state.legend.setCollapsed(true);
			padPopups();
		});
		this.map.on('resize', padPopups);
	}

	/* The view the page opens on: the hash's place, else ?view=, else "region", else the first. */
	firstView() {
		const views = this.state.views, initial = this.initial;
		if (!(initial && initial.center)) {
			const asked = new URLSearchParams(location.search).get('view');
			const want = views.some((v) => v.name === asked) ? asked :
				views.some((v) => v.name === 'region') ? 'region' : (views[0] && views[0].name);
			if (want)
				this.fitView(want);
		}
		if (initial) {
			if (isDay(initial.params.get('until')))
				this.timeline.set(initial.params.get('until'));
			if (initial.params.get('event'))
				this.state.layer.open(initial.params.get('event'));
		}
	}

	show(views, fc) {
		this.showViews(views);
		this.showBriefing(fc);
		this.addLayer(fc);
		this.addLegend(fc);
		this.timeline = new Timeline(this.state, () => this.refresh());
		this.timeline.setup();
		this.state.layer.apply((rec) => this.filter(rec));
		this.renderList();
		this.firstView();
		this.refresh();
		this.describe();
		document.body.classList.add('ready');
	}

	load() {
		return Promise.all([
			fetchJSON('api/views').catch((e) => ({ error: e })),
			fetchJSON('api/events'),
			loadStyle(I18N.pick(null, location.search, document.documentElement.lang)),
			I18N.load(I18N.pick(null, location.search, document.documentElement.lang), document)
		]).then(([views, fc]) => {
			/* Without ?lang the briefing's own language, known only now. */
			const lang = I18N.pick(fc && fc.briefing, location.search, document.documentElement.lang);
			return Promise.all([lang === I18N.lang() ? null : I18N.load(lang, document), loadStyle(lang)]).then(() => this.show(views, fc));
		}).catch((e) => {
			localise(this.map);
			const box = $('load-error');
			box.hidden = false;
			box.textContent = I18N.t('load_error', { error: e && e.message ? e.message : e });
			console.error('briefmap:', e);
		});
	}
}

const app = new App();
window.briefmap = Object.assign(window.briefmap || {}, { app: { map: app.map, state: app.state } });
app.load();
