/* SPDX-License-Identifier: MIT */
// cost.js: what the space's page tables cost: table kB, their share of
// RSS, tables per level, agreement with the kernel's VmPTE (live), the
// "inferred" badge; and the what-if comparison (GET .../cost): the same
// present pages on another arch, granule, THP mode or page size, side by
// side with the space as it is.

import * as api from './api.js';
import { h, setKids, num, sizeName, errText } from './util.js';

let ctx = null;
let box = null;
let last = null;	// the /regions reply shown

// Draw the panel for the current space into el, from its regions reply.
export function show(c, el, regions) {
	ctx = c;
	box = el;
	last = regions;
	draw();
}

// A key of the space object: "kernel.vm_pte_kb" style or nested.
function field(s, key) {
	return key.split('.').reduce((o, k) => (o && o[k] !== undefined ? o[k] : undefined), s);
}

// The numbers of the current space (re-read: they change).
async function spaceNow() {
	try {
		return await api.get(api.spacePath(ctx.space.id));
	} catch (e) {
		return ctx.space;
	}
}

// The facts about what the space's tables cost: [[label, text, key]…] and
// the "inferred" badge (or null); s is the space object, regions the
// /regions reply (per-level counts of spaces whose object has none).
function costFacts(s, regions) {
	const bytes = s.page_table_bytes;
	const rssKb = s.rss_kb;
	const vmPte = field(s, 'kernel.vm_pte_kb');
	const rec = field(s, 'reconstructed.table_kb');
	const tables = field(s, 'reconstructed.tables') || (regions && regions.tables) || {};
	const deposited = regions ? regions.deposited_tables : field(s, 'reconstructed.thp_deposited_tables');
	const facts = [
		['page tables', bytes !== undefined ? `${num(bytes / 1024)} kB` : '—', 'kb'],
		['share of RSS', rssKb ? `${(bytes / 1024 / rssKb * 100).toFixed(2)} %` : '—', 'rss'],
		['per level', Object.entries(tables).map(([k, v]) => `${k} ${num(v)}`).join(' · ') +
			(deposited ? ` · deposited ${num(deposited)}` : ''), 'levels'],
	];
	if (vmPte !== undefined && vmPte !== null)
		facts.push(['kernel VmPTE', `${num(vmPte)} kB` + (rec === vmPte ? ' — agrees' : ` — reconstruction ${num(rec)} kB`),
			'vmpte']);
	const badge = s.inferred ? h('span', { class: 'badge cost-inferred',
		title: s.inferred_note || 'Reconstructed from what user space sees' }, 'inferred') : null;
	return { facts, badge };
}

async function draw() {
	const space = ctx.space;
	const s = await spaceNow();
	if (ctx.space !== space) return;
	const { facts, badge } = costFacts(s, last);
	if (badge) badge.id = 'cost-inferred';
	setKids(box, h('h3', {}, 'Page-table cost ', badge),
		h('dl', { class: 'facts' }, facts.flatMap(([k, v, id]) => [h('dt', {}, k), h('dd', { id: 'cost-' + id }, v)])),
		whatIfForm(), h('div', { id: 'cost-compare' }));
}

// The one-line cost strip every view of a space shows above it (el): the
// space object re-read (a space the daemon no longer has is announced by
// ctx.spaceGone), per-level counts from the regions where the object has
// none (sim, ptdump).
let stripSeq = 0;
export async function strip(c, el) {
	ctx = c;
	const space = c.space;
	const seq = ++stripSeq;
	if (!space || c.view === 'zones') {
		el.hidden = true;
		return;
	}
	let s, regions = null;
	try {
		s = await api.get(api.spacePath(space.id));
		// (a recording has no regions: it would only answer 400)
		if (!field(s, 'reconstructed.tables') && space.kind !== 'recording')
			regions = await api.get(api.spacePath(space.id, 'regions'));
	} catch (e) {
		if (e.code === 'no_such_space' && c.space === space && c.spaceGone) c.spaceGone(space.id, 'the daemon no longer has it');
		return;
	}
	if (c.space !== space || seq !== stripSeq) return;
	const { facts, badge } = costFacts(s, regions);
	setKids(el, h('span', { class: 'strip-title' }, 'Page tables'), badge,
		facts.map(([k, v, key]) => h('span', { class: 'strip-fact', dataset: { fact: key } },
			h('span', { class: 'strip-key' }, k + ' '), h('span', { class: 'strip-val' }, v))));
	el.hidden = false;
}

