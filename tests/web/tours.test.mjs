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
	// a step at an older generation (the boot replay's) highlights that
	// generation's entries
	const gen = await page.getAttribute('#learn', 'data-generation');
	const r = await api(base, 'GET', `/api/v1/spaces/${space}/tree?node=${encodeURIComponent(node)}` +
		(gen ? `&generation=${gen}` : ''));
	eq(r.status, 200, `${label}: tree of ${node}`);
	if (gen) eq(String(r.json.generation), gen, `${label}: the tree of generation ${gen}`);
	const kids = new Map(r.json.node.children.map(c => [c.index, c]));
	for (const c of cells) {
		check(kids.has(c.i), `${label}: highlighted entry ${c.i} exists in ${node}`);
		eq(c.kind, kids.get(c.i).kind, `${label}: kind of entry ${c.i}`);
	}
	return cells.length;
}

// A step at a generation of the history shows that generation's caption
// (the kernel function the boot replay models), as GET …/history gives it.
async function checkGeneration(label) {
	const gen = await page.getAttribute('#learn', 'data-generation');
	if (!gen) return;
	const space = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('space');
	const h = await api(base, 'GET', `/api/v1/spaces/${space}/history`);
	const g = h.json.generations.find(x => String(x.generation) === gen);
	check(g && g.caption, `${label}: generation ${gen} has a caption`);
	const shown = await page.textContent('#tour-kernel');
	check(shown.includes(g.caption), `${label}: the panel shows generation ${gen}'s caption`);
	eq(await page.getAttribute('#timeline', 'data-generation'), gen, `${label}: the timeline shows generation ${gen}`);
	eq((await page.textContent('#tl-caption')).trim(), g.caption, `${label}: the timeline's caption`);
	if (await page.locator('#tour-zones').count()) {
		const z = await api(base, 'GET', `/api/v1/spaces/${space}/zones?generation=${gen}`);
		const want = z.json.nodes.flatMap(n => n.zones).map(x => `${x.name} ${Number(x.free_pages)}`).join(', ');
		check((await page.textContent('#tour-zones')).endsWith(want), `${label}: the zones' free pages of generation ${gen}`);
	}
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
		check(tours.length >= 6, 'six tours or more: ' + tours.join(','));
		check(tours.includes('arm64-boot'), 'the arm64 paging_init boot tour is listed');
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
				await checkGeneration(`${id} step ${k + 1}`);
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
