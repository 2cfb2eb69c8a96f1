/* SPDX-License-Identifier: MIT */
// vamap.js: the overview's address map, zoomable and legible with tens of
// thousands of regions.  The address range is laid out in "units": every
// region and every gap gets a width that grows with the log of its size
// (a 4 KiB page and 128 TiB both show), the halves of the arch one after
// the other.  A window of units is drawn: regions at least MIN_PX wide as
// buttons (filled as far as they are mapped), runs of narrower ones as one
// cluster ("N regions": a click zooms into it).  A region's name is drawn
// only inside its own button and only when it fits there, so names never
// cover each other.  Wheel or +/− zoom around the pointer, dragging or the
// arrow keys pan, 0 or Reset shows everything; zoomTo(start, end) (the
// region table's "map" buttons) brings an address range into view.

import { h, setKids, hex, sizeName } from './util.js';

const MIN_PX = 4;	// narrower regions join a cluster
const MIN_WINDOW = 1e-3;	// units: the deepest zoom

let st = null;	// {box, parts, total, a, b, open, sel}
let measureCtx = null;

// Width weight of a span: logarithmic, as the old bar had it.
function weight(bytes) {
	return Math.max(1, Math.log2(Number(bytes)) - 10);
}

// Lay out halves [{name, first, last}] and regions [{s, e, name, perms,
// present_pages}] (sorted, BigInt s/e) as parts with unit offsets.
function layoutParts(halves, regions) {
	const parts = [];
	let u = 0;
	const add = p => {
		p.u0 = u;
		u += p.w;
		parts.push(p);
	};
	for (const half of halves) {
		const end = half.last + 1n;
		let at = half.first;
		for (const r0 of regions) {
			if (r0.e <= half.first || r0.s >= end) continue;
			const r = { ...r0, s: r0.s < half.first ? half.first : r0.s, e: r0.e > end ? end : r0.e };
			if (r.s > at) add({ kind: 'gap', s: at, e: r.s, w: weight(r.s - at) / 4 });
			add({ kind: 'seg', ...r, w: weight(r.e - r.s) });
			at = r.e;
		}
		if (end > at) add({ kind: 'gap', s: at, e: end, w: weight(end - at) / 4 });
		add({ kind: 'half', s: end, e: end, w: 0, name: half.name });
	}
	return { parts, total: u };
}

// The unit of address va (the first part that holds it).
function unitOf(va) {
	const ps = st.parts;
	let lo = 0, hi = ps.length - 1;
	while (lo < hi) {	// the last part starting at or below va
		const mid = (lo + hi + 1) >> 1;
		if (ps[mid].s <= va) lo = mid;
		else hi = mid - 1;
	}
	const p = ps[lo];
	if (!p || p.e <= p.s) return p ? p.u0 : 0;
	const f = Number(va - p.s) / Number(p.e - p.s);
	return p.u0 + Math.min(1, Math.max(0, f)) * p.w;
}

// Text width in the map's font.
function textWidth(text) {
	if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
	measureCtx.font = '11px sans-serif';	// .va-name's font (style.css)
	return measureCtx.measureText(text).width;
}

// Draw regions into box; open(region) on a click of a region.
export function draw(box, halves, regions, open) {
	const lay = layoutParts(halves, regions);
	const keep = st && st.box === box && st.total === lay.total ? [st.a, st.b] : [0, lay.total];
	st = { box, ...lay, a: keep[0], b: keep[1], open, sel: st && st.box === box ? st.sel : null, halves };
	render();
}

// Zoom so that [start, end) fills most of the map and mark it.
export function zoomTo(start, end) {
	if (!st) return;
	const u0 = unitOf(start), u1 = Math.max(unitOf(end), u0 + MIN_WINDOW);
	const w = Math.max((u1 - u0) / 0.6, MIN_WINDOW);
	const c = (u0 + u1) / 2;
	st.sel = { s: start, e: end };
	setWindow(c - w / 2, c + w / 2);
	st.box.scrollIntoView({ block: 'nearest' });
}

