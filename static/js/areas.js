/* areas.js: each distinct area (a country, a sea, a zone around a place) drawn once, however many events it holds. */
import { SVGNS } from './dom.js';
import { kindColor } from './style.js';
import { pathStyle } from './symbols.js';
import { areaTooltip, areaPopup } from './popup.js';

const REGION_RADIUS_M = 200000;

/* The key two events share when they cover the same area: the area code, else the same shape. */
function areaKey(f) {
	const p = f.properties || {}, g = f.geometry;
	if (g.type === 'Point')
		return 'near:' + g.coordinates[0].toFixed(4) + ',' + g.coordinates[1].toFixed(4);
	return p.area ? 'area:' + p.area : 'shape:' + JSON.stringify(g.coordinates);
}

/* The style of an area is the first visible member's, as the server's tiles draw it. */
function styleFor(entry, rec) {
	const p = rec.props;
	if (entry.circle) {
		return { color: kindColor(rec.kind), weight: 1.2, opacity: 0.8, dashArray: '2 4',
			fillColor: 'url(#bm-dots-' + rec.kind + ')', fillOpacity: 0.8 };
	}
	return pathStyle(rec.kind, rec.status, true, p.geo_precision === 'region' && !p.area);
}

function makeLayer(entry, f) {
	if (entry.circle) {
		const c = f.geometry.coordinates;
		return L.circle([c[1], c[0]], { radius: REGION_RADIUS_M });
	}
	return L.geoJSON(f, { style: () => ({}) });
}

/* The area's shapes are for the pointer: each event's named symbol is its keyboard stop. */
function tag(layer, key) {
	const mark = (l) => {
		const node = l.getElement && l.getElement();
		if (!node)
			return;
		node.setAttribute('data-event-area', key);
		node.classList.add('bm-event', 'bm-area');
		if (node.namespaceURI === SVGNS) {
			node.setAttribute('tabindex', '-1');
			node.setAttribute('aria-hidden', 'true');
		}
	};
	layer.on('add', () => (layer.eachLayer ? layer.eachLayer(mark) : mark(layer)));
}

export class AreaSet {
	constructor(map, openEvent) {
		this.map = map;
		this.openEvent = openEvent;
		this.entries = new Map();
	}

	/* Adds `rec`'s area; returns the shared layer (for its bounds). */
	add(rec, circle) {
		const key = areaKey(rec.feature);
		let entry = this.entries.get(key);
		if (!entry) {
			entry = { key, circle, members: [], shown: [], layer: null, onMap: false };
			entry.layer = makeLayer(entry, rec.feature);
			tag(entry.layer, key);
			entry.layer.bindTooltip(() => areaTooltip(entry.shown), { sticky: true, opacity: 1, className: 'bm-tooltip' });
			entry.layer.bindPopup(() => areaPopup(entry.shown, this.openEvent),
				{ maxWidth: 340, minWidth: 220, className: 'bm-popup-wrap', closeOnEscapeKey: false });
			this.entries.set(key, entry);
		}
		entry.members.push(rec);
		return entry.layer;
	}

	/* Shows each area with the events `visible(rec)` keeps, styled by the first of them. */
	apply(visible) {
		for (const entry of this.entries.values()) {
			entry.shown = entry.members.filter(visible);
			if (!entry.shown.length) {
				if (entry.onMap) {
					this.map.removeLayer(entry.layer);
					entry.onMap = false;
				}
				continue;
			}
			entry.layer.setStyle(styleFor(entry, entry.shown[0]));
			if (!entry.onMap) {
				entry.layer.addTo(this.map);
				entry.onMap = true;
			}
		}
	}
}
