/* SPDX-License-Identifier: MIT */
// timeline.js: the timeline under every space: the space's generations
// (GET …/history) on a scrubber, play/pause, step back and forward, and
// "Now" (live: the views follow the space as it changes).  At an older
// generation the tables, walk and overview views answer as the space was
// then (the API's ?generation=), the cells that changed between the
// compared point and the shown one are marked, and the panel lists what
// changed in words (diffwords.js).  New generations come from the space's
// WebSocket diff stream (docs/api.md: "stream":"diff").
//
// API for other modules (learn.js tours drive it):
//   goTo(g)          show generation g ('now' or null: live); a promise
//                    that resolves once the views show it
//   step(±1), play(), pause(), compare(g | null)
//   generation()     the generation shown, null when live
//   genParam(sep)    '' when live, else sep + 'generation=G'
//   changes()        the diff entries marked now ([] when none)
//   events           EventTarget: 'change' {detail: {generation, live,
//                    from, caption}} after the views follow a move
//   follow(fn)       views register fn() -> promise, run on every move

import * as api from './api.js';
import { $, h, setKids, errText } from './util.js';
import { describe } from './diffwords.js';

const PLAY_MS = 1200;

export const events = new EventTarget();

let ctx = null;
let gens = [];		// [{generation, time, changes, caption}], oldest first
let chosen = null;	// the generation shown; null: live, the newest
let from = null;	// compare from this generation; null: the one before
let diff = null;	// GET …/diff between them, or null
let spaceId = null;
let playing = null;	// the play timer
let moveSeq = 0;	// the latest move (older ones give up)
let reloading = null;	// a pending history reload
let sub = null;		// the diff stream's subscribe message (from moves on)
const followers = [];
const el = {};

// Build the bar (once).
export function init(c) {
	ctx = c;
	const box = $('timeline');
	if (!box) return;
	el.back = h('button', { type: 'button', id: 'tl-back', title: 'Step back one generation',
		'aria-label': 'Step back', onclick: () => step(-1) }, '◀');
	el.play = h('button', { type: 'button', id: 'tl-play', 'aria-label': 'Play',
		title: 'Play the generations from here', onclick: () => (playing ? pause() : play()) }, '▶');
	el.fwd = h('button', { type: 'button', id: 'tl-fwd', title: 'Step forward one generation',
		'aria-label': 'Step forward', onclick: () => step(1) }, '▶|');
	el.range = h('input', { type: 'range', id: 'tl-range', min: 0, max: 0, step: 1, value: 0,
		'aria-label': 'Generation' });
	el.range.addEventListener('input', () => label(gens[Number(el.range.value)]));
	el.range.addEventListener('change', () => {
		const g = gens[Number(el.range.value)];
		if (g) goTo(g.generation);
	});
	el.now = h('button', { type: 'button', id: 'tl-now', title: 'Back to now: follow the space live',
		onclick: () => goTo('now') }, 'Now');
	el.label = h('span', { id: 'tl-label', class: 'tl-label', 'aria-live': 'polite' });
	el.caption = h('p', { id: 'tl-caption', class: 'tl-caption' });
	el.from = h('select', { id: 'tl-from', 'aria-label': 'Compare with',
		onchange: ev => compare(ev.target.value === '' ? null : Number(ev.target.value)) });
	el.mark = h('button', { type: 'button', id: 'tl-mark', title: 'Compare later generations with this one',
		onclick: () => compare(shown()) }, 'Compare from here');
	el.words = h('ul', { id: 'tl-words', class: 'tl-words', 'aria-label': 'What changed' });
	el.summary = h('summary', { id: 'tl-diff-title' }, 'What changed');
	setKids(box,
		h('div', { class: 'tl-row' }, el.back, el.play, el.fwd, el.range, el.now, el.label),
		el.caption,
		h('details', { id: 'tl-diff', class: 'tl-diff', open: true }, el.summary,
			h('div', { class: 'tl-compare' }, h('label', {}, 'Changes from ', el.from), ' ', el.mark),
			el.words));
	box.dataset.live = 'true';
}

// Register a view's reload (a function returning a promise).
export function follow(fn) {
	followers.push(fn);
}

// The generation shown: the chosen one, or the newest when live.
function shown() {
	if (chosen !== null) return chosen;
	return gens.length ? gens[gens.length - 1].generation : null;
}

// The generation shown, null when live.
export function generation() {
	return chosen;
}

