/* SPDX-License-Identifier: MIT */
// zones.js: zones and the buddy allocator, live: per node and zone, free
// blocks per order as a bar chart, free blocks per migrate type, watermarks
// against free pages and the fragmentation index.

import * as api from './api.js';
import * as timeline from './timeline.js';
import { $, h, setKids, num, sizeName, errText } from './util.js';

let ctx = null;
let source = null;	// 'live' or a sim space id
// The live machine's zones over time (GET /zones/history): samples
// oldest first, the last seq read, the sampler's interval and capacity.
const trend = { samples: [], last: 0, interval: 5000, capacity: 0, busy: false };

// Wire the source selector.
export function init(c) {
	ctx = c;
	$('zones-source').addEventListener('change', ev => {
		source = ev.target.value;
		load();
	});
	// a sim space's zones at the generation its timeline shows (a boot
	// replay's zones fill up at memblock_free_all)
	timeline.follow(() => (ctx.view === 'zones' && pinnable(source) ? load() : null));
	// new samples while the live zones are in view
	setInterval(() => {
		if (ctx.view === 'zones' && source === 'live' && !document.hidden) loadTrend();
	}, 1000);
}

// Read the samples taken since the last read and redraw the trend lines.
async function loadTrend() {
	if (trend.busy) return;
	trend.busy = true;
	try {
		const r = await api.get('/zones/history' + (trend.last ? '?since=' + trend.last : ''));
		if (r.last_seq < trend.last) {	// the daemon restarted: start over
			trend.samples = [];
			trend.last = 0;
		}
		trend.interval = r.interval_ms;
		trend.capacity = r.capacity;
		trend.samples = trend.samples.concat(r.samples || []).slice(-Math.max(1, r.capacity));
		if (r.samples && r.samples.length) trend.last = r.samples[r.samples.length - 1].seq;
		redrawTrends();
	} catch (e) {
		/* the trend is an extra: the zones themselves report errors */
	} finally {
		trend.busy = false;
	}
}

// Replace every zone card's trend line by one drawn from trend.
function redrawTrends() {
	for (const el of document.querySelectorAll('#zones .zone-trend')) {
		const [node, name] = [Number(el.dataset.node), el.dataset.zone];
		el.replaceWith(trendLine(node, name));
	}
}

// Nothing to do on a space change: the source is chosen in the view.
export function spaceChanged() {}

// Refill the source selector: the live machine and every sim space.
export function sourcesChanged(c) {
	const opts = [];
	if (!c.info.live || c.info.live.zones !== false)
		opts.push(h('option', { value: 'live' }, 'This machine (live)'));
	for (const s of c.spaces.filter(x => x.kind === 'sim'))
		opts.push(h('option', { value: s.id }, `${s.id} (simulated ${s.arch})`));
	setKids($('zones-source'), opts);
	if (source && [...$('zones-source').options].some(o => o.value === source))
		$('zones-source').value = source;
}

// Show the view: the current sim's machine, else the live one.
export function show(c) {
	const sel = $('zones-source');
	if (!source || ![...sel.options].some(o => o.value === source))
		source = c.space && c.space.kind === 'sim' ? c.space.id : (sel.options[0] ? sel.options[0].value : null);
	if (source) sel.value = source;
	load();
}

// Whether src is the space whose timeline is shown (its zones follow it).
function pinnable(src) {
	return !!(ctx.space && src === ctx.space.id);
}

// The zones at the timeline's generation, not the live stream's.
function pinned(src) {
	return pinnable(src) && timeline.generation() !== null;
}

// Fetch the zones once, then follow the live stream (or, when the
// timeline shows an older generation of this space, its zones then).
async function load() {
	if (!source) {
		setKids($('zones'), h('p', { class: 'hint' }, 'No zone information is available here.'));
		return;
	}
	const src = source;
	const path = src === 'live' ? '/zones' :
		api.spacePath(src, 'zones') + (pinnable(src) ? timeline.genParam('?') : '');
	$('zones').dataset.generation = pinned(src) ? String(timeline.generation()) : 'live';
	try {
		const z = await api.get(path);
		if (src === source) draw(z);
	} catch (e) {
		if (src === source) {
			setKids($('zones'));
			ctx.notify(errText('Could not read the zones', e));
		}
		return;
	}
	const msg = { type: 'subscribe', space: 'zones' };
	if (src !== 'live') msg.sim = src;
	ctx.stream.subscribe('zones', msg, m => {
		if (m.type === 'zones' && src === source && !pinned(src)) draw(m);
		// errors name no space: an unknown one is another subscription's
		// (a space gone with a daemon restart, which app.js announces)
		else if (m.type === 'error' && m.error && m.error.code === 'no_such_space') ctx.refreshSpaces().catch(() => {});
		else if (m.type === 'error' && m.error) ctx.notify(errText('Live zones', m.error));
	});
}

