/* SPDX-License-Identifier: MIT */
// vm.test.mjs: "Attach to a VM" in the picker and the "real tables" badge,
// in headless Chromium against the real daemon and the gdbstub double
// (tests/web/vm-double.py: RISC-V Sv39 tables of its own encoder; a real
// guest takes too long to boot for a viewer test, t-601/t-603 cover them).
// Expected values are the double's tables: root at 0x80001000 with entries
// 0 (user) and 256 (kernel, VA 0xffffffc000000000) pointing at tables.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { session, finish, api, shot, check, eq, SRCDIR } from './lib.mjs';

const sess = await session();
const { page, base } = sess;
const dbl = spawn('python3', [path.join(SRCDIR, 'tests', 'web', 'vm-double.py')],
	{ stdio: ['pipe', 'pipe', 'inherit'] });
const addr = await new Promise((resolve, reject) => {
	let buf = '';
	dbl.stdout.on('data', d => {
		buf += d;
		if (buf.includes('\n')) resolve(buf.trim());
	});
	dbl.on('exit', code => reject(new Error('the gdbstub double exited: ' + code)));
});
let sid = null;

async function openPicker() {
	await page.click('#open-picker');
	await page.waitForSelector('#picker[open]', { timeout: 10000 });
}

const steps = [
	['a sim space has no "real tables" badge', async () => {
		const r = await api(base, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'x86_64-4l' });
		eq(r.status, 201, 'sim ' + r.text);
		await page.goto(`${base}/#space=${r.json.id}&view=tables`);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		check(await page.isHidden('#real-badge'), 'no badge on a sim space');
	}],
	['a gdbstub address where nothing listens is refused in the picker', async () => {
		await openPicker();
		await page.fill('#pk-vm-gdb', '127.0.0.1:1');
		await page.click('#pk-vm button[type=submit]');
		const err = page.locator('#pk-vm').locator('xpath=..').locator('.form-error');
		await err.filter({ hasText: 'Could not attach' }).waitFor({ timeout: 15000 });
		check(await page.isVisible('#picker[open]'), 'the picker stays open');
		// the refused POST is the one console error this step expects
		const i = sess.errors.findIndex(e => /Failed to load resource/.test(e));
		check(i >= 0, 'the refused request shows in the console');
		sess.errors.splice(i, 1);
	}],
	['Attach to a VM opens the guest\'s real tables with the badge', async () => {
		await page.fill('#pk-vm-gdb', addr);
		await page.click('#pk-vm button[type=submit]');
		await page.waitForSelector('#picker', { state: 'hidden', timeout: 15000 });
		await page.waitForSelector('#real-badge:not([hidden])', { timeout: 15000 });
		eq((await page.textContent('#real-badge')).trim(), 'real tables', 'badge text');
		check(await page.isHidden('#phys-banner'), 'a guest\'s addresses are not hidden');
		const r = await api(base, 'GET', '/api/v1/spaces');
		const vm = r.json.spaces.find(s => s.kind === 'vm');
		check(vm, 'a vm space exists: ' + r.text);
		sid = vm.id;
		eq(vm.arch, 'riscv-sv39', 'arch from satp');
		eq(vm.gdb, addr, 'its gdbstub');
		const label = await page.locator('#space-select option:checked').textContent();
		check(label.includes('vm riscv-sv39'), 'the space selector names it: ' + label);
		await page.waitForSelector('#grid .cell[data-i="256"][data-kind="table"]', { timeout: 15000 });
		eq(await page.getAttribute('#grid .cell[data-i="0"]', 'data-kind'), 'table', 'user entry 0');
		eq(await page.getAttribute('#grid .cell[data-i="1"]', 'data-kind'), 'none', 'entry 1 empty');
		await shot(page, 'vm-attached');
	}],
	['switching back to the sim space hides the badge', async () => {
		const r = await api(base, 'GET', '/api/v1/spaces');
		const sim = r.json.spaces.find(s => s.kind === 'sim');
		await page.selectOption('#space-select', sim.id);
		await page.waitForSelector('#real-badge[hidden]', { state: 'attached', timeout: 10000 });
		const d = await api(base, 'DELETE', `/api/v1/spaces/${sid}`);
		eq(d.status, 204, 'detach');
	}],
];

// finish() exits: the double's stdin closes with this process and it ends
await finish(sess, steps);
