# SPDX-License-Identifier: MIT
"""kind "vm" against a gdbstub double (tests/lib/gdbdouble.py): RISC-V Sv39
tables written by this test's own encoder (RISC-V privileged spec 4.3-4.4:
V R W X U G A D bits 0-7, PPN from bit 10, Svpbmt in 62:61, Svnapot N in
63), and bad input: no stub, not a gdbstub, not QEMU's, paging off, a stub
that drops the connection mid-read, a guest that goes away."""
import json
import socket
import subprocess
import threading
import time

from gdbdouble import GdbDouble
from ptstest import Daemon, TestCase, main, hexs, PTSCOPE

V, R, W, X, U, G, A, D = (1 << i for i in range(8))
N = 1 << 63
PBMT_IO = 2 << 61
ROOT = 0x80001000


def pte(pa, bits):
    return (pa >> 12) << 10 | bits


class Mem:
    """Guest RAM as 4 KiB pages of 512 entries."""

    def __init__(self):
        self.pages = {}

    def set(self, table_pa, index, value):
        t = self.pages.setdefault(table_pa, [0] * 512)
        t[index] = value

    def image(self):
        return {pa: b''.join(v.to_bytes(8, 'little') for v in t)
                for pa, t in self.pages.items()}


def sv39_image():
    """Tables and the mappings they hold: [(va, pa, flags, entry)]."""
    m, maps = Mem(), []
    l1u, l0u = 0x80002000, 0x80003000       # user: vpn2 0 -> l1 -> l0
    m.set(ROOT, 0, pte(l1u, V))
    m.set(l1u, 0, pte(l0u, V))
    e = pte(0x80400000, V | R | X | U | A)  # 0x10000: a user text page
    m.set(l0u, 0x10, e)
    maps.append((0x10000, 0x80400000, {'read', 'exec', 'user'}, e))
    for i in range(16):                     # 0x20000: a 64 KiB NAPOT run
        e = pte(0x80410000 | 0x8000, V | R | W | U | A | D) | N
        m.set(l0u, 0x20 + i, e)
        maps.append((0x20000 + i * 4096, 0x80410000 + i * 4096,
                     {'read', 'write', 'user', 'cont'}, e))
    l1k = 0x80004000                        # kernel: vpn2 256 (0xffffffc0...)
    m.set(ROOT, 256, pte(l1k, V))
    e = pte(0x80200000, V | R | W | G | A | D)   # a 2 MiB block
    m.set(l1k, 0, e)
    maps.append((0xffffffc000000000, 0x80200000, {'read', 'write', 'global'},
                 e))
    l0k = 0x80005000
    m.set(l1k, 1, pte(l0k, V))
    e = pte(0x10000000, V | R | W | G | A | D) | PBMT_IO  # a UART page
    m.set(l0k, 0, e)
    maps.append((0xffffffc000200000, 0x10000000,
                 {'read', 'write', 'global', 'device'}, e))
    return m.image(), maps


SATP = 8 << 60 | ROOT >> 12                 # MODE = Sv39


def resumed(dbl, timeout=5):
    """Whether the double sees 'c' (sent without a reply) in time."""
    deadline = time.time() + timeout
    while not dbl.running and time.time() < deadline:
        time.sleep(0.01)
    return dbl.running


