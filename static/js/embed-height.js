/* embed-height.js: the embed's side of embed-resize.js: on the host page's request, the frame's height follows its content. */

/* embed-resize.js on the host page asks for the frame's height to
 * follow the content: the map then keeps its height and the list of
 * events opens below it instead of over it. */
export class AutoHeight {
	constructor(map, details) {
		this.map = map;
		this.details = details;
		this.on = false;
		this.last = 0;
		window.addEventListener('message', (ev) => this.hear(ev));
		/* In case embed-resize.js said hello before this page could hear it. */
		if (window.parent !== window)
			window.parent.postMessage({ type: 'briefmap:ready' }, '*');
	}

	hear(ev) {
		const d = ev.data;
		if (ev.source !== window.parent || !d || d.type !== 'briefmap:auto-height' || this.on)
			return;
		this.on = true;
		const mapH = Math.max(160, window.innerHeight - this.details.offsetHeight);
		document.getElementById('map').style.height = mapH + 'px';
		document.body.classList.add('embed-auto');
		this.map.invalidateSize();
		if (window.ResizeObserver)
			new ResizeObserver(() => this.post()).observe(document.body);
		this.details.addEventListener('toggle', () => this.post());
		this.post();
	}

	post() {
		if (!this.on)
			return;
		const h = Math.ceil(document.body.getBoundingClientRect().height);
		if (h !== this.last) {
			this.last = h;
			window.parent.postMessage({ type: 'briefmap:height', height: h }, '*');
		}
	}
}
