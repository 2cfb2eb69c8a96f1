# SPDX-License-Identifier: MIT
"""The guest harness (tests/lib/guest.py) boots Debian's amd64 kernel with a
busybox initramfs under TCG: the boot script runs, an extra dynamically
linked binary runs with the shared libraries the harness packed, and the
gdbstub and QMP answer.  Skipped where QEMU or the packages are missing."""
import os
import unittest

import guest
from ptstest import TestCase, main

REASON = guest.skip_reason('x86_64')


@unittest.skipIf(REASON, REASON or '')
class T(TestCase):
    def test_boot_script_binary_gdb_qmp(self):
        rd = guest.Initramfs('x86_64')
        env = os.path.realpath('/usr/bin/env')     # dynamic, from coreutils
        rd.add_binary(env, '/opt/env')
        with guest.Guest('x86_64', initrd=rd,
                         script='PTS_X=42 /opt/env | grep PTS_X; '
                                'echo uname $(uname -m)') as g:
            # the script ran before the ready line
            self.assertEqual([m.group(1) for m in
                              g.find_lines(r'^PTS_X=(\d+)$')], ['42'])
            self.assertEqual(len(g.find_lines(r'^uname x86_64$')), 1)
            regs = g.hmp('info registers')
            self.assertRegex(regs, r'CR0=[0-9a-f]{8} CR2=[0-9a-f]{16} '
                                   r'CR3=[0-9a-f]{16} CR4=[0-9a-f]{8}')
            host, port = g.gdb_addr.rsplit(':', 1)
            gdb = guest.GdbClient(host, int(port))
            try:
                self.assertIn('PacketSize=', gdb.supported)
                regs = gdb.features()
                self.assertIn('rip', regs)
                self.assertNotEqual(gdb.read_reg(regs['rip']), 0)
                gdb.cont()
            finally:
                gdb.close()
            self.assertIsNone(g.proc.poll())
        self.assertIsNone(g.proc)


if __name__ == '__main__':
    main()
