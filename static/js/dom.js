/* dom.js: building HTML and SVG nodes; text always goes in through textContent. */

export const SVGNS = 'http://www.w3.org/2000/svg';

/* el('p', {className, text, attr: value}, child, ...): null attributes and children are skipped. */
export function el(tag, attrs, ...children) {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v == null)
			continue;
		if (k === 'text')
			node.textContent = v;
		else if (k === 'className')
			node.className = v;
		else
			node.setAttribute(k, v);
	}
	for (const c of children) {
		if (c != null)
			node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
	}
	return node;
}

export function svg(tag, attrs, ...children) {
	const node = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(attrs || {}))
		node.setAttribute(k, v);
	for (const c of children)
		node.appendChild(c);
	return node;
}

export function byId(id) {
	return document.getElementById(id);
}
