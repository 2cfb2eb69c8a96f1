#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Streamed answers (server/api-stream.c, server/json-stream.c).

One daemon streams every answer longer than 1000 bytes
(PTSCOPE_STREAM_BYTES=1000: chunked, produced as the client reads), the
other builds every answer whole as cJSON, as before streaming existed
(PTSCOPE_STREAM_BYTES=off).  Both get the same spaces by the same ops; each
tree (several arches, nodes, depths, an old generation), ranges answer and
kernel-ptdump tree must be byte for byte the same, and the long ones must
have come chunked.

A 2 GiB space of 4 KiB pages answers tree?depth=5 (over 100 MB of JSON)
while the daemon's peak RSS (VmHWM, reset through clear_refs before the
request) grows by at most 64 MB: the whole-answer path grows it by over a
gigabyte.  A space that changes while its tree streams cuts the answer off
(an incomplete chunked body) rather than mixing two generations.
"""
import http.client
import json
import os
import sys
import time

from ptstest import Daemon, TestCase, main, fixture, SLOW

MiB = 1 << 20


def status_kb(pid, key):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise AssertionError('no %s in /proc/%d/status' % (key, pid))


def sanitized(pid):
    """Whether the daemon runs under ASan or TSan (its RSS says nothing
    about ours: shadow memory, quarantined frees)."""
    with open('/proc/%d/maps' % pid) as f:
        maps = f.read()
    return 'libasan' in maps or 'libtsan' in maps


def get_raw(d, path, read=None):
    """GET path: (status, headers, body), reading the body in pieces."""
    c = http.client.HTTPConnection(d.host, d.port, timeout=60 * SLOW)
    c.request('GET', path)
    r = c.getresponse()
    h = {k.lower(): v for k, v in r.getheaders()}
    if read is None:
        body = r.read()
    else:
        body = read(r)
    c.close()
    return r.status, h, body


def ops_for(d):
    """The same spaces on daemon d: [(space, [paths])]."""
    out = []
    sid = d.new_sim('x86_64-4l', 'process')
    for va, size, ps in ((0x7f0000000000, 0x300000, '4k'),
                         (0x7f0040000000, 0x400000, '2m'),
                         (0x600000000, 0x41000, 'auto')):
        st, r = d.op(sid, op='map', va=hex(va), size=hex(size), prot='rw',
                     page_size=ps)
        assert st == 200, r
    st, r = d.op(sid, op='protect', va='0x7f0000001000', size='0x1000',
                 prot='r')
    assert st == 200, r
    paths = ['tree?depth=%d' % n for n in range(6)]
    paths += ['tree?node=pmd:0x7f0000000000&depth=1',
              'tree?node=pud:0x7f0000000000&depth=3',
              'tree?depth=5&generation=%d' % (r['generation'] - 2),
              'ranges', 'ranges?generation=%d' % (r['generation'] - 1),
              'ranges?format=ptdump',
              'ranges?format=ptdump&generation=%d' % (r['generation'] - 1)]
    out.append((sid, paths))
    for arch, scen in (('arm64-4k-48', 'kernel'), ('armv7-2l', 'process'),
                       ('riscv-sv39', 'process'), ('x86-pae', 'kernel'), ('x86_64-4l', 'boot')):
        sid = d.new_sim(arch, scen)
        out.append((sid, ['tree?depth=2', 'tree?depth=5', 'ranges',
                          'ranges?format=ptdump']))
    # uploaded dumps of each ptdump format: x86 and arm64 with holes,
    # riscv with the PA column, arm32 with domains
    for name in ('x86_64-kernel.txt', 'arm64-16k-48-6.1-ptdump-qemu.txt',
                 'riscv64-kernel_page_tables.txt',
                 'armv7-2l-efi_page_tables-lkml.txt'):
        with open(fixture('ptdump', name)) as f:
            st, sp = d.post_json('/api/v1/spaces',
                                 {'kind': 'ptdump', 'text': f.read()})
        assert st == 201, sp
        out.append((sp['id'], ['tree?depth=5', 'tree?depth=1', 'ranges',
                               'ranges?format=ptdump']))
    return out


def big_space(tc, d, size):
    """A x86_64-4l sim space with size bytes of 4 KiB pages mapped."""
    sid = d.new_sim('x86_64-4l', ram_mb=4096)
    st, r = d.op(sid, op='map', va='0x7f0000000000', size=hex(size),
                 prot='rw', page_size='4k')
    tc.assertEqual(st, 200, r)
    return sid, r['generation']


class Stream(TestCase):
    def test_streamed_equals_whole(self):
        with Daemon(env={'PTSCOPE_STREAM_BYTES': '1000'}) as s, \
                Daemon(env={'PTSCOPE_STREAM_BYTES': 'off'}) as w:
            a, b = ops_for(s), ops_for(w)
            self.assertEqual([p for _, p in a], [p for _, p in b])
            chunked = ptdumps = 0
            for (sa, paths), (sb, _) in zip(a, b):
                for p in paths:
                    st1, h1, b1 = get_raw(s, '/api/v1/spaces/%s/%s' % (sa, p))
                    st2, h2, b2 = get_raw(w, '/api/v1/spaces/%s/%s' % (sb, p))
                    self.assertEqual((st1, st2), (200, 200), (p, b1, b2))
                    # the ids are the daemons' own
                    self.assertEqual(b1, b2.replace(sb.encode(), sa.encode()),
                                     '%s %s differs' % (sa, p))
                    self.assertNotIn('transfer-encoding', h2)
                    self.assertEqual(h1['content-type'], h2['content-type'])
                    if 'format=ptdump' in p:
                        self.assertTrue(h1['content-type'].startswith(
                            'text/plain'), p)
                        self.assertTrue(b1.endswith(b'\n'), p)
                        if len(b1) > 2000:
                            self.assertEqual(h1.get('transfer-encoding'),
                                             'chunked', p)
                            ptdumps += 1
                        continue
                    json.loads(b1)
                    if len(b1) > 100000:
                        self.assertEqual(h1.get('transfer-encoding'),
                                         'chunked', p)
                        chunked += 1
                    elif len(b1) < 1000:
                        self.assertIn('content-length', h1)
            self.assertGreater(chunked, 5)
            self.assertGreater(ptdumps, 5)

    def test_huge_tree_in_bounded_memory(self):
        with Daemon() as d:
            pid = d.proc.pid
            san = sanitized(pid)
            size = (256 if san else 2048) * MiB
            sid, gen = big_space(self, d, size)
            rss0 = status_kb(pid, 'VmRSS')
            with open('/proc/%d/clear_refs' % pid, 'w') as f:
                f.write('5')	# VmHWM := VmRSS
            n = [0, 0]
            pat = b'"kind":"page"'

            def count(r):
                tail = b''
                while True:
                    piece = r.read(1 << 20)
                    if not piece:
                        return b''
                    n[0] += len(piece)
                    # (a match may straddle two pieces)
                    piece = tail + piece
                    n[1] += piece.count(pat)
                    tail = piece[-(len(pat) - 1):]

            st, h, _ = get_raw(d, '/api/v1/spaces/%s/tree?depth=5' % sid,
                               count)
            grew = (status_kb(pid, 'VmHWM') - rss0) * 1024
            self.assertEqual(st, 200)
            self.assertEqual(h.get('transfer-encoding'), 'chunked')
            # every 4 KiB page of the mapping is one entry
            self.assertEqual(n[1], size // 4096)
            self.assertGreater(n[0], size // 4096 * 150)
            if not san:
                self.assertLessEqual(grew, 64 * MiB,
                                     'peak RSS grew %d MB for a %d MB answer'
                                     % (grew // MiB, n[0] // MiB))
            # and the answer still parses, from the first byte to the last
            st, h, b = get_raw(d, '/api/v1/spaces/%s/tree?depth=5&'
                               'node=pmd:0x7f0000000000' % sid)
            # 0x7f0000000000 is 1 GiB aligned: its pmd table holds one pte
            # table per 2 MiB of the mapping, 512 at most (x86-64 4-level)
            self.assertEqual(len(json.loads(b)['node']['children']),
                             min(512, size // (2 * MiB)))

    def test_change_while_streaming_cuts_off(self):
        with Daemon(env={'PTSCOPE_STREAM_BYTES': '0'}) as d:
            sid, gen = big_space(self, d, 512 * MiB)
            c = http.client.HTTPConnection(d.host, d.port, timeout=60 * SLOW)
            c.request('GET', '/api/v1/spaces/%s/tree?depth=5' % sid)
            r = c.getresponse()
            self.assertEqual(r.getheader('transfer-encoding'), 'chunked')
            first = r.read(100)
            self.assertTrue(first.startswith(b'{"space":'))
            st, o = d.op(sid, op='unmap', va='0x7f0000000000',
                         size='0x1000')
            self.assertEqual((st, o['generation']), (200, gen + 1), o)
            with self.assertRaises(http.client.IncompleteRead):
                r.read()
            c.close()
            self.assertIn('changed (generation %d to %d)' % (gen, gen + 1),
                          d.stderr())


def raw_type(ws, mtype, timeout):
    """The next message of mtype as the exact text the daemon sent."""
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        line = ws.recv_raw(deadline - time.time())
        assert line is not None and line != '#closed', line
        if line.startswith('#'):
            continue
        m = json.loads(line)
        assert m['type'] != 'error', m
        if m['type'] == mtype:
            return line, m
    raise AssertionError('no %s message' % mtype)


class WsStream(TestCase):
    def test_streamed_snapshot_equals_whole(self):
        # every snapshot streamed (0) against every one rendered whole
        with Daemon(env={'PTSCOPE_STREAM_BYTES': '0'}) as s, \
                Daemon(env={'PTSCOPE_STREAM_BYTES': 'off'}) as w:
            a, b = ops_for(s), ops_for(w)
            for (sa, _), (sb, _) in zip(a[:3], b[:3]):
                for node, depth in (('', 5), ('', 1),
                                    ('pud:0x7f0000000000', 3)):
                    sub = dict(type='subscribe', depth=depth)
                    if node and sa == a[0][0]:
                        sub['node'] = node
                    texts = []
                    for d, sid in ((s, sa), (w, sb)):
                        with d.ws() as ws:
                            ws.send(dict(sub, space=sid))
                            texts.append(raw_type(ws, 'snapshot', 20)[0])
                    self.assertEqual(texts[0], texts[1].replace(
                        '"%s"' % sb, '"%s"' % sa), (sa, sub))
                    self.assertIn('"children"', texts[0])

    def test_never_reading_client_is_bounded(self):
        # one client subscribes to the whole tree of a 1 GiB space of 4 KiB
        # pages (a 60 MB snapshot) and never reads; another, subscribed to
        # a small space, gets a delta for each op there, and the daemon's
        # peak RSS grows by the subscribed tree (about 110 bytes an entry,
        # kept for deltas), not by the snapshot's text or its cJSON
        with Daemon() as d:
            pid = d.proc.pid
            san = sanitized(pid)
            size = (128 if san else 1024) * MiB
            big, _ = big_space(self, d, size)
            small, _ = big_space(self, d, 2 * MiB)
            rss0 = status_kb(pid, 'VmRSS')
            with open('/proc/%d/clear_refs' % pid, 'w') as f:
                f.write('5')
            with d.ws() as stuck, d.ws() as reader:
                stuck.command('#pause 600000')
                stuck.send(dict(type='subscribe', space=big, depth=5))
                reader.send(dict(type='subscribe', space=small,
                                 node='pte:0x7f0000000000', depth=1))
                snap = reader.recv_type('snapshot', 20 * SLOW)
                self.assertEqual(len(snap['node']['children']), 512)
                for i in range(4):
                    st, r = d.op(small, op='protect',
                                 va=hex(0x7f0000000000 + i * 4096),
                                 size='0x1000', prot='r')
                    self.assertEqual(st, 200, r)
                    m = reader.recv_type('delta', 10)
                    self.assertIsNotNone(m, 'the reader got no delta')
                    self.assertEqual(m['generation'], r['generation'])
                # (rounds run in turn: the stuck client's first one, which
                # built its tree and started its snapshot, is long done)
                grew = (status_kb(pid, 'VmHWM') - rss0) * 1024
                if not san:
                    self.assertLessEqual(grew, 64 * MiB,
                                         'peak RSS grew %d MB' % (grew // MiB))

if __name__ == '__main__':
    main()
