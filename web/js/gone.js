/* SPDX-License-Identifier: MIT */
// gone.js: a space the viewer showed that the daemon no longer has (it
// restarted, someone deleted the space, a link names an old one) is
// announced once, in one banner, with a way to open it again: attach the
// same pid, create the same sim scenario on the same arch, open the same
// recording.  The views let go of it, so no error piles up behind it.

import * as api from './api.js';
import { $, h, setKids, errText } from './util.js';

const known = new Map();	// id -> the last space object seen
let announced = null;		// id of the space the banner is about

// Remember the spaces listed (to know how to reopen one that vanishes).
export function remember(spaces) {
	for (const s of spaces) known.set(s.id, s);
}

// The POST /spaces body that opens the space again, or null.
export function reopenBody(s) {
	if (!s) return null;
	switch (s.kind) {
	case 'process': return s.pid ? { kind: 'process', pid: s.pid } : null;
	case 'sim': return s.arch && s.scenario ? { kind: 'sim', arch: s.arch, scenario: s.scenario } : null;
	case 'recording': return s.path ? { kind: 'recording', path: s.path } : null;
	default: return null;
	}
}

// What "open it again" does, in words.
function reopenText(s) {
	switch (s.kind) {
	case 'process': return `Attach to pid ${s.pid} again`;
	case 'sim': return `Create a new ${s.arch} “${s.scenario}” simulation`;
	default: return 'Open it again';
	}
}

// Announce that space id is gone (why: a few words), once; the viewer
// closes it.  view and params: where to go when it is reopened.
export async function announce(ctx, id, why, view, params) {
	if (announced === id && !$('gone-banner').hidden) return;
	announced = id;
	const s = known.get(id) || (ctx.space && ctx.space.id === id ? ctx.space : { id, kind: '' });
	const body = reopenBody(s);
	const box = $('gone-banner');
	const msg = h('span', { class: 'gone-text' }, `The space ${id}${s.comm ? ' (' + s.comm + ')' : ''} is gone: ${why}.`);
	const err = h('span', { class: 'form-error', role: 'alert' });
	const reopen = body ? h('button', { type: 'button', id: 'gone-reopen', onclick: async () => {
		reopen.disabled = true;
		try {
			const n = await api.post('/spaces', body);
			close();
			await ctx.refreshSpaces();
			await ctx.selectSpace(n.id, view, params);
		} catch (e) {
			reopen.disabled = false;
			err.textContent = errText('Could not open it again', e);
		}
	} }, reopenText(s)) : null;
	const close = () => {
		box.hidden = true;
		announced = null;
	};
	setKids(box, msg, ' ', reopen, ' ',
		h('button', { type: 'button', onclick: () => { close(); $('open-picker').click(); } }, 'Open another space…'),
		h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', onclick: close }, '✕'), err);
	box.hidden = false;
}

// Hide the banner (another space was opened).
export function clear() {
	const box = $('gone-banner');
	if (box) box.hidden = true;
	announced = null;
}