// The kernel's fragmentation index of one order (mm/vmstat.c), in thousandths.
function fragIndex(freeArea, order) {
	let total = 0, pages = 0, suitable = 0;
	freeArea.forEach((blocks, k) => {
		total += blocks;
		pages += blocks * 2 ** k;
		if (k >= order) suitable += blocks * 2 ** (k - order);
	});
	if (!total) return 0;
	if (suitable) return -1000;
	return 1000 - Math.floor((1000 + Math.floor(pages * 1000 / 2 ** order)) / total);
}

// Draw every node and zone.
function draw(z) {
	const orders = z.orders || 11;
	$('zones-note').textContent = z.note || '';
	const nodes = (z.nodes || []).map(n => h('section', { class: 'znode', 'aria-label': `Node ${n.node}` },
		h('h3', {}, `Node ${n.node}`),
		h('div', { class: 'zone-list' }, (n.zones || []).map(zone => drawZone(zone, orders, n.node)))));
	setKids($('zones'), nodes);
	if (z.source !== undefined && source === 'live') loadTrend();
}

// One zone: the free-area chart, watermarks, migrate types, fragmentation.
function drawZone(zone, orders, node) {
	return h('article', { class: 'card zone', 'data-zone': zone.name, dataset: { free: zone.free_pages } },
		h('h4', {}, zone.name),
		h('p', { class: 'hint' }, `${num(zone.free_pages)} free of ${num(zone.managed_pages)} managed pages ` +
			`(${num(zone.present_pages)} present, ${num(zone.spanned_pages)} spanned)`),
		chart(zone, orders),
		source === 'live' ? trendLine(node, zone.name) : null,
		thpFree(zone, orders),
		watermarks(zone),
		migrate(zone, orders),
		frag(zone, orders));
}

// Bars of free pages per order (blocks x 2^order, linear: the bars compare
// memory); the block counts are in the hover text.
function chart(zone, orders) {
	const fa = zone.free_area || [];
	const pages = Array.from({ length: orders }, (_, k) => (fa[k] || 0) * 2 ** k);
	const max = Math.max(1, ...pages);
	const bars = [];
	for (let k = 0; k < orders; k++) {
		const v = fa[k] || 0, p = pages[k];
		const pct = 100 * p / max;
		const text = `order ${k}: ${num(p)} free pages in ${num(v)} blocks of ${num(2 ** k)} pages`;
		bars.push(h('div', { class: 'bar-col' },
			h('div', { class: 'bar-val' }, num(p)),
			h('div', { class: 'bar-track' }, h('div', { class: 'bar', role: 'img', style: `height:${pct.toFixed(1)}%`,
				'aria-label': text, title: text, dataset: { pages: p, blocks: v } })),
			h('div', { class: 'bar-x' }, String(k))));
	}
	return h('figure', { class: 'zone-chart' },
		h('div', { class: 'bars', style: `--n:${orders}` }, bars),
		h('figcaption', {}, 'Free pages per order (linear); order k is a block of 2^k pages. Hover a bar for its block count.'));
}

// The free pages of one zone over time, from the daemon's ring of samples:
// a line from the lowest (bottom) to the highest value (top) so that a
// change of a few pages in a million shows; the numbers (and the pages in
// THP-able blocks now) in the caption.
function trendLine(node, name) {
	const g = thpGeometry();
	const pts = [];
	for (const s of trend.samples) {
		const z = (s.zones || []).find(x => x.node === node && x.zone === name);
		if (!z) continue;
		const thp = g ? z.free_pages_by_order.slice(g.order).reduce((a, b) => a + b, 0) : null;
		pts.push({ t: Date.parse(s.time), free: z.free_pages, thp });
	}
	const box = h('figure', { class: 'zone-trend', dataset: { node, zone: name, samples: pts.length,
		values: pts.map(p => p.free).join(',') } });
	if (pts.length < 2) {
		box.append(h('figcaption', { class: 'hint' }, trend.capacity ?
			'Free pages over time: the trend line appears after two samples of the daemon’s zones history.' :
			'Free pages over time: the daemon keeps no zones history (--zones-history 0).'));
		return box;
	}
	const W = 300, H = 60;
	const frees = pts.map(p => p.free);
	const t0 = pts[0].t, t1 = pts[pts.length - 1].t, lo = Math.min(...frees), hi = Math.max(...frees);
	const x = t => (t1 > t0 ? (t - t0) / (t1 - t0) * W : W).toFixed(1);
	const y = v => (hi > lo ? H - 4 - (v - lo) / (hi - lo) * (H - 8) : H / 2).toFixed(1);
	const line = (key, cls) => {
		const el = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
		el.setAttribute('class', cls);
		el.setAttribute('points', pts.map(p => `${x(p.t)},${y(p[key])}`).join(' '));
		return el;
	};
	const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
	svg.setAttribute('preserveAspectRatio', 'none');
	svg.setAttribute('role', 'img');
	const last = pts[pts.length - 1];
	svg.setAttribute('aria-label', `Free pages of ${name} over ${Math.round((t1 - t0) / 1000)} s: ` +
		`now ${last.free}, lowest ${lo}, highest ${hi}`);
	svg.append(line('free', 'trend-free'));
	box.append(svg, h('figcaption', {}, `Free pages over the last ${Math.round((t1 - t0) / 1000)} s ` +
		`(${pts.length} samples, one every ${trend.interval / 1000} s): now ${num(last.free)}, ` +
		`lowest ${num(lo)} (bottom), highest ${num(hi)} (top)` +
		(g ? `; in blocks ≥ order ${g.order} (THP-able) now ${num(last.thp)}.` : '.')));
	return box;
}

