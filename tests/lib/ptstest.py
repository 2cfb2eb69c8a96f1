# SPDX-License-Identifier: MIT
"""ptstest: start the real ptscope daemon on ephemeral ports and talk to it.

Used by every integration test (tests/t-*.py).  The daemon is started with
port 0 for HTTP and WebSocket; its "http: URL" and "ws: URL" lines are read
from stdout, as the API contract says.

    from ptstest import Daemon, main, TestCase
    class T(TestCase):
        def test_info(self):
            with Daemon() as d:
                st, body = d.get_json('/api/v1/info')
                self.assertEqual(st, 200)
    main()
"""
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import http.client
import urllib.parse

PTSCOPE = os.environ.get('PTSCOPE', os.path.join(os.getcwd(), 'ptscope'))
# A command the daemon runs under (tests/valgrind.sh sets "valgrind ...");
# slow wrappers get longer start and stop timeouts.
WRAPPER = os.environ.get('PTSCOPE_WRAPPER', '').split()
# PTS_TIMEOUT_SCALE: a sanitizer build (.ci/run sets it for TSan) runs the
# daemon several times slower; deadlines grow with it, assertions do not.
SLOW = 10 if WRAPPER else max(1, int(os.environ.get('PTS_TIMEOUT_SCALE', '1')))
SRCDIR = os.environ.get('PTS_SRCDIR', os.getcwd())
BUILDDIR = os.environ.get('PTS_BUILDDIR', os.getcwd())
WS_CLIENT = os.path.join(BUILDDIR, 'tests', 'ws-client')
FIXTURES = os.path.join(SRCDIR, 'tests', 'fixtures')

TestCase = unittest.TestCase


class DaemonCase(unittest.TestCase):
    """Tests sharing one daemon: self.d, started once for the class."""
    daemon_args = ()

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(cls.daemon_args)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()


