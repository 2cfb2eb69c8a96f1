#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Live backend: attach to a child whose layout we control, exact answers.

tests/child-layout maps a 2 MiB-aligned anonymous region with pages
0 1 7 100 511 written, a MADV_HUGEPAGE region, a 3-page shared file
mapping, a PROT_NONE region, a region with a guard marker and a page at
0x500000000000; on SIGUSR1 it writes pages 200, 300 and 512 more.
"""
import os
import shutil
import tempfile
import time

import ptstest
from ptstest import Daemon, LayoutChild as Child, TestCase, main, hexs

CHILD = ptstest.CHILD_LAYOUT
PG = 4096
MiB = 1 << 20


def flags(x):
    return set(x.get('flags', []))


def unittest_skip(why):
    import unittest
    return unittest.SkipTest(why)


class LiveTest(TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists('/proc/self/pagemap'):
            raise unittest_skip('no /proc/self/pagemap')
        cls.d = Daemon().start()
        cls.c = Child().__enter__()
        st, body = cls.d.post_json('/api/v1/spaces',
                                   {'kind': 'process', 'pid': cls.c.pid})
        assert st == 201, (st, body)
        cls.sid = body['id']

    @classmethod
    def tearDownClass(cls):
        cls.c.end()
        cls.d.stop()

    def tree(self, node, depth=1):
        return self.d.get_json('/api/v1/spaces/%s/tree?node=%s&depth=%d'
                               % (self.sid, node, depth))

    def walk(self, va):
        return self.d.get_json('/api/v1/spaces/%s/walk?va=%s'
                               % (self.sid, hexs(va)))

    def test_01_anon_pte_table(self):
        a = self.c.addr('anon')
        st, b = self.tree('pte:' + hexs(a + 0x1234))
        self.assertEqual(st, 200, b)
        n = b['node']
        self.assertEqual(n['level'], 'pte')
        self.assertEqual(n['va'], hexs(a))
        self.assertEqual(n['stats']['present_pages'], 5)
        self.assertEqual(n['stats']['tables'], 1)
        self.assertIsNone(n['table_pa'])
        self.assertEqual([c['index'] for c in n['children']],
                         [0, 1, 7, 100, 511])
        for c in n['children']:
            self.assertEqual(c['kind'], 'page')
            self.assertIsNone(c['entry'])
            self.assertLessEqual({'present', 'read', 'write', 'user',
                                  'anon', 'exclusive'}, flags(c))
            self.assertNotIn('file', flags(c))
        self.assertEqual(n['children'][2]['va'], hexs(a + 7 * PG))

    def test_02_anon_walks(self):
        a = self.c.addr('anon')
        st, w = self.walk(a + 2 * PG)
        self.assertEqual(st, 200, w)
        self.assertFalse(w['mapped'])
        self.assertEqual([s['kind'] for s in w['steps']],
                         ['table', 'table', 'table', 'none'])
        self.assertEqual(w['steps'][3]['index'], 2)
        st, w = self.walk(a + 100 * PG + 5)
        self.assertTrue(w['mapped'])
        self.assertEqual(w['steps'][3]['kind'], 'page')
        self.assertEqual(w['page_size'], PG)
        st, w = self.walk(a + 3 * MiB)
        self.assertFalse(w['mapped'])
        self.assertEqual(w['steps'][2]['kind'], 'none')
        st, b = self.tree('pte:' + hexs(a + 2 * MiB))
        self.assertEqual(st, 404, b)
        self.assertEqual(b['error']['code'], 'no_such_table')

    def test_03_thp_block(self):
        if not self.c.info['thp_ok']:
            self.skipTest('the kernel gave no THP (see '
                          '/sys/kernel/mm/transparent_hugepage/enabled)')
        t = self.c.addr('thp')
        st, b = self.tree('pmd:' + hexs(t))
        self.assertEqual(st, 200, b)
        kids = {c['index']: c for c in b['node']['children']}
        c = kids[(t >> 21) & 511]
        self.assertEqual(c['kind'], 'block')
        self.assertEqual(c['va'], hexs(t))
        self.assertEqual(int(c['size'], 16), 2 * MiB)
        self.assertIn('thp', flags(c))
        st, w = self.walk(t + 0x3456)
        self.assertTrue(w['mapped'])
        self.assertEqual(len(w['steps']), 3)
        self.assertEqual(w['steps'][2]['level'], 'pmd')
        self.assertEqual(w['steps'][2]['kind'], 'block')
        self.assertEqual(w['page_size'], 2 * MiB)
        st, b = self.tree('pte:' + hexs(t))
        self.assertEqual(st, 404, b)

    def test_04_file_mapping(self):
        f = self.c.addr('file')
        for i in range(3):
            # the three pages may straddle two pte tables (index 511, 0)
            va = f + i * PG
            st, b = self.tree('pte:' + hexs(va))
            self.assertEqual(st, 200, b)
            kids = {c['index']: c for c in b['node']['children']}
            c = kids[(va >> 12) & 511]
            self.assertEqual(c['kind'], 'page')
            self.assertLessEqual({'present', 'read', 'file', 'shared'},
                                 flags(c))
            self.assertNotIn('write', flags(c))
            self.assertNotIn('anon', flags(c))

    def test_05_prot_none(self):
        p = self.c.addr('prot_none')
        for i in range(4):
            st, w = self.walk(p + i * PG)
            self.assertEqual(st, 200, w)
            self.assertFalse(w['mapped'])
            self.assertEqual(w['steps'][-1]['kind'], 'none')

    def test_06_guard_marker(self):
        if not self.c.info['guard_ok']:
            self.skipTest('MADV_GUARD_INSTALL unsupported (Linux < 6.13)')
        g = self.c.addr('guard')
        st, b = self.tree('pte:' + hexs(g))
        kids = {c['index']: c for c in b['node']['children']}
        i = (g >> 12) & 511
        self.assertEqual(kids[i]['kind'], 'page')
        self.assertNotIn(i + 1, kids)
        self.assertEqual(kids[i + 2]['kind'], 'swap')
        self.assertIn('guard', flags(kids[i + 2]))
        self.assertNotIn('swapped', flags(kids[i + 2]))
        self.assertEqual(b['node']['stats']['swapped_pages'], 0)
        st, w = self.walk(g + 2 * PG)
        self.assertFalse(w['mapped'])
        self.assertEqual(w['steps'][-1]['kind'], 'swap')

    def test_07_high_mapping(self):
        h = self.c.info['high']
        if h is None:
            self.skipTest('no room above 2^46 in this VA range')
        h = int(h, 16)
        self.assertGreaterEqual(h, 1 << 46)
        st, w = self.walk(h)
        self.assertTrue(w['mapped'])
        self.assertEqual(w['steps'][0]['index'], h >> 39)
        self.assertEqual(w['steps'][-1]['kind'], 'page')

    def test_08_vmpte_agreement(self):
        st, b = self.d.get_json('/api/v1/spaces/' + self.sid)
        self.assertEqual(st, 200, b)
        self.assertTrue(b['inferred'])
        with open('/proc/%d/status' % self.c.pid) as f:
            vmpte = [int(l.split()[1]) for l in f if l.startswith('VmPTE:')]
        self.assertEqual(b['kernel']['vm_pte_kb'], vmpte[0])
        self.assertEqual(b['reconstructed']['table_kb'], vmpte[0])
        self.assertEqual(b['reconstructed']['thp_kb'],
                         b['kernel']['anon_huge_kb'])

    def test_09_change_then_exit(self):
        a = self.c.addr('anon')
        time.sleep(0.15)
        st, b0 = self.tree('pte:' + hexs(a))
        time.sleep(0.15)
        st, b1 = self.tree('pte:' + hexs(a))
        self.assertEqual(b1['generation'], b0['generation'])
        self.c.more()
        time.sleep(0.15)
        st, b2 = self.tree('pte:' + hexs(a))
        self.assertGreater(b2['generation'], b1['generation'])
        self.assertEqual(b2['node']['stats']['present_pages'], 7)
        self.assertEqual([c['index'] for c in b2['node']['children']],
                         [0, 1, 7, 100, 200, 300, 511])
        st, b3 = self.tree('pte:' + hexs(a + 2 * MiB))
        self.assertEqual(st, 200, b3)
        self.assertEqual([c['index'] for c in b3['node']['children']], [0])
        self.c.end()
        time.sleep(0.15)
        st, b4 = self.tree('pte:' + hexs(a))
        self.assertEqual(st, 404, b4)
        self.assertEqual(b4['error']['code'], 'process_exited')


class PreadSpanTest(TestCase):
    """The pread fallback (PTSCOPE_FORCE_PREAD: what kernels before 6.7
    get) reads pagemap only inside VMAs.  The child's page above 2^46 and
    its libraries near 0x7f... leave tens of TiB of holes between two
    leaves; a ranges answer (and the history's first state) asked for the
    categories of that whole span, and the fallback read its pagemap words:
    gigabytes, for minutes, before the daemon even listened (found by
    t-610 on Debian 12's 6.1).  The answers must equal the ioctl path's,
    and the daemon must have read less than 64 MiB in all (its
    /proc/PID/io rchar; a hole of 1 TiB alone is 2 GiB of words)."""

    def test_ranges_tree_without_holes(self):
        with Child() as c, Daemon(env={'PTSCOPE_FORCE_PREAD': '1'}) as d, \
                Daemon() as d2:
            if c.info['high'] is None:
                self.skipTest('no room above 2^46 in this VA range')
            sids = []
            for dm in (d, d2):
                st, b = dm.post_json('/api/v1/spaces',
                                     {'kind': 'process', 'pid': c.pid})
                self.assertEqual(st, 201, b)
                sids.append(b['id'])

            def answers(dm, sid):
                st, r = dm.get_json('/api/v1/spaces/%s/ranges' % sid)
                self.assertEqual(st, 200, r)
                st, t = dm.get_json('/api/v1/spaces/%s/tree?node=pgd:0x0'
                                    '&depth=5' % sid)
                self.assertEqual(st, 200, t)
                return r['ranges'], t['node']

            a, b = answers(d, sids[0]), answers(d2, sids[1])
            with open('/proc/%d/io' % d.proc.pid) as f:
                io = dict(l.split(':') for l in f)
            self.assertLess(int(io['rchar']), 64 << 20)
            # the child's file pages are shared with every other process
            # mapping the same file (another test's child-layout beside
            # this one): their PM_MMAP_EXCLUSIVE can change between the two
            # reads, so read both again, past --min-interval, until a pair
            # agrees
            for _ in range(20):
                if a == b:
                    break
                time.sleep(0.15)
                a, b = answers(d, sids[0]), answers(d2, sids[1])
            st, info = d.get_json('/api/v1/spaces/' + sids[0])
            self.assertFalse(info['live']['pagemap_scan'])
            self.assertEqual(a[0], b[0])
            self.assertEqual(a[1], b[1])


class ErrorTest(TestCase):
    def test_no_such_pid_and_kernel_thread(self):
        with Daemon() as d:
            st, b = d.post_json('/api/v1/spaces',
                                {'kind': 'process', 'pid': 0x3ffffff0})
            self.assertEqual(st, 404, b)
            st, b = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                   'pid': 2})
            self.assertEqual(st, 400, b)
            self.assertEqual(b['error']['code'], 'kernel_thread')

    def test_forbidden_as_nobody(self):
        if os.geteuid() != 0:
            self.skipTest('needs root to run the daemon as nobody')
        if not os.path.exists('/usr/bin/setpriv'):
            self.skipTest('no setpriv')
        real = ptstest.PTSCOPE
        binary = ptstest.copy_for_others()
        fd, wrap = tempfile.mkstemp(prefix='ptscope-nobody-')
        with os.fdopen(fd, 'w') as f:
            f.write('#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 '
                    '--clear-groups "%s" "$@"\n' % binary)
        os.chmod(wrap, 0o755)
        ptstest.PTSCOPE = wrap
        try:
            with Child() as c, Daemon() as d:
                st, b = d.post_json('/api/v1/spaces',
                                    {'kind': 'process', 'pid': c.pid})
                self.assertEqual(st, 403, b)
                self.assertIn('CAP_SYS_PTRACE', b['error']['message'])
        finally:
            ptstest.PTSCOPE = real
            os.unlink(wrap)
            shutil.rmtree(os.path.dirname(binary))


if __name__ == '__main__':
    main()
