#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Streamed history lists and diffs, and a big diff and ptdump text
(server/api-stream.c, server/json-stream.c's jstream_doc).

One daemon streams every answer (PTSCOPE_STREAM_BYTES=0: chunked, written
as the client reads), the other builds every one whole (off, as before
streaming existed).  The same spaces get the same changes; every history
list and diff, their errors, a vm space's diff with "not_read" (a gdbstub
double) and a live process's diff must be byte for byte the same.

A live child with N isolated present pages (tests/child-layout "stripes
N") gives a diff of N changes (every page is its own: none touches
another) and a ptdump text of about 2N lines.  Streamed, the daemon's peak
RSS (VmHWM, reset through clear_refs before the request) grows by at most
64 MB for the diff; built whole (off) the same diff grows it by about
110 MB (its cJSON, some 2 KB a change, and its text): the test of the
bound fails on the whole path, which is how it tells them apart.  A diff
and a ptdump text that stream while the space changes stay those of the
generations they started at (docs/api.md, Big answers are streamed).
"""
import http.client
import re
import socket

from gdbdouble import GdbDouble
from ptstest import CommandChildCase, Daemon, TestCase, main, fixture, \
    SLOW, wait_for, status_kb, sanitized, get_raw, counting_reader

MiB = 1 << 20
V, R, W, X, U, G, A, D = (1 << i for i in range(8))
ROOT, L1U, L0U, L1K, L0K = (0x80001000, 0x80002000, 0x80003000, 0x80004000,
                            0x80005000)
TIME = re.compile(rb'"time":"[0-9T:.Z-]+"')
SATP = 8 << 60 | ROOT >> 12                 # RISC-V satp MODE = Sv39


def pte(pa, bits):
    return (pa >> 12) << 10 | bits


def sv39_image():
    """Sv39 tables (RISC-V privileged spec 4.4): a user page at 0x10000,
    a kernel page at 0xffffffc000200000."""
    pages = {}

    def put(table, index, value):
        pages.setdefault(table, [0] * 512)[index] = value
    put(ROOT, 0, pte(L1U, V))
    put(L1U, 0, pte(L0U, V))
    put(L0U, 0x10, pte(0x80400000, V | R | X | U | A))
    put(ROOT, 256, pte(L1K, V))
    put(L1K, 1, pte(L0K, V))
    put(L0K, 0, pte(0x10000000, V | R | W | G | A | D))
    return {pa: b''.join(v.to_bytes(8, 'little') for v in t)
            for pa, t in pages.items()}


def sim_paths(d):
    """Sim spaces changed by ops: [(space, [paths])]."""
    sid = d.new_sim('x86_64-4l', 'process')
    for op in (dict(op='map', va='0x7f0000000000', size='0x300000',
                    prot='rw', page_size='4k'),
               dict(op='map', va='0x7f0040000000', size='0x400000',
                    prot='rw', page_size='2m'),
               dict(op='protect', va='0x7f0000001000', size='0x1000',
                    prot='r'),
               dict(op='unmap', va='0x7f0040000000', size='0x200000')):
        st, r = d.op(sid, **op)
        assert st == 200, r
    g = r['generation']
    # (with --history 4 generation 1 has left the history)
    paths = ['history', 'diff', 'diff?from=2', 'diff?from=%d&to=%d'
             % (g - 2, g - 1), 'diff?from=%d&to=2' % g,
             # errors: expired, never had, not a number
             'diff?from=1', 'diff?from=%d' % (g + 100), 'diff?to=x']
    arm = d.new_sim('arm64-4k-48', 'kernel')
    st, r = d.op(arm, op='map', va='0x400000', size='0x200000', prot='rx',
                 page_size='4k')
    assert st == 200, r
    out = [(sid, paths),
           (arm, ['history', 'diff', 'diff?from=1', 'diff?from=2&to=1'])]
    with open(fixture('ptdump', 'x86_64-kernel.txt')) as f:
        st, sp = d.post_json('/api/v1/spaces',
                             {'kind': 'ptdump', 'text': f.read()})
    assert st == 201, sp
    # a dump's one generation: its state taken when the diff asks for it
    out.append((sp['id'], ['history', 'diff', 'history']))
    return out


class Lists(TestCase):
    def same(self, s, w, sa, sb, path):
        st1, h1, b1 = get_raw(s, '/api/v1/spaces/%s/%s' % (sa, path))
        st2, h2, b2 = get_raw(w, '/api/v1/spaces/%s/%s' % (sb, path))
        self.assertEqual(st1, st2, (path, b1, b2))
        # the ids are the daemons' own, and so are the times of the ops
        b1, b2 = (TIME.sub(b'"time":"T"', b) for b in (b1, b2))
        self.assertEqual(b1, b2.replace(sb.encode(), sa.encode()),
                         '%s %s differs' % (sa, path))
        self.assertNotIn('transfer-encoding', h2)
        if st1 == 200:
            self.assertEqual(h1.get('transfer-encoding'), 'chunked', path)
        return st1, b1

    def test_streamed_equals_whole(self):
        args = ('--history', '4')
        with Daemon(args, env={'PTSCOPE_STREAM_BYTES': '0'}) as s, \
                Daemon(args, env={'PTSCOPE_STREAM_BYTES': 'off'}) as w:
            a, b = sim_paths(s), sim_paths(w)
            codes = set()
            for (sa, paths), (sb, _) in zip(a, b):
                for p in paths:
                    codes.add(self.same(s, w, sa, sb, p)[0])
            self.assertEqual(codes, {200, 400, 404, 410})

    def test_vm_diff_not_read(self):
        bodies = []
        for env in ('0', 'off'):
            dbl = GdbDouble(sv39_image(), SATP)
            with Daemon(env={'PTSCOPE_STREAM_BYTES': env}) as d:
                st, sp = d.post_json('/api/v1/spaces',
                                     {'kind': 'vm', 'gdb': dbl.addr})
                self.assertEqual(st, 201, sp)
                sid, g1 = sp['id'], sp['generation']
                st, _ = d.get_json('/api/v1/spaces/%s/walk?va=0x10018' % sid)
                self.assertEqual(st, 200)
                # a leaf changes in the table read and in one never read
                for table, index, value in (
                        (L0U, 0x10, pte(0x80500000, V | R | X | U | A)),
                        (L0K, 0, pte(0x10001000, V | R | W | G | A | D))):
                    page = bytearray(dbl.mem[table])
                    page[index * 8:index * 8 + 8] = value.to_bytes(8,
                                                                   'little')
                    dbl.mem[table] = bytes(page)
                wait_for(lambda: d.get_json('/api/v1/spaces/%s' % sid)[1]
                         ['generation'] != g1, 'a new generation')
                st, h, b = get_raw(d, '/api/v1/spaces/%s/diff' % sid)
                self.assertEqual(st, 200, b)
                self.assertEqual(h.get('transfer-encoding'),
                                 'chunked' if env == '0' else None)
                self.assertIn(b'"not_read":[{"level":"pmd"', b)
                bodies.append(b)
            dbl.close()
        self.assertEqual(bodies[0], bodies[1])


class BigLive(CommandChildCase):
    """A live child whose N isolated pages make a diff of N changes."""

    def attach_and_stripe(self, d, n):
        """Attach to the child, give it n isolated pages: (space, the
        generation before, the one after, the stripes' address)."""
        st, sp = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                'pid': self.child.pid})
        self.assertIn(st, (200, 201), sp)
        sid, g0 = sp['id'], sp['generation']
        ok, addr = self.child.cmd('stripes %d' % n).split()
        self.assertEqual(ok, 'ok')

        def moved():
            st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
            return h['generations'][-1]['generation'] > g0 and h
        h = wait_for(moved, 'a new generation', 30)
        return sid, g0, h['generations'][-1]['generation'], int(addr, 16)

    def test_big_diff_in_bounded_memory(self):
        with Daemon() as d:
            pid = d.proc.pid
            san = sanitized(pid)
            n = 50000
            sid, g0, g1, addr = self.attach_and_stripe(d, n)
            q = '/api/v1/spaces/%s/diff?from=%d&to=%d' % (sid, g0, g1)
            rss0 = status_kb(pid, 'VmRSS')
            with open('/proc/%d/clear_refs' % pid, 'w') as f:
                f.write('5')	# VmHWM := VmRSS
            got = [0, 0]
            st, h, _ = get_raw(d, q, counting_reader(got, b'"before":null'))
            grew = (status_kb(pid, 'VmHWM') - rss0) * 1024
            self.assertEqual(st, 200)
            self.assertEqual(h.get('transfer-encoding'), 'chunked')
            # every stripe appeared on its own (no page was there before);
            # the child's other pages may have moved too
            self.assertGreaterEqual(got[1], n)
            self.assertGreater(got[0], 8 * MiB)
            if not san:
                self.assertLessEqual(grew, 64 * MiB,
                                     'peak RSS grew %d MB for a %d MB diff'
                                     % (grew // MiB, got[0] // MiB))

    def test_streams_stay_consistent_while_the_space_changes(self):
        with Daemon(env={'PTSCOPE_STREAM_BYTES': '0'}) as d:
            # answers of over 5 MB, more than the daemon's send buffer
            # (net.ipv4.tcp_wmem's max, 4 MiB) and this client's receive
            # buffer (64 KiB asked for) can hold: the daemon is still
            # writing them when the child changes
            sid, g0, g1, addr = self.attach_and_stripe(d, 30000)
            # (a live child's present ranges are those of the newest
            # generation, which its own stack may move at any re-read: the
            # test names the generation)
            for q in ('diff?from=%d&to=%d' % (g0, g1),
                      'ranges?format=ptdump&generation=%d' % g1):
                c = http.client.HTTPConnection(d.host, d.port,
                                               timeout=60 * SLOW)
                c.sock = socket.socket()
                c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                  64 * 1024)
                c.sock.settimeout(60 * SLOW)
                c.sock.connect((d.host, d.port))
                c.request('GET', '/api/v1/spaces/%s/%s' % (sid, q))
                r = c.getresponse()
                self.assertEqual(r.getheader('transfer-encoding'), 'chunked')
                first = r.read(100)
                # the child changes: a new generation while we read
                self.assertEqual(self.child.cmd('stripes 16').split()[0],
                                 'ok')
                g = g1

                def moved():
                    st, o = d.get_json('/api/v1/spaces/%s' % sid)
                    return o['generation'] > g and o['generation']
                g2 = wait_for(moved, 'a new generation', 30)
                body = first + r.read()
                c.close()
                st, h, whole = get_raw(d, '/api/v1/spaces/%s/%s' % (sid, q))
                self.assertEqual(st, 200)
                self.assertEqual(body, whole, q)
                self.assertGreater(len(body), 4.5 * MiB)
                g1 = g2


if __name__ == '__main__':
    main()
