/* SPDX-License-Identifier: MIT */
// learn.js: guided tours.  Each tour is a few steps; each step is a caption
// and an action that drives the viewer (opens a space and a table,
// highlights the entries the caption talks about, runs a walk or a
// simulator op).  The entries a step highlights are found from the API's
// own answers at that moment, so the caption and the grid always agree.

import * as api from './api.js';
import { $, h, setKids, big, hex } from './util.js';
import * as tables from './tables.js';
import * as timeline from './timeline.js';

let ctx = null;
let tour = null;	// { def, step, state }

// The helpers a step's action gets.
function helpers(state) {
	return {
		async sim(arch, scenario, ramMb) {
			const body = { kind: 'sim', arch, scenario };
			if (ramMb) body.ram_mb = ramMb;
			const s = await api.post('/spaces', body);
			await ctx.refreshSpaces();
			await ctx.selectSpace(s.id, 'tables');
			state.space = s.id;
			return s;
		},
		async op(body) {
			return api.post(api.spacePath(state.space, 'ops'), body);
		},
		async select(id) {
			await ctx.refreshSpaces();
			await ctx.selectSpace(id, 'tables');
			state.space = id;
		},
		// Show the generation of the space's history whose caption holds
		// text (the boot replay's steps); returns it, caption included.
		async gen(text) {
			const hist = await api.get(api.spacePath(state.space, 'history'));
			const g = (hist.generations || []).find(x => (x.caption || '').includes(text));
			if (!g) throw new Error(`no generation captioned "${text}"`);
			await timeline.goTo(g.generation);
			state.generation = g.generation;
			state.caption = g.caption;
			return g;
		},
		// The zones' free pages at the generation shown (memblock, then
		// the buddy allocator), for the panel.
		async zones() {
			const z = await api.get(api.spacePath(state.space, 'zones') +
				(state.generation ? '?generation=' + state.generation : ''));
			state.zones = (z.nodes || []).flatMap(n => n.zones || []).map(x => ({ name: x.name, free: Number(x.free_pages) }));
			return state.zones;
		},
		async table(spec, highlight) {
			ctx.go('tables', { node: spec });
			await tables.open(spec);
			const r = await api.get(api.spacePath(state.space, 'tree') + '?node=' + encodeURIComponent(spec) +
				(state.generation ? '&generation=' + state.generation : ''));
			const idx = highlight ? highlight(r.node.children || [], r.node) : [];
			tables.highlight(idx);
			state.highlighted = { node: `${r.node.level}:${r.node.va}`, indices: idx, generation: state.generation || null };
			return r.node;
		},
		async walk(va) {
			ctx.go('walk', { va: hex(big(va)) });
			const t0 = Date.now();
			while (Date.now() - t0 < 5000) {
				const pa = document.querySelector('#walk-pa, #walk-stop');
				if (pa && document.getElementById('walk-va').value === hex(big(va))) return;
				await new Promise(r => setTimeout(r, 50));
			}
		},
		async ranges() {
			return (await api.get(api.spacePath(state.space, 'ranges'))).ranges || [];
		},
		state,
	};
}

