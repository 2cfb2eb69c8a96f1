#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The live backend on a real old kernel: Debian 12's own 6.1 kernel.

6.1 has no PAGEMAP_SCAN (Linux 6.7+), so the daemon takes the pread()
fallback, the path most servers get (Debian 12's 6.1, Ubuntu 22.04's 5.15,
RHEL 9's 5.14).  tests/lib/guest.py boots the kernel under QEMU (TCG) with
an initramfs carrying ptscope, its shared libraries and loader, and
tests/child-layout.  The boot script (run before the ready line, so no
console input is needed) starts `child-layout more-kinds report`, whose
second line is the kernel's own view of its regions (its /proc/self/pagemap,
/proc/kpageflags, smaps and VmPTE: child-layout.c), starts the daemon
attached to it and asks it over HTTP (busybox wget) for the space, the
whole tree and some walks.  Every answer comes over the serial console as
one line "PTS-R NAME JSON"; the test parses them and compares the daemon's
answers with the kernel's view:

* present pages: the pte tables' children are the pages pagemap shows
  present (PM_PRESENT, bit 63: Documentation/admin-guide/mm/pagemap.rst),
  `file` exactly where PM_FILE (bit 61), `zero_page` exactly where
  kpageflags says KPF_ZERO_PAGE (bit 24, include/uapi/linux/kernel-page-flags.h);
* the THP (smaps AnonHugePages 2048 kB for its VMA: smaps_pmd_entry()
  counts PMD mappings only) is a 2 MiB block at the pmd with no pte table;
* the huge zero page (512 PFNs in a run, KPF_ZERO_PAGE|KPF_THP on the
  first: stable_page_flags() in fs/proc/page.c) is a 2 MiB zero-page block
  and not a file page, though pagemap marks it PM_FILE;
* VmPTE: the reconstructed table bytes equal VmPTE (as the child read it
  and as the daemon read it), the deposited tables counted once per
  anonymous or zero-page PMD mapping (pgtable_trans_huge_deposit() in
  mm/huge_memory.c); reconstructed THP bytes equal AnonHugePages.
