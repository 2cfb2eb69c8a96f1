/* SPDX-License-Identifier: MIT */
// app.js: start-up, the shared context, tabs, the space selector, the
// connection state and readable notices.

import * as api from './api.js';
import { Stream } from './stream.js';
import { $, h, setKids, errText } from './util.js';
import * as picker from './picker.js';
import * as tables from './tables.js';
import * as overview from './overview.js';
import * as walk from './walk.js';
import * as zones from './zones.js';
import * as sim from './sim.js';
import * as layout from './layout.js';
import * as theme from './theme.js';
import * as learn from './learn.js';
import * as timeline from './timeline.js';

const VIEWS = { overview, tables, walk, zones, sim };

// The state every view reads.
export const ctx = {
	info: null,
	arches: new Map(),
	spaces: [],
	space: null,
	arch: null,
	stream: null,
	view: null,
	notify,
	go,
	selectSpace,
	refreshSpaces,
	writeHash,
};

// Show a readable message (kind: 'error' or 'info'); errors stay until closed.
export function notify(text, kind = 'error') {
	const box = $('notices');
	const msg = h('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' },
		h('span', { class: 'notice-text' }, text),
		h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss',
			onclick: () => msg.remove() }, '✕'));
	box.append(msg);
	while (box.children.length > 4) box.firstElementChild.remove();
	if (kind !== 'error') setTimeout(() => msg.remove(), 4000);
}

// Switch to a view; params go to the view's show().
function go(view, params = {}) {
	if (!VIEWS[view]) view = 'tables';
	if (view === 'sim' && (!ctx.space || ctx.space.kind !== 'sim')) view = 'tables';
	ctx.view = view;
	for (const b of document.querySelectorAll('.tabs [role=tab]')) {
		const on = b.dataset.view === view;
		b.setAttribute('aria-selected', on ? 'true' : 'false');
		b.tabIndex = on ? 0 : -1;
	}
	for (const name of Object.keys(VIEWS))
		$('view-' + name).hidden = name !== view || (!ctx.space && name !== 'zones');
	$('empty-state').hidden = !!ctx.space || view === 'zones';
	writeHash(params);
	if (ctx.space || view === 'zones') VIEWS[view].show(ctx, params);
}

// Keep the location hash in step with the view (space, view, node or va).
function writeHash(params) {
	const p = new URLSearchParams();
	if (ctx.space) p.set('space', ctx.space.id);
	p.set('view', ctx.view);
	for (const k of ['node', 'va'])
		if (params[k]) p.set(k, params[k]);
	const s = '#' + p.toString();
	if (location.hash !== s) history.replaceState(null, '', s);
}

// Read the location hash.
function readHash() {
	return new URLSearchParams(location.hash.slice(1));
}

// Reload the list of spaces and the selector.
async function refreshSpaces() {
	const r = await api.get('/spaces');
	ctx.spaces = r.spaces || [];
	const sel = $('space-select');
	setKids(sel, ctx.spaces.map(s => h('option', { value: s.id }, spaceLabel(s))));
	if (ctx.space) sel.value = ctx.space.id;
	zones.sourcesChanged(ctx);
	return ctx.spaces;
}

// One line naming a space.
function spaceLabel(s) {
	switch (s.kind) {
	case 'process': return `${s.id} — ${s.comm || ''} (${s.arch})`;
	case 'sim': return `${s.id} — sim ${s.arch}${s.label ? ' ' + s.label : ''}`;
	case 'vm': return `${s.id} — vm ${s.arch} (${s.gdb})`;
	default: return `${s.id} — ${s.kind} ${s.arch}`;
	}
}

// Make space id the current one and open view (default: tables).
async function selectSpace(id, view, params = {}) {
	const s = ctx.spaces.find(x => x.id === id);
	if (!s) {
		notify(`There is no space "${id}" any more.`);
		return;
	}
	ctx.space = s;
	ctx.arch = ctx.arches.get(s.arch) || null;
	$('space-select').value = id;
	$('tab-sim').hidden = s.kind !== 'sim';
	$('real-badge').hidden = !s.real_tables;
	$('close-space').disabled = false;
	physicalNotice();
	timeline.spaceChanged(ctx);
	for (const v of Object.values(VIEWS))
		if (v.spaceChanged) v.spaceChanged(ctx);
	layout.spaceChanged(ctx);
	go(view || (ctx.view && ctx.view !== 'sim' ? ctx.view : 'tables'), params);
}

// Say so when the daemon hides physical addresses of live spaces.
function physicalNotice() {
	// the daemon hides them for live spaces only (a vm space shows its guest's)
	$('phys-banner').hidden = !ctx.info || !ctx.info.physical_hidden || !ctx.space || !ctx.space.live;
}

