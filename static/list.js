/* list.js: the list page: one card per briefing from /api/briefings, in the reader's language (?lang=, else the page's). */
import { el, byId } from './js/dom.js';
import { fetchJSON } from './js/api.js';
import * as I18N from './js/i18n.js';
import { loadStyle, statusCount } from './js/style.js';

const t = I18N.t;

function thumb(b, href) {
	const img = el('img', { className: 'thumb', alt: t('map_of_short', { title: b.title || b.slug }), width: 320, height: 200, loading: 'lazy' });
	img.src = href + 'render.png?view=' + encodeURIComponent(b.thumbnail_view) + '&size=320x200&bare=1&lang=' + I18N.lang();
	return img;
}

/* "16 events: 8 reported, 1 claimed" with the status words of the reader's language, each in
 * the number its count takes (api/style's count_one and count_other). */
function counts(b) {
	const c = b.status_counts || {};
	const parts = Object.keys(c).filter((k) => c[k] > 0).map((k) => statusCount(k, c[k]));
	const n = b.events || 0;
	const head = t(n === 1 ? 'n_event' : 'n_events', { n });
	return parts.length ? t('n_events_by_status', { n, parts: parts.join(', ') }) : head;
}

function card(b) {
	const href = 'b/' + encodeURIComponent(b.slug) + '/';
	const a = el('a', { className: 'card-link', href },
		b.served && b.thumbnail_view ? thumb(b, href) : null, el('h2', { text: b.title || b.slug }));
	const art = b.article || {};
	const li = el('li', { className: 'card' }, a,
		art.headline ? el('p', { className: 'headline', text: art.headline }) : null,
		el('p', { className: 'meta', text: [art.outlet || t('outlet_unknown'), art.published || t('undated_lower')].join(' · ') }),
		el('p', { className: 'counts', text: counts(b) }));
	for (const c of b.caveats || [])
		li.appendChild(el('p', { className: 'caveat', text: c.text }));
	if (b.problem)
		li.appendChild(el('p', { className: 'problem', text: t('problem', { text: b.problem }) }));
	return li;
}

I18N.load(I18N.pick(null, location.search, document.documentElement.lang), document).then(() => {
	document.title = 'briefmap: ' + t('briefings').toLowerCase();
	/* Without the words of statuses (no briefing loaded to ask) the counts name them by id. */
	return Promise.all([fetchJSON('api/briefings'), loadStyle(I18N.lang()).catch(() => null)]);
}).then(([d]) => {
	const ul = byId('briefings');
	d.briefings.forEach((b) => ul.appendChild(card(b)));
	byId('list-status').textContent = t(d.briefings.length === 1 ? 'n_briefing' : 'n_briefings', { n: d.briefings.length });
}).catch((e) => {
	byId('list-status').textContent = t('briefings_error', { error: e.message });
});
