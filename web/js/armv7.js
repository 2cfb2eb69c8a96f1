/* SPDX-License-Identifier: MIT */
// armv7.js: the ARMv7 short-descriptor views Linux's 2-level layout needs
// (arch/arm/include/asm/pgtable-2level.h):
//  - a pgd entry is two hardware first-level descriptors, for sections 2n
//    and 2n+1 of the 2 MiB it spans;
//  - a pte table is one 4 KiB page holding Linux's copy of 512 ptes
//    (Linux pt 0 at +0, pt 1 at +1024) and the hardware's (h/w pt 0 at
//    +2048, h/w pt 1 at +3072): entry i's Linux pte is at +4i, its
//    hardware twin at +2048+4i;
//  - a 16 MiB supersection repeats in 16 hardware entries (8 pgd entries).

import { h, hex, big } from './util.js';

export function isShort(arch) {
	return arch && arch.id === 'armv7-2l';
}

// The hardware words of a pgd entry, labelled with their section and VA.
export function pgdWords(c, index, va) {
	if (!c.hw) return null;
	return h('ul', { class: 'hw-words' }, c.hw.map((w, k) =>
		h('li', { dataset: { section: 2 * index + k } },
			h('span', {}, `section ${2 * index + k}`), ' ',
			h('span', { class: 'hint mono' }, `VA ${hex(va + BigInt(k) * 0x100000n)}`), ': ',
			h('code', {}, w))));
}

// The pgd entries of the 16 MiB supersection entry index belongs to.
export function supersectionSpan(index) {
	const first = index & ~7;
	return { first, last: first + 7 };
}

// The 4 KiB pte page drawn as it is laid out, twins linked.  onPick(i)
// focuses entry i in the grid.
export function ptePage(node, children, onPick) {
	const base = node.table_pa ? big(node.table_pa) : null;
	const quarters = [
		{ name: 'Linux pt 0', off: 0, first: 0, hw: false },
		{ name: 'Linux pt 1', off: 1024, first: 256, hw: false },
		{ name: 'h/w pt 0', off: 2048, first: 0, hw: true },
		{ name: 'h/w pt 1', off: 3072, first: 256, hw: true },
	];
	const rows = quarters.map(q => {
		const cells = [];
		for (let k = 0; k < 256; k++) {
			const i = q.first + k;
			const c = children.get(i);
			const off = q.off + 4 * k;
			const val = c ? (q.hw ? (c.hw && c.hw[0]) : c.entry) : null;
			cells.push(h('span', {
				class: 'pp-cell' + (c ? ' used' : ''), role: 'button', tabindex: '-1',
				title: `${q.hw ? 'hardware' : 'Linux'} pte of entry ${i} at +${hex(off)}` +
					(base !== null ? ` = PA ${hex(base + BigInt(off))}` : '') + (val ? `: ${val}` : ''),
				dataset: { i, copy: q.hw ? 'hw' : 'linux', off, pa: base !== null ? hex(base + BigInt(off)) : '', value: val || '' },
				onclick: () => onPick(i),
			}));
		}
		return h('div', { class: 'pp-row' }, h('span', { class: 'pp-label' }, `${q.name} +${hex(q.off)}`),
			h('span', { class: 'pp-cells' }, cells));
	});
	const box = h('section', { class: 'card pte-page', id: 'pte-page', 'aria-label': 'Layout of the ARMv7 pte page' },
		h('h3', {}, 'This pte page as Linux lays it out'),
		h('p', { class: 'hint' }, 'One 4 KiB page: Linux\'s ptes (its own bits: young, dirty, …) in the first half, the hardware ptes the MMU walks in the second. ' +
			'Hover an entry to see its twin; the first-level descriptors point at +0x800 and +0xc00.'),
		rows);
	box.addEventListener('mouseover', ev => {
		const cell = ev.target.closest('.pp-cell');
		box.querySelectorAll('.pp-cell.twin').forEach(e => e.classList.remove('twin'));
		if (cell) box.querySelectorAll(`.pp-cell[data-i="${cell.dataset.i}"]`).forEach(e => e.classList.add('twin'));
	});
	return box;
}

// Mark entry i's two copies as the focused pair.
export function markPair(box, i) {
	if (!box) return;
	box.querySelectorAll('.pp-cell.twin').forEach(e => e.classList.remove('twin'));
	box.querySelectorAll(`.pp-cell[data-i="${i}"]`).forEach(e => e.classList.add('twin'));
}
