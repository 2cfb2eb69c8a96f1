#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Byte-bounded WebSocket queues (--ws-queue-bytes, --ws-drain-timeout).

Two clients subscribe to a full pte table of a sim space (512 pages: every
op below changes one entry, so each delta carries the whole table, about
100 KB).  One stops reading; the other keeps reading and must get a delta
for every op, promptly, with the generation of that op.  The stalled one
goes over its byte budget: its backlog is dropped (the dropped counter on
/metrics rises) and, once it reads again, it is sent one fresh snapshot
equal to a GET .../tree of the newest generation; a client that never reads
again is closed after --ws-drain-timeout while the other keeps going.
"""
import json
import time

from ptstest import Daemon, TestCase, main

VA = 0x10000000
NODE = 'pte:%#x' % VA


class Queue(TestCase):
    def space(self, d):
        self.next = 0
        sid = d.new_sim('x86_64-4l', 'empty')
        st, r = d.op(sid, op='map', va=hex(VA), size='0x200000', prot='rw',
                     page_size='4k')
        self.assertEqual(st, 200, r)
        return sid

    def subscribe(self, d, sid):
        ws = d.ws()
        ws.send(dict(type='subscribe', space=sid, node=NODE, depth=1))
        snap = ws.recv_type('snapshot', 10)
        self.assertIsNotNone(snap)
        self.assertEqual(len(snap['node']['children']), 512)
        return ws

    def ops(self, d, sid, reader, n):
        """n ops; reader must get each one's delta within 5 s."""
        gens = []
        for _ in range(n):
            # each op makes one more page read-only
            st, r = d.op(sid, op='protect', va=hex(VA + self.next * 4096),
                         size='0x1000', prot='r')
            self.next += 1
            self.assertEqual(st, 200, r)
            m = reader.recv_type('delta', 5)
            self.assertIsNotNone(m, 'the reading client got no delta')
            self.assertEqual(m['generation'], r['generation'])
            gens.append(r['generation'])
        return gens

    def test_resync_after_drain(self):
        with Daemon(args=['--ws-queue-bytes', '64k',
                          '--ws-drain-timeout', '60000']) as d:
            sid = self.space(d)
            slow, reader = self.subscribe(d, sid), self.subscribe(d, sid)
            try:
                dropped0 = d.metric('ptscope_ws_messages_dropped_total')
                slow.command('#pause 600000')
                self.ops(d, sid, reader, 10)
                self.assertGreater(
                    d.metric('ptscope_ws_messages_dropped_total'), dropped0)
                slow.command('#resume')
                # reading again: old deltas that were in the sockets, then
                # one snapshot of the newest generation
                snap = slow.recv_type('snapshot', 20)
                self.assertIsNotNone(snap, 'no fresh snapshot after drain')
                st, tree = d.get_json('/api/v1/spaces/%s/tree?node=%s'
                                      '&depth=1' % (sid, NODE))
                self.assertEqual(snap['generation'], tree['generation'])
                self.assertEqual(snap['node'], tree['node'])
                self.assertGreaterEqual(
                    d.metric('ptscope_ws_snapshots_resent_total'), 1)
            finally:
                slow.close()
                reader.close()

    def test_never_reading_client_is_closed(self):
        with Daemon(args=['--ws-queue-bytes', '64k',
                          '--ws-drain-timeout', '500']) as d:
            sid = self.space(d)
            slow, reader = self.subscribe(d, sid), self.subscribe(d, sid)
            try:
                slow.command('#pause 600000')
                self.assertEqual(d.metric('ptscope_ws_clients'), 2)
                self.ops(d, sid, reader, 10)
                deadline = time.monotonic() + 20
                while d.metric('ptscope_ws_clients') != 1 and \
                        time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertEqual(d.metric('ptscope_ws_clients'), 1)
                # the other client still gets every delta
                self.ops(d, sid, reader, 3)
            finally:
                slow.close()
                reader.close()


if __name__ == '__main__':
    main()
