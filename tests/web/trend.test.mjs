/* SPDX-License-Identifier: MIT */
// trend.test.mjs: the zones view's trend line, drawn from the daemon's
// zones history.  The daemon reads a --proc-root copy of the captured
// fixture tree whose buddyinfo the test rewrites; the line must end at the
// free pages of the file as last written (blocks << order summed, as
// /proc/buddyinfo counts blocks), hold only values of files written, in
// the order written, and draw one point per sample.  Any console error fails.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { session, finish, check, eq, shot, SRCDIR } from './lib.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pts-trend-'));
for (const f of ['buddyinfo', 'zoneinfo', 'pagetypeinfo'])
	fs.copyFileSync(path.join(SRCDIR, 'tests', 'fixtures', 'proc', 'vm', f), path.join(root, f));
const base = fs.readFileSync(path.join(root, 'buddyinfo'), 'utf8');

// The fixture's buddyinfo with the Normal zone's order-0 and order-5
// counts raised by i; returns [text, free pages of Normal].
function variant(i) {
	let free = 0;
	const text = base.split('\n').filter(Boolean).map(line => {
		const m = line.match(/^(Node\s+\d+,\s+zone\s+)(\S+)(.*)$/);
		const n = m[3].trim().split(/\s+/).map(Number);
		if (m[2] === 'Normal') {
			n[0] += 100 * i;
			n[5] += 10 * i;
			free = n.reduce((a, c, k) => a + c * 2 ** k, 0);
		}
		return m[1] + m[2] + ' ' + n.map(x => String(x).padStart(6)).join(' ') + ' ';
	}).join('\n') + '\n';
	return [text, free];
}

function write(text) {
	fs.writeFileSync(path.join(root, '.new'), text);
	fs.renameSync(path.join(root, '.new'), path.join(root, 'buddyinfo'));
}

const sess = await session(['--proc-root', root, '--zones-interval', '100', '--zones-history', '200']);
const { page } = sess;
const card = '#zones .zone[data-zone="Normal"]';
const frees = [];

// The Normal zone's trend values once the last one is want.
async function trendEndsAt(want) {
	await page.waitForFunction(([sel, w]) => {
		const t = document.querySelector(sel + ' .zone-trend');
		const v = t && t.dataset.values ? t.dataset.values.split(',').map(Number) : [];
		return v.length >= 2 && v[v.length - 1] === w;
	}, [card, want], { timeout: 15000 });
	return (await page.getAttribute(card + ' .zone-trend', 'data-values')).split(',').map(Number);
}

const steps = [
	['the zones view draws a trend line from the zones history', async () => {
		const [t0, f0] = variant(0);
		write(t0);
		frees.push(f0);
		await page.goto(sess.base + '#view=zones');
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await page.keyboard.press('Escape');	// the picker opens when there is no space
		await page.waitForSelector(card + ' .zone-trend svg', { timeout: 15000 });
		const v = await trendEndsAt(f0);
		check(v.every(x => x === f0), 'only the file as written: ' + v.slice(0, 5));
	}],
	['the line follows buddyinfo as it changes, in order, one point per sample', async () => {
		for (const i of [1, 2]) {
			const [t, f] = variant(i);
			write(t);
			frees.push(f);
			await trendEndsAt(f);
		}
		const v = await trendEndsAt(frees[2]);
		const idx = v.map(x => frees.indexOf(x));
		check(idx.every(k => k >= 0), 'every value is a file written: ' + v);
		check(idx.every((k, j) => j === 0 || idx[j - 1] <= k), 'in the order written: ' + idx);
		check(frees.every((f, j) => j === 0 || idx.includes(j)), 'each change shows: ' + idx);
		// values, points, samples and caption read in one go: the view
		// redraws every sample (100 ms), so separate reads could each see
		// another drawing ('got 126, want 121' once under load)
		const drawn = await page.evaluate(sel => {
			const t = document.querySelector(sel + ' .zone-trend');
			return { values: t.dataset.values, samples: t.dataset.samples,
				points: t.querySelector('polyline.trend-free').getAttribute('points'),
				caption: t.querySelector('figcaption').textContent };
		}, card);
		const w = drawn.values.split(',').map(Number);
		check(w[w.length - 1] === frees[2], 'the line still ends at the last file: ' + w.slice(-3));
		const pts = drawn.points;
		eq(pts.trim().split(/\s+/).length, w.length, 'one point per sample');
		eq(Number(drawn.samples), w.length, 'samples');
		// the points: oldest left, newest right; the highest value on top
		const xy = pts.trim().split(/\s+/).map(p => p.split(',').map(Number));
		check(xy.every((p, j) => j === 0 || xy[j - 1][0] <= p[0]), 'time runs left to right');
		const top = Math.min(...xy.map(p => p[1]));
		check(xy.every((p, j) => (w[j] === Math.max(...w)) === (p[1] === top)), 'the highest value is the top point');
		const cap = drawn.caption;
		check(cap.includes('now ' + frees[2].toLocaleString('en-US') + ','), 'the caption says the free pages now: ' + cap);
		await shot(page, 'zones-trend', true);
	}],
	['a zone with CMA pages says how many (a real capture: Debian arm64, 2 nodes)', async () => {
		// zoneinfo's "cma 16384" on node 1 (tests/fixtures/SOURCES.md)
		const src = path.join(SRCDIR, 'tests', 'fixtures', 'proc', 'numa2-6.1-arm64-qemu');
		for (const f of ['zoneinfo', 'pagetypeinfo'])
			fs.copyFileSync(path.join(src, f), path.join(root, f));
		write(fs.readFileSync(path.join(src, 'buddyinfo'), 'utf8'));
		await page.waitForFunction(() => [...document.querySelectorAll('#zones .zone')]
			.some(z => z.textContent.includes('16,384 pages are CMA')), null, { timeout: 15000 });
		const cards = await page.$$eval('#zones .zone', zs => zs.map(z => z.textContent.includes('pages are CMA')));
		eq(cards.filter(Boolean).length, 1, 'one zone (node 1 DMA) has CMA pages');
	}],
];

process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
await finish(sess, steps);
