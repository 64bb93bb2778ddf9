/* api.js: the server's JSON and text, relative to the page so that any path prefix works. */

export function fetchJSON(url) {
	return fetch(url, { headers: { Accept: 'application/json' } }).then((r) => {
		if (!r.ok)
			throw new Error(url + ': HTTP ' + r.status);
		return r.json();
	});
}

const articles = new Map();

/* The bytes of the briefing's article.txt at `url`, fetched once; null when it cannot be
 * had. Quotes' offsets and lengths count bytes of this file. */
export function fetchArticle(url) {
	if (!articles.has(url)) {
		articles.set(url, fetch(url, { headers: { Accept: 'text/plain' } })
			.then((r) => (r.ok ? r.arrayBuffer() : null))
			.then((buf) => (buf ? new Uint8Array(buf) : null), () => null));
	}
	return articles.get(url);
}
