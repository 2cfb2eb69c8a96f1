# SPDX-License-Identifier: MIT
"""The WebSocket diff stream ({"type":"subscribe","stream":"diff"}), with a
real WebSocket client (tests/ws-client): one "diff" per new generation,
equal to GET .../diff of the same two generations and carrying the
generation's caption; "from" catches up one diff per generation; the tree
stream of the same space on the same connection is unaffected; errors for
a generation that left the history, one that never was and bad messages;
after a dropped backlog, one "resync" diff from a generation the client
had; a live process the test controls streams its touch."""
import os
import time

import ptstest
from ptstest import Daemon, DaemonCase, TestCase, main

VA = 0x7f0000000000
PAGE = 0x1000


def ops_of():
    """Four ops (map, protect, fork, unmap) and their captions as typed."""
    return [
        (dict(op='map', va=hex(VA), size='0x4000', prot='rw',
              page_size='4k'), 'map 0x7f0000000000 0x4000 rw 4k'),
        (dict(op='protect', va=hex(VA + PAGE), size='0x1000', prot='r'),
         'protect 0x7f0000001000 0x1000 r'),
        (dict(op='fork'), 'fork'),
        (dict(op='unmap', va=hex(VA + 3 * PAGE), size='0x1000'),
         'unmap 0x7f0000003000 0x1000'),
    ]


