/* SPDX-License-Identifier: MIT */
// nav.test.mjs: the viewer as an address: every navigation (space, view,
// table, walked address) is a history entry, Back and Forward restore the
// view, a copied link opens the same view in a fresh page; the space's
// page-table cost (against the kernel's own VmPTE and VmRSS) is shown on
// every view of a live process; a space that vanished (deleted through the
// API, or gone with a daemon restart) is announced once, with no pile of
// error toasts, and can be opened again from the announcement.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, skipReason, launch, watchConsole, api, shot, check, eq, runSteps } from './lib.mjs';

const why = skipReason();
const CHILD = path.join(process.env.PTS_BUILDDIR || process.cwd(), 'tests', 'child-layout');
if (why || !fs.existsSync(CHILD)) {
	console.log('Bail out! cannot run: ' + (why || CHILD + ' is not built'));
	process.exit(99);
}

// x86-64 4-level: 0x7f0000201000 has PML4 index 254, PDPT 0, PD 1, PT 1
// (Intel SDM vol. 3 §4.5: VA[47:39], VA[38:30], VA[29:21], VA[20:12]).
const VA = '0x7f0000201000';
const IDX = { pgd: 254, pud: 0, pmd: 1 };

// A /proc/PID/status field in kB.
function statusKb(pid, key) {
	const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
	return m ? Number(m[1]) : null;
}

const num = s => Number(String(s).replace(/[^0-9]/g, ''));

let d = await startDaemon();
const b = await launch();
let page = await b.context.newPage();
const errors = [];
const allowed = [];
watchConsole(page, errors, allowed);
const ctx = { page, errors };
let base = d.http;
let simA = null, simB = null, child = null, pid = 0;

// The text of every error toast shown ('' when none): a failure names them.
async function errorToasts() {
	return (await page.locator('#notices .notice.error').allTextContents()).join(' | ');
}

async function atLevel(level) {
	await page.waitForSelector(`#crumbs .crumb.current[data-level=${level}]`, { timeout: 15000 });
}

// The hash of the page as an object.
async function hashOf(p = page) {
	return Object.fromEntries(new URLSearchParams((await p.evaluate(() => location.hash)).slice(1)));
}

// A new sim space with one page mapped at VA.
async function newSim() {
	const r = await api(base, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'x86_64-4l', scenario: 'empty' });
	eq(r.status, 201, 'sim created');
	const m = await api(base, 'POST', `/api/v1/spaces/${r.json.id}/ops`,
		{ op: 'map', va: VA, size: '0x1000', prot: 'rw', user: true, page_size: '4k' });
	eq(m.status, 200, 'map ' + m.text);
	return r.json.id;
}

// The strip's value of one fact.
async function fact(key) {
	return page.textContent(`#cost-strip [data-fact=${key}] .strip-val`);
}

// Check the cost strip against the kernel's counters of pid.
async function stripMatchesKernel(view) {
	await page.waitForSelector('#cost-strip:not([hidden]) [data-fact=vmpte]', { timeout: 10000 });
	const vmPte = statusKb(pid, 'VmPTE');
	const t = await fact('vmpte');
	eq(num(t.split('—')[0]), vmPte, `VmPTE in the strip on ${view}`);
	check(t.includes('agrees'), `reconstruction agrees on ${view}: ${t}`);
	eq(num(await fact('kb')), vmPte, `page-table kB on ${view}`);
	const share = parseFloat(await fact('rss'));
	const rss = statusKb(pid, 'VmRSS');
	check(Math.abs(share - vmPte / rss * 100) < 0.05, `share of RSS on ${view}: ${share} vs ${vmPte / rss * 100}`);
	check((await fact('levels')).includes('pte '), `per-level counts on ${view}`);
	check(await page.locator('#cost-strip .cost-inferred').isVisible(), `inferred badge on ${view}`);
}