// The tours, in the order the panel lists them.
export const TOURS = [
	{ id: 'folding', title: 'Folding: five Linux levels on four, three or two real ones', steps: [
		{ text: 'Linux always walks pgd → p4d → pud → pmd → pte. On x86-64 with 4-level paging the CPU has only PML4, PDPT, PD and PT, so P4D is folded: PTRS_PER_P4D is 1 and p4d_offset() returns the pgd entry itself. The highlighted PML4 entry maps the process\'s text.',
		  run: async t => {
			const s = await t.sim('x86_64-4l', 'process');
			const first = (await t.ranges())[0];
			t.state.va = first.start;
			await t.table(s.root_user || 'pgd:0x0', cs => cs.filter(c => c.index === Number(big(first.start) >> 39n)).map(c => c.index));
		  } },
		{ text: 'Walk that address: the P4D step is drawn greyed where the kernel passes straight through it, then PUD, PMD and PTE index bits 38–30, 29–21 and 20–12.',
		  run: async t => t.walk(t.state.va) },
		{ text: 'RISC-V Sv39 has three levels: both P4D and PUD fold. The root table\'s 512 entries each map 1 GiB; the highlighted one holds the process\'s first mapping.',
		  run: async t => {
			await t.sim('riscv-sv39', 'process');
			const first = (await t.ranges())[0];
			await t.table('pgd:0x0', cs => cs.filter(c => c.index === Number((big(first.start) >> 30n) & 511n)).map(c => c.index));
		  } },
	] },
	{ id: 'arm64-linear', title: 'arm64: the linear map and the kernel image', steps: [
		{ text: 'An arm64 kernel, 4 KiB pages, 48-bit VA. The kernel half (TTBR1_EL1) opens here: the highlighted L0 entry covers the linear map at PAGE_OFFSET = 0xffff000000000000.',
		  run: async t => {
			const s = await t.sim('arm64-4k-48', 'kernel');
			t.state.s = s;
			await t.table(s.root_kernel, cs => cs.filter(c => c.index === 0).map(c => c.index));
		  } },
		{ text: 'One level down (the PUD table of the linear map): alloc_init_pud() maps a 1 GiB block wherever address and size allow, and otherwise a table. The highlighted entries are blocks.',
		  run: async t => {
			await t.table('pud:0xffff000000000000', cs => cs.filter(c => c.kind === 'block').map(c => c.index));
		  } },
		{ text: 'A walk into the linear map: PA = VA − PAGE_OFFSET + PHYS_OFFSET, exactly what __pa() computes.',
		  run: async t => t.walk('0xffff000000200000') },
		{ text: 'The kernel image is mapped on its own at KIMAGE_VADDR; its PA is VA − kimage_voffset (__pa_symbol).',
		  run: async t => t.walk(hex(big(t.state.s.layout.kimage_vaddr) + 0x10000n)) },
	] },
	{ id: 'arm64-boot', title: 'arm64 paging_init, generation by generation (the boot replay)', steps: [
		{ text: 'The boot replay: an arm64 machine with 4 GiB of RAM at 0x40000000 starts with empty tables, and each generation of its history is one step of the kernel\'s early memory setup (the timeline above steps through them; the caption names the kernel function and file). First head.S: early_map_kernel() maps the kernel image at KIMAGE_VADDR in the early tables, in 2 MiB blocks (highlighted), still writable and executable. kimage_voffset is KIMAGE_VADDR minus the image\'s physical address: __pa_symbol() subtracts it.',
		  run: async t => {
			const s = await t.sim('arm64-4k-48', 'boot', 4096);
			t.state.s = s;
			await t.gen('early_map_kernel');
			await t.table('pmd:' + s.layout.kimage_vaddr, cs => cs.filter(c => c.kind === 'block').map(c => c.index));
		  } },
		{ text: 'setup_arch() → early_fixmap_init() hooks the fixmap\'s own tables in, and setup_machine_fdt() → fixmap_remap_fdt() maps the device tree read-only in 4 KiB pages at FIX_FDT (highlighted). Its memory is memblock_reserve()d: until the buddy allocator exists, memblock is the kernel\'s only allocator.',
		  run: async t => {
			const g = await t.gen('fixmap_remap_fdt');
			const va = /FIX_FDT (0x[0-9a-f]+)/.exec(g.caption)[1];
			await t.table('pte:' + va, cs => cs.filter(c => c.va !== undefined && big(c.va) >= big(va) && c.kind !== 'none').map(c => c.index));
		  } },
		{ text: 'arm64_memblock_init() has put the RAM in memblock and reserved the image, the DTB and the initrd (a generation with no table change). Now paging_init() → map_kernel() builds swapper_pg_dir: map_kernel_segment() gives each segment its permissions — text read-only and executable (highlighted), rodata read-only, .data and .bss writable but never executable (PXN/UXN). The simulator draws swapper_pg_dir over the early tables.',
		  run: async t => {
			await t.gen('map_kernel_segment(_data');
			await t.table('pmd:' + t.state.s.layout.kimage_vaddr, cs => cs.filter(c => c.kind === 'block' && (c.flags || []).includes('exec')).map(c => c.index));
		  } },
		{ text: 'map_mem() → __map_memblock() → __create_pgd_mapping() → alloc_init_pud(): wherever the VA, the PA and the size left allow it, one 1 GiB block straight in the PUD table (highlighted). RAM base and size decide: 4 GiB from 0x40000000 leaves three aligned GiBs once the image is cut out.',
		  run: async t => {
			await t.gen('the RAM above the image');
			await t.table('pud:' + t.state.s.layout.page_offset, cs => cs.filter(c => c.kind === 'block').map(c => c.index));
		  } },
		{ text: 'The first GiB holds the image, so alloc_init_pud() made a table: alloc_init_cont_pmd() sets the Contiguous bit on runs of 16 aligned 2 MiB blocks (32 MiB, one TLB entry; highlighted), init_pmd() plain 2 MiB blocks elsewhere, and alloc_init_cont_pte() would go down to pages.',
		  run: async t => {
			await t.table('pmd:' + t.state.s.layout.page_offset, cs => cs.filter(c => (c.flags || []).includes('cont')).map(c => c.index));
		  } },
		{ text: 'Last in map_mem(): the image\'s own linear alias, mapped with NO_CONT_MAPPINGS — plain 2 MiB blocks (highlighted), so that parts of it can later be made read-only without breaking a contiguous run. Then cpu_replace_ttbr1() switches TTBR1 to swapper_pg_dir.',
		  run: async t => {
			await t.gen('the linear alias of the image');
			const lay = t.state.s.layout;
			const lo = big(lay.page_offset) + big(lay.kimage_pa) - big(t.state.s.ram_base);
			const hi = lo + big(lay.kimage_size);
			await t.table('pmd:' + lay.page_offset, cs => cs.filter(c => c.kind === 'block' && big(c.va) >= lo && big(c.va) < hi).map(c => c.index));
		  } },
		{ text: 'setup_arch() → bootmem_init() → zone_sizes_init() → free_area_init(): the zones exist now, but every one has 0 free pages (listed below, from the API at this generation): memblock, not the buddy allocator, still owns all memory. The tables are the final ones already.',
		  run: async t => {
			await t.gen('bootmem_init');
			await t.zones();
			await t.table(t.state.s.root_kernel, cs => cs.filter(c => c.kind === 'table').map(c => c.index));
		  } },
		{ text: 'Much later, once setup_arch() has returned, start_kernel() → mm_core_init() (mm_init() before Linux 6.4) → build_all_zonelists(), then mem_init() → memblock_free_all(): memblock hands every free page to the buddy allocator and the zones fill up (below). A walk into the linear map: PA = VA − PAGE_OFFSET + PHYS_OFFSET, what __pa() computes.',
		  run: async t => {
			await t.gen('memblock_free_all');
			await t.zones();
			await t.walk(hex(big(t.state.s.layout.page_offset) + 0x40001000n));
		  } },
	] },
	{ id: 'armv7', title: 'ARMv7: two hardware tables in one Linux pgd entry', steps: [
		{ text: 'ARMv7\'s first-level table has 4096 entries of 1 MiB; Linux pairs them, so its pgd has 2048 entries of 2 MiB, each holding two hardware descriptors (sections 2n and 2n+1). The highlighted entry points at the process\'s pte page.',
		  run: async t => {
			await t.sim('armv7-2l', 'process');
			const r = (await t.ranges()).find(x => x.level === 'pte');
			t.state.va = r.start;
			await t.table('pgd:0x0', cs => cs.filter(c => c.index === Number(big(r.start) >> 21n)).map(c => c.index));
		  } },
		{ text: 'The pte page is one 4 KiB page: Linux\'s own ptes in the first 2 KiB, the hardware ptes the MMU reads in the second. The highlighted ptes map pages; the layout below the grid shows each with its hardware twin at +0x800.',
		  run: async t => {
			await t.table('pte:' + t.state.va, cs => cs.slice(0, 4).map(c => c.index));
		  } },
	] },
	{ id: 'cow', title: 'fork and copy-on-write', steps: [
		{ text: 'A simulated process. Its stack is writable (the corner mark on the highlighted ptes).',
		  run: async t => {
			await t.sim('x86_64-4l', 'process');
			const r = (await t.ranges()).filter(x => x.flags.includes('write')).pop();
			t.state.va = r.start;
			await t.table('pte:' + r.start, cs => cs.filter(c => c.flags.includes('write')).map(c => c.index).slice(0, 8));
		  } },
		{ text: 'fork: the child gets a copy of the page tables, and both copies of every private writable page are made read-only (cow). The next write faults and copies the page. The highlighted ptes are now read-only.',
		  run: async t => {
			const res = await t.op({ op: 'fork' });
			await t.select(res.forked ? res.forked.id : t.state.space);
			await t.table('pte:' + t.state.va, cs => cs.filter(c => c.flags.includes('cow')).map(c => c.index).slice(0, 8));
		  } },
	] },
	{ id: 'thp', title: 'THP: 512 ptes or one pmd block', steps: [
		{ text: '2 MiB mapped with 4 KiB pages needs a whole pte table: 512 entries, all highlighted.',
		  run: async t => {
			await t.sim('x86_64-4l', 'empty');
			await t.op({ op: 'map', va: '0x7f0000200000', size: '0x200000', prot: 'rw', page_size: '4k' });
			await t.table('pte:0x7f0000200000', cs => cs.map(c => c.index));
		  } },
		{ text: 'The same 2 MiB as one transparent huge page: a single pmd entry maps it (PS set) and the pte table is gone — one table page less. (Linux still deposits a pte table under an anonymous THP for a later split; VmPTE counts it.)',
		  run: async t => {
			await t.op({ op: 'unmap', va: '0x7f0000200000', size: '0x200000' });
			await t.op({ op: 'map', va: '0x7f0000200000', size: '0x200000', prot: 'rw', page_size: '2m' });
			await t.table('pmd:0x7f0000200000', cs => cs.filter(c => c.kind === 'block').map(c => c.index));
		  } },
	] },
];