// Set the window (clamped to the whole range) and redraw.
function setWindow(a, b) {
	let w = Math.min(Math.max(b - a, MIN_WINDOW), st.total);
	a = Math.max(0, Math.min(a, st.total - w));
	st.a = a;
	st.b = a + w;
	render();
}

// Zoom by factor f (< 1: in) around unit u.
function zoom(f, u) {
	const a = u - (u - st.a) * f, b = u + (st.b - u) * f;
	setWindow(a, b);
}

// The address at unit u (for the window's ends).
function addrAt(u) {
	const p = st.parts.find(x => x.u0 + x.w >= u && x.w > 0) || st.parts[st.parts.length - 1];
	if (!p) return 0n;
	const f = p.w ? Math.min(1, Math.max(0, (u - p.u0) / p.w)) : 0;
	return p.s + BigInt(Math.floor(f * Number(p.e - p.s)));
}

// Draw the window: controls, the address line, the track.
function render() {
	const box = st.box;
	const W = Math.max(100, box.clientWidth || 800);
	const span = st.b - st.a;
	const px = u => (u - st.a) / span * W;
	const kids = [];
	let cluster = null;
	const flush = () => {
		if (!cluster) return;
		const c = cluster;
		const x0 = Math.max(0, px(c.u0)), x1 = Math.min(W, px(c.u1));
		const text = `${c.n} regions ${hex(c.s)}–${hex(c.e)}: click to zoom in`;
		kids.push(h('button', { type: 'button', class: 'va-cluster', title: text, 'aria-label': text,
			style: `left:${x0.toFixed(1)}px;width:${Math.max(1, x1 - x0).toFixed(1)}px`,
			onclick: () => setWindow(c.u0 - (c.u1 - c.u0) * 0.05, c.u1 + (c.u1 - c.u0) * 0.05) }));
		cluster = null;
	};
	for (const p of st.parts) {
		const u1 = p.u0 + p.w;
		if (u1 < st.a || p.u0 > st.b) continue;
		const x0 = px(p.u0), x1 = px(u1), wpx = x1 - x0;
		if (p.kind === 'seg' && wpx < MIN_PX) {
			if (cluster && px(cluster.u1) + 0.5 >= x0 && px(cluster.u1) - px(cluster.u0) < 24) {
				cluster.u1 = u1;
				cluster.e = p.e;
				cluster.n++;
			} else {
				flush();
				cluster = { u0: p.u0, u1, s: p.s, e: p.e, n: 1 };
			}
			continue;
		}
		flush();
		const left = Math.max(0, x0), right = Math.min(W, x1), vis = right - left;
		if (p.kind === 'half') {
			kids.push(h('div', { class: 'va-divider', style: `left:${left.toFixed(1)}px`, title: `${p.name} ends` }));
		} else if (p.kind === 'gap') {
			const t = sizeName(p.e - p.s);
			kids.push(h('div', { class: 'va-gap', style: `left:${left.toFixed(1)}px;width:${vis.toFixed(1)}px`,
				title: `unmapped: ${t}` }, vis > textWidth(t) + 8 ? h('span', {}, t) : null));
		} else {
			kids.push(segment(p, left, vis));
		}
	}
	flush();
	const zoomed = st.total / span;
	const track = h('div', { class: 'va-track', role: 'list', 'aria-label': 'Address map', tabindex: 0,
		dataset: { a: String(st.a), b: String(st.b), zoom: zoomed.toFixed(1) } }, kids);
	wire(track, W);
	const bar = h('div', { class: 'va-tools' },
		h('button', { type: 'button', class: 'va-zoom-out', 'aria-label': 'Zoom out', onclick: () => zoom(2, (st.a + st.b) / 2) }, '−'),
		h('button', { type: 'button', class: 'va-zoom-in', 'aria-label': 'Zoom in', onclick: () => zoom(0.5, (st.a + st.b) / 2) }, '+'),
		h('button', { type: 'button', class: 'va-reset', onclick: () => { st.sel = null; setWindow(0, st.total); } }, 'Reset'),
		h('span', { class: 'va-window mono' }, `${hex(addrAt(st.a))} – ${hex(addrAt(st.b))}`),
		h('span', { class: 'hint' }, zoomed > 1.05 ? ` ×${zoomed < 10 ? zoomed.toFixed(1) : Math.round(zoomed)}` : ''),
		h('span', { class: 'hint' }, ' · wheel or +/− to zoom, drag or ←/→ to pan, 0 to reset'));
	const halves = h('div', { class: 'va-label' }, st.halves.map(hf =>
		`${hf.name}: ${hex(hf.first)} – ${hex(hf.last)} (${sizeName(hf.last - hf.first + 1n)})`).join(' · '));
	setKids(box, halves, bar, track);
}

