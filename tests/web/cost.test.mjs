/* SPDX-License-Identifier: MIT */
// cost.test.mjs: what page tables cost, in the viewer: sort the picker by
// page tables, attach to a child whose layout the test controls, read the
// cost panel (against the kernel's VmPTE from /proc), sort the region table
// by RSS (against smaps), and show a what-if beside the space as it is
// (against the API).  Any console error fails.

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

// A /proc/PID/status field in kB.
function statusKb(pid, key) {
	const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
	return m ? Number(m[1]) : null;
}

// Rss of each VMA from /proc/PID/smaps, by start address.
function smapsRss(pid) {
	const out = new Map();
	let cur = null;
	for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
		const v = line.match(/^([0-9a-f]+)-[0-9a-f]+ /);
		if (v) cur = '0x' + v[1].replace(/^0+(?=.)/, '');
		const r = line.match(/^Rss:\s+(\d+) kB/);
		if (r && cur) out.set(cur, Number(r[1]));
	}
	return out;
}

const num = s => Number(String(s).replace(/[^0-9]/g, ''));

const d = await startDaemon();
const b = await launch();
const page = await b.context.newPage();
const errors = [];
watchConsole(page, errors, []);
const ctx = { page, errors };
const base = d.http;
let child = null, pid = 0;