// Wire the Learn button and panel.
export function init(c) {
	ctx = c;
	const b = $('open-learn');
	if (b) b.addEventListener('click', () => togglePanel());
	const p = $('picker-learn');
	if (p) p.addEventListener('click', () => {
		$('picker').close();
		togglePanel(true);
	});
}

function togglePanel(open) {
	const p = $('learn');
	p.hidden = open === undefined ? !p.hidden : !open;
	if (!p.hidden && !tour) drawList();
}

function drawList() {
	setKids($('learn-body'), h('p', { class: 'hint' }, 'Short tours written by the ptscope developers; each step drives the viewer.'),
		h('ul', { class: 'tour-list' }, TOURS.map(t => h('li', {},
			h('button', { type: 'button', dataset: { tour: t.id }, onclick: () => start(t.id) }, t.title)))));
}

// Start tour id at its first step.
export async function start(id) {
	const def = TOURS.find(t => t.id === id);
	if (!def) return;
	togglePanel(true);
	tour = { def, step: -1, state: {} };
	await goStep(0);
}

async function goStep(k) {
	if (!tour || k < 0 || k >= tour.def.steps.length) return;
	tour.step = k;
	const st = tour.def.steps[k];
	delete tour.state.zones;
	draw('running');
	try {
		await st.run(helpers(tour.state));
		draw('done');
	} catch (e) {
		draw('failed', e);
	}
}

