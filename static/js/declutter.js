/* declutter.js: point symbols closer than a symbol's width fanned out around their common centre, at every zoom. */
import { EventIcon } from './symbols.js';

function clustersOf(layer) {
	const map = layer.map, zoom = map.getZoom(), size = layer.size;
	const clusters = [];
	for (const rec of layer.order) {
		if (!rec.marker || !rec.onMap)
			continue;
		const pt = map.project(rec.anchor, zoom);
		let home = clusters.find((c) => c.center.distanceTo(pt) < size * 0.9);
		if (!home) {
			home = { members: [], sum: L.point(0, 0), center: pt };
			clusters.push(home);
		}
		home.members.push({ rec, pt });
		home.sum = home.sum.add(pt);
		home.center = home.sum.divideBy(home.members.length);
	}
	return clusters;
}

function setOffset(rec, off) {
	if (rec.offset[0] === off[0] && rec.offset[1] === off[1])
		return;
	rec.offset = off;
	const o = rec.marker.options.icon.options;
	rec.marker.setIcon(new EventIcon({ kind: o.kind, status: o.status, size: o.size, offset: off, eventId: rec.id, label: o.label }));
	const tip = rec.marker.getTooltip();
	if (tip)
		tip.options.offset = L.point(off[0], off[1] - o.size / 2);
}

/* Each symbol stays visible and clickable, however many events share a place or an area. */
export function declutter(layer) {
	const size = layer.size;
	for (const c of clustersOf(layer)) {
		const n = c.members.length;
		const r = Math.max(size * 0.62, n * (size + 3) / (2 * Math.PI));
		c.members.forEach((m, k) => {
			let off = [0, 0];
			if (n > 1) {
				const ang = -Math.PI / 2 + 2 * Math.PI * k / n;
				off = [Math.round(c.center.x + r * Math.cos(ang) - m.pt.x), Math.round(c.center.y + r * Math.sin(ang) - m.pt.y)];
			}
			setOffset(m.rec, off);
		});
	}
}
