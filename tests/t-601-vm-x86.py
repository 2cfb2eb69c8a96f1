# SPDX-License-Identifier: MIT
"""kind "vm" on a real x86_64 guest (Debian's amd64 kernel, busybox
initramfs, TCG): ptscope's walks and ranges of the guest's tables agree with
QEMU's own monitor ("info tlb": every present leaf with its PA and NX, U/S,
R/W bits, read by QEMU from the same tables), and a user-half walk agrees
with the PFNs a program in the guest reads from its own /proc/self/pagemap.
"""
import bisect
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import guest
from ptstest import Daemon, TestCase, main, SRCDIR, PTSCOPE, SLOW, hexs

REASON = guest.skip_reason('x86_64')
KERNEL_FIRST = 0xffff800000000000
TLB_LINE = re.compile(r'^([0-9a-f]{16}): ([0-9a-f]{16}) ([-XGPDACTUW]{9})$')


def info_tlb(g):
    """[(va, pa, flags)] of every present leaf, as QEMU prints them."""
    out = []
    for line in g.hmp('info tlb').splitlines():
        m = TLB_LINE.match(line.strip())
        if m:
            out.append((int(m.group(1), 16), int(m.group(2), 16),
                        m.group(3)))
    return out


def leaf_sizes(tlb):
    """Bytes each info-tlb leaf maps: 4 KiB, or for a PSE leaf ('P') 2 MiB,
    1 GiB where VA and PA are 1 GiB-aligned and nothing else is listed in
    that GiB (Intel SDM 4.5: PS in a PDPTE maps 1 GiB, in a PDE 2 MiB)."""
    sizes = []
    for i, (va, pa, fl) in enumerate(tlb):
        if fl[2] != 'P':
            sizes.append(1 << 12)
            continue
        nxt = tlb[i + 1][0] if i + 1 < len(tlb) else 1 << 64
        g1 = (va | pa) & ((1 << 30) - 1) == 0 and nxt - va >= 1 << 30
        sizes.append(1 << 30 if g1 else 1 << 21)
    return sizes


class Proxy:
    """Forwards one gdb connection; closes both ends once the client has
    sent close_after_m 'm' packets."""

    def __init__(self, target):
        self.target = target
        self.close_after_m = None
        self.mreads = 0
        self.closed = False
        self.srv = socket.socket()
        self.srv.bind(('127.0.0.1', 0))
        self.srv.listen(1)
        self.addr = '127.0.0.1:%d' % self.srv.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        c, _ = self.srv.accept()
        host, port = self.target.rsplit(':', 1)
        q = socket.create_connection((host, int(port)))
        for s in (c, q):        # one packet at a time, as gdb sends them
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=self._pipe, args=(q, c), daemon=True).start()
        while True:
            d = c.recv(65536)
            if not d:
                break
            self.mreads += d.count(b'$m')
            if self.close_after_m and self.mreads >= self.close_after_m:
                break
            q.sendall(d)
        self.closed = True
        for s in (c, q, self.srv):
            s.close()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                d = src.recv(65536)
                if not d:
                    break
                dst.sendall(d)
        except OSError:
            pass