function draw(status, err) {
	const { def, step } = tour;
	const st = def.steps[step];
	const last = step === def.steps.length - 1;
	setKids($('learn-body'),
		h('h3', {}, def.title),
		h('p', { class: 'hint', id: 'tour-pos' }, `Step ${step + 1} of ${def.steps.length}`),
		h('p', { id: 'tour-text', dataset: { status } }, st.text),
		tour.state.caption && status !== 'running' ? h('p', { id: 'tour-kernel', class: 'tour-kernel' },
			h('span', { class: 'hint' }, `Generation ${tour.state.generation}: `), tour.state.caption) : null,
		tour.state.zones && status !== 'running' ? h('p', { id: 'tour-zones', class: 'hint' }, 'Free pages per zone at this generation: ' +
			tour.state.zones.map(z => `${z.name} ${z.free}`).join(', ')) : null,
		err ? h('p', { class: 'error' }, 'This step failed: ' + (err.message || err)) : null,
		h('div', { class: 'actions' },
			h('button', { type: 'button', id: 'tour-prev', disabled: step === 0 || status === 'running', onclick: () => goStep(step - 1) }, 'Back'),
			last ? h('button', { type: 'button', id: 'tour-end', onclick: endTour }, 'End tour') :
				h('button', { type: 'button', id: 'tour-next', disabled: status === 'running', onclick: () => goStep(step + 1) }, 'Next'),
			h('button', { type: 'button', onclick: endTour }, 'All tours')));
	$('learn').dataset.tour = def.id;
	$('learn').dataset.step = String(step);
	$('learn').dataset.status = status;
	if (tour.state.generation) $('learn').dataset.generation = String(tour.state.generation);
	else delete $('learn').dataset.generation;
}

function endTour() {
	tour = null;
	tables.highlight([]);
	delete $('learn').dataset.tour;
	drawList();
}

// What the current step highlighted (for tests): {node, indices}.
export function highlighted() {
	return tour ? tour.state.highlighted || null : null;
}
