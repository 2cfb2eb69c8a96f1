/* SPDX-License-Identifier: MIT */
// timeline.test.mjs: the timeline under a space, in headless Chromium
// against the real daemon.  The test maps, protects, forks and unmaps in a
// sim space, then steps back and forward, scrubs, plays and returns to now:
// the grid, the walk and the overview follow the chosen generation, the
// entries that changed are marked, the diff panel says in words what the
// test did, and a new op while live appears on the timeline.  Then it
// uploads a recording of `ptscope record -- child-layout` from the picker
// (and by dropping it) and a file that is not one.
//
// Expected values come from the ops and the x86-64 4-level layout (Intel
// SDM vol. 3 §4.5: PT index = VA[20:12]): VA 0x7f0000201000 is pte index 1
// of the pte table at 0x7f0000200000; 4 KiB pages.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { session, finish, api, shot, check, eq, PTSCOPE } from './lib.mjs';

const sess = await session();
const { page, base } = sess;
const PTE_TABLE = '0x7f0000200000';
const VA = 0x7f0000201000n;
const PAGE = 0x1000n;
const hx = v => '0x' + v.toString(16);
let sid = null;
const gen = {};	// op name -> the generation it made
let recFile = null;	// a recording made by the test

async function op(body) {
	const r = await api(base, 'POST', `/api/v1/spaces/${sid}/ops`, body);
	check(r.status === 200 || r.status === 201, `${body.op}: ${r.status} ${r.text}`);
	return r.json.generation;
}

const cell = i => page.locator(`#grid .cell[data-i="${i}"]`);
const kindOf = async i => cell(i).getAttribute('data-kind');
const classOf = async i => (await cell(i).getAttribute('class')) || '';

// Wait until the timeline shows generation g (and is not moving).
async function atGen(g, live) {
	await page.waitForSelector(`#timeline[data-generation="${g}"][data-live=${live}]:not([data-busy])`,
		{ timeout: 15000 });
}

// The sentences of the diff panel.
async function words() {
	return (await page.locator('#tl-words li').allTextContents()).map(s => s.trim());
}

// Wait for the diff panel to describe from..to.
async function wordsFor(from, to) {
	await page.waitForFunction(([f, t]) => {
		const s = document.getElementById('tl-diff-title');
		return s && s.textContent === `What changed from generation ${f} to ${t}`;
	}, [from, to], { timeout: 15000 });
	return words();
}

// [count, newest] of a recording's generations, read with Python's sqlite3.
function generations(file) {
	const py = spawnSync('python3', ['-c', 'import sqlite3, sys\ntry:\n' +
		' print(*sqlite3.connect(sys.argv[1]).execute("SELECT count(*), max(generation) FROM generations").fetchone())\n' +
		'except sqlite3.Error:\n print(0, 0)', file], { encoding: 'utf8' });
	const [n, last] = py.stdout.trim().split(/\s+/).map(Number);
	return [n || 0, last || 0];
}

