/* SPDX-License-Identifier: MIT */
// csrf.test.mjs: browser safety in a real headless Chromium (issue #13).
// A page of a second origin (http://127.0.0.2:PORT, another loopback
// address, so Chromium's private-network checks do not interfere) attacks
// the daemon on 127.0.0.1: a CORS "simple" text/plain POST that would
// attach a process, a <form enctype=text/plain> post that would create a
// space, a cross-origin read, and a WebSocket that would subscribe to a
// space.  Nothing may be created and nothing read; the daemon's access log
// shows that the requests did arrive and were refused with 403.  A DNS
// rebinding name (evil.test mapped to 127.0.0.1 by Chromium's resolver
// rules) gets 421.  The viewer keeps working from its own origin, and its
// login form leaves an HttpOnly cookie that page scripts cannot read.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, skipReason, launch, watchConsole, api, check, eq, runSteps } from './lib.mjs';

const why = skipReason();
if (why) {
	console.log('1..0 # SKIP ' + why);
	process.exit(77);
}

const TOKEN = 'csrf-Token_0123456789';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ptscope-csrf-'));
const accessLog = path.join(tmp, 'access.log');
const tokenFile = path.join(tmp, 'token');
fs.writeFileSync(tokenFile, TOKEN + '\n', { mode: 0o600 });

const d = await startDaemon(['--access-log', accessLog]);
const evil = await new Promise(resolve => {
	const srv = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end('<!doctype html><title>another site</title><iframe name="sink"></iframe>');
	});
	srv.listen(0, '127.0.0.2', () => resolve(srv));
});
const evilUrl = `http://127.0.0.2:${evil.address().port}/`;
const b = await launch([`--host-resolver-rules=MAP evil.test 127.0.0.1`]);
const page = await b.context.newPage();
const errors = [];
// the refused requests show up as console errors of the attacking page
const allowed = [/Failed to load resource/, /WebSocket connection to .* failed/, /CORS policy/, /net::ERR_/];
watchConsole(page, errors, allowed);
const ctx = { page, errors };
let sim = null;

// Spaces of the daemon, as the test (not the page) sees them.
async function spaces() {
	const r = await api(d.http, 'GET', '/api/v1/spaces');
	eq(r.status, 200, 'GET /api/v1/spaces');
	return r.json.spaces;
}

// Access-log lines of method and path (without the query).
function logged(method, p) {
	const lines = fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8').split('\n') : [];
	return lines.filter(l => l.includes(`"${method} ${p}"`)).map(l => Number(l.split('" ')[1].split(' ')[0]));
}

// Poll until fn() is true (the access log is written after the answer).
async function until(fn, what, ms = 5000) {
	const end = Date.now() + ms;
	while (!(await fn())) {
		if (Date.now() > end) throw new Error('timed out waiting for ' + what);
		await new Promise(r => setTimeout(r, 50));
	}
}

