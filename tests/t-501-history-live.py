# SPDX-License-Identifier: MIT
"""History of live processes the test controls (tests/child-layout
--commands): a touch shows in the history and its diff; the history stays
within --history-bytes under a process that changes constantly."""
import time

from ptstest import CommandChildCase, Daemon, main, wait_for

PG = 4096


class LiveHistory(CommandChildCase):
    def attach(self, d):
        st, s = d.post_json('/api/v1/spaces', {'kind': 'process',
                                               'pid': self.child.pid})
        self.assertIn(st, (200, 201), s)
        return s['id']

    def test_touch_is_a_generation_and_a_diff(self):
        region = int(self.child.cmd('region').split()[1], 16)
        with Daemon() as d:
            sid = self.attach(d)
            st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
            self.assertEqual(st, 200, h)
            g0 = h['generations'][-1]['generation']
            self.assertEqual(self.child.cmd('touch 16'), 'ok')

            def moved():
                st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
                return h['generations'][-1]['generation'] > g0 and h
            h = wait_for(moved, 'a new generation')
            g1 = h['generations'][-1]['generation']
            st, df = d.get_json('/api/v1/spaces/%s/diff?from=%d&to=%d'
                                % (sid, g0, g1))
            self.assertEqual(st, 200, df)
            mine = [c for c in df['changes']
                    if region <= int(c['va'], 16) < region + 0x400000]
            self.assertEqual(len(mine), 1, df)
            self.assertEqual((int(mine[0]['va'], 16), int(mine[0]['end'], 16)),
                             (region, region + 16 * PG))
            self.assertEqual(mine[0]['level'], 'pte')
            self.assertIsNone(mine[0]['before'])
            self.assertIn('exclusive', mine[0]['after']['flags'])
            # the old generation still answers as before the touch
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=%#x&generation=%d'
                               % (sid, region, g0))
            self.assertEqual(st, 200, w)
            self.assertFalse(w['mapped'])
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=%#x' % (sid, region))
            self.assertTrue(w['mapped'])

    def test_history_stays_within_budget(self):
        budget = 256 << 10
        with Daemon(args=['--history', '100000', '--history-bytes',
                          str(budget)]) as d:
            sid = self.attach(d)
            self.child.p.stdin.write('churn 4000\n')
            self.child.p.stdin.flush()
            seen = set()
            end = time.monotonic() + 30
            h = None
            while time.monotonic() < end:
                st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
                self.assertEqual(st, 200, h)
                self.assertLessEqual(h['bytes'], budget)
                seen.update(g['generation'] for g in h['generations'])
                if h['dropped'] > 0 and len(seen) > 12:
                    break
                time.sleep(0.1)
            self.assertGreater(h['dropped'], 0, h)
            oldest = h['generations'][0]['generation']
            st, e = d.get_json('/api/v1/spaces/%s/tree?generation=%d'
                               % (sid, oldest - 1))
            self.assertEqual(st, 410, e)
            st, t = d.get_json('/api/v1/spaces/%s/tree?generation=%d'
                               % (sid, oldest))
            self.assertEqual(st, 200, t)
            self.assertEqual(self.child.p.stdout.readline().split()[0], 'ok')


if __name__ == '__main__':
    main()
