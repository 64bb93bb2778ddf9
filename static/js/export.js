/* export.js: the Export link: the current view as a briefing sheet (render.png). */
import { byId } from './dom.js';
import { lang } from './i18n.js';

const clampLat = (v) => Math.min(Math.max(v, -85), 85);
const clampLon = (v) => Math.min(Math.max(v, -180), 180);

function exportUrl(map, state) {
	const b = map.getBounds();
	const bbox = [clampLon(b.getWest()), clampLat(b.getSouth()), clampLon(b.getEast()), clampLat(b.getNorth())];
	const size = map.getSize();
	const W = Math.round(Math.min(Math.max(size.x, 480), 2400));
	const H = Math.round(Math.min(Math.max(size.y, 360), 2400));
	const q = ['bbox=' + bbox.map((v) => v.toFixed(4)).join(','), 'size=' + W + 'x' + H];
	if (L.Browser.retina)
		q.push('scale=2');
	const view = state.views.find((v) => v.name === state.viewName);
	if (view && view.title)
		q.push('title=' + encodeURIComponent(view.title));
	if (state.until)
		q.push('until=' + state.until);
	/* The sheet speaks the reader's language, as the page does. */
	q.push('lang=' + lang());
	return 'render.png?' + q.join('&');
}

export function updateExport(map, state) {
	const a = byId('export-link');
	a.href = exportUrl(map, state);
	a.setAttribute('download', 'briefmap-' + (state.viewName || 'view') + (state.until ? '-until-' + state.until : '') + '.png');
}
