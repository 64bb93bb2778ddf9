/* event-list.js: the list of events in date order, the map's text alternative; each entry shows its event on the map. */
import { el } from './dom.js';
import { own } from './i18n.js';
import { eventSymbol } from './symbols.js';
import { statusBadge } from './popup.js';
import { formatEventDate } from './dates.js';

function entry(rec, layer, opts) {
	const p = rec.props;
	const btn = el('button', { type: 'button', className: 'event-item', 'data-event': rec.id },
		eventSymbol(rec.kind, rec.status, 22),
		el('span', { className: 'event-text' },
			el('span', { className: 'event-title', text: own(p, 'title') || rec.id }),
			el('span', { className: 'event-meta' },
				el('span', { className: 'event-date', text: formatEventDate(p) }),
				statusBadge(rec.status, false))));
	if (rec.id === opts.selected)
		btn.classList.add('selected');
	if (!rec.group)
		btn.disabled = true;
	btn.addEventListener('click', () => {
		layer.flyTo(rec.id, btn);
		if (opts.onChoose)
			opts.onChoose(rec);
	});
	return el('li', {}, btn);
}

/* Fills `list` with the events `layer` shows; returns {shown, total}. */
export function renderEventList(list, layer, opts) {
	opts = opts || {};
	list.textContent = '';
	let shown = 0;
	for (const rec of layer.order) {
		if (!layer.isVisible(rec))
			continue;
		shown++;
		list.appendChild(entry(rec, layer, opts));
	}
	return { shown, total: layer.order.length };
}
