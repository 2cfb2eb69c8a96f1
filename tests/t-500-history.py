# SPDX-License-Identifier: MIT
"""History of simulated spaces: every op is one generation with its caption;
tree, walk, ranges and zones at an old generation equal what was fetched
then; diff of map, unmap, protect and fork equals what was done; bounds
(--history N) drop the oldest (410 generation_expired).  A ptdump upload,
which cannot change, keeps its one generation as the space itself until a
diff asks for it."""
import re

from ptstest import Daemon, TestCase, main, fixture

VA = 0x7f0000000000
PAGE = 0x1000


class History(TestCase):
    def setUp(self):
        self.d = Daemon(args=['--history', '16']).start()

    def tearDown(self):
        self.d.stop()

    def get(self, path):
        st, j = self.d.get_json(path)
        self.assertEqual(st, 200, j)
        return j

    def op(self, sid, **op):
        st, r = self.d.op(sid, **op)
        self.assertIn(st, (200, 201), r)
        return r

    def status_or_json(self, path):
        st, j = self.d.get_json(path)
        return j if st == 200 else (st, j['error']['code'])

    def history(self, sid):
        return self.get('/api/v1/spaces/%s/history' % sid)['generations']

    def views(self, sid, gen=None):
        """Tree (whole), two walks, ranges and zones, as the API gives them."""
        q = '' if gen is None else '&generation=%d' % gen
        p = '/api/v1/spaces/' + sid
        return {
            'tree': self.get(p + '/tree?node=pgd:0x0&depth=4' + q),
            'pte': self.status_or_json(p + '/tree?node=pte:%#x&depth=1%s'
                                       % (VA, q)),
            'walk': self.get(p + '/walk?va=%#x%s' % (VA + PAGE, q)),
            'walk2': self.get(p + '/walk?va=%#x%s' % (VA + 0x200000, q)),
            'ranges': self.get(p + '/ranges?' + q.lstrip('&')),
            'zones': self.get(p + '/zones?' + q.lstrip('&')),
        }

    @staticmethod
    def no_reason(v):
        # the walk's reason is worded by the history at old generations
        v = dict(v)
        for k in ('walk', 'walk2'):
            v[k] = {x: y for x, y in v[k].items() if x != 'reason'}
        return v

    def test_every_op_is_a_generation_with_caption(self):
        sid = self.d.new_sim('x86_64-4l')
        self.op(sid, op='map', va=hex(VA), size='0x4000', prot='rw',
                page_size='4k')
        self.op(sid, op='protect', va=hex(VA), size='0x1000', prot='r')
        self.op(sid, op='unmap', va=hex(VA + PAGE), size='0x1000')
        gens = self.history(sid)
        self.assertEqual([g['generation'] for g in gens], [1, 2, 3, 4])
        self.assertEqual([g['caption'] for g in gens[1:]], [
            'map 0x7f0000000000 0x4000 rw 4k',
            'protect 0x7f0000000000 0x1000 r',
            'unmap 0x7f0000001000 0x1000'])
        # changes: 4 ptes + pgd, pud, pmd entries; 1 pte; 1 pte
        self.assertEqual([g['changes'] for g in gens[1:]], [7, 1, 1])
        for g in gens:
            self.assertRegex(g['time'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'
                             r'\.\d{3}Z$')

    def test_old_generation_answers_as_then(self):
        sid = self.d.new_sim('x86_64-4l')
        seen = {}
        ops = [dict(op='map', va=hex(VA), size='0x400000', prot='rw',
                    page_size='4k'),
               dict(op='protect', va=hex(VA), size='0x2000', prot='r'),
               dict(op='unmap', va=hex(VA + PAGE), size='0x1000'),
               dict(op='map', va=hex(VA + 0x600000), size='0x200000',
                    prot='rx', page_size='2m'),
               dict(op='unmap', va=hex(VA), size='0x400000')]
        seen[1] = self.views(sid)
        for o in ops:
            g = self.op(sid, **o)['generation']
            seen[g] = self.views(sid)
        for g, then in seen.items():
            now = self.views(sid, g)
            self.assertEqual(self.no_reason(now), self.no_reason(then),
                             'generation %d' % g)
            self.assertEqual(now['tree']['generation'], g)

    def test_diff_map_unmap_protect(self):
        sid = self.d.new_sim('x86_64-4l')
        g1 = self.op(sid, op='map', va=hex(VA), size='0x3000', prot='rw',
                     page_size='4k')['generation']
        d = self.get('/api/v1/spaces/%s/diff?from=1&to=%d' % (sid, g1))
        self.assertEqual((d['from'], d['to']), (1, g1))
        # x86-64 4-level, p4d folded: the pgd entry's new pud table, its pmd
        # table and the pte table, each starting at VA (512 GiB aligned)
        self.assertEqual(d['tables'], {'added': 3, 'freed': 0, 'list': [
            {'level': lv, 'va': hex(VA), 'change': 'added'}
            for lv in ('pud', 'pmd', 'pte')]})
        self.assertEqual(len(d['changes']), 1)
        c = d['changes'][0]
        self.assertEqual((c['va'], c['end'], c['level'], c['entries']),
                         (hex(VA), hex(VA + 0x3000), 'pte', 3))
        self.assertIsNone(c['before'])
        self.assertEqual(c['after']['kind'], 'page')
        self.assertIn('write', c['after']['flags'])

        g2 = self.op(sid, op='protect', va=hex(VA + PAGE), size='0x1000',
                     prot='r')['generation']
        d = self.get('/api/v1/spaces/%s/diff?from=%d&to=%d' % (sid, g1, g2))
        self.assertEqual(d['tables'], {'added': 0, 'freed': 0, 'list': []})
        self.assertEqual([(c['va'], c['end']) for c in d['changes']],
                         [(hex(VA + PAGE), hex(VA + 2 * PAGE))])
        c = d['changes'][0]
        self.assertIn('write', c['before']['flags'])
        self.assertNotIn('write', c['after']['flags'])

        g3 = self.op(sid, op='unmap', va=hex(VA), size='0x3000')['generation']
        d = self.get('/api/v1/spaces/%s/diff?from=%d&to=%d' % (sid, g2, g3))
        # the three ptes go; the rw ones either side of the r one make
        # three runs (flags differ)
        self.assertEqual([(c['va'], c['end'], c['after']) for c in
                          d['changes']],
                         [(hex(VA), hex(VA + PAGE), None),
                          (hex(VA + PAGE), hex(VA + 2 * PAGE), None),
                          (hex(VA + 2 * PAGE), hex(VA + 3 * PAGE), None)])
        # nothing is mapped under them any more: the three tables the map
        # allocated are freed
        self.assertEqual(d['tables'], {'added': 0, 'freed': 3, 'list': [
            {'level': lv, 'va': hex(VA), 'change': 'freed'}
            for lv in ('pud', 'pmd', 'pte')]})
        # the whole way back: nothing left of the map
        d = self.get('/api/v1/spaces/%s/diff?from=1&to=%d' % (sid, g3))
        self.assertEqual(d['changes'], [])
        # default: the last generation against the one before
        d2 = self.get('/api/v1/spaces/%s/diff' % sid)
        self.assertEqual((d2['from'], d2['to']), (g2, g3))

    def test_diff_fork_makes_parent_read_only(self):
        sid = self.d.new_sim('x86_64-4l')
        self.op(sid, op='map', va=hex(VA), size='0x11000', prot='rw',
                page_size='4k')
        r = self.op(sid, op='fork')
        g = r['generation']
        d = self.get('/api/v1/spaces/%s/diff?from=%d&to=%d' % (sid, g - 1, g))
        self.assertEqual(self.history(sid)[-1]['caption'], 'fork')
        self.assertEqual(d['tables'], {'added': 0, 'freed': 0, 'list': []})
        self.assertEqual(len(d['changes']), 1, d)
        c = d['changes'][0]
        self.assertEqual((c['va'], c['end'], c['entries']),
                         (hex(VA), hex(VA + 0x11000), 17))
        self.assertIn('write', c['before']['flags'])
        self.assertNotIn('write', c['after']['flags'])
        child = r['forked']['id']
        ch = self.history(child)
        self.assertEqual(len(ch), 1)

    def test_bounds_and_expired(self):
        sid = self.d.new_sim('x86_64-4l')
        for i in range(20):
            self.op(sid, op='map', va=hex(VA + i * PAGE), size='0x1000',
                    prot='rw', page_size='4k')
        gens = self.history(sid)
        self.assertEqual(len(gens), 16)
        self.assertEqual(gens[0]['generation'], 6)
        self.assertEqual(gens[-1]['generation'], 21)
        for path in ('tree?generation=5', 'walk?va=0x0&generation=5',
                     'ranges?generation=2', 'zones?generation=1',
                     'diff?from=3&to=21'):
            st, e = self.d.get_json('/api/v1/spaces/%s/%s' % (sid, path))
            self.assertEqual(st, 410, (path, e))
            self.assertEqual(e['error']['code'], 'generation_expired')
        st, e = self.d.get_json('/api/v1/spaces/%s/tree?generation=99' % sid)
        self.assertEqual(st, 404, e)
        self.assertEqual(e['error']['code'], 'no_such_generation')
        st, e = self.d.get_json('/api/v1/spaces/%s/tree?generation=x' % sid)
        self.assertEqual(st, 400, e)
        # the oldest kept still answers: 5 pages were mapped at 6
        r = self.get('/api/v1/spaces/%s/ranges?generation=6' % sid)
        self.assertEqual(sum(x['pages'] for x in r['ranges']), 5)


def upload(d, name):
    with open(fixture('ptdump', name), 'rb') as f:
        st, sp = d.json('POST', '/api/v1/ptdump', f.read(),
                        {'Content-Type': 'text/plain', 'X-Ptscope': '1'})
    assert st == 201, sp
    return sp['id']


def pte_pages(name):
    """4 KiB pages the dump lists at the pte level (its own text)."""
    units = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    n = 0
    with open(fixture('ptdump', name)) as f:
        for line in f:
            m = re.match(r'0x[0-9a-f]+-0x[0-9a-f]+\s+(\d+)([KMG])\s+PTE\s+\S',
                         line)
            if m:
                n += int(m.group(1)) * units[m.group(2)] // 4096
    return n


class UploadHistory(TestCase):
    def test_upload_state_taken_when_asked(self):
        with Daemon() as d:
            # 4 GiB of the linear map in 4 KiB pages: a state taken at upload
            # would hold a 128-byte record per pte (docs/api.md, History)
            name = 'arm64-kernel_page_tables.txt'
            self.assertGreater(pte_pages(name), 1 << 20)
            sid = upload(d, name)
            st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
            self.assertEqual(st, 200, h)
            self.assertEqual(len(h['generations']), 1)
            self.assertLess(h['bytes'], 64 << 10)

            sid = upload(d, 'x86_64-kernel.txt')
            p = '/api/v1/spaces/%s/' % sid
            st, h0 = d.get_json(p + 'history')
            g = h0['generations'][0]['generation']
            st, df = d.get_json(p + 'diff?from=%d&to=%d' % (g, g))
            self.assertEqual(st, 200, df)
            self.assertEqual(df['changes'], [])
            st, h1 = d.get_json(p + 'history')
            # taken now: the entries of the dump's tables, held in bytes
            self.assertGreater(h1['generations'][0]['changes'], 0)
            self.assertGreater(h1['bytes'], h0['bytes'])
            st, now = d.get_json(p + 'ranges')
            st, then = d.get_json(p + 'ranges?generation=%d' % g)
            self.assertEqual(then['ranges'], now['ranges'])


class ByteBound(TestCase):
    def test_state_over_the_bound_is_not_taken(self):
        with Daemon(args=['--history-bytes', '256K']) as d:
            sid = d.new_sim('x86_64-4l')
            p = '/api/v1/spaces/%s/' % sid

            def op(**o):
                st, r = d.op(sid, **o)
                self.assertIn(st, (200, 201), r)

            op(op='map', va=hex(VA), size='0x1000', prot='rw', page_size='4k')
            # 4096 ptes: at 128 bytes a record alone, 512 KiB > 256 KiB
            op(op='map', va=hex(VA + 0x200000), size='0x1000000', prot='rw',
               page_size='4k')
            st, h = d.get_json(p + 'history')
            self.assertEqual([g['kept'] for g in h['generations']],
                             [False, False, False])
            self.assertLess(h['bytes'], 256 << 10)
            st, e = d.get_json(p + 'tree?generation=2')
            self.assertEqual(st, 410, e)
            self.assertEqual(e['error']['code'], 'generation_not_kept')
            # the present generation still answers from the space itself
            g = h['generations'][-1]['generation']
            st, r = d.get_json(p + 'ranges?generation=%d' % g)
            self.assertEqual(st, 200, r)
            self.assertEqual(sum(x['pages'] for x in r['ranges']), 4097)
            # back under the bound: kept again, and diffs work from there
            op(op='unmap', va=hex(VA + 0x200000), size='0x1000000')
            op(op='protect', va=hex(VA), size='0x1000', prot='r')
            st, h = d.get_json(p + 'history')
            self.assertEqual([g['kept'] for g in h['generations']],
                             [False, False, False, True, True])
            g4, g5 = (x['generation'] for x in h['generations'][3:])
            st, df = d.get_json(p + 'diff?from=%d&to=%d' % (g4, g5))
            self.assertEqual(st, 200, df)
            self.assertEqual([(c['va'], c['end']) for c in df['changes']],
                             [(hex(VA), hex(VA + 0x1000))])


if __name__ == '__main__':
    main()
