#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kind "vm" on a real arm64 guest with 16 KiB pages and 52-bit VA
(FEAT_LPA2): Debian 12's linux-image-6.12.N+deb12-arm64-16k (ARM64_16K_PAGES,
ARM64_VA_BITS_52) under qemu-system-aarch64 -M virt -cpu max (TCG).

The test reads TCR_EL1 and TTBR1_EL1 over the gdbstub and walks the kernel
half itself, tables read with the monitor's `xp`, by the Arm ARM's rules
(D8.3, VMSAv8-64 descriptors with TCR_EL1.DS = 1):
- 16 KiB granule, 52-bit VA: four levels at shifts 47/36/25/14; the level-0
  table has 2^(52-47) = 32 entries, the others 2048;
- bits 1:0 = 0b11: a table (levels 0-2) or a page (level 3); 0b01: a
  block (levels 1 and 2: 64 GiB and 32 MiB);
- output and next-table addresses: bits 49:14 in place, OA[51:50] in
  descriptor bits 9:8 (no shareability field there when DS = 1).
ptscope's walks of >= 200 of those leaves must give the same PA and the same
descriptor, and its arch must be arm64-16k-52.  The linear map's table
entries carry UXNTable and PXNTable (map_mem()'s NO_EXEC_MAPPINGS); the
simulator's kernel scenario for the same arch must agree (compare?with=sim).
"""
import unittest

import guest
from ptstest import Daemon, TestCase, main, hexs

REASON = guest.skip_reason('arm64')
SHIFTS = [47, 36, 25, 14]
ENTRIES = [32, 2048, 2048, 2048]
ADDR = ((1 << 50) - 1) & ~((1 << 14) - 1)     # bits 49:14


def oa(d):
    """The address a descriptor holds: 49:14 in place, 51:50 from 9:8."""
    return (d & ADDR) | ((d >> 8) & 3) << 50


def own_walk(g, root, want=240, per_table=24):
    """[(va, pa, descriptor, [table descriptors])] of kernel leaves: at
    most per_table leaves of any one table, so that they come from many
    tables (the linear map, the image, vmalloc, fixmap)."""
    leaves = []

    def visit(pa, level, va, path):
        taken = 0
        for i, d in enumerate(g.xp(pa, ENTRIES[level])):
            if len(leaves) >= want:
                return
            if not d & 1:
                continue
            cva = va | i << SHIFTS[level]
            if level < 3 and d & 3 == 3:
                visit(oa(d), level + 1, cva, path + [d])
            elif taken < per_table and ((level == 3 and d & 3 == 3) or
                                        (level in (1, 2) and d & 3 == 1)):
                leaves.append((cva, oa(d) & ~((1 << SHIFTS[level]) - 1),
                               d, path))
                taken += 1

    visit(root, 0, 0xfff0000000000000, [])
    return leaves


@unittest.skipIf(REASON, REASON or '')
class T(TestCase):
    def test_lpa2_16k_kernel_leaves_match_own_walk(self):
        image = guest.kernel_arm64_16k()
        with guest.Guest('arm64', kernel_image=image,
                         boot_timeout=600) as g:
            ttbr1, tcr = g.arm64_regs('TTBR1_EL1', 'TCR_EL1')
            self.assertEqual(tcr >> 30 & 3, 1)          # TG1: 16 KiB
            self.assertEqual(tcr >> 16 & 0x3f, 12)      # T1SZ: 52-bit VA
            self.assertEqual(tcr >> 59 & 1, 1)          # DS: LPA2 formats
            # TTBR1: BADDR[47:6] in place, BADDR[51:48] in bits 5:2
            root = (ttbr1 & ((1 << 48) - 1) & ~0x3f) | \
                ((ttbr1 >> 2) & 0xf) << 48
            leaves = own_walk(g, root)
            self.assertGreaterEqual(len(leaves), 200)
            with Daemon() as d:
                st, s = d.post_json('/api/v1/spaces',
                                    {'kind': 'vm', 'gdb': g.gdb_addr})
                self.assertEqual(st, 201, s)
                self.assertEqual(s['arch'], 'arm64-16k-52')
                self.assertEqual(s['roots']['kernel'], hexs(root))
                for va, pa, desc, path in leaves:
                    st, w = d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                       % (s['id'], hexs(va + 0x10)))
                    self.assertEqual(st, 200, w)
                    self.assertTrue(w['mapped'], hex(va))
                    self.assertEqual(w['pa'], hexs(pa + 0x10), hex(va))
                    self.assertEqual([x['entry'] for x in w['steps']],
                                     [hexs(x) for x in path + [desc]])
                self.check_linear_map_tables(d, s['id'], leaves)
            self.assertEqual(g.qmp('query-status')['status'], 'running')

    def check_linear_map_tables(self, d, sid, leaves):
        """Tables of the linear map [PAGE_OFFSET, PAGE_END) =
        [0xfff0000000000000, 0xffff800000000000): UXNTable (60) and
        PXNTable (59) on every table entry, in the guest and in the
        simulator's kernel scenario for the same arch."""
        lin = [x for x in leaves if x[0] < 0xffff800000000000]
        self.assertTrue(lin)
        for va, pa, desc, path in lin:
            for t in path:
                self.assertEqual(t >> 59 & 3, 3, (hex(va), hex(t)))
        st, c = d.get_json('/api/v1/spaces/%s/compare?with=sim' % sid)
        self.assertEqual(st, 200, c)
        for side in ('guest', 'sim'):
            for step in c[side]['walk'][:-1]:
                self.assertEqual(int(step['bits'], 16) >> 59 & 3, 3,
                                 (side, step))


if __name__ == '__main__':
    main()
