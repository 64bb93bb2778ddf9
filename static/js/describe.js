/* describe.js: the map's text alternative for aria-describedby, in the reader's language, as sheets give it in their metadata. */
import { t } from './i18n.js';
import { STATUS_ORDER, statusCount } from './style.js';
import { formatAt } from './dates.js';

/* "Map of The Caribbean: 16 events, 8 reported, 3 claimed, ...; dates; caveats about the article by kind". */
export function describeMap(layer, title, briefing) {
	const by = {};
	for (const rec of layer.order)
		by[rec.status] = (by[rec.status] || 0) + 1;
	const parts = STATUS_ORDER.filter((st) => by[st]).map((st) => statusCount(st, by[st]));
	const n = layer.order.length;
	const dated = layer.order.filter((rec) => rec.start).map((rec) => rec.start).sort();
	let text = t('map_of', { title }) + t(n === 1 ? 'n_event' : 'n_events', { n }) +
		(parts.length ? ', ' + parts.join(', ') : '') + '.';
	if (dated.length)
		text += t('dates_from', { a: formatAt(dated[0], 'day'), b: formatAt(dated[dated.length - 1], 'day') });
	if (dated.length < n)
		text += t('n_undated', { n: n - dated.length });
	const cav = briefing && Array.isArray(briefing.caveats) ? briefing.caveats : [];
	const kinds = ['contradiction', 'inaccuracy', 'undated', 'other']
		.filter((k) => cav.some((c) => c.kind === k)).map((k) => t('caveat_' + k));
	if (kinds.length)
		text += t('caveats_line', { kinds: kinds.join('; ') });
	return text + t('list_says');
}
