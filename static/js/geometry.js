/* geometry.js: where a polygon's symbol and popup go. */

function ringArea(ring) {
	let a = 0;
	for (var i = 0, j = ring.length - 1; i < ring.length; j = i++)
		a += (ring[j][0] * ring[i][1]) - (ring[i][0] * ring[j][1]);
	return a / 2;
}

function pointInRing(x, y, ring) {
	let inside = false;
	for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
		let xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
		if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi))
			inside = !inside;
	}
	return inside;
}

/* Where to put a polygon's symbol and popup: the centroid of its largest
 * ring, or, when that falls outside (a curved state), the middle of the
 * widest span of the ring along the centroid's latitude. */
export function labelPoint(geometry) {
	let polys = [];
	if (geometry.type === 'Polygon')
		polys = [geometry.coordinates];
	else if (geometry.type === 'MultiPolygon')
		polys = geometry.coordinates;
	let best = null, bestArea = 0;
	polys.forEach(function (poly) {
		let a = Math.abs(ringArea(poly[0]));
		if (!best || a > bestArea) {
			best = poly[0];
			bestArea = a;
		}
	});
	if (!best || best.length < 3)
		return null;
	let a6 = 0, cx = 0, cy = 0;
	for (var i = 0, j = best.length - 1; i < best.length; j = i++) {
		let f = best[j][0] * best[i][1] - best[i][0] * best[j][1];
		cx += (best[j][0] + best[i][0]) * f;
		cy += (best[j][1] + best[i][1]) * f;
		a6 += f * 3;
	}
	if (a6 === 0)
		return L.latLng(best[0][1], best[0][0]);
	cx /= a6;
	cy /= a6;
	if (pointInRing(cx, cy, best))
		return L.latLng(cy, cx);
	let xs = [];
	for (i = 0, j = best.length - 1; i < best.length; j = i++) {
		let yi = best[i][1], yj = best[j][1];
		if ((yi > cy) !== (yj > cy))
			xs.push(best[i][0] + (cy - yi) * (best[j][0] - best[i][0]) / (yj - yi));
	}
	xs.sort(function (p, q) { return p - q; });
	let span = 0, mid = cx;
	for (i = 0; i + 1 < xs.length; i += 2) {
		if (xs[i + 1] - xs[i] > span) {
			span = xs[i + 1] - xs[i];
			mid = (xs[i] + xs[i + 1]) / 2;
		}
	}
	return L.latLng(cy, mid);
}
