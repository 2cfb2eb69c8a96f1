/* SPDX-License-Identifier: MIT */
// sim.js: the simulator controls: map, unmap, protect and fork, with the
// API's validation messages next to each form.

import * as api from './api.js';
import { $, h, setKids, formError, errText, num } from './util.js';

let ctx = null;

// Wire the four forms.
export function init(c) {
	ctx = c;
	for (const f of document.querySelectorAll('.op-form'))
		f.addEventListener('submit', submit);
}

// Fill the page-size choices from the arch's leaves.
export function spaceChanged(c) {
	setKids($('op-log'));
	if (!c.space || c.space.kind !== 'sim' || !c.arch) return;
	const names = ['auto'];
	for (const l of c.arch.levels || []) {
		for (const leaf of l.leaves || [])
			if (leaf.name && !names.includes(leaf.name)) names.push(leaf.name);
		if (!l.leaves && l.block_size) names.push(sizeWord(BigInt(l.block_size)));
	}
	if (!c.arch.levels.some(l => l.leaves)) names.splice(1, 0, sizeWord(BigInt(c.arch.page_size)));
	const sel = document.querySelector('#op-map [name=page_size]');
	setKids(sel, names.map(n => h('option', { value: n }, n)));
	const ps = '0x' + c.arch.page_size.toString(16);
	for (const f of document.querySelectorAll('.op-form [name=size]')) f.value = ps;
}

// "4k", "2m", "1g" from a size in bytes.
function sizeWord(b) {
	const u = ['', 'k', 'm', 'g', 't'];
	let i = 0;
	while (b >= 1024n && b % 1024n === 0n && i < u.length - 1) {
		b /= 1024n;
		i++;
	}
	return b.toString() + u[i];
}

// Nothing to load when shown.
export function show() {}

// Send one op built from the form; show the API's answer or message.
async function submit(ev) {
	ev.preventDefault();
	const f = ev.target;
	const op = f.dataset.op;
	const box = f.querySelector('.form-error');
	formError(box);
	const body = { op };
	for (const k of ['va', 'size', 'prot', 'page_size'])
		if (f.elements[k]) body[k] = f.elements[k].value.trim();
	if (f.elements.user) body.user = f.elements.user.checked;
	const space = ctx.space;
	const btn = f.querySelector('button[type=submit]');
	btn.disabled = true;
	try {
		const r = await api.post(api.spacePath(space.id, 'ops'), body);
		log(body, r);
		if (r && r.forked) {
			await ctx.refreshSpaces();
			showForked(r.forked);
		}
	} catch (e) {
		formError(box, `${op} refused`, e);
		log(body, null, e);
	} finally {
		btn.disabled = false;
	}
}

// Add an entry to the operation log.
function log(body, r, e) {
	const what = body.op + (body.va ? ` ${body.va}` : '') + (body.size ? ` +${body.size}` : '') +
		(body.prot ? ` ${body.prot}` : '') + (body.page_size ? ` (${body.page_size})` : '');
	const res = e ? errText('refused', e) :
		`generation ${r.generation}, ${num(r.tables_allocated || 0)} tables allocated, ${num(r.tables_freed || 0)} freed`;
	$('op-log').prepend(h('li', { class: e ? 'err' : 'ok' }, h('code', {}, what), ' → ', res));
	while ($('op-log').children.length > 20) $('op-log').lastElementChild.remove();
}

// After a fork: say which space is the child and offer to open it.
function showForked(child) {
	const box = document.querySelector('#op-fork .form-error');
	setKids(box, h('span', { class: 'ok' }, `The child is ${child.id}. `),
		h('button', { type: 'button', onclick: () => ctx.selectSpace(child.id, 'tables') }, `Open ${child.id}`));
}
