#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cost: per-region cost against the kernel's smaps, the pte-table charging
rule and the what-if replay against counts derived here from the child's
own pagemap, on a child whose layout we control (tests/child-layout)."""
import os
import struct
import unittest

import fakeproc
import ptstest
from ptstest import Daemon, LayoutChild as Child, TestCase, main

CHILD = ptstest.CHILD_LAYOUT
PG = 4096
MiB = 1 << 20

# Geometry from the kernels' headers (PAGE_SHIFT, P?D_SHIFT, PTRS_PER_*):
# (page shift, [(shift, index bits) of each level below the root]).
GEOMETRY = {
    # arch/arm64/include/asm/pgtable-hwdef.h, 16K granule, 48-bit VA:
    # pgd 47 (2 entries), pud 36, pmd 25, pte 14, 11 bits each
    'arm64-16k-48': (14, {'pud': (36, 11), 'pmd': (25, 11),
                          'pte': (14, 11)}),
    # arch/x86/include/asm/pgtable_64_types.h with LA57: p4d 39, pud 30,
    # pmd 21, pte 12, 9 bits each
    'x86_64-5l': (12, {'p4d': (39, 9), 'pud': (30, 9), 'pmd': (21, 9),
                       'pte': (12, 9)}),
}


def read_maps(pid):
    vmas = []
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            p = line.split(None, 5)
            a, b = (int(x, 16) for x in p[0].split('-'))
            if a >= 1 << 47:
                continue        # [vsyscall]: not in the user half
            vmas.append({'start': a, 'end': b, 'perms': p[1],
                         'inode': int(p[4]),
                         'name': p[5].strip() if len(p) > 5 else ''})
    return vmas


def read_smaps(pid):
    out, cur = {}, None
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            k = line.split()
            if not k[0].endswith(':') and '-' in k[0]:
                cur = int(k[0].split('-')[0], 16)
                out[cur] = {}
            elif k[0].endswith(':') and len(k) >= 2 and k[1].isdigit():
                out[cur][k[0][:-1]] = int(k[1])
    return out


def pagemap_entries(pid, vmas):
    """{va: word} of every non-empty pagemap entry (present, swap or a
    guard marker) of every VMA."""
    out = {}
    with open('/proc/%d/pagemap' % pid, 'rb') as f:
        for v in vmas:
            n = (v['end'] - v['start']) // PG
            f.seek(v['start'] // PG * 8)
            words = struct.unpack('<%dQ' % n, f.read(n * 8))
            for i, w in enumerate(words):
                if w & (7 << 61) or w & (1 << 58):
                    out[v['start'] + i * PG] = w
    return out


class LiveCost(TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(CHILD):
            raise AssertionError('tests/child-layout is not built')
        cls.d = Daemon().start()
        cls.c = Child().__enter__()
        st, b = cls.d.post_json('/api/v1/spaces',
                                {'kind': 'process', 'pid': cls.c.pid})
        assert st == 201, (st, b)
        cls.sid = b['id']

    @classmethod
    def tearDownClass(cls):
        cls.c.end()
        cls.d.stop()

    def get(self, what):
        st, b = self.d.get_json('/api/v1/spaces/%s/%s' % (self.sid, what))
        self.assertEqual(st, 200, b)
        return b

    def thp_span(self):
        """The child's THP [start, end) when the kernel gave it one."""
        if not self.c.info['thp_ok']:
            return None
        a = int(self.c.info['thp'], 16)
        return (a, a + 2 * MiB)

    def test_01_regions_equal_smaps(self):
        b = self.get('regions')
        sm = read_smaps(self.c.pid)
        maps = read_maps(self.c.pid)
        self.assertEqual([int(r['start'], 16) for r in b['regions']],
                         [v['start'] for v in maps])
        for r in b['regions']:
            s = sm[int(r['start'], 16)]
            want = {'rss_kb': s['Rss'], 'anon_kb': s['Anonymous'],
                    'file_kb': s['Rss'] - s['Anonymous'],
                    'swap_kb': s['Swap'],
                    'thp_kb': s['AnonHugePages'] + s['ShmemPmdMapped'] +
                    s['FilePmdMapped']}
            self.assertEqual({k: r[k] for k in want}, want,
                             '%s %s' % (r['start'], r['name']))
        anon = int(self.c.info['anon'], 16)
        a = [r for r in b['regions'] if int(r['start'], 16) == anon][0]
        self.assertEqual(a['rss_kb'], 5 * 4)     # pages 0 1 7 100 511
        self.assertEqual(a['table_pages'], 1)
        if self.thp_span():
            t = [r for r in b['regions']
                 if int(r['start'], 16) == self.thp_span()[0]][0]
            self.assertEqual(t['thp_kb'], 2048)
            self.assertEqual(t['deposited_tables'], 1)
            self.assertEqual(t['table_pages'], 0)

    def test_02_charged_tables_sum_to_reconstruction(self):
        b = self.get('regions')
        st, sp = self.d.get_json('/api/v1/spaces/' + self.sid)
        rec = sp['reconstructed']
        self.assertEqual(sum(r['table_pages'] for r in b['regions']),
                         rec['tables']['pte'])
        self.assertEqual(b['charged_table_pages'], rec['tables']['pte'])
        self.assertEqual(b['tables'], dict(rec['tables'], pgd=1))
        self.assertEqual(b['deposited_tables'],
                         rec['thp_deposited_tables'])

    def test_03_charging_rule_from_pagemap(self):
        """Each pte table to the VMA with most of its entries (lower
        address on a tie), counted here from pagemap."""
        maps = read_maps(self.c.pid)
        ent = pagemap_entries(self.c.pid, maps)
        thp = self.thp_span()
        per = {}        # table -> {vma start: entries}
        for v in maps:
            for va in range(v['start'], v['end'], PG):
                if va in ent and not (thp and thp[0] <= va < thp[1]):
                    t = per.setdefault(va >> 21, {})
                    t[v['start']] = t.get(v['start'], 0) + 1
        want = {}
        for t, owners in per.items():
            best = max(owners.items(), key=lambda kv: (kv[1], -kv[0]))[0]
            want[best] = want.get(best, 0) + 1
        got = {int(r['start'], 16): r['table_pages']
               for r in self.get('regions')['regions'] if r['table_pages']}
        self.assertEqual(got, want)
        self.assertGreater(len(per), 3)

    def expected_whatif(self, arch, thp_block):
        """Tables that the child's present pages need on arch, derived from
        pagemap and the kernel's geometry; thp_block keeps the THP a block
        (and its deposited pte table)."""
        shift, levels = GEOMETRY[arch]
        maps = read_maps(self.c.pid)
        ent = pagemap_entries(self.c.pid, maps)
        thp = self.thp_span() if thp_block else None
        pages = set(va >> shift for va in ent
                    if not (thp and thp[0] <= va < thp[1]))
        tables = {'pgd': 1}
        for name, (s, bits) in levels.items():
            span = s + bits     # VA bits one table of this level covers
            ids = set((p << shift) >> span for p in pages)
            if thp and name != 'pte':
                ids.add(thp[0] >> span)
            tables[name] = len(ids)
        present = len(pages) << shift
        if thp:
            present += thp[1] - thp[0]
        return tables, present

    def test_04_whatif_other_arches_from_pagemap(self):
        for arch in GEOMETRY:
            b = self.get('cost?arch=%s&thp=never' % arch)
            tables, present = self.expected_whatif(arch, False)
            self.assertEqual(b['arch'], arch)
            self.assertEqual(b['thp'], 'never')
            self.assertEqual(b['tables'], tables, arch)
            self.assertEqual(b['present_bytes'], present, arch)
            self.assertEqual(b['deposited_tables'], 0)
            self.assertEqual(b['table_pages'], sum(tables.values()))
            self.assertEqual(b['unplaced_pages'], 0)

    def test_05_whatif_asis_keeps_thp_and_deposit(self):
        if not self.thp_span():
            self.skipTest('the kernel gave the child no THP')
        b = self.get('cost?arch=x86_64-5l&thp=asis')
        tables, present = self.expected_whatif('x86_64-5l', True)
        self.assertEqual(b['tables'], tables)
        self.assertEqual(b['deposited_tables'], 1)
        self.assertEqual(b['thp_blocks'], 1)
        self.assertEqual(b['table_pages'], sum(tables.values()) + 1)
        # the source configuration: the reconstruction, which VmPTE checks
        st, sp = self.d.get_json('/api/v1/spaces/' + self.sid)
        cur = b['current']
        self.assertEqual(cur['tables'],
                         dict(sp['reconstructed']['tables'], pgd=1))
        self.assertEqual(cur['vm_pte_bytes'],
                         sp['reconstructed']['table_kb'] * 1024)

    def test_06_cost_errors(self):
        for q, code in (('arch=vax', 'bad_arch'), ('thp=sometimes', 'bad_thp'),
                        ('page_size=3m', 'bad_page_size'),
                        ('arch=x86_64-4l&page_size=64k', 'bad_page_size')):
            st, b = self.d.get_json('/api/v1/spaces/%s/cost?%s'
                                    % (self.sid, q))
            self.assertEqual(st, 400, q)
            self.assertEqual(b['error']['code'], code, q)
        st, b = self.d.get_json('/api/v1/spaces/nope/cost')
        self.assertEqual(st, 404)


