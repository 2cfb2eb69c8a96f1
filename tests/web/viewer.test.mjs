/* SPDX-License-Identifier: MIT */
// viewer.test.mjs: the browser viewer against the real daemon, in headless
// Chromium: create a sim space, descend PGD to PTE by clicks, walk a page,
// map through the API and the form and see the grid change without a
// reload, zones bars, attach to a live child process, upload a ptdump file
// (input and drag and drop), the overview; any console error fails.
//
// Expected values are derived here from the x86-64 4-level layout (Intel SDM
// vol. 3 §4.5: PML4 index = VA[47:39], PDPT = VA[38:30], PD = VA[29:21],
// PT = VA[20:12]), not computed by the viewer.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, skipReason, launch, watchConsole, api, shot, check, eq, runSteps, SRCDIR } from './lib.mjs';

// A test that cannot run is a failure (exit 99: automake's hard error).
const why = skipReason();
if (why) {
	console.log('Bail out! cannot run: ' + why);
	process.exit(99);
}

const VA = '0x7f0000201000';
// 0x7f0000201000 = 0xfe << 39 | 0 << 30 | 1 << 21 | 1 << 12
const IDX = { pgd: 254, pud: 0, pmd: 1, pte: 1 };
const VA2 = '0x7f0000202000';	// the next page: pte index 2
const VA3 = '0x7f0000203000';	// pte index 3

const d = await startDaemon();
const b = await launch();
const page = await b.context.newPage();
const errors = [];
const allowed = [];
watchConsole(page, errors, allowed);
const ctx = { page, errors };
const base = d.http;
let sim = null;
let child = null;

// Wait until the current table's breadcrumb names level.
async function atLevel(level) {
	await page.waitForSelector(`#crumbs .crumb.current[data-level=${level}]`, { timeout: 15000 });
}

// The grid cell of entry i.
function cell(i) {
	return page.locator(`#grid .cell[data-i="${i}"]`);
}

