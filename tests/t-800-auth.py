#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hardening, binding and auth (issue #8, part 1).

With --token-file every /api and /metrics request and every WebSocket
handshake must carry the token (Authorization: Bearer, or the
ptscope_token cookie the viewer's login form sets); anything else is a
401 JSON error, or a refused handshake.  The viewer's static files stay
reachable without a token so that it can show its login form.  Binding a
non-loopback address needs a token or an explicit --insecure-no-auth.
"""
import base64
import os
import socket
import subprocess
import tempfile

import ptstest
from ptstest import Daemon, TestCase, main

TOKEN = 's3cret-Token_0123456789abcdef'


def ws_handshake(port, headers=(), protocol='ptscope.v1', timeout=5):
    """A hand-made WebSocket upgrade; returns (status or None, socket).
    None means the server closed without an HTTP answer."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ('GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n'
           'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
           'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n'
           % (port, key, protocol))
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
    if not data.startswith(b'HTTP/1.1 '):
        return None, s
    return int(data.split()[1]), s


def token_file(text):
    fd, path = tempfile.mkstemp(prefix='ptscope-token-')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    return path


class WithToken(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = token_file(TOKEN + '\n')
        cls.d = Daemon(args=['--token-file', cls.path]).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        os.unlink(cls.path)

    def assert401(self, path, headers=None, method='GET', body=None):
        st, o = self.d.json(method, path, body, headers)
        self.assertEqual(st, 401, (path, headers, o))
        self.assertEqual(o['error']['code'], 'unauthorized')
        self.assertIsInstance(o['error']['message'], str)

    def test_no_token_is_401(self):
        for p in ('/api/v1/info', '/api/v1/spaces', '/api/v1/arches',
                  '/api/v1/nonexistent', '/metrics', '/api'):
            self.assert401(p)

    def test_wrong_bearer_is_401(self):
        for bad in ('', 'x', TOKEN[:-1], TOKEN + 'x', TOKEN.upper(),
                    TOKEN[1:], ' ' + TOKEN, TOKEN[:-1] + '\0'):
            self.assert401('/api/v1/info',
                           {'Authorization': 'Bearer ' + bad})
        # right token, wrong scheme
        self.assert401('/api/v1/info', {'Authorization': 'Basic ' + TOKEN})
        self.assert401('/api/v1/info', {'Authorization': TOKEN})

    def test_wrong_cookie_is_401(self):
        self.assert401('/api/v1/info',
                       {'Cookie': 'ptscope_token=' + TOKEN + 'x'})
        self.assert401('/api/v1/info', {'Cookie': 'other=' + TOKEN})

    def test_right_token_is_200(self):
        st, o = self.d.get_json('/api/v1/info',
                                {'Authorization': 'Bearer ' + TOKEN})
        self.assertEqual(st, 200, o)
        self.assertEqual(o['name'], 'ptscope')
        st, o = self.d.get_json('/api/v1/info',
                                {'Cookie': 'a=b; ptscope_token=' + TOKEN})
        self.assertEqual(st, 200, o)
        st, h, body = self.d.get('/metrics', headers={
            'Authorization': 'Bearer ' + TOKEN})
        self.assertEqual(st, 200)
        self.assertIn(b'ptscope_', body)

    def test_post_without_token_changes_nothing(self):
        self.assert401('/api/v1/spaces', method='POST',
                       body={'kind': 'sim', 'arch': 'x86_64-4l'})
        st, o = self.d.get_json('/api/v1/spaces',
                                {'Authorization': 'Bearer ' + TOKEN})
        self.assertEqual(st, 200)
        self.assertEqual([s for s in o['spaces'] if s['kind'] == 'sim'], [])

    def test_static_files_need_no_token(self):
        st, h, body = self.d.get('/')
        self.assertEqual(st, 200)
        self.assertTrue(h['content-type'].startswith('text/html'))
        st, h, body = self.d.get('/js/app.js')
        self.assertEqual(st, 200)

    def test_ws_without_token_refused(self):
        st, s = ws_handshake(self.d.ws_port)
        s.close()
        self.assertNotEqual(st, 101)
        st, s = ws_handshake(self.d.ws_port,
                             ['Authorization: Bearer ' + TOKEN + 'x'])
        s.close()
        self.assertNotEqual(st, 101)
        st, s = ws_handshake(self.d.ws_port,
                             ['Cookie: ptscope_token=' + TOKEN[:-1]])
        s.close()
        self.assertNotEqual(st, 101)

    def test_ws_with_token(self):
        st, s = ws_handshake(self.d.ws_port,
                             ['Authorization: Bearer ' + TOKEN])
        s.close()
        self.assertEqual(st, 101)
        st, s = ws_handshake(self.d.ws_port,
                             ['Cookie: ptscope_token=' + TOKEN])
        s.close()
        self.assertEqual(st, 101)
        with self.d.ws(['Authorization: Bearer ' + TOKEN]) as ws:
            m = ws.recv(10)
            self.assertEqual(m['type'], 'hello')


class Binding(TestCase):
    def run_serve(self, *args):
        return subprocess.run(
            [ptstest.PTSCOPE, 'serve', '--ws-listen', '127.0.0.1:0'] +
            list(args), capture_output=True, text=True, timeout=30)

    def test_refuses_any_address_without_token(self):
        r = self.run_serve('--listen', '0.0.0.0:0')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('--token-file', r.stderr)
        self.assertIn('non-loopback', r.stderr)
        self.assertNotIn('http:', r.stdout)
        r = subprocess.run(
            [ptstest.PTSCOPE, 'serve', '--listen', '127.0.0.1:0',
             '--ws-listen', '0.0.0.0:0'], capture_output=True, text=True,
            timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_names_that_look_like_loopback_refused(self):
        # only literal loopback addresses (and "localhost") count: this
        # name starts like 127.0.0.1 but could resolve anywhere
        for host in ('127.0.0.1.example.com', '127.evil', '0.0.0.0',
                     '[::]', '[::ffff:10.0.0.1]', '10.127.0.1'):
            r = self.run_serve('--listen', host + ':0')
            self.assertEqual(r.returncode, 2, (host, r.stderr))
            self.assertIn('--token-file', r.stderr)

    def test_other_loopback_addresses(self):
        with Daemon(args=['--listen', '127.0.0.2:0']) as d:
            self.assertTrue(d.http_url.startswith('http://127.0.0.2:'))
            st, o = d.get_json('/api/v1/info')
            self.assertEqual(st, 200)

    def test_loopback_needs_no_token(self):
        with Daemon() as d:
            st, o = d.get_json('/api/v1/info')
            self.assertEqual(st, 200)

    def test_insecure_no_auth_starts(self):
        with Daemon(args=['--listen', '0.0.0.0:0', '--ws-listen',
                          '0.0.0.0:0', '--insecure-no-auth']) as d:
            self.assertTrue(d.http_url.startswith('http://0.0.0.0:'))
            st, o = d.get_json('/api/v1/info')
            self.assertEqual(st, 200)

    def test_any_address_with_token(self):
        path = token_file(TOKEN)
        try:
            with Daemon(args=['--listen', '0.0.0.0:0',
                              '--token-file', path]) as d:
                st, o = d.get_json('/api/v1/info')
                self.assertEqual(st, 401)
                st, o = d.get_json('/api/v1/info', {
                    'Authorization': 'Bearer ' + TOKEN})
                self.assertEqual(st, 200)
        finally:
            os.unlink(path)

    def test_token_file_mode_warning(self):
        path = token_file(TOKEN)
        try:
            os.chmod(path, 0o644)
            d = Daemon(args=['--token-file', path]).start()
            err = d.stderr()
            d.stop()
            self.assertIn('chmod 600', err)
            self.assertNotIn(TOKEN, err)
            os.chmod(path, 0o600)
            d = Daemon(args=['--token-file', path]).start()
            err = d.stderr()
            d.stop()
            self.assertNotIn('chmod 600', err)
        finally:
            os.unlink(path)

    def test_empty_token_file_refused(self):
        path = token_file('  \n')
        try:
            r = self.run_serve('--listen', '127.0.0.1:0', '--token-file',
                               path)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('token', r.stderr)
        finally:
            os.unlink(path)


main()
