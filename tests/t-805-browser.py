#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Browser safety (issue #13, part 1; contract "Browser safety").

A web page of another origin can make a browser send requests to the
daemon: "simple" ones without a preflight (GET, or POST with a text/plain,
form or multipart body and no custom header; Fetch standard, "CORS-
safelisted request-header"), WebSocket handshakes (never preflighted), and
by DNS rebinding requests whose Host is the attacker's name.  The browser
always sends Origin on cross-origin POSTs and on WebSocket handshakes, and
Host always.  Here those requests are made by hand as a browser would send
them; tests/web/csrf.test.mjs makes them from a real Chromium page.
"""
import os
import tempfile
import time
import urllib.parse

from ptstest import Daemon, TestCase, main, ws_handshake

FOREIGN = 'http://127.0.0.2:9999'
TOKEN = 'tok-Abc_0123456789.xyz~'
SIM = {'kind': 'sim', 'arch': 'x86_64-4l'}


def sims(d, headers=None):
    st, o = d.get_json('/api/v1/spaces', headers)
    assert st == 200, (st, o)
    return [s['id'] for s in o['spaces'] if s['kind'] == 'sim']


class Guarded(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.own = 'http://127.0.0.1:%d' % cls.d.port

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def assertError(self, st, h, body, status, code):
        import json
        self.assertEqual(st, status, body[:200])
        self.assertTrue(h['content-type'].startswith('application/json'))
        self.assertEqual(json.loads(body)['error']['code'], code)

    def test_foreign_host_is_421_before_any_handler(self):
        d = self.d
        for host in ('evil.example:%d' % d.port, 'evil.example',
                     '127.0.0.1.evil.example', 'localhost.evil.example'):
            h = {'Host': host}
            self.assertError(*d.get('/api/v1/info', headers=h), 421,
                             'misdirected_request')
            self.assertError(*d.request('POST', '/api/v1/spaces', SIM,
                                        headers=h), 421,
                             'misdirected_request')
            st, hh, b = d.get('/index.html', headers=h)
            self.assertEqual(st, 421)
            st, hh, b = d.get('/metrics', headers=h)
            self.assertEqual(st, 421)
        self.assertEqual(sims(d), [])
        # every name the daemon does answer to
        for host in ('127.0.0.1:%d' % d.port, 'localhost:%d' % d.port,
                     '127.0.0.1', 'LOCALHOST', '[::1]:%d' % d.port):
            st, hh, b = d.get('/api/v1/info', headers={'Host': host})
            self.assertEqual(st, 200, host)

    def test_foreign_host_websocket_refused(self):
        st, _ = ws_handshake(self.d.ws_port,
                             host='evil.example:%d' % self.d.ws_port)
        self.assertNotEqual(st, 101)
        st, _ = ws_handshake(self.d.ws_port)
        self.assertEqual(st, 101)

    def test_foreign_origin_is_403(self):
        d = self.d
        for origin in (FOREIGN, 'null', 'http://127.0.0.1:%d' % (d.port + 7),
                       'https://127.0.0.1:%d' % d.port, 'http://evil.example',
                       'http://127.0.0.2:%d' % d.port):
            h = {'Origin': origin}
            for p in ('/api/v1/info', '/api/v1/spaces', '/api/v1/processes',
                      '/metrics', '/api/v1/nonexistent'):
                self.assertError(*d.get(p, headers=h), 403, 'foreign_origin')
            self.assertError(*d.request('POST', '/api/v1/spaces', SIM,
                                        headers=h), 403, 'foreign_origin')
        self.assertEqual(sims(d), [])
        # the daemon's own pages, and no Origin at all (curl)
        for h in ({'Origin': self.own},
                  {'Origin': 'http://localhost:%d' % d.port}, {}):
            st, hh, b = d.get('/api/v1/info', headers=h)
            self.assertEqual(st, 200, h)
            st, o = d.post_json('/api/v1/spaces', SIM, h)
            self.assertEqual(st, 201, (h, o))
            self.assertEqual(d.delete('/api/v1/spaces/' + o['id'],
                                      headers=h)[0], 204)

    def test_foreign_origin_websocket_refused(self):
        port = self.d.ws_port
        for origin in (FOREIGN, 'null', 'http://127.0.0.1:%d' % port):
            st, _ = ws_handshake(port, ['Origin: ' + origin])
            self.assertNotEqual(st, 101, origin)
        st, _ = ws_handshake(port, ['Origin: ' + self.own])
        self.assertEqual(st, 101)
        # and a real client with our origin streams
        with self.d.ws(['Origin: ' + self.own]) as ws:
            self.assertEqual(ws.recv(10)['type'], 'hello')

    def test_simple_bodies_are_415(self):
        d = self.d
        body = '{"kind":"sim","arch":"x86_64-4l"}'
        for ctype in ('text/plain', 'text/plain;charset=UTF-8',
                      'application/x-www-form-urlencoded',
                      'multipart/form-data; boundary=x', None):
            self.assertError(*d.request('POST', '/api/v1/spaces', body,
                                        headers={'Content-Type': ctype}),
                             415, 'unsupported_media_type')
        sid = d.new_sim('x86_64-4l')
        gen = d.get_json('/api/v1/spaces/%s' % sid)[1]['generation']
        op = '{"op":"map","va":"0x400000","size":"0x1000"}'
        self.assertError(*d.request('POST', '/api/v1/spaces/%s/ops' % sid,
                                    op, headers={'Content-Type':
                                                 'text/plain'}),
                         415, 'unsupported_media_type')
        st, o = d.get_json('/api/v1/spaces/%s' % sid)
        self.assertEqual(o['generation'], gen, o)
        self.assertEqual(d.delete('/api/v1/spaces/' + sid)[0], 204)
        self.assertEqual(sims(d), [])
        # a raw dump: text/plain only together with X-Ptscope
        dump = '0xffff888000000000-0xffff888000200000  2M RW PSE GLB NX pmd\n'
        path = '/api/v1/ptdump?arch=x86_64-4l'
        self.assertError(*d.request('POST', path, dump, headers={
            'Content-Type': 'text/plain'}), 415, 'unsupported_media_type')
        self.assertError(*d.request('POST', path, dump, headers={
            'Content-Type': 'application/x-www-form-urlencoded',
            'X-Ptscope': '1'}), 415, 'unsupported_media_type')
        st, h, b = d.request('POST', path, dump, headers={
            'Content-Type': 'text/plain', 'X-Ptscope': '1'})
        self.assertEqual(st, 201, b)
        import json
        self.assertEqual(d.delete('/api/v1/spaces/' +
                                  json.loads(b)['id'])[0], 204)

    def test_no_cors_headers(self):
        d = self.d
        for method, p in (('OPTIONS', '/api/v1/spaces'),
                          ('GET', '/api/v1/info'), ('POST', '/api/v1/spaces'),
                          ('GET', '/')):
            st, h, b = d.request(method, p, headers={
                'Origin': FOREIGN, 'Access-Control-Request-Method': 'POST',
                'Access-Control-Request-Headers': 'content-type'})
            self.assertEqual([k for k in h if k.startswith('access-control')],
                             [], (method, p))

    def test_1000_query_arguments_answered_at_once(self):
        d = self.d
        q = '&'.join('a%d=1' % i for i in range(1000))
        t0 = time.monotonic()
        self.assertError(*d.get('/api/v1/info?' + q, timeout=10), 414,
                         'too_many_arguments')
        self.assertLess(time.monotonic() - t0, 3)
        st, h, b = d.get('/api/v1/spaces/x/tree?' + '&'.join(
            'n%d=' % i for i in range(5000)), timeout=10)
        self.assertEqual(st, 414)
        self.assertLess(time.monotonic() - t0, 6)
        # a few are fine, and the daemon still answers
        st, h, b = d.get('/api/v1/info?' + '&'.join(
            'a%d=1' % i for i in range(200)))
        self.assertEqual(st, 200)


class Proxy(TestCase):
    """--allow-host and --allow-origin, for a reverse proxy in front."""

    def test_allowed_names_and_origins(self):
        with Daemon(args=['--allow-host', 'ptscope.test', '--allow-host',
                          'other.test', '--allow-origin',
                          'https://ptscope.test']) as d:
            h = {'Host': 'ptscope.test', 'Origin': 'https://ptscope.test'}
            st, o = d.post_json('/api/v1/spaces', SIM, h)
            self.assertEqual(st, 201, o)
            st, hh, b = d.get('/api/v1/info', headers={'Host': 'other.test'})
            self.assertEqual(st, 200)
            st, hh, b = d.get('/api/v1/info', headers={
                'Host': 'ptscope.test', 'Origin': 'https://other.test'})
            self.assertEqual(st, 403)
            st, hh, b = d.get('/api/v1/info', headers={'Host': 'third.test'})
            self.assertEqual(st, 421)
            st, _ = ws_handshake(d.ws_port, ['Origin: https://ptscope.test'],
                                 host='ptscope.test')
            self.assertEqual(st, 101)
            st, _ = ws_handshake(d.ws_port, ['Origin: https://other.test'],
                                 host='ptscope.test')
            self.assertNotEqual(st, 101)


def lan_address():
    """A non-loopback address of this machine, or None (no packet is sent:
    a UDP connect only picks the route)."""
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(('192.0.2.1', 9))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith('127.') or ip == '0.0.0.0' else ip


class Lan(TestCase):
    """Behind a wildcard listen address the machine's own address (the one
    the connection came in on) is a name of the daemon's."""

    def test_wildcard_listen_answers_its_address(self):
        ip = lan_address()
        if ip is None:
            self.skipTest('no non-loopback address here')
        import http.client
        with Daemon(args=['--listen', '0.0.0.0:0', '--ws-listen',
                          '0.0.0.0:0', '--insecure-no-auth']) as d:
            def get(host, origin=None):
                c = http.client.HTTPConnection(ip, d.port, timeout=10)
                h = {'Host': host}
                if origin:
                    h['Origin'] = origin
                c.request('GET', '/api/v1/info', headers=h)
                st = c.getresponse().status
                c.close()
                return st
            own = 'http://%s:%d' % (ip, d.port)
            self.assertEqual(get('%s:%d' % (ip, d.port)), 200)
            self.assertEqual(get('%s:%d' % (ip, d.port), own), 200)
            self.assertEqual(get('%s:%d' % (ip, d.port),
                                 'http://%s:1' % ip), 403)
            self.assertEqual(get('evil.example:%d' % d.port), 421)
            self.assertEqual(get('10.255.255.254:%d' % d.port), 421)


