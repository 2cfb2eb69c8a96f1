/* SPDX-License-Identifier: MIT */
// learn.test.mjs: what a kernel learner reads in the viewer, in headless
// Chromium against the real daemon: a kernel scenario opens on its kernel
// root; the overview's layout card gives PAGE_OFFSET, PHYS_OFFSET,
// KIMAGE_VADDR and kimage_voffset; a walk of a linear-map address shows
// PA = VA - PAGE_OFFSET + PHYS_OFFSET, a walk into the image shows
// __pa_symbol's VA - kimage_voffset; any console error fails.
//
// Expected numbers are derived here, not read from the viewer: arm64
// PAGE_OFFSET = -(1 << VA_BITS) (arch/arm64/include/asm/memory.h
// _PAGE_OFFSET), PHYS_OFFSET = the machine's RAM base.

import { startDaemon, skipReason, launch, watchConsole, api, shot, check, eq, runSteps } from './lib.mjs';

const why = skipReason();
if (why) {
	console.log('1..0 # SKIP ' + why);
	process.exit(77);
}

const d = await startDaemon();
const b = await launch();
const page = await b.context.newPage();
const errors = [];
watchConsole(page, errors, []);
const ctx = { page, errors };
const base = d.http;
const MASK = (1n << 64n) - 1n;
const PAGE_OFFSET = (-(1n << 48n)) & MASK;
let sp = null;

async function walkTo(va) {
	await page.click('#tab-walk');
	await page.fill('#walk-va', va);
	await page.click('#walk-form button[type=submit]');
	await page.waitForSelector('#walk-pa', { timeout: 5000 });
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
];

let ok = false;
try {
	ok = await runSteps(steps, ctx);
} finally {
	await b.close();
	await d.stop();
}
process.exit(ok ? 0 : 1);
