/* SPDX-License-Identifier: MIT */
// picker.js: the space picker: create a simulated space, attach to a live
// process, open the kernel space, upload a ptdump file (also by drag and drop).

import * as api from './api.js';
import { $, h, setKids, num, formError } from './util.js';

let procs = [];
let ctxRef = null;
let procSort = { key: 'vm_pte_kb', desc: true };	// biggest page tables first

// Sort the process list by key (the same key again flips the order).
function sortProcs(key) {
	if (procSort.key === key) procSort.desc = !procSort.desc;
	else procSort = { key, desc: key !== 'pid' && key !== 'comm' };
	drawProcs();
}

function procCompare(a, b) {
	const k = procSort.key;
	const x = k === 'comm' ? (a.comm || '') : (a[k] || 0), y = k === 'comm' ? (b.comm || '') : (b[k] || 0);
	const c = x < y ? -1 : x > y ? 1 : a.pid - b.pid;
	return procSort.desc ? -c : c;
}

// Fill the selectors and wire the forms.
export function init(ctx) {
	ctxRef = ctx;
	const ids = [...ctx.arches.keys()];
	setKids($('pk-arch'), ids.map(id => h('option', { value: id }, id + archDesc(ctx, id))));
	if (ctx.info.host_arch && ctx.arches.has(ctx.info.host_arch)) $('pk-arch').value = ctx.info.host_arch;
	const scen = ctx.info.scenarios || ['empty', 'process', 'kernel'];
	setKids($('pk-scenario'), scen.map(s => {
		const name = typeof s === 'string' ? s : s.name;
		return h('option', { value: name }, name);
	}));
	if (scen.includes('process')) $('pk-scenario').value = 'process';
	setKids($('pk-dump-arch'), ids.map(id => h('option', { value: id }, id)));
	if (ctx.info.host_arch) $('pk-dump-arch').value = ctx.info.host_arch;
	$('open-picker').addEventListener('click', () => open(ctx));
	$('pk-sim').addEventListener('submit', createSim);
	$('pk-vm').addEventListener('submit', attachVm);
	$('pk-filter').addEventListener('input', drawProcs);
	$('pk-refresh').addEventListener('click', loadProcs);
	$('pk-kernel').addEventListener('click', openKernel);
	$('pk-file').addEventListener('change', ev => {
		if (ev.target.files[0]) upload(ev.target.files[0]);
	});
	$('pk-rec-file').addEventListener('change', ev => {
		if (ev.target.files[0]) uploadRecording(ev.target.files[0], $('pk-rec-file'));
	});
	const drop = $('pk-drop');
	drop.addEventListener('dragover', ev => {
		ev.preventDefault();
		drop.classList.add('over');
	});
	drop.addEventListener('dragleave', () => drop.classList.remove('over'));
	drop.addEventListener('drop', ev => {
		ev.preventDefault();
		drop.classList.remove('over');
		const f = ev.dataTransfer && ev.dataTransfer.files[0];
		if (f) upload(f);
	});
	drop.addEventListener('keydown', ev => {
		if (ev.key === 'Enter' || ev.key === ' ') {
			ev.preventDefault();
			$('pk-file').click();
		}
	});
	// Dropping a file anywhere on the page opens the picker with it.
	document.addEventListener('dragover', ev => ev.preventDefault());
	document.addEventListener('drop', ev => {
		if (ev.target.closest && ev.target.closest('#pk-drop')) return;
		ev.preventDefault();
		const f = ev.dataTransfer && ev.dataTransfer.files[0];
		if (f) {
			open(ctx);
			upload(f);
		}
	});
}

// A short description of an arch for the selector.
function archDesc(ctx, id) {
	const a = ctx.arches.get(id);
	if (!a) return '';
	const n = (a.levels || []).length;
	return ` (${n} levels, ${a.page_size / 1024}K pages, ${a.va_bits}-bit VA)`;
}

// Show the picker and load the process list.
export function open(ctx) {
	const live = ctx.info.live || {};
	$('pk-kern-note').textContent = live.ptdump ?
		'The running kernel\'s page tables, read from debugfs ptdump.' :
		'The kernel\'s ptdump file is not readable here (needs root and CONFIG_PTDUMP_DEBUGFS); the server will say why.';
	const dlg = $('picker');
	if (!dlg.open) dlg.showModal();
	loadProcs();
}

// Switch to a space that was just made, then close the picker: closed
// first, a tab clicked while the space list reloads would be undone by
// selectSpace's switch to the tables.
async function opened(space) {
	await ctxRef.refreshSpaces();
	await ctxRef.selectSpace(space.id, 'tables');
	$('picker').close();
}

// The role=alert box of the card holding el.
function errBox(el) {
	return el.closest('.card').querySelector('.form-error');
}

// Attach to a QEMU guest (gdbstub address, optional QMP socket).
async function attachVm(ev) {
	ev.preventDefault();
	const f = ev.target;
	const body = { kind: 'vm', gdb: f.gdb.value.trim() };
	if (f.qmp.value.trim()) body.qmp = f.qmp.value.trim();
	formError(errBox(f));
	try {
		await opened(await api.post('/spaces', body));
	} catch (e) {
		formError(errBox(f), 'Could not attach to the VM', e);
	}
}

