/* SPDX-License-Identifier: MIT */
// learn.test.mjs: what a kernel learner reads in the viewer, in headless
// Chromium against the real daemon: a kernel scenario opens on its kernel
// root; the overview's layout card gives PAGE_OFFSET, PHYS_OFFSET,
// KIMAGE_VADDR and kimage_voffset; a walk of a linear-map address shows
// PA = VA - PAGE_OFFSET + PHYS_OFFSET, a walk into the image shows
// __pa_symbol's VA - kimage_voffset; a boot replay opens with its
// timeline, each generation captioned as the history says; any console
// error fails.
//
// Expected numbers are derived here, not read from the viewer: arm64
// PAGE_OFFSET = -(1 << VA_BITS) (arch/arm64/include/asm/memory.h
// _PAGE_OFFSET), PHYS_OFFSET = the machine's RAM base.

import { session, finish, api, shot, check, eq } from './lib.mjs';

const sess = await session();
const { page, base } = sess;
const MASK = (1n << 64n) - 1n;
const PAGE_OFFSET = (-(1n << 48n)) & MASK;
let sp = null;

// Load the viewer at a hash (a full load: the hash alone is not reread).
async function openAt(hash) {
	await page.goto(`${base}/#${hash}`);
	await page.reload();
	await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
}

async function walkTo(va) {
	await page.click('#tab-walk');
	await page.fill('#walk-va', va);
	await page.click('#walk-form button[type=submit]');
	// this walk's answer, not the one an earlier step left on screen
	await page.waitForFunction(v => {
		const r = document.getElementById('walk-result');
		return r && r.textContent.startsWith(v + ' →') && document.getElementById('walk-pa');
	}, va, { timeout: 5000 });
}