const steps = [
	['a space the attacker would like to read', async () => {
		const r = await api(d.http, 'POST', '/api/v1/spaces', { kind: 'sim', arch: 'x86_64-4l', scenario: 'process' });
		eq(r.status, 201, 'create sim');
		sim = r.json.id;
	}],
	['a text/plain POST from another origin attaches nothing', async () => {
		await page.goto(evilUrl);
		const res = await page.evaluate(async cfg => {
			const out = [];
			for (const body of [{ kind: 'process', pid: cfg.pid }, { kind: 'sim', arch: 'x86_64-4l' }]) {
				try {
					const r = await fetch(cfg.http + 'api/v1/spaces', {
						method: 'POST', mode: 'no-cors', credentials: 'include',
						headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body),
					});
					out.push(r.type);
				} catch (e) {
					out.push('error: ' + e.message);
				}
			}
			return out;
		}, { http: d.http, pid: process.pid });
		eq(res.join(), 'opaque,opaque', 'no-cors answers');
		await until(() => logged('POST', '/api/v1/spaces').length >= 3, 'two refused POSTs in the access log');
		eq(logged('POST', '/api/v1/spaces').slice(1).join(), '403,403', 'statuses of the attacking POSTs');
		const s = await spaces();
		eq(s.filter(x => x.kind === 'process').length, 0, 'process spaces');
		eq(s.filter(x => x.kind === 'sim').length, 1, 'sim spaces');
	}],
	['a text/plain form post creates nothing', async () => {
		const n = logged('POST', '/api/v1/spaces').length;
		await page.evaluate(async cfg => {
			const f = document.createElement('form');
			f.method = 'POST';
			f.enctype = 'text/plain';
			f.action = cfg.http + 'api/v1/spaces';
			f.target = 'sink';
			const i = document.createElement('input');
			i.name = '{"kind":"sim","arch":"x86_64-4l","x":"';
			i.value = '"}';
			f.append(i);
			document.body.append(f);
			const loaded = new Promise(r => { document.querySelector('iframe').onload = r; });
			f.submit();
			await loaded;
		}, { http: d.http });
		await until(() => logged('POST', '/api/v1/spaces').length > n, 'the form post in the access log');
		eq(logged('POST', '/api/v1/spaces')[n], 403, 'status of the form post');
		eq((await spaces()).filter(x => x.kind === 'sim').length, 1, 'sim spaces');
	}],
	['a cross-origin read gets nothing', async () => {
		const res = await page.evaluate(async cfg => {
			try {
				const r = await fetch(cfg.http + 'api/v1/spaces/' + cfg.sim + '/ranges');
				return 'read: ' + (await r.text()).slice(0, 80);
			} catch (e) {
				return 'blocked';
			}
		}, { http: d.http, sim });
		eq(res, 'blocked', 'cross-origin fetch');
		await until(() => logged('GET', `/api/v1/spaces/${sim}/ranges`).length >= 1, 'the read in the access log');
		eq(logged('GET', `/api/v1/spaces/${sim}/ranges`)[0], 403, 'status of the read');
	}],
	['a WebSocket from another origin is refused', async () => {
		const res = await page.evaluate(cfg => new Promise(resolve => {
			const got = [];
			const ws = new WebSocket(cfg.ws, 'ptscope.v1');
			ws.onopen = () => {
				got.push('open');
				ws.send(JSON.stringify({ type: 'subscribe', space: cfg.sim, node: 'pgd:0x0', depth: 4 }));
			};
			ws.onmessage = m => got.push(String(m.data).slice(0, 60));
			ws.onclose = () => resolve(got);
			setTimeout(() => { ws.close(); resolve(got); }, 5000);
		}), { ws: d.ws, sim });
		eq(res.length, 0, 'WebSocket events: ' + JSON.stringify(res));
	}],
	['a DNS-rebinding name gets 421', async () => {
		const port = new URL(d.http).port;
		const r = await page.goto(`http://evil.test:${port}/api/v1/spaces`);
		eq(r.status(), 421, 'status through evil.test');
		check(!(await r.text()).includes(sim), 'no space listed');
		const r2 = await page.goto(`http://evil.test:${port}/`);
		eq(r2.status(), 421, 'the viewer through evil.test');
	}],
	['the viewer works from its own origin', async () => {
		await page.goto(d.http);
		await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
		await page.waitForSelector('#conn[data-state=open]', { timeout: 10000 });
		const r = await page.evaluate(async () => (await fetch('/api/v1/spaces', {
			method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ kind: 'sim', arch: 'arm64-4k-48' }),
		})).status);
		eq(r, 201, 'POST from the own origin');
	}],
	['the login form sets a cookie no script can read', async () => {
		const d2 = await startDaemon(['--token-file', tokenFile]);
		try {
			await page.goto(d2.http);
			await page.waitForSelector('#login[open]', { timeout: 10000 });
			await page.fill('#login-token', 'wrong');
			await page.click('#login button[value=ok]');
			await page.waitForFunction(() => /not this daemon's token/.test(document.getElementById('login-msg').textContent), null, { timeout: 5000 });
			await page.fill('#login-token', TOKEN);
			await page.click('#login button[value=ok]');
			await page.waitForSelector('body[data-ready=true]', { timeout: 10000 });
			await page.waitForSelector('#conn[data-state=open]', { timeout: 10000 });
			eq(await page.evaluate(() => document.cookie.includes('ptscope_token')), false, 'token visible to scripts');
			const host = new URL(d2.http).hostname;
			const c = (await b.context.cookies()).filter(x => x.name === 'ptscope_token' && x.domain === host);
			eq(c.length, 1, 'token cookies');
			eq(c[0].httpOnly, true, 'HttpOnly');
			eq(c[0].sameSite, 'Strict', 'SameSite');
			eq(c[0].value, TOKEN, 'cookie value');
		} finally {
			await d2.stop();
		}
	}],
];

let ok = false;
try {
	ok = await runSteps(steps, ctx);
} finally {
	await b.close();
	evil.close();
	const code = await d.stop();
	if (code !== 0) {
		console.log(`# daemon exited with ${code}: ${d.stderr()}`);
		ok = false;
	}
	fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
