/* SPDX-License-Identifier: MIT */
// tours.test.mjs: every guided tour (web/js/learn.js) run to its end in
// headless Chromium against the real daemon: no step fails, no console
// error, and every highlighted cell is the API's entry at that index, of
// the kind the API gives (the tours find their entries from the API, so a
// tour whose highlights drift from the tables it opens fails here).
// Screenshots of each step go to docs/img/tour-ID-N.png.

import { session, finish, api, shot, check, eq } from './lib.mjs';

const sess = await session();
const { page, base } = sess;

// Tour ids and step counts, from the page itself.
let tours = [];

// The highlighted cells must be the API's entries of the table shown.
async function checkHighlights(label) {
	if (await page.locator('#view-tables').isHidden()) return 0;	// a walk step
	const cells = await page.locator('#grid .cell.tour-hl').evaluateAll(cs =>
		cs.map(c => ({ i: Number(c.dataset.i), kind: c.dataset.kind })));
	if (!cells.length) return 0;
	const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
	const space = hash.get('space'), node = hash.get('node');
	check(space && node, `${label}: the hash names the space and table`);
	const r = await api(base, 'GET', `/api/v1/spaces/${space}/tree?node=${encodeURIComponent(node)}`);
	eq(r.status, 200, `${label}: tree of ${node}`);
	const kids = new Map(r.json.node.children.map(c => [c.index, c]));
	for (const c of cells) {
		check(kids.has(c.i), `${label}: highlighted entry ${c.i} exists in ${node}`);
		eq(c.kind, kids.get(c.i).kind, `${label}: kind of entry ${c.i}`);
	}
	return cells.length;
}

const steps = [
	['the Learn panel lists the tours', async () => {
		await page.goto(base);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		// a first visit opens the picker; it offers the tours too
		if (await page.locator('#picker[open]').count()) await page.click('#picker-learn');
		else await page.click('#open-learn');
		await page.waitForSelector('#learn:not([hidden]) [data-tour]');
		tours = await page.locator('#learn [data-tour]').evaluateAll(bs => bs.map(x => x.dataset.tour));
		check(tours.length >= 5, 'five tours or more: ' + tours.join(','));
	}],
	['every tour runs to its end; highlights match the API', async () => {
		for (const id of tours) {
			await page.click(`#learn [data-tour="${id}"]`);
			let k = 0, lit = 0;
			for (;;) {
				await page.waitForFunction(() => {
					const l = document.getElementById('learn');
					return l.dataset.status && l.dataset.status !== 'running';
				}, null, { timeout: 15000 });
				eq(await page.getAttribute('#learn', 'data-status'), 'done', `${id} step ${k + 1} ran`);
				lit += await checkHighlights(`${id} step ${k + 1}`);
				await shot(page, `tour-${id}-${k + 1}`, true);
				if (await page.locator('#tour-end').count()) break;
				await page.click('#tour-next');
				await page.waitForFunction(s => document.getElementById('learn').dataset.step === s, String(k + 1));
				k++;
			}
			check(lit > 0, `${id}: some step highlights entries`);
			await page.click('#tour-end');
		}
	}],
];

await finish(sess, steps);