// A region's button: filled as far as it is mapped; its name when it fits.
function segment(r, left, vis) {
	const pages = Number((r.e - r.s) / BigInt(r.page || 4096));
	const f = pages ? Math.min(1, (r.present_pages || 0) / pages) : 0;
	const label = `${r.name || 'region'} ${hex(r.s)}–${hex(r.e)} ${r.perms || ''}: ${sizeName(r.e - r.s)}, ${(f * 100).toFixed(1)}% mapped`;
	const sel = st.sel && r.s < st.sel.e && r.e > st.sel.s;
	const name = r.name || '';
	const fits = name && vis >= textWidth(name) + 8;
	return h('button', { type: 'button', class: 'va-seg' + (sel ? ' va-selected' : ''), role: 'listitem',
		style: `left:${left.toFixed(1)}px;width:${vis.toFixed(1)}px`, title: label, 'aria-label': label,
		dataset: { start: hex(r.s) }, onclick: () => {
			if (st.open && !(st.draggedAt && Date.now() - st.draggedAt < 300)) st.open(r);
		} },
	h('span', { class: 'va-fill', style: `height:${(f * 100).toFixed(1)}%` }),
	fits ? h('span', { class: 'va-name' }, name) : null);
}

// Wheel zoom, drag pan and keys on the track.
function wire(track, W) {
	const unitAt = x => st.a + x / W * (st.b - st.a);
	track.addEventListener('wheel', ev => {
		ev.preventDefault();
		const r = track.getBoundingClientRect();
		zoom(ev.deltaY < 0 ? 0.8 : 1.25, unitAt(ev.clientX - r.left));
	}, { passive: false });
	// drag: followed on the window, the track is redrawn under the pointer
	track.addEventListener('pointerdown', ev => {
		if (ev.button !== 0) return;
		const d = { x: ev.clientX, a: st.a, b: st.b, moved: false };
		const move = e => {
			const dx = e.clientX - d.x;
			if (!d.moved && Math.abs(dx) < 4) return;
			d.moved = true;
			st.draggedAt = Date.now();
			const du = dx / W * (d.b - d.a);
			setWindow(d.a - du, d.b - du);
		};
		const up = () => {
			window.removeEventListener('pointermove', move);
			window.removeEventListener('pointerup', up);
		};
		window.addEventListener('pointermove', move);
		window.addEventListener('pointerup', up);
	});
	track.addEventListener('keydown', ev => {
		const mid = (st.a + st.b) / 2, step = (st.b - st.a) * 0.2;
		if (ev.key === '+' || ev.key === '=') zoom(0.5, mid);
		else if (ev.key === '-') zoom(2, mid);
		else if (ev.key === 'ArrowLeft') setWindow(st.a - step, st.b - step);
		else if (ev.key === 'ArrowRight') setWindow(st.a + step, st.b + step);
		else if (ev.key === '0') setWindow(0, st.total);
		else return;
		ev.preventDefault();
		const nt = st.box.querySelector('.va-track');
		if (nt) nt.focus();
	});
}