// The query argument views add: '' when live.
export function genParam(sep = '&') {
	return chosen === null ? '' : `${sep}generation=${chosen}`;
}

// The diff entries between the compared points (what the grid marks).
export function changes() {
	return (diff && diff.changes) || [];
}

// A new space (or none): live, history reloaded.
export function spaceChanged(c) {
	pause();
	chosen = null;
	from = null;
	diff = null;
	gens = [];
	moveSeq++;
	const s = c.space;
	spaceId = s ? s.id : null;
	const box = $('timeline');
	if (!s && ctx.stream) {
		ctx.stream.unsubscribe('timeline');
		sub = null;
	}
	if (!box) return Promise.resolve();
	box.hidden = !s;
	box.dataset.live = 'true';
	delete box.dataset.generation;
	if (!s) return Promise.resolve();
	draw();
	return reload();
}

// Read the history again, follow the diff stream from its newest
// generation; when live, describe the newest change.
function reload() {
	const id = spaceId;
	const p = api.get(api.spacePath(id, 'history')).then(async r => {
		if (spaceId !== id) return;
		gens = r.generations || [];
		if (chosen !== null && !gens.some(g => g.generation === chosen)) chosen = null;
		subscribe();
		if (chosen === null) await loadDiff(moveSeq);
		draw();
		fire();
	}, e => {
		if (spaceId !== id) return;
		gens = [];
		$('timeline').hidden = e.code === 'no_history';
		if (e.code !== 'no_history') ctx.notify(errText('Could not read the history', e));
	});
	const done = p.finally(() => {
		if (reloading === done) reloading = null;
	});
	reloading = done;
	return done;
}

// The newest generation known, or null.
function head() {
	return gens.length ? gens[gens.length - 1].generation : null;
}

// Subscribe to the space's diff stream from the newest generation known.
function subscribe() {
	if (!ctx.stream || head() === null) return;
	sub = { type: 'subscribe', space: spaceId, stream: 'diff', from: head(), interval_ms: 500 };
	ctx.stream.subscribe('timeline', sub, onStream);
}

// A message of the diff stream: a new generation joins the timeline (and is
// described when live); a gap (a resync, an expired start) reloads.
async function onStream(m) {
	if (m.space !== undefined && m.space !== spaceId) return;
	if (m.type === 'error' && m.error && /generation/.test(m.error.code || '')) {
		if (!reloading) reload();
		return;
	}
	if (m.type !== 'diff' || head() === null || m.to <= head()) return;
	if (m.resync || m.from !== head()) {
		if (!reloading) reload();
		return;
	}
	gens.push({ generation: m.to, time: m.time, caption: m.caption });
	gens = gens.filter(g => g.generation >= m.oldest || g.generation === chosen);
	if (sub) sub.from = m.to;	// a reconnect resumes from here
	if (chosen !== null) {
		draw();
		return;
	}
	const seq = ++moveSeq;
	if (from === null) diff = m;
	else await loadDiff(seq);
	if (seq !== moveSeq) return;
	draw();
	fire();
}

// The diff between the compared points, for the shown generation.
async function loadDiff(seq) {
	const to = shown();
	let a = from;
	if (a === null) {
		const i = gens.findIndex(g => g.generation === to);
		a = i > 0 ? gens[i - 1].generation : null;
	}
	if (to === null || a === null || a === to) {
		diff = null;
		return;
	}
	try {
		const d = await api.get(api.spacePath(spaceId, 'diff') + `?from=${a}&to=${to}`);
		if (seq === moveSeq) diff = d;
	} catch (e) {
		if (seq !== moveSeq) return;
		diff = null;
		ctx.notify(errText(`Could not compare generation ${a} with ${to}`, e));
	}
}

// Show generation g ('now' or null: live).  Resolves once the views did.
export async function goTo(g) {
	if (!spaceId) return;
	if (reloading) await reloading;
	const head = gens.length ? gens[gens.length - 1].generation : null;
	let want = g === 'now' || g === null || g === undefined ? null : Number(g);
	if (want !== null && !gens.some(x => x.generation === want)) {
		await reload();
		if (!gens.some(x => x.generation === want)) {
			ctx.notify(`Generation ${want} is not in the history of ${spaceId} (kept: ` +
				(gens.length ? `${gens[0].generation}–${gens[gens.length - 1].generation}` : 'none') + ').');
			return;
		}
	}
	if (want === head) want = null;	// the newest is "now"
	const seq = ++moveSeq;
	const box = $('timeline');
	box.dataset.busy = 'true';
	chosen = want;
	await loadDiff(seq);
	if (seq !== moveSeq) return;
	draw();
	await Promise.all(followers.map(f => Promise.resolve(f()).catch(() => {})));
	if (seq !== moveSeq) return;
	delete box.dataset.busy;
	fire();
}

