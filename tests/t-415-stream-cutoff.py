#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A streamed answer whose client reads slowly, while the history moves
(docs/api.md, Big answers are streamed; server/api-stream.c).

A sim space gets thousands of generations (a protect of one page, back and
forth), so that its history list is hundreds of KB: far more than the
kernel buffers between the daemon and a client whose socket is made small
(SO_RCVBUF and TCP_MAXSEG set before connect) and the 64 KiB pieces the
daemon holds.  The client reads the headers and a first piece only, so the
daemon is stuck mid-body; the kernel's own counts (/proc/net/tcp: the
bytes queued on either end) tell that it is: what the client read, what
the two sockets hold and what the daemon can hold itself add up to less
than the list.

docs/api.md: a streamed history list "is written from the history itself,
as it was when the answer started: should the history move meanwhile (a
generation added or dropped ...), the answer is cut off like a tree's (the
chunked body ends without its last chunk)".  So
  - not disturbed, the slow read gets the whole list, byte for byte the
    same list the daemon gives a fast reader and, times aside, the one a
    daemon building every answer whole (PTSCOPE_STREAM_BYTES=off) gives
    for the same ops;
  - a generation added, one added while one leaves the history at the
    --history count (the number of generations stays the same), and one
    added that makes the oldest leave by --history-bytes: each time the
    body stops after a whole chunk without the terminating one, and what
    came is the start of the list as it was (never a mix).
