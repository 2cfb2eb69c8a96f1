# SPDX-License-Identifier: MIT
"""Simulated spaces over HTTP: table counts, buddy restoration, block
splits, fork copy-on-write, descriptors, and every bad input of the issue
(status, error code, and the space left unchanged)."""
from ptstest import Daemon, TestCase, main, hexs

X86_USER_RW = 0x8000000000000067      # P|RW|US|A|D + NX (bit 63)
X86_USER_RO = 0x8000000000000065      # the same without RW
ARM64_USER_RW = 0x00e8000000000f43    # page|AP[1]|SH|AF|nG + DBM|PXN|UXN|DIRTY


def free_lists(zones):
    """(zone name, free_area, migrate lists) of every zone."""
    out = []
    for node in zones['nodes']:
        for z in node['zones']:
            out.append((z['name'], z['free_pages'], tuple(z['free_area']),
                        tuple(sorted((k, tuple(v))
                                     for k, v in z['migrate'].items()))))
    return out


class Sim(TestCase):
    def setUp(self):
        self.d = Daemon().start()

    def tearDown(self):
        self.d.stop()

    def walk(self, sid, va):
        st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=%s' % (sid, hexs(va)))
        self.assertEqual(st, 200, w)
        return w

    def root(self, sid):
        st, t = self.d.get_json('/api/v1/spaces/%s/tree?node=pgd:0x0&depth=0'
                                % sid)
        self.assertEqual(st, 200, t)
        return t

    def zones(self, sid):
        st, z = self.d.get_json('/api/v1/spaces/%s/zones' % sid)
        self.assertEqual(st, 200, z)
        return z

    def test_first_map_allocates_three_tables(self):
        sid = self.d.new_sim('x86_64-4l')
        st, r = self.d.op(sid, op='map', va='0x7f0000000000', size='0x1000',
                          prot='rw', user=True, page_size='4k')
        self.assertEqual(st, 200, r)
        self.assertEqual(r['tables_allocated'], 3)   # pud, pmd, pte
        self.assertEqual(r['tables_freed'], 0)
        w = self.walk(sid, 0x7f0000000000)
        self.assertTrue(w['mapped'])
        self.assertEqual([s['index'] for s in w['steps']], [254, 0, 0, 0])
        pa = int(w['pa'], 16)
        self.assertEqual(int(w['steps'][3]['entry'], 16), pa | X86_USER_RW)
        # the pgd entry holds the physical address of the pud table
        self.assertEqual(int(w['steps'][0]['entry'], 16),
                         int(w['steps'][1]['table_pa'], 16) | 0x067)
        self.assertEqual(self.root(sid)['node']['stats']['tables'], 4)

    def test_map_unmap_restores_free_lists(self):
        sid = self.d.new_sim('x86_64-4l', ram_mb=2048)
        before = free_lists(self.zones(sid))
        base = 0x7f0000000000
        for va, size, ps in ((base, 0x3000, '4k'),
                             (base + 0x200000, 0x400000, '2m'),
                             (base + 0x1000000, 0x40000000, 'auto'),
                             (base + 0x80000000, 0x201000, 'auto')):
            st, r = self.d.op(sid, op='map', va=hexs(va), size=hexs(size),
                              prot='rw', page_size=ps)
            self.assertEqual(st, 200, r)
        self.assertNotEqual(free_lists(self.zones(sid)), before)
        st, r = self.d.op(sid, op='unmap', va=hexs(base), size='0x100000000')
        self.assertEqual(st, 200, r)
        self.assertGreater(r['tables_freed'], 3)
        self.assertEqual(free_lists(self.zones(sid)), before)
        self.assertEqual(self.root(sid)['node']['stats'],
                         {'present_pages': 0, 'tables': 1, 'blocks': 0,
                          'swapped_pages': 0})

    def test_block_split(self):
        sid = self.d.new_sim('x86_64-4l')
        st, r = self.d.op(sid, op='map', va='0x40000000', size='0x200000',
                          prot='rw', page_size='2m')
        self.assertEqual(st, 200, r)
        w = self.walk(sid, 0x40000000)
        self.assertEqual(w['steps'][2]['kind'], 'block')
        bpa = int(w['pa'], 16)
        st, r = self.d.op(sid, op='unmap', va='0x40001000', size='0x1000')
        self.assertEqual((st, r['tables_allocated']), (200, 1))
        self.assertFalse(self.walk(sid, 0x40001000)['mapped'])
        w = self.walk(sid, 0x40002000)
        self.assertEqual(w['steps'][3]['kind'], 'page')
        self.assertEqual(int(w['pa'], 16), bpa + 0x2000)
        st, r = self.d.op(sid, op='protect', va='0x40002000', size='0x1000',
                          prot='r')
        self.assertEqual(st, 200, r)
        w = self.walk(sid, 0x40002000)
        self.assertEqual(int(w['steps'][3]['entry'], 16),
                         (bpa + 0x2000) | X86_USER_RO)
        self.assertNotIn('write', w['steps'][3]['flags'])
        st, t = self.d.get_json('/api/v1/spaces/%s/tree?node=pte:0x40000000'
                                '&depth=1' % sid)
        self.assertEqual(st, 200, t)
        self.assertEqual(len(t['node']['children']), 511)
        self.assertEqual(t['node']['stats']['present_pages'], 511)

    def test_fork_cow(self):
        sid = self.d.new_sim('arm64-4k-48')
        st, r = self.d.op(sid, op='map', va='0x400000', size='0x1000',
                          prot='rw', page_size='4k')
        self.assertEqual(st, 200, r)
        pa = int(self.walk(sid, 0x400000)['pa'], 16)
        self.assertEqual(int(self.walk(sid, 0x400000)['steps'][3]['entry'], 16),
                         pa | ARM64_USER_RW)
        st, r = self.d.op(sid, op='fork')
        self.assertIn(st, (200, 201), r)
        self.assertEqual(r['tables_allocated'], 5)   # 2 roots + pud pmd pte
        child = r['forked']['id']
        for s in (sid, child):
            w = self.walk(s, 0x400000)
            self.assertEqual(int(w['pa'], 16), pa)
            step = w['steps'][3]
            self.assertIn('cow', step['flags'])
            self.assertNotIn('write', step['flags'])
            # DBM/WRITE (bit 51) cleared, AP[2] read-only (bit 7) set,
            # the software dirty bit 55 kept
            self.assertEqual(int(step['entry'], 16),
                             pa | 0x00e0000000000fc3)
        self.assertNotEqual(self.walk(sid, 0x400000)['steps'][3]['table_pa'],
                            self.walk(child, 0x400000)['steps'][3]['table_pa'])

    def test_armv7_hardware_descriptors(self):
        sid = self.d.new_sim('armv7-2l')
        st, r = self.d.op(sid, op='map', va='0x10000', size='0x1000',
                          prot='rw', page_size='4k')
        self.assertEqual(st, 200, r)
        w = self.walk(sid, 0x10000)
        pte_page = int(w['steps'][1]['table_pa'], 16)
        self.assertEqual([int(x, 16) for x in w['steps'][0]['hw']],
                         [(pte_page + 2048) | 0x31, (pte_page + 3072) | 0x31])
        pa = int(w['pa'], 16)
        self.assertEqual(int(w['steps'][1]['entry'], 16), pa | 0x75f)
        self.assertEqual([int(x, 16) for x in w['steps'][1]['hw']],
                         [pa | 0xc7f])

    def test_bad_inputs(self):
        sid = self.d.new_sim('x86_64-4l')
        st, r = self.d.op(sid, op='map', va='0x400000', size='0x2000',
                          prot='rw', page_size='4k')
        self.assertEqual(st, 200, r)
        gen = r['generation']
        stats = self.root(sid)['node']['stats']
        cases = [
            (dict(op='map', va='0x500800', size='0x1000'), 400, 'unaligned'),
            (dict(op='map', va='0x500000', size='0x1800', page_size='4k'),
             400, 'unaligned'),
            (dict(op='map', va='0x500000', size='0x0'), 400, 'bad_size'),
            (dict(op='map', va='0x800000000000', size='0x1000'), 400,
             'bad_va'),                               # non-canonical
            (dict(op='map', va='0xffff800000000000', size='0x1000'), 400,
             'bad_va'),                               # user map, kernel half
            (dict(op='map', va='0x7ffffffff000', size='0x2000'), 400,
             'bad_va'),                               # runs off the end
            (dict(op='map', va='0x401000', size='0x1000'), 400, 'overlap'),
            (dict(op='map', va='0x500000', size='0x1000', page_size='16k'),
             400, 'bad_page_size'),
            (dict(op='map', va='0x500000', size='0x1000', page_size='huge'),
             400, 'bad_page_size'),
            (dict(op='map', va='0x500000', size='0x1000', prot='rq'), 400,
             'bad_prot'),
            (dict(op='frobnicate', va='0x500000', size='0x1000'), 400,
             'unknown_op'),
            (dict(op='unmap', va='0x400000', size='0x800'), 400, 'unaligned'),
            (dict(op='protect', va='0x400000', size='0x1000', prot='wx'), 400,
             'bad_prot'),
            (dict(op='map', va='0x7f0000000000', size='0x80000000'), 507,
             'out_of_memory'),                         # 2 GiB on 1 GiB
        ]
        for body, status, code in cases:
            st, r = self.d.op(sid, **body)
            self.assertEqual((st, r.get('error', {}).get('code')),
                             (status, code), body)
            self.assertTrue(r['error']['message'])
            self.assertEqual(self.root(sid)['generation'], gen, body)
            self.assertEqual(self.root(sid)['node']['stats'], stats, body)
        # a page size the arch lacks: 1g on x86-32
        s32 = self.d.new_sim('x86-32')
        st, r = self.d.op(s32, op='map', va='0x40000000', size='0x40000000',
                          page_size='1g')
        self.assertEqual((st, r['error']['code']), (400, 'bad_page_size'))
        self.assertIn('4m', r['error']['message'])
        # unknown arch, scenario, out-of-range RAM
        for body, code in ((dict(kind='sim', arch='vax'), 'unknown_arch'),
                           (dict(kind='sim', arch='x86_64-4l',
                                 scenario='nope'), 'unknown_scenario'),
                           (dict(kind='sim', arch='x86_64-4l', ram_mb=4),
                            'bad_ram_mb')):
            st, r = self.d.post_json('/api/v1/spaces', body)
            self.assertEqual((st, r['error']['code']), (400, code), body)

    def test_ram_exhausted_unchanged(self):
        sid = self.d.new_sim('riscv-sv39', ram_mb=16)
        before = free_lists(self.zones(sid))
        st, r = self.d.op(sid, op='map', va='0x10000000', size='0x2000000',
                          page_size='4k')
        self.assertEqual((st, r['error']['code']), (507, 'out_of_memory'))
        self.assertEqual(free_lists(self.zones(sid)), before)
        self.assertEqual(self.root(sid)['node']['stats']['tables'], 1)

    def test_scenarios_and_tree_errors(self):
        for arch in ('x86_64-4l', 'arm64-4k-48', 'armv7-2l', 'riscv-sv48'):
            for scen in ('process', 'kernel'):
                sid = self.d.new_sim(arch, scen)
                st, r = self.d.get_json('/api/v1/spaces/%s/ranges' % sid)
                self.assertEqual(st, 200, r)
                self.assertGreaterEqual(len(r['ranges']), 6, (arch, scen))
        sid = self.d.new_sim('x86_64-4l', 'process')
        st, r = self.d.get_json('/api/v1/spaces/%s/tree?node=pte:0x1000'
                                % sid)
        self.assertEqual((st, r['error']['code']), (404, 'no_such_table'))
        st, r = self.d.get_json('/api/v1/spaces/%s/tree?node=p4d:0x0' % sid)
        self.assertEqual(st, 400, r)

    def test_forked_spaces_in_parallel(self):
        """Forked spaces share one machine; ops on them from several
        threads at once must leave the allocator consistent."""
        import threading
        sid = self.d.new_sim('x86_64-4l')
        before = free_lists(self.zones(sid))
        st, r = self.d.op(sid, op='map', va='0x10000000', size='0x400000',
                          prot='rw', page_size='auto')
        self.assertEqual(st, 200, r)
        spaces = [sid]
        for _ in range(3):
            st, r = self.d.op(sid, op='fork')
            self.assertIn(st, (200, 201), r)
            spaces.append(r['forked']['id'])
        errors = []

        def worker(space, k):
            base = 0x20000000 + k * 0x1000000
            for i in range(40):
                va = base + (i % 8) * 0x200000
                for body in (dict(op='map', va=hexs(va), size='0x200000',
                                  prot='rw', page_size='4k'),
                             dict(op='protect', va=hexs(va), size='0x1000',
                                  prot='r'),
                             dict(op='unmap', va=hexs(va), size='0x200000')):
                    st, r = self.d.op(space, **body)
                    if st != 200:
                        errors.append((space, body, st, r))
        threads = [threading.Thread(target=worker, args=(s, k))
                   for k, s in enumerate(spaces)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for s in spaces[1:]:
            st, _, _ = self.d.delete('/api/v1/spaces/%s' % s)
            self.assertEqual(st, 204)
        st, r = self.d.op(sid, op='unmap', va='0x10000000', size='0x400000')
        self.assertEqual(st, 200, r)
        self.assertEqual(free_lists(self.zones(sid)), before)


main()
