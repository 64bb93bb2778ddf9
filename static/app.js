/* app.js: the briefmap web map; its event drawing is shared with the embed page (window.briefmap). */
(function () {
	'use strict';

	/* Kinds (the briefing's own), statuses and their symbology are the
	 * server's, read from api/style (style-api.js) before anything is drawn. */
	var KINDS = {};
	var KIND_ORDER = [];
	var STATUSES = {};
	var STATUS_ORDER = [];
	/* Statuses drawn alike share a legend row. */
	var LEGEND_STATUS_ROWS = [];
	var FALLBACK_KIND = { label: 'Event', color: '#606066', paths: [] };
	var styleReady = null;
	function loadStyle() {
		if (!styleReady)
			styleReady = fetchJSON('api/style').then(function (st) {
				window.briefmapStyle.apply(st, { KINDS: KINDS, KIND_ORDER: KIND_ORDER, STATUSES: STATUSES,
					STATUS_ORDER: STATUS_ORDER, LEGEND_STATUS_ROWS: LEGEND_STATUS_ROWS });
			});
		return styleReady;
	}

	var PRECISION_WORDS = {
		exact: 'Exact location',
		approximate: 'Approximate location',
		near: 'Within about 25 km',
		admin1: 'Somewhere in this state or province',
		country: 'The country as a whole',
		water: 'Somewhere in these waters',
		region: 'Somewhere in this area'
	};

	var NEUTRAL = '#4d5866';
	var SVGNS = 'http://www.w3.org/2000/svg';
	var WORLD_BOUNDS = [[-85, -180], [85, 180]];
	/* Before the briefing's views arrive, or when it has none: the whole world. */
	var VIEW_FALLBACK = { name: 'world', title: 'The world', bbox: [-170, -58, 180, 78] };
	var REGION_RADIUS_M = 200000;
	var ATTRIBUTION_BASE = '<a href="https://www.naturalearthdata.com/">Natural Earth</a> · ' +
		'<a href="https://simplemaps.com/data/world-cities">SimpleMaps</a> ' +
		'(<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>)';
	var ATTRIBUTION_EVENTS = 'events: the article';

	/* ---- DOM helpers: text always goes in through textContent ---------- */

	function el(tag, attrs) {
		var node = document.createElement(tag);
		var k;
		if (attrs) {
			for (k in attrs) {
				if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null)
					continue;
				if (k === 'text')
					node.textContent = attrs[k];
				else if (k === 'className')
					node.className = attrs[k];
				else
					node.setAttribute(k, attrs[k]);
			}
		}
		for (k = 2; k < arguments.length; k++) {
			var c = arguments[k];
			if (c == null)
				continue;
			node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
		}
		return node;
	}

	function svg(tag, attrs) {
		var node = document.createElementNS(SVGNS, tag);
		for (var k in attrs) {
			if (Object.prototype.hasOwnProperty.call(attrs, k))
				node.setAttribute(k, attrs[k]);
		}
		for (var i = 2; i < arguments.length; i++)
			node.appendChild(arguments[i]);
		return node;
	}

	function kindOf(p) {
		return Object.prototype.hasOwnProperty.call(KINDS, p.kind) ? p.kind : KIND_ORDER[KIND_ORDER.length - 1];
	}

	/* An unknown status is shown as the weakest claim, never as a fact. */
	function statusOf(p) {
		return Object.prototype.hasOwnProperty.call(STATUSES, p.status) ? p.status : 'claimed';
	}

	/* What a screen reader says for an event's symbol: its title and how
	 * far the article's account goes ("<title> — reported"). */
	function eventName(p, id) {
		return (p.title || id || 'Untitled event') + ' — ' + STATUSES[statusOf(p)].label.toLowerCase();
	}

	/* ---- dates --------------------------------------------------------- */

	function normaliseDate(text) {
		if (typeof text !== 'string')
			return null;
		var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text.trim());
		if (!m)
			return null;
		return m[1] + '-' + (m[2] || '01') + '-' + (m[3] || '01');
	}

	/* ISO 8601 date or interval -> {start, end}; end is null when open. */
	function parseInterval(text) {
		if (typeof text !== 'string')
			return { start: null, end: null };
		var parts = text.split('/');
		var start = normaliseDate(parts[0]);
		var end = parts.length > 1 && parts[1] !== '..' ? normaliseDate(parts[1]) : null;
		return { start: start, end: end, open: parts.length > 1 && parts[1] === '..' };
	}

	var I18N = window.BriefmapI18n;

	/* Month names of the reader's language (static/i18n/<lang>.json). */
	function monthName(m) {
		var D = I18N && I18N.dates();
		return (D && D.months[m - 1]) || String(m);
	}

	function formatDay(iso, short) {
		var y = iso.slice(0, 4), m = +iso.slice(5, 7), d = +iso.slice(8, 10);
		var month = monthName(m);
		if (short)
			month = month.slice(0, 3);
		return d + ' ' + month + ' ' + y;
	}

	/* Short form for the timeline, no finer than what the events say. */
	function formatShort(iso, precision) {
		if (precision === 'year')
			return iso.slice(0, 4);
		if (precision === 'month')
			return monthName(+iso.slice(5, 7)).slice(0, 3) + ' ' + iso.slice(0, 4);
		return formatDay(iso, true);
	}

	/* A day of the timeline in words, no finer than `precision`, by the one date rule. */
	function formatAt(iso, precision) {
		var cut = precision === 'year' ? 4 : precision === 'month' ? 7 : 10;
		return window.BriefmapCaveats.formatDate(iso.slice(0, cut), precision === 'week' ? 'day' : precision);
	}

	/* One rule for sheets and page: geodata_date_format, mirrored in caveats.js. */
	function formatEventDate(p) {
		return window.BriefmapCaveats ? window.BriefmapCaveats.formatDate(p.date, p.date_precision, p.date_text)
			: (typeof p.date === 'string' && p.date ? p.date : 'Undated');
	}

	function precisionWords(prec) {
		switch (prec) {
		case 'day': return 'to the day';
		case 'week': return 'to the week';
		case 'month': return 'to the month';
		case 'year': return 'to the year';
		default: return prec ? String(prec) : '';
		}
	}

	/* ---- symbols ------------------------------------------------------- */

	/* The kind's glyph in units of the symbol's diameter centred on 0,0:
	 * the very paths of the server's symbols (api/style), so the live map
	 * and the tiles and sheets it exports read alike. `ink` is its colour. */
	function glyph(kind, ink) {
		return window.briefmapStyle.glyph(KINDS[kind], ink, svg);
	}

	/* The point symbol of an event: a disc with the kind's glyph, drawn by
	 * status like the server's: solid disc for confirmed and reported,
	 * hollow with a dashed ring for claimed and threatened, hatched with a
	 * dotted ring for hypothetical, solid with a "?" badge for disputed. */
	function eventSymbol(kind, status, size) {
		var color = (KINDS[kind] || FALLBACK_KIND).color;
		var treatment = (STATUSES[status] || STATUSES.claimed).treatment;
		var root = svg('svg', {
			viewBox: '-2 -2 28 28', width: size, height: size,
			'class': 'bm-symbol bm-symbol-' + treatment, 'aria-hidden': 'true', focusable: 'false'
		});
		var solid = treatment === 'solid' || treatment === 'disputed';
		root.appendChild(svg('circle', { cx: 12, cy: 12, r: 13.5, fill: '#fff', 'fill-opacity': 0.95 }));
		if (solid) {
			root.appendChild(svg('circle', { cx: 12, cy: 12, r: 12, fill: color }));
		} else {
			/* Ring dashes fitted to the circumference so it closes evenly. */
			var w = 3, r = 12 - w / 2, c = 2 * Math.PI * r;
			var ring = { cx: 12, cy: 12, r: r, fill: '#fff', stroke: color, 'stroke-width': w };
			if (treatment === 'dashed') {
				ring['stroke-dasharray'] = (c / 8 * 0.6).toFixed(2) + ' ' + (c / 8 * 0.4).toFixed(2);
			} else {
				ring.fill = 'url(#bm-hatchs-' + kind + ')';
				ring['stroke-dasharray'] = '0.01 ' + (c / 12).toFixed(2);
				ring['stroke-linecap'] = 'round';
				root.appendChild(svg('circle', { cx: 12, cy: 12, r: r, fill: '#fff' }));
			}
			root.appendChild(svg('circle', ring));
		}
		var g = svg('g', { transform: 'translate(12 12) scale(24)' }, glyph(kind, solid ? '#fff' : color));
		root.appendChild(g);
		if (treatment === 'disputed') {
			root.appendChild(svg('circle', { cx: 21.4, cy: 2.6, r: 5.4, fill: '#fff', stroke: '#1d2733', 'stroke-width': 1.3 }));
			var q = svg('text', { x: 21.4, y: 5.6, 'text-anchor': 'middle', 'font-size': 8.5, 'font-weight': 700, fill: '#1d2733', 'font-family': 'system-ui, sans-serif' });
			q.textContent = '?';
			root.appendChild(q);
		}
		return root;
	}

	/* Hatch patterns live in one hidden SVG in the page: Leaflet's paths can
	 * then use fill="url(#bm-hatch-KIND)" from any renderer. */
	function installPatterns() {
		if (document.getElementById('bm-patterns'))
			return;
		var defs = svg('defs', {});
		var colors = {};
		KIND_ORDER.forEach(function (k) { colors[k] = KINDS[k].color; });
		colors.neutral = NEUTRAL;
		Object.keys(colors).forEach(function (k) {
			var p = svg('pattern', {
				id: 'bm-hatch-' + k, patternUnits: 'userSpaceOnUse', width: 7, height: 7,
				patternTransform: 'rotate(45)'
			});
			p.appendChild(svg('rect', { width: 7, height: 7, fill: colors[k], 'fill-opacity': 0.07 }));
			p.appendChild(svg('line', { x1: 1.5, y1: 0, x2: 1.5, y2: 7, stroke: colors[k], 'stroke-width': 2, 'stroke-opacity': 0.6 }));
			defs.appendChild(p);
			/* Finer, lighter hatching inside point symbols. */
			var hs = svg('pattern', {
				id: 'bm-hatchs-' + k, patternUnits: 'userSpaceOnUse', width: 5.3, height: 5.3,
				patternTransform: 'rotate(45)'
			});
			hs.appendChild(svg('line', { x1: 1, y1: 0, x2: 1, y2: 5.3, stroke: colors[k], 'stroke-width': 1.1, 'stroke-opacity': 0.45 }));
			defs.appendChild(hs);
			/* Stippling: an area the article names only loosely. */
			var d = svg('pattern', { id: 'bm-dots-' + k, patternUnits: 'userSpaceOnUse', width: 10, height: 10 });
			d.appendChild(svg('circle', { cx: 2.5, cy: 2.5, r: 1.1, fill: colors[k], 'fill-opacity': 0.75 }));
			d.appendChild(svg('circle', { cx: 7.5, cy: 7.5, r: 1.1, fill: colors[k], 'fill-opacity': 0.75 }));
			defs.appendChild(d);
		});
		var root = svg('svg', { id: 'bm-patterns', width: 0, height: 0, 'aria-hidden': 'true', focusable: 'false' }, defs);
		root.style.position = 'absolute';
		root.style.width = '0';
		root.style.height = '0';
		document.body.appendChild(root);
	}

	/* Line and area style of a feature by status; `loose` areas (the
	 * article names a region, not a place) are stippled. */
	function pathStyle(kind, status, isArea, loose) {
		var color = (KINDS[kind] || FALLBACK_KIND).color;
		var t = (STATUSES[status] || STATUSES.claimed).treatment;
		var s = { color: color, weight: 2.2, opacity: 0.95, fillColor: color, fillOpacity: isArea ? 0.1 : 0, dashArray: null, lineCap: 'round' };
		if (t === 'dashed') {
			s.dashArray = '7 5';
			s.fillOpacity = isArea ? 0.1 : 0;
		} else if (t === 'hatched') {
			s.dashArray = '2 5';
			s.fillColor = 'url(#bm-hatch-' + kind + ')';
			s.fillOpacity = 1;
		} else if (t === 'disputed') {
			s.dashArray = '1 4 8 4';
			s.fillOpacity = isArea ? 0.1 : 0;
		}
		if (loose && isArea && t !== 'hatched') {
			s.fillColor = 'url(#bm-dots-' + kind + ')';
			s.fillOpacity = 1;
		}
		if (!isArea)
			s.fill = false;
		return s;
	}

	/* A Leaflet icon built from DOM nodes each time it is added, so a marker
	 * removed by a filter and added back gets a fresh element. */
	var EventIcon = L.Icon.extend({
		options: { kind: 'neutral', status: 'reported', size: 28, offset: [0, 0], eventId: null, part: false, label: null },
		createIcon: function () {
			var o = this.options;
			var div = document.createElement('div');
			div.className = 'leaflet-marker-icon bm-marker bm-kind-' + o.kind + ' bm-status-' + o.status;
			div.appendChild(eventSymbol(o.kind, o.status, o.size));
			var half = o.size / 2;
			div.style.width = o.size + 'px';
			div.style.height = o.size + 'px';
			div.style.marginLeft = (-half + o.offset[0]) + 'px';
			div.style.marginTop = (-half + o.offset[1]) + 'px';
			if (o.eventId != null)
				div.setAttribute(o.part ? 'data-event-part' : 'data-event-id', o.eventId);
			if (o.label)
				div.setAttribute('aria-label', o.label);
			return div;
		},
		createShadow: function () { return null; }
	});

	/* ---- geometry helpers ---------------------------------------------- */

	function ringArea(ring) {
		var a = 0;
		for (var i = 0, j = ring.length - 1; i < ring.length; j = i++)
			a += (ring[j][0] * ring[i][1]) - (ring[i][0] * ring[j][1]);
		return a / 2;
	}

	function pointInRing(x, y, ring) {
		var inside = false;
		for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
			var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
			if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi))
				inside = !inside;
		}
		return inside;
	}

	/* Where to put a polygon's symbol and popup: the centroid of its largest
	 * ring, or, when that falls outside (a curved state), the middle of the
	 * widest span of the ring along the centroid's latitude. */
	function labelPoint(geometry) {
		var polys = [];
		if (geometry.type === 'Polygon')
			polys = [geometry.coordinates];
		else if (geometry.type === 'MultiPolygon')
			polys = geometry.coordinates;
		var best = null, bestArea = 0;
		polys.forEach(function (poly) {
			var a = Math.abs(ringArea(poly[0]));
			if (!best || a > bestArea) {
				best = poly[0];
				bestArea = a;
			}
		});
		if (!best || best.length < 3)
			return null;
		var a6 = 0, cx = 0, cy = 0;
		for (var i = 0, j = best.length - 1; i < best.length; j = i++) {
			var f = best[j][0] * best[i][1] - best[i][0] * best[j][1];
			cx += (best[j][0] + best[i][0]) * f;
			cy += (best[j][1] + best[i][1]) * f;
			a6 += f * 3;
		}
		if (a6 === 0)
			return L.latLng(best[0][1], best[0][0]);
		cx /= a6;
		cy /= a6;
		if (pointInRing(cx, cy, best))
			return L.latLng(cy, cx);
		var xs = [];
		for (i = 0, j = best.length - 1; i < best.length; j = i++) {
			var yi = best[i][1], yj = best[j][1];
			if ((yi > cy) !== (yj > cy))
				xs.push(best[i][0] + (cy - yi) * (best[j][0] - best[i][0]) / (yj - yi));
		}
		xs.sort(function (p, q) { return p - q; });
		var span = 0, mid = cx;
		for (i = 0; i + 1 < xs.length; i += 2) {
			if (xs[i + 1] - xs[i] > span) {
				span = xs[i + 1] - xs[i];
				mid = (xs[i] + xs[i + 1]) / 2;
			}
		}
		return L.latLng(cy, mid);
	}

	/* ---- popups and tooltips ------------------------------------------- */

	function statusBadge(status, long) {
		var st = STATUSES[status];
		var badge = el('span', { className: 'bm-badge bm-badge-' + status, text: long ? st.words : st.label });
		badge.style.setProperty('--badge', st.color);
		return badge;
	}

	var popupSerial = 0;

	function buildPopup(p, opts) {
		var kind = kindOf(p), status = statusOf(p);
		var titleId = 'bm-popup-title-' + (++popupSerial);
		/* A non-modal dialog that takes the focus when it opens: its text
		 * may scroll, so it is a tab stop of its own. */
		var wrap = el('article', { className: 'bm-popup', role: 'dialog', tabindex: '0', 'aria-labelledby': titleId });
		wrap.style.setProperty('--kind', KINDS[kind].color);
		wrap.appendChild(el('div', { className: 'bm-popup-kind' },
			eventSymbol(kind, status, 18), el('span', { text: KINDS[kind].label })));
		wrap.appendChild(el('h3', { className: 'bm-popup-title', id: titleId, text: I18N.own(p, 'title') || p.id || I18N.t('untitled') }));
		var prec = precisionWords(p.date_precision);
		wrap.appendChild(el('p', { className: 'bm-popup-date' },
			el('time', { datetime: typeof p.date === 'string' ? p.date : null, text: formatEventDate(p) }),
			prec ? el('span', { className: 'muted', text: ' · date ' + prec }) : null));
		wrap.appendChild(el('p', { className: 'bm-popup-status' }, statusBadge(status, true)));
		/* The article's own words first: the rest is our reading of them. */
		/* Every quote on its own, with who says it; the older single `source` as one. */
		var quotes = Array.isArray(p.sources) && p.sources.length ? p.sources
			: p.source ? [{ quote: p.source, claimant: null }] : [];
		quotes.forEach(function (q) {
			wrap.appendChild(el('blockquote', { className: 'bm-popup-source' },
				el('p', { text: String(q.quote) }),
				el('footer', { text: 'The article' + (q.claimant && q.claimant !== 'the article' ? ', quoting ' + q.claimant : '') })));
		});
		if (p.verification)
			wrap.appendChild(el('p', { className: 'bm-popup-summary', text: 'Checked outside the article: ' + p.verification + (p.verification_note ? ' — ' + p.verification_note : '') }));
		if (p.summary)
			wrap.appendChild(el('p', { className: 'bm-popup-summary', text: I18N.own(p, 'summary') }));
		var dl = el('dl', { className: 'bm-popup-facts' });
		var fact = function (term, value) {
			dl.appendChild(el('dt', { text: term }));
			dl.appendChild(el('dd', { text: value }));
		};
		fact('Kind', KINDS[kind].label);
		if (Array.isArray(p.actors) && p.actors.length)
			fact('Actors', p.actors.map(String).join(', '));
		if (typeof p.count === 'number')
			fact('Count', p.count.toLocaleString('en-US'));
		var where = PRECISION_WORDS[p.geo_precision] || '';
		if (p.area)
			where = (where ? where + ' · ' : '') + 'area ' + p.area;
		if (where)
			fact('Location', where);
		wrap.appendChild(dl);
		if (opts && opts.link) {
			var a = el('a', { className: 'bm-popup-link', href: opts.link(p.id), text: 'Link to this event' });
			if (opts.linkTarget)
				a.setAttribute('target', opts.linkTarget);
			wrap.appendChild(el('p', { className: 'bm-popup-actions' }, a));
		}
		return wrap;
	}

	function buildTooltip(p) {
		var status = statusOf(p);
		var t = el('div', { className: 'bm-tip' }, el('strong', { text: p.title || p.id || '' }));
		var tag = el('span', { className: 'bm-tip-status', text: STATUSES[status].label });
		tag.style.setProperty('--badge', STATUSES[status].color);
		t.appendChild(tag);
		return t;
	}

	/* ---- the event layer ------------------------------------------------ */

	/* Draws a FeatureCollection as clickable Leaflet layers, one entry per
	 * feature in `events` (id -> record), each with one element carrying
	 * data-event-id; extra parts carry data-event-part. */
	function EventLayer(map, collection, opts) {
		this.map = map;
		this.opts = opts || {};
		this.events = new Map();
		this.order = [];
		this.filter = null;
		installPatterns();
		var features = collection && Array.isArray(collection.features) ? collection.features : [];
		var self = this;

		features.forEach(function (f, i) {
			var p = f && f.properties ? f.properties : {};
			var id = p.id != null ? String(p.id) : 'event-' + i;
			var iv = parseInterval(p.date);
			var rec = {
				id: id, feature: f, props: p, kind: kindOf(p), status: statusOf(p),
				start: iv.start, end: iv.end, index: i, group: null, anchor: null, onMap: false,
				name: eventName(p, id)
			};
			self.events.set(id, rec);
			self.order.push(rec);
		});

		this.order.forEach(function (rec) { self._build(rec); });
		map.on('zoomend', function () { self.declutter(); });
		this._watchPopups();
		this.fitPopups();
		map.on('resize', function () { self.fitPopups(); });
		this.order.sort(function (a, b) {
			var sa = a.start || '9999', sb = b.start || '9999';
			/* Undated events last, in the article's order. */
			return sa < sb ? -1 : sa > sb ? 1 : (a.props.sequence || a.index) - (b.props.sequence || b.index);
		});
	}

	EventLayer.prototype._tag = function (layer, rec, part) {
		layer.on('add', function () {
			var node = layer.getElement && layer.getElement();
			if (node) {
				node.setAttribute(part ? 'data-event-part' : 'data-event-id', rec.id);
				node.classList.add('bm-event');
				/* The event's named symbol is its one keyboard stop; its
				 * shapes are for the pointer only. */
				if (node.namespaceURI === SVGNS) {
					node.setAttribute('tabindex', '-1');
					node.setAttribute('aria-hidden', 'true');
				}
			}
		});
	};

	EventLayer.prototype._build = function (rec) {
		var f = rec.feature, p = rec.props, self = this;
		var group = L.featureGroup();
		var geom = f && f.geometry;
		var size = this.opts.symbolSize || 28;
		var tooltip = { direction: 'top', offset: [0, -size / 2], opacity: 1, className: 'bm-tooltip' };

		if (geom && geom.type === 'Point') {
			var ll = L.latLng(geom.coordinates[1], geom.coordinates[0]);
			rec.anchor = ll;
			if (p.geo_precision === 'region') {
				/* Only "somewhere around here": a stippled zone with a
				 * dotted edge, as the server draws areas of uncertainty;
				 * the symbol carries the status. */
				var area = L.circle(ll, {
					radius: REGION_RADIUS_M, color: KINDS[rec.kind].color, weight: 1.2, opacity: 0.8,
					dashArray: '2 4', fillColor: 'url(#bm-dots-' + rec.kind + ')', fillOpacity: 0.8
				});
				this._tag(area, rec, true);
				area.bindTooltip(buildTooltip(p), { sticky: true, opacity: 1, className: 'bm-tooltip' });
				group.addLayer(area);
			}
			var marker = L.marker(ll, {
				icon: new EventIcon({ kind: rec.kind, status: rec.status, size: size, offset: rec.offset || [0, 0], eventId: rec.id, label: rec.name }),
				keyboard: true, title: '', alt: p.title || rec.id, riseOnHover: true
			});
			marker.bindTooltip(buildTooltip(p), Object.assign({}, tooltip, {
				offset: [(rec.offset || [0, 0])[0], (rec.offset || [0, 0])[1] - size / 2]
			}));
			group.addLayer(marker);
			rec.primary = marker;
			rec.marker = marker;
			rec.popupAt = function () {
				var pt = self.map.latLngToLayerPoint(ll).add(L.point(rec.offset || [0, 0]));
				return self.map.layerPointToLatLng(pt);
			};
		} else if (geom) {
			var isArea = /Polygon/.test(geom.type) || geom.type === 'GeometryCollection';
			var shapes = L.geoJSON(f, {
				style: function (feat) {
					return pathStyle(rec.kind, rec.status, /Polygon/.test(feat.geometry.type) || isArea,
						p.geo_precision === 'region' && !p.area);
				},
				pointToLayer: function (pf, pll) {
					return L.circleMarker(pll, { radius: 6 });
				}
			});
			var first = true;
			shapes.eachLayer(function (layer) {
				self._tag(layer, rec, !first);
				layer.bindTooltip(buildTooltip(p), { sticky: true, opacity: 1, className: 'bm-tooltip' });
				if (first)
					rec.primary = layer;
				first = false;
				group.addLayer(layer);
			});
			var lp = /Polygon/.test(geom.type) ? labelPoint(geom) : null;
			rec.bounds = shapes.getBounds();
			rec.anchor = lp || (rec.bounds.isValid() ? rec.bounds.getCenter() : null);
			if (lp) {
				var badge = L.marker(lp, {
					icon: new EventIcon({ kind: rec.kind, status: rec.status, size: size - 6, eventId: rec.id, part: true, label: rec.name }),
					keyboard: true, title: '', alt: p.title || rec.id
				});
				badge.bindTooltip(buildTooltip(p), Object.assign({}, tooltip, { offset: [0, -(size - 6) / 2] }));
				group.addLayer(badge);
			}
			rec.popupAt = function () { return rec.anchor; };
		}

		if (!rec.primary) {
			/* A feature without geometry still gets its place in the list;
			 * there is nothing to draw. */
			rec.group = null;
			return;
		}
		group.bindPopup(function () {
			return buildPopup(p, self.opts);
		}, { maxWidth: 340, minWidth: 240, autoPanPaddingTopLeft: [60, 16], autoPanPaddingBottomRight: [20, 28], className: 'bm-popup-wrap', closeOnEscapeKey: false });
		group.on('popupopen', function () {
			if (self.opts.onOpen)
				self.opts.onOpen(rec);
		});
		group.on('popupclose', function () {
			if (self.opts.onClose)
				self.opts.onClose(rec);
		});
		rec.group = group;
	};

	EventLayer.prototype.isVisible = function (rec) {
		return !this.filter || this.filter(rec);
	};

	/* Adds or removes each event's layers according to `filter(rec)`. */
	EventLayer.prototype.apply = function (filter) {
		var self = this;
		this.filter = filter || null;
		this.order.forEach(function (rec) {
			if (!rec.group)
				return;
			var show = self.isVisible(rec);
			if (show && !rec.onMap) {
				rec.group.addTo(self.map);
				rec.onMap = true;
			} else if (!show && rec.onMap) {
				rec.group.closePopup();
				self.map.removeLayer(rec.group);
				rec.onMap = false;
			}
		});
		this.declutter();
	};

	/* Point symbols closer than a symbol's width are fanned out around
	 * their common centre, so each one stays visible and clickable; the
	 * fan is worked out again at every zoom. */
	EventLayer.prototype.declutter = function () {
		var map = this.map, zoom = map.getZoom(), self = this;
		var size = this.opts.symbolSize || 28;
		var clusters = [];
		this.order.forEach(function (rec) {
			if (!rec.marker || !rec.onMap)
				return;
			var pt = map.project(rec.anchor, zoom);
			var home = null;
			for (var i = 0; i < clusters.length && !home; i++) {
				if (clusters[i].center.distanceTo(pt) < size * 0.9)
					home = clusters[i];
			}
			if (!home) {
				home = { members: [], sum: L.point(0, 0), center: pt };
				clusters.push(home);
			}
			home.members.push({ rec: rec, pt: pt });
			home.sum = home.sum.add(pt);
			home.center = home.sum.divideBy(home.members.length);
		});
		clusters.forEach(function (c) {
			var n = c.members.length;
			var r = Math.max(size * 0.62, n * (size + 3) / (2 * Math.PI));
			c.members.forEach(function (m, k) {
				var off = [0, 0];
				if (n > 1) {
					var ang = -Math.PI / 2 + 2 * Math.PI * k / n;
					off = [Math.round(c.center.x + r * Math.cos(ang) - m.pt.x),
						Math.round(c.center.y + r * Math.sin(ang) - m.pt.y)];
				}
				self._setOffset(m.rec, off);
			});
		});
	};

	EventLayer.prototype._setOffset = function (rec, off) {
		var cur = rec.offset || [0, 0];
		if (cur[0] === off[0] && cur[1] === off[1])
			return;
		rec.offset = off;
		var o = rec.marker.options.icon.options;
		rec.marker.setIcon(new EventIcon({ kind: o.kind, status: o.status, size: o.size, offset: off, eventId: rec.id, label: o.label }));
		var tip = rec.marker.getTooltip();
		if (tip)
			tip.options.offset = L.point(off[0], off[1] - o.size / 2);
	};

	/* Keeps popups clear of map chrome (the legend) when they pan into
	 * view, and no wider or taller than the room between the paddings. */
	EventLayer.prototype.setPopupPadding = function (topLeft, bottomRight) {
		var size = this.map.getSize();
		var maxWidth = Math.max(120, Math.min(340, size.x - topLeft[0] - bottomRight[0]));
		/* 30 px: the popup's tip and its offset from the symbol. */
		var maxHeight = Math.max(80, Math.min(540, size.y - topLeft[1] - bottomRight[1] - 30));
		this.map.getContainer().style.setProperty('--bm-popup-max-h', maxHeight + 'px');
		this.order.forEach(function (rec) {
			var pp = rec.group && rec.group.getPopup();
			if (pp) {
				pp.options.autoPanPaddingTopLeft = L.point(topLeft);
				pp.options.autoPanPaddingBottomRight = L.point(bottomRight);
				pp.options.maxWidth = maxWidth;
				pp.options.minWidth = Math.min(240, maxWidth);
			}
		});
		var open = this._popup;
		/* update() lays the popup out again and pans it into view. */
		if (open && this.map.hasLayer(open))
			open.update();
	};

	/* Room for popups from the map's size. A small map (an embed in a
	 * column, a phone) has no room beside its corner controls, so they
	 * step aside while a popup is open (CSS: .bm-compact.bm-popup-open)
	 * and the popup may use the whole frame above the attribution. */
	EventLayer.prototype.fitPopups = function () {
		var map = this.map, size = map.getSize(), box = map.getContainer();
		var compact = size.x < 520 || size.y < 420;
		box.classList.toggle('bm-compact', compact);
		var bottom = 8;
		var attr = box.querySelector('.leaflet-control-attribution');
		if (attr && attr.offsetHeight)
			bottom = Math.max(8, Math.ceil(box.getBoundingClientRect().bottom - attr.getBoundingClientRect().top) + 4);
		if (!compact && this.opts.popupRoom) {
			var room = this.opts.popupRoom(bottom);
			this.setPopupPadding(room[0], room[1]);
			return;
		}
		if (compact)
			this.setPopupPadding([6, 6], [6, bottom]);
		else
			this.setPopupPadding([56, 12], [12, Math.max(bottom, 24)]);
	};

	/* Keyboard use of popups: the popup takes the focus when it opens;
	 * Escape closes it; closing it gives the focus back to what opened it
	 * (the symbol, or the list entry), not to the top of the page. */
	EventLayer.prototype._watchPopups = function () {
		var self = this, map = this.map;
		map.on('popupopen', function (e) {
			self._popup = e.popup;
			map.getContainer().classList.add('bm-popup-open');
			var a = document.activeElement;
			var id = null;
			if (a && a.getAttribute)
				id = a.getAttribute('data-event-id') || a.getAttribute('data-event-part') || a.getAttribute('data-event');
			self._returnTo = a && a !== document.body ? { node: a, id: id, list: !!(a.closest && a.closest('.event-list')) } : null;
			if (self._opener) {
				self._returnTo = self._opener;
				self._opener = null;
			}
			var box = e.popup.getElement() && e.popup.getElement().querySelector('.bm-popup');
			if (box)
				box.focus({ preventScroll: true });
		});
		map.on('popupclose', function (e) {
			if (e.popup !== self._popup)
				return;
			self._popup = null;
			map.getContainer().classList.remove('bm-popup-open');
			var a = document.activeElement, pe = e.popup.getElement();
			var lost = !a || a === document.body || (pe && pe.contains(a));
			var back = self._returnTo;
			self._returnTo = null;
			if (lost && back)
				self._focusBack(back);
		});
		document.addEventListener('keydown', function (ev) {
			if (ev.key !== 'Escape' || ev.defaultPrevented || !self._popup || document.querySelector('dialog[open]'))
				return;
			ev.preventDefault();
			map.closePopup(self._popup);
		});
	};

	EventLayer.prototype._focusBack = function (back) {
		var node = back.node && back.node.isConnected && back.node.getAttribute('aria-hidden') !== 'true' ? back.node : null;
		if ((!node || node === this.map.getContainer()) && back.id) {
			var q = JSON.stringify(String(back.id));
			node = back.list ? document.querySelector('.event-list [data-event=' + q + ']') :
				this.map.getContainer().querySelector('[aria-label][data-event-id=' + q + '],[aria-label][data-event-part=' + q + ']');
		}
		/* The embed closes its list over the map to show the popup: it
		 * opens again for the reader to go on where they were. */
		var shut = node && node.closest && node.closest('details:not([open])');
		if (shut)
			shut.open = true;
		if (node && node.focus)
			node.focus({ preventScroll: true });
	};

	EventLayer.prototype.open = function (id) {
		var rec = this.events.get(id);
		if (!rec || !rec.group || !rec.onMap)
			return false;
		rec.group.openPopup(rec.popupAt());
		return true;
	};

	/* Flies to an event, then opens its popup; closing it gives the focus
	 * back to `opener` (a list entry), which may be hidden meanwhile. */
	EventLayer.prototype.flyTo = function (id, opener) {
		var rec = this.events.get(id);
		var map = this.map, self = this;
		if (!rec || !rec.group)
			return;
		this._opener = opener ? { node: opener, id: id, list: true } : null;
		map.closePopup();
		/* A pan still running (a popup's auto-pan) would end first and
		 * open the popup mid-flight, which stops the flight. */
		map.stop();
		var flight = {};
		this._flight = flight;
		var done = function () {
			if (self._flight === flight)
				self.open(id);
		};
		var target, zoom;
		if (rec.bounds && rec.bounds.isValid()) {
			target = map.getBoundsZoom(rec.bounds.pad(0.35));
			zoom = Math.min(Math.max(target, 4), 8);
			target = rec.bounds.getCenter();
		} else {
			target = rec.anchor;
			zoom = Math.max(map.getZoom(), rec.props.geo_precision === 'region' ? 5 : 7);
			zoom = Math.min(zoom, 9);
		}
		zoom = Math.round(zoom);
		var cur = map.getCenter();
		if (map.getZoom() === zoom && cur.distanceTo(target) < 1000) {
			done();
			return;
		}
		map.once('moveend', done);
		if (window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches)
			map.setView(target, zoom, { animate: false });
		else
			map.flyTo(target, zoom, { duration: 0.9 });
	};

	/* ---- map and controls ---------------------------------------------- */

	function createMap(container, options) {
		options = options || {};
		var map = L.map(container, {
			/* Whole zoom levels only: raster tiles scaled by a fraction
			 * blur their labels and show seams between tiles. */
			minZoom: 2, maxZoom: 12, zoomSnap: 1, zoomDelta: 1, wheelPxPerZoomLevel: 90,
			maxBounds: WORLD_BOUNDS, maxBoundsViscosity: 0.9, worldCopyJump: false,
			zoomControl: options.zoomControl !== false, attributionControl: false
		});
		var attribution = L.control.attribution({ prefix: options.attributionPrefix || false, position: 'bottomright' });
		attribution.addAttribution(ATTRIBUTION_BASE);
		attribution.addAttribution(ATTRIBUTION_EVENTS);
		attribution.addTo(map);
		/* {r} is Leaflet's retina hook: '@2x' on HiDPI screens, which the
		 * server answers with tiles drawn at twice the resolution. */
		/* URLs are relative to the page, so that it works under any path prefix; tiles
		 * carrying the base map's revision (from its TileJSON) are immutable. */
		var tiles = L.tileLayer('tiles/base/{z}/{x}/{y}{r}.png', {
			minZoom: 0, maxZoom: 12, tileSize: 256, noWrap: true, bounds: WORLD_BOUNDS,
			keepBuffer: 3, updateWhenZooming: false, className: 'bm-base-tiles'
		});
		fetchJSON('tiles/base.json').then(function (tj) {
			var m = /[?&]v=([0-9a-f]+)/.exec((tj.tiles || [''])[0]);
			if (m)
				tiles.setUrl('tiles/base/{z}/{x}/{y}{r}.png?v=' + m[1], true);
		}).catch(function () {}).then(function () { tiles.addTo(map); });
		map.baseTiles = tiles;
		return map;
	}

	/* Fits bounds at a whole zoom level, taking the next level up when the
	 * view nearly fits it: a region shown large, with its edges trimmed by
	 * a few pixels, reads better than the same region small. With `cover`
	 * the whole of the bounds stays in view (an embed's named view). */
	function fitWhole(map, bounds, topLeft, bottomRight, cover) {
		topLeft = L.point(topLeft || [0, 0]);
		bottomRight = L.point(bottomRight || [0, 0]);
		var snap = map.options.zoomSnap;
		map.options.zoomSnap = 0;
		var exact = map.getBoundsZoom(bounds, false, topLeft.add(bottomRight));
		map.options.zoomSnap = snap;
		var zoom = !cover && exact - Math.floor(exact) >= 0.9 ? Math.ceil(exact) : Math.floor(exact);
		zoom = Math.max(map.getMinZoom(), Math.min(map.getMaxZoom(), zoom));
		var shift = bottomRight.subtract(topLeft).divideBy(2);
		var sw = map.project(bounds.getSouthWest(), zoom), ne = map.project(bounds.getNorthEast(), zoom);
		map.setView(map.unproject(sw.add(ne).divideBy(2).add(shift), zoom), zoom, { animate: false });
	}

	function bboxToBounds(b) {
		return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
	}

	/* The legend, which doubles as the layer switcher by kind. */
	var LegendControl = L.Control.extend({
		options: { position: 'topright', collapsed: false, kinds: null, counts: null, onToggle: null, onCollapse: null },
		onAdd: function () {
			var o = this.options, self = this;
			var box = el('section', { className: 'bm-legend' + (o.collapsed ? ' collapsed' : ''), 'aria-label': 'Legend' });
			var toggle = el('button', { type: 'button', className: 'bm-legend-toggle', 'aria-expanded': o.collapsed ? 'false' : 'true' },
				el('span', { text: 'Legend' }));
			toggle.appendChild(svg('svg', { viewBox: '0 0 20 20', width: 14, height: 14, 'aria-hidden': 'true' },
				svg('path', { d: 'M5 8l5 5 5-5', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })));
			this.box = box;
			this.toggleButton = toggle;
			toggle.addEventListener('click', function () {
				self.setCollapsed(!box.classList.contains('collapsed'));
			});
			box.appendChild(toggle);
			var body = el('div', { className: 'bm-legend-body' });
			box.appendChild(body);

			var kinds = o.kinds || KIND_ORDER;
			body.appendChild(el('h3', { text: o.onToggle ? 'Event kinds · show on map' : 'Event kinds' }));
			var ul = el('ul', { className: 'bm-legend-kinds' });
			this.checkboxes = {};
			kinds.forEach(function (k) {
				var label = el('label', { className: 'bm-legend-row' });
				if (o.onToggle) {
					var cb = el('input', { type: 'checkbox', 'data-kind': k, 'aria-label': 'Show ' + KINDS[k].label });
					cb.checked = true;
					cb.addEventListener('change', function () { o.onToggle(k, cb.checked); });
					self.checkboxes[k] = cb;
					label.appendChild(cb);
				}
				label.appendChild(eventSymbol(k, 'reported', 20));
				label.appendChild(el('span', { className: 'bm-legend-name', text: KINDS[k].label }));
				if (o.counts && o.counts[k] != null)
					label.appendChild(el('span', { className: 'bm-legend-count', text: String(o.counts[k]) }));
				ul.appendChild(el('li', {}, label));
			});
			body.appendChild(ul);

			body.appendChild(el('h3', { text: 'How the article presents it' }));
			var sl = el('ul', { className: 'bm-legend-status' });
			LEGEND_STATUS_ROWS.forEach(function (row) {
				sl.appendChild(el('li', { className: 'bm-legend-row' }, statusSwatch(row.status),
					el('span', { className: 'bm-legend-name' },
						el('span', { text: row.label }),
						el('small', { text: row.note }))));
			});
			body.appendChild(sl);
			L.DomEvent.disableClickPropagation(box);
			L.DomEvent.disableScrollPropagation(box);
			return box;
		},
		setCollapsed: function (c) {
			this.box.classList.toggle('collapsed', c);
			this.toggleButton.setAttribute('aria-expanded', c ? 'false' : 'true');
			if (this.options.onCollapse)
				this.options.onCollapse(c, this.box);
		},
		/* Width the legend takes from the map's right edge, in pixels. */
		occupiedWidth: function () {
			if (!this.box || this.box.classList.contains('collapsed'))
				return 0;
			return this.box.offsetWidth + 10;
		},
		setChecked: function (k, on) {
			if (this.checkboxes && this.checkboxes[k])
				this.checkboxes[k].checked = on;
		}
	});

	/* A legend swatch: the area treatment beside the point symbol. */
	function statusSwatch(status) {
		var t = STATUSES[status].treatment;
		var wrap = el('span', { className: 'bm-swatch' });
		var box = svg('svg', { viewBox: '0 0 30 18', width: 30, height: 18, 'aria-hidden': 'true' });
		var rect = { x: 1.5, y: 2, width: 27, height: 14, rx: 2, stroke: NEUTRAL, 'stroke-width': 1.8 };
		if (t === 'solid') {
			rect.fill = NEUTRAL;
			rect['fill-opacity'] = 0.18;
		} else if (t === 'dashed') {
			rect.fill = NEUTRAL;
			rect['fill-opacity'] = 0.1;
			rect['stroke-dasharray'] = '4.5 3';
		} else if (t === 'hatched') {
			rect.fill = 'url(#bm-hatch-neutral)';
			rect['stroke-dasharray'] = '1.5 3';
		} else {
			rect.fill = NEUTRAL;
			rect['fill-opacity'] = 0.1;
			rect['stroke-dasharray'] = '1 3 5 3';
		}
		box.appendChild(svg('rect', rect));
		wrap.appendChild(box);
		var sym = eventSymbol('neutral', status, 18);
		wrap.appendChild(sym);
		return wrap;
	}

	/* The list of events, in date order: the map's text alternative. Each
	 * entry is a button that shows the event on the map and opens it. */
	function renderEventList(list, layer, opts) {
		opts = opts || {};
		list.textContent = '';
		var shown = 0, total = 0;
		layer.order.forEach(function (rec) {
			total++;
			if (!layer.isVisible(rec))
				return;
			shown++;
			var p = rec.props;
			var btn = el('button', { type: 'button', className: 'event-item', 'data-event': rec.id },
				eventSymbol(rec.kind, rec.status, 22),
				el('span', { className: 'event-text' },
					el('span', { className: 'event-title', text: I18N.own(p, 'title') || rec.id }),
					el('span', { className: 'event-meta' },
						el('span', { className: 'event-date', text: formatEventDate(p) }),
						statusBadge(rec.status, false))));
			if (rec.id === opts.selected)
				btn.classList.add('selected');
			if (!rec.group)
				btn.disabled = true;
			btn.addEventListener('click', function () {
				layer.flyTo(rec.id, btn);
				if (opts.onChoose)
					opts.onChoose(rec);
			});
			list.appendChild(el('li', {}, btn));
		});
		return { shown: shown, total: total };
	}

	/* The map's text alternative, for aria-describedby, in the reader's language, as sheets
	 * give it in their metadata: "Map of The Caribbean: 16 events, 8 reported, 3 claimed,
	 * ...; dates; caveats about the article by kind". */
	function describeMap(layer, title, briefing) {
		var t = I18N.t, by = {};
		layer.order.forEach(function (rec) { by[rec.status] = (by[rec.status] || 0) + 1; });
		var parts = STATUS_ORDER.filter(function (st) { return by[st]; }).map(function (st) {
			return by[st] + ' ' + t('status_' + st);
		});
		var n = layer.order.length;
		var dated = layer.order.filter(function (rec) { return rec.start; }).map(function (rec) { return rec.start; }).sort();
		var text = t('map_of', { title: title }) + t(n === 1 ? 'n_event' : 'n_events', { n: n }) +
			(parts.length ? ', ' + parts.join(', ') : '') + '.';
		if (dated.length)
			text += t('dates_from', { a: formatAt(dated[0], 'day'), b: formatAt(dated[dated.length - 1], 'day') });
		if (dated.length < n)
			text += t('n_undated', { n: n - dated.length });
		var cav = briefing && Array.isArray(briefing.caveats) ? briefing.caveats : [];
		var kinds = ['contradiction', 'inaccuracy', 'undated', 'other'].filter(function (k) {
			return cav.some(function (c) { return c.kind === k; });
		}).map(function (k) { return t('caveat_' + k); });
		if (kinds.length)
			text += t('caveats_line', { kinds: kinds.join('; ') });
		return text + t('list_says');
	}

	function fetchJSON(url) {
		return fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
			if (!r.ok)
				throw new Error(url + ': HTTP ' + r.status);
			return r.json();
		});
	}

	window.briefmap = {
		KINDS: KINDS, KIND_ORDER: KIND_ORDER, STATUSES: STATUSES, STATUS_ORDER: STATUS_ORDER, loadStyle: loadStyle,
		VIEW_FALLBACK: VIEW_FALLBACK,
		el: el, createMap: createMap, EventLayer: EventLayer, LegendControl: LegendControl,
		bboxToBounds: bboxToBounds, fitWhole: fitWhole, fetchJSON: fetchJSON, eventSymbol: eventSymbol,
		formatEventDate: formatEventDate, formatDay: formatDay, statusBadge: statusBadge,
		installPatterns: installPatterns, renderEventList: renderEventList, describeMap: describeMap
	};

	/* ==== the full page =================================================== */

	function initApp() {
		var $ = function (id) { return document.getElementById(id); };
		installPatterns();
		var map = createMap($('map'), {
			attributionPrefix: '<a href="https://leafletjs.com/">Leaflet</a>'
		});
		L.control.scale({ position: 'bottomleft', maxWidth: 140 }).addTo(map);
		map.fitBounds(bboxToBounds(VIEW_FALLBACK.bbox));

		var state = {
			views: [], events: null, layer: null, legend: null,
			hiddenKinds: new Set(), dates: [], datePrec: {}, until: null, selected: null,
			viewName: '', fitting: false, flying: false
		};

		/* ---- URL hash: #zoom/lat/lon?event=ID&until=DATE ---- */
		function parseHash() {
			var h = location.hash.replace(/^#/, '');
			if (!h)
				return null;
			var q = '', at = h.indexOf('?');
			if (at >= 0) {
				q = h.slice(at + 1);
				h = h.slice(0, at);
			}
			var parts = h.split('/');
			var out = { params: new URLSearchParams(q) };
			if (parts.length >= 3) {
				var z = parseFloat(parts[0]), lat = parseFloat(parts[1]), lon = parseFloat(parts[2]);
				if (isFinite(z) && isFinite(lat) && isFinite(lon)) {
					out.zoom = Math.min(Math.max(z, 2), 12);
					out.center = L.latLng(Math.min(Math.max(lat, -85), 85), Math.min(Math.max(lon, -180), 180));
				}
			}
			return out;
		}

		function hashFor(center, zoom, eventId) {
			/* Finer than a pixel at this zoom, and no finer. */
			var prec = Math.ceil(zoom * Math.LOG10E * Math.LN2) + 2;
			var s = '#' + (Math.round(zoom * 100) / 100) + '/' + center.lat.toFixed(prec) + '/' + center.lng.toFixed(prec);
			var q = new URLSearchParams();
			if (eventId)
				q.set('event', eventId);
			if (state.until)
				q.set('until', state.until);
			var qs = q.toString();
			return qs ? s + '?' + qs : s;
		}

		var lastHash = '';
		function writeHash() {
			var h = hashFor(map.getCenter(), map.getZoom(), state.selected);
			if (h !== lastHash) {
				lastHash = h;
				history.replaceState(null, '', h);
			}
		}

		function eventLink(id) {
			var rec = state.layer && state.layer.events.get(id);
			var at = rec && rec.anchor ? rec.anchor : map.getCenter();
			var zoom = Math.max(map.getZoom(), 6);
			var q = new URLSearchParams();
			q.set('event', id);
			return '#' + zoom + '/' + at.lat.toFixed(4) + '/' + at.lng.toFixed(4) + '?' + q.toString();
		}

		/* ---- Export: the current view as a briefing sheet ---- */
		function clampLat(v) { return Math.min(Math.max(v, -85), 85); }
		function clampLon(v) { return Math.min(Math.max(v, -180), 180); }

		function exportUrl() {
			var b = map.getBounds();
			var w = clampLon(b.getWest()), e = clampLon(b.getEast());
			var s = clampLat(b.getSouth()), n = clampLat(b.getNorth());
			var size = map.getSize();
			var W = Math.round(Math.min(Math.max(size.x, 480), 2400));
			var H = Math.round(Math.min(Math.max(size.y, 360), 2400));
			var q = [
				'bbox=' + [w, s, e, n].map(function (v) { return v.toFixed(4); }).join(','),
				'size=' + W + 'x' + H
			];
			if (L.Browser.retina)
				q.push('scale=2');
			var view = state.views.find(function (v) { return v.name === state.viewName; });
			if (view && view.title)
				q.push('title=' + encodeURIComponent(view.title));
			if (state.until)
				q.push('until=' + state.until);
			return 'render.png?' + q.join('&');
		}

		function updateExport() {
			var a = $('export-link');
			a.href = exportUrl();
			a.setAttribute('download', 'briefmap-' + (state.viewName || 'view') + (state.until ? '-until-' + state.until : '') + '.png');
		}

		/* ---- filters ---- */
		function currentFilter(rec) {
			if (state.hiddenKinds.has(rec.kind))
				return false;
			if (state.until && (!rec.start || rec.start > state.until))
				return false;
			return true;
		}

		function refresh() {
			if (state.layer) {
				state.layer.apply(currentFilter);
				if (state.selected && !currentFilter(state.layer.events.get(state.selected) || {}))
					state.selected = null;
				renderList();
			}
			updateExport();
			writeHash();
		}

		/* ---- event list ---- */
		function renderList() {
			var n = renderEventList($('event-list'), state.layer, {
				selected: state.selected,
				onChoose: function () {
					if (window.matchMedia('(max-width: 760px)').matches)
						setSheet(false);
				}
			});
			var shown = n.shown, total = n.total;
			$('events-count').textContent = shown === total ? total + ' events' : shown + ' of ' + total + ' shown';
			$('sheet-summary').textContent = (shown === total ? total : shown + ' of ' + total) + ' events · timeline';
			$('events-empty').hidden = shown !== 0;
		}

		/* Scrolls only the list: scrollIntoView would also scroll the page
		 * and the bottom sheet's container. */
		function revealInList(item) {
			var list = $('event-list');
			var top = item.offsetTop - list.offsetTop, bottom = top + item.offsetHeight;
			if (top < list.scrollTop)
				list.scrollTop = top;
			else if (bottom > list.scrollTop + list.clientHeight)
				list.scrollTop = bottom - list.clientHeight;
		}

		function markSelected() {
			var items = document.querySelectorAll('.event-item');
			for (var i = 0; i < items.length; i++) {
				var on = items[i].getAttribute('data-event') === state.selected;
				items[i].classList.toggle('selected', on);
				if (on)
					revealInList(items[i]);
			}
		}

		/* ---- timeline ---- */
		var range = $('timeline-range'), all = $('timeline-all');

		function setUntil(date) {
			state.until = date;
			all.checked = !date;
			/* An undated event is never placed at a date: the filter leaves it out and says so. */
			var undated = state.layer.order.filter(function (rec) { return !rec.start; }).length;
			$('timeline-value').textContent = date ? I18N.t('begun_by', { date: formatShort(date, state.datePrec[date]) }) +
				(undated ? ' · ' + I18N.t('undated_left_out', { n: undated }) : '') : I18N.t('all_dates');
			announceUntil(date);
			if (date) {
				var i = state.dates.indexOf(date);
				if (i >= 0)
					range.value = String(i);
			} else {
				range.value = String(Math.max(state.dates.length - 1, 0));
			}
			range.classList.toggle('inactive', !date);
			refresh();
		}

		/* The slider's value in words, for screen readers: the index it
		 * holds means nothing read aloud. */
		function announceUntil(date) {
			range.setAttribute('aria-valuetext', date ?
				I18N.t('events_begun_by', { date: formatAt(date, state.datePrec[date] === 'week' ? 'day' : state.datePrec[date]) }) :
				I18N.t('all_dates_aria'));
		}

		function setupTimeline() {
			var set = new Set();
			var fine = { day: 0, week: 1, month: 2, year: 3 };
			state.layer.order.forEach(function (rec) {
				if (!rec.start)
					return;
				set.add(rec.start);
				var prec = rec.props.date_precision in fine ? rec.props.date_precision : 'day';
				var had = state.datePrec[rec.start];
				if (!had || fine[prec] < fine[had])
					state.datePrec[rec.start] = prec;
			});
			state.dates = Array.from(set).sort();
			range.max = String(Math.max(state.dates.length - 1, 0));
			range.value = range.max;
			range.classList.add('inactive');
			range.disabled = state.dates.length < 2;
			announceUntil(null);
			var ticks = $('timeline-ticks');
			state.dates.forEach(function (d, i) { ticks.appendChild(el('option', { value: String(i) })); });
			if (state.dates.length) {
				var first = state.dates[0], last = state.dates[state.dates.length - 1];
				$('timeline-first').textContent = formatShort(first, state.datePrec[first]);
				$('timeline-last').textContent = formatShort(last, state.datePrec[last]);
			}
			range.addEventListener('input', function () {
				setUntil(state.dates[+range.value] || null);
			});
			all.addEventListener('change', function () {
				setUntil(all.checked ? null : state.dates[+range.value] || null);
			});
		}

		/* ---- bottom sheet on phones ---- */
		var sidebar = $('sidebar'), handle = $('sheet-handle');
		function setSheet(open) {
			sidebar.classList.toggle('open', open);
			handle.setAttribute('aria-expanded', open ? 'true' : 'false');
		}
		handle.addEventListener('click', function () { setSheet(!sidebar.classList.contains('open')); });

		/* ---- views ---- */
		function fitView(name) {
			var v = state.views.find(function (x) { return x.name === name; });
			if (!v)
				return;
			state.viewName = name;
			$('view-select').value = name;
			state.fitting = true;
			/* The view is fitted to the map area the legend and the
			 * phone sheet's handle leave free. */
			var phoneNow = window.matchMedia('(max-width: 760px)').matches;
			var legendW = state.legend && !phoneNow ? state.legend.occupiedWidth() : 0;
			fitWhole(map, bboxToBounds(v.bbox), [8, 8], [legendW + 8, phoneNow ? 56 : 8]);
			state.fitting = false;
			updateExport();
			writeHash();
			describe();
		}

		function describe() {
			var v = state.views.find(function (x) { return x.name === state.viewName; });
			if (state.layer)
				$('map-description').textContent = describeMap(state.layer, v ? v.title || v.name : I18N.t('custom_view_title'), state.briefing);
		}

		function userMoved() {
			if (state.fitting || !state.viewName)
				return;
			state.viewName = '';
			$('view-select').value = '';
			describe();
		}
		/* A named view stays whole when the window changes size. */
		map.on('resize', function () {
			if (state.viewName && !state.flying)
				fitView(state.viewName);
		});
		map.on('dragstart', userMoved);
		map.on('zoomstart', function () {
			if (!state.flying)
				userMoved();
		});

		$('view-select').addEventListener('change', function (ev) {
			if (ev.target.value)
				fitView(ev.target.value);
		});

		/* ---- embed dialog ---- */
		function escapeAttr(s) {
			return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
		}

		/* The iframe is the server's oEmbed answer, so the snippet and
		 * what an oEmbed consumer gets never differ. */
		function updateEmbed() {
			var name = $('embed-view').value || 'region';
			/* The page's own folder, with any prefix a proxy serves it under. */
			var origin = new URL('.', document.baseURI).href.replace(/\/$/, '');
			var oembed = origin + '/oembed?url=' + encodeURIComponent(origin + '/embed?view=' + encodeURIComponent(name));
			var script = '<script async src="' + escapeAttr(origin + '/static/embed-resize.js') + '"></' + 'script>';
			$('embed-oembed').value = oembed;
			$('embed-iframe').value = '';
			fetchJSON(oembed).then(function (o) {
				if ($('embed-view').value === name)
					$('embed-iframe').value = o.html + '\n' + script;
			}, function (e) {
				$('embed-iframe').value = 'The embed snippet could not be loaded (' + (e && e.message ? e.message : e) + ').';
			});
			$('embed-xyz').value = origin + '/tiles/briefing/{z}/{x}/{y}.png';
			$('embed-events-xyz').textContent = origin + '/tiles/events/{z}/{x}/{y}.png';
			$('embed-tilejson').value = origin + '/tiles/briefing.json';
		}

		function copyField(id, button) {
			var field = $(id);
			var text = field.value;
			var ok = function () {
				var was = button.textContent;
				button.textContent = 'Copied';
				button.classList.add('copied');
				setTimeout(function () {
					button.textContent = was;
					button.classList.remove('copied');
				}, 1400);
			};
			var fallback = function () {
				field.focus();
				field.select();
				try {
					if (document.execCommand('copy'))
						ok();
				} catch (e) {
					/* The text stays selected for the reader to copy by hand. */
				}
			};
			if (navigator.clipboard && window.isSecureContext)
				navigator.clipboard.writeText(text).then(ok, fallback);
			else
				fallback();
		}

		$('embed-button').addEventListener('click', function () {
			$('embed-view').value = state.viewName || 'region';
			updateEmbed();
			$('embed-dialog').showModal();
		});
		$('embed-view').addEventListener('change', updateEmbed);
		Array.prototype.forEach.call(document.querySelectorAll('[data-copy]'), function (b) {
			b.addEventListener('click', function () { copyField(b.getAttribute('data-copy'), b); });
		});
		$('embed-dialog').addEventListener('click', function (ev) {
			if (ev.target === ev.currentTarget)
				ev.currentTarget.close();
		});

		/* ---- wiring ---- */
		map.on('moveend', function () {
			updateExport();
			writeHash();
		});
		map.on('resize', updateExport);
		map.on('movestart', function () { state.flying = true; });
		map.on('moveend', function () { state.flying = false; });

		window.addEventListener('hashchange', function () {
			if (location.hash === lastHash)
				return;
			applyHash(parseHash());
		});

		function applyHash(h) {
			if (!h)
				return false;
			var until = h.params.get('until');
			if (until && /^\d{4}-\d{2}-\d{2}$/.test(until) && state.layer)
				setUntil(until);
			if (h.center)
				map.setView(h.center, h.zoom, { animate: false });
			var ev = h.params.get('event');
			if (ev && state.layer) {
				if (!h.center) {
					state.layer.flyTo(ev);
				} else {
					state.layer.open(ev);
				}
			}
			return !!h.center;
		}

		var initial = parseHash();
		if (initial && initial.center)
			map.setView(initial.center, initial.zoom, { animate: false });

		Promise.all([
			fetchJSON('api/views').catch(function (e) { return { error: e }; }),
			fetchJSON('api/events'),
			loadStyle()
		]).then(function (res) {
			return I18N.load(I18N.pick(res[1] && res[1].briefing, location.search, document.documentElement.lang), document)
				.then(function () { return res; });
		}).then(function (res) {
			var views = res[0];
			if (Array.isArray(views))
				state.views = views;
			else if (views && Array.isArray(views.views))
				state.views = views.views;
			var sel = $('view-select'), embedSel = $('embed-view');
			state.views.forEach(function (v) {
				sel.appendChild(el('option', { value: v.name, text: v.title || v.name }));
				embedSel.appendChild(el('option', { value: v.name, text: v.title || v.name }));
			});
			if (!state.views.length)
				embedSel.appendChild(el('option', { value: 'region', text: 'region' }));

			var fc = res[1];
			state.briefing = fc.briefing;
			/* The page names its own briefing: nothing of any article is written into it. */
			var art = fc.briefing && fc.briefing.article;
			if (art && art.headline) {
				$('headline').textContent = art.headline;
				document.title = 'briefmap — ' + art.headline;
			}
			if (window.BriefmapCaveats)
				window.BriefmapCaveats.show(fc.briefing, $('caveats'));
			var counts = {};
			(fc.features || []).forEach(function (f) {
				var k = kindOf((f && f.properties) || {});
				counts[k] = (counts[k] || 0) + 1;
			});
			var phone = window.matchMedia('(max-width: 760px)');
			state.layer = new EventLayer(map, fc, {
				link: eventLink,
				popupRoom: function (bottom) {
					if (phone.matches)
						return [[8, 56], [8, bottom]];
					return [[60, 16], [(state.legend ? state.legend.occupiedWidth() : 0) + 16, Math.max(bottom, 28)]];
				},
				onOpen: function (rec) {
					state.selected = rec.id;
					markSelected();
					writeHash();
				},
				onClose: function (rec) {
					if (state.selected === rec.id) {
						state.selected = null;
						markSelected();
						writeHash();
					}
				}
			});
			var kinds = KIND_ORDER.filter(function (k) { return counts[k]; });
			/* Popups pan clear of the zoom buttons and the legend; on a
			 * phone there is no room beside them, so only below. */
			var padPopups = function () {
				state.layer.fitPopups();
			};
			state.legend = new LegendControl({
				kinds: kinds, counts: counts,
				collapsed: phone.matches || map.getSize().x < 900,
				onToggle: function (k, on) {
					if (on)
						state.hiddenKinds.delete(k);
					else
						state.hiddenKinds.add(k);
					refresh();
				},
				onCollapse: padPopups
			}).addTo(map);
			padPopups();
			/* On a phone the open legend would hide most of the map. */
			phone.addEventListener('change', function (mq) {
				if (mq.matches)
					state.legend.setCollapsed(true);
				padPopups();
			});
			map.on('resize', padPopups);
			setupTimeline();
			state.layer.apply(currentFilter);
			renderList();

			if (!(initial && initial.center)) {
				var asked = new URLSearchParams(location.search).get('view');
				var want = state.views.some(function (v) { return v.name === asked; }) ? asked :
					state.views.some(function (v) { return v.name === 'region'; }) ? 'region' : (state.views[0] && state.views[0].name);
				if (want)
					fitView(want);
			}
			if (initial) {
				var until = initial.params.get('until');
				if (until && /^\d{4}-\d{2}-\d{2}$/.test(until))
					setUntil(until);
				var ev = initial.params.get('event');
				if (ev)
					state.layer.open(ev);
			}
			refresh();
			describe();
			document.body.classList.add('ready');
		}).catch(function (e) {
			var box = $('load-error');
			box.hidden = false;
			box.textContent = 'The events could not be loaded (' + (e && e.message ? e.message : e) + '). The base map is still available.';
			console.error('briefmap:', e);
		});

		updateExport();
		window.briefmap.app = { map: map, state: state };
	}

	if (document.body && document.body.getAttribute('data-page') === 'app')
		initApp();
})();
