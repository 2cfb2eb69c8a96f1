/* SPDX-License-Identifier: MIT */
// lib.mjs: helpers of the viewer tests: start the real daemon on ephemeral
// ports, launch Debian's headless Chromium, collect console errors, run
// named steps and save screenshots.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const SRCDIR = process.env.PTS_SRCDIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const PTSCOPE = process.env.PTSCOPE || path.join(process.cwd(), 'ptscope');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = path.join(process.env.PTS_BUILDDIR || SRCDIR, 'tests', 'web', 'artifacts');
export const DOCS_IMG = path.join(SRCDIR, 'docs', 'img');

// Start `ptscope serve` and resolve {http, ws, proc} once it printed its ports.
export function startDaemon(extra = []) {
	if (process.env.PTS_VIEWER_URL)	// a daemon already running (development)
		return Promise.resolve({ http: process.env.PTS_VIEWER_URL, proc: null, stop: async () => {} });
	const args = ['serve', '--listen', '127.0.0.1:0', '--ws-listen', '127.0.0.1:0',
		'--web-root', path.join(SRCDIR, 'web'), ...extra];
	const proc = spawn(PTSCOPE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	proc.stderr.on('data', d => { stderr += d; });
	return new Promise((resolve, reject) => {
		const d = { proc, http: null, ws: null, stderr: () => stderr };
		let buf = '';
		const timer = setTimeout(() => {
			proc.kill('SIGKILL');
			reject(new Error('daemon did not print its ports in 20 s: ' + stderr));
		}, 20000);
		proc.on('exit', code => {
			if (!d.http) {
				clearTimeout(timer);
				reject(new Error(`daemon exited with ${code} before printing its ports: ${stderr}`));
			}
		});
		proc.stdout.on('data', chunk => {
			buf += chunk;
			let i;
			while ((i = buf.indexOf('\n')) >= 0) {
				const line = buf.slice(0, i);
				buf = buf.slice(i + 1);
				if (line.startsWith('http: ')) d.http = line.slice(6).trim();
				if (line.startsWith('ws: ')) d.ws = line.slice(4).trim();
			}
			if (d.http && d.ws) {
				clearTimeout(timer);
				d.stop = () => stopDaemon(proc);
				resolve(d);
			}
		});
	});
}

// Stop the daemon with SIGTERM (SIGKILL after 10 s).
function stopDaemon(proc) {
	return new Promise(resolve => {
		if (proc.exitCode !== null) return resolve(proc.exitCode);
		const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
		proc.on('exit', code => {
			clearTimeout(t);
			resolve(code);
		});
		proc.kill('SIGTERM');
	});
}

// Why the tests cannot run here, or null.
export function skipReason() {
	if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium)`;
	if (!process.env.PTS_VIEWER_URL && !fs.existsSync(PTSCOPE)) return `${PTSCOPE} is not built`;
	return null;
}

// Launch headless Chromium with a fresh profile (and extra command-line
// flags); returns {browser, dir}.
export async function launch(extraArgs = []) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptscope-chromium-'));
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			...extraArgs],
		viewport: { width: 1280, height: 900 },
	});
	return { context, dir, close: async () => {
		await context.close();
		fs.rmSync(dir, { recursive: true, force: true });
	} };
}

// Record console errors and page errors of page into the list errors;
// messages matching one of allowed (regexps, changed by the test) are kept apart.
export function watchConsole(page, errors, allowed) {
	page.on('console', m => {
		if (m.type() !== 'error') return;
		const t = m.text();
		if (allowed.some(re => re.test(t))) return;
		errors.push('console: ' + t);
	});
	page.on('pageerror', e => errors.push('pageerror: ' + e.message));
}

// JSON request to the daemon from the test (not through the page).
export async function api(base, method, p, body) {
	const r = await fetch(new URL(p, base), {
		method, headers: body ? { 'Content-Type': 'application/json' } : {},
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await r.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch (e) {
		/* not JSON */
	}
	return { status: r.status, json, text };
}

// Save a screenshot as a test artifact, and into docs/img when doc is true.
export async function shot(page, name, doc = false) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const file = path.join(ARTIFACTS, name + '.png');
	await page.screenshot({ path: file, fullPage: false });
	if (doc && process.env.PTS_UPDATE_DOCS) {
		fs.mkdirSync(DOCS_IMG, { recursive: true });
		fs.copyFileSync(file, path.join(DOCS_IMG, name + '.png'));
	}
	return file;
}

// Assertion with a message.
export function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

// Equality assertion that prints both values.
export function eq(got, want, what) {
	if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// Run the named steps in order, TAP-style; a failed step stops the rest
// (they depend on each other) and the process exits 1.
export async function runSteps(steps, ctx) {
	let n = 0;
	console.log(`1..${steps.length}`);
	for (const [name, fn] of steps) {
		n++;
		const before = ctx.errors.length;
		try {
			await fn();
			if (ctx.errors.length > before)
				throw new Error('console errors:\n  ' + ctx.errors.slice(before).join('\n  '));
			console.log(`ok ${n} - ${name}`);
		} catch (e) {
			console.log(`not ok ${n} - ${name}\n# ${String(e.stack || e).replace(/\n/g, '\n# ')}`);
			try {
				console.log('# screenshot: ' + await shot(ctx.page, 'FAILED-' + n));
			} catch (e2) {
				/* the page may be gone */
			}
			for (let k = n + 1; k <= steps.length; k++) console.log(`not ok ${k} - ${steps[k - 1][0]} # not run`);
			return false;
		}
	}
	return true;
}

// The start of a viewer test: a daemon, headless Chromium and one page whose
// console errors fail the test.  A test that cannot run is a failure (exit
// 99, automake's hard error), never a skip.
export async function session(daemonArgs = []) {
	const why = skipReason();
	if (why) {
		console.log('Bail out! cannot run: ' + why);
		process.exit(99);
	}
	const d = await startDaemon(daemonArgs);
	const b = await launch();
	const page = await b.context.newPage();
	const errors = [];
	watchConsole(page, errors, []);
	return { d, b, page, errors, ctx: { page, errors }, base: d.http };
}

// Run the steps of a session, close it and exit with the result.
export async function finish(sess, steps) {
	let ok = false;
	try {
		ok = await runSteps(steps, sess.ctx);
	} finally {
		await sess.b.close();
		await sess.d.stop();
	}
	process.exit(ok ? 0 : 1);
}
