# SPDX-License-Identifier: MIT
"""Foundation: the daemon starts on ephemeral ports, serves info, arches,
the viewer's files safely, JSON errors, and a WebSocket hello."""
import os
import signal
import socket
import subprocess
import tempfile

from ptstest import Daemon, TestCase, main, PTSCOPE, SRCDIR


def raw_get(port, path):
    """Send a request line exactly as given (no client-side cleaning)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'
               % path).encode())
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b'\r\n\r\n')
    status = int(head.split(b' ')[1])
    return status, body


class Cli(TestCase):
    def run_cli(self, *args):
        return subprocess.run([PTSCOPE] + list(args), capture_output=True,
                              text=True, timeout=30)

    def test_version_and_help(self):
        r = self.run_cli('--version')
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^ptscope \d+\.\d+\.\d+')
        r = self.run_cli('--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('serve', r.stdout)
        r = self.run_cli('serve', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--listen', r.stdout)

    def test_bad_usage_exits_2(self):
        for args in (['frobnicate'], [], ['serve', '--listen', 'nonsense'],
                     ['serve', '--no-such-flag'], ['serve', 'extra'],
                     ['serve', '--listen', '127.0.0.1:70000']):
            r = self.run_cli(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn('usage', (r.stderr + r.stdout).lower(), args)


class Serve(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_ports_printed(self):
        self.assertRegex(self.d.http_url, r'^http://127\.0\.0\.1:\d+/$')
        self.assertRegex(self.d.ws_url, r'^ws://127\.0\.0\.1:\d+/$')
        self.assertNotEqual(self.d.port, 0)
        self.assertNotEqual(self.d.ws_port, 0)

    def test_info(self):
        st, o = self.d.get_json('/api/v1/info')
        self.assertEqual(st, 200)
        self.assertEqual(o['name'], 'ptscope')
        self.assertRegex(o['version'], r'^\d+\.\d+\.\d+$')
        self.assertEqual(o['ws_url'], self.d.ws_url)
        for k in ('pagemap', 'pfn', 'pagemap_scan', 'kpageflags', 'ptdump',
                  'zones'):
            self.assertIsInstance(o['live'][k], bool, k)
        # this machine is x86_64 with 4-level paging unless la57 is set
        with open('/proc/cpuinfo') as f:
            cpu = f.read()
        if os.uname().machine == 'x86_64':
            want = 'x86_64-5l' if ' la57' in cpu else 'x86_64-4l'
            self.assertEqual(o['host_arch'], want)

    def test_arches(self):
        st, o = self.d.get_json('/api/v1/arches')
        self.assertEqual(st, 200)
        ids = [a['id'] for a in o['arches']]
        self.assertEqual(ids, [
            'x86_64-4l', 'x86_64-5l', 'x86-32', 'x86-pae', 'arm64-4k-39',
            'arm64-4k-48', 'arm64-16k-47', 'arm64-16k-48', 'arm64-64k-42',
            'arm64-64k-48', 'arm64-64k-52', 'armv7-2l', 'armv7-lpae',
            'riscv-sv39', 'riscv-sv48', 'riscv-sv57',
            # added by issue 19 (FEAT_LPA2, Linux 6.9+)
            'arm64-4k-52', 'arm64-16k-52'])
        x = o['arches'][0]
        self.assertEqual(x['page_size'], 4096)
        self.assertEqual(x['va_bits'], 48)
        self.assertEqual(x['entry_bytes'], 8)
        self.assertEqual(x['folded'], ['p4d'])
        self.assertEqual([(l['name'], l['shift'], l['bits'], l['entries'],
                           l['block_size']) for l in x['levels']],
                         [('pgd', 39, 9, 512, None),
                          ('pud', 30, 9, 512, '0x40000000'),
                          ('pmd', 21, 9, 512, '0x200000'),
                          ('pte', 12, 9, 512, None)])
        pae = o['arches'][3]
        self.assertEqual(pae['levels'][0]['entries'], 4)
        self.assertEqual(pae['folded'], ['p4d', 'pud'])

    def test_index_and_mime(self):
        st, h, body = self.d.get('/')
        self.assertEqual(st, 200)
        self.assertTrue(h['content-type'].startswith('text/html'))
        with open(os.path.join(SRCDIR, 'web', 'index.html'), 'rb') as f:
            self.assertEqual(body, f.read())
        js = [n for n in os.listdir(os.path.join(SRCDIR, 'web', 'js'))
              if n.endswith('.js')]
        self.assertTrue(js, 'web/js has JavaScript modules')
        st, h, body = self.d.get('/js/' + js[0])
        self.assertEqual(st, 200)
        self.assertEqual(h['content-type'], 'text/javascript; charset=utf-8')
        css = [n for n in os.listdir(os.path.join(SRCDIR, 'web'))
               if n.endswith('.css')]
        if css:
            st, h, _ = self.d.get('/' + css[0])
            self.assertTrue(h['content-type'].startswith('text/css'))

    def test_json_errors(self):
        st, o = self.d.get_json('/api/v1/no-such-thing')
        self.assertEqual(st, 404)
        self.assertEqual(o['error']['code'], 'no_such_endpoint')
        self.assertTrue(o['error']['message'])
        st, o = self.d.json('DELETE', '/api/v1/info')
        self.assertEqual(st, 405)
        self.assertEqual(o['error']['code'], 'method_not_allowed')
        st, h, _ = self.d.request('PUT', '/api/v1/arches')
        self.assertEqual(st, 405)
        self.assertEqual(h['allow'], 'GET')
        st, h, body = self.d.get('/no-such-file.html')
        self.assertEqual(st, 404)
        st, h, body = self.d.request('POST', '/index.html', body='x')
        self.assertEqual(st, 405)

    def test_path_traversal(self):
        secret = b'root:'
        for path in ('/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
                     '/..%2f..%2f..%2fetc%2fpasswd', '/web/../../etc/passwd',
                     '/%2E%2E/%2E%2E/%2E%2E/etc/passwd', '/..\\..\\etc\\passwd',
                     '/....//....//etc/passwd', '/%252e%252e/etc/passwd'):
            st, body = raw_get(self.d.port, path)
            self.assertIn(st, (400, 403, 404), path)
            self.assertNotIn(secret, body, path)

    def test_websocket_hello(self):
        with self.d.ws() as ws:
            m = ws.recv(10)
            self.assertEqual(m['type'], 'hello')
            self.assertRegex(m['version'], r'^\d+\.\d+\.\d+$')


class Symlink(TestCase):
    def test_symlink_out_of_root(self):
        root = tempfile.mkdtemp()
        with open(os.path.join(root, 'index.html'), 'w') as f:
            f.write('<p>hi</p>')
        os.symlink('/etc/passwd', os.path.join(root, 'leak.txt'))
        os.symlink('/etc', os.path.join(root, 'etcdir'))
        with Daemon(web_root=root) as d:
            st, _, body = d.get('/leak.txt')
            self.assertEqual(st, 403)
            self.assertNotIn(b'root:', body)
            st, _, body = d.get('/etcdir/passwd')
            self.assertEqual(st, 403)
            self.assertNotIn(b'root:', body)
            st, _, body = d.get('/')
            self.assertEqual(body, b'<p>hi</p>')


class Signals(TestCase):
    def test_sigint_stops_cleanly(self):
        d = Daemon().start()
        self.assertEqual(d.stop(signal.SIGINT), 0)

    def test_port_in_use_fails(self):
        with Daemon() as d:
            r = subprocess.run([PTSCOPE, 'serve', '--listen',
                                '127.0.0.1:%d' % d.port, '--ws-listen',
                                '127.0.0.1:0'], capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 1)
            self.assertIn('cannot listen', r.stderr)

    def test_websocket_port_in_use_fails_saying_so_once(self):
        # ws.c tries lws on a libev loop, then on poll(): the bind error
        # of the first try must not be told twice
        taken = socket.socket()
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            r = subprocess.run([PTSCOPE, 'serve', '--listen', '127.0.0.1:0',
                                '--ws-listen', '127.0.0.1:%d' % port],
                               capture_output=True, text=True, timeout=30)
        finally:
            taken.close()
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot listen for WebSocket on 127.0.0.1:%d' % port,
                      r.stderr)
        self.assertEqual(r.stderr.count('binding'), 1, r.stderr)


main()
