/* article.js: a quote shown inside its paragraph of the article (article.txt), highlighted with <mark>. */
import { el } from './dom.js';
import { fetchArticle } from './api.js';
import { t } from './i18n.js';

const NL = 0x0a;
let serial = 0;
let source = null;

/*
 * Where the page reads the article's text: the briefing's
 * `article.text_url` when it names one, else the briefing's `api/article`
 * (relative to the page). When the text cannot be had (a briefing without
 * article.txt answers 404) no quote offers to show its paragraph.
 */
export function useArticle(briefing) {
	const a = briefing && briefing.article;
	source = a && typeof a.text_url === 'string' && a.text_url ? a.text_url : 'api/article';
}

/*
 * The paragraph (the line of article.txt) holding the bytes [offset,
 * offset + length) as {before, quote, after}; null when the offsets fall
 * outside the text or do not hold the quote.
 */
export function paragraphOf(bytes, offset, length, quote) {
	if (!bytes || !(offset >= 0) || !(length > 0) || offset + length > bytes.length)
		return null;
	let a = offset, b = offset + length;
	while (a > 0 && bytes[a - 1] !== NL)
		a--;
	while (b < bytes.length && bytes[b] !== NL)
		b++;
	const dec = new TextDecoder('utf-8');
	const part = {
		before: dec.decode(bytes.subarray(a, offset)),
		quote: dec.decode(bytes.subarray(offset, offset + length)),
		after: dec.decode(bytes.subarray(offset + length, b))
	};
	return part.quote === quote ? part : null;
}

function render(box, part) {
	box.textContent = '';
	box.appendChild(el('p', {}, part.before, el('mark', { text: part.quote }), part.after));
}

/*
 * A "show in the article" button and the box it opens, for a quote with
 * byte offsets into article.txt. The button stays hidden until the
 * article's text has come and the offsets hold the quote: it never
 * opens on nothing.
 */
export function articleControl(q) {
	if (!source || typeof q.offset !== 'number' || q.offset < 0 || !(q.length > 0))
		return null;
	const id = 'bm-in-article-' + (++serial);
	const button = el('button', { type: 'button', className: 'bm-article-toggle', 'aria-expanded': 'false', 'aria-controls': id, text: t('show_in_article') });
	const box = el('div', { className: 'bm-in-article', id, role: 'region', 'aria-label': t('in_article') });
	box.hidden = true;
	button.hidden = true;
	let part = null;
	fetchArticle(source).then((bytes) => {
		part = paragraphOf(bytes, q.offset, q.length, String(q.quote));
		button.hidden = !part;
	});
	button.addEventListener('click', () => {
		const open = box.hidden;
		if (open && part)
			render(box, part);
		box.hidden = !open;
		button.setAttribute('aria-expanded', open ? 'true' : 'false');
		button.textContent = t(open ? 'hide_in_article' : 'show_in_article');
	});
	return el('div', { className: 'bm-article' }, button, box);
}
