/* popup-room.js: popups kept clear of the map's chrome, opened and closed by keyboard, and flying to an event. */

function popupsOf(layer) {
	const list = layer.order.map((rec) => rec.group && rec.group.getPopup());
	for (const entry of layer.areas.entries.values())
		list.push(entry.layer.getPopup());
	return list.filter(Boolean);
}

/* Keeps popups clear of map chrome (the legend) when they pan into
 * view, and no wider or taller than the room between the paddings. */
function setPopupPadding(layer, topLeft, bottomRight) {
	const size = layer.map.getSize();
	const maxWidth = Math.max(120, Math.min(340, size.x - topLeft[0] - bottomRight[0]));
	/* 30 px: the popup's tip and its offset from the symbol. */
	const maxHeight = Math.max(80, Math.min(540, size.y - topLeft[1] - bottomRight[1] - 30));
	layer.map.getContainer().style.setProperty('--bm-popup-max-h', maxHeight + 'px');
	for (const pp of popupsOf(layer)) {
		pp.options.autoPanPaddingTopLeft = L.point(topLeft);
		pp.options.autoPanPaddingBottomRight = L.point(bottomRight);
		pp.options.maxWidth = maxWidth;
		pp.options.minWidth = Math.min(240, maxWidth);
	}
	const open = layer.popup;
	/* update() lays the popup out again and pans it into view. */
	if (open && layer.map.hasLayer(open))
		open.update();
}

/* Room for popups from the map's size. A small map (an embed in a
 * column, a phone) has no room beside its corner controls, so they
 * step aside while a popup is open (CSS: .bm-compact.bm-popup-open)
 * and the popup may use the whole frame above the attribution. */
export function fitPopups(layer) {
	const map = layer.map, size = map.getSize(), box = map.getContainer();
	const compact = size.x < 520 || size.y < 420;
	box.classList.toggle('bm-compact', compact);
	let bottom = 8;
	const attr = box.querySelector('.leaflet-control-attribution');
	if (attr && attr.offsetHeight)
		bottom = Math.max(8, Math.ceil(box.getBoundingClientRect().bottom - attr.getBoundingClientRect().top) + 4);
	if (!compact && layer.opts.popupRoom) {
		const room = layer.opts.popupRoom(bottom);
		setPopupPadding(layer, room[0], room[1]);
	} else if (compact) {
		setPopupPadding(layer, [6, 6], [6, bottom]);
	} else {
		setPopupPadding(layer, [56, 12], [12, Math.max(bottom, 24)]);
	}
}

function focusBack(layer, back) {
	let node = back.node && back.node.isConnected && back.node.getAttribute('aria-hidden') !== 'true' ? back.node : null;
	if ((!node || node === layer.map.getContainer()) && back.id) {
		const q = JSON.stringify(String(back.id));
		node = back.list ? document.querySelector('.event-list [data-event=' + q + ']') :
			layer.map.getContainer().querySelector('[aria-label][data-event-id=' + q + '],[aria-label][data-event-part=' + q + ']');
	}
	/* The embed closes its list over the map to show the popup: it
	 * opens again for the reader to go on where they were. */
	const shut = node && node.closest && node.closest('details:not([open])');
	if (shut)
		shut.open = true;
	if (node && node.focus)
		node.focus({ preventScroll: true });
}

function onOpen(layer, e) {
	layer.popup = e.popup;
	layer.map.getContainer().classList.add('bm-popup-open');
	const a = document.activeElement;
	const id = a && a.getAttribute ? a.getAttribute('data-event-id') || a.getAttribute('data-event-part') || a.getAttribute('data-event') : null;
	layer.returnTo = a && a !== document.body ? { node: a, id, list: !!(a.closest && a.closest('.event-list')) } : null;
	if (layer.opener) {
		layer.returnTo = layer.opener;
		layer.opener = null;
	}
	const box = e.popup.getElement() && e.popup.getElement().querySelector('.bm-popup');
	if (box)
		box.focus({ preventScroll: true });
}

function onClose(layer, e) {
	if (e.popup !== layer.popup)
		return;
	layer.popup = null;
	layer.map.getContainer().classList.remove('bm-popup-open');
	const a = document.activeElement, pe = e.popup.getElement();
	const lost = !a || a === document.body || (pe && pe.contains(a));
	const back = layer.returnTo;
	layer.returnTo = null;
	if (lost && back)
		focusBack(layer, back);
}

/* Keyboard use of popups: the popup takes the focus when it opens;
 * Escape closes it; closing it gives the focus back to what opened it
 * (the symbol, or the list entry), not to the top of the page. */
export function watchPopups(layer) {
	layer.map.on('popupopen', (e) => onOpen(layer, e));
	layer.map.on('popupclose', (e) => onClose(layer, e));
	document.addEventListener('keydown', (ev) => {
		if (ev.key !== 'Escape' || ev.defaultPrevented || !layer.popup || document.querySelector('dialog[open]'))
			return;
		ev.preventDefault();
		layer.map.closePopup(layer.popup);
	});
}

function flightOf(layer, rec) {
	const map = layer.map;
	if (rec.bounds && rec.bounds.isValid()) {
		const z = map.getBoundsZoom(rec.bounds.pad(0.35));
		return { target: rec.bounds.getCenter(), zoom: Math.round(Math.min(Math.max(z, 4), 8)) };
	}
	const z = Math.max(map.getZoom(), rec.props.geo_precision === 'region' ? 5 : 7);
	return { target: rec.anchor, zoom: Math.round(Math.min(z, 9)) };
}

/* Flies to an event, then opens its popup; closing it gives the focus
 * back to `opener` (a list entry), which may be hidden meanwhile. */
export function flyTo(layer, id, opener) {
	const rec = layer.events.get(id);
	const map = layer.map;
	if (!rec || !rec.group)
		return;
	layer.opener = opener ? { node: opener, id, list: true } : null;
	map.closePopup();
	/* A pan still running (a popup's auto-pan) would end first and
	 * open the popup mid-flight, which stops the flight. */
	map.stop();
	const flight = {};
	layer.flight = flight;
	const done = () => {
		if (layer.flight === flight)
			layer.open(id);
	};
	const { target, zoom } = flightOf(layer, rec);
	if (map.getZoom() === zoom && map.getCenter().distanceTo(target) < 1000) {
		done();
		return;
	}
	map.once('moveend', done);
	if (window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches)
		map.setView(target, zoom, { animate: false });
	else
		map.flyTo(target, zoom, { duration: 0.9 });
}
