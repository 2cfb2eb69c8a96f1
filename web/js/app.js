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
import * as cost from './cost.js';
import * as route from './route.js';
import * as gone from './gone.js';

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
	spaceGone,
};

// Show a readable message (kind: 'error' or 'info'); errors stay until closed.
export function notify(text, kind = 'error') {
	const box = $('notices');
	const msg = h('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' },
		h('span', { class: 'notice-text' }, text),
		h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss',
			onclick: () => msg.remove() }, '✕'));
	// the same message again replaces the old one: nothing piles up
	for (const old of box.querySelectorAll('.notice'))
		if (old.querySelector('.notice-text').textContent === text) old.remove();
	box.append(msg);
	while (box.children.length > 4) box.firstElementChild.remove();
	if (kind !== 'error') setTimeout(() => msg.remove(), 4000);
}

// Switch to a view; params go to the view's show().
function go(view, params = {}, how = {}) {
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
	route.write(ctx, params, how);
	cost.strip(ctx, $('cost-strip'));
	if (ctx.space || view === 'zones') VIEWS[view].show(ctx, params);
}

// Keep the location hash in step with the view (route.js).
function writeHash(params, opts) {
	route.write(ctx, params, opts);
}

// Reload the list of spaces and the selector.
async function refreshSpaces() {
	const r = await api.get('/spaces');
	ctx.spaces = r.spaces || [];
	gone.remember(ctx.spaces);
	const sel = $('space-select');
	setKids(sel, ctx.spaces.map(s => h('option', { value: s.id }, spaceLabel(s))));
	if (ctx.space) sel.value = ctx.space.id;
	zones.sourcesChanged(ctx);
	if (ctx.space && !ctx.spaces.some(x => x.id === ctx.space.id))
		spaceGone(ctx.space.id, 'the daemon no longer has it (it restarted, or the space was deleted)');
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
	gone.clear();
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
	dropSpace();
	await refreshSpaces();
	if (ctx.spaces.length) await selectSpace(ctx.spaces[0].id);
	else {
		$('close-space').disabled = true;
		$('real-badge').hidden = true;
		go('tables');
	}
}

// Let go of the current space: no view shows it any more.
function dropSpace() {
	ctx.space = null;
	ctx.arch = null;
	$('close-space').disabled = true;
	$('tab-sim').hidden = true;
	physicalNotice();
	timeline.spaceChanged(ctx);
	for (const v of Object.values(VIEWS))
		if (v.spaceChanged) v.spaceChanged(ctx);
}

// The space id is no longer on the daemon (why: a few words): announce it
// once (gone.js, with a way to reopen it where we know how) and, if it is
// the current one, close it.
async function spaceGone(id, why) {
	const at = route.decode(location.hash);
	if (ctx.space && ctx.space.id === id) {
		dropSpace();
		go(ctx.view === 'sim' ? 'tables' : ctx.view, {}, { replace: true });
	}
	gone.announce(ctx, id, why, at.view, at.params);
	try {
		await refreshSpaces();
	} catch (e) {
		/* the banner is up; the next reconnect lists the spaces again */
	}
}

// Show the WebSocket state in the header; after a reconnect the spaces
// are listed again (the daemon may have restarted without ours).
let wasOpen = false;
function connState(state, delay) {
	if (state === 'open' && wasOpen) refreshSpaces().catch(() => {});
	if (state === 'open') wasOpen = true;
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
	cost.stripTimer(ctx, $('cost-strip'));
	await route.restore(ctx, true);
	if (!ctx.space && !ctx.spaces.length) picker.open(ctx);
	route.listen(ctx);
	document.body.dataset.ready = 'true';
}

window.addEventListener('unhandledrejection', ev => {
	ev.preventDefault();
	notify(errText('Unexpected failure', ev.reason));
});
start();
