/* SPDX-License-Identifier: MIT */
// stream.js: the WebSocket stream (ptscope.v1): one connection, automatic
// reconnect with exponential back-off, subscriptions replayed on reconnect.

const MIN_DELAY = 500;
const MAX_DELAY = 30000;

export class Stream {
	// url: the ws_url from /api/v1/info; onState(state, detail) reports changes.
	constructor(url, onState) {
		this.url = url;
		this.onState = onState;
		this.subs = new Map();	// key -> {msg, handler}
		this.ws = null;
		this.delay = MIN_DELAY;
		this.timer = null;
		this.state = 'closed';
		this.stopped = false;
	}

	// Open the connection (again).
	connect() {
		if (this.stopped) return;
		clearTimeout(this.timer);
		this.setState('connecting');
		let ws;
		try {
			ws = new WebSocket(this.url, 'ptscope.v1');
		} catch (e) {
			this.retry();
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			this.delay = MIN_DELAY;
			this.setState('open');
			for (const s of this.subs.values()) this.sendNow(s.msg);
		};
		ws.onmessage = ev => this.dispatch(ev.data);
		ws.onclose = () => {
			if (this.ws !== ws) return;
			this.ws = null;
			this.retry();
		};
		ws.onerror = () => { /* onclose follows and retries */ };
	}

	// Schedule a reconnect with back-off.
	retry() {
		if (this.stopped) return;
		const d = this.delay;
		this.delay = Math.min(this.delay * 2, MAX_DELAY);
		this.setState('retrying', d);
		this.timer = setTimeout(() => this.connect(), d);
	}

	// Report a new connection state.
	setState(s, detail) {
		this.state = s;
		if (this.onState) this.onState(s, detail);
	}

	// Whether messages can be sent now.
	get isOpen() {
		return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
	}

	// Send now if connected (otherwise the subscription replays on open).
	sendNow(msg) {
		if (this.isOpen) this.ws.send(JSON.stringify(msg));
	}

	// Subscribe under key; replaces an earlier subscription with that key.
	subscribe(key, msg, handler) {
		const old = this.subs.get(key);
		if (old && !sameSub(old.msg, msg))
			this.sendNow(unsubMsg(old.msg));
		this.subs.set(key, { msg, handler });
		this.sendNow(msg);
	}

	// Drop the subscription under key.
	unsubscribe(key) {
		const old = this.subs.get(key);
		if (!old) return;
		this.subs.delete(key);
		let shared = false;
		for (const s of this.subs.values())
			if (sameSub(s.msg, old.msg)) shared = true;
		if (!shared) this.sendNow(unsubMsg(old.msg));
	}

	// Route one server message to the subscription it belongs to.
	dispatch(data) {
		let m;
		try {
			m = JSON.parse(data);
		} catch (e) {
			return;
		}
		// Unsubscribing from a space the server already dropped is harmless.
		if (m.type === 'error' && m.error && m.error.code === 'not_subscribed') return;
		for (const s of this.subs.values()) {
			if (matches(s.msg, m)) s.handler(m);
		}
	}

	// Close for good.
	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		if (this.ws) this.ws.close();
	}
}

// Whether two subscribe messages are one subscription on the server (a
// space's tree and its diff stream are two).
function sameSub(a, b) {
	return a.space === b.space && a.sim === b.sim && (a.stream || 'tree') === (b.stream || 'tree');
}

// The unsubscribe message matching a subscribe message.
function unsubMsg(msg) {
	const u = { type: 'unsubscribe', space: msg.space };
	if (msg.sim) u.sim = msg.sim;
	if (msg.stream) u.stream = msg.stream;
	return u;
}

// Whether server message m answers subscription msg.
function matches(msg, m) {
	if (msg.space === 'zones') {
		if (m.type !== 'zones' && !(m.type === 'error' && !m.space)) return false;
		if (m.type === 'error') return true;
		// the machine's zones say "live", or "proc-root" when the daemon
		// reads another --proc-root; a sim space's name the space
		if (m.source === undefined) return true;
		return msg.sim ? m.source === msg.sim : m.source === 'live' || m.source === 'proc-root';
	}
	if (m.type === 'zones') return false;
	if (m.type === 'error') return !m.space || m.space === msg.space;
	// a diff stream gets diffs (and gone), a tree subscription the rest
	if ((m.type === 'diff') !== (msg.stream === 'diff') && m.type !== 'gone') return false;
	return m.space === msg.space;
}