class Login(TestCase):
    @classmethod
    def setUpClass(cls):
        fd, cls.path = tempfile.mkstemp(prefix='ptscope-token-')
        with os.fdopen(fd, 'w') as f:
            f.write(TOKEN + '\n')
        cls.d = Daemon(args=['--token-file', cls.path]).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        os.unlink(cls.path)

    def test_login_sets_an_httponly_cookie(self):
        d = self.d
        st, h, b = d.request('POST', '/api/v1/login', {'token': TOKEN})
        self.assertEqual(st, 204, b)
        self.assertEqual(b, b'')
        parts = [p.strip() for p in h['set-cookie'].split(';')]
        self.assertEqual(parts[0], 'ptscope_token=' + TOKEN)
        self.assertEqual(set(p.lower() for p in parts[1:]),
                         {'httponly', 'samesite=strict', 'path=/'})
        # the cookie is what the browser then sends
        cookie = {'Cookie': parts[0]}
        st, o = d.get_json('/api/v1/info', cookie)
        self.assertEqual(st, 200, o)

    def test_wrong_token_is_401_without_cookie(self):
        d = self.d
        for bad in ('', 'x', TOKEN + 'x', TOKEN[:-1]):
            st, h, b = d.request('POST', '/api/v1/login', {'token': bad})
            self.assertEqual(st, 401, bad)
            self.assertNotIn('set-cookie', h)
        st, h, b = d.request('POST', '/api/v1/login', {'tok': TOKEN})
        self.assertEqual(st, 400)
        self.assertNotIn('set-cookie', h)
        # a cross-site form cannot log the browser in either
        st, h, b = d.request('POST', '/api/v1/login', 'token=' + TOKEN,
                             headers={'Content-Type':
                                      'application/x-www-form-urlencoded'})
        self.assertEqual(st, 415)
        self.assertNotIn('set-cookie', h)
        st, h, b = d.request('POST', '/api/v1/login', {'token': TOKEN},
                             headers={'Origin': FOREIGN})
        self.assertEqual(st, 403)
        self.assertNotIn('set-cookie', h)

    def test_websocket_with_a_long_cookie_header(self):
        """Other cookies of the same host (any port shares them) make the
        Cookie header long; the token cookie still logs the socket in."""
        d = self.d
        for size in (2048, 8192):
            junk = '; '.join('c%d=%s' % (i, 'v' * 60)
                             for i in range(size // 64))
            for cookie in (junk + '; ptscope_token=' + TOKEN,
                           'ptscope_token=' + TOKEN + '; ' + junk):
                self.assertGreater(len(cookie), size - 100)
                st, h, b = d.get('/api/v1/info', headers={'Cookie': cookie})
                self.assertEqual(st, 200)
                st, _ = ws_handshake(d.ws_port, ['Cookie: ' + cookie])
                self.assertEqual(st, 101, size)
            st, _ = ws_handshake(d.ws_port, ['Cookie: ' + junk +
                                             '; ptscope_token=' + TOKEN +
                                             'x'])
            self.assertNotEqual(st, 101)
            # a cookie whose name merely ends in ptscope_token is no token
            st, _ = ws_handshake(d.ws_port, ['Cookie: xptscope_token=' +
                                             TOKEN])
            self.assertNotEqual(st, 101)
        st, _ = ws_handshake(d.ws_port, ['Authorization: Bearer ' + TOKEN])
        self.assertEqual(st, 101)


main()