// Close (DELETE) the current space.
async function closeSpace() {
	if (!ctx.space) return;
	const id = ctx.space.id;
	try {
		await api.del(api.spacePath(id));
	} catch (e) {
		notify(errText('Could not close ' + id, e));
		return;
	}
	ctx.space = null;
	ctx.arch = null;
	timeline.spaceChanged(ctx);
	for (const v of Object.values(VIEWS))
		if (v.spaceChanged) v.spaceChanged(ctx);
	await refreshSpaces();
	if (ctx.spaces.length) await selectSpace(ctx.spaces[0].id);
	else {
		$('close-space').disabled = true;
		$('real-badge').hidden = true;
		go('tables');
	}
}

// Show the WebSocket state in the header.
function connState(state, delay) {
	const el = $('conn');
	el.dataset.state = state;
	const text = {
		connecting: 'connecting…',
		open: 'live',
		retrying: `offline — retrying in ${Math.round((delay || 0) / 100) / 10} s`,
		closed: 'not connected',
	}[state] || state;
	$('conn-text').textContent = text;
	el.title = 'WebSocket stream: ' + text;
}

// Ask for a token when the API answers 401; resolves true to retry.  The
// token goes to POST /api/v1/login, which answers with an HttpOnly cookie:
// no script (ours, or one of another port of this host) ever reads it.
function askToken(message) {
	const dlg = $('login');
	$('login-msg').textContent = message || 'This ptscope daemon needs a token.';
	$('login-token').value = '';
	return new Promise(resolve => {
		dlg.onclose = async () => {
			const tok = $('login-token').value.trim();
			$('login-token').value = '';
			if (dlg.returnValue !== 'ok' || !tok) return resolve(false);
			try {
				await api.post('/login', { token: tok }, { noLogin: true });
				resolve(true);
			} catch (e) {
				resolve(askToken(e.message));
			}
		};
		dlg.showModal();
	});
}

// Keyboard for the tab list: arrows move between tabs.
function tabKeys(ev) {
	const tabs = [...document.querySelectorAll('.tabs [role=tab]')].filter(t => !t.hidden);
	const i = tabs.indexOf(document.activeElement);
	if (i < 0) return;
	let j = -1;
	if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
	else if (ev.key === 'ArrowLeft') j = (i + tabs.length - 1) % tabs.length;
	if (j < 0) return;
	ev.preventDefault();
	tabs[j].focus();
	go(tabs[j].dataset.view);
}

// The WebSocket URL: the advertised one, reached through the page's host.
function wsUrl(info) {
	const u = new URL(info.ws_url || `ws://${location.hostname}:${Number(location.port || 80) + 1}/`);
	// a wildcard address, or another loopback name than the page's: the
	// page's name, so that the login cookie (cookies go by host name, not
	// port) reaches the WebSocket too
	const loop = hn => hn === 'localhost' || /^127\./.test(hn) || hn === '[::1]';
	if (u.hostname === '0.0.0.0' || u.hostname === '::' || u.hostname === '[::]' ||
	    (loop(u.hostname) && loop(location.hostname)))
		u.hostname = location.hostname;
	return u.toString();
}

// Start-up: info, arches, spaces, then the view named in the hash.
async function start() {
	api.setLoginHandler(askToken);
	for (const b of document.querySelectorAll('.tabs [role=tab]'))
		b.addEventListener('click', () => go(b.dataset.view));
	document.querySelector('.tabs').addEventListener('keydown', tabKeys);
	$('space-select').addEventListener('change', ev => selectSpace(ev.target.value));
	$('close-space').addEventListener('click', closeSpace);
	$('close-space').disabled = true;
	$('tab-sim').hidden = true;
	theme.init();
	try {
		ctx.info = await api.get('/info');
		const a = await api.get('/arches');
		for (const arch of a.arches || []) ctx.arches.set(arch.id, arch);
		ctx.stream = new Stream(wsUrl(ctx.info), connState);
		ctx.stream.connect();
		for (const v of Object.values(VIEWS)) v.init(ctx);
		timeline.init(ctx);
		picker.init(ctx);
		learn.init(ctx);
		await refreshSpaces();
	} catch (e) {
		notify(errText('ptscope could not start', e));
		return;
	}
	const hp = readHash();
	const want = hp.get('space');
	const params = { node: hp.get('node'), va: hp.get('va') };
	if (want && ctx.spaces.some(s => s.id === want))
		await selectSpace(want, hp.get('view') || 'tables', params);
	else if (ctx.spaces.length)
		await selectSpace(ctx.spaces[0].id, hp.get('view') || 'tables');
	else {
		go(hp.get('view') === 'zones' ? 'zones' : 'tables');
		picker.open(ctx);
	}
	document.body.dataset.ready = 'true';
}

window.addEventListener('unhandledrejection', ev => {
	ev.preventDefault();
	notify(errText('Unexpected failure', ev.reason));
});
start();
