/* SPDX-License-Identifier: MIT */
// map.test.mjs: the overview's address map with 10,000 VMAs: a child
// (tests/child-layout --vmas 10000) maps 10,000 pages and gives every
// other one PROT_READ, so /proc/PID/maps lists 10,000 VMAs there.  No two
// names on the map overlap (bounding boxes), the map zooms with the wheel
// and its buttons, and the region table's "map" button brings one chosen
// one-page VMA into view with its name, inside the map.  Any console error
// fails.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { session, finish, check, eq, shot } from './lib.mjs';

const N = 10000;
// deadlines (a loaded machine draws 2,000 table rows slowly)
const T = 60000 * Math.max(1, Number(process.env.PTS_TIMEOUT_SCALE || 1));
const CHILD = path.join(process.env.PTS_BUILDDIR || process.cwd(), 'tests', 'child-layout');
if (!fs.existsSync(CHILD)) {
	console.log('Bail out! cannot run: ' + CHILD + ' is not built');
	process.exit(99);
}

const sess = await session();
const { page } = sess;
let child = null, info = null;
process.on('exit', () => { if (child) child.kill(); });

// The VMAs of the child between base and base + N pages, from its maps.
function vmasOf(pid, base) {
	const lo = BigInt(base), hi = lo + BigInt(N * 4096);
	return fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(Boolean).map(l => {
		const [range, perms] = l.split(' ');
		const [s, e] = range.split('-').map(x => BigInt('0x' + x));
		return { s, e, perms };
	}).filter(v => v.s >= lo && v.e <= hi);
}

// Boxes of every drawn name; fails when two overlap.
async function namesDoNotOverlap(what) {
	const boxes = await page.$$eval('#ov-map .va-name', els => els.map(e => {
		const r = e.getBoundingClientRect();
		return { l: r.left, r: r.right, t: r.top, b: r.bottom, text: e.textContent };
	}));
	boxes.sort((x, y) => x.l - y.l);
	for (let i = 1; i < boxes.length; i++)
		for (let j = i - 1; j >= 0 && boxes[j].r > boxes[i].l; j--)
			check(boxes[j].b <= boxes[i].t || boxes[i].b <= boxes[j].t,
				`${what}: "${boxes[j].text}" and "${boxes[i].text}" overlap: ${JSON.stringify([boxes[j], boxes[i]])}`);
	// each name lies inside its own region's button
	const outside = await page.$$eval('#ov-map .va-name', els => els.filter(e => {
		const n = e.getBoundingClientRect(), s = e.parentElement.getBoundingClientRect();
		return n.left < s.left - 0.5 || n.right > s.right + 0.5;
	}).length);
	eq(outside, 0, `${what}: names outside their region`);
	return boxes.length;
}

const steps = [
	['a child with 10,000 VMAs is attached and its map drawn', async () => {
		child = spawn(CHILD, ['--vmas', String(N)], { stdio: ['ignore', 'pipe', 'ignore'] });
		info = JSON.parse(await new Promise(res => child.stdout.once('data', c => res(String(c)))));
		eq(vmasOf(info.pid, info.base).length, N, 'VMAs in the child\'s maps');
		const r = await fetch(new URL('/api/v1/spaces', sess.base), { method: 'POST',
			headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'process', pid: info.pid }) });
		check(r.status === 201 || r.status === 200, 'attached: ' + r.status);
		await page.goto(sess.base + `#space=pid-${info.pid}&view=overview`);
		await page.waitForSelector('body[data-ready=true]', { timeout: T });
		await page.waitForSelector('#ov-map .va-track', { timeout: T });
		await page.waitForSelector('#ov-table tbody tr', { timeout: T });
		// the whole range: far fewer elements than regions (clusters)
		const els = await page.locator('#ov-map .va-track > *').count();
		check(els < 2000, `the full view draws ${els} elements, not one per VMA`);
		check(await page.locator('#ov-map .va-cluster').count() > 0, 'narrow regions are clustered');
		await namesDoNotOverlap('full view');
		await shot(page, 'map-10000', true);
	}],
	['the wheel and the buttons zoom; names still never overlap', async () => {
		const span = async () => {
			const d = await page.$eval('#ov-map .va-track', t => [Number(t.dataset.a), Number(t.dataset.b)]);
			return d[1] - d[0];
		};
		const s0 = await span();
		const box = await page.locator('#ov-map .va-track').boundingBox();
		// zoom in over the densest part: a cluster
		const cl = await page.locator('#ov-map .va-cluster >> nth=0').boundingBox();
		await page.mouse.move(cl.x + cl.width / 2, box.y + box.height / 2);
		for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -100);
		await page.waitForFunction(s => {
			const t = document.querySelector('#ov-map .va-track');
			return t && Number(t.dataset.b) - Number(t.dataset.a) < s / 5;
		}, s0, { timeout: 5000 });
		await namesDoNotOverlap('after the wheel');
		const s1 = await span();
		await page.click('#ov-map .va-zoom-out');
		const s2 = await span();
		check(Math.abs(s2 - Math.min(2 * s1, s0)) < 1e-9 * s0, `zoom out doubles the window: ${s1} -> ${s2}`);
		await page.click('#ov-map .va-reset');
		eq(await span(), s0, 'reset shows everything');
	}],
	['the region table\'s map button brings a chosen one-page VMA into view', async () => {
		const vmas = vmasOf(info.pid, info.base);
		const pick = vmas[Math.floor(N / 2) + 1];
		const start = '0x' + pick.s.toString(16);
		check(await page.locator(`#ov-map .va-seg[data-start="${start}"] .va-name`).count() === 0,
			'the chosen VMA has no name in the full view');
		await page.fill('#rg-filter', start);
		await page.waitForSelector(`#ov-table tbody tr[data-start="${start}"]`, { timeout: 5000 });
		eq(await page.locator('#ov-table tbody tr').count(), 1, 'the filter finds the VMA by its address');
		await page.click(`#ov-table tbody tr[data-start="${start}"] button.map-show`);
		const seg = `#ov-map .va-seg.va-selected[data-start="${start}"]`;
		await page.waitForSelector(seg + ' .va-name', { timeout: 5000 });
		eq(await page.textContent(seg + ' .va-name'), '[anon]', 'its name');
		check((await page.getAttribute(seg, 'aria-label')).includes(pick.perms.startsWith('rw') ? ' rw-' : ' r--'), 'its permissions');
		const m = await page.locator('#ov-map .va-track').boundingBox();
		const b = await page.locator(seg).boundingBox();
		check(b.x >= m.x - 1 && b.x + b.width <= m.x + m.width + 1 && b.width > 100,
			`the VMA is inside the map and wide: ${JSON.stringify(b)} in ${JSON.stringify(m)}`);
		const n = await namesDoNotOverlap('zoomed to the VMA');
		check(n >= 2, 'its neighbours are named too: ' + n);
		await shot(page, 'map-zoomed', true);
		// a click on it opens its page table
		await page.click(seg);
		await page.waitForSelector('#crumbs .crumb.current[data-level=pte]', { timeout: 15000 });
	}],
];

await finish(sess, steps);
