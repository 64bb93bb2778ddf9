/* hash.js: the page's place in its URL: #zoom/lat/lon?event=ID&until=DATE. */

/* {params, zoom, center} of a hash; null for none. */
export function parseHash(hash) {
	let h = String(hash || '').replace(/^#/, '');
	if (!h)
		return null;
	let q = '';
	const at = h.indexOf('?');
	if (at >= 0) {
		q = h.slice(at + 1);
		h = h.slice(0, at);
	}
	const parts = h.split('/');
	const out = { params: new URLSearchParams(q) };
	if (parts.length >= 3) {
		const z = parseFloat(parts[0]), lat = parseFloat(parts[1]), lon = parseFloat(parts[2]);
		if (isFinite(z) && isFinite(lat) && isFinite(lon)) {
			out.zoom = Math.min(Math.max(z, 2), 12);
			out.center = L.latLng(Math.min(Math.max(lat, -85), 85), Math.min(Math.max(lon, -180), 180));
		}
	}
	return out;
}

export function hashFor(center, zoom, eventId, until) {
	/* Finer than a pixel at this zoom, and no finer. */
	const prec = Math.ceil(zoom * Math.LOG10E * Math.LN2) + 2;
	const s = '#' + (Math.round(zoom * 100) / 100) + '/' + center.lat.toFixed(prec) + '/' + center.lng.toFixed(prec);
	const q = new URLSearchParams();
	if (eventId)
		q.set('event', eventId);
	if (until)
		q.set('until', until);
	const qs = q.toString();
	return qs ? s + '?' + qs : s;
}

/* A link to one event: its place at a zoom that shows it, and its id. */
export function eventLink(map, layer, id) {
	const rec = layer && layer.events.get(id);
	const at = rec && rec.anchor ? rec.anchor : map.getCenter();
	const q = new URLSearchParams();
	q.set('event', id);
	return '#' + Math.max(map.getZoom(), 6) + '/' + at.lat.toFixed(4) + '/' + at.lng.toFixed(4) + '?' + q.toString();
}

export function isDay(s) {
	return !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);
}
