/* SPDX-License-Identifier: MIT */
// route.js: the location hash is the viewer's address:
//   #space=ID&view=VIEW[&node=LEVEL:VA][&va=VA]
// Every navigation (another space, view, table or walked address) is a
// history entry, so Back and Forward step through them; a copied link
// opens the same view; the view follows the hash on load, on Back/Forward
// (popstate) and when the hash is edited (hashchange).

import { big } from './util.js';

// The parameters a hash carries besides the space and the view.
const KEYS = ['node', 'va'];

let applying = 0;	// > 0 while the view is being set from the hash
let written = null;	// the hash as we last wrote or applied it

// The hash for the current space and view with params.
export function encode(ctx, params = {}) {
	const p = new URLSearchParams();
	if (ctx.space) p.set('space', ctx.space.id);
	if (ctx.view) p.set('view', ctx.view);
	for (const k of KEYS)
		if (params[k]) p.set(k, params[k]);
	return '#' + p.toString();
}

// The parts of a hash: {space, view, params}.
export function decode(hash) {
	const hp = new URLSearchParams(String(hash || '').replace(/^#/, ''));
	const params = {};
	for (const k of KEYS)
		if (hp.get(k)) params[k] = hp.get(k);
	return { space: hp.get('space'), view: hp.get('view'), params };
}

// One value of a parameter in a comparable form ("pte:0x7f…" and
// "pte:0x00007f…" are the same table; addresses compare as numbers).
function norm(k, v) {
	if (!v) return '';
	try {
		if (k === 'va') return big(v).toString(16);
		if (k === 'node') {
			const [lv, va] = v.split(':');
			return lv + ':' + big(va).toString(16);
		}
	} catch (e) {
		return v;
	}
	return v;
}

// Whether writing next only settles the current entry (the same place,
// said more exactly: a view filling in the table or address it opened)
// rather than being a navigation of its own.
function settles(cur, next, asked) {
	if (cur.space !== next.space || cur.view !== next.view) return false;
	for (const k of KEYS) {
		if (!next.params[k]) continue;
		const have = norm(k, cur.params[k]);
		if (have && have !== norm(k, next.params[k]) && have !== norm(k, asked)) return false;
	}
	return true;
}

// Write the hash for the current view: a new history entry for a
// navigation; the entry replaced while the view is being restored from
// the hash, on the first write, when opts.replace, or when the write only
// settles the current entry (opts.asked: what the view was asked to open,
// e.g. the node spec before the daemon named the table exactly).
export function write(ctx, params = {}, opts = {}) {
	const s = encode(ctx, params);
	if (location.hash === s) {
		written = s;
		return;
	}
	const replace = applying > 0 || opts.replace || !location.hash || location.hash === '#' ||
		settles(decode(location.hash), decode(s), opts.asked);
	if (replace) history.replaceState(null, '', s);
	else history.pushState(null, '', s);
	written = s;
}

// Set the view from the hash.  At start-up (initial) a hash naming no
// space, or one this daemon does not have, opens the first space.
export async function restore(ctx, initial = false) {
	const want = decode(location.hash);
	const view = want.view || 'tables';
	applying++;
	try {
		if (want.space && !ctx.spaces.some(s => s.id === want.space) && !initial)
			await ctx.refreshSpaces();
		const have = want.space && ctx.spaces.some(s => s.id === want.space);
		if (have && ctx.space && ctx.space.id === want.space) ctx.go(view, want.params);
		else if (have) await ctx.selectSpace(want.space, view, want.params);
		else if (want.space && !initial && ctx.spaceGone) ctx.spaceGone(want.space, 'it is not on the daemon any more');
		else if (ctx.spaces.length && !ctx.space) await ctx.selectSpace(ctx.spaces[0].id, view);
		else ctx.go(ctx.space ? view : (view === 'zones' ? 'zones' : 'tables'));
	} finally {
		applying--;
		written = location.hash;
	}
}

// Follow Back/Forward and edits of the hash.
export function listen(ctx) {
	const follow = () => {
		if (location.hash !== written) restore(ctx);
	};
	window.addEventListener('popstate', follow);
	window.addEventListener('hashchange', follow);
}