The guest runs with transparent_hugepage=always (Debian's default;
Documentation/admin-guide/mm/transhuge.rst).  Skipped where QEMU or the
packages are missing; about 15 s with a cached kernel.
"""
import json
import os
import unittest

import guest
import ptstest
from ptstest import TestCase, main, hexs

REASON = guest.skip_reason('x86_64')
CHILD = os.path.join(ptstest.BUILDDIR, 'tests', 'child-layout')
PG = 4096
MiB = 1 << 20
KPF_COMPOUND_HEAD = 15      # include/uapi/linux/kernel-page-flags.h
KPF_THP = 22
KPF_ZERO_PAGE = 24

# The boot script: child, daemon, answers.  ash arithmetic is 64-bit.
SCRIPT = r'''
dmesg -n 1
ip link set lo up
rec() { echo "PTS-R $1 $2"; }
rec thp "\"$(cat /sys/kernel/mm/transparent_hugepage/enabled)\""
# the file exists before the loop reads it: the background child's own
# redirection may come after the loop's first wc (a race under load)
: > /tmp/child.out
/opt/child-layout more-kinds report > /tmp/child.out 2> /tmp/child.err &
child=$!
# no deadline here: the test's boot timeout is the one deadline
while [ "$(wc -l < /tmp/child.out)" -lt 2 ] && kill -0 $child 2>/dev/null; do
	sleep 0.1
done
kill -0 $child 2>/dev/null || { wait $child; rec child_exit $?; }
sed 's/^/PTS-LOG child: /' /tmp/child.err
rec child "$(sed -n 1p /tmp/child.out)"
rec kernel "$(sed -n 2p /tmp/child.out)"
pid=$(sed -n '1s/^{"pid":\([0-9]*\),.*/\1/p' /tmp/child.out)
addr() { sed -n "1s/.*\"$1\":\"\(0x[0-9a-f]*\)\".*/\1/p" /tmp/child.out; }
/opt/ptscope serve --listen 127.0.0.1:8080 --pid "$pid" --quiet \
	> /tmp/daemon.log 2>&1 &
daemon=$!
base=http://127.0.0.1:8080/api/v1/spaces/pid-$pid
until wget -q -O /dev/null "$base" 2>/dev/null || ! kill -0 $daemon 2>/dev/null
do
	sleep 0.1
done
sed 's/^/PTS-LOG /' /tmp/daemon.log
get() { rec "$1" "$(wget -q -O - "$base$2" 2>/dev/null | tr -d '\n\t')"; }
get space ''
get tree '/tree?node=pgd:0x0&depth=5'
get walk_thp "/walk?va=$(printf 0x%x $(($(addr thp) + 0x3456)))"
get walk_hzero "/walk?va=$(printf 0x%x $(($(addr hzero) + 0x10)))"
get walk_anon "/walk?va=$(printf 0x%x $(($(addr anon) + 100 * 4096)))"
rec errors "$(grep -ciE 'error|warning|sanitizer' /tmp/daemon.log)"
rec end 1
'''


def expand(runs):
    """[[first, last], ...] -> the set of indices."""
    return {i for a, b in runs for i in range(a, b + 1)}


def flags(x):
    return set(x.get('flags', []))


def tables(node, out):
    """(level, va) -> node for every table node of a tree answer."""
    out[(node['level'], int(node['va'], 16))] = node
    for c in node.get('children', []):
        if c['kind'] == 'table':
            tables(c, out)
    return out


@unittest.skipIf(REASON or not os.path.exists(CHILD),
                 REASON or 'tests/child-layout is not built')
class T(TestCase):
    @classmethod
    def setUpClass(cls):
        rd = guest.Initramfs('x86_64')
        rd.add_ptscope(os.path.realpath(ptstest.PTSCOPE), '/opt')
        rd.add_binary(CHILD, '/opt/child-layout')
        g = guest.Guest('x86_64', initrd=rd, mem_mb=1024,
                        append='transparent_hugepage=always',
                        script=SCRIPT, boot_timeout=300)
        with g:
            cls.rec = g.records('PTS-R')
            tail = g.tail(40)
        for name in ('child', 'kernel', 'space', 'tree'):
            if not cls.rec.get(name):
                raise AssertionError('no %s answer from the guest:\n%s'
                                     % (name, tail))
        cls.release = g.find_lines(r'^%s (\S+)' % guest.READY)
        cls.info = json.loads(cls.rec['child'])
        cls.kern = json.loads(cls.rec['kernel'])['kernel']
        cls.space = json.loads(cls.rec['space'])
        cls.tree = json.loads(cls.rec['tree'])
        cls.tables = tables(cls.tree['node'], {})

    def addr(self, name):
        return int(self.info[name], 16)

    def pte_children(self, va):
        """index -> child of the pte table covering va (None: no table)."""
        t = self.tables.get(('pte', va & ~(2 * MiB - 1)))
        if t is None:
            return None
        return {c['index']: c for c in t['children']}

    def test_01_old_kernel_and_fallback(self):
        self.assertTrue(self.release[0].group(1).startswith('6.1.'),
                        self.release[0].group(0))
        self.assertIn('[always]', self.rec['thp'])
        self.assertTrue(self.kern['kpageflags'])
        self.assertFalse(self.space['live']['pagemap_scan'], self.space)
        self.assertEqual(self.rec.get('end'), '1')   # the script ran through
        self.assertEqual(self.rec['errors'], '0')    # nothing logged

    def check_pages(self, name, pages):
        """Our leaves over the region = the kernel's present/file/zero."""
        k = self.kern[name]
        present, file_, zero = (expand(k['present']), expand(k['file']),
                                expand(k['zero']))
        base = self.addr(name)
        seen = set()
        for i in range(pages):
            va = base + i * PG
            kids = self.pte_children(va)
            c = kids.get((va >> 12) & 511) if kids is not None else None
            if c is None:
                continue
            self.assertEqual(c['kind'], 'page', (name, i, c))
            self.assertEqual(int(c['va'], 16), va)
            seen.add(i)
            self.assertEqual('file' in flags(c), i in file_, (name, i, c))
            self.assertEqual('zero_page' in flags(c), i in zero,
                             (name, i, c))
            self.assertIn('present', flags(c))
        self.assertEqual(seen, present, name)
        return present

    def test_02_present_pages(self):
        self.assertEqual(self.check_pages('anon', 1024),
                         {0, 1, 7, 100, 511})
        # nothing present in the second 2 MiB span: no pte table there
        self.assertIsNone(self.pte_children(self.addr('anon') + 2 * MiB))
        self.assertEqual(len(self.check_pages('zero', 512)), 12)
        self.assertEqual(len(expand(self.kern['zero']['zero'])), 8)
        self.check_pages('cow', 4)
        self.assertEqual(expand(self.kern['cow']['file']), {0, 2})
        self.check_pages('file', 3)
        self.check_pages('guard', 4)
        self.check_pages('swap', 8)

    def block(self, va):
        pmd = self.tables[('pmd', va & ~((1 << 30) - 1))]
        kids = {c['index']: c for c in pmd['children']}
        return kids.get((va >> 21) & 511)

    def test_03_thp_block(self):
        k = self.kern['thp']
        self.assertTrue(self.info['thp_ok'])
        self.assertEqual(k['anon_huge_kb'], 2048)     # PMD-mapped
        t = self.addr('thp')
        c = self.block(t)
        self.assertEqual(c['kind'], 'block', c)
        self.assertEqual(int(c['size'], 16), 2 * MiB)
        self.assertLessEqual({'thp', 'anon', 'present'}, flags(c))
        self.assertTrue(int(k['kpageflags0'], 16) >> KPF_THP & 1)
        self.assertIsNone(self.pte_children(t))
        w = json.loads(self.rec['walk_thp'])
        self.assertTrue(w['mapped'])
        self.assertEqual(w['page_size'], 2 * MiB)
        self.assertEqual(w['steps'][-1]['level'], 'pmd')
        self.assertEqual(w['steps'][-1]['kind'], 'block')

    def test_04_huge_zero_page(self):
        k = self.kern['hzero']
        kf = int(k['kpageflags0'], 16)
        if not (kf >> KPF_ZERO_PAGE & 1):
            self.fail('no huge zero page in the guest: %r' % k)
        self.assertTrue(k['pfn_run'])
        self.assertTrue(kf >> KPF_THP & 1 and kf >> KPF_COMPOUND_HEAD & 1)
        self.assertEqual(k['anon_huge_kb'], 0)   # smaps skips it
        self.assertEqual(expand(k['file']), set(range(512)))   # PM_FILE
        h = self.addr('hzero')
        c = self.block(h)
        self.assertEqual(c['kind'], 'block', c)
        self.assertEqual(int(c['size'], 16), 2 * MiB)
        self.assertIn('zero_page', flags(c))
        self.assertNotIn('file', flags(c))
        # kpageflags gives the huge zero page KPF_THP too (above)
        self.assertIn('thp', flags(c))
        self.assertIsNone(self.pte_children(h))
        w = json.loads(self.rec['walk_hzero'])
        self.assertTrue(w['mapped'])
        self.assertEqual(w['page_size'], 2 * MiB)

    def test_05_walk_anon(self):
        w = json.loads(self.rec['walk_anon'])
        self.assertTrue(w['mapped'])
        self.assertEqual(w['page_size'], PG)
        self.assertEqual(w['steps'][-1]['kind'], 'page')
        self.assertEqual(w['steps'][-1]['index'], 100)

    def test_06_vmpte_agreement(self):
        r, kern = self.space['reconstructed'], self.space['kernel']
        self.assertEqual(kern['vm_pte_kb'], self.kern['vm_pte_kb'])
        self.assertEqual(r['table_kb'], self.kern['vm_pte_kb'], self.space)
        # one deposit per PMD-mapped anonymous THP and huge zero page
        self.assertGreaterEqual(r['thp_deposited_tables'], 2)
        self.assertEqual(r['thp_kb'], kern['anon_huge_kb'])
        self.assertEqual(kern['anon_huge_kb'] * 1024 % (2 * MiB), 0)


if __name__ == '__main__':
    main()