// Create a simulated space from the form.
async function createSim(ev) {
	ev.preventDefault();
	const f = ev.target;
	formError(errBox(f));
	try {
		const s = await api.post('/spaces', { kind: 'sim', arch: f.arch.value, scenario: f.scenario.value });
		await opened(s);
	} catch (e) {
		formError(errBox(f), 'Could not create the simulated space', e);
	}
}

// Fetch the live process list.
async function loadProcs() {
	const box = $('pk-procs');
	formError(errBox(box));
	try {
		const r = await api.get('/processes');
		procs = r.processes || [];
	} catch (e) {
		procs = [];
		formError(errBox(box), 'Could not list processes', e);
	}
	drawProcs();
}

// Draw the process table, filtered by name or pid and sorted; Attach is
// the first column so that it is always in view.
function drawProcs() {
	const q = $('pk-filter').value.trim().toLowerCase();
	const rows = procs.filter(p => !q || String(p.pid).startsWith(q) ||
		(p.comm || '').toLowerCase().includes(q)).sort(procCompare).slice(0, 300);
	const body = rows.map(p => h('tr', { dataset: { pid: p.pid } },
		h('td', {}, h('button', { type: 'button', class: 'attach', 'aria-label': `Attach to ${p.comm} (pid ${p.pid})`,
			onclick: () => attach(p.pid) }, 'Attach')),
		h('td', { class: 'num' }, p.pid),
		h('td', { class: 'comm' }, p.comm || ''),
		h('td', { class: 'num' }, p.rss_kb !== undefined ? num(p.rss_kb) + ' kB' : ''),
		h('td', { class: 'num' }, p.vm_pte_kb !== undefined ? num(p.vm_pte_kb) + ' kB' : '')));
	const th = (key, title) => h('th', { 'aria-sort': procSort.key === key ? (procSort.desc ? 'descending' : 'ascending') : 'none' },
		h('button', { type: 'button', class: 'sort', dataset: { sort: key }, onclick: () => sortProcs(key) },
			title, procSort.key === key ? (procSort.desc ? ' ▼' : ' ▲') : ''));
	setKids($('pk-procs'), h('table', { class: 'list procs' },
		h('thead', {}, h('tr', {}, h('th', {}, ''), th('pid', 'pid'), th('comm', 'command'), th('rss_kb', 'RSS'),
			th('vm_pte_kb', 'page tables'))),
		h('tbody', {}, body)),
	rows.length ? null : h('p', { class: 'hint' }, q ? 'No process matches.' : 'No processes.'));
}

// Attach to a live process by pid.
async function attach(pid) {
	const box = errBox($('pk-procs'));
	formError(box);
	try {
		const s = await api.post('/spaces', { kind: 'process', pid });
		await opened(s);
	} catch (e) {
		formError(box, `Could not attach to pid ${pid}`, e);
	}
}

// Open the kernel space (already listed, or created on demand).
async function openKernel() {
	const box = errBox($('pk-kernel'));
	formError(box);
	await ctxRef.refreshSpaces();
	const have = ctxRef.spaces.find(s => s.kind === 'kernel');
	if (!have) {
		box.textContent = 'This daemon has no kernel space: it found no readable ptdump file in debugfs ' +
			'(needs root and CONFIG_PTDUMP_DEBUGFS). Upload a ptdump file instead.';
		return;
	}
	await opened(have);
}

// Upload a ptdump file (a dropped recording goes to uploadRecording).
async function upload(file) {
	const box = errBox($('pk-drop'));
	formError(box);
	if (await isSqlite(file)) return uploadRecording(file, $('pk-rec-file'));
	if (file.size > 16 * 1024 * 1024) {
		box.textContent = `${file.name} is too large (${num(file.size)} bytes) for a ptdump file.`;
		return;
	}
	try {
		const text = await file.text();
		const s = await api.post('/spaces', { kind: 'ptdump', arch: $('pk-dump-arch').value, text });
		await opened(s);
	} catch (e) {
		formError(box, `Could not load ${file.name}`, e);
	}
}

// Whether a file starts with SQLite's header string ("SQLite format 3\0"):
// a recording of `ptscope record`.
async function isSqlite(file) {
	const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
	return new TextDecoder().decode(head) === 'SQLite format 3\0';
}

// The file's bytes as base64 (what POST /spaces {"kind":"recording"} takes).
function base64Of(file) {
	return new Promise((resolve, reject) => {
		const r = new FileReader();
		r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
		r.onerror = () => reject(r.error);
		r.readAsDataURL(file);
	});
}

// Upload a recording file; the server checks it (bad_recording says why).
async function uploadRecording(file, near) {
	const box = errBox(near);
	formError(box);
	const max = (ctxRef.info.limits && ctxRef.info.limits.max_body) || 64 * 1024 * 1024;
	if (Math.ceil(file.size / 3) * 4 + 256 > max) {
		box.textContent = `${file.name} is too large (${num(file.size)} bytes) to upload: the daemon takes ` +
			`${num(max)}-byte requests (--max-body) and base64 adds a third. Open it with ptscope serve --open instead.`;
		return;
	}
	try {
		const data = await base64Of(file);
		const s = await api.post('/spaces', { kind: 'recording', name: file.name, data });
		await opened(s);
	} catch (e) {
		formError(box, `Could not open the recording ${file.name}`, e);
	}
}
