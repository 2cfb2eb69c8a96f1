/* SPDX-License-Identifier: MIT */
// overview.js: the whole VA range as a horizontal map of its regions (VMAs
// of a process, kernel regions, or the mapped ranges of a sim), with how
// much of each is mapped; click a region to open its page table.

import * as api from './api.js';
import { $, h, setKids, big, hex, sizeName, num, errText } from './util.js';
import * as regionTable from './regions.js';
import * as cost from './cost.js';
import * as vamap from './vamap.js';
import * as timeline from './timeline.js';

let ctx = null;
let loadedFor = null;

// Nothing to wire at start.
export function init(c) {
	ctx = c;
	// the timeline moved: the regions as they were then
	timeline.follow(() => (ctx.space && ctx.view === 'overview' ? show() : null));
}

// A new space: redraw on the next show.
export function spaceChanged() {
	loadedFor = null;
	regionTable.reset();
	setKids($('ov-map'));
	setKids($('ov-list'));
	setKids($('ov-cost'));
}

// Load the ranges and draw the regions made from them.
export async function show() {
	const space = ctx.space;
	let ranges;
	try {
		ranges = await api.get(api.spacePath(space.id, 'ranges') + timeline.genParam('?'));
	} catch (e) {
		if (ctx.space === space) ctx.notify(errText('Could not read the mapped ranges', e));
		return;
	}
	if (ctx.space !== space) return;
	loadedFor = space.id;
	draw(fromRanges(ranges).map(r => ({ ...r, s: big(r.start), e: big(r.end) === 0n ? 1n << 64n : big(r.end) })));
}

// Regions from /ranges: the ptdump sections when ranges carry markers, else
// runs of adjacent ranges with the same name (VMA) and permissions.
function fromRanges(r) {
	const rs = r.ranges || [];
	const markers = rs.some(x => x.marker);
	const out = [];
	for (const x of rs) {
		const name = markers ? x.marker || '' : nameOf(x);
		const prev = out[out.length - 1];
		const join = prev && (markers ? !x.marker || x.marker === prev.name :
			big(prev.end) === big(x.start) && prev.name === name && prev.perms === perms(x.flags));
		if (join) {
			prev.end = x.end;
			prev.present_pages += x.pages || 0;
			continue;
		}
		out.push({ start: x.start, end: x.end, name, perms: markers ? '' : perms(x.flags),
			present_pages: x.pages || 0 });
	}
	return out;
}

// A region name for a range as the region table writes it: its
// attributes (the VMA's file, [heap]…) or [anon].
function nameOf(x) {
	const a = [].concat(x.attrs || []).join(' ');
	return regionTable.readableName({ name: a, perms: '' });
}

// rwx letters from common flag names.
function perms(flags) {
	const f = flags || [];
	return (f.includes('read') || f.includes('present') ? 'r' : '-') +
		(f.includes('write') ? 'w' : '-') + (f.includes('exec') ? 'x' : '-') + (f.includes('user') ? 'u' : '');
}

// The user and kernel halves of the arch: [{name, first, last}].
function halves() {
	const a = ctx.arch;
	const out = [];
	if (a.user_first !== undefined && a.user_first !== null) out.push({ name: 'User', first: big(a.user_first), last: big(a.user_last) });
	// a last address of 2^64-1 may come as null (the API's "unknown" value)
	if (a.kernel_first) out.push({ name: 'Kernel', first: big(a.kernel_first),
		last: a.kernel_last ? big(a.kernel_last) : (1n << 64n) - 1n });
	if (!out.length) out.push({ name: 'Address space', first: 0n, last: (1n << BigInt(a.va_bits)) - 1n });
	return out;
}

// The address map (vamap.js) of the regions, then the region table,
// linked: a row's "map" button zooms the map to that region.
function draw(regions) {
	const page = ctx.arch.page_size;
	vamap.draw($('ov-map'), halves(), regions.map(r => ({ ...r, page })), jump);
	regionTable.show(ctx, $('ov-list'), r => jump({ s: r.s }), r => vamap.zoomTo(r.s, r.e)).then(rg => {
		if (rg) cost.show(ctx, $('ov-cost'), rg);
	});
}

// Open the deepest table that exists for the region's first address.
async function jump(r) {
	const va = hex(r.s);
	try {
		const w = await api.get(api.spacePath(ctx.space.id, 'walk') + '?va=' + va + timeline.genParam('&'));
		const steps = w.steps || [];
		const last = steps[steps.length - 1];
		ctx.go('tables', { node: `${last ? last.level : 'pgd'}:${va}`, focusVa: va });
	} catch (e) {
		ctx.notify(errText(`Could not open the table of ${va}`, e));
	}
}
