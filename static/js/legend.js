/* legend.js: the legend, which doubles as the layer switcher by kind; every status on a row of its own. */
import { el, svg } from './dom.js';
import { t } from './i18n.js';
import { KIND_ORDER, STATUS_ORDER, kindLabel, statusText } from './style.js';
import { eventSymbol, statusSwatch } from './symbols.js';

function kindRow(legend, k) {
	const o = legend.options;
	const label = el('label', { className: 'bm-legend-row' });
	if (o.onToggle) {
		const cb = el('input', { type: 'checkbox', 'data-kind': k, 'aria-label': t('legend_show_kind', { kind: kindLabel(k) }) });
		cb.checked = true;
		cb.addEventListener('change', () => o.onToggle(k, cb.checked));
		legend.checkboxes[k] = cb;
		label.appendChild(cb);
	}
	label.appendChild(eventSymbol(k, 'reported', 20));
	label.appendChild(el('span', { className: 'bm-legend-name', text: kindLabel(k) }));
	if (o.counts && o.counts[k] != null)
		label.appendChild(el('span', { className: 'bm-legend-count', text: String(o.counts[k]) }));
	return el('li', {}, label);
}

/* One row per status, as api/style declares them: statuses drawn alike would still read apart. */
function statusRows() {
	const ul = el('ul', { className: 'bm-legend-status' });
	for (const s of STATUS_ORDER) {
		ul.appendChild(el('li', { className: 'bm-legend-row', 'data-status': s }, statusSwatch(s),
			el('span', { className: 'bm-legend-name' },
				el('span', { text: statusText(s, 'legend') }),
				el('small', { text: statusText(s, 'legend_note') }))));
	}
	return ul;
}

function toggleButton(collapsed) {
	const toggle = el('button', { type: 'button', className: 'bm-legend-toggle', 'aria-expanded': collapsed ? 'false' : 'true' },
		el('span', { text: t('legend') }));
	toggle.appendChild(svg('svg', { viewBox: '0 0 20 20', width: 14, height: 14, 'aria-hidden': 'true' },
		svg('path', { d: 'M5 8l5 5 5-5', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })));
	return toggle;
}

export const LegendControl = L.Control.extend({
	options: { position: 'topright', collapsed: false, kinds: null, counts: null, onToggle: null, onCollapse: null },
	onAdd() {
		const o = this.options;
		const box = el('section', { className: 'bm-legend' + (o.collapsed ? ' collapsed' : ''), 'aria-label': t('legend') });
		this.box = box;
		this.toggleButton = toggleButton(o.collapsed);
		this.toggleButton.addEventListener('click', () => this.setCollapsed(!box.classList.contains('collapsed')));
		box.appendChild(this.toggleButton);
		const body = el('div', { className: 'bm-legend-body' });
		box.appendChild(body);
		body.appendChild(el('h3', { text: t(o.onToggle ? 'legend_kinds_toggle' : 'legend_kinds') }));
		this.checkboxes = {};
		body.appendChild(el('ul', { className: 'bm-legend-kinds' }, ...(o.kinds || KIND_ORDER).map((k) => kindRow(this, k))));
		body.appendChild(el('h3', { text: t('legend_statuses') }));
		body.appendChild(statusRows());
		L.DomEvent.disableClickPropagation(box);
		L.DomEvent.disableScrollPropagation(box);
		return box;
	},
	setCollapsed(c) {
		this.box.classList.toggle('collapsed', c);
		this.toggleButton.setAttribute('aria-expanded', c ? 'false' : 'true');
		if (this.options.onCollapse)
			this.options.onCollapse(c, this.box);
	},
	/* Width the legend takes from the map's right edge, in pixels. */
	occupiedWidth() {
		if (!this.box || this.box.classList.contains('collapsed'))
			return 0;
		return this.box.offsetWidth + 10;
	},
	setChecked(k, on) {
		if (this.checkboxes && this.checkboxes[k])
			this.checkboxes[k].checked = on;
	}
});