def status_kb(pid, key):
    """A kB field of /proc/PID/status (VmRSS, VmHWM, VmPTE...)."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise AssertionError('no %s in /proc/%d/status' % (key, pid))


def copy_for_others():
    """A copy of the binary with its module beside it, in a new directory
    any user may read (remove it with shutil.rmtree(os.path.dirname(...))):
    for a daemon run as nobody, which must read ptscope-net.so
    (server/net.c) where a build under /root (mode 700) is out of reach."""
    import shutil
    real = os.path.realpath(PTSCOPE)
    d = tempfile.mkdtemp(prefix='ptscope-copy-')
    os.chmod(d, 0o755)
    shutil.copy(real, os.path.join(d, 'ptscope'))
    shutil.copy(os.path.join(os.path.dirname(real), 'ptscope-net.so'), d)
    return os.path.join(d, 'ptscope')


def fixture(*parts):
    """Path of a file under tests/fixtures."""
    return os.path.join(FIXTURES, *parts)


def hexs(v):
    """An int as the API writes 64-bit values: lowercase hex with 0x."""
    return '0x%x' % v


class Daemon:
    """A running `ptscope serve` on 127.0.0.1 with ephemeral ports."""

    def __init__(self, args=(), env=None, web_root=None, start_timeout=20,
                 binary=None):
        self.args = list(args)
        self.binary = binary    # default: PTSCOPE
        self.env = env
        self.web_root = web_root
        self.start_timeout = start_timeout
        self.proc = None
        self.http_url = self.ws_url = None
        self.lines = []
        self.stderr_path = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        cmd = WRAPPER + [self.binary or PTSCOPE, 'serve', '--listen', '127.0.0.1:0',
                         '--ws-listen', '127.0.0.1:0']
        if self.web_root is not None:
            cmd += ['--web-root', self.web_root]
        elif '--web-root' not in self.args:
            cmd += ['--web-root', os.path.join(SRCDIR, 'web')]
        cmd += self.args
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        fd, self.stderr_path = tempfile.mkstemp(prefix='ptscope-err-')
        self.stderr_file = os.fdopen(fd, 'w+')
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=self.stderr_file, env=env,
                                     text=True, bufsize=1)
        # a thread reads stdout (select() on a buffered pipe misses lines)
        self._q = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.time() + self.start_timeout * SLOW
        while (self.http_url is None or self.ws_url is None):
            left = deadline - time.time()
            if left <= 0 or (self.proc.poll() is not None and
                             self._q.empty()):
                self.proc.kill()
                raise RuntimeError('daemon did not start (exit status %s): '
                                   '%s\nstderr:\n%s'
                                   % (self.proc.wait(), cmd, self.stderr()))
            try:
                line = self._q.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if line.startswith('http: '):
                self.http_url = line[6:].strip()
            elif line.startswith('ws: '):
                self.ws_url = line[4:].strip()
        u = urllib.parse.urlparse(self.http_url)
        self.host, self.port = u.hostname, u.port
        w = urllib.parse.urlparse(self.ws_url)
        self.ws_port = w.port
        return self

    def _drain(self):
        for line in self.proc.stdout:
            line = line.rstrip('\n')
            self.lines.append(line)
            self._q.put(line)

    def stderr(self):
        if not self.stderr_path:
            return ''
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stop the daemon; return its exit status (fails on a crash)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError('daemon did not stop on %s' % sig)
        rc = self.proc.returncode
        err = self.stderr()
        self.stderr_file.close()
        self.proc.stdout.close()
        self.proc = None
        os.unlink(self.stderr_path)
        if rc != 0 or 'ERROR: AddressSanitizer' in err or \
                'runtime error:' in err or 'LeakSanitizer' in err or \
                'ThreadSanitizer' in err or \
                'definitely lost: ' in err and \
                'definitely lost: 0 bytes' not in err:
            raise AssertionError('daemon exited with %s\nstderr:\n%s'
                                 % (rc, err))
        return rc

    # ---- HTTP ------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=None):
        """One HTTP request; returns (status, headers dict, body bytes)."""
        if timeout is None:
            timeout = 30 * SLOW
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        # the daemon takes JSON bodies only (server/guard.h); a test that
        # sends another type says so, and 'Content-Type': None sends none
        if body is not None:
            hdrs.setdefault('Content-Type', 'application/json')
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        if isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        h = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, h, data

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def json(self, method, path, body=None, headers=None):
        """Request and decode a JSON answer: (status, object)."""
        st, h, data = self.request(method, path, body, headers)
        ctype = h.get('content-type', '')
        if not ctype.startswith('application/json'):
            raise AssertionError('%s %s: content-type %r, body %r'
                                 % (method, path, ctype, data[:200]))
        return st, json.loads(data)

    def get_json(self, path, headers=None):
        return self.json('GET', path, None, headers)

    def post_json(self, path, obj, headers=None):
        return self.json('POST', path, obj, headers)

    def delete(self, path, headers=None):
        return self.request('DELETE', path, headers=headers)

    def new_sim(self, arch, scenario='empty', **extra):
        """Create a sim space and return its id."""
        body = dict(kind='sim', arch=arch, scenario=scenario, **extra)
        st, obj = self.post_json('/api/v1/spaces', body)
        if st != 201:
            raise AssertionError('create sim %s/%s: %s %s'
                                 % (arch, scenario, st, obj))
        return obj['id']

    def op(self, space, **op):
        return self.post_json('/api/v1/spaces/%s/ops' % space, op)

    def metric(self, name):
        """The value of an unlabelled series on /metrics."""
        st, h, body = self.request('GET', '/metrics')
        for line in body.decode().splitlines():
            if line.startswith(name + ' '):
                v = float(line.split()[1])
                return int(v) if v.is_integer() else v
        raise AssertionError('no %s on /metrics' % name)

    def ws(self, headers=(), rcvbuf=None):
        return WsClient(self.ws_url, headers, rcvbuf=rcvbuf)


def ws_handshake(port, headers=(), protocol='ptscope.v1', timeout=5,
                 host=None):
    """A hand-made WebSocket upgrade to 127.0.0.1:port; returns (status or
    None, response head bytes).  None: closed without an HTTP answer."""
    import base64
    import socket
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ('GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n'
           'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
           'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n'
           % (host or '127.0.0.1:%d' % port, key, protocol))
    for h in headers:
        req += h + '\r\n'
    s.sendall((req + '\r\n').encode())
    data = b''
    try:
        while b'\r\n\r\n' not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    if not data.startswith(b'HTTP/1.1 '):
        return None, data
    return int(data.split()[1]), data


class WsClient:
    """A real WebSocket client (tests/ws-client, libwebsockets) driven over
    pipes: send() writes one text message, recv() returns the next message
    decoded from JSON (or None on timeout).  Its socket's receive buffer
    is 16 KiB unless rcvbuf says otherwise (0: the system's, for reading
    big messages fast)."""

    def __init__(self, url, headers=(), protocol='ptscope.v1', rcvbuf=None):
        cmd = [WS_CLIENT, '--protocol', protocol]
        if rcvbuf is not None:
            cmd += ['--rcvbuf', str(rcvbuf)]
        for h in headers:
            cmd += ['--header', h]
        cmd.append(url)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        self.q = queue.Queue()
        self.closed = False
        threading.Thread(target=self._reader, daemon=True).start()
        ev = self.recv_raw(10)
        if ev != '#open':
            raise AssertionError('websocket did not open: %r' % ev)

    def _reader(self):
        for line in self.proc.stdout:
            self.q.put(line.rstrip('\n'))
        self.q.put('#closed')

    def recv_raw(self, timeout=5):
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            return None

    def recv(self, timeout=5):
        """Next JSON message, skipping client events; None on timeout."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            line = self.recv_raw(left)
            if line is None:
                return None
            if line == '#closed':
                self.closed = True
                return None
            if line.startswith('#'):
                continue
            return json.loads(line)

    def recv_type(self, mtype, timeout=5):
        """Next message whose type is mtype (others are dropped)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.recv(deadline - time.time())
            if m is None:
                return None
            if m.get('type') == mtype:
                return m
        return None

    def send(self, obj):
        s = obj if isinstance(obj, str) else json.dumps(obj)
        self.proc.stdin.write(s.replace('\n', ' ') + '\n')
        self.proc.stdin.flush()

    def command(self, cmd):
        """Client-side commands: '#pause MS' stops reading, '#resume'
        reads again at once, '#close'."""
        self.proc.stdin.write(cmd + '\n')
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


CHILD_LAYOUT = os.path.join(BUILDDIR, 'tests', 'child-layout')


def find_table(tree, level, va):
    """The node object at (level, va) in a tree, and its parent list."""
    if tree['level'] == level and tree['va'] == va:
        return tree, None
    stack = [tree]
    while stack:
        n = stack.pop()
        for i, c in enumerate(n.get('children', [])):
            if c.get('kind') == 'table':
                if c['level'] == level and c['va'] == va:
                    return c, (n['children'], i)
                stack.append(c)
    return None, None


DELTA_HEAD = ('level', 'va', 'span', 'entries', 'table_pa', 'stats')


def apply_delta(tree, changes):
    """Apply a delta's changes as docs/api.md says; returns the new tree."""
    for ch in changes:
        node, parent = find_table(tree, ch['level'], ch['va'])
        if node is None:
            raise AssertionError('delta names an unknown table %s' % ch)
        new = ch['node']
        if new is None:
            if parent is None:
                return None
            del parent[0][parent[1]]
            continue
        for k in DELTA_HEAD:
            if k in new:
                node[k] = new[k]
        if 'children' in new:
            node['children'] = new['children']
    return tree


