/* SPDX-License-Identifier: MIT */
// util.js: small helpers shared by every view (BigInt addresses, DOM building).

const MASK64 = (1n << 64n) - 1n;

// Parse an API hex string ("0x1f") or number into a BigInt; null stays null.
export function big(v) {
	if (v === null || v === undefined) return null;
	if (typeof v === 'bigint') return v;
	if (typeof v === 'number') return BigInt(v);
	return BigInt(v);
}

// Format a BigInt as the API does: lowercase hex with 0x.
export function hex(v, pad = 0) {
	if (v === null || v === undefined) return '—';
	const s = big(v).toString(16);
	return '0x' + s.padStart(pad, '0');
}

// Format a byte count as "4 KiB", "2 MiB", "130.2 MiB".
export function sizeName(bytes) {
	const b = big(bytes);
	if (b === null) return '—';
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
	let f = Number(b), u = 0;
	while (f >= 1024 && u < units.length - 1) {
		f /= 1024;
		u++;
	}
	return (Number.isInteger(f) ? String(f) : f.toFixed(1)) + ' ' + units[u];
}

// Sign-extend lin from bit nbits-1 to 64 bits.
export function signExtend(lin, nbits) {
	const top = 1n << BigInt(nbits - 1);
	if (lin & top) return (lin | (MASK64 << BigInt(nbits))) & MASK64;
	return lin;
}

// Mask of the low n bits as a BigInt.
export function lowMask(n) {
	return (1n << BigInt(n)) - 1n;
}

// Create an element: h('div', {class: 'x', onclick: f}, child, 'text').
export function h(tag, attrs, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = v;
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (v === true)
			el.setAttribute(k, '');
		else
			el.setAttribute(k, String(v));
	}
	for (const kid of kids.flat(Infinity)) {
		if (kid === null || kid === undefined || kid === false) continue;
		el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
	}
	return el;
}

// Replace all children of el.
export function setKids(el, ...kids) {
	el.replaceChildren(...kids.flat(Infinity).filter(k => k !== null && k !== undefined && k !== false));
}

// Shorthand for document.getElementById.
export function $(id) {
	return document.getElementById(id);
}

// Parse a user-typed address: hex with or without 0x, underscores allowed.
export function parseAddr(text) {
	const t = String(text).trim().replace(/_/g, '').toLowerCase();
	if (!/^(0x)?[0-9a-f]+$/.test(t)) return null;
	const v = BigInt(t.startsWith('0x') ? t : '0x' + t);
	if (v > MASK64) return null;
	return v;
}

// A number with thousands separators.
export function num(n) {
	if (n === null || n === undefined) return '—';
	return Number(n).toLocaleString('en-US');
}

// Message for an error thrown by the API client or a view.
export function errText(what, e) {
	return what + ': ' + (e && e.message ? e.message : String(e)) +
		(e && e.code && e.code !== 'network' ? ' (' + e.code + ')' : '');
}

// Show an error (or clear it with null) in a form's role=alert box.
export function formError(box, what, e) {
	if (!box) return;
	box.textContent = e ? errText(what, e) : '';
}