const steps = [
	['a sim space with map, protect, fork and unmap has them on its timeline', async () => {
		const r = await api(base, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'x86_64-4l' });
		eq(r.status, 201, 'create ' + r.text);
		sid = r.json.id;
		gen.map = await op({ op: 'map', va: hx(VA), size: hx(4n * PAGE), prot: 'rw', page_size: '4k' });
		gen.protect = await op({ op: 'protect', va: hx(VA + PAGE), size: hx(PAGE), prot: 'r' });
		gen.fork = await op({ op: 'fork' });
		gen.unmap = await op({ op: 'unmap', va: hx(VA + 3n * PAGE), size: hx(PAGE) });
		eq(gen.unmap, 5, 'five generations: start and four ops');
		await page.goto(`${base}/#space=${sid}&view=tables&node=pte:${PTE_TABLE}`);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await page.waitForSelector('#crumbs .crumb.current[data-level=pte]', { timeout: 15000 });
		await atGen(5, true);
		eq(await page.getAttribute('#tl-range', 'max'), '4', 'scrubber positions (5 generations)');
		check((await page.textContent('#tl-label')).includes('now'), 'the label says now');
		eq(await page.textContent('#tl-caption'), `unmap ${hx(VA + 3n * PAGE)} 0x1000`, 'caption of the last op');
		eq(await kindOf(4), 'none', 'pte 4 unmapped now');
		check((await classOf(4)).includes('hist-changed'), 'the unmapped entry is marked');
		check(!(await classOf(1)).includes('hist-changed'), 'an unchanged entry is not marked');
		const w = await wordsFor(4, 5);
		check(w.includes(`Unmapped 1 page at ${hx(VA + 3n * PAGE)}.`), 'unmap in words: ' + w.join(' | '));
	}],
	['step back: the grid shows the table as it was before the unmap', async () => {
		await page.click('#tl-back');
		await atGen(gen.fork, false);
		eq(await kindOf(4), 'page', 'pte 4 is back at the fork');
		check(!(await classOf(1)).includes(' w'), 'pte 1 read-only after the fork');
		eq(await page.textContent('#tl-caption'), 'fork', 'caption');
		const w = await wordsFor(gen.protect, gen.fork);
		// ptes 1, 3 and 4 were writable: the fork write-protects them; pte 2
		// was made read-only before, so the writable ones are two runs
		check(w.includes(`1 page at ${hx(VA)} became read-only (copy-on-write after fork).`),
			'fork of pte 1 in words: ' + w.join(' | '));
		check(w.includes(`2 pages at ${hx(VA + 2n * PAGE)}–${hx(VA + 4n * PAGE - 1n)} became read-only (copy-on-write after fork).`),
			'fork of ptes 3-4 in words: ' + w.join(' | '));
		for (const i of [1, 3, 4]) check((await classOf(i)).includes('hist-changed'), `pte ${i} marked`);
		await shot(page, 'timeline', true);
	}],
	['scrub to the map: four writable pages, the map and its tables in words', async () => {
		await page.locator('#tl-range').fill(String(gen.map - 1));	// index of generation 2
		await atGen(gen.map, false);
		for (const i of [1, 2, 3, 4]) {
			eq(await kindOf(i), 'page', `pte ${i} kind at the map`);
			check((await classOf(i)).includes(' w'), `pte ${i} writable at the map`);
		}
		const w = await wordsFor(1, gen.map);
		eq(w[0], `Mapped 4 pages rw at ${hx(VA)}–${hx(VA + 4n * PAGE - 1n)}.`, 'the map in words');
		// the pgd entry's pud table, its pmd table and the pte table
		check(w.includes('1 pud table allocated at 0x7f0000000000.'), 'pud table: ' + w.join(' | '));
		check(w.includes('1 pmd table allocated at 0x7f0000000000.'), 'pmd table: ' + w.join(' | '));
		check(w.includes(`1 pte table allocated at ${PTE_TABLE}.`), 'pte table: ' + w.join(' | '));
	}],
	['compare from the map to the protect and fork: marks and words span both', async () => {
		await page.click('#tl-mark');
		await page.click('#tl-fwd');
		await atGen(gen.protect, false);
		let w = await wordsFor(gen.map, gen.protect);
		eq(w.join(' | '), `1 page at ${hx(VA + PAGE)} became read-only.`, 'protect in words');
		check((await classOf(2)).includes('hist-changed'), 'pte 2 marked');
		check(!(await classOf(1)).includes('hist-changed'), 'pte 1 not marked before the fork');
		await page.click('#tl-fwd');
		await atGen(gen.fork, false);
		w = await wordsFor(gen.map, gen.fork);
		for (const i of [1, 2, 3, 4]) check((await classOf(i)).includes('hist-changed'), `pte ${i} marked map→fork`);
		await page.selectOption('#tl-from', '');
		await wordsFor(gen.protect, gen.fork);
	}],
	['the walk and the overview follow the chosen generation', async () => {
		await page.click('#tab-walk');
		await page.fill('#walk-va', hx(VA + PAGE));
		await page.click('#walk-form button[type=submit]');
		await page.waitForSelector('#walk-pa', { timeout: 15000 });
		await page.locator('#tl-range').fill('0');	// generation 1: nothing mapped
		await atGen(1, false);
		await page.waitForSelector('#walk-stop', { timeout: 15000 });
		await page.click('#tab-overview');
		await page.waitForSelector('#ov-map', { timeout: 15000 });
		await page.waitForFunction(() => document.querySelectorAll('#ov-map .va-seg').length === 0, null, { timeout: 15000 });
		await page.click('#tl-fwd');
		await atGen(gen.map, false);
		await page.waitForFunction(() => document.querySelectorAll('#ov-map .va-seg').length > 0, null, { timeout: 15000 });
		await page.click('#tab-walk');
		await page.waitForSelector('#walk-pa', { timeout: 15000 });
		await page.click('#tab-tables');
	}],
	['play runs to now and stops there; a new op while live joins the timeline', async () => {
		await page.locator('#tl-range').fill('0');
		await atGen(1, false);
		await page.click('#tl-play');
		eq(await page.getAttribute('#tl-play', 'aria-label'), 'Pause', 'playing');
		await atGen(gen.unmap, true);
		await page.waitForSelector('#tl-play[aria-label=Play]', { timeout: 15000 });
		const g = await op({ op: 'map', va: hx(VA + 3n * PAGE), size: hx(PAGE), prot: 'rx', page_size: '4k' });
		await atGen(g, true);
		eq(await page.getAttribute('#tl-range', 'max'), String(g - 1), 'the new generation on the scrubber');
		const w = await wordsFor(gen.unmap, g);
		check(w.includes(`Mapped 1 page rx at ${hx(VA + 3n * PAGE)}.`), 'the new map in words: ' + w.join(' | '));
		await page.waitForSelector('#grid .cell[data-i="4"][data-kind=page]', { timeout: 15000 });
	}],
	['Now returns to live from an old generation', async () => {
		await page.click('#tl-back');
		await atGen(gen.unmap, false);
		eq(await kindOf(4), 'none', 'pte 4 empty before the new map');
		await page.click('#tl-now');
		await atGen(gen.unmap + 1, true);
		eq(await kindOf(4), 'page', 'live again');
	}],
	['the zones view follows the timeline of the sim space it shows', async () => {
		// the sim's buddy allocator gives each op's pages and tables: the
		// zones at an older generation are the API's zones?generation=
		await page.click('#tab-zones');
		await page.selectOption('#zones-source', sid);
		const live = gen.unmap + 1;
		const free = async g => {
			const z = (await api(base, 'GET', `/api/v1/spaces/${sid}/zones` + (g ? `?generation=${g}` : ''))).json;
			return z.nodes.flatMap(n => n.zones).map(x => [x.name, String(x.free_pages)]);
		};
		const shown = async g => {
			await page.waitForSelector(`#zones[data-generation="${g}"] article.zone`, { timeout: 15000 });
			return page.$$eval('#zones article.zone', a => a.map(x => [x.dataset.zone, x.dataset.free]));
		};
		eq(JSON.stringify(await shown('live')), JSON.stringify(await free(null)), 'live zones');
		await page.click('#tl-back');
		await atGen(gen.unmap, false);
		const then = await free(gen.unmap);
		eq(JSON.stringify(await shown(gen.unmap)), JSON.stringify(then), 'zones at the unmap');
		check(JSON.stringify(then) !== JSON.stringify(await free(live)), 'the new map took free pages');
		await page.click('#tl-now');
		await atGen(live, true);
		eq(JSON.stringify(await shown('live')), JSON.stringify(await free(null)), 'live again');
	}],
	['a recording uploaded from the picker opens with its generations on the timeline', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pts-tl-'));
		recFile = path.join(dir, 'child.ptrec');
		const child = path.join(path.dirname(PTSCOPE), 'tests', 'child-layout');
		// the child touches 4 pages; it exits once the file has a second
		// generation (counted by Python's sqlite3, not by ptscope)
		const rec = spawn(PTSCOPE, ['record', '-o', recFile, '--interval', '20', '--', child, '--commands'],
			{ stdio: ['pipe', 'ignore', 'pipe'] });
		let stderr = '';
		rec.stderr.on('data', d => { stderr += d; });
		const exited = new Promise(resolve => rec.on('exit', resolve));
		rec.stdin.write('touch 4\n');
		let n = 0, last = 0;
		for (const end = Date.now() + 30000; Date.now() < end && n < 2;) {
			[n, last] = generations(recFile);
			if (n < 2) await new Promise(r => setTimeout(r, 100));
		}
		rec.stdin.end('exit\n');
		eq(await exited, 0, 'ptscope record: ' + stderr);
		[n, last] = generations(recFile);
		check(n >= 2, `generations in the file: ${n}`);
		await page.click('#open-picker');
		await page.waitForFunction(() => document.getElementById('picker').open, null, { timeout: 15000 });
		await page.setInputFiles('#pk-rec-file', recFile);
		await page.waitForFunction(() => !document.getElementById('picker').open &&
			/^rec-/.test(document.getElementById('space-select').value), null, { timeout: 15000 });
		const id = await page.inputValue('#space-select');
		const sp = (await api(base, 'GET', '/api/v1/spaces/' + id)).json;
		eq(sp.kind, 'recording', 'kind of the uploaded space');
		await atGen(last, true);
		eq(await page.getAttribute('#tl-range', 'max'), String(n - 1), 'scrubber positions = generations in the file');
		await page.locator('#tl-range').fill('0');
		await page.waitForSelector('#timeline[data-live=false]:not([data-busy])', { timeout: 15000 });
		check((await page.textContent('#tl-caption')).startsWith('exec '), 'the first generation is the exec');
	}],
	['a recording dropped on the ptdump area opens too; a file that is not one says why', async () => {
		const before = (await api(base, 'GET', '/api/v1/spaces')).json.spaces.length;
		await page.click('#open-picker');
		await page.waitForFunction(() => document.getElementById('picker').open, null, { timeout: 15000 });
		await page.setInputFiles('#pk-file', recFile);	// the SQLite header picks the recording path
		await page.waitForFunction(() => !document.getElementById('picker').open &&
			document.getElementById('space-select').value === 'rec-2', null, { timeout: 15000 });
		const spaces = (await api(base, 'GET', '/api/v1/spaces')).json.spaces;
		eq(spaces.length, before + 1, 'one more space');
		eq(spaces[spaces.length - 1].kind, 'recording', 'the dropped file is a recording');
		const bad = path.join(path.dirname(recFile), 'notes.ptrec');
		fs.writeFileSync(bad, 'SQLite format 3\0' + 'not really a database, truncated'.repeat(8));
		await page.click('#open-picker');
		await page.waitForFunction(() => document.getElementById('picker').open, null, { timeout: 15000 });
		await page.setInputFiles('#pk-rec-file', bad);
		const box = page.locator('#pk-rec-h ~ .form-error');
		await page.waitForFunction(() => /bad_recording/.test(document.querySelector('#pk-rec-h ~ .form-error').textContent),
			null, { timeout: 15000 });
		check((await box.textContent()).includes('notes.ptrec'), 'the message names the file');
		eq((await api(base, 'GET', '/api/v1/spaces')).json.spaces.length, before + 1, 'no space for the bad file');
		await page.keyboard.press('Escape');
		// the browser logs the refused upload's 400: expected here, and only it
		const i = sess.errors.findIndex(e => /status of 400/.test(e));
		check(i >= 0, 'the upload was refused with 400');
		sess.errors.splice(i, 1);
		fs.rmSync(path.dirname(recFile), { recursive: true, force: true });
	}],
];

await finish(sess, steps);