def wait_for(fn, what, timeout=15):
    """fn()'s first true value, polled every 50 ms; AssertionError naming
    what after timeout seconds (scaled by PTS_TIMEOUT_SCALE)."""
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what)


def sanitized(pid):
    """Whether process pid runs under ASan or TSan (its RSS says little
    then: shadow memory, quarantined frees)."""
    with open('/proc/%d/maps' % pid) as f:
        maps = f.read()
    return 'libasan' in maps or 'libtsan' in maps


def get_raw(d, path, read=None):
    """GET path from daemon d: (status, headers with lowercase names,
    body), or what read(response) gives instead of the body."""
    c = http.client.HTTPConnection(d.host, d.port, timeout=60 * SLOW)
    c.request('GET', path)
    r = c.getresponse()
    h = {k.lower(): v for k, v in r.getheaders()}
    body = r.read() if read is None else read(r)
    c.close()
    return r.status, h, body


def counting_reader(counts, pat):
    """A read for get_raw that keeps nothing: counts[0] += the bytes,
    counts[1] += the occurrences of pat (also across two pieces)."""
    def read(r):
        tail = b''
        while True:
            piece = r.read(1 << 20)
            if not piece:
                return b''
            counts[0] += len(piece)
            piece = tail + piece
            counts[1] += piece.count(pat)
            tail = piece[-(len(pat) - 1):]
    return read