const steps = [
	['the picker sorts by page tables, biggest first, with Attach in view', async () => {
		child = spawn(CHILD, [], { stdio: ['ignore', 'pipe', 'ignore'] });
		const line = await new Promise(res => child.stdout.once('data', c => res(String(c))));
		pid = JSON.parse(line).pid;
		await page.goto(base);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		// with no space open the picker is already open
		if (!await page.evaluate(() => document.getElementById('picker').open)) await page.click('#open-picker');
		await page.waitForSelector('#pk-procs tbody tr', { timeout: 5000 });
		const vals = async () => (await page.locator('#pk-procs tbody tr td:nth-child(5)').allTextContents()).map(num);
		let v = await vals();
		check(v.every((x, i) => i === 0 || v[i - 1] >= x), 'page tables descending by default: ' + v.slice(0, 8));
		await page.click('#pk-procs th button[data-sort=vm_pte_kb]');	// flip
		v = await vals();
		check(v.every((x, i) => i === 0 || v[i - 1] <= x), 'ascending after a click');
		await page.click('#pk-procs th button[data-sort=vm_pte_kb]');
		v = await vals();
		check(v.every((x, i) => i === 0 || v[i - 1] >= x), 'descending again');
		// every Attach button lies inside the card: no sideways scroll
		const box = await page.locator('#pk-procs').boundingBox();
		const btn = await page.locator('#pk-procs button.attach >> nth=0').boundingBox();
		check(btn.x >= box.x - 1 && btn.x + btn.width <= box.x + box.width + 1,
			`Attach inside the list: ${JSON.stringify(btn)} in ${JSON.stringify(box)}`);
		const over = await page.evaluate(() => { const e = document.getElementById('pk-procs'); return e.scrollWidth - e.clientWidth; });
		check(over <= 1, `the process list scrolls sideways by ${over}px`);
		await shot(page, 'picker-by-page-tables', true);
	}],
	['attach and read the cost panel', async () => {
		await page.fill('#pk-filter', String(pid));
		await page.click(`#pk-procs tr[data-pid="${pid}"] button.attach`);
		await page.waitForFunction(p => document.querySelector('#space-select').value === 'pid-' + p, pid, { timeout: 5000 });
		await page.click('#tab-overview');
		await page.waitForSelector('#cost-vmpte', { timeout: 10000 });
		const vmPte = statusKb(pid, 'VmPTE');
		const t = await page.textContent('#cost-vmpte');
		eq(num(t.split('—')[0]), vmPte, 'VmPTE in the panel');
		check(t.includes('agrees'), 'reconstruction agrees with VmPTE: ' + t);
		eq(num(await page.textContent('#cost-kb')), vmPte, 'page-table kB');
		check(await page.locator('#cost-inferred').isVisible(), 'inferred badge');
		const rss = statusKb(pid, 'VmRSS');
		const share = parseFloat(await page.textContent('#cost-rss'));
		check(Math.abs(share - vmPte / rss * 100) < 0.02, `share of RSS ${share} vs ${vmPte / rss * 100}`);
		check((await page.textContent('#cost-levels')).includes('pte '), 'per-level counts');
	}],
	['the region table sorts by RSS and names regions readably', async () => {
		await page.waitForSelector('#ov-table tbody tr', { timeout: 5000 });
		await page.click('#ov-table th button[data-sort=rss_kb]');
		const starts = await page.locator('#ov-table tbody tr').evaluateAll(rs => rs.map(r => r.dataset.start));
		const rss = smapsRss(pid);
		const got = starts.map(s => rss.get(s));
		check(got.every(x => x !== undefined), 'every row is a VMA of smaps');
		check(got.every((x, i) => i === 0 || got[i - 1] >= x), 'RSS descending (smaps): ' + got.slice(0, 8));
		const names = await page.locator('#ov-table tbody tr td:first-child').allTextContents();
		check(names.includes('[anon]') && names.includes('[heap]') && names.includes('[stack]'), 'readable names');
		check(names.some(n => n === 'child-layout'), 'a file by its basename: ' + names.join(','));
		await page.fill('#rg-filter', 'heap');
		eq(await page.locator('#ov-table tbody tr').count(), 1, 'rows filtered by name');
		await page.fill('#rg-filter', '');
	}],
	['a what-if comparison beside the space as it is', async () => {
		await page.selectOption('#wi-arch', 'arm64-64k-48');
		await page.selectOption('#wi-thp', 'never');
		await page.click('#wi-form button[type=submit]');
		await page.waitForSelector('#wi-table', { timeout: 5000 });
		const r = await api(base, 'GET', `/api/v1/spaces/pid-${pid}/cost?arch=arm64-64k-48&thp=never`);
		eq(r.status, 200, 'cost status');
		const cells = await page.locator('#wi-table tr[data-row=pte] td').allTextContents();
		eq(num(cells[0]), r.json.current.tables.pte, 'pte tables now');
		eq(num(cells[1]), r.json.tables.pte, 'pte tables on arm64 64K');
		const pages = await page.locator('#wi-table tr[data-row=pages] td').allTextContents();
		eq(num(pages[1]), r.json.table_pages, 'table pages on arm64 64K');
		await shot(page, 'cost', true);
	}],
	['zones: free pages per order (linear), THP-able memory, every fragmentation order in view', async () => {
		const sim = (await api(base, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'x86_64-4l', scenario: 'process' })).json.id;
		await page.evaluate(() => document.querySelector('#space-select').dispatchEvent(new Event('focus')));
		await page.reload();
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await page.click('#tab-zones');
		await page.selectOption('#zones-source', sim);
		const z = (await api(base, 'GET', `/api/v1/spaces/${sim}/zones`)).json;
		const zone = z.nodes[0].zones.find(x => x.free_area.some(v => v));
		const card = `#zones .zone[data-zone="${zone.name}"]`;
		await page.waitForSelector(card + ' .thp-free', { timeout: 5000 });
		const pages = await page.locator(card + ' .zone-chart .bar').evaluateAll(bs => bs.map(b => Number(b.dataset.pages)));
		eq(JSON.stringify(pages), JSON.stringify(zone.free_area.map((v, k) => v * 2 ** k)), 'free pages per order');
		// x86-64 4K: a THP is a PMD block, order 21 - 12 = 9
		let thp = 0;
		zone.free_area.forEach((v, k) => { if (k >= 9) thp += v * 2 ** k; });
		eq(Number(await page.getAttribute(card + ' .thp-free', 'data-pages')), thp, 'THP-able free pages');
		const cells = page.locator(card + ' .frag-cell');
		eq(await cells.count(), z.orders, 'fragmentation cells');
		// one synchronous look at the DOM: the zones stream redraws the
		// cards, so two separate boundingBox() calls can straddle a redraw
		const inside = await page.evaluate(sel => {
			const c = document.querySelector(sel);
			const cs = c ? c.querySelectorAll('.frag-cell') : [];
			if (!cs.length) return 'no cells';
			const a = c.getBoundingClientRect(), b = cs[cs.length - 1].getBoundingClientRect();
			return b.width > 0 && b.right <= a.right + 1 ? 'inside' : `${b.right} > ${a.right}`;
		}, card);
		eq(inside, 'inside', 'the last order is inside the card');
		await shot(page, 'zones', true);
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
