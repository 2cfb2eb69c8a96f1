/* SPDX-License-Identifier: MIT */
// walk.js: the walk explainer: a VA's bits split into each level's index
// field, then every step of the walk down to the physical address (or where
// and why it stops), with the kernel helper that does each step.

import * as api from './api.js';
import { $, h, setKids, big, hex, sizeName, parseAddr, formError } from './util.js';
import { LINUX_LEVELS, levelsOf, levelInfo, isFolded, helperOf, levelLabel } from './levels.js';
import { stepDecoded } from './decoder.js';
import { imageFormula } from './layout.js';
import * as timeline from './timeline.js';

let ctx = null;
let last = null;	// {space, va}

// Wire the form.
export function init(c) {
	ctx = c;
	$('walk-form').addEventListener('submit', ev => {
		ev.preventDefault();
		run($('walk-va').value);
	});
	// the timeline moved: the same walk as the space was then
	timeline.follow(() => (last && ctx.space && last.space === ctx.space.id ? run(hex(last.va)) : null));
}

// A new space: forget the last walk.
export function spaceChanged() {
	last = null;
	setKids($('walk-bits'));
	setKids($('walk-steps'));
	setKids($('walk-result'));
	formError($('walk-error'));
}

// Show the view; walk params.va when given.
export function show(c, params = {}) {
	if (params.va) {
		$('walk-va').value = hex(big(params.va));
		run($('walk-va').value);
	} else if (!last) {
		$('walk-va').focus();
	}
}

// Walk the typed address and draw the result.
async function run(text) {
	formError($('walk-error'));
	const va = parseAddr(text);
	if (va === null) {
		$('walk-error').textContent = `“${text}” is not an address: type hex digits, e.g. 0x7f0000201000.`;
		return;
	}
	const space = ctx.space;
	let w;
	try {
		w = await api.get(api.spacePath(space.id, 'walk') + '?va=' + hex(va) + timeline.genParam('&'));
	} catch (e) {
		formError($('walk-error'), 'The walk failed', e);
		return;
	}
	if (ctx.space !== space) return;
	last = { space: space.id, va };
	ctx.writeHash({ va: hex(va) });
	drawBits(va, w);
	drawSteps(w);
	drawResult(w);
}

// Total width of a VA on the arch: 32 for 32-bit arches, else 64.
function vaWidth(arch) {
	return arch.va_bits <= 32 ? 32 : 64;
}

// Binary digits of v between bits hi..lo (inclusive).
function bitsOf(v, hi, lo) {
	let s = '';
	for (let b = hi; b >= lo; b--) s += (v >> BigInt(b)) & 1n ? '1' : '0';
	return s;
}

// Draw the VA's bits grouped into fields: upper bits, one index per level, offset.
function drawBits(va, w) {
	const arch = ctx.arch;
	const width = vaWidth(arch);
	const levels = levelsOf(arch);
	const walked = new Set((w.steps || []).map(s => s.level));
	const groups = [];
	if (width > arch.va_bits)
		groups.push(field('upper', `bits ${width - 1}–${arch.va_bits}`,
			arch.split_roots ? 'TTBR select' : 'sign extension', bitsOf(va, width - 1, arch.va_bits), null));
	levels.forEach((l, k) => {
		const hi = l.shift + l.bits - 1;
		const idx = (va >> BigInt(l.shift)) & ((1n << BigInt(l.bits)) - 1n);
		const used = walked.has(l.name);
		groups.push(field('lv' + k + (used ? '' : ' unused'), `bits ${hi}–${l.shift}`,
			l.name.toUpperCase() + ' index', bitsOf(va, hi, l.shift),
			`${idx} (${hex(idx)})` + (used ? '' : ' — not reached')));
	});
	const pshift = Math.log2(arch.page_size);
	groups.push(field('offset', `bits ${pshift - 1}–0`, 'page offset', bitsOf(va, pshift - 1, 0),
		hex(va & ((1n << BigInt(pshift)) - 1n))));
	setKids($('walk-bits'), h('div', { class: 'bitrow', role: 'list', 'aria-label': `Bits of ${hex(va)}` }, groups));
}

// One field of the bit display.
function field(cls, range, name, digits, value) {
	return h('div', { class: 'bitfield ' + cls, role: 'listitem' },
		h('div', { class: 'bf-name' }, name),
		h('div', { class: 'bf-digits mono' }, digits),
		h('div', { class: 'bf-range' }, range),
		value ? h('div', { class: 'bf-value mono' }, value) : null);
}

