# SPDX-License-Identifier: MIT
"""Zones: /api/v1/zones against /proc/buddyinfo read in the same test,
and --proc-root with the captured fixture tree giving exact numbers."""
import os
import shutil
import tempfile

from ptstest import Daemon, TestCase, main, fixture


def read_buddyinfo(path='/proc/buddyinfo'):
    """{(node, zone): [counts...]} straight from the file."""
    out = {}
    with open(path) as f:
        for line in f:
            head, _, counts = line.partition('zone')
            node = int(head.split()[1].rstrip(','))
            words = counts.split()
            out[(node, words[0])] = [int(x) for x in words[1:]]
    return out


def free_pages(counts):
    return sum(c << k for k, c in enumerate(counts))


def api_zones(obj):
    return {(n['node'], z['name']): z for n in obj['nodes']
            for z in n['zones']}


class Live(TestCase):
    def test_matches_buddyinfo(self):
        self.assertTrue(os.access('/proc/buddyinfo', os.R_OK),
                        'cannot read /proc/buddyinfo: this test cannot run')
        with Daemon() as d:
            before = read_buddyinfo()
            st, obj = d.get_json('/api/v1/zones')
            after = read_buddyinfo()
        self.assertEqual(st, 200, obj)
        self.assertEqual(obj['source'], 'live')
        zones = api_zones(obj)
        self.assertEqual(sorted(zones), sorted(before))
        self.assertEqual(obj['orders'], len(next(iter(before.values()))))
        for k, z in zones.items():
            self.assertEqual(len(z['free_area']), obj['orders'])
            self.assertEqual(z['free_pages'], free_pages(z['free_area']))
            lo = min(free_pages(before[k]), free_pages(after[k]))
            hi = max(free_pages(before[k]), free_pages(after[k]))
            # the allocator moves between reads; allow that much again
            slack = hi - lo + 512
            self.assertGreaterEqual(z['free_pages'], lo - slack, k)
            self.assertLessEqual(z['free_pages'], hi + slack, k)


class ProcRoot(TestCase):
    def test_fixture_numbers(self):
        with Daemon(['--proc-root', fixture('proc', 'vm')]) as d:
            st, obj = d.get_json('/api/v1/zones')
        self.assertEqual(st, 200, obj)
        self.assertEqual(obj['orders'], 11)
        self.assertTrue(obj['migrate_types'])
        self.assertEqual(obj['pageblock_order'], 9)
        self.assertEqual([n['node'] for n in obj['nodes']], [0])
        zs = obj['nodes'][0]['zones']
        self.assertEqual([z['name'] for z in zs], ['DMA', 'DMA32', 'Normal'])
        # sums of count << order over the buddyinfo columns
        self.assertEqual([z['free_pages'] for z in zs],
                         [3840, 772915, 1098055])
        dma32 = zs[1]
        self.assertEqual(dma32['watermarks'],
                         {'min': 6788, 'low': 8485, 'high': 10182,
                          'boost': 0})
        self.assertEqual(dma32['cma_pages'], 0)
        self.assertEqual((dma32['managed_pages'], dma32['present_pages'],
                          dma32['spanned_pages']), (772915, 782336, 1044480))
        self.assertEqual(zs[2]['free_area'],
                         [843, 554, 638, 680, 611, 434, 240, 174, 107, 82,
                          935])
        self.assertEqual(zs[2]['migrate']['Unmovable'],
                         [217, 275, 105, 173, 109, 63, 24, 16, 5, 0, 1])
        self.assertEqual(zs[2]['pageblocks']['Movable'], 2147)
        # DMA: (3840 - 3584) * 1000 / 3840 = 66 at order 9
        self.assertEqual(zs[0]['unusable_index'][9], 0.066)
        self.assertEqual(zs[0]['fragmentation_index'][3], -1)

    def test_more_nodes_and_orders(self):
        with Daemon(['--proc-root', fixture('proc', 'numa2')]) as d:
            st, obj = d.get_json('/api/v1/zones')
        self.assertEqual(st, 200, obj)
        self.assertEqual(obj['orders'], 14)
        self.assertFalse(obj['migrate_types'])
        self.assertIn('pagetypeinfo', obj['note'])
        self.assertEqual([n['node'] for n in obj['nodes']], [0, 1])
        self.assertEqual([z['name'] for z in obj['nodes'][1]['zones']],
                         ['DMA', 'Normal'])
        # 10 pages in 7 blocks: 1000 - (1000 + 10*1000/8192) / 7 = 857
        self.assertEqual(obj['nodes'][1]['zones'][1]
                         ['fragmentation_index'][13], 0.857)

    def test_live_stream_survives_a_bad_read(self):
        """A --proc-root tree rewritten under a zones subscription: a
        buddyinfo that does not parse gives one error, and the stream goes
        on with the files once they are whole again."""
        root = tempfile.mkdtemp(prefix='pts-zones-')
        self.addCleanup(shutil.rmtree, root, True)
        for f in ('buddyinfo', 'zoneinfo', 'pagetypeinfo'):
            shutil.copy(fixture('proc', 'vm', f), root)
        good = open(os.path.join(root, 'buddyinfo')).read()

        def write(text):
            with open(os.path.join(root, '.new'), 'w') as f:
                f.write(text)
            os.rename(os.path.join(root, '.new'),
                      os.path.join(root, 'buddyinfo'))

        with Daemon(['--proc-root', root]) as d, d.ws() as ws:
            ws.send(dict(type='subscribe', space='zones', interval_ms=100))
            m = ws.recv_type('zones')
            self.assertEqual(m['source'], 'proc-root')
            write('Node 0, zone DMA32 not numbers\n')
            e = ws.recv_type('error', 10)
            self.assertIsNotNone(e)
            # the Normal zone's order-0 count raised by 1000: one more
            # zones message, with the new count, on the same subscription
            lines = good.splitlines()
            cols = lines[2].split()
            cols[4] = str(int(cols[4]) + 1000)
            lines[2] = ' '.join(cols)
            write('\n'.join(lines) + '\n')
            m = ws.recv_type('zones', 10)
            self.assertIsNotNone(m, 'the subscription ended at the error')
            normal = m['nodes'][0]['zones'][2]
            self.assertEqual(normal['name'], 'Normal')
            self.assertEqual(normal['free_area'][0], 843 + 1000)


main()
