#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render once: answers shared by every request and client that want the
same bytes (server/render-cache.c).

A GET .../tree of an unchanged sim space is served from the rendered copy
(the cache's hit counter on /metrics rises, the bytes are the same) and a
new generation renders anew; WebSocket clients with the same subscription
get one shared rendering of the tree, the snapshot and each delta (misses
rise by the renders, hits by the other clients), byte for byte the same;
and sharing never crosses physical-address visibility: a live space's
shared snapshot hides PFNs unless the daemon runs with --show-physical,
while a sim space's keeps its simulated addresses.
"""
import json
import os
import re
import struct
import subprocess

import ptstest
from ptstest import Daemon, TestCase, main, hexs

CHILD = os.path.join(ptstest.BUILDDIR, 'tests', 'child-layout')
PG = 4096


def counters(d):
    st, h, body = d.request('GET', '/metrics')
    text = body.decode() if isinstance(body, bytes) else body
    get = lambda n: int(re.search(r'^%s (\d+)$' % n, text, re.M).group(1))
    return (get('ptscope_render_cache_hits_total'),
            get('ptscope_render_cache_misses_total'))


def raw_message(ws, mtype, timeout=10):
    """The next message of mtype as the exact text the daemon sent."""
    while True:
        line = ws.recv_raw(timeout)
        assert line is not None and line != '#closed', line
        if line.startswith('#'):
            continue
        m = json.loads(line)
        assert m['type'] != 'error', m
        if m['type'] == mtype:
            return line


class Render(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def body(self, path):
        st, h, b = self.d.request('GET', path)
        self.assertEqual(st, 200, b)
        return b

    def test_http_tree_from_the_rendered_copy(self):
        sid = self.d.new_sim('x86_64-4l', 'process')
        path = '/api/v1/spaces/%s/tree?depth=2' % sid
        first = self.body(path)
        h0, m0 = counters(self.d)
        again = self.body(path)
        h1, m1 = counters(self.d)
        self.assertEqual(again, first)
        self.assertEqual((h1 - h0, m1 - m0), (1, 0))
        # another depth is another answer
        self.assertNotEqual(self.body(path.replace('depth=2', 'depth=1')),
                            first)
        st, r = self.d.op(sid, op='map', va='0x10000000', size='0x1000',
                          prot='rw', page_size='4k')
        self.assertEqual(st, 200, r)
        after = json.loads(self.body(path))
        before = json.loads(first)
        self.assertEqual(after['generation'], r['generation'])
        self.assertEqual(after['node']['stats']['present_pages'],
                         before['node']['stats']['present_pages'] + 1)

    def test_ws_one_rendering_per_change(self):
        sid = self.d.new_sim('x86_64-4l', 'process')
        sub = dict(type='subscribe', space=sid, node='pgd:0x0', depth=4)
        clients = [self.d.ws() for _ in range(3)]
        try:
            for ws in clients:
                ws.send(sub)
            snaps = [raw_message(ws, 'snapshot') for ws in clients]
            self.assertEqual(len(set(snaps)), 1)
            h0, m0 = counters(self.d)
            st, r = self.d.op(sid, op='map', va='0x20000000',
                              size='0x1000', prot='rw', page_size='4k')
            self.assertEqual(st, 200, r)
            deltas = [raw_message(ws, 'delta') for ws in clients]
            h1, m1 = counters(self.d)
            self.assertEqual(len(set(deltas)), 1)
            self.assertEqual(json.loads(deltas[0])['generation'],
                             r['generation'])
            # one tree and one delta rendered; the two other clients hit
            self.assertEqual(m1 - m0, 2)
            self.assertGreaterEqual(h1 - h0, 4)
        finally:
            for ws in clients:
                ws.close()


def pagemap_pfn(pid, va):
    with open('/proc/%d/pagemap' % pid, 'rb') as f:
        f.seek(va // PG * 8)
        e, = struct.unpack('<Q', f.read(8))
    return (e & ((1 << 55) - 1)) if e >> 63 else 0


class Physical(TestCase):
    """Shared renders keep each space's physical visibility."""

    def snapshots(self, d, sid, node, n=2):
        clients = [d.ws() for _ in range(n)]
        try:
            for ws in clients:
                ws.send(dict(type='subscribe', space=sid, node=node,
                             depth=1))
            return [raw_message(ws, 'snapshot') for ws in clients]
        finally:
            for ws in clients:
                ws.close()

    def check(self, show):
        p = subprocess.Popen([CHILD], stdout=subprocess.PIPE, text=True)
        try:
            info = json.loads(p.stdout.readline())
            anon = int(info['anon'], 16)
            args = ['--show-physical'] if show else []
            with Daemon(args=args) as d:
                st, b = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                       'pid': info['pid']})
                self.assertEqual(st, 201, b)
                live = self.snapshots(d, b['id'], 'pte:' + hexs(anon))
                self.assertEqual(live[0], live[1])
                sim = d.new_sim('x86_64-4l', 'process')
                simsnap = self.snapshots(d, sim, 'pte:0x555555400000')
                self.assertEqual(simsnap[0], simsnap[1])
                for k in json.loads(simsnap[0])['node']['children']:
                    self.assertIsNotNone(k['pa'], k)
                kids = json.loads(live[0])['node']['children']
                self.assertEqual([k['index'] for k in kids],
                                 [0, 1, 7, 100, 511])
                for k in kids:
                    pfn = pagemap_pfn(info['pid'], int(k['va'], 16))
                    if show:
                        self.assertEqual(k['pa'], hexs(pfn * PG), k)
                    else:
                        self.assertIsNone(k['pa'], k)
        finally:
            p.terminate()
            p.wait(10)
            p.stdout.close()

    def test_hidden_by_default(self):
        self.check(False)

    def test_shown_with_flag(self):
        if pagemap_pfn(os.getpid(), id(self) & ~(PG - 1)) == 0:
            self.skipTest('PFNs are not readable here (needs root)')
        self.check(True)


if __name__ == '__main__':
    main()