@unittest.skipIf(REASON, REASON or '')
class T(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pts-vm-')
        prog = os.path.join(cls.tmp, 'vm-pagemap')
        subprocess.run(['gcc', '-static', '-O1', '-o', prog,
                        os.path.join(SRCDIR, 'tests', 'vm-pagemap.c')],
                       check=True)
        rd = guest.Initramfs('x86_64')
        rd.add_file('/bin/vm-pagemap', prog, 0o755)
        cls.g = guest.Guest('x86_64', initrd=rd,
                            script='/bin/vm-pagemap >/dev/console &')
        # a third QMP socket: for the space behind the proxy
        cls.qmp3 = os.path.join(cls.g.dir, 'qmp-3.sock')
        cls.g.extra_args += ['-qmp', 'unix:%s,server,nowait' % cls.qmp3]
        cls.g.start()
        cls.d = Daemon()
        cls.d.start()
        st, cls.space = cls.d.post_json('/api/v1/spaces', {
            'kind': 'vm', 'gdb': cls.g.gdb_addr, 'qmp': cls.g.qmp_spare})
        assert st == 201, cls.space

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.g.stop()

    def sid(self):
        return self.space['id']

    def test_a_reads_are_lazy(self):
        """Run first, on the space as attached: attach read the root table
        only; a diff from that generation names as not_read tables that
        hold every kernel leaf QEMU's info tlb lists (none claimed
        unchanged); a walk then holds just its path, a tree of a pmd table
        just the path to it and its subtree (its own count of tables);
        ranges read the ~2,000 others."""
        self.assertEqual(self.space['tables'], 1)
        self.assertEqual(self.space['tables_read'], 1)
        g1 = self.space['generation']
        tlb = [t for t in info_tlb(self.g) if t[0] >= KERNEL_FIRST]
        st, df = self.d.get_json('/api/v1/spaces/%s/diff?from=%d'
                                 % (self.sid(), g1))
        self.assertEqual(st, 200, df)
        spans = sorted((int(x['va'], 16), int(x['end'], 16) or 1 << 64)
                       for x in df['not_read'])
        self.assertTrue(all(x['level'] == 'pud' for x in df['not_read']))
        starts = [a for a, _ in spans]
        for va, _, _ in tlb:
            i = bisect.bisect_right(starts, va) - 1
            self.assertTrue(i >= 0 and spans[i][0] <= va < spans[i][1],
                            hex(va))
        page = [va for va, _, fl in tlb if fl[2] != 'P'][len(tlb) // 3]

        def held_after(path):
            """(answer, space) of a GET between two GETs of the space that
            saw the same CR3 (a new CR3 drops every table held)."""
            for attempt in range(20):
                st, s0 = self.d.get_json('/api/v1/spaces/%s' % self.sid())
                st, o = self.d.get_json('/api/v1/spaces/%s/%s'
                                        % (self.sid(), path))
                self.assertEqual(st, 200, o)
                st, s1 = self.d.get_json('/api/v1/spaces/%s' % self.sid())
                if s0['roots']['user'] == s1['roots']['user']:
                    return o, s1
            self.fail('CR3 changed at every try')
        w, s = held_after('walk?va=%s' % hexs(page))
        self.assertEqual(len(w['steps']), 4)
        self.assertEqual(s['tables'], 4)        # pgd, pud, pmd, pte
        t, s = held_after('tree?node=pmd:%s&depth=0' % hexs(page))
        # the root, the pud table, the pmd table and the pte tables below
        self.assertEqual(s['tables'], 2 + t['node']['stats']['tables'])
        self.assertGreater(t['node']['stats']['tables'], 1)
        before = s['tables_read']
        st, r = self.d.get_json('/api/v1/spaces/%s/ranges' % self.sid())
        st, s = self.d.get_json('/api/v1/spaces/%s' % self.sid())
        self.assertGreater(s['tables_read'] - before, 1000)

    def test_space_object(self):
        s = self.space
        self.assertEqual(s['kind'], 'vm')
        self.assertEqual(s['arch'], 'x86_64-4l')      # qemu64 has no LA57
        self.assertIs(s['inferred'], False)
        self.assertIs(s['real_tables'], True)
        self.assertIsNone(self.g.proc.poll())
        st = self.g.qmp('query-status')
        self.assertEqual(st['status'], 'running')      # resumed after reads

    def test_host_memory_reads_never_stop_the_guest(self):
        """QEMU runs here: guest RAM is read from /proc/QEMU_PID/mem (the
        pid QEMU's QMP socket names), registers through QMP; QEMU's own
        STOP events say the guest did not stop for these requests."""
        mem = self.space['memory']
        self.assertEqual(mem['source'], 'host')
        self.assertEqual(mem['qemu_pid'], self.g.qemu_pid)
        tlb = [t for t in info_tlb(self.g) if t[0] >= KERNEL_FIRST]

        def requests():
            for va, pa, _ in tlb[::max(1, len(tlb) // 20)][:20]:
                st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                        % (self.sid(), hexs(va)))
                self.assertEqual(w['pa'], hexs(pa))
            st, t = self.d.get_json('/api/v1/spaces/%s/tree?depth=2'
                                    % self.sid())
            self.assertEqual(st, 200)
            st, r = self.d.get_json('/api/v1/spaces/%s/ranges' % self.sid())
            self.assertEqual(st, 200)
            return self.d.get_json('/api/v1/spaces/%s' % self.sid())[1]
        s, stops = self.g.stops_during(requests)
        self.assertEqual(stops, 0)
        self.assertEqual(s['memory']['gdbstub_reads'], 0)
        self.assertGreater(s['memory']['host_reads'], mem['host_reads'])

    def test_compare_with_sim(self):
        """compare?with=sim: the guest's direct map found where QEMU's
        info tlb maps PA 0 in the kernel half, the simulator's at x86_64's
        nokaslr PAGE_OFFSET (0xffff888000000000, mm.rst) with the guest's
        RAM size; the KASLR and page-split differences named."""
        tlb = [t for t in info_tlb(self.g) if t[0] >= KERNEL_FIRST]
        pa0 = [va for va, pa, _ in tlb if pa == 0]
        self.assertEqual(len(pa0), 1, [hex(v) for v in pa0])
        st, c = self.d.get_json('/api/v1/spaces/%s/compare?with=sim'
                                % self.sid())
        self.assertEqual(st, 200, c)
        self.assertEqual(c['arch'], 'x86_64-4l')
        self.assertEqual(c['ram_mb'], self.g.mem_mb)
        self.assertEqual(c['guest']['linear_map']['va'], hexs(pa0[0]))
        self.assertEqual(c['guest']['linear_map']['pa'], '0x0')
        self.assertEqual(c['sim']['linear_map']['va'],
                         hexs(0xffff888000000000))
        diffs = {d['what']: d for d in c['differences']}
        for d in c['differences']:
            self.assertTrue(d['guest'] and d['sim'], d)
        if pa0[0] != 0xffff888000000000:
            self.assertIn('KASLR', diffs['linear_map.va']['why'])
        # the guest's direct map has 4 KiB pages (the first MiB, the
        # kernel image's alias); the simulator's only 2 MiB blocks
        pte = int(c['guest']['linear_map']['level_bytes']['pte'], 16)
        self.assertGreater(pte, 0)
        self.assertIn('pages', diffs['linear_map.pte_bytes']['why'])
        st, e = self.d.get_json('/api/v1/spaces/%s/compare?with=hw'
                                % self.sid())
        self.assertEqual(st, 400, e)

    def test_zzz_gdbstub_reads_and_a_stub_lost_mid_read(self):
        """Memory through the gdbstub stops the guest (QEMU's STOP events
        count them); a connection that breaks mid-read (a proxy that
        closes after some reads) makes the space gone and leaves the
        guest running: QEMU's gdbstub does not resume a guest whose
        debugger went away, ptscope resumes it through QMP."""
        st, _, _ = self.d.delete('/api/v1/spaces/%s' % self.sid())
        self.assertIn(st, (204, 404))       # test_zz_cli_walk deleted it
        proxy = Proxy(self.g.gdb_addr)
        (st, s), stops = self.g.stops_during(
            lambda: self.d.post_json('/api/v1/spaces', {
                'kind': 'vm', 'gdb': proxy.addr, 'qmp': self.qmp3,
                'memory': 'gdbstub'}))
        self.assertEqual(st, 201, s)
        self.assertEqual(s['memory']['source'], 'gdbstub')
        self.assertGreaterEqual(stops, 1)
        self.assertEqual(self.g.qmp('query-status')['status'], 'running')
        # the next refresh reads every held table again: break it there
        proxy.close_after_m = proxy.mreads + 5
        deadline = time.time() + 60 * SLOW
        while True:
            st, e = self.d.get_json('/api/v1/spaces/%s/walk?va=0x1000'
                                    % s['id'])
            if st != 200 or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(st, 404, e.get('error'))
        self.assertEqual(e['error']['code'], 'vm_gone')
        self.assertTrue(proxy.closed)
        self.assertEqual(self.g.qmp('query-status')['status'], 'running')
        st, e = self.d.get_json('/api/v1/spaces/%s/tree' % s['id'])
        self.assertEqual(st, 404, e)

    def test_kernel_walks_match_info_tlb(self):
        tlb = [t for t in info_tlb(self.g) if t[0] >= KERNEL_FIRST]
        self.assertGreater(len(tlb), 300)
        step = len(tlb) // 300
        sample = tlb[::step][:320]
        for va, pa, fl in sample:
            off = 0x123 if fl[2] != 'P' else 0x1234
            st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                    % (self.sid(), hexs(va + off)))
            self.assertEqual(st, 200, w)
            self.assertTrue(w['mapped'], (hex(va), w))
            self.assertEqual(w['pa'], hexs(pa + off), hex(va))
            flags = set(w['steps'][-1]['flags'])
            self.assertEqual('exec' not in flags, fl[0] == 'X', hex(va))
            self.assertEqual('write' in flags, fl[8] == 'W', hex(va))
            self.assertEqual('user' in flags, fl[7] == 'U', hex(va))
            self.assertTrue(all(s['table_pa'] and s['entry']
                                for s in w['steps']))

    def test_kernel_ranges_cover_info_tlb_bytes(self):
        tlb = [t for t in info_tlb(self.g) if t[0] >= KERNEL_FIRST]
        want = sum(leaf_sizes(tlb))
        st, r = self.d.get_json('/api/v1/spaces/%s/ranges' % self.sid())
        self.assertEqual(st, 200)
        got = 0
        spans = []
        for x in r['ranges']:
            s, e = int(x['start'], 16), int(x['end'], 16) or 1 << 64
            if s >= KERNEL_FIRST:
                got += e - s
                spans.append((s, e))
        self.assertEqual(got, want)
        # and every leaf QEMU lists starts inside a range
        starts = [s for s, _ in spans]
        for va, _, _ in tlb:
            i = bisect.bisect_right(starts, va) - 1
            self.assertTrue(i >= 0 and spans[i][0] <= va < spans[i][1],
                            hex(va))

    def test_zz_cli_walk(self):
        """`ptscope walk --gdb --qmp` (run last: the gdbstub and a QMP
        socket take one client each, so the daemon's space goes first)."""
        tlb = [t for t in info_tlb(self.g) if t[0] >= KERNEL_FIRST]
        va, pa, _ = tlb[len(tlb) // 2]
        st, _, _ = self.d.delete('/api/v1/spaces/%s' % self.sid())
        self.assertEqual(st, 204)
        r = subprocess.run([PTSCOPE, 'walk', '--gdb', self.g.gdb_addr,
                            '--qmp', self.g.qmp_spare, hexs(va + 8)],
                           capture_output=True, text=True,
                           timeout=120 * SLOW)
        self.assertEqual(r.returncode, 0, r.stderr)
        w = json.loads(r.stdout)
        self.assertEqual(w['pa'], hexs(pa + 8))
        self.assertEqual(self.g.qmp('query-status')['status'], 'running')

    def test_user_walk_matches_pagemap(self):
        deadline = time.time() + 120 * SLOW
        while not self.g.find_lines(r'^PAGEMAP-DONE$'):
            self.assertLess(time.time(), deadline, self.g.tail())
            time.sleep(0.2)
        pages = [(int(m.group(1), 16), int(m.group(2), 16))
                 for m in self.g.find_lines(r'^PAGEMAP (0x\w+) (0x\w+)$')]
        self.assertEqual(len(pages), 16)
        # the spinning program is the current task nearly always; a
        # refresh that stopped the guest in another task is read again
        for attempt in range(20):
            st, tree = self.d.get_json('/api/v1/spaces/%s/tree'
                                       % self.sid())
            got = []
            for va, pfn in pages:
                st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                        % (self.sid(), hexs(va)))
                self.assertEqual(st, 200, w)
                got.append(int(w['pa'], 16) >> 12 if w['mapped'] else None)
            if got == [p for _, p in pages]:
                break
            time.sleep(0.1)
        self.assertEqual(got, [p for _, p in pages])


if __name__ == '__main__':
    main()