class DiffStream(DaemonCase):
    daemon_args = ['--history', '8']

    def op(self, sid, body):
        st, r = self.d.op(sid, **body)
        self.assertIn(st, (200, 201), r)
        return r['generation']

    def http_diff(self, sid, a, b):
        st, d = self.d.get_json('/api/v1/spaces/%s/diff?from=%d&to=%d'
                                % (sid, a, b))
        self.assertEqual(st, 200, d)
        return d

    def check_diff(self, sid, m, a, b, caption):
        self.assertIsNotNone(m, 'no diff for generation %d' % b)
        self.assertEqual((m['type'], m['space'], m['from'], m['to'],
                          m['generation']), ('diff', sid, a, b, b))
        self.assertEqual(m['caption'], caption)
        self.assertRegex(m['time'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'
                         r'\.\d{3}Z$')
        want = self.http_diff(sid, a, b)
        self.assertEqual(m['changes'], want['changes'])
        self.assertEqual(m['tables'], want['tables'])
        self.assertNotIn('resync', m)

    def test_one_diff_per_generation_beside_the_tree(self):
        sid = self.d.new_sim('x86_64-4l')
        with self.d.ws() as ws:
            ws.send(dict(type='subscribe', space=sid, node='pgd:0x0',
                         depth=4))
            snap = ws.recv_type('snapshot', 10)
            self.assertEqual(snap['generation'], 1)
            ws.send(dict(type='subscribe', space=sid, stream='diff', **{
                'from': 1}))
            prev = 1
            for body, caption in ops_of():
                g = self.op(sid, body)
                # this op's diff and the tree's delta, in either order
                got = {}
                while len(got) < 2:
                    m = ws.recv(10)
                    self.assertIsNotNone(m, 'generation %d: only %s'
                                         % (g, list(got)))
                    self.assertEqual(m['generation'], g, m)
                    got[m['type']] = m
                self.check_diff(sid, got['diff'], prev, g, caption)
                self.assertIn('delta', got)
                prev = g
            # the fork's diff is the parent's pages made copy-on-write
            # (the three writable ones: pte 1 was made read-only before)
            m = self.http_diff(sid, 3, 4)
            self.assertEqual(sum(c['entries'] for c in m['changes']), 3)
            # unsubscribing the diff stream leaves the tree stream
            ws.send(dict(type='unsubscribe', space=sid, stream='diff'))
            ws.send(dict(type='ping'))
            self.assertIsNotNone(ws.recv_type('pong', 10))
            g = self.op(sid, dict(op='unmap', va=hex(VA), size='0x1000'))
            got = []
            while True:
                m = ws.recv(10)
                self.assertIsNotNone(m, 'no delta for generation %d' % g)
                got.append(m['type'])
                if m['type'] == 'delta' and m['generation'] == g:
                    break
            self.assertNotIn('diff', got)

    def test_catch_up_from(self):
        sid = self.d.new_sim('x86_64-4l')
        gens = [1]
        for body, _ in ops_of():
            gens.append(self.op(sid, body))
        with self.d.ws() as ws:
            ws.send(dict(type='subscribe', space=sid, stream='diff', **{
                'from': 2}))
            caps = [c for _, c in ops_of()]
            for i in range(2, len(gens)):
                m = ws.recv_type('diff', 10)
                self.check_diff(sid, m, gens[i - 1], gens[i], caps[i - 1])
            self.assertEqual(m['oldest'], 1)
            # without "from": nothing until the next generation, counted
            # from when the daemon read the subscribe (a ping sent after
            # it is answered after it was read)
            ws.send(dict(type='subscribe', space=sid, stream='diff'))
            ws.send(dict(type='ping'))
            self.assertIsNotNone(ws.recv_type('pong', 10))
            g = self.op(sid, dict(op='unmap', va=hex(VA), size='0x1000'))
            m = ws.recv_type('diff', 10)
            self.check_diff(sid, m, gens[-1], g, 'unmap 0x7f0000000000 0x1000')

    def test_errors(self):
        sid = self.d.new_sim('x86_64-4l')
        for i in range(10):     # --history 8: generations 1-3 leave
            self.op(sid, dict(op='map', va=hex(VA + i * PAGE), size='0x1000',
                              prot='rw', page_size='4k'))
        cases = [
            (dict(type='subscribe', space=sid, stream='diff', **{'from': 1}),
             'generation_expired'),
            (dict(type='subscribe', space=sid, stream='diff', **{'from': 99}),
             'no_such_generation'),
            (dict(type='subscribe', space=sid, stream='diffs'), 'bad_stream'),
            (dict(type='subscribe', space=sid, stream='diff', **{'from': 'x'}),
             'bad_generation'),
            (dict(type='subscribe', space='sim-999', stream='diff'),
             'no_such_space'),
            (dict(type='subscribe', space='zones', stream='diff'),
             'bad_stream'),
        ]
        with self.d.ws() as ws:
            for msg, code in cases:
                ws.send(msg)
                m = ws.recv_type('error', 10)
                self.assertIsNotNone(m, msg)
                self.assertEqual(m['error']['code'], code, msg)
            # the connection still works: the oldest kept generation does
            st, h = self.d.get_json('/api/v1/spaces/%s/history' % sid)
            old = h['generations'][0]['generation']
            self.assertEqual(old, 4)
            ws.send(dict(type='subscribe', space=sid, stream='diff',
                         **{'from': old}))
            m = ws.recv_type('diff', 10)
            self.check_diff(sid, m, old, old + 1, h['generations'][1]
                            ['caption'])
            # unsubscribed twice: the second has nothing to drop
            ws.send(dict(type='unsubscribe', space=sid, stream='diff'))
            ws.send(dict(type='ping'))
            self.assertIsNotNone(ws.recv_type('pong', 10))
            ws.send(dict(type='unsubscribe', space=sid, stream='diff'))
            m = ws.recv_type('error', 10)
            self.assertEqual(m['error']['code'], 'not_subscribed')


class Resync(TestCase):
    """A client that stops reading loses its backlog: once it reads again
    its diff stream resumes with one diff marked resync, from a generation
    it had, to the newest.  The same connection's subscription to a full
    pte table (each op re-sends the 512-entry table, about 100 KB) is what
    fills the queue, as in t-412."""

    def test_resync_after_drop(self):
        table = 0x10000000
        with Daemon(args=['--ws-queue-bytes', '64k',
                          '--ws-drain-timeout', '60000']) as d:
            sid = d.new_sim('x86_64-4l')
            st, r = d.op(sid, op='map', va=hex(table), size='0x200000',
                         prot='rw', page_size='4k')
            self.assertEqual(st, 200, r)
            g0 = r['generation']
            with d.ws() as slow:
                slow.send(dict(type='subscribe', space=sid,
                               node='pte:%#x' % table, depth=1))
                self.assertIsNotNone(slow.recv_type('snapshot', 10))
                slow.send(dict(type='subscribe', space=sid, stream='diff',
                               **{'from': g0}))
                slow.send(dict(type='ping'))
                self.assertIsNotNone(slow.recv_type('pong', 10))
                slow.command('#pause 600000')
                dropped0 = self.metric(d)
                gen = g0
                for i in range(40):
                    st, r = d.op(sid, op='protect',
                                 va=hex(table + i * PAGE), size='0x1000',
                                 prot='r')
                    self.assertEqual(st, 200, r)
                    gen = r['generation']
                    if i >= 10 and self.metric(d) > dropped0:
                        break
                self.assertGreater(self.metric(d), dropped0,
                                   'the backlog was never dropped')
                slow.command('#resume')
                # every diff follows the one before, except resync ones,
                # which start at a generation the client had; together
                # they reach the newest
                last_to, resyncs, seen = g0, 0, []
                deadline = time.time() + 20 * ptstest.SLOW
                while last_to != gen and time.time() < deadline:
                    m = slow.recv(10)
                    self.assertIsNotNone(m, 'stream stopped: %s' % seen[-20:])
                    if m['type'] != 'diff':
                        continue
                    seen.append((m['from'], m['to'], m.get('resync')))
                    if m.get('resync'):
                        resyncs += 1
                        self.assertLessEqual(m['from'], last_to, seen)
                        self.assertGreaterEqual(m['from'], g0, seen)
                        st, want = d.get_json(
                            '/api/v1/spaces/%s/diff?from=%d&to=%d'
                            % (sid, m['from'], m['to']))
                        self.assertEqual(m['changes'], want['changes'])
                    else:
                        self.assertEqual(m['from'], last_to, seen)
                    last_to = m['to']
                self.assertEqual(last_to, gen, seen)
                self.assertGreaterEqual(resyncs, 1, seen)
                # and the stream goes on (without the big tree stream,
                # whose 100 KB deltas would fill the 64 KB queue again)
                slow.send(dict(type='unsubscribe', space=sid))
                slow.send(dict(type='ping'))
                self.assertIsNotNone(slow.recv_type('pong', 10))
                st, r = d.op(sid, op='protect', va=hex(table + 100 * PAGE),
                             size='0x1000', prot='r')
                m = slow.recv_type('diff', 10)
                self.assertEqual((m['from'], m['to']),
                                 (gen, r['generation']))
                self.assertNotIn('resync', m)

    @staticmethod
    def metric(d):
        return d.metric('ptscope_ws_messages_dropped_total')


class Live(TestCase):
    """A live process the test controls: its touch arrives as a diff."""

    def test_touch_streams_a_diff(self):
        if not os.path.exists('/proc/self/pagemap'):
            self.skipTest('no pagemap')
        child = ptstest.CommandChild()
        try:
            region = int(child.cmd('region').split()[1], 16)
            with Daemon() as d:
                st, s = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                       'pid': child.pid})
                self.assertIn(st, (200, 201), s)
                sid = s['id']
                with d.ws() as ws:
                    ws.send(dict(type='subscribe', space=sid, stream='diff',
                                 interval_ms=100,
                                 **{'from': s['generation']}))
                    ws.send(dict(type='ping'))
                    self.assertIsNotNone(ws.recv_type('pong', 10))
                    self.assertEqual(child.cmd('touch 16'), 'ok')
                    deadline = time.time() + 15 * ptstest.SLOW
                    mine = []
                    while time.time() < deadline and not mine:
                        m = ws.recv_type('diff', 10)
                        self.assertIsNotNone(m, 'no diff after the touch')
                        mine = [c for c in m['changes']
                                if region <= int(c['va'], 16) <
                                region + 0x400000]
                    self.assertEqual(len(mine), 1, m)
                    c = mine[0]
                    self.assertEqual((int(c['va'], 16), int(c['end'], 16)),
                                     (region, region + 16 * PAGE))
                    self.assertIsNone(c['before'])
                    self.assertEqual(c['after']['kind'], 'page')
        finally:
            child.close()


if __name__ == '__main__':
    main()
