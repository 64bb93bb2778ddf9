/* timeline.js: the "as of" slider: events begun by a date; undated events are never placed at one. */
import { el, byId } from './dom.js';
import { t } from './i18n.js';
import { formatShort, formatAt } from './dates.js';

const FINE = { day: 0, week: 1, month: 2, year: 3 };

export class Timeline {
	/* state: {layer, until}; onChange() after each change of state.until. */
	constructor(state, onChange) {
		this.state = state;
		this.onChange = onChange;
		this.range = byId('timeline-range');
		this.all = byId('timeline-all');
		this.dates = [];
		this.prec = {};
	}

	/* The dates the events begin on, each at the finest precision an event gives it. */
	collect() {
		const set = new Set();
		for (const rec of this.state.layer.order) {
			if (!rec.start)
				continue;
			set.add(rec.start);
			const prec = rec.props.date_precision in FINE ? rec.props.date_precision : 'day';
			const had = this.prec[rec.start];
			if (!had || FINE[prec] < FINE[had])
				this.prec[rec.start] = prec;
		}
		this.dates = Array.from(set).sort();
	}

	setup() {
		this.collect();
		const range = this.range, dates = this.dates;
		range.max = String(Math.max(dates.length - 1, 0));
		range.value = range.max;
		range.classList.add('inactive');
		range.disabled = dates.length < 2;
		this.announce(null);
		dates.forEach((d, i) => byId('timeline-ticks').appendChild(el('option', { value: String(i) })));
		if (dates.length) {
			byId('timeline-first').textContent = formatShort(dates[0], this.prec[dates[0]]);
			byId('timeline-last').textContent = formatShort(dates[dates.length - 1], this.prec[dates[dates.length - 1]]);
		}
		range.addEventListener('input', () => this.set(dates[+range.value] || null));
		this.all.addEventListener('change', () => this.set(this.all.checked ? null : dates[+range.value] || null));
	}

	/* The slider's value in words, for screen readers: the index it holds means nothing read aloud. */
	announce(date) {
		this.range.setAttribute('aria-valuetext', date ?
			t('events_begun_by', { date: formatAt(date, this.prec[date] === 'week' ? 'day' : this.prec[date]) }) :
			t('all_dates_aria'));
	}

	set(date) {
		this.state.until = date;
		this.all.checked = !date;
		/* An undated event is never placed at a date: the filter leaves it out and says so. */
		const undated = this.state.layer.order.filter((rec) => !rec.start).length;
		byId('timeline-value').textContent = date ? t('begun_by', { date: formatShort(date, this.prec[date]) }) +
			(undated ? ' · ' + t('undated_left_out', { n: undated }) : '') : t('all_dates');
		this.announce(date);
		const i = date ? this.dates.indexOf(date) : -1;
		if (i >= 0)
			this.range.value = String(i);
		else if (!date)
			this.range.value = String(Math.max(this.dates.length - 1, 0));
		this.range.classList.toggle('inactive', !date);
		this.onChange();
	}
}
