/* popup.js: an event's popup (its quotes, status in words, facts), its tooltip, and the popup of an area shared by events. */
import { el } from './dom.js';
import { t, own, lang } from './i18n.js';
import { STATUSES, kindOf, statusOf, kindColor, kindLabel, statusText } from './style.js';
import { eventSymbol } from './symbols.js';
import { formatEventDate, precisionWords } from './dates.js';
import { articleControl } from './article.js';

let serial = 0;

/* What a screen reader says for an event's symbol: its title and how
 * far the article's account goes ("<title> — reported"). */
export function eventName(p, id) {
	return (own(p, 'title') || id || t('untitled')) + ' — ' + statusText(statusOf(p), 'label').toLowerCase();
}

export function statusBadge(status, long) {
	const badge = el('span', { className: 'bm-badge bm-badge-' + status, text: statusText(status, long ? 'words' : 'label') });
	badge.style.setProperty('--badge', STATUSES[status].color);
	return badge;
}

/* Every quote on its own, with who says it and where it stands in the article; the older single `source` as one. */
function quotes(p) {
	const list = Array.isArray(p.sources) && p.sources.length ? p.sources
		: p.source ? [{ quote: p.source, claimant: null }] : [];
	return list.map((q) => el('blockquote', { className: 'bm-popup-source' },
		el('p', { text: String(q.quote) }),
		el('footer', { text: q.claimant && q.claimant !== 'the article' ? t('source_quoting', { who: q.claimant }) : t('source_article') }),
		articleControl(q)));
}

function facts(p, kind) {
	const dl = el('dl', { className: 'bm-popup-facts' });
	const fact = (term, value) => {
		dl.appendChild(el('dt', { text: term }));
		dl.appendChild(el('dd', { text: value }));
	};
	fact(t('fact_kind'), kindLabel(kind));
	if (Array.isArray(p.actors) && p.actors.length)
		fact(t('fact_actors'), p.actors.map(String).join(', '));
	if (typeof p.count === 'number')
		fact(t('fact_count'), p.count.toLocaleString(lang()));
	const where = [];
	if (p.geo_precision && t('precision_' + p.geo_precision) !== 'precision_' + p.geo_precision)
		where.push(t('precision_' + p.geo_precision));
	if (p.area)
		where.push(t('fact_area', { code: p.area }));
	if (where.length)
		fact(t('fact_location'), where.join(' · '));
	return dl;
}

function verification(p) {
	const key = 'verification_' + p.verification;
	const v = t(key) === key ? String(p.verification) : t(key);
	return el('p', { className: 'bm-popup-summary', text: t('verified', { v }) + (p.verification_note ? ' — ' + p.verification_note : '') });
}

export function buildPopup(p, opts) {
	const kind = kindOf(p), status = statusOf(p);
	const titleId = 'bm-popup-title-' + (++serial);
	/* A non-modal dialog that takes the focus when it opens: its text
	 * may scroll, so it is a tab stop of its own. */
	const wrap = el('article', { className: 'bm-popup', role: 'dialog', tabindex: '0', 'aria-labelledby': titleId });
	wrap.style.setProperty('--kind', kindColor(kind));
	wrap.appendChild(el('div', { className: 'bm-popup-kind' }, eventSymbol(kind, status, 18), el('span', { text: kindLabel(kind) })));
	wrap.appendChild(el('h3', { className: 'bm-popup-title', id: titleId, text: own(p, 'title') || p.id || t('untitled') }));
	const prec = precisionWords(p.date_precision);
	wrap.appendChild(el('p', { className: 'bm-popup-date' },
		el('time', { datetime: typeof p.date === 'string' ? p.date : null, text: formatEventDate(p) }),
		prec ? el('span', { className: 'muted', text: t('date_prec', { prec }) }) : null));
	wrap.appendChild(el('p', { className: 'bm-popup-status' }, statusBadge(status, true)));
	/* The article's own words first: the rest is our reading of them. */
	quotes(p).forEach((q) => wrap.appendChild(q));
	if (p.verification)
		wrap.appendChild(verification(p));
	if (p.summary)
		wrap.appendChild(el('p', { className: 'bm-popup-summary', text: own(p, 'summary') }));
	wrap.appendChild(facts(p, kind));
	if (opts && opts.link) {
		const a = el('a', { className: 'bm-popup-link', href: opts.link(p.id), text: t('event_link'), target: opts.linkTarget || null });
		wrap.appendChild(el('p', { className: 'bm-popup-actions' }, a));
	}
	return wrap;
}

export function buildTooltip(p) {
	const status = statusOf(p);
	const tip = el('div', { className: 'bm-tip' }, el('strong', { text: own(p, 'title') || p.id || '' }));
	const tag = el('span', { className: 'bm-tip-status', text: statusText(status, 'label') });
	tag.style.setProperty('--badge', STATUSES[status].color);
	tip.appendChild(tag);
	return tip;
}

/* An area drawn once for several events: how many, and each one's title and status, to open. */
function areaCount(n) {
	return n === 1 ? t('area_event') : t('area_events', { n });
}

export function areaTooltip(recs) {
	return el('div', { className: 'bm-tip' }, el('strong', { text: areaCount(recs.length) }),
		el('ul', { className: 'bm-tip-list' }, ...recs.map((r) => el('li', { text: r.name }))));
}

export function areaPopup(recs, openEvent) {
	const titleId = 'bm-popup-title-' + (++serial);
	const wrap = el('article', { className: 'bm-popup bm-area-popup', role: 'dialog', tabindex: '0', 'aria-labelledby': titleId });
	wrap.appendChild(el('h3', { className: 'bm-popup-title', id: titleId, text: areaCount(recs.length) }));
	wrap.appendChild(el('p', { className: 'muted', text: t('area_hint') }));
	const ul = el('ul', { className: 'bm-area-events' });
	for (const rec of recs) {
		const b = el('button', { type: 'button', className: 'bm-area-event', 'data-event': rec.id },
			eventSymbol(rec.kind, rec.status, 18), el('span', { text: rec.name }));
		b.addEventListener('click', () => openEvent(rec.id));
		ul.appendChild(el('li', {}, b));
	}
	wrap.appendChild(ul);
	return wrap;
}