// First argument of each helper, as the kernel writes the call.
const ARG = { pgd: 'mm', p4d: 'pgd', pud: 'p4d', pmd: 'pud', pte: 'pmd' };

// The steps, with folded levels shown where the kernel passes through them.
function drawSteps(w) {
	const arch = ctx.arch;
	const steps = w.steps || [];
	const items = [];
	let si = 0;
	for (const name of LINUX_LEVELS) {
		if (si >= steps.length) break;
		if (isFolded(arch, name)) {
			items.push(h('li', { class: 'step folded' },
				h('div', { class: 'step-head' }, h('strong', {}, name.toUpperCase()), ' folded'),
				h('p', { class: 'hint' }, `${helperOf(arch, name)}(${ARG[name]}, addr) returns its argument: this arch has no separate ${name} level.`)));
			continue;
		}
		const s = steps[si];
		if (s.level !== name) continue;
		si++;
		items.push(stepItem(arch, s));
	}
	for (; si < steps.length; si++) items.push(stepItem(arch, steps[si]));
	setKids($('walk-steps'), items);
}

// One real step of the walk.
function stepItem(arch, s) {
	const l = levelInfo(arch, s.level);
	const fn = helperOf(arch, s.level);
	const hidden = ctx.space.kind === 'sim' ? '—' : 'hidden';
	const rows = [
		['Table at PA', s.table_pa ? hex(s.table_pa) : hidden],
		['Index', `${s.index} (${hex(s.index)}) = bits ${s.shift + (l ? l.bits : 0) - 1}–${s.shift}`],
		['Entry at PA', s.entry_pa ? hex(s.entry_pa) : hidden],
		['Entry value', s.entry ? hex(s.entry) : hidden],
		['Kind', s.kind === 'none' ? 'none (empty)' : s.kind],
	];
	if (s.size) rows.push(['Maps', sizeName(s.size)]);
	if (s.hw) rows.push(['Hardware', [].concat(s.hw).join(' ')]);
	return h('li', { class: 'step kind-' + s.kind, 'data-level': s.level },
		h('div', { class: 'step-head' }, h('strong', {}, levelLabel(arch, s.level)),
			' ', h('code', {}, `${fn}(${ARG[s.level]}, addr)`),
			s.kind === 'table' ? h('a', { href: '#', class: 'open-table',
				onclick: ev => { ev.preventDefault(); ctx.go('tables', { node: `${s.level}:${hex(last.va)}`, focusVa: hex(last.va) }); } },
			'open this table') : null),
		h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)]),
			h('dt', {}, 'Flags'), h('dd', {}, h('span', { class: 'chips' }, (s.flags || []).map(f => h('span', { class: 'chip' }, f))))),
		stepDecoded(s));
}

// The outcome: the physical address, or where and why the walk stopped.
function drawResult(w) {
	const steps = w.steps || [];
	const lastStep = steps[steps.length - 1];
	if (w.mapped) {
		setKids($('walk-result'), h('p', { class: 'ok' }, `${hex(w.va)} → `,
			h('strong', { id: 'walk-pa', class: 'mono' }, w.pa ? hex(w.pa) : 'physical address hidden'),
			w.page_size ? ` in a ${sizeName(w.page_size)} ${lastStep && lastStep.kind === 'block' ? 'block' : 'page'}` : ''),
		w.reason ? h('p', { class: 'hint' }, w.reason) : null,
		w.region ? h('p', { id: 'walk-region' }, 'Kernel region: ', h('strong', {}, w.region)) : null,
		w.linear_map ? h('p', { id: 'walk-linear', class: 'mono' }, 'Linear map: ' + w.linear_map.formula) : null,
		imageFormula(w.va, w.pa) ? h('p', { id: 'walk-kimage', class: 'mono' }, 'Kernel image: ' + imageFormula(w.va, w.pa)) : null);
		return;
	}
	const where = lastStep ? `at ${lastStep.level.toUpperCase()} entry ${lastStep.index}` : 'before the first level';
	const why = (w.reason || '').replace(/\.$/, '') || (lastStep && lastStep.kind === 'swap' ?
		'the entry holds a swap entry: the page is not in memory' :
		'the entry is empty, so nothing is mapped at this address');
	setKids($('walk-result'), h('p', { class: 'stop', id: 'walk-stop' }, `Not mapped: the walk stops ${where}: ${why}.`));
}
