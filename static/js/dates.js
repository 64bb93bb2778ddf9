/* dates.js: event dates as intervals and in the reader's words, by the one rule of sheets and page (caveats.js). */
import '../caveats.js';
import { t, dates } from './i18n.js';

const Caveats = globalThis.BriefmapCaveats;

function normaliseDate(text) {
	if (typeof text !== 'string')
		return null;
	const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text.trim());
	if (!m)
		return null;
	return m[1] + '-' + (m[2] || '01') + '-' + (m[3] || '01');
}

/* ISO 8601 date or interval -> {start, end}; end is null when open. */
export function parseInterval(text) {
	if (typeof text !== 'string')
		return { start: null, end: null };
	const parts = text.split('/');
	const start = normaliseDate(parts[0]);
	const end = parts.length > 1 && parts[1] !== '..' ? normaliseDate(parts[1]) : null;
	return { start, end, open: parts.length > 1 && parts[1] === '..' };
}

/* Month names of the reader's language (static/i18n/<lang>.json). */
function monthName(m) {
	const D = dates();
	return (D && D.months[m - 1]) || String(m);
}

/* Short form for the timeline, no finer than what the events say. */
export function formatShort(iso, precision) {
	if (precision === 'year')
		return iso.slice(0, 4);
	if (precision === 'month')
		return monthName(+iso.slice(5, 7)).slice(0, 3) + ' ' + iso.slice(0, 4);
	return +iso.slice(8, 10) + ' ' + monthName(+iso.slice(5, 7)).slice(0, 3) + ' ' + iso.slice(0, 4);
}

/* A day of the timeline in words, no finer than `precision`, by the one date rule. */
export function formatAt(iso, precision) {
	const cut = precision === 'year' ? 4 : precision === 'month' ? 7 : 10;
	return Caveats.formatDate(iso.slice(0, cut), precision === 'week' ? 'day' : precision, null, dates());
}

/* One rule for sheets and page: geodata_date_format, mirrored in caveats.js. */
export function formatEventDate(p) {
	return Caveats.formatDate(p.date, p.date_precision, p.date_text, dates());
}

/* "to the day", "to the month"...: how fine the article's date is. */
export function precisionWords(prec) {
	if (['day', 'week', 'month', 'year'].includes(prec))
		return t('date_to_' + prec);
	return prec ? String(prec) : '';
}

export { Caveats };
