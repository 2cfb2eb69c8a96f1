#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Live backend: the two-pass scan answers exactly as the one-pass scan.

The default scanner reads only present/swapped/huge/guard ranges at each
refresh and the per-page categories (file, zero page, soft-dirty) only for
what a request lists.  PTSCOPE_ONE_PASS=1 makes a daemon read every category
at every refresh (the old scanner).  Both attach to one tests/child-layout
more-kinds child (anonymous, THP, shared file, private file with
copied-on-write pages, zero pages, huge zero page, guard marker, swap when
the machine has swap, soft-dirty on two pages only); every tree, expanded
table, walk, ranges, regions and cost answer and reconstructed count
must be equal, and the
per-page flags must match what the child's own pagemap says.
"""
import json
import os
import struct
import subprocess
import time

import ptstest
from ptstest import Daemon, TestCase, main, hexs

CHILD = os.path.join(ptstest.BUILDDIR, 'tests', 'child-layout')
PG = 4096
MiB = 1 << 20
PM_SOFT_DIRTY = 1 << 55
PM_MMAP_EXCLUSIVE = 1 << 56
PM_UFFD_WP = 1 << 57
PM_FILE = 1 << 61
PM_SWAP = 1 << 62
PM_PRESENT = 1 << 63


def flags(x):
    return set(x.get('flags', []))


def strip(body):
    """An answer without what names the daemon (space id, generation)."""
    body = dict(body)
    body.pop('space', None)
    body.pop('generation', None)
    body.pop('id', None)
    return body


def tables(node, out):
    """Every table node (level, va) of a tree answer (a child of kind
    "table" carries the next table's own fields)."""
    out.append((node['level'], node['va']))
    for c in node.get('children', []):
        if c['kind'] == 'table':
            tables(c, out)
    return out


def leaves(node, out):
    """Every leaf child (page, swap, block) of a tree answer."""
    for c in node.get('children', []):
        if c['kind'] == 'table':
            leaves(c, out)
        elif c['kind'] in ('page', 'swap', 'block'):
            out.append(c)
    return out


class TwoPassTest(TestCase):
    @classmethod
    def setUpClass(cls):
        import unittest
        if not os.path.exists('/proc/self/pagemap'):
            raise unittest.SkipTest('no /proc/self/pagemap')
        cls.p = subprocess.Popen([CHILD, 'more-kinds'],
                                 stdout=subprocess.PIPE, text=True)
        cls.info = json.loads(cls.p.stdout.readline())
        cls.two = Daemon().start()
        cls.one = Daemon(env={'PTSCOPE_ONE_PASS': '1'}).start()
        cls.ids = {}
        for d in (cls.two, cls.one):
            st, b = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                   'pid': cls.info['pid']})
            assert st == 201, (st, b)
            cls.ids[d] = b['id']

    @classmethod
    def tearDownClass(cls):
        cls.p.terminate()
        cls.p.wait(10)
        cls.p.stdout.close()
        cls.two.stop()
        cls.one.stop()

    def get(self, d, what, query=''):
        st, b = d.get_json('/api/v1/spaces/%s%s%s' % (self.ids[d], what,
                                                       query))
        self.assertEqual(st, 200, b)
        return strip(b)

    def addr(self, name):
        return int(self.info[name], 16)

    def pagemap(self, va, n):
        with open('/proc/%d/pagemap' % self.info['pid'], 'rb') as f:
            f.seek(va // PG * 8)
            return struct.unpack('<%dQ' % n, f.read(8 * n))

    def answers(self, d):
        """Everything the comparison looks at, from daemon d."""
        full = self.get(d, '/tree', '?depth=4')
        out = {'tree': full, 'ranges': self.get(d, '/ranges'),
               'regions': self.get(d, '/regions'),
               'cost': self.get(d, '/cost')}
        for level, va in tables(full['node'], []):
            out['%s:%s' % (level, va)] = self.get(
                d, '/tree', '?node=%s:%s&depth=1' % (level, va))
        for c in leaves(full['node'], []):
            va = int(c['va'], 16)
            for off in (0, int(c['size'], 16) - 1):
                out['walk %x' % (va + off)] = self.get(
                    d, '/walk', '?va=' + hexs(va + off))
        return out

    def stable(self, d):
        """d's answers once two in a row agree (khugepaged may still be
        collapsing something in the child when it starts)."""
        deadline = time.monotonic() + 20
        last = self.answers(d)
        while time.monotonic() < deadline:
            time.sleep(0.15)	# past --min-interval: the next read rescans
            now = self.answers(d)
            if now == last:
                return now
            last = now
        self.fail('the child never settled')

    def test_01_scan_modes(self):
        self.assertEqual(self.get(self.two, '')['live']['scan'], 'two-pass')
        self.assertEqual(self.get(self.one, '')['live']['scan'], 'one-pass')

    def test_02_same_answers(self):
        # The child's pages can change under both daemons (khugepaged,
        # compaction, the kernel's own page moves flip flags such as
        # exclusive for a moment): a pair is compared only when the
        # two-pass answers were the same before and after the one-pass
        # ones, and a pair that differs is taken again (a real difference
        # between the scanners differs every time).
        for _ in range(5):
            a = self.stable(self.two)
            b = self.answers(self.one)
            time.sleep(0.15)	# a fresh scan, not the throttled last one
            if self.answers(self.two) == a and a == b:
                break	# (else the child changed while b was read)
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            self.assertEqual(a[k], b[k], k)
        self.assertGreater(len([k for k in a if k.startswith('walk')]), 100)
        self.assertGreater(len([k for k in a if k.startswith('pte:')]), 5)
        ia, ib = self.get(self.two, ''), self.get(self.one, '')
        self.assertEqual(ia['reconstructed'], ib['reconstructed'])

    def children(self, d, va):
        b = self.get(d, '/tree', '?node=pte:%s&depth=1' % hexs(va))
        return {int(c['va'], 16): c for c in b['node']['children']}

    def settled(self, d, va, n):
        """The pte table at va from a scan made while the child's pagemap
        words of [va, va + n pages) stayed the same (clean file pages can be
        reclaimed or migrated under memory pressure), with those words."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            before = self.pagemap(va, n)
            time.sleep(0.15)	# past --min-interval: the next read rescans
            kids = self.children(d, va)
            if self.pagemap(va, n) == before:
                return kids, before
        self.fail('the pages at %#x kept changing' % va)

    def test_03_flags_match_pagemap(self):
        for d in (self.two, self.one):
            for name, n in (('zero', 16), ('cow', 4), ('swap', 8)):
                va = self.addr(name)
                kids, words = self.settled(d, va, n)
                for i, w in enumerate(words):
                    c = kids.get(va + i * PG)
                    if not w & (PM_PRESENT | PM_SWAP):
                        self.assertIsNone(c, (name, i))
                        continue
                    self.assertIsNotNone(c, (name, i))
                    f = flags(c)
                    self.assertEqual('soft_dirty' in f,
                                     bool(w & PM_SOFT_DIRTY), (name, i, f))
                    # bits 56 and 57 (pagemap.rst) are their own flags,
                    # never taken for soft-dirty or for each other
                    self.assertEqual('uffd_wp' in f, bool(w & PM_UFFD_WP),
                                     (name, i, f))
                    self.assertEqual('exclusive' in f,
                                     bool(w & PM_MMAP_EXCLUSIVE), (name, i, f))
                    if w & PM_PRESENT:
                        self.assertEqual('file' in f, bool(w & PM_FILE),
                                         (name, i, f))

    def test_04_zero_and_cow_pages(self):
        z, cow = self.addr('zero'), self.addr('cow')
        for d in (self.two, self.one):
            kids, _ = self.settled(d, z, 16)
            for i in range(12):
                self.assertEqual('zero_page' in flags(kids[z + i * PG]),
                                 i < 8, i)
            self.assertEqual(sorted(i for i in range(16)
                                    if z + i * PG in kids), list(range(12)))
            if self.pagemap(z + 8 * PG, 1)[0] & PM_SOFT_DIRTY:
                # (the kernel has CONFIG_MEM_SOFT_DIRTY)
                self.assertIn('soft_dirty', flags(kids[z + 8 * PG]))
                self.assertNotIn('soft_dirty', flags(kids[z + 9 * PG]))
            kids, words = self.settled(d, cow, 4)
            # the copies (1, 3) are anonymous and cannot go without swap;
            # the clean file pages (0, 2) may have been reclaimed
            self.assertIn(cow + PG, kids)
            self.assertIn(cow + 3 * PG, kids)
            for i in range(4):
                if words[i] & PM_PRESENT:
                    self.assertEqual('file' in flags(kids[cow + i * PG]),
                                     i in (0, 2), i)

    def test_05_kernel_counters(self):
        with open('/proc/%d/status' % self.info['pid']) as f:
            vmpte = [int(l.split()[1]) for l in f if l.startswith('VmPTE:')]
        for d in (self.two, self.one):
            deadline = time.monotonic() + 20
            while True:
                i = self.get(d, '')
                if (i['reconstructed']['table_kb'] == vmpte[0] and
                        i['reconstructed']['thp_kb'] ==
                        i['kernel']['anon_huge_kb']) or \
                        time.monotonic() > deadline:
                    break
                time.sleep(0.15)
            self.assertEqual(i['reconstructed']['table_kb'], vmpte[0])
            self.assertEqual(i['reconstructed']['thp_kb'],
                             i['kernel']['anon_huge_kb'])

    def test_06_swap(self):
        if not self.info['swap_ok']:
            self.skipTest('no swap on this machine: MADV_PAGEOUT kept the '
                          'pages (the comparison above still covers guard '
                          'markers, the other swap-format entries)')
        va = self.addr('swap')
        for d in (self.two, self.one):
            c = self.children(d, va)[va]
            self.assertEqual(c['kind'], 'swap')
            self.assertIn('swapped', flags(c))


if __name__ == '__main__':
    main()
