/* embed-resize.js: included beside a briefmap iframe on a host page, it makes the frame's height follow its content. */
/*
 * <iframe src=".../embed?view=NAME" width="800" height="500" data-briefmap-embed ...></iframe>
 * <script async src=".../static/embed-resize.js"></script>
 *
 * The frame keeps its map at the height it was given; the list of events
 * then opens below the map and the frame grows to show it. Only frames
 * marked data-briefmap-embed are touched, and only by messages from their
 * own window and origin. Without this script the plain iframe works as is.
 */
(function () {
	'use strict';
	var MIN_H = 120, MAX_H = 4000;

	function frames() {
		return document.querySelectorAll('iframe[data-briefmap-embed]');
	}

	function originOf(frame) {
		try {
			return new URL(frame.src, location.href).origin;
		} catch (e) {
			return null;
		}
	}

	function hello(frame) {
		var origin = originOf(frame);
		if (origin && frame.contentWindow)
			frame.contentWindow.postMessage({ type: 'briefmap:auto-height' }, origin);
	}

	window.addEventListener('message', function (ev) {
		var d = ev.data;
		if (!d || typeof d.type !== 'string' || d.type.indexOf('briefmap:') !== 0)
			return;
		var list = frames();
		for (var i = 0; i < list.length; i++) {
			var f = list[i];
			if (f.contentWindow !== ev.source || originOf(f) !== ev.origin)
				continue;
			if (d.type === 'briefmap:ready')
				hello(f);
			else if (d.type === 'briefmap:height' && typeof d.height === 'number' && isFinite(d.height))
				f.style.height = Math.round(Math.min(Math.max(d.height, MIN_H), MAX_H)) + 'px';
		}
	});

	function init() {
		Array.prototype.forEach.call(frames(), function (f) {
			if (f.getAttribute('data-briefmap-resize'))
				return;
			f.setAttribute('data-briefmap-resize', 'on');
			f.addEventListener('load', function () { hello(f); });
			hello(f);
		});
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