class T(TestCase):
    def attach(self, d, gdb, qmp=None):
        body = {'kind': 'vm', 'gdb': gdb}
        if qmp:
            body['qmp'] = qmp
        return d.post_json('/api/v1/spaces', body)

    def test_riscv_tables(self):
        img, maps = sv39_image()
        dbl = GdbDouble(img, SATP)
        with Daemon() as d:
            st, s = self.attach(d, dbl.addr)
            self.assertEqual(st, 201, s)
            self.assertEqual(s['arch'], 'riscv-sv39')
            self.assertEqual(s['registers']['satp'], hexs(SATP))
            self.assertTrue(resumed(dbl))        # resumed after reading
            for va, pa, flags, entry in maps:
                st, w = d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                   % (s['id'], hexs(va + 0x18)))
                self.assertEqual(st, 200, w)
                self.assertTrue(w['mapped'], hex(va))
                self.assertEqual(w['pa'], hexs(pa + 0x18), hex(va))
                last = w['steps'][-1]
                self.assertEqual(last['entry'], hexs(entry))
                self.assertEqual(w['steps'][0]['table_pa'], hexs(ROOT))
                got = set(last['flags']) & {'read', 'write', 'exec', 'user',
                                            'global', 'cont', 'device'}
                self.assertEqual(got, flags, hex(va))
            st, r = d.get_json('/api/v1/spaces/%s/ranges' % s['id'])
            total = sum(int(x['end'], 16) - int(x['start'], 16)
                        for x in r['ranges'])
            self.assertEqual(total, 17 * 4096 + (2 << 20) + 4096)
            st, t = d.get_json('/api/v1/spaces/%s/tree?depth=3' % s['id'])
            self.assertEqual(t['node']['table_pa'], hexs(ROOT))
            self.assertEqual(t['node']['stats']['tables'], 5)
            self.assertTrue(resumed(dbl))
        dbl.close()

    def test_reads_are_lazy_and_the_guest_runs_between(self):
        """`ptscope walk --gdb` reads the tables on the walk's path, `dump
        --node` the subtree it counts, and nothing else; the guest is
        stopped only for the reads (the double has no monitor: memory
        through the stub)."""
        img, maps = sv39_image()
        l1u, l0u, l1k, l0k = 0x80002000, 0x80003000, 0x80004000, 0x80005000
        dbl = GdbDouble(img, SATP)
        r = subprocess.run([PTSCOPE, 'walk', '--gdb', dbl.addr, '0x10018'],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['pa'], hexs(0x80400018))
        self.assertEqual(dbl.pages_read, {ROOT, l1u, l0u})
        self.assertTrue(dbl.stopped_reads)
        self.assertTrue(resumed(dbl))
        dbl.close()
        dbl = GdbDouble(img, SATP)
        r = subprocess.run([PTSCOPE, 'dump', '--gdb', dbl.addr, '--node',
                            'pmd:0xffffffc000000000', '--depth', '0'],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['node']['stats']['tables'], 2)
        self.assertEqual(dbl.pages_read, {ROOT, l1k, l0k})
        self.assertTrue(dbl.stopped_reads)
        self.assertTrue(resumed(dbl))
        dbl.close()

    def test_daemon_reads_lazily_history_keeps_what_was_read(self):
        """In the daemon too: attach reads the root only, a walk its path,
        a refresh the tables held.  A generation keeps what was read while
        it was the newest: a diff lists the leaf that changed in a table
        both generations read, names as not_read the kernel table neither
        read (whose leaf changed too: never claimed unchanged), and an
        old generation's walk answers from what was read then; once
        everything is read, a diff has no not_read left."""
        img, maps = sv39_image()
        l1u, l0u, l1k, l0k = 0x80002000, 0x80003000, 0x80004000, 0x80005000
        kva = 0xffffffc000000000
        dbl = GdbDouble(img, SATP)

        def poke(table_pa, index, value):
            page = bytearray(dbl.mem[table_pa])
            page[index * 8:index * 8 + 8] = value.to_bytes(8, 'little')
            dbl.mem[table_pa] = bytes(page)

        def next_generation(d, sid, g):
            deadline = time.time() + 10
            while time.time() < deadline:
                st, o = d.get_json('/api/v1/spaces/%s' % sid)
                if o['generation'] != g:
                    return o
                time.sleep(0.05)
            self.fail('generation stayed %d' % g)

        with Daemon() as d:
            st, s = self.attach(d, dbl.addr)
            self.assertEqual(st, 201, s)
            sid, g1 = s['id'], s['generation']
            self.assertEqual(s['tables'], 1)
            self.assertEqual(dbl.pages_read, {ROOT})
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=0x10018' % sid)
            self.assertEqual(w['pa'], hexs(0x80400018))
            self.assertEqual(dbl.pages_read, {ROOT, l1u, l0u})
            # a leaf changes in a table read (user) and in one never read
            poke(l0u, 0x10, pte(0x80500000, V | R | X | U | A))
            poke(l0k, 0, pte(0x10001000, V | R | W | G | A | D))
            s = next_generation(d, sid, g1)
            g2 = s['generation']
            self.assertEqual(dbl.pages_read, {ROOT, l1u, l0u})
            st, df = d.get_json('/api/v1/spaces/%s/diff' % sid)
            self.assertEqual(st, 200, df)
            self.assertEqual((df['from'], df['to']), (g1, g2))
            self.assertEqual([(c['va'], c['before']['pa'], c['after']['pa'])
                              for c in df['changes']],
                             [('0x10000', hexs(0x80400000),
                               hexs(0x80500000))])
            self.assertEqual(df['not_read'], [
                {'level': 'pmd', 'va': hexs(kva),
                 'end': hexs(kva + (1 << 30))}])
            self.assertEqual(dbl.pages_read, {ROOT, l1u, l0u})
            # the WebSocket diff stream says the same
            with d.ws() as ws:
                ws.send(dict(type='subscribe', space=sid, stream='diff',
                             **{'from': g1}))
                m = ws.recv_type('diff', 10)
            self.assertEqual((m['from'], m['to']), (g1, g2))
            self.assertEqual(m['changes'], df['changes'])
            self.assertEqual(m['not_read'], df['not_read'])
            # the old generation answers from what was read then
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=0x10018'
                               '&generation=%d' % (sid, g1))
            self.assertEqual((st, w['pa']), (200, hexs(0x80400018)), w)
            for q in ('walk?va=%s' % hexs(kva + 0x200018),
                      'tree?node=pmd:%s' % hexs(kva), 'ranges'):
                st, e = d.get_json('/api/v1/spaces/%s/%s&generation=%d'
                                   % (sid, q, g1) if '?' in q else
                                   '/api/v1/spaces/%s/%s?generation=%d'
                                   % (sid, q, g1))
                self.assertEqual(st, 410, (q, e))
                self.assertEqual(e['error']['code'], 'not_read', q)
            # everything read at g2 (ranges), then the kernel leaf changes
            st, r = d.get_json('/api/v1/spaces/%s/ranges' % sid)
            self.assertEqual(st, 200)
            self.assertEqual(dbl.pages_read, {ROOT, l1u, l0u, l1k, l0k})
            st, tree2 = d.get_json('/api/v1/spaces/%s/tree?depth=3' % sid)
            self.assertEqual(tree2['generation'], g2)
            poke(l0k, 0, pte(0x10002000, V | R | W | G | A | D))
            s = next_generation(d, sid, g2)
            g3 = s['generation']
            st, df = d.get_json('/api/v1/spaces/%s/diff?from=%d&to=%d'
                                % (sid, g2, g3))
            self.assertEqual([(c['va'], c['before']['pa'], c['after']['pa'])
                              for c in df['changes']],
                             [(hexs(kva + 0x200000), hexs(0x10001000),
                               hexs(0x10002000))])
            self.assertEqual(df['not_read'], [])
            st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
            changes = {x['generation']: x['changes']
                       for x in h['generations']}
            # g2's reads after the fact are not changes: one leaf each
            self.assertEqual((changes[g2], changes[g3]), (1, 1))
            st, r2 = d.get_json('/api/v1/spaces/%s/ranges?generation=%d'
                                % (sid, g2))
            self.assertEqual(st, 200, r2)
            self.assertEqual(r2['ranges'], r['ranges'])
            # g2's state, taken again after the ranges with the tables
            # unchanged since shared, answers the tree g2 answered live
            st, t2 = d.get_json('/api/v1/spaces/%s/tree?depth=3'
                                '&generation=%d' % (sid, g2))
            self.assertEqual(st, 200, t2)
            self.assertEqual(t2['node'], tree2['node'])
            self.assertTrue(resumed(dbl))
        dbl.close()

    def test_no_stub(self):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()                               # nothing listens there
        with Daemon() as d:
            st, e = self.attach(d, '127.0.0.1:%d' % port)
            self.assertGreaterEqual(st, 400)
            self.assertEqual(e['error']['code'], 'vm_unreachable')
            st, e = self.attach(d, 'no-port-here')
            self.assertEqual(st, 400)

    def test_not_a_gdbstub(self):
        srv = socket.socket()
        srv.bind(('127.0.0.1', 0))
        srv.listen(1)

        def talk():
            c, _ = srv.accept()
            c.recv(100)
            c.sendall(b'HTTP/1.0 400 Bad Request\r\n\r\n')
            c.close()
        threading.Thread(target=talk, daemon=True).start()
        with Daemon() as d:
            t0 = time.time()
            st, e = self.attach(d, '127.0.0.1:%d' % srv.getsockname()[1])
            self.assertGreaterEqual(st, 400)
            self.assertEqual(e['error']['code'], 'not_a_gdbstub')
            self.assertLess(time.time() - t0, 10)
        srv.close()

    def test_not_qemu_paging_off_dropped(self):
        img, _ = sv39_image()
        cases = [(GdbDouble(img, SATP, phys_mode=False), 'not_qemu'),
                 (GdbDouble(img, 0), 'paging_off'),
                 (GdbDouble(img, SATP, drop_after_m=2), 'vm_disconnected')]
        with Daemon() as d:
            for dbl, code in cases:
                st, e = self.attach(d, dbl.addr)
                self.assertGreaterEqual(st, 400, e)
                self.assertEqual(e['error']['code'], code)
                if code != 'vm_disconnected':   # resumed before closing
                    self.assertTrue(resumed(dbl), code)
                dbl.close()
            st, info = d.get_json('/api/v1/info')   # the daemon lives on
            self.assertEqual(st, 200)

    def test_guest_gone(self):
        img, _ = sv39_image()
        dbl = GdbDouble(img, SATP)
        with Daemon() as d:
            st, s = self.attach(d, dbl.addr)
            self.assertEqual(st, 201)
            dbl.drop_after_m = dbl.mreads + 1   # the next read drops
            deadline = time.time() + 10
            while True:
                st, e = d.get_json('/api/v1/spaces/%s/tree' % s['id'])
                if st != 200 or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(st, 404, e)
            self.assertEqual(e['error']['code'], 'vm_gone')
        dbl.close()


if __name__ == '__main__':
    main()