const steps = [
	['the page loads and lists arches', async () => {
		await page.goto(base);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await page.evaluate(() => { window.__noReload = 1; });
		const n = await page.locator('#pk-arch option').count();
		const r = await api(base, 'GET', '/api/v1/arches');
		eq(n, r.json.arches.length, 'arch choices');
		await shot(page, 'picker', true);
	}],
	['create a sim space from the picker', async () => {
		if (!await page.locator('#picker[open]').count()) await page.click('#open-picker');
		await page.selectOption('#pk-arch', 'x86_64-4l');
		await page.selectOption('#pk-scenario', 'empty');
		await page.click('#pk-sim button[type=submit]');
		await atLevel('pgd');
		sim = await page.inputValue('#space-select');
		const r = await api(base, 'GET', '/api/v1/spaces/' + sim);
		eq(r.json.kind, 'sim', 'kind of the new space');
		eq(r.json.arch, 'x86_64-4l', 'arch of the new space');
		eq(await page.locator('#grid .cell').count(), 512, 'cells in an x86-64 pgd');
		eq(await page.locator('#crumbs .crumb.folded[data-level=p4d]').count(), 1, 'folded p4d crumb');
	}],
	['a map posted to the API appears in the grid without a reload', async () => {
		eq(await cell(IDX.pgd).getAttribute('data-kind'), 'none', 'pgd entry before the map');
		await page.waitForSelector('#conn[data-state=open]', { timeout: 5000 });
		const r = await api(base, 'POST', `/api/v1/spaces/${sim}/ops`,
			{ op: 'map', va: VA, size: '0x1000', prot: 'rw', user: true, page_size: '4k' });
		eq(r.status, 200, 'map status ' + r.text);
		await page.waitForSelector(`#grid .cell[data-i="${IDX.pgd}"][data-kind=table]`, { timeout: 5000 });
		eq(await page.evaluate(() => window.__noReload), 1, 'page not reloaded');
	}],
	['descend PGD to PTE by clicks; the breadcrumb follows', async () => {
		await cell(IDX.pgd).click();
		await atLevel('pud');
		await cell(IDX.pud).click();
		await atLevel('pmd');
		await cell(IDX.pmd).click();
		await atLevel('pte');
		eq(await cell(IDX.pte).getAttribute('data-kind'), 'page', 'pte entry of the mapped page');
		const crumbs = await page.locator('#crumbs .crumb').evaluateAll(els =>
			els.map(e => e.dataset.level + (e.classList.contains('folded') ? '/folded' : '') +
				(e.classList.contains('current') ? '/current' : '')));
		eq(crumbs.join(' '), 'pgd p4d/folded pud pmd pte/current', 'breadcrumb');
		await cell(IDX.pte).hover();
		const details = await page.textContent('#cell-details');
		check(details.includes(VA), 'hover details name the VA: ' + details);
		await shot(page, 'tables', true);
	}],
	['keyboard: Backspace goes up, Enter descends', async () => {
		await cell(IDX.pte).focus();
		await page.keyboard.press('Backspace');
		await atLevel('pmd');
		await page.waitForFunction(i => document.activeElement && document.activeElement.dataset.i === String(i) ||
			document.querySelector(`#grid .cell[data-i="${i}"]`).tabIndex === 0, IDX.pmd);
		await cell(IDX.pmd).focus();
		await page.keyboard.press('Enter');
		await atLevel('pte');
	}],
	['clicking a page walks it; the PA shown is the API\'s', async () => {
		await cell(IDX.pte).click();
		await page.waitForSelector('#walk-pa', { timeout: 5000 });
		const r = await api(base, 'GET', `/api/v1/spaces/${sim}/walk?va=${VA}`);
		eq(r.status, 200, 'walk status');
		check(r.json.mapped && r.json.pa, 'API walk is mapped');
		eq(await page.textContent('#walk-pa'), r.json.pa, 'PA shown');
		const idx = await page.locator('#walk-steps .step:not(.folded)').evaluateAll(els =>
			els.map(e => e.dataset.level));
		eq(idx.join(' '), 'pgd pud pmd pte', 'walk steps');
		const bits = await page.textContent('#walk-bits');
		for (const [lv, i] of Object.entries(IDX))
			check(bits.includes(`${i} (0x${i.toString(16)})`), `bits show the ${lv} index ${i}`);
		await shot(page, 'walk', true);
	}],
	['each walk step decodes its entry bit by bit, as the API does', async () => {
		const r = await api(base, 'GET', `/api/v1/spaces/${sim}/walk?va=${VA}`);
		const pmd = r.json.steps.find(s => s.level === 'pmd');
		const step = page.locator('#walk-steps .step[data-level=pmd]');
		await step.locator('details.decode summary').click();
		const names = await step.locator('table.fields tbody tr').evaluateAll(rows =>
			rows.map(tr => tr.dataset.field));
		eq(names.join(','), pmd.decoded.fields.map(f => f.name).reverse().join(','), 'field rows');
		const text = await step.locator('.dec-format').textContent();
		check(text.includes(pmd.decoded.next_table_pa), 'next table PA shown');
		check(text.includes(pmd.decoded.next_table_va), 'its __va shown');
		const bad = await step.locator('[data-helper=pmd_bad] code').textContent();
		eq(bad, 'pmd_bad() = false', 'pmd_bad of a table entry');
		await shot(page, 'walk-decode', true);
	}],
	['an unmapped VA says where the walk stops', async () => {
		await page.fill('#walk-va', '0x1000');
		await page.click('#walk-form button[type=submit]');
		await page.waitForSelector('#walk-stop', { timeout: 5000 });
		const t = await page.textContent('#walk-stop');
		check(/stops at PGD entry 0/.test(t), 'stop text: ' + t);
	}],
	['the simulator form maps a page; the grid flashes it', async () => {
		await page.click('#tab-sim');
		await page.fill('#op-map [name=va]', VA2);
		await page.fill('#op-map [name=size]', '0x1000');
		await page.selectOption('#op-map [name=page_size]', '4k');
		await page.click('#op-map button[type=submit]');
		await page.waitForSelector('#op-log li.ok', { timeout: 5000 });
		await page.click('#tab-tables');
		await atLevel('pte');
		await page.waitForSelector('#grid .cell[data-i="2"][data-kind=page]', { timeout: 5000 });
		// a change while the grid is on screen flashes the cell
		const r = await api(base, 'POST', `/api/v1/spaces/${sim}/ops`,
			{ op: 'map', va: VA3, size: '0x1000', prot: 'r', user: true, page_size: '4k' });
		eq(r.status, 200, 'map status');
		await page.waitForSelector('#grid .cell[data-i="3"][data-kind=page].changed', { timeout: 5000 });
		eq(await page.evaluate(() => window.__noReload), 1, 'page not reloaded');
		await page.click('#tab-sim');
		await shot(page, 'simulator', true);
	}],
	['a bad op shows the API\'s message next to the form', async () => {
		const want = await api(base, 'POST', `/api/v1/spaces/${sim}/ops`,
			{ op: 'map', va: '0x7f0000204001', size: '0x1000', prot: 'rw', user: true, page_size: '4k' });
		eq(want.status, 400, 'unaligned map status');
		allowed.push(/status of 400/);
		await page.fill('#op-map [name=va]', '0x7f0000204001');
		await page.click('#op-map button[type=submit]');
		await page.waitForFunction(() => document.querySelector('#op-map .form-error').textContent.length > 0);
		allowed.pop();
		const t = await page.textContent('#op-map .form-error');
		check(t.includes(want.json.error.message), `form error "${t}" has "${want.json.error.message}"`);
	}],
	['the overview shows the mapped region; clicking it opens its table', async () => {
		await page.click('#tab-overview');
		await page.waitForSelector('#ov-table tbody tr', { timeout: 5000 });
		const first = await page.textContent('#ov-table tbody tr td:nth-child(2)');
		eq(first.trim(), VA, 'first region start');
		await shot(page, 'overview', true);
		await page.click('#ov-map .va-seg >> nth=0');
		await atLevel('pte');
	}],
	['zones: one bar per order for every zone', async () => {
		let r = await api(base, 'GET', '/api/v1/zones');
		let source = 'live';
		if (r.status !== 200) {
			r = await api(base, 'GET', `/api/v1/spaces/${sim}/zones`);
			source = sim;
		}
		eq(r.status, 200, 'zones status');
		await page.click('#tab-zones');
		await page.selectOption('#zones-source', source);
		const zones = r.json.nodes.flatMap(n => n.zones);
		await page.waitForFunction(n => document.querySelectorAll('#zones .zone').length === n, zones.length, { timeout: 5000 });
		for (const z of zones) {
			const bars = await page.locator(`#zones .zone[data-zone="${z.name}"] .zone-chart .bar`).count();
			eq(bars, r.json.orders, `bars of zone ${z.name}`);
		}
		await shot(page, 'zones', true);
	}],
	['attach to a live child process by pid', async () => {
		child = spawn('sleep', ['60'], { stdio: 'ignore' });
		await page.click('#open-picker');
		await page.click('#pk-refresh');
		await page.fill('#pk-filter', String(child.pid));
		const btn = page.locator(`#pk-procs tr[data-pid="${child.pid}"] button.attach`);
		await btn.waitFor({ timeout: 5000 });
		await btn.click();
		await atLevel('pgd');
		eq(await page.inputValue('#space-select'), 'pid-' + child.pid, 'selected space');
		check(await page.locator('#grid .cell[data-kind=table]').count() > 0, 'the process has page tables');
		await shot(page, 'process', true);
	}],
	['upload a ptdump file with the file input', async () => {
		const prev = await page.inputValue('#space-select');
		await page.click('#open-picker');
		await page.selectOption('#pk-dump-arch', 'x86_64-4l');
		await page.setInputFiles('#pk-file', path.join(SRCDIR, 'tests/web/fixtures/x86_64-kernel.txt'));
		// the upload is done when the new space is selected
		await page.waitForFunction(p => document.querySelector('#space-select').value !== p,
			prev, { timeout: 10000 });
		await atLevel('pgd');
		const id = await page.inputValue('#space-select');
		const r = await api(base, 'GET', '/api/v1/spaces/' + id);
		eq(r.json.kind, 'ptdump', 'kind of the uploaded space');
		// pgd index = (va & (2^48 - 1)) >> 39: the 512G hole at 0xffff880000000000 is
		// entry 272 (empty), LDT remap at 0xffff888000000000 entry 273, vmalloc at
		// 0xffffc90000000000 entry 402 (tables below both)
		eq(await cell(272).getAttribute('data-kind'), 'none', 'pgd entry 272');
		eq(await cell(273).getAttribute('data-kind'), 'table', 'pgd entry 273');
		eq(await cell(402).getAttribute('data-kind'), 'table', 'pgd entry 402');
	}],
	['upload a ptdump file by drag and drop', async () => {
		const text = fs.readFileSync(path.join(SRCDIR, 'tests/web/fixtures/x86_64-kernel.txt'), 'utf8');
		const before = (await api(base, 'GET', '/api/v1/spaces')).json.spaces.length;
		await page.click('#open-picker');
		await page.selectOption('#pk-dump-arch', 'x86_64-4l');
		const dt = await page.evaluateHandle(t => {
			const x = new DataTransfer();
			x.items.add(new File([t], 'kernel.txt', { type: 'text/plain' }));
			return x;
		}, text);
		await page.dispatchEvent('#pk-drop', 'drop', { dataTransfer: dt });
		await page.waitForFunction(() => !document.querySelector('#picker').open, null, { timeout: 5000 });
		const after = (await api(base, 'GET', '/api/v1/spaces')).json.spaces.length;
		eq(after, before + 1, 'spaces after the drop');
		await page.click('#tab-overview');
		await page.waitForSelector('#ov-table tbody tr', { timeout: 5000 });
		await shot(page, 'overview-ptdump', true);
	}],
	['other geometries: 4, 1024, 2048 and 8192-entry tables', async () => {
		// root entries: x86 PAE PDPT 4 (SDM 4.4.1); x86 2-level page directory
		// 1024; ARMv7 Linux pgd 2048 (2 MiB each); arm64 64K/48-bit: 3 levels,
		// PGDIR_SHIFT 42, so 2^(48-42) = 64 root entries and 8192-entry
		// (2^13) lower tables
		for (const [arch, n] of [['x86-pae', 4], ['x86-32', 1024], ['armv7-2l', 2048], ['arm64-64k-48', 64]]) {
			await page.click('#open-picker');
			await page.selectOption('#pk-arch', arch);
			await page.selectOption('#pk-scenario', 'empty');
			await page.click('#pk-sim button[type=submit]');
			await page.waitForFunction(([a, k]) => document.querySelector('#space-select').selectedOptions[0].textContent.includes(a) &&
				document.querySelectorAll('#grid .cell').length === k, [arch, n], { timeout: 5000 });
		}
		const id = await page.inputValue('#space-select');
		// 0x10000 = pgd 0, pmd 0, pte 1 with 64 KiB pages
		const r = await api(base, 'POST', `/api/v1/spaces/${id}/ops`,
			{ op: 'map', va: '0x10000', size: '0x10000', prot: 'rw', user: true, page_size: '64k' });
		eq(r.status, 200, 'map on arm64-64k-48: ' + r.text);
		await page.waitForSelector('#grid .cell[data-i="0"][data-kind=table]', { timeout: 5000 });
		await cell(0).click();
		await atLevel('pmd');
		eq(await page.locator('#grid .cell').count(), 8192, 'cells of a 64K pmd table');
		await cell(0).click();
		await atLevel('pte');
		eq(await page.locator('#grid .cell').count(), 8192, 'cells of a 64K pte table');
		eq(await cell(1).getAttribute('data-kind'), 'page', 'pte entry 1');
		const crumbs = await page.locator('#crumbs .crumb.folded').evaluateAll(els => els.map(e => e.dataset.level));
		eq(crumbs.join(' '), 'p4d pud', 'folded levels of arm64 64K/48');
		await shot(page, 'tables-64k', true);
	}],
	['phone-sized screen: no horizontal page overflow outside the grid', async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.selectOption('#space-select', sim);
		await page.click('#tab-tables');
		await page.waitForSelector('#grid .cell');
		const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		check(over <= 1, `page is ${over}px wider than the screen`);
		await shot(page, 'phone', true);
	}],
];

let ok = false;
try {
	ok = await runSteps(steps, ctx);
} finally {
	if (child) child.kill();
	await b.close();
	const code = await d.stop();
	if (code !== 0 && code !== null && code !== undefined) {
		console.log(`# daemon exited with ${code}\n# ${d.stderr ? d.stderr() : ''}`);
		ok = false;
	}
}
process.exit(ok ? 0 : 1);