const steps = [
	['a kernel scenario opens on the kernel root (TTBR1), not the empty user half', async () => {
		await page.goto(base);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		if (!await page.locator('#picker[open]').count()) await page.click('#open-picker');
		await page.selectOption('#pk-arch', 'arm64-4k-48');
		await page.selectOption('#pk-scenario', 'kernel');
		await page.click('#pk-sim button[type=submit]');
		await page.waitForSelector('#crumbs .crumb.current[data-level=pgd]', { timeout: 5000 });
		const id = await page.inputValue('#space-select');
		sp = (await api(base, 'GET', '/api/v1/spaces/' + id)).json;
		eq(sp.scenario, 'kernel', 'scenario');
		await page.waitForSelector('#grid .cell.kind-table, #grid .cell[data-kind=table]', { timeout: 5000 }).catch(() => {});
		const tree = (await api(base, 'GET', `/api/v1/spaces/${id}/tree?node=${encodeURIComponent(sp.root_kernel)}`)).json;
		check(tree.node.children.length > 0, 'the kernel root has entries');
		const labels = await page.locator('#grid .cell').evaluateAll(cs =>
			cs.filter(c => !/empty/.test(c.getAttribute('aria-label') || '')).length);
		eq(labels, tree.node.children.length, 'non-empty cells shown = kernel root entries');
	}],
	['the overview states the kernel layout numbers', async () => {
		await page.click('#tab-overview');
		await page.waitForSelector('#ov-layout .layout', { timeout: 5000 });
		const val = async n => (await page.textContent(`#ov-layout dd[data-name="${n}"]`)).trim();
		eq(BigInt(await val('PAGE_OFFSET')), PAGE_OFFSET, 'PAGE_OFFSET = -(1 << 48)');
		eq(BigInt(await val('PHYS_OFFSET')), BigInt(sp.ram_base), 'PHYS_OFFSET = RAM base');
		const kv = BigInt(await val('KIMAGE_VADDR')), ko = BigInt(await val('kimage_voffset'));
		eq(ko, (kv - BigInt(sp.layout.kimage_pa)) & MASK, 'kimage_voffset = KIMAGE_VADDR - image PA');
		// the Linux version and config the scenario follows, as the API says
		eq(await val('Linux'), sp.layout.linux, 'the layout card names the Linux version');
		check(/^Linux \d+\.\d+/.test(sp.layout.linux), 'layout.linux names a version');
		await shot(page, 'kernel-layout', true);
	}],
	['a linear-map walk shows PA = VA - PAGE_OFFSET + PHYS_OFFSET', async () => {
		const va = PAGE_OFFSET + 0x123000n;
		await walkTo('0x' + va.toString(16));
		const pa = BigInt(await page.textContent('#walk-pa'));
		eq(pa, va - PAGE_OFFSET + BigInt(sp.ram_base), 'linear-map PA');
		const t = await page.textContent('#walk-linear');
		check(t.includes('PA = VA - PAGE_OFFSET + PHYS_OFFSET'), 'formula shown');
		check(/Linear/i.test(await page.textContent('#walk-region')), 'region named');
	}],
	['a walk into the kernel image shows __pa_symbol: VA - kimage_voffset', async () => {
		const kv = BigInt(sp.layout.kimage_vaddr);
		const va = kv + 0x10000n;
		await walkTo('0x' + va.toString(16));
		const pa = BigInt(await page.textContent('#walk-pa'));
		eq(pa, BigInt(sp.layout.kimage_pa) + 0x10000n, 'image PA');
		check((await page.textContent('#walk-kimage')).includes('kimage_voffset'), 'image formula shown');
		await shot(page, 'walk-kimage', true);
	}],
	['an 8192-entry table: axes, jump to an index or VA, used rows only, one Tab stop', async () => {
		// arm64 64K granule, 48-bit VA: pmd index = VA[41:29], 8192 entries
		// (Arm ARM D8.2: 64KB granule, level 2 resolves 13 bits)
		const r = await api(base, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'arm64-64k-48', scenario: 'process' });
		eq(r.status, 201, 'new 64K space');
		const id = r.json.id;
		const ranges = (await api(base, 'GET', `/api/v1/spaces/${id}/ranges`)).json.ranges;
		const va = BigInt(ranges[0].start);
		const pmdVa = va & ~((1n << 42n) - 1n);
		const want = Number((va >> 29n) & 8191n);
		await openAt(`space=${id}&view=tables&node=pmd:0x${pmdVa.toString(16)}`);
		await page.waitForSelector('#grid[data-entries="8192"]', { timeout: 10000 });
		// one fold note for the two folded levels, not one per level
		const note = await page.textContent('#crumbs .fold-note');
		check(note.startsWith('P4D and PUD are folded on arm64-64k-48'), 'one note: ' + note);
		eq((note.match(/folded/g) || []).length, 1, 'the note says "folded" once');
		// row labels give the first index of every row of 128
		const labels = await page.locator('#grid .rowlabel .ri').evaluateAll(els => els.slice(0, 3).map(e => e.textContent));
		eq(labels.join(','), '0,128,256', 'row index labels');
		await page.fill('#grid-jump', '0x' + va.toString(16));
		await page.click('.grid-jump button[type=submit]');
		const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.i);
		eq(Number(focused), want, 'jump to a VA focuses VA[41:29]');
		await page.fill('#grid-jump', '9000');
		await page.click('.grid-jump button[type=submit]');
		check((await page.textContent('#grid-jump-error')).includes('neither'), 'a bad index is refused');
		await page.check('#grid-used');
		const shown = await page.locator('#grid .cell').count();
		const used = new Set((await api(base, 'GET', `/api/v1/spaces/${id}/tree?node=pmd:0x${pmdVa.toString(16)}`))
			.json.node.children.map(c => Math.floor(c.index / 128)));
		eq(shown, used.size * 128, 'used rows only: 128 cells per row holding an entry');
		check(await page.locator('#grid .axis.gap').count() > 0, 'collapsed rows are labelled');
		eq(await page.locator('#grid [tabindex="0"]').count(), 1, 'one Tab stop in the grid');
		await shot(page, 'tables-8192-used', true);
	}],
	['ARMv7: a pgd entry\'s two hardware words are sections 2n and 2n+1; the pte page shows twins where pgtable-2level.h puts them', async () => {
		const r = await api(base, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'armv7-2l', scenario: 'process' });
		const id = r.json.id;
		const ranges = (await api(base, 'GET', `/api/v1/spaces/${id}/ranges`)).json.ranges;
		const va = BigInt(ranges.find(x => x.level === 'pte').start);
		const n = Number(va >> 21n);		// pgd index: VA[31:21]
		await openAt(`space=${id}&view=tables&node=pgd:0x0`);
		await page.waitForSelector('#grid[data-entries="2048"]', { timeout: 10000 });
		await page.locator(`#grid .cell[data-i="${n}"]`).hover();
		const secs = await page.locator('#cell-details .hw-words li').evaluateAll(li => li.map(e => Number(e.dataset.section)));
		eq(secs.join(','), `${2 * n},${2 * n + 1}`, 'hardware words are sections 2n, 2n+1');
		await openAt(`space=${id}&view=tables&node=pte:0x${va.toString(16)}`);
		await page.waitForSelector('#pte-page', { timeout: 10000 });
		const tree = (await api(base, 'GET', `/api/v1/spaces/${id}/tree?node=pte:0x${va.toString(16)}`)).json.node;
		const tpa = BigInt(tree.table_pa);
		for (const c of tree.children.slice(0, 8)) {
			const i = c.index;
			const lin = page.locator(`#pte-page .pp-cell[data-copy=linux][data-i="${i}"]`);
			const hw = page.locator(`#pte-page .pp-cell[data-copy=hw][data-i="${i}"]`);
			eq(BigInt(await lin.getAttribute('data-pa')), tpa + 4n * BigInt(i), `Linux pte ${i} at +4i`);
			eq(BigInt(await hw.getAttribute('data-pa')), tpa + 2048n + 4n * BigInt(i), `hardware pte ${i} at +2048+4i`);
			eq(await lin.getAttribute('data-value'), c.entry, `Linux value of ${i}`);
			eq(await hw.getAttribute('data-value'), c.hw[0], `hardware value of ${i}`);
			await lin.hover();
			check(await hw.evaluate(e => e.classList.contains('twin')), `hovering Linux ${i} marks its twin`);
		}
		await shot(page, 'armv7-pte-page', true);
	}],
	['a boot replay opens with its timeline; every generation shows its kernel function', async () => {
		await page.goto(base);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		if (!await page.locator('#picker[open]').count()) await page.click('#open-picker');
		const before = await page.inputValue('#space-select').catch(() => '');
		await page.selectOption('#pk-arch', 'riscv-sv39');
		await page.selectOption('#pk-scenario', 'boot');
		await page.click('#pk-sim button[type=submit]');
		await page.waitForFunction(b => document.getElementById('space-select').value !== b, before, { timeout: 10000 });
		const id = await page.inputValue('#space-select');
		const gens = (await api(base, 'GET', `/api/v1/spaces/${id}/history`)).json.generations;
		// the timeline of the new space, at its newest generation
		await page.waitForFunction(c => {
			const t = document.getElementById('timeline');
			return !t.hidden && document.getElementById('tl-caption').textContent.trim() === c;
		}, gens[gens.length - 1].caption, { timeout: 10000 });
		check(gens.length >= 8, `the boot replay has its steps: ${gens.length}`);
		// the newest first (live), then one step back at a time to the first
		for (let i = gens.length - 1; i >= 0; i--) {
			if (i < gens.length - 1) {
				await page.click('#tl-back');
				await page.waitForFunction(g => {
					const t = document.getElementById('timeline');
					return t.dataset.generation === g && !t.dataset.busy;
				}, String(gens[i].generation), { timeout: 10000 });
			}
			eq((await page.textContent('#tl-caption')).trim(), gens[i].caption,
				`generation ${gens[i].generation}'s caption`);
			// a step that maps names a kernel function and its file
			if (i > 0) check(/[a-z_0-9]+\(\)/.test(gens[i].caption), `a function in: ${gens[i].caption}`);
		}
	}],
	['the theme toggle switches to dark and is remembered', async () => {
		await page.click('#theme-toggle');
		eq(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'dark after one click');
		const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
		await page.reload();
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		eq(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'remembered');
		const rgb = (await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).match(/\d+/g).map(Number);
		check(rgb[0] < 60 && rgb[1] < 60 && rgb[2] < 60, `dark background, got ${rgb} (${bg})`);
		await shot(page, 'dark', true);
	}],
	['reduced motion: a changed cell is marked without animation', async () => {
		await page.emulateMedia({ reducedMotion: 'reduce' });
		const anim = await page.evaluate(() => {
			const c = document.createElement('div');
			c.className = 'cell changed';
			document.body.append(c);
			const n = getComputedStyle(c).animationName;
			c.remove();
			return n;
		});
		eq(anim, 'none', 'no flash animation');
	}],
];

await finish(sess, steps);
