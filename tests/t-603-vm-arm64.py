# SPDX-License-Identifier: MIT
"""kind "vm" on a real arm64 guest (Debian's arm64 kernel, busybox
initramfs, qemu-system-aarch64 -M virt -cpu max, TCG): the test walks
TTBR1_EL1 itself — registers over the gdbstub, table memory with the
monitor's `xp` — and ptscope's walks of >= 200 of the kernel leaves it
found give the same PA and the same descriptor (Arm ARM D8.3: VMSAv8-64
descriptors; 4 KiB granule, 48-bit VA: levels 0-3 at shifts 39/30/21/12,
bits 1:0 = 0b11 table or page, 0b01 block, output address in 47:12)."""
import os
import unittest

import guest
from ptstest import Daemon, TestCase, main, hexs

REASON = guest.skip_reason('arm64')
SHIFTS = [39, 30, 21, 12]
OA = (1 << 48) - 1


def own_walk(g, root, want=240, per_subtree=40):
    """[(va, pa, descriptor)] of kernel leaves under TTBR1's table."""
    leaves = []

    def visit(pa, level, va, budget):
        found = 0
        for i, d in enumerate(g.xp(pa, 512)):
            if found >= budget or len(leaves) >= want:
                break
            if not d & 1:
                continue
            cva = va | i << SHIFTS[level]
            if level < 3 and d & 3 == 3:
                found += visit(d & OA & ~0xfff, level + 1, cva,
                               budget - found)
            elif (level == 3 and d & 3 == 3) or (level in (1, 2) and
                                                  d & 3 == 1):
                size = 1 << SHIFTS[level]
                leaves.append((cva, d & OA & ~(size - 1), d))
                found += 1
        return found

    visit(root, 0, 0xffff000000000000, 1 << 30)
    return leaves


def kernel_config(opt):
    """The option's value in the Debian package's own /boot/config."""
    path = os.path.join(guest.CACHE, 'arm64', 'config')
    with open(path) as f:
        for line in f:
            if line.startswith(opt + '='):
                return line.strip().split('=', 1)[1]
    return None


@unittest.skipIf(REASON, REASON or '')
class T(TestCase):
    def check_compare(self, d, sid):
        """compare?with=sim names the kernel config behind the guest's
        page-mapped linear map (the package's config says
        RODATA_FULL_DEFAULT_ENABLED) and the PXNTable bit (59) of its
        linear map's table entries (map_mem(), NO_EXEC_MAPPINGS)."""
        st, c = d.get_json('/api/v1/spaces/%s/compare?with=sim' % sid)
        self.assertEqual(st, 200, c)
        diffs = {x['what']: x for x in c['differences']}
        lb = c['guest']['linear_map']['level_bytes']
        if kernel_config('CONFIG_RODATA_FULL_DEFAULT_ENABLED') == 'y':
            self.assertGreater(int(lb['pte'], 16), int(lb['pmd'], 16))
            self.assertIn('RODATA_FULL', diffs['linear_map.pte_bytes']['why'])
        top = c['guest']['walk'][0]
        self.assertTrue(int(top['bits'], 16) >> 59 & 1, top)   # PXNTable
        self.assertTrue(int(top['bits'], 16) >> 60 & 1, top)   # UXNTable

    def test_kernel_leaves_match_own_walk(self):
        with guest.Guest('arm64', boot_timeout=600) as g:
            ttbr1, tcr = g.arm64_regs('TTBR1_EL1', 'TCR_EL1')
            self.assertEqual(tcr >> 30 & 3, 2)          # TG1: 4 KiB
            self.assertEqual(tcr >> 16 & 0x3f, 16)      # T1SZ: 48-bit VA
            leaves = own_walk(g, ttbr1 & OA & ~1)
            self.assertGreaterEqual(len(leaves), 200)
            with Daemon() as d:
                st, s = d.post_json('/api/v1/spaces',
                                    {'kind': 'vm', 'gdb': g.gdb_addr})
                self.assertEqual(st, 201, s)
                self.assertEqual(s['arch'], 'arm64-4k-48')
                self.assertEqual(s['roots']['kernel'], hexs(ttbr1 & OA & ~1))
                # attach read TTBR0's and TTBR1's root tables, nothing else
                self.assertEqual((s['tables'], s['tables_read']), (2, 2))
                # no QMP: QEMU's pid from the gdbstub's TCP peer, RAM's
                # host address from the monitor over qRcmd
                self.assertEqual(s['memory']['source'], 'host', s['memory'])
                self.assertEqual(s['memory']['qemu_pid'], g.qemu_pid)
                for va, pa, desc in leaves:
                    st, w = d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                       % (s['id'], hexs(va + 0x10)))
                    self.assertEqual(st, 200, w)
                    self.assertTrue(w['mapped'], hex(va))
                    self.assertEqual(w['pa'], hexs(pa + 0x10), hex(va))
                    self.assertEqual(w['steps'][-1]['entry'], hexs(desc))
                self.check_compare(d, s['id'])
                st, s = d.get_json('/api/v1/spaces/%s' % s['id'])
                self.assertEqual(s['memory']['gdbstub_reads'], 0)
                # stops: the connect's, then one per refresh for TTBRs
                print('arm64: %d stops, %d us stopped in all' % (
                    s['stops'], s['stopped_us']))
            self.assertEqual(g.qmp('query-status')['status'], 'running')


if __name__ == '__main__':
    main()
