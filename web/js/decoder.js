/* SPDX-License-Identifier: MIT */
// decoder.js: a descriptor word split into the fields its manual names
// (GET /api/v1/arches/ID/decode, or a walk step's "decoded"), drawn as a
// table: bits, field name, value, what the value means.  Address fields are
// marked, and a table entry says where the next table is, physically and in
// the linear map (__va()).

import * as api from './api.js';
import { h, hex } from './util.js';

// A table of the fields of one decoded word, most significant first.
export function fieldsTable(d, caption) {
	const rows = [...(d.fields || [])].reverse().map(f => {
		const bits = f.lo === f.hi ? String(f.lo) : `${f.hi}:${f.lo}`;
		const width = f.hi - f.lo + 1;
		const v = BigInt(f.value);
		const shown = width === 1 ? String(v) : hex(v);
		return h('tr', { class: f.pa_lo !== undefined ? 'addr' : (v ? 'set' : null), dataset: { field: f.name } },
			h('td', { class: 'mono' }, bits),
			h('th', { scope: 'row' }, f.name),
			h('td', { class: 'mono' }, shown),
			h('td', {}, f.meaning));
	});
	return h('div', { class: 'decoded' },
		h('p', { class: 'dec-format' }, h('strong', {}, d.format || 'descriptor'), ` (${d.bits}-bit)`,
			d.table && d.next_table_pa ? [' — next table at PA ', h('code', {}, d.next_table_pa),
				d.next_table_va ? [' = VA ', h('code', {}, d.next_table_va), ' in the linear map (__va)'] : null] :
				d.output_pa ? [' — maps PA ', h('code', {}, d.output_pa)] : null),
		h('table', { class: 'fields' },
			caption ? h('caption', {}, caption) : null,
			h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'bits'), h('th', { scope: 'col' }, 'field'),
				h('th', { scope: 'col' }, 'value'), h('th', { scope: 'col' }, 'meaning'))),
			h('tbody', {}, rows)));
}

// What Linux's helpers answer for the entry, and the call that wrote it.
export function linuxHelpers(l) {
	if (!l) return null;
	return h('div', { class: 'linux-helpers' },
		h('ul', { class: 'helpers' }, (l.tests || []).map(t =>
			h('li', { class: t.value ? 'yes' : 'no', title: t.rule, dataset: { helper: t.name } },
				h('code', {}, `${t.name}() = ${t.value ? 'true' : 'false'}`), ' ', h('span', { class: 'hint' }, t.rule)))),
		l.populate ? h('p', {}, 'Written by ', h('code', { class: 'populate' }, l.populate)) : null,
		l.source ? h('p', { class: 'hint' }, 'Rules from ', h('code', {}, l.source), ' (Linux 6.x).') : null);
}

// A collapsible "Decode" section for a walk step (decoded by the daemon).
export function stepDecoded(s) {
	const parts = [];
	if (s.linux) parts.push(linuxHelpers(s.linux));
	if (s.decoded) parts.push(fieldsTable(s.decoded, s.hw_decoded ? 'Linux entry' : null));
	(s.hw_decoded || []).forEach((d, i) => parts.push(fieldsTable(d,
		s.hw_decoded.length > 1 ? `hardware first-level descriptor ${i} (section ${2 * s.index + i})` : 'hardware entry')));
	if (!parts.length) return null;
	return h('details', { class: 'decode' }, h('summary', {}, 'Decode the entry bit by bit'), parts);
}

// Fetch and draw the fields of an entry (the tables view's entry panel).
export async function entryDecoded(arch, level, entry, word) {
	const q = `level=${level}&entry=${entry}` + (word ? `&word=${word}` : '');
	const d = await api.get(`/api/v1/arches/${encodeURIComponent(arch)}/decode?${q}`);
	return fieldsTable(d, word === 'linux' ? 'Linux pte' : null);
}