// Keep the strip fresh while a space is shown (every 5 s, not when the
// page is hidden): tables grow and shrink under a live process.
export function stripTimer(c, el) {
	setInterval(() => {
		// offline: the stream's reconnect lists the spaces first
		if (!document.hidden && c.space && c.view !== 'zones' && (!c.stream || c.stream.isOpen)) strip(c, el);
	}, 5000);
}

// arch, THP and page size choices for the what-if.
function whatIfForm() {
	const arches = [...ctx.arches.keys()];
	const sel = h('select', { id: 'wi-arch', name: 'arch' }, arches.map(id =>
		h('option', { value: id, selected: id === ctx.space.arch ? 'selected' : null }, id)));
	const thp = h('select', { id: 'wi-thp', name: 'thp' }, ['asis', 'never', 'always'].map(t => h('option', { value: t }, t)));
	const ps = h('input', { id: 'wi-page', name: 'page_size', size: 5, placeholder: 'base', autocomplete: 'off',
		title: 'A leaf size of that arch: 2m, 1g, 32m, 512m… (empty: its base page)' });
	return h('form', { class: 'row-form', id: 'wi-form', onsubmit: ev => { ev.preventDefault(); compare(); } },
		h('label', {}, 'What if: arch ', sel), h('label', {}, 'THP ', thp), h('label', {}, 'page size ', ps),
		h('button', { type: 'submit' }, 'Compare'));
}

// Fetch and show the what-if beside the space as it is.
async function compare() {
	const q = new URLSearchParams({ arch: document.getElementById('wi-arch').value,
		thp: document.getElementById('wi-thp').value });
	const ps = document.getElementById('wi-page').value.trim();
	if (ps) q.set('page_size', ps);
	const out = document.getElementById('cost-compare');
	let r;
	try {
		r = await api.get(api.spacePath(ctx.space.id, 'cost') + '?' + q);
	} catch (e) {
		setKids(out, h('p', { class: 'form-error', role: 'alert' }, errText('No what-if', e)));
		return;
	}
	const cur = r.current;
	const levels = [...new Set([...Object.keys(cur.tables), ...Object.keys(r.tables)])];
	const row = (name, a, b, id) => h('tr', { dataset: { row: id } }, h('th', {}, name),
		h('td', { class: 'num' }, a), h('td', { class: 'num' }, b));
	const lv = l => (l in cur.tables ? num(cur.tables[l]) : '—');
	const lw = l => (l in r.tables ? num(r.tables[l]) : '—');
	setKids(out, h('table', { class: 'list', id: 'wi-table' },
		h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, `now: ${cur.arch}, THP ${cur.thp}`),
			h('th', {}, `what if: ${r.arch}, THP ${r.thp}, ${sizeName(r.page_size)} pages`))),
		h('tbody', {},
			levels.map(l => row(l + ' tables', lv(l), lw(l), l)),
			row('deposited under THPs', num(cur.deposited_tables), num(r.deposited_tables), 'deposited'),
			row('table pages', num(cur.table_pages), num(r.table_pages), 'pages'),
			row('table bytes', sizeName(cur.table_bytes), sizeName(r.table_bytes), 'bytes'),
			row('VmPTE would show', sizeName(cur.vm_pte_bytes), sizeName(r.vm_pte_bytes), 'vmpte'),
			row('memory mapped', sizeName(cur.present_bytes), sizeName(r.present_bytes), 'present'),
			r.unplaced_pages ? row('pages outside its VA range', '0', num(r.unplaced_pages), 'unplaced') : null)));
}