"A tree is written from the generation it started at ... ?generation=G is
cut off only if G leaves the history meanwhile": a tree of generation G
stays whole while newer ones are added, G the newest when it was asked
for (the daemon used to cut that one off) or an old one, and is cut off
when G leaves.  "ranges (both formats) are read whole when the answer
starts ... never cut off", a diff's "generations added or dropped
meanwhile do not change it": a live child's diff from G0 to G1 and its
ranges of G1 stay whole, the same bytes, while G0 and G1 leave.
"""
import http.client
import json
import re
import socket
import threading

from ptstest import CommandChildCase, Daemon, TestCase, main, SLOW, \
    wait_for

KiB = 1 << 10
MiB = 1 << 20
TIME = re.compile(rb'"time":"[0-9T:.Z-]+"')
# What the daemon may hold of an answer itself, beyond what the kernel
# holds: docs/api.md says about 64 KiB of its text at a time; libmicrohttpd
# holds another connection buffer.  Four times that, to be safe.
DAEMON_HOLDS = 4 * 64 * KiB
# Generations in the long history: some 116 bytes of list each.
N = 6000
VA = 0x400000


class Ops:
    """Ops on one sim space over one kept-alive connection (thousands of
    them take seconds)."""

    def __init__(self, d, arch='x86_64-4l'):
        self.sid = d.new_sim(arch, 'empty')
        self.c = http.client.HTTPConnection(d.host, d.port,
                                            timeout=30 * SLOW)
        self.captions = ['start: %s empty' % arch]
        self.va = VA		# the page toggle() protects

    def op(self, caption, **op):
        self.c.request('POST', '/api/v1/spaces/%s/ops' % self.sid,
                       body=json.dumps(op),
                       headers={'Content-Type': 'application/json'})
        r = self.c.getresponse()
        body = r.read()
        assert r.status == 200, body
        self.captions.append(caption)
        return json.loads(body)

    def toggle(self):
        """Protect the one page r, or rw again: one generation, one
        change."""
        prot = 'r' if len(self.captions) % 2 == 0 else 'rw'
        return self.op('protect 0x%x 0x1000 %s' % (self.va, prot),
                       op='protect', va=hex(self.va), size='0x1000',
                       prot=prot)

    def long_history(self, n):
        """n generations: the start, a map of two pages, toggles."""
        self.op('map 0x%x 0x2000 rw 4k' % VA, op='map', va=hex(VA),
                size='0x2000', prot='rw', page_size='4k')
        while len(self.captions) < n:
            self.toggle()

    def close(self):
        self.c.close()


def queued(local, remote):
    """Bytes not yet acknowledged (tx) and not yet read (rx) of the
    loopback TCP socket (local, remote) by the kernel's count; (0, 0) when
    the socket is gone."""
    with open('/proc/net/tcp') as f:
        next(f)
        for line in f:
            p = line.split()
            ends = [(int(a.split(':')[0], 16), int(a.split(':')[1], 16))
                    for a in p[1:3]]
            if (ends[0][1], ends[1][1]) == (local[1], remote[1]):
                tx, rx = p[4].split(':')
                return int(tx, 16), int(rx, 16)
    return 0, 0


class SlowGet:
    """A GET whose client reads the headers and a first piece, then
    nothing until told: its socket is made small before it connects, so
    that the daemon soon has nowhere to put the rest."""

    def __init__(self, d, path):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # a small MSS announced keeps the daemon's send buffer small
        # (the kernel sizes it by segments)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        s.settimeout(30 * SLOW)
        s.connect((d.host, d.port))
        s.sendall(('GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n'
                   % (path, d.host, d.port)).encode())
        self.s, self.raw = s, b''
        while b'\r\n\r\n' not in self.raw:
            self.more()
        head, self.raw = self.raw.split(b'\r\n\r\n', 1)
        lines = head.decode().split('\r\n')
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, v in
                        (h.split(':', 1) for h in lines[1:])}
        self.consumed = len(head) + 4
        while len(self.raw) < 100:
            self.more()

    def more(self):
        b = self.s.recv(64 * KiB)
        if not b:
            raise EOFError
        self.raw += b

    def held(self):
        """What the daemon can have written of the answer so far, at
        most: what this client read, what both sockets hold, what the
        daemon can hold itself."""
        me, peer = self.s.getsockname(), self.s.getpeername()
        tx, _ = queued(peer, me)
        _, rx = queued(me, peer)
        return self.consumed + len(self.raw) + rx + tx + DAEMON_HOLDS

    def stuck(self):
        """Wait until the daemon has filled both sockets (its send queue
        and this client's receive queue hold bytes and stay the same
        from one look to the next)."""
        me, peer = self.s.getsockname(), self.s.getpeername()
        last = [None]

        def full():
            now = queued(peer, me)[0], queued(me, peer)[1]
            same = now == last[0] and now[0] > 0 and now[1] > 0
            last[0] = now
            return same
        wait_for(full, 'the daemon to fill the sockets')

    def rest(self):
        """Read the rest: (body, whole) where whole says the chunked body
        ended with its terminating chunk; a cut-off body must stop after
        a whole chunk."""
        body, at = b'', 0
        while True:
            while b'\r\n' not in self.raw[at:]:
                try:
                    self.more()
                except EOFError:
                    assert at == len(self.raw), \
                        'cut off within a chunk: %r' % self.raw[at:at + 40]
                    self.s.close()
                    return body, False
            end = self.raw.index(b'\r\n', at)
            size = int(self.raw[at:end], 16)
            while len(self.raw) < end + 2 + size + 2:
                try:
                    self.more()
                except EOFError:
                    raise AssertionError('cut off within a chunk of %d '
                                         'bytes' % size)
            body += self.raw[end + 2:end + 2 + size]
            assert self.raw[end + 2 + size:end + 4 + size] == b'\r\n'
            at = end + 4 + size
            if size == 0:
                self.s.close()
                return body, True


def history(d, sid):
    st, h, b = d.get('/api/v1/spaces/%s/history' % sid)
    assert st == 200, b
    return b


def expired(d, sid, q):
    """Whether q answers 410 generation_expired."""
    st, o = d.get_json('/api/v1/spaces/%s/%s' % (sid, q))
    return st == 410 and o['error']['code'] == 'generation_expired'


class Slow:
    """Slow reads and what they get (for TestCase classes)."""

    def slow(self, d, path, full):
        """A slow GET of path stuck mid-body, checked to be: its answer
        (full) is far longer than what can have been written of it."""
        g = SlowGet(d, path)
        self.assertEqual(g.status, 200)
        self.assertEqual(g.headers.get('transfer-encoding'), 'chunked')
        g.stuck()
        self.assertLess(g.held(), len(full), 'the answer fits the buffers')
        return g

    def cut_off(self, g, before, what):
        """The rest of g's answer: cut off, the start of before (the
        list as it was)."""
        self.assertLess(g.held(), len(before),
                        '%s: the daemon may have finished' % what)
        body, whole = g.rest()
        self.assertFalse(whole, '%s: not cut off' % what)
        self.assertLess(len(body), len(before), what)
        self.assertEqual(body, before[:len(body)], what)
        with self.assertRaises(ValueError):
            json.loads(body)

    def expect(self, body, captions, first, dropped):
        """The history list body: generations first.. with their
        captions (as the test's ops typed them), oldest first."""
        o = json.loads(body)
        gens = o['generations']
        self.assertEqual([g['generation'] for g in gens],
                         list(range(first, len(captions) + 1)))
        self.assertEqual([g['caption'] for g in gens], captions[first - 1:])
        self.assertEqual(o['generation'], len(captions))
        self.assertEqual(o['dropped'], dropped)
        # one page's protection back and forth: one leaf changed each time
        self.assertEqual({g['changes'] for g in gens if g['generation'] > 2},
                         {1})
        return o


class Sim(Slow, TestCase):
    def test_history_list_moves(self):
        # the count keeps N + 1 generations; the bytes budget keeps all of
        # them (some 2.7 MB) until one big map (a state of 16384 ptes at
        # about 170 bytes each, docs/api.md History, and its delta)
        args = ('--history', str(N + 1), '--history-bytes', '4M')
        with Daemon(args, env={'PTSCOPE_STREAM_BYTES': '4096'}) as d, \
                Daemon(args, env={'PTSCOPE_STREAM_BYTES': 'off'}) as w:
            ops, wops = Ops(d), Ops(w)
            t = threading.Thread(target=wops.long_history, args=(N,))
            t.start()
            ops.long_history(N)
            t.join()
            path = '/api/v1/spaces/%s/history' % ops.sid
            full = history(d, ops.sid)
            self.assertGreater(len(full), 600 * KiB)
            self.expect(full, ops.captions, 1, 0)
            self.assertEqual(TIME.sub(b'T', full),
                             TIME.sub(b'T', history(w, wops.sid)))

            # not disturbed: whole, the same bytes
            g = self.slow(d, path, full)
            body, whole = g.rest()
            self.assertTrue(whole, 'a slow read was cut off')
            self.assertEqual(body, full)

            # a generation added: cut off
            g = self.slow(d, path, full)
            ops.toggle()
            self.cut_off(g, full, 'a generation added')
            full = history(d, ops.sid)
            self.expect(full, ops.captions, 1, 0)

            # at the count: one added, the oldest dropped, as many as
            # before
            g = self.slow(d, path, full)
            ops.toggle()
            self.cut_off(g, full, 'one added, one dropped')
            full = history(d, ops.sid)
            o = self.expect(full, ops.captions, 2, 1)
            self.assertEqual(len(o['generations']), N + 1)

            # over the bytes: one added, the oldest dropped by their bytes
            g = self.slow(d, path, full)
            ops.op('map 0x40000000 0x4000000 rw 4k', op='map',
                   va='0x40000000', size='0x4000000', prot='rw',
                   page_size='4k')
            self.cut_off(g, full, 'dropped by bytes')
            o = json.loads(history(d, ops.sid))
            self.assertGreater(o['dropped'], 2)
            self.assertLessEqual(o['bytes'], 4 * MiB)
            self.assertEqual(o['generations'][-1]['caption'],
                             ops.captions[-1])
            ops.close()
            wops.close()

    def test_tree_of_a_generation(self):
        # --history 3: generation 2 stays while 3 and 4 are added, and
        # leaves when 5 is
        with Daemon(('--history', '3'),
                    env={'PTSCOPE_STREAM_BYTES': '4096'}) as d:
            ops = Ops(d)
            ops.va = 0x40000000
            ops.op('map 0x40000000 0x4000000 rw 4k', op='map',
                   va='0x40000000', size='0x4000000', prot='rw',
                   page_size='4k')
            q = 'tree?depth=4&generation=2'
            path = '/api/v1/spaces/%s/%s' % (ops.sid, q)
            st, h, full = d.get(path)
            self.assertEqual(st, 200)
            # one entry per 4 KiB page of the 64 MiB mapped
            self.assertEqual(full.count(b'"kind":"page"'), 16384)
            self.assertEqual(json.loads(full)['generation'], 2)
            # asked while 2 is the newest, then 3 is added
            g = self.slow(d, path, full)
            self.assertEqual(ops.toggle()['generation'], 3)
            body, whole = g.rest()
            self.assertTrue(whole, 'the newest generation asked for was '
                            'cut off when another was added')
            self.assertEqual(body, full)
            # asked as an old one, then 4 is added (1 leaves)
            g = self.slow(d, path, full)
            self.assertEqual(ops.toggle()['generation'], 4)
            body, whole = g.rest()
            self.assertTrue(whole, 'an old generation was cut off')
            self.assertEqual(body, full)
            # 5 is added, 2 leaves
            g = self.slow(d, path, full)
            ops.toggle()
            self.assertTrue(expired(d, ops.sid, q))
            self.cut_off(g, full, 'generation 2 left')
            ops.close()


class Live(Slow, CommandChildCase):
    """A live child whose N isolated pages make a diff of N changes and
    ranges of N ranges (tests/child-layout "stripes N")."""

    def newest(self, d, sid):
        st, o = d.get_json('/api/v1/spaces/%s' % sid)
        self.assertEqual(st, 200, o)
        return o['generation']

    def move(self, d, sid):
        """The child maps more: the space's next generation."""
        g = self.newest(d, sid)
        self.assertEqual(self.child.cmd('stripes 16').split()[0], 'ok')
        return wait_for(lambda: self.newest(d, sid) > g and
                        self.newest(d, sid), 'a new generation', 30)

    def test_dropped_generations_stay_whole(self):
        # docs/api.md: ranges (both formats) and diffs are worked out when
        # the answer starts: "generations added or dropped meanwhile do
        # not change it", "never cut off"
        with Daemon(('--history', '3'),
                    env={'PTSCOPE_STREAM_BYTES': '4096'}) as d:
            st, sp = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                    'pid': self.child.pid})
            self.assertIn(st, (200, 201), sp)
            sid, g0 = sp['id'], sp['generation']
            self.assertEqual(self.child.cmd('stripes 8000').split()[0], 'ok')
            g1 = wait_for(lambda: self.newest(d, sid) > g0 and
                          self.newest(d, sid), 'a new generation', 30)
            qs = ['diff?from=%d&to=%d' % (g0, g1),
                  'ranges?generation=%d' % g1,
                  'ranges?format=ptdump&generation=%d' % g1]
            fulls, slows = [], []
            for q in qs:
                path = '/api/v1/spaces/%s/%s' % (sid, q)
                st, h, full = d.get(path)
                self.assertEqual(st, 200, full)
                fulls.append(full)
                slows.append(self.slow(d, path, full))
            # every stripe is one change and one range of its own
            self.assertGreaterEqual(fulls[0].count(b'"before":null'), 8000)
            self.assertGreaterEqual(len(json.loads(fulls[1])['ranges']),
                                    8000)
            # g0 and g1 leave the history (three kept)
            while not all(expired(d, sid, q) for q in qs):
                self.move(d, sid)
            for q, g, full in zip(qs, slows, fulls):
                body, whole = g.rest()
                self.assertTrue(whole, '%s was cut off' % q)
                self.assertEqual(body, full, q)


if __name__ == '__main__':
    main()
