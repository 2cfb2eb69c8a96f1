#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hardening: physical addresses of live spaces (issue #8, part 2).

PFNs and physical addresses of live processes are hidden (null) unless the
daemon runs with --show-physical, in trees, walks, ranges (JSON and ptdump
text) and WebSocket snapshots; /api/v1/info says they are hidden.
Simulated spaces always show their simulated addresses.  The PFN the
daemon shows with --show-physical is checked against this test's own read
of /proc/PID/pagemap (bits 0-54 are the PFN, bit 63 "present";
Documentation/admin-guide/mm/pagemap.rst).
"""
import json
import os
import re
import struct
import subprocess

import ptstest
from ptstest import Daemon, TestCase, main, hexs

CHILD = os.path.join(ptstest.BUILDDIR, 'tests', 'child-layout')
PG = 4096


def pagemap_pfn(pid, va):
    """The PFN of va in pid per pagemap, or None when not present/hidden."""
    with open('/proc/%d/pagemap' % pid, 'rb') as f:
        f.seek((va // PG) * 8)
        e, = struct.unpack('<Q', f.read(8))
    if not e >> 63 & 1:
        return None
    pfn = e & ((1 << 55) - 1)
    return pfn or None


class Child:
    def __enter__(self):
        self.p = subprocess.Popen([CHILD], stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.p.stdout.readline())
        self.pid = self.info['pid']
        self.anon = int(self.info['anon'], 16)
        return self

    def __exit__(self, *exc):
        self.p.terminate()
        self.p.wait(10)
        self.p.stdout.close()


def pfn_readable():
    """Whether this test can read PFNs itself (root, CAP_SYS_ADMIN)."""
    try:
        return pagemap_pfn(os.getpid(), id(pfn_readable) & ~(PG - 1)) \
            is not None
    except OSError:
        return False


class Physical(TestCase):
    def setUp(self):
        if not os.path.exists(CHILD):
            self.skipTest('tests/child-layout is not built')
        if not os.path.exists('/proc/self/pagemap'):
            self.skipTest('no /proc/self/pagemap')

    def attach(self, d, pid):
        st, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                               'pid': pid})
        self.assertEqual(st, 201, o)
        return o['id']

    def views(self, d, sid, va):
        st, t = d.get_json('/api/v1/spaces/%s/tree?node=pte:%s'
                           % (sid, hexs(va)))
        self.assertEqual(st, 200, t)
        st, w = d.get_json('/api/v1/spaces/%s/walk?va=%s' % (sid, hexs(va)))
        self.assertEqual(st, 200, w)
        st, r = d.get_json('/api/v1/spaces/%s/ranges' % sid)
        self.assertEqual(st, 200, r)
        st, h, txt = d.get('/api/v1/spaces/%s/ranges?format=ptdump' % sid)
        self.assertEqual(st, 200)
        return t, w, r, txt.decode()

    def test_hidden_by_default(self):
        if not pfn_readable():
            self.skipTest('PFNs are not readable here (needs root): the '
                          'kernel itself hides them')
        with Child() as c, Daemon() as d:
            st, info = d.get_json('/api/v1/info')
            self.assertTrue(info['physical_hidden'])
            sid = self.attach(d, c.pid)
            t, w, r, txt = self.views(d, sid, c.anon)
            kids = t['node']['children']
            self.assertEqual(len(kids), 5)
            for k in kids:
                self.assertIn('pa', k)
                self.assertIsNone(k['pa'], k)
                self.assertIsNone(k['entry'], k)
            self.assertIsNone(t['node']['table_pa'])
            self.assertTrue(w['mapped'])
            self.assertIsNone(w['pa'])
            for s in w['steps']:
                self.assertIsNone(s['table_pa'])
                self.assertIsNone(s['entry'])
            for x in r['ranges']:
                self.assertIsNone(x.get('pa'), x)
            # the text form carries no physical addresses either
            self.assertNotRegex(txt, r'(?i)\bpa[=:]|phys')
            with d.ws() as ws:
                ws.send({'type': 'subscribe', 'space': sid,
                         'node': 'pte:' + hexs(c.anon), 'depth': 1})
                m = ws.recv_type('snapshot', 10)
                self.assertIsNotNone(m)
                for k in m['node']['children']:
                    self.assertIsNone(k.get('pa'), k)
                    self.assertIsNone(k.get('entry'), k)

    def test_shown_with_flag(self):
        if not pfn_readable():
            self.skipTest('PFNs are not readable here (needs root)')
        with Child() as c, Daemon(args=['--show-physical']) as d:
            st, info = d.get_json('/api/v1/info')
            self.assertFalse(info['physical_hidden'])
            sid = self.attach(d, c.pid)
            t, w, r, txt = self.views(d, sid, c.anon)
            kids = {k['index']: k for k in t['node']['children']}
            self.assertEqual(sorted(kids), [0, 1, 7, 100, 511])
            for i, k in kids.items():
                pfn = pagemap_pfn(c.pid, c.anon + i * PG)
                self.assertIsNotNone(pfn)
                self.assertEqual(k['pa'], hexs(pfn * PG), i)
            pfn = pagemap_pfn(c.pid, c.anon + 100 * PG)
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=%s'
                               % (sid, hexs(c.anon + 100 * PG + 0x123)))
            self.assertEqual(w['pa'], hexs(pfn * PG + 0x123))

    def test_sim_always_shows(self):
        with Daemon() as d:
            sid = d.new_sim('x86_64-4l')
            st, o = d.op(sid, op='map', va='0x400000', size='0x1000',
                         prot='rw', page_size='4k')
            self.assertEqual(st, 200, o)
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=0x400000' % sid)
            self.assertEqual(st, 200, w)
            self.assertTrue(w['mapped'])
            self.assertRegex(w['pa'], r'^0x[0-9a-f]+$')
            for s in w['steps']:
                self.assertRegex(s['table_pa'], r'^0x[0-9a-f]+$')
                self.assertRegex(s['entry'], r'^0x[0-9a-f]+$')
            # the pte's PFN field is the page's address (x86 bits 12..51)
            pte = int(w['steps'][-1]['entry'], 16)
            self.assertEqual(pte & 0x000ffffffffff000, int(w['pa'], 16))


main()
