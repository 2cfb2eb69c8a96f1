# SPDX-License-Identifier: MIT
"""Kernel ptdump uploads: each fixture layout parses into a space whose
ranges match values written out here from the fixture text; ?format=ptdump
round-trips; every kind of bad input is a clear 400/413 that leaves no
space behind."""
import os
import socket

from ptstest import Daemon, TestCase, main, fixture


def read_fixture(name):
    with open(fixture('ptdump', name)) as f:
        return f.read()


def ranges_of(d, sid, fmt=None):
    path = '/api/v1/spaces/%s/ranges' % sid
    if fmt:
        st, h, body = d.get(path + '?format=' + fmt)
        return st, h, body.decode()
    st, obj = d.get_json(path)
    assert st == 200, (st, obj)
    return obj['ranges']


def upload_raw(d, text, arch=None):
    path = '/api/v1/ptdump' + ('?arch=' + arch if arch else '')
    return d.json('POST', path, text.encode() if isinstance(text, str)
                  else text, {'Content-Type': 'text/plain',
                                'X-Ptscope': '1'})


def key(r, flags=None):
    f = set(r['flags'])
    if flags is not None:
        f &= flags
    return (r['start'], r['end'], r['level'], tuple(sorted(f)))


class Upload(TestCase):
    def test_x86_json_upload(self):
        with Daemon() as d:
            st, sp = d.post_json('/api/v1/spaces', {
                'kind': 'ptdump', 'text': read_fixture('x86_64-kernel.txt')})
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['kind'], 'ptdump')
            self.assertEqual(sp['arch'], 'x86_64-4l')
            self.assertFalse(sp['live'])
            self.assertEqual(sp['ptdump']['format'], 'x86')
            self.assertEqual(sp['ptdump']['lines'], 79)
            self.assertEqual(sp['ptdump']['ranges'], 28)
            self.assertEqual(sp['ptdump']['skipped_entries'], 28)
            self.assertTrue(sp['ptdump']['arch_guessed'])
            rs = ranges_of(d, sp['id'])
            self.assertEqual(len(rs), 28)
            r = rs[0]
            self.assertEqual((r['start'], r['end'], r['level'], r['pages']),
                             ('0xffff888000000000', '0xffff888000200000',
                              'pte', 512))
            self.assertEqual(set(r['flags']),
                             {'present', 'read', 'write', 'global'})
            self.assertEqual(r['marker'], 'LDT remap')
            r = rs[21]      # kernel text: ro, executable 2 MiB pages
            self.assertEqual((r['start'], r['end'], r['level']),
                             ('0xffffffff81000000', '0xffffffff82200000',
                              'pmd'))
            self.assertEqual(set(r['flags']),
                             {'present', 'read', 'exec', 'global'})
            self.assertEqual(r['attrs'], ['ro', 'PSE', 'GLB', 'x'])
            # the tree is rebuilt from the ranges
            st, t = d.get_json('/api/v1/spaces/%s/tree' % sp['id'])
            self.assertEqual(st, 200, t)
            self.assertEqual([c['index'] for c in t['node']['children']],
                             [273, 402, 468, 508, 510, 511])
            self.assertEqual(t['node']['stats']['present_pages'], 1073184)
            st, w = d.get_json('/api/v1/spaces/%s/walk?va=0xffff888000400000'
                               % sp['id'])
            self.assertEqual(st, 200, w)
            self.assertTrue(w['mapped'])
            self.assertEqual(w['page_size'], 0x200000)
            self.assertEqual(w['steps'][-1]['kind'], 'block')

    def test_arm64_raw_upload(self):
        with Daemon() as d:
            st, sp = upload_raw(d, read_fixture(
                'arm64-kernel_page_tables.txt'), 'arm64-4k-48')
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['arch'], 'arm64-4k-48')
            self.assertFalse(sp['ptdump']['arch_guessed'])
            rs = ranges_of(d, sp['id'])
            self.assertEqual(len(rs), 17)
            r = rs[3]       # the "F" page: non-zero but invalid
            self.assertEqual((r['start'], r['end'], r['pages']),
                             ('0xffff00007f7ff000', '0xffff00007f800000', 1))
            self.assertIn('invalid', r['flags'])
            self.assertNotIn('present', r['flags'])
            r = rs[13]
            self.assertEqual(r['start'], '0xffff800082020000')
            self.assertIn('device', r['flags'])
            r = rs[16]
            self.assertEqual((r['level'], r['pages']), ('pmd', 16384))

    def test_riscv_guess_and_pa(self):
        with Daemon() as d:
            st, sp = upload_raw(d, read_fixture(
                'riscv64-kernel_page_tables.txt'))
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['arch'], 'riscv-sv39')
            rs = ranges_of(d, sp['id'])
            self.assertEqual(len(rs), 24)
            r = rs[13]      # a 1 GiB leaf, printed PUD, our pgd on Sv39
            self.assertEqual((r['start'], r['end'], r['level'], r['pa']),
                             ('0xffffffd640000000', '0xffffffd700000000',
                              'pgd', '0xc0000000'))

    def test_own_fixtures_5l_sv48(self):
        # hand-made dumps (tests/fixtures/ptdump): addresses that need 57
        # and 48 bits make the guess x86_64-5l and riscv-sv48
        with Daemon() as d:
            st, sp = upload_raw(d, read_fixture('x86_64-5l-kernel.txt'))
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['arch'], 'x86_64-5l')
            self.assertEqual(sp['ptdump']['holes'], 20)
            rs = ranges_of(d, sp['id'])
            self.assertEqual([(r['start'], r['end'], r['level'], r['pages'])
                              for r in rs],
                             [('0x400000', '0x402000', 'pte', 2),
                              ('0xff11000000000000', '0xff11000040000000',
                               'pud', 262144),
                              ('0xffa0000000000000', '0xffa0000000004000',
                               'pte', 4),
                              ('0xffffffff81000000', '0xffffffff81400000',
                               'pmd', 1024)])
            self.assertEqual(set(rs[0]['flags']),
                             {'present', 'read', 'user', 'exec'})
            self.assertIn('nocache', rs[2]['flags'])
            st, sp = upload_raw(d, read_fixture(
                'riscv64-sv48-kernel_page_tables.txt'))
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['arch'], 'riscv-sv48')
            rs = ranges_of(d, sp['id'])
            self.assertEqual([(r['level'], r['pa']) for r in rs],
                             [('pte', '0x100000000'), ('pud', '0x80000000'),
                              ('pmd', '0xc0000000'), ('pmd', '0x80200000')])

    def test_unknown_token_warns(self):
        text = ('0xffff888000000000-0xffff888000200000           2M     RW'
                ' FOO GLB NX pte\n')
        with Daemon() as d:
            st, sp = upload_raw(d, text)
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['ptdump']['warnings'], 1)
            self.assertIn("'FOO'", sp['ptdump']['first_warning'])
            rs = ranges_of(d, sp['id'])
            self.assertEqual(rs[0]['attrs'], ['RW', 'FOO', 'GLB', 'NX'])


