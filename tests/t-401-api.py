# SPDX-License-Identifier: MIT
"""The HTTP API: every endpoint of the contract answers with its shape, and
every error status (400, 403, 404, 405, 413) comes with the JSON body."""
import os
import re
import subprocess
import tempfile
import time

from ptstest import Daemon, TestCase, main, fixture

HEX = re.compile(r'^0x[0-9a-f]+$')


class Api(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(args=['--max-body', '1M']).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def err(self, st, o, status, code=None):
        self.assertEqual(st, status, o)
        self.assertIn('error', o)
        self.assertTrue(o['error']['message'])
        self.assertRegex(o['error']['code'], r'^[a-z][a-z0-9_]*$')
        if code:
            self.assertEqual(o['error']['code'], code)

    def test_spaces_crud(self):
        sid = self.d.new_sim('riscv-sv48', 'process')
        st, o = self.d.get_json('/api/v1/spaces')
        self.assertEqual(st, 200)
        mine = [s for s in o['spaces'] if s['id'] == sid]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]['kind'], 'sim')
        self.assertEqual(mine[0]['arch'], 'riscv-sv48')
        st, o = self.d.get_json('/api/v1/spaces/' + sid)
        self.assertEqual(st, 200)
        self.assertEqual(o['id'], sid)
        st, h, body = self.d.delete('/api/v1/spaces/' + sid)
        self.assertEqual((st, body), (204, b''))
        st, o = self.d.get_json('/api/v1/spaces/' + sid)
        self.err(st, o, 404, 'no_such_space')
        st, h, body = self.d.delete('/api/v1/spaces/' + sid)
        self.assertEqual(st, 404)

    def test_tree_walk_ranges_shapes(self):
        sid = self.d.new_sim('x86_64-4l', 'process')
        st, t = self.d.get_json('/api/v1/spaces/%s/tree' % sid)
        self.assertEqual(st, 200)
        self.assertEqual(t['space'], sid)
        self.assertEqual(t['arch'], 'x86_64-4l')
        self.assertIsInstance(t['generation'], int)
        n = t['node']
        self.assertEqual((n['level'], n['va'], n['span'], n['entries']),
                         ('pgd', '0x0', '0x1000000000000', 512))
        self.assertRegex(n['table_pa'], HEX)
        for k in ('present_pages', 'tables', 'blocks', 'swapped_pages'):
            self.assertIsInstance(n['stats'][k], int)
        idx = [c['index'] for c in n['children']]
        self.assertEqual(idx, sorted(idx))
        for c in n['children']:
            self.assertEqual(c['kind'], 'table')
            self.assertEqual(c['level'], 'pud')
            self.assertNotIn('children', c)     # depth 1
            self.assertRegex(c['entry'], HEX)
        # a page of the process scenario: walk it
        st, r = self.d.get_json('/api/v1/spaces/%s/ranges' % sid)
        self.assertEqual(st, 200)
        first = r['ranges'][0]
        for k in ('start', 'end'):
            self.assertRegex(first[k], HEX)
        self.assertIsInstance(first['pages'], int)
        st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                % (sid, first['start']))
        self.assertEqual(st, 200)
        self.assertTrue(w['mapped'])
        self.assertRegex(w['pa'], HEX)
        self.assertEqual([s['level'] for s in w['steps']][:1], ['pgd'])
        self.assertIn(w['steps'][-1]['kind'], ('page', 'block'))
        st, h, text = self.d.get('/api/v1/spaces/%s/ranges?format=ptdump'
                                 % sid)
        self.assertEqual(st, 200)
        self.assertTrue(h['content-type'].startswith('text/plain'))
        self.assertIn(first['start'][2:].rjust(16, '0').encode(), text)
        # depth 0: stats only
        st, t0 = self.d.get_json('/api/v1/spaces/%s/tree?depth=0' % sid)
        self.assertNotIn('children', t0['node'])
        self.assertEqual(t0['node']['stats'], n['stats'])

    def test_processes(self):
        st, o = self.d.get_json('/api/v1/processes')
        self.assertEqual(st, 200)
        me = [p for p in o['processes'] if p['pid'] == self.d.proc.pid]
        self.assertEqual(len(me), 1)
        self.assertEqual(me[0]['comm'], 'ptscope')
        self.assertIsInstance(me[0]['rss_kb'], int)
        self.assertIsInstance(me[0]['vm_pte_kb'], int)

    def test_live_zones(self):
        st, o = self.d.get_json('/api/v1/zones')
        self.assertEqual(st, 200)
        self.assertEqual(o['source'], 'live')
        with open('/proc/buddyinfo') as f:
            cols = len(f.readline().split()) - 4
        self.assertEqual(o['orders'], cols)
        z = o['nodes'][0]['zones'][0]
        self.assertEqual(len(z['free_area']), cols)
        for k in ('min', 'low', 'high'):
            self.assertIsInstance(z['watermarks'][k], int)

    def test_sim_zones(self):
        sid = self.d.new_sim('x86_64-4l', 'empty')
        st, o = self.d.get_json('/api/v1/spaces/%s/zones' % sid)
        self.assertEqual(st, 200)
        self.assertEqual(o['source'], sid)
        names = [z['name'] for z in o['nodes'][0]['zones']]
        self.assertIn('DMA', names)
        self.assertIn('DMA32', names)

    def test_metrics(self):
        self.d.get('/api/v1/info')
        st, h, body = self.d.get('/metrics')
        self.assertEqual(st, 200)
        self.assertTrue(h['content-type'].startswith('text/plain'))
        text = body.decode()
        for name in ('ptscope_http_requests_total', 'ptscope_ws_clients',
                     'ptscope_zone_free_pages', 'ptscope_space_table_bytes',
                     'ptscope_zone_fragmentation_index'):
            self.assertIn('# HELP %s ' % name, text)
            self.assertIn('# TYPE %s ' % name, text)
        self.assertRegex(text, r'ptscope_http_requests_total\{route="info",'
                         r'status="200"\} [1-9]')
        self.assertRegex(text, r'ptscope_zone_free_pages\{node="0",zone='
                         r'"Normal",order="0"\} \d+')

    def test_400s(self):
        d = self.d
        st, o = d.json('POST', '/api/v1/spaces', '{"kind":')
        self.err(st, o, 400, 'bad_json')
        st, o = d.json('POST', '/api/v1/spaces', '')
        self.err(st, o, 400, 'empty_body')
        st, o = d.post_json('/api/v1/spaces', dict(kind='magic'))
        self.err(st, o, 400, 'unknown_kind')
        st, o = d.post_json('/api/v1/spaces', dict(kind='sim', arch='vax'))
        self.err(st, o, 400)
        sid = d.new_sim('x86_64-4l')
        st, o = d.get_json('/api/v1/spaces/%s/walk' % sid)
        self.err(st, o, 400, 'bad_va')
        st, o = d.get_json('/api/v1/spaces/%s/walk?va=zz' % sid)
        self.err(st, o, 400, 'bad_va')
        st, o = d.get_json('/api/v1/spaces/%s/walk?va=0x0000900000000000'
                           % sid)
        self.err(st, o, 400)
        st, o = d.get_json('/api/v1/spaces/%s/tree?node=pgd' % sid)
        self.err(st, o, 400, 'bad_node')
        st, o = d.get_json('/api/v1/spaces/%s/tree?depth=99' % sid)
        self.err(st, o, 400, 'bad_depth')
        st, o = d.get_json('/api/v1/spaces/%s/tree?node=p4d:0x0' % sid)
        self.err(st, o, 400)
        st, o = d.get_json('/api/v1/spaces/%s/ranges?format=xml' % sid)
        self.err(st, o, 400, 'bad_format')
        st, o = d.op(sid, op='teleport')
        self.err(st, o, 400, 'unknown_op')
        st, o = d.op(sid, op='map', va='0x1000')
        self.err(st, o, 400, 'missing_field')
        st, o = d.op(sid, op='map', va='0x1000', size='0x1000', prot='rwz')
        self.err(st, o, 400, 'bad_prot')
        # a read-only space (an uploaded dump) has no simulator ops
        with open(fixture('ptdump', 'arm64-kernel_page_tables.txt')) as f:
            st, dump = d.post_json('/api/v1/spaces',
                                   dict(kind='ptdump', text=f.read()))
        self.assertEqual(st, 201, dump)
        st, o = d.op(dump['id'], op='unmap', va='0xffff000000000000',
                     size='0x1000')
        self.err(st, o, 400, 'not_supported')
        st, o = d.get_json('/api/v1/spaces/%s/zones' % dump['id'])
        self.err(st, o, 400, 'no_zones')

    def test_404s(self):
        st, o = self.d.get_json('/api/v1/spaces/nope/tree')
        self.err(st, o, 404, 'no_such_space')
        sid = self.d.new_sim('x86_64-4l')
        st, o = self.d.get_json('/api/v1/spaces/%s/tree?node=pte:0x400000'
                                % sid)
        self.err(st, o, 404, 'no_such_table')
        st, o = self.d.post_json('/api/v1/spaces',
                                 dict(kind='process', pid=4000000))
        self.err(st, o, 404)
        st, o = self.d.get_json('/api/v1/arches/vax')
        self.err(st, o, 404, 'unknown_arch')

    def test_405(self):
        st, o = self.d.json('PUT', '/api/v1/spaces')
        self.err(st, o, 405, 'method_not_allowed')
        st, o = self.d.json('POST', '/api/v1/spaces/x/tree')
        self.err(st, o, 405)
        st, o = self.d.json('POST', '/metrics')
        self.err(st, o, 405)

    def test_413(self):
        big = '{"kind":"ptdump","text":"' + 'x' * (2 << 20) + '"}'
        st, o = self.d.json('POST', '/api/v1/spaces', big)
        self.err(st, o, 413, 'body_too_large')
        # the daemon still answers
        st, o = self.d.get_json('/api/v1/info')
        self.assertEqual(st, 200)