// Tell listeners (and tests: data-generation, data-live) where we are.
function fire() {
	const box = $('timeline');
	const g = shown();
	box.dataset.live = chosen === null ? 'true' : 'false';
	if (g !== null) box.dataset.generation = String(g);
	const gen = gens.find(x => x.generation === g);
	events.dispatchEvent(new CustomEvent('change', { detail: {
		generation: g, live: chosen === null, from: diff ? diff.from : null,
		caption: gen ? gen.caption : null } }));
}

// Compare with generation g (null: the one before the shown one).
export async function compare(g) {
	from = g;
	const seq = ++moveSeq;
	await loadDiff(seq);
	if (seq !== moveSeq) return;
	draw();
	fire();
}

// One generation back (-1) or forward (+1).
export function step(dir) {
	const i = gens.findIndex(g => g.generation === shown());
	const j = i + dir;
	if (i < 0 || j < 0 || j >= gens.length) return Promise.resolve();
	return goTo(gens[j].generation);
}

// Play from the shown generation (from the oldest when live) to now.
export function play() {
	if (playing || gens.length < 2) return;
	const start = chosen === null ? gens[0].generation : null;
	playing = true;
	el.play.textContent = '⏸';
	el.play.setAttribute('aria-label', 'Pause');
	const tick = async () => {
		if (!playing) return;
		if (chosen === null) return pause();
		await step(1);
		if (playing) playing = setTimeout(tick, PLAY_MS);
	};
	(start !== null ? goTo(start) : Promise.resolve()).then(() => {
		if (playing) playing = setTimeout(tick, PLAY_MS);
	});
}

// Stop playing.
export function pause() {
	if (playing && playing !== true) clearTimeout(playing);
	playing = null;
	if (el.play) {
		el.play.textContent = '▶';
		el.play.setAttribute('aria-label', 'Play');
	}
}

// "Generation 3 (2 of 5) · now".
function label(g) {
	if (!el.label) return;
	if (!g) {
		el.label.textContent = 'no history';
		return;
	}
	const i = gens.indexOf(g);
	const live = chosen === null && i === gens.length - 1;
	el.label.textContent = `Generation ${g.generation} (${i + 1} of ${gens.length})` +
		(live ? ' · now, live' : ' · as it was');
	el.caption.textContent = g.caption ? g.caption : '';
	el.caption.title = g.time || '';
}

// Redraw the bar, the compare choice and the words.
function draw() {
	if (!el.range) return;
	const g = shown();
	const i = gens.findIndex(x => x.generation === g);
	el.range.max = String(Math.max(0, gens.length - 1));
	el.range.value = String(Math.max(0, i));
	el.range.disabled = gens.length < 2;
	el.back.disabled = i <= 0;
	el.fwd.disabled = i < 0 || i >= gens.length - 1;
	el.play.disabled = gens.length < 2;
	el.now.disabled = chosen === null;
	label(gens[i]);
	setKids(el.from, h('option', { value: '' }, 'the generation before'),
		gens.map(x => h('option', { value: String(x.generation), selected: x.generation === from },
			`generation ${x.generation}${x.caption ? ' — ' + short(x.caption) : ''}`)));
	el.from.value = from === null ? '' : String(from);
	drawWords();
}

// A caption cut to a selector's width.
function short(s) {
	return s.length > 48 ? s.slice(0, 47) + '…' : s;
}

// The diff in words.
function drawWords() {
	if (!diff) {
		el.summary.textContent = 'What changed';
		setKids(el.words, h('li', { class: 'hint' }, gens.length > 1 ?
			'Nothing to compare: this is the first generation kept.' : 'Only one generation so far.'));
		return;
	}
	el.summary.textContent = `What changed from generation ${diff.from} to ${diff.to}`;
	const s = describe(diff);
	setKids(el.words, s.length ? s.map(x => h('li', { dataset: { rule: x.rule } }, x.text)) :
		h('li', { class: 'hint' }, 'Nothing changed in the page tables.'));
}