class LayoutChild:
    """tests/child-layout in its default mode: a layout the test controls,
    its addresses printed as one JSON line (info, pid, addr()); more()
    sends SIGUSR1 (it writes more pages and answers "ok")."""

    def __init__(self, *args):
        self.args = list(args)

    def __enter__(self):
        if not os.path.exists(CHILD_LAYOUT):
            raise AssertionError('tests/child-layout is not built')
        self.p = subprocess.Popen([CHILD_LAYOUT] + self.args,
                                  stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.p.stdout.readline())
        self.pid = self.info['pid']
        return self

    def addr(self, name):
        return int(self.info[name], 16)

    def more(self):
        self.p.send_signal(signal.SIGUSR1)
        assert self.p.stdout.readline().strip() == 'ok'

    def end(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(10)
        if not self.p.stdout.closed:
            self.p.stdout.close()

    def __exit__(self, *exc):
        self.end()


class CommandChild:
    """tests/child-layout --commands: one command line, one answer line.
    popen: a child already started that speaks it (e.g. behind
    `ptscope record --`); otherwise one is started."""

    def __init__(self, popen=None):
        if popen is None:
            if not os.path.exists(CHILD_LAYOUT):
                raise AssertionError('tests/child-layout is not built')
            popen = subprocess.Popen([CHILD_LAYOUT, '--commands'],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.p = popen
        self.pid = json.loads(self.p.stdout.readline())['pid']

    def cmd(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        if self.p.poll() is None:
            try:
                self.cmd('exit')
            except (BrokenPipeError, OSError, ValueError):
                pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        for f in (self.p.stdin, self.p.stdout):
            if f and not f.closed:
                f.close()


class CommandChildCase(unittest.TestCase):
    """Tests of a tests/child-layout --commands child: self.child, one per
    test (skipped where it is not built or there is no pagemap)."""

    def setUp(self):
        if not os.path.exists(CHILD_LAYOUT):
            self.skipTest('tests/child-layout is not built')
        if not os.path.exists('/proc/self/pagemap'):
            self.skipTest('no pagemap')
        self.child = CommandChild()

    def tearDown(self):
        self.child.close()


def main():
    """Run the module's tests; exit 1 if one failed or if every test was
    skipped: a test file that cannot run here is a failure, not a skip."""
    prog = unittest.main(exit=False, verbosity=2)
    res = prog.result
    if not res.wasSuccessful():
        sys.exit(1)
    if res.testsRun and len(res.skipped) == res.testsRun:
        print('FAIL: every test was skipped: this file did not run')
        sys.exit(1)
    sys.exit(0)