class SimCost(TestCase):
    def test_390g_scaled(self):
        """39 GiB of 2 MiB pages replayed as 4 KiB pages: 19,968 pte tables
        (one per 2 MiB), 39 pmd tables (one per GiB), one pud and the pgd:
        78.2 MiB, a tenth of the 781 MiB that 390 GiB cost."""
        with Daemon() as d:
            sid = d.new_sim('x86_64-4l', ram_mb=65536)
            st, b = d.op(sid, op='map', va='0x10000000000',
                         size=hex(39 << 30), prot='rw', page_size='2m')
            self.assertEqual(st, 200, b)
            st, c = d.get_json('/api/v1/spaces/%s/cost?thp=never' % sid)
            self.assertEqual(st, 200, c)
            pte = (39 << 30) // (2 * MiB)
            self.assertEqual(c['tables'], {'pgd': 1, 'pud': 1, 'pmd': 39,
                                           'pte': pte})
            self.assertEqual(c['table_bytes'], (pte + 41) * PG)
            self.assertEqual(c['current']['tables']['pte'], 0)
            self.assertEqual(c['current']['blocks'], pte)
            # THP always: anonymous, aligned, so 2 MiB THPs, one
            # deposited pte table each
            st, c = d.get_json('/api/v1/spaces/%s/cost?thp=always' % sid)
            self.assertEqual(c['deposited_tables'], pte)
            self.assertEqual(c['tables']['pte'], 0)
            # 1 GiB pages where aligned: no pmd tables left
            st, c = d.get_json('/api/v1/spaces/%s/cost?thp=never&'
                               'page_size=1g' % sid)
            self.assertEqual(c['tables'], {'pgd': 1, 'pud': 1, 'pmd': 0,
                                           'pte': 0})
            self.assertEqual(c['blocks'], 39)
            # a 64K granule: one pte table spans 512 MiB
            st, c = d.get_json('/api/v1/spaces/%s/cost?arch=arm64-64k-48'
                               % sid)
            self.assertEqual(c['tables'], {'pgd': 1, 'pmd': 1,
                                           'pte': (39 << 30) >> 29})

    def test_sim_regions_charge_rule(self):
        """Two mappings sharing one pte table: 3 pages and 5 pages; the
        table goes to the one with 5."""
        with Daemon() as d:
            sid = d.new_sim('x86_64-4l')
            base = 0x400000
            d.op(sid, op='map', va=hex(base), size=hex(3 * PG), prot='r',
                 page_size='4k')
            d.op(sid, op='map', va=hex(base + 8 * PG), size=hex(5 * PG),
                 prot='rw', page_size='4k')
            st, b = d.get_json('/api/v1/spaces/%s/regions' % sid)
            self.assertEqual(st, 200, b)
            self.assertEqual([(r['present_pages'], r['table_pages'],
                               r['rss_kb']) for r in b['regions']],
                             [(3, 0, 12), (5, 1, 20)])
            self.assertEqual(b['tables'], {'pgd': 1, 'pud': 1, 'pmd': 1,
                                           'pte': 1})