class RoundTrip(TestCase):
    def test_fixtures(self):
        with Daemon() as d:
            for name, arch in (('x86_64-kernel.txt', 'x86_64-4l'),
                               ('arm64-kernel_page_tables.txt',
                                'arm64-4k-48'),
                               ('riscv64-kernel_page_tables.txt',
                                'riscv-sv39'),
                               ('x86_64-5l-kernel.txt', 'x86_64-5l'),
                               ('riscv64-sv48-kernel_page_tables.txt',
                                'riscv-sv48'),
                               # real captures, sources in SOURCES.md
                               ('arm64-4k-52-lpa2-pwndbg3285.txt',
                                'arm64-4k-52'),
                               ('armv7-2l-efi_page_tables-lkml.txt',
                                'armv7-2l'),
                               ('arm64-4k-48-linear-bbml2-blocks-lkml.txt',
                                'arm64-4k-48'),
                               ('arm64-4k-48-linear-bbml2-ptes-lkml.txt',
                                'arm64-4k-48'),
                               ('riscv-sv39-rsw-lkml.txt', 'riscv-sv39')):
                st, sp = upload_raw(d, read_fixture(name), arch)
                self.assertEqual(st, 201, sp)
                first = ranges_of(d, sp['id'])
                st, h, text = ranges_of(d, sp['id'], 'ptdump')
                self.assertEqual(st, 200)
                self.assertTrue(h['content-type'].startswith('text/plain'))
                st, sp2 = upload_raw(d, text, arch)
                self.assertEqual(st, 201, (name, sp2, text[:400]))
                again = ranges_of(d, sp2['id'])
                self.assertEqual([key(r) for r in first],
                                 [key(r) for r in again], name)
                self.assertEqual([r.get('marker') for r in first],
                                 [r.get('marker') for r in again], name)
                # tokens come back as the dump printed them
                self.assertEqual([r.get('attrs') for r in first],
                                 [r.get('attrs') for r in again], name)
                # and the guess, without an arch, names the same one
                st, sp3 = upload_raw(d, read_fixture(name))
                self.assertEqual(st, 201, sp3)
                self.assertEqual(sp3['arch'], arch, name)

    def test_markers_only_dump(self):
        # an x86_64 5-level dump of holes and markers only: ?format=ptdump
        # is not empty and keeps every marker in order
        text = ('---[ User Space ]---\n'
                '0x0000000000000000-0x0100000000000000          64P'
                '                               pgd\n'
                '---[ Kernel Space ]---\n'
                '0xff00000000000000-0xff10000000000000           4P'
                '                               pgd\n'
                '---[ LDT remap ]---\n'
                '0xff10000000000000-0xff11000000000000         256T'
                '                               pgd\n')
        with Daemon() as d:
            st, sp = upload_raw(d, text, 'x86_64-5l')
            self.assertEqual(st, 201, sp)
            st, h, out = ranges_of(d, sp['id'], 'ptdump')
            self.assertEqual(st, 200)
            names = [l[5:-4].strip() for l in out.splitlines()
                     if l.startswith('---[')]
            self.assertEqual(names, ['User Space', 'Kernel Space',
                                     'LDT remap'])
            st, sp2 = upload_raw(d, out, 'x86_64-5l')
            self.assertEqual(st, 201, sp2)

    def test_sim_space(self):
        # flags an x86 dump can express
        x86 = {'present', 'read', 'write', 'exec', 'user', 'global',
               'nocache'}
        with Daemon() as d:
            sid = d.new_sim('x86_64-4l', 'process')
            first = ranges_of(d, sid)
            self.assertGreater(len(first), 0)
            st, h, text = ranges_of(d, sid, 'ptdump')
            self.assertEqual(st, 200)
            st, sp = upload_raw(d, text, 'x86_64-4l')
            self.assertEqual(st, 201, (sp, text[:400]))
            again = ranges_of(d, sp['id'])
            self.assertEqual([key(r, x86) for r in first],
                             [key(r, x86) for r in again])

    def test_sim_every_arch(self):
        # every arch's process and kernel scenario, through its family's
        # layout and back; flags compared as far as the layout keeps them
        # (a device range may or may not say nocache: the arm64 layout
        # prints one memory type)
        masks = {'x86': {'present', 'read', 'write', 'exec', 'user',
                         'global', 'nocache'},
                 'arm64': {'present', 'read', 'write', 'exec', 'user',
                           'global', 'nocache', 'accessed', 'cont',
                           'device', 'pxn', 'invalid'},
                 'riscv': {'present', 'read', 'write', 'exec', 'user',
                           'global', 'accessed', 'dirty', 'cont', 'nocache',
                           'device'},
                 # arch/arm/mm/dump.c: USR, ro/RW, NX/x and the memory
                 # type; no nG, AF or dirty column
                 'arm32': {'present', 'read', 'write', 'exec', 'user',
                           'nocache', 'device'}}

        def norm(r, mask):
            f = set(r['flags']) & mask
            if 'device' in f:
                f.discard('nocache')
            return (r['start'], r['end'], r['level'], tuple(sorted(f)))

        with Daemon() as d:
            st, obj = d.get_json('/api/v1/arches')
            self.assertEqual(len(obj['arches']), 18)
            for arch in [a['id'] for a in obj['arches']]:
                fam = ('x86' if arch.startswith('x86') else
                       'riscv' if arch.startswith('riscv') else
                       'arm32' if arch.startswith('armv7') else 'arm64')
                for scenario in ('process', 'kernel'):
                    sid = d.new_sim(arch, scenario)
                    first = ranges_of(d, sid)
                    st, h, text = ranges_of(d, sid, 'ptdump')
                    self.assertEqual(st, 200)
                    st, sp = upload_raw(d, text, arch)
                    self.assertEqual(st, 201, (arch, scenario, sp))
                    again = ranges_of(d, sp['id'])
                    self.assertEqual([norm(r, masks[fam]) for r in first],
                                     [norm(r, masks[fam]) for r in again],
                                     (arch, scenario))

    def test_process_space(self):
        x86 = {'present', 'read', 'write', 'exec', 'user', 'global',
               'nocache'}
        with Daemon() as d:
            st, sp = d.post_json('/api/v1/spaces',
                                 {'kind': 'process', 'pid': os.getpid()})
            self.assertIn(st, (200, 201), sp)
            first = ranges_of(d, sp['id'])
            self.assertGreater(len(first), 0)
            st, h, text = ranges_of(d, sp['id'], 'ptdump')
            self.assertEqual(st, 200)
            st, sp2 = upload_raw(d, text, sp['arch'])
            self.assertEqual(st, 201, (sp2, text[:400]))
            again = ranges_of(d, sp2['id'])
            # the process keeps running between the two reads of its
            # ranges, so compare the text's own ranges with their parse
            self.assertEqual(len(again), text.count('USR'))
            for r in again:
                self.assertIn('user', r['flags'])
                self.assertTrue(set(r['flags']) <= x86, r)


