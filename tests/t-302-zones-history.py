# SPDX-License-Identifier: MIT
"""Zones history: the daemon samples the live zones on its interval into a
bounded ring (GET /api/v1/zones/history).  A --proc-root copy of the
captured fixture tree whose buddyinfo the test rewrites between samples:
each sample must hold the numbers of the file as it was then (free pages
per order = blocks << order, as /proc/buddyinfo counts blocks), the ring
holds at most --zones-history samples, oldest first, numbered in order."""
import os
import shutil
import subprocess
import tempfile
import time

from ptstest import Daemon, TestCase, main, fixture, SLOW, PTSCOPE

CAP = 4


def parse_buddyinfo(text):
    """{(node, zone): [blocks per order]} from buddyinfo text."""
    out = {}
    for line in text.splitlines():
        head, _, counts = line.partition('zone')
        node = int(head.split()[1].rstrip(','))
        words = counts.split()
        out[(node, words[0])] = [int(x) for x in words[1:]]
    return out


def variant(base, i):
    """The fixture's buddyinfo with every count of every zone raised by i
    at orders 0 and 3 (so each rewrite is distinguishable)."""
    lines = []
    for line in base.splitlines():
        head, _, counts = line.partition('zone')
        words = counts.split()
        n = [int(x) for x in words[1:]]
        n[0] += i
        n[3] += 2 * i
        lines.append('%szone %8s %s ' % (head, words[0],
                                          ' '.join('%6d' % x for x in n)))
    return '\n'.join(lines) + '\n'


def sample_zones(s):
    return {(z['node'], z['zone']): z for z in s['zones']}


class History(TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='pts-zhist-')
        for f in ('buddyinfo', 'zoneinfo', 'pagetypeinfo'):
            shutil.copy(fixture('proc', 'vm', f), self.root)
        with open(os.path.join(self.root, 'buddyinfo')) as f:
            self.base = f.read()

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, text):
        tmp = os.path.join(self.root, '.buddyinfo.new')
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, os.path.join(self.root, 'buddyinfo'))

    def wait_for(self, d, want):
        """The newest sample once it holds want ({(node, zone): blocks})."""
        deadline = time.monotonic() + 10 * SLOW
        while True:
            st, h = d.get_json('/api/v1/zones/history?limit=1')
            self.assertEqual(st, 200, h)
            if h['samples']:
                got = {k: z['free_area'] for k, z in
                       sample_zones(h['samples'][-1]).items()}
                if got == want:
                    return h['samples'][-1]
            self.assertLess(time.monotonic(), deadline,
                            'no sample with %s: %s' % (want, h))
            time.sleep(0.05)

    def test_ring(self):
        written = []
        with Daemon(['--proc-root', self.root, '--zones-interval', '100',
                     '--zones-history', str(CAP)]) as d:
            for i in range(CAP + 2):
                text = variant(self.base, i)
                want = parse_buddyinfo(text)
                self.write(text)
                s = self.wait_for(d, want)
                written.append((s['seq'], want))
            st, h = d.get_json('/api/v1/zones/history')
            self.assertEqual(st, 200, h)
            st, part = d.get_json('/api/v1/zones/history?since=%d'
                                  % (h['last_seq'] - 2))
            self.assertEqual(st, 200, part)
            st, lim = d.get_json('/api/v1/zones/history?limit=2')
            self.assertEqual(st, 200, lim)
            for bad, code in (('since=abc', 'bad_since'),
                              ('since=-1', 'bad_since'),
                              ('limit=0', 'bad_limit'),
                              ('limit=x', 'bad_limit')):
                st, e = d.get_json('/api/v1/zones/history?' + bad)
                self.assertEqual(st, 400, bad)
                self.assertEqual(e['error']['code'], code, bad)
        self.assertEqual(h['capacity'], CAP)
        self.assertEqual(h['interval_ms'], 100)
        self.assertEqual(h['source'], 'proc-root')
        samples = h['samples']
        # bounded: more than CAP samples were taken, CAP are kept
        self.assertGreater(written[-1][0], CAP)
        self.assertEqual(len(samples), CAP)
        seqs = [s['seq'] for s in samples]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + CAP)))
        self.assertEqual((h['first_seq'], h['last_seq']),
                         (seqs[0], seqs[-1]))
        times = [s['time'] for s in samples]
        self.assertEqual(times, sorted(times))
        # each sample holds one of the files written, in the order written
        order = []
        for s in samples:
            got = {k: z['free_area'] for k, z in sample_zones(s).items()}
            idx = [i for i, (_, w) in enumerate(written) if w == got]
            self.assertEqual(len(idx), 1, 'a sample of no file: %s' % got)
            order.append(idx[0])
            self.assertEqual(s['orders'], 11)
            for (node, name), z in sample_zones(s).items():
                blocks = written[idx[0]][1][(node, name)]
                self.assertEqual(z['free_pages_by_order'],
                                 [b << k for k, b in enumerate(blocks)])
                self.assertEqual(z['free_pages'],
                                 sum(b << k for k, b in enumerate(blocks)))
        self.assertEqual(order, sorted(order))
        self.assertEqual(order[-1], len(written) - 1)
        # (samples go on being taken every 100 ms: part and lim may end
        # after h did, so each is checked against its own last_seq)
        self.assertEqual([s['seq'] for s in part['samples']],
                         list(range(h['last_seq'] - 1, part['last_seq'] + 1)))
        self.assertEqual([s['seq'] for s in lim['samples']],
                         [lim['last_seq'] - 1, lim['last_seq']])

    def test_sampler_reads_buddyinfo_only(self):
        """The sampler's counts are buddyinfo's: it never reads
        pagetypeinfo (which holds each zone's lock with interrupts off
        while it counts) nor zoneinfo.  Here both are malformed, which
        makes any read of them fail (GET /api/v1/zones answers an error),
        yet the samples follow buddyinfo."""
        for f in ('zoneinfo', 'pagetypeinfo'):
            with open(os.path.join(self.root, f), 'w') as out:
                out.write('not a %s file\n' % f)
        with Daemon(['--proc-root', self.root, '--zones-interval', '100',
                     '--zones-history', str(CAP)]) as d:
            st, z = d.get_json('/api/v1/zones')
            self.assertGreaterEqual(st, 400, z)
            for i in (1, 2):
                text = variant(self.base, i)
                self.write(text)
                self.wait_for(d, parse_buddyinfo(text))

    def test_off(self):
        with Daemon(['--proc-root', self.root,
                     '--zones-history', '0']) as d:
            st, h = d.get_json('/api/v1/zones/history')
        self.assertEqual(st, 200, h)
        self.assertEqual((h['capacity'], h['samples']), (0, []))
        self.assertIn('off', h['note'])
        # the files are another machine's, sampled or not
        self.assertEqual(h['source'], 'proc-root')

    def test_bounded_option(self):
        r = subprocess.run([PTSCOPE, 'serve', '--listen', '127.0.0.1:0',
                            '--zones-history', '100001'],
                           capture_output=True, text=True, timeout=10 * SLOW)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('--zones-history is at most 100000', r.stderr)

main()