class Machine(TestCase):
    PROCS = [(10, 'small', 1000, 40), (20, 'big pte', 5000, 900),
             (30, 'big rss', 90000, 300), (40, 'mid', 3000, 300)]

    def daemon(self, meminfo):
        import tempfile
        self.tmp = tempfile.TemporaryDirectory()
        fakeproc.write(self.tmp.name, self.PROCS, meminfo)
        self.addCleanup(self.tmp.cleanup)
        return Daemon(['--proc-root', self.tmp.name])

    def pids(self, d, q):
        st, b = d.get_json('/api/v1/processes' + q)
        self.assertEqual(st, 200, b)
        return [p['pid'] for p in b['processes']]

    def test_sort_and_limit(self):
        with self.daemon('MemTotal: 100 kB\n') as d:
            self.assertEqual(self.pids(d, ''), [10, 20, 30, 40])
            self.assertEqual(self.pids(d, '?sort=vm_pte'), [20, 30, 40, 10])
            self.assertEqual(self.pids(d, '?sort=rss&limit=2'), [30, 20])
            self.assertEqual(self.pids(d, '?sort=pid&limit=1'), [10])
            for q, code in (('?sort=size', 'bad_sort'),
                            ('?limit=0', 'bad_limit'),
                            ('?limit=-3', 'bad_limit'),
                            ('?limit=2x', 'bad_limit')):
                st, b = d.get_json('/api/v1/processes' + q)
                self.assertEqual((st, b['error']['code']), (400, code), q)

    def test_machine(self):
        with self.daemon('MemTotal: 100 kB\nPageTables:     12345 kB\n'
                         'SecPageTables:      7 kB\n') as d:
            st, b = d.get_json('/api/v1/machine?top=2')
            self.assertEqual(st, 200, b)
            self.assertEqual(b['page_tables_bytes'], 12345 * 1024)
            self.assertEqual(b['sec_page_tables_bytes'], 7 * 1024)
            self.assertEqual(b['vm_pte_sum_bytes'], 1540 * 1024)
            self.assertEqual(b['processes'], 4)
            self.assertEqual([(p['pid'], p['comm']) for p in b['top']],
                             [(20, 'big pte'), (30, 'big rss')])

    def test_machine_old_kernel(self):
        """Before Linux 6.0 meminfo has no SecPageTables: null."""
        with self.daemon('PageTables: 8 kB\n') as d:
            st, b = d.get_json('/api/v1/machine')
            self.assertIsNone(b['sec_page_tables_bytes'])
            self.assertEqual(b['page_tables_bytes'], 8192)


if __name__ == '__main__':
    main()