const steps = [
	['each navigation is a history entry: A→B→C, Back twice, Forward', async () => {
		simA = await newSim();
		simB = await newSim();
		await page.goto(base + '#space=' + simA + '&view=tables');
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await atLevel('pgd');
		// A: the pud table under VA
		await page.click(`#grid .cell[data-i="${IDX.pgd}"]`);
		await atLevel('pud');
		const hA = await hashOf();
		eq(hA.node, 'pud:0x7f0000000000', 'A names its table');
		// B: the walk of VA
		await page.click('#tab-walk');
		await page.fill('#walk-va', VA);
		await page.click('#walk-form button[type=submit]');
		await page.waitForSelector('#walk-pa', { timeout: 5000 });
		const hB = await hashOf();
		eq(hB.view + ' ' + hB.va, 'walk ' + VA, 'B names the walk');
		// C: another space (in the same view)
		await page.selectOption('#space-select', simB);
		await page.waitForFunction(id => location.hash.includes('space=' + id), simB, { timeout: 5000 });
		eq((await hashOf()).view, 'walk', 'C keeps the view');
		await page.goBack();
		await page.waitForFunction(va => document.getElementById('walk-va').value === va &&
			!document.getElementById('view-walk').hidden && document.getElementById('walk-pa'), VA, { timeout: 5000 });
		eq(await page.inputValue('#space-select'), simA, 'Back: the first space again');
		await page.goBack();
		await atLevel('pud');
		eq(await page.inputValue('#space-select'), simA, 'Back twice: the first space');
		// the breadcrumb can name the level before the table's cells are
		// drawn: wait for the cell, then check it
		const cell = `#grid .cell[data-i="${IDX.pud}"]`;
		await page.waitForFunction(sel => {
			const c = document.querySelector(sel);
			return c && c.dataset.kind && c.dataset.kind !== 'none';
		}, cell, { timeout: 10000 }).catch(() => {});
		eq(await page.locator(cell).getAttribute('data-kind'), 'table', 'the pud table of VA');
		await page.goForward();
		await page.waitForFunction(() => !document.getElementById('view-walk').hidden && document.getElementById('walk-pa'),
			null, { timeout: 5000 });
		eq((await hashOf()).va, VA, 'Forward: the walk again');
	}],
	['a copied link opens the same view in a fresh page', async () => {
		// a table two levels down, by clicks
		await page.goBack();
		await atLevel('pud');
		await page.click(`#grid .cell[data-i="${IDX.pud}"]`);
		await atLevel('pmd');
		const link = await page.evaluate(() => location.href);
		const fresh = await b.context.newPage();
		watchConsole(fresh, errors, []);
		await fresh.goto(link);
		await fresh.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await fresh.waitForSelector('#crumbs .crumb.current[data-level=pmd]', { timeout: 10000 });
		eq(await fresh.inputValue('#space-select'), simA, 'the linked space');
		eq(await fresh.locator(`#grid .cell[data-i="${IDX.pmd}"]`).getAttribute('data-kind'), 'table',
			'the pmd entry of VA is a table');
		eq(JSON.stringify(await hashOf(fresh)), JSON.stringify(await hashOf()), 'the same address');
		// and a walk link
		await fresh.goto(base + `#space=${simA}&view=walk&va=${VA}`);
		await fresh.waitForSelector('#walk-pa', { timeout: 10000 });
		const w = await api(base, 'GET', `/api/v1/spaces/${simA}/walk?va=${VA}`);
		eq(await fresh.textContent('#walk-pa'), w.json.pa, 'the linked walk');
		await fresh.close();
	}],
	['the page-table cost is on every view of a live process', async () => {
		child = spawn(CHILD, [], { stdio: ['ignore', 'pipe', 'ignore'] });
		const line = await new Promise(res => child.stdout.once('data', c => res(String(c))));
		pid = JSON.parse(line).pid;
		const r = await api(base, 'POST', '/api/v1/spaces', { kind: 'process', pid });
		check(r.status === 201 || r.status === 200, 'attached ' + r.text);
		await page.goto(base + `#space=pid-${pid}&view=tables`);
		await page.reload();
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await atLevel('pgd');
		await stripMatchesKernel('tables');
		await page.click('#tab-walk');
		await stripMatchesKernel('walk');
		await page.click('#tab-overview');
		await stripMatchesKernel('overview');
		await shot(page, 'cost-strip', true);
		await page.click('#tab-zones');
		check(await page.locator('#cost-strip').isHidden(), 'no strip on the machine-wide zones view');
	}],
	['a deleted space is announced once and can be opened again', async () => {
		// from here a request the viewer makes before it learns that the
		// space is gone answers 404, which Chromium logs: expected
		allowed.push(/Failed to load resource: the server responded with a status of 404/);
		await page.selectOption('#space-select', simB);
		await page.click('#tab-tables');
		await atLevel('pgd');
		const del = await api(base, 'DELETE', `/api/v1/spaces/${simB}`);
		eq(del.status, 204, 'deleted');
		await page.waitForSelector('#gone-banner:not([hidden]) #gone-reopen', { timeout: 10000 });
		check((await page.textContent('#gone-banner')).includes(simB), 'the banner names the space');
		// the stream and the strip both notice: one banner, no error toast
		eq(await page.locator('#gone-banner').count(), 1, 'one banner');
		eq(await errorToasts(), '', 'no error toasts');
		check(await page.locator('#view-tables').isHidden(), 'the gone space is not shown as live');
		await page.click('#gone-reopen');
		await atLevel('pgd');
		const id = await page.inputValue('#space-select');
		const s = (await api(base, 'GET', '/api/v1/spaces/' + id)).json;
		eq(`${s.kind} ${s.arch} ${s.scenario}`, 'sim x86_64-4l empty', 'the same scenario again');
		check(id !== simB, 'a new space');
		check(await page.locator('#gone-banner').isHidden(), 'the banner went away');
	}],
	['after a daemon restart the lost process space is announced once and re-attached', async () => {
		await page.selectOption('#space-select', `pid-${pid}`);
		await atLevel('pgd');
		await page.waitForSelector('#conn[data-state=open]', { timeout: 10000 });
		// while the daemon is down, a request or WebSocket the viewer makes
		// is refused, which Chromium logs: expected from here on
		allowed.push(/ERR_CONNECTION_REFUSED/);
		allowed.push(/WebSocket connection to .* failed/);
		const url = new URL(base);
		const wsPort = new URL(d.ws).port;
		await d.stop();
		await page.waitForSelector('#conn[data-state=retrying]', { timeout: 10000 });
		d = await startDaemon(['--listen', `127.0.0.1:${url.port}`, '--ws-listen', `127.0.0.1:${wsPort}`]);
		eq(d.http, base, 'the same address');
		await page.waitForSelector('#gone-banner:not([hidden]) #gone-reopen', { timeout: 40000 });
		check((await page.textContent('#gone-reopen')).includes(String(pid)), 'reopen attaches the same pid');
		eq(await errorToasts(), '', 'no error toasts');
		await shot(page, 'space-gone', true);
		await page.click('#gone-reopen');
		await atLevel('pgd');
		eq(await page.inputValue('#space-select'), `pid-${pid}`, 'attached again');
		await stripMatchesKernel('tables after re-attaching');
	}],
];

let ok = false;
try {
	ok = await runSteps(steps, ctx);
} finally {
	if (child) child.kill();
	await b.close();
	await d.stop();
}
process.exit(ok ? 0 : 1);
