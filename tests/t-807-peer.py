#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No confused deputy (issue #13, part 3).

The daemon runs as nobody with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (the
second for the 0400 files of other users' /proc/PID), as the shipped unit
gives it: it may read every process's page tables.  A client running as nobody
could not read a root process itself (`cat /proc/PID/maps` is denied: the
kernel's ptrace read check, Documentation/filesystems/proc.rst), so
through the daemon it must not either: no attach, no tree, no ranges, no
WebSocket snapshot.  A root client may, and nobody may see its own
processes.  The daemon tells its clients apart by the uid owning the
client's end of the loopback connection (sock_diag; /proc/net/tcp).
"""
import json
import os
import shutil
import subprocess

import ptstest
from ptstest import Daemon, TestCase, main

NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
# a python that nobody may run (not one under root's home)
PYTHON = '/usr/bin/python3'
CLIENT = r'''
import http.client, json, sys
port, method, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
body = sys.argv[4] if len(sys.argv) > 4 else None
c = http.client.HTTPConnection('127.0.0.1', port, timeout=20)
c.request(method, path, body=body,
          headers={'Content-Type': 'application/json'} if body else {})
r = c.getresponse()
print(json.dumps({'status': r.status, 'body': r.read().decode()}))
'''


def as_nobody(d, method, path, body=None):
    """One request made by a process of uid 65534: (status, body text)."""
    cmd = NOBODY + [PYTHON, '-c', CLIENT, str(d.port), method, path]
    if body is not None:
        cmd.append(json.dumps(body))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    return o['status'], o['body']


class Deputy(TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0 or shutil.which('setpriv') is None or \
                not os.access(PYTHON, os.X_OK):
            raise ptstest.unittest.SkipTest('needs root, setpriv and '
                                            + PYTHON)
        cls.real = ptstest.PTSCOPE
        cls.copy = ptstest.copy_for_others()
        cls.wrap = os.path.join(ptstest.BUILDDIR, 'tests',
                                'ptscope-nobody-ptrace')
        with open(cls.wrap, 'w') as f:
            f.write('#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 '
                    '--clear-groups --inh-caps=+sys_ptrace,+dac_read_search '
                    '--ambient-caps=+sys_ptrace,+dac_read_search "%s" "$@"\n'
                    % cls.copy)
        os.chmod(cls.wrap, 0o755)
        ptstest.PTSCOPE = cls.wrap
        try:
            cls.d = Daemon().start()
        finally:
            ptstest.PTSCOPE = cls.real
        # a root process, and one of nobody's
        cls.root = subprocess.Popen(['sleep', '1000'])
        cls.mine = subprocess.Popen(NOBODY + ['sleep', '1000'])

    @classmethod
    def tearDownClass(cls):
        for p in (cls.root, cls.mine):
            p.kill()
            p.wait()
        cls.d.stop()
        os.unlink(cls.wrap)
        shutil.rmtree(os.path.dirname(cls.copy))

    def test_00_kernel_denies_nobody(self):
        """The premise: nobody cannot read root's maps itself, and the
        daemon (nobody + CAP_SYS_PTRACE) can."""
        r = subprocess.run(NOBODY + ['cat', '/proc/%d/maps' % self.root.pid],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, '')
        with open('/proc/%d/status' % self.d.proc.pid) as f:
            status = f.read()
        self.assertIn('Uid:\t65534\t65534\t65534\t65534', status)
        cap_eff = int([l for l in status.split('\n')
                       if l.startswith('CapEff:')][0].split()[1], 16)
        self.assertTrue(cap_eff >> 19 & 1, 'CAP_SYS_PTRACE (19) effective')

    def test_01_nobody_cannot_attach_root(self):
        st, body = as_nobody(self.d, 'POST', '/api/v1/spaces',
                             {'kind': 'process', 'pid': self.root.pid})
        self.assertEqual(st, 403, body)
        self.assertEqual(json.loads(body)['error']['code'],
                         'permission_denied')
        st, o = self.d.get_json('/api/v1/spaces')
        self.assertEqual([s for s in o['spaces'] if s['kind'] == 'process'],
                         [])

    def test_02_nobody_cannot_read_what_root_attached(self):
        st, o = self.d.post_json('/api/v1/spaces', {'kind': 'process',
                                                    'pid': self.root.pid})
        self.assertEqual(st, 201, o)
        sid = o['id']
        try:
            for sub in ('', '/tree?depth=4', '/ranges', '/regions',
                        '/walk?va=0x400000', '/ranges?format=ptdump'):
                st, body = as_nobody(self.d, 'GET',
                                     '/api/v1/spaces/%s%s' % (sid, sub))
                self.assertEqual(st, 403, (sub, body))
                self.assertNotIn('/usr/bin/sleep', body)
                self.assertNotIn('libc', body)
            # the root client reads it (its own right)
            st, o = self.d.get_json('/api/v1/spaces/%s/regions' % sid)
            self.assertEqual(st, 200, o)
            self.assertTrue(any('sleep' in r.get('name', '')
                                for r in o['regions']), o)
            # and over the WebSocket
            cmd = NOBODY + [ptstest.WS_CLIENT, '--protocol', 'ptscope.v1',
                            self.d.ws_url]
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True,
                                 bufsize=1)
            msgs = []
            try:
                p.stdin.write(json.dumps({'type': 'subscribe', 'space': sid,
                                          'node': 'pgd:0x0', 'depth': 4}) +
                              '\n')
                p.stdin.flush()
                for line in p.stdout:
                    if line.startswith('#'):
                        continue
                    m = json.loads(line)
                    msgs.append(m['type'])
                    if m['type'] in ('error', 'snapshot'):
                        break
            finally:
                p.kill()
                p.wait()
            self.assertEqual(msgs[-1], 'error', msgs)
            self.assertNotIn('snapshot', msgs)
        finally:
            self.d.delete('/api/v1/spaces/' + sid)

    def test_03_nobody_attaches_its_own(self):
        st, body = as_nobody(self.d, 'POST', '/api/v1/spaces',
                             {'kind': 'process', 'pid': self.mine.pid})
        self.assertEqual(st, 201, body)
        sid = json.loads(body)['id']
        st, body = as_nobody(self.d, 'GET', '/api/v1/spaces/%s/regions'
                             % sid)
        self.assertEqual(st, 200, body)
        self.assertIn('sleep', body)
        self.d.delete('/api/v1/spaces/' + sid)

    def test_04_root_only_files_with_the_capability(self):
        """/proc/pagetypeinfo is mode 0400 root: the daemon reads it with
        CAP_DAC_READ_SEARCH (opened, not access(2)ed: access() checks the
        real uid without capabilities); without the capability it says
        it is not readable."""
        if not os.path.exists('/proc/pagetypeinfo') or \
                os.stat('/proc/pagetypeinfo').st_mode & 0o044:
            self.skipTest('no root-only /proc/pagetypeinfo here')

        def zones(d):
            st, z = d.get_json('/api/v1/zones')
            self.assertEqual(st, 200, z)
            return z, [zone for node in z['nodes'] for zone in node['zones']]
        z, zs = zones(self.d)
        self.assertNotIn('pagetypeinfo is not readable', json.dumps(z))
        self.assertTrue(any(zone.get('migrate') for zone in zs), z)
        wrap = self.wrap + '-nodac'
        with open(wrap, 'w') as f:
            f.write('#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 '
                    '--clear-groups --inh-caps=+sys_ptrace '
                    '--ambient-caps=+sys_ptrace "%s" "$@"\n' % self.copy)
        os.chmod(wrap, 0o755)
        ptstest.PTSCOPE = wrap
        try:
            with Daemon() as d:
                z, zs = zones(d)
                self.assertIn('pagetypeinfo is not readable', json.dumps(z))
        finally:
            ptstest.PTSCOPE = self.real
            os.unlink(wrap)


main()