def post_stream(port, path, total, chunk=1 << 20, chunked=False):
    """POST `total` bytes of 'A' without holding them in memory (with a
    Content-Length, or chunked without one); returns the status code."""
    s = socket.create_connection(('127.0.0.1', port), timeout=30)
    length = ('Transfer-Encoding: chunked' if chunked
              else 'Content-Length: %d' % total)
    s.sendall(('POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n'
               'Content-Type: text/plain\r\nX-Ptscope: 1\r\n'
               '%s\r\nConnection: close\r\n\r\n' % (path, length)).encode())
    block = b'A' * chunk
    sent = 0
    try:
        while sent < total:
            n = min(chunk, total - sent)
            if chunked:
                s.sendall(b'%x\r\n' % n + block[:n] + b'\r\n')
            else:
                s.sendall(block[:n])
            sent += n
        if chunked:
            s.sendall(b'0\r\n\r\n')
    except OSError:
        pass        # the server may answer and close before the end
    data = b''
    try:
        while True:
            part = s.recv(65536)
            if not part:
                break
            data += part
    except OSError:
        pass
    s.close()
    return int(data.split(b' ')[1]) if data else None


class BadInput(TestCase):
    L1 = ('0xffff888000000000-0xffff888000200000           2M     RW'
          '                 GLB NX pte\n')
    CASES = [
        ('truncated', L1 + '0xffff888000200000-', None,
         "line 2: expected '-0x"),
        ('no size', L1 + '0xffff888000200000-0xffff888000400000', None,
         'line 2: expected a size'),
        ('unknown unit', '0xffff888000000000-0xffff888000200000  2Q  RW NX'
         ' pte\n', None, "line 1: unknown size unit 'Q'"),
        ('descending', L1 + L1, None, 'line 2: expected a range starting'),
        ('size mismatch', '0xffff888000000000-0xffff888000200000  3M  RW NX'
         ' pte\n', None, 'line 1: expected the size of'),
        ('bad level', '0xffff888000000000-0xffff888000200000  2M  RW NX'
         ' pgx\n', None, 'line 1: expected a level name'),
        ('garbage line', L1 + 'hello world\n', None,
         'line 2: expected a range line'),
        ('wrong arch', L1, 'arm64-4k-48', 'x86 ptdump layout'),
        ('mixed layouts', L1 + '0xffff888000200000-0xffff888000400000'
         '  2M PTE RW\n', None, 'line 2: expected a range line in the x86'),
    ]

    def dumps(self, d):
        st, obj = d.get_json('/api/v1/spaces')
        self.assertEqual(st, 200)
        return [s['id'] for s in obj['spaces'] if s['kind'] == 'ptdump']

    def test_bad_text(self):
        with Daemon() as d:
            for name, text, arch, needle in self.CASES:
                for how in ('raw', 'json'):
                    if how == 'raw':
                        st, err = upload_raw(d, text, arch)
                    else:
                        body = {'kind': 'ptdump', 'text': text}
                        if arch:
                            body['arch'] = arch
                        st, err = d.post_json('/api/v1/spaces', body)
                    self.assertEqual(st, 400, (name, how, err))
                    self.assertEqual(err['error']['code'], 'bad_ptdump',
                                     (name, err))
                    self.assertIn(needle, err['error']['message'], name)
            self.assertEqual(self.dumps(d), [])

    def test_binary_and_empty(self):
        with Daemon() as d:
            st, err = upload_raw(d, b'\x7fELF\x02\x01\x01\x00\x00\xff\xfe')
            self.assertEqual(st, 400, err)
            self.assertIn('line 1: expected text', err['error']['message'])
            st, err = upload_raw(d, b'')
            self.assertEqual(st, 400, err)
            self.assertEqual(err['error']['code'], 'empty_ptdump')
            st, err = d.post_json('/api/v1/spaces',
                                  {'kind': 'ptdump', 'text': ''})
            self.assertEqual(st, 400, err)
            self.assertEqual(err['error']['code'], 'empty_ptdump')
            self.assertEqual(self.dumps(d), [])

    def test_100mb_body(self):
        with Daemon() as d:
            st = post_stream(d.port, '/api/v1/ptdump?arch=x86_64-4l',
                             100 << 20)
            self.assertEqual(st, 413)
            st = post_stream(d.port, '/api/v1/ptdump', 100 << 20,
                             chunked=True)
            self.assertEqual(st, 413)
            self.assertEqual(self.dumps(d), [])


main()
