/* event-layer.js: a FeatureCollection's events as clickable Leaflet layers, each with one element carrying data-event-id. */
import { SVGNS } from './dom.js';
import { kindOf, statusOf } from './style.js';
import { pathStyle, installPatterns, EventIcon } from './symbols.js';
import { labelPoint } from './geometry.js';
import { parseInterval } from './dates.js';
import { buildPopup, buildTooltip, eventName } from './popup.js';
import { AreaSet } from './areas.js';
import { declutter } from './declutter.js';
import { watchPopups, fitPopups, flyTo } from './popup-room.js';

const POPUP_OPTIONS = { maxWidth: 340, minWidth: 240, autoPanPaddingTopLeft: [60, 16], autoPanPaddingBottomRight: [20, 28], className: 'bm-popup-wrap', closeOnEscapeKey: false };

function record(f, i) {
	const p = f && f.properties ? f.properties : {};
	const id = p.id != null ? String(p.id) : 'event-' + i;
	const iv = parseInterval(p.date);
	return {
		id, feature: f, props: p, kind: kindOf(p), status: statusOf(p), start: iv.start, end: iv.end,
		index: i, group: null, anchor: null, onMap: false, offset: [0, 0], name: eventName(p, id)
	};
}

/* Undated events last, in the article's order. */
function byDate(a, b) {
	const sa = a.start || '9999', sb = b.start || '9999';
	return sa < sb ? -1 : sa > sb ? 1 : (a.props.sequence || a.index) - (b.props.sequence || b.index);
}

/* A line's parts are for the pointer: the event's named symbol, or its first part, is its keyboard stop. */
function tagShape(layer, rec, first) {
	layer.on('add', () => {
		const node = layer.getElement && layer.getElement();
		if (!node)
			return;
		node.setAttribute(first ? 'data-event-id' : 'data-event-part', rec.id);
		node.classList.add('bm-event');
		if (node.namespaceURI === SVGNS) {
			node.setAttribute('tabindex', '-1');
			node.setAttribute('aria-hidden', 'true');
		}
	});
}

export class EventLayer {
	/* opts: symbolSize, link(id), linkTarget, popupRoom(bottom), onOpen(rec), onClose(rec). */
	constructor(map, collection, opts) {
		this.map = map;
		this.opts = opts || {};
		this.size = this.opts.symbolSize || 28;
		this.events = new Map();
		this.filter = null;
		this.areas = new AreaSet(map, (id) => this.open(id));
		installPatterns();
		const features = collection && Array.isArray(collection.features) ? collection.features : [];
		this.order = features.map(record);
		for (const rec of this.order) {
			this.events.set(rec.id, rec);
			this.build(rec);
		}
		this.order.sort(byDate);
		map.on('zoomend', () => declutter(this));
		watchPopups(this);
		fitPopups(this);
		map.on('resize', () => fitPopups(this));
	}

	/* The event's named symbol: at its place, or on its area's label point. */
	symbol(rec, at) {
		const p = rec.props;
		const marker = L.marker(at, {
			icon: new EventIcon({ kind: rec.kind, status: rec.status, size: this.size, eventId: rec.id, label: rec.name }),
			keyboard: true, title: '', alt: p.title || rec.id, riseOnHover: true
		});
		marker.bindTooltip(buildTooltip(p), { direction: 'top', offset: [0, -this.size / 2], opacity: 1, className: 'bm-tooltip' });
		rec.anchor = at;
		rec.marker = marker;
		rec.popupAt = () => this.map.layerPointToLatLng(this.map.latLngToLayerPoint(at).add(L.point(rec.offset)));
		return marker;
	}

	/* A line (a route, a border): drawn with the event, its first part its stop when it has no symbol. */
	shapes(rec, group) {
		let first = true;
		const shapes = L.geoJSON(rec.feature, {
			style: (feat) => pathStyle(rec.kind, rec.status, /Polygon/.test(feat.geometry.type), false),
			pointToLayer: (pf, ll) => L.circleMarker(ll, { radius: 6 })
		});
		shapes.eachLayer((layer) => {
			tagShape(layer, rec, first);
			layer.bindTooltip(buildTooltip(rec.props), { sticky: true, opacity: 1, className: 'bm-tooltip' });
			first = false;
			group.addLayer(layer);
		});
		rec.bounds = shapes.getBounds();
		rec.anchor = rec.bounds.isValid() ? rec.bounds.getCenter() : null;
		rec.popupAt = () => rec.anchor;
		return !first;
	}

	build(rec) {
		const geom = rec.feature && rec.feature.geometry;
		const group = L.featureGroup();
		let drawn = false;
		if (geom && geom.type === 'Point') {
			/* Only "somewhere around here": a stippled zone, shared by the events there. */
			if (rec.props.geo_precision === 'region')
				this.areas.add(rec, true);
			group.addLayer(this.symbol(rec, L.latLng(geom.coordinates[1], geom.coordinates[0])));
			drawn = true;
		} else if (geom && /Polygon/.test(geom.type)) {
			const area = this.areas.add(rec, false);
			rec.bounds = area.getBounds();
			const lp = labelPoint(geom);
			if (lp) {
				group.addLayer(this.symbol(rec, lp));
				drawn = true;
			}
		} else if (geom) {
			drawn = this.shapes(rec, group);
		}
		/* A feature without anything to draw still gets its place in the list. */
		if (!drawn)
			return;
		group.bindPopup(() => buildPopup(rec.props, this.opts), POPUP_OPTIONS);
		group.on('popupopen', () => this.opts.onOpen && this.opts.onOpen(rec));
		group.on('popupclose', () => this.opts.onClose && this.opts.onClose(rec));
		rec.group = group;
	}

	isVisible(rec) {
		return !this.filter || this.filter(rec);
	}

	/* Adds or removes each event's layers according to `filter(rec)`; each area shows once with its visible events. */
	apply(filter) {
		this.filter = filter || null;
		for (const rec of this.order) {
			if (!rec.group)
				continue;
			const show = this.isVisible(rec);
			if (show && !rec.onMap) {
				rec.group.addTo(this.map);
				rec.onMap = true;
			} else if (!show && rec.onMap) {
				rec.group.closePopup();
				this.map.removeLayer(rec.group);
				rec.onMap = false;
			}
		}
		this.areas.apply((rec) => this.isVisible(rec));
		declutter(this);
	}

	open(id) {
		const rec = this.events.get(id);
		if (!rec || !rec.group || !rec.onMap)
			return false;
		rec.group.openPopup(rec.popupAt());
		return true;
	}

	/* Flies to an event, then opens its popup; closing it gives the focus back to `opener`. */
	flyTo(id, opener) {
		flyTo(this, id, opener);
	}

	fitPopups() {
		fitPopups(this);
	}
}