class Regions(TestCase):
    def test_regions_of_sim_and_process(self):
        child = subprocess.Popen(['sleep', '30'])
        time.sleep(0.5)     # let ld.so finish mapping the libraries
        try:
            with Daemon(args=['--pid', str(child.pid)]) as d:
                # --pid attaches at start
                st, o = d.get_json('/api/v1/spaces')
                ids = [s['id'] for s in o['spaces']]
                self.assertIn('pid-%d' % child.pid, ids)
                st, r = d.get_json('/api/v1/spaces/pid-%d/regions'
                                   % child.pid)
                self.assertEqual(st, 200, r)
                with open('/proc/%d/maps' % child.pid) as f:
                    maps = [l.split() for l in f if l.strip()]
                # [vsyscall] lies in the kernel half: no user table maps it
                maps = [m for m in maps if m[-1] != '[vsyscall]']
                self.assertEqual(len(r['regions']), len(maps))
                for reg, m in zip(r['regions'], maps):
                    lo, hi = m[0].split('-')
                    self.assertEqual(reg['start'], '0x' + lo.lstrip('0'))
                    self.assertEqual(reg['end'], '0x' + hi.lstrip('0'))
                    self.assertEqual(reg['perms'], m[1])
                    self.assertEqual(reg['name'], m[5] if len(m) > 5 else '')
                stack = [x for x in r['regions'] if x['name'] == '[stack]']
                self.assertTrue(stack and stack[0]['present_pages'] > 0)
                sid = d.new_sim('x86_64-4l', 'empty')
                d.op(sid, op='map', va='0x400000', size='0x3000',
                     page_size='4k')
                d.op(sid, op='map', va='0x800000', size='0x1000',
                     page_size='4k')
                st, r = d.get_json('/api/v1/spaces/%s/regions' % sid)
                self.assertEqual([(x['start'], x['end'], x['present_pages'])
                                  for x in r['regions']],
                                 [('0x400000', '0x403000', 3),
                                  ('0x800000', '0x801000', 1)])
        finally:
            child.kill()
            child.wait()


class Forbidden(TestCase):
    def test_403_allow_pid(self):
        child = subprocess.Popen(['sleep', '30'])
        try:
            with Daemon(args=['--allow-pid', '1']) as d:
                st, o = d.post_json('/api/v1/spaces',
                                    dict(kind='process', pid=child.pid))
                self.assertEqual(st, 403, o)
                self.assertEqual(o['error']['code'], 'not_allowed')
        finally:
            child.kill()
            child.wait()


main()