// The order of a PMD-size block (a THP) and the page size of the zones'
// machine: the live host's or the simulated space's arch.
function thpGeometry() {
	const id = source === 'live' ? ctx.info.host_arch : (ctx.spaces.find(s => s.id === source) || {}).arch;
	const a = id && ctx.arches.get(id);
	if (!a || !a.levels || a.levels.length < 2) return null;
	const pmd = a.levels[a.levels.length - 2];
	return { order: pmd.shift - Math.log2(a.page_size), page: a.page_size };
}

// Free memory in blocks big enough for a THP.
function thpFree(zone, orders) {
	const g = thpGeometry();
	if (!g || g.order >= orders) return null;
	const fa = zone.free_area || [];
	let pages = 0;
	for (let k = g.order; k < orders; k++) pages += (fa[k] || 0) * 2 ** k;
	const share = zone.free_pages ? ` (${(100 * pages / zone.free_pages).toFixed(1)} % of free)` : '';
	return h('p', { class: 'thp-free', dataset: { pages } }, h('strong', {}, `Free memory in blocks ≥ order ${g.order} (THP-able): `),
		`${sizeName(BigInt(pages) * BigInt(g.page))}${share}`);
}

// Free pages against the min/low/high watermarks.
function watermarks(zone) {
	const wm = zone.watermarks || {};
	const free = zone.free_pages || 0;
	const scale = Math.max(free, (wm.high || 0) * 2, 1);
	const pos = v => Math.min(100, 100 * v / scale).toFixed(2) + '%';
	const state = free <= wm.min ? 'below min: allocations stall' : free <= wm.low ? 'below low: kswapd reclaims' :
		free <= wm.high ? 'between low and high' : 'above high';
	return h('div', { class: 'wm' },
		h('div', { class: 'wm-track', role: 'img', 'aria-label': `free ${free} pages; min ${wm.min}, low ${wm.low}, high ${wm.high}: ${state}` },
			h('div', { class: 'wm-free', style: `width:${pos(free)}` }),
			['min', 'low', 'high'].map(k => wm[k] !== undefined ?
				h('div', { class: 'wm-mark ' + k, style: `left:${pos(wm[k])}`, title: `${k} ${wm[k]}` }) : null)),
		h('p', { class: 'hint' }, `Watermarks min ${num(wm.min)}, low ${num(wm.low)}, high ${num(wm.high)} pages` +
			(wm.boost ? ` (each raised by a boost of ${num(wm.boost)} after a fragmenting fallback)` : '') +
			`; free ${num(free)}: ${state}.` +
			(zone.cma_pages ? ` ${num(zone.cma_pages)} pages are CMA: movable allocations only, lent until a device claims them.` : '')));
}

// Free blocks per migrate type and order.
function migrate(zone, orders) {
	const mt = zone.migrate;
	if (!mt || !Object.keys(mt).length) return null;
	const head = [h('th', {}, 'type')];
	for (let k = 0; k < orders; k++) head.push(h('th', { class: 'num' }, String(k)));
	const rows = Object.entries(mt).map(([name, v]) => h('tr', {}, h('th', { scope: 'row' }, name),
		Array.from({ length: orders }, (_, k) => h('td', { class: 'num' + ((v[k] || 0) ? '' : ' zero') }, num(v[k] || 0)))));
	return h('details', { class: 'migrate' }, h('summary', {}, 'Free blocks by migrate type'),
		h('div', { class: 'scroll-x' }, h('table', { class: 'list' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows))));
}

// The fragmentation index per order (-1: a free block that large exists).
function frag(zone, orders) {
	const api = zone.frag_index || zone.fragmentation_index;
	const cells = [];
	for (let k = 0; k < orders; k++) {
		const v = api ? Number(api[k]) : fragIndex(zone.free_area || [], k) / 1000;
		cells.push(h('td', { class: 'num' }, v.toFixed(3)));
	}
	// every order in view: the cells wrap instead of scrolling
	return h('figure', { class: 'frag' },
		h('figcaption', {}, 'Fragmentation index per order (−1: a large enough block is free; towards 1: failure from fragmentation; towards 0: from low memory)'),
		h('div', { class: 'frag-cells' }, cells.map((c, k) => h('div', { class: 'frag-cell', dataset: { order: k } },
			h('span', { class: 'frag-k' }, `order ${k}`), h('span', { class: 'frag-v' }, c.textContent)))));
}
