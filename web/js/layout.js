/* SPDX-License-Identifier: MIT */
// layout.js: the kernel's layout numbers of a space, where it has them
// (simulated machines): PAGE_OFFSET, PHYS_OFFSET, KIMAGE_VADDR,
// kimage_voffset, with the formulas __va(), __pa() and __pa_symbol() use.
// Shown in the overview; the walk explainer uses the same numbers.

import * as api from './api.js';
import { $, h, setKids, big, hex } from './util.js';

let current = null;	// the space object with its "layout", or null

// A new space: fetch its object and draw its layout card (or nothing).
export async function spaceChanged(ctx) {
	current = null;
	const box = $('ov-layout');
	if (box) setKids(box);
	const space = ctx.space;
	if (!space) return;
	let s;
	try {
		s = await api.get(api.spacePath(space.id));
	} catch (e) {
		return;		// the overview says what failed
	}
	if (ctx.space !== space || !s.layout) return;
	current = s;
	if (box) setKids(box, card(s.layout));
}

// The layout of the current space, or null.
export function layout() {
	return current ? current.layout : null;
}

function row(name, value, what) {
	return [h('dt', {}, h('code', {}, name)), h('dd', { class: 'mono', dataset: { name } }, value),
		h('dd', { class: 'hint' }, what)];
}

function card(l) {
	const rows = [];
	// the kernel version and config the scenario's layout follows
	if (l.linux) rows.push(row('Linux', l.linux, 'the kernel version and configuration this layout follows'));
	rows.push(
		row('PAGE_OFFSET', l.page_offset, 'start of the linear map: every RAM page at PA p is also at VA p - PHYS_OFFSET + PAGE_OFFSET'),
		row('PHYS_OFFSET', l.phys_offset, 'the PA the linear map starts at (memstart_addr on arm64, phys_ram_base on RISC-V, 0 on x86)'),
	);
	if (l.kimage_vaddr) {
		rows.push(row('KIMAGE_VADDR', l.kimage_vaddr, 'where the kernel image is mapped'));
		rows.push(row('kimage_voffset', l.kimage_voffset, `image VA - image PA (image at PA ${l.kimage_pa}); __pa_symbol(x) = x - kimage_voffset`));
	}
	return h('section', { class: 'card layout' }, h('h3', {}, 'Kernel layout'),
		h('dl', { class: 'kv layout-kv' }, rows),
		h('p', { class: 'hint' }, '__va(pa) = pa - PHYS_OFFSET + PAGE_OFFSET;  __pa(va) = va - PAGE_OFFSET + PHYS_OFFSET for linear-map addresses.'));
}

// For the walk: the kernel-image formula when va walks to va - kimage_voffset.
export function imageFormula(va, pa) {
	const l = layout();
	if (!l || !l.kimage_voffset || pa === null) return null;
	const off = big(l.kimage_voffset);
	const mask = (1n << 64n) - 1n;
	if (((big(va) - off) & mask) !== big(pa)) return null;
	return `PA = VA - kimage_voffset = ${hex(va)} - ${hex(off)} = ${hex(pa)} (__pa_symbol)`;
}
