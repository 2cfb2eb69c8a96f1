/* SPDX-License-Identifier: MIT */
// api.js: the HTTP API client: JSON requests, readable errors, the loading
// indicator for slow requests and the token login on 401.

const BASE = '/api/v1';
const SLOW_MS = 200;

let pending = 0;
let slowTimer = null;
let loginHandler = null;

// An error the API reported (or a network failure), readable by people.
export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

// Show the global loading indicator only once a request took over 200 ms.
function busyStart() {
	pending++;
	if (slowTimer === null)
		slowTimer = setTimeout(() => {
			document.body.classList.add('loading');
			const el = document.getElementById('loading');
			if (el) el.hidden = false;
		}, SLOW_MS);
}

// Hide the loading indicator when no request is left.
function busyEnd() {
	pending--;
	if (pending > 0) return;
	clearTimeout(slowTimer);
	slowTimer = null;
	document.body.classList.remove('loading');
	const el = document.getElementById('loading');
	if (el) el.hidden = true;
}

// Install the function that asks for a token (returns a promise; true = retry).
export function setLoginHandler(fn) {
	loginHandler = fn;
}

// Decode an error body into an ApiError.
async function errorOf(res) {
	let code = 'http_' + res.status, msg = res.statusText || 'request failed';
	try {
		const j = await res.json();
		if (j && j.error) {
			code = j.error.code || code;
			msg = j.error.message || msg;
		}
	} catch (e) {
		/* not JSON: keep the status line */
	}
	return new ApiError(res.status, code, msg);
}

// One request; resolves to the decoded JSON (or text), rejects with ApiError.
export async function request(method, path, body, opts = {}) {
	const init = { method, headers: {}, credentials: 'same-origin' };
	if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	busyStart();
	let res;
	try {
		res = await fetch(opts.raw ? path : BASE + path, init);
	} catch (e) {
		throw new ApiError(0, 'network', 'The ptscope daemon cannot be reached (' + e.message + ').');
	} finally {
		busyEnd();
	}
	if (res.status === 401 && loginHandler && !opts.noLogin) {
		const err = await errorOf(res);
		if (await loginHandler(err.message))
			return request(method, path, body, opts);
		throw err;
	}
	if (!res.ok) throw await errorOf(res);
	if (res.status === 204) return null;
	const ct = res.headers.get('content-type') || '';
	return ct.includes('json') ? res.json() : res.text();
}

// GET helper.
export function get(path, opts) {
	return request('GET', path, undefined, opts);
}

// POST helper.
export function post(path, body, opts) {
	return request('POST', path, body, opts);
}

// DELETE helper.
export function del(path, opts) {
	return request('DELETE', path, undefined, opts);
}

// Path of a space sub-resource.
export function spacePath(id, what) {
	return '/spaces/' + encodeURIComponent(id) + (what ? '/' + what : '');
}
