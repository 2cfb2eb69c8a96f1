#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The bit-field decoder over HTTP: GET /api/v1/arches/ID/decode and the
"decoded" object of every walk step.

Expected values come from the manuals' bit tables (cited per case), and on
walks from the walk itself: a table entry's decoded next-table address must
be the table the next step reads, a leaf's decoded output address must give
the walk's physical address, and the fields must re-assemble to the entry.
"""
from ptstest import DaemonCase, main

ARCHES = ['x86_64-4l', 'x86_64-5l', 'x86-32', 'x86-pae', 'arm64-4k-39',
          'arm64-4k-48', 'arm64-16k-47', 'arm64-16k-48', 'arm64-64k-42',
          'arm64-64k-48', 'arm64-64k-52', 'arm64-4k-52', 'arm64-16k-52',
          'armv7-2l', 'armv7-lpae',
          'riscv-sv39', 'riscv-sv48', 'riscv-sv57']


def field(d, name):
    for f in d['fields']:
        if f['name'] == name:
            return int(f['value'], 16)
    raise AssertionError('no field %s in %s' % (name, d['format']))


def assemble(d):
    w, nxt = 0, 0
    for f in d['fields']:
        assert f['lo'] == nxt, (d['format'], f)
        nxt = f['hi'] + 1
        w |= int(f['value'], 16) << f['lo']
    assert nxt == d['bits'], d
    return w


class Decode(DaemonCase):
    def decode(self, arch, level, entry, word=None):
        q = '/api/v1/arches/%s/decode?level=%s&entry=%s' % (arch, level, entry)
        if word:
            q += '&word=' + word
        st, body = self.d.get_json(q)
        self.assertEqual(st, 200, body)
        self.assertEqual(assemble(body), int(entry, 16))
        return body

    def test_x86_pte(self):
        # SDM vol. 3A table 4-19: P=bit0 R/W=1 U/S=2 A=5 D=6 XD=63
        d = self.decode('x86_64-4l', 'pte', '0x8000000012345067')
        for name in ('P', 'R/W', 'U/S', 'A', 'D', 'XD'):
            self.assertEqual(field(d, name), 1, name)
        self.assertEqual(field(d, 'G'), 0)
        self.assertEqual(d['output_pa'], '0x12345000')
        self.assertFalse(d['table'])

    def test_arm64_table_and_block(self):
        # Arm ARM D8.3: bits 1:0 = 11 table, 01 block; PXNTable bit 59
        d = self.decode('arm64-4k-48', 'pud', '0x0800000041234003')
        self.assertTrue(d['table'])
        self.assertEqual(field(d, 'PXNTable'), 1)
        self.assertEqual(d['next_table_pa'], '0x41234000')
        d = self.decode('arm64-4k-48', 'pmd', '0x0060000040200701')
        self.assertFalse(d['table'])
        self.assertEqual(field(d, 'PXN'), 1)
        self.assertEqual(field(d, 'UXN'), 1)
        self.assertEqual(d['output_pa'], '0x40200000')

    def test_armv7_linux_pte(self):
        # arch/arm/include/asm/pgtable-2level.h: L_PTE_RDONLY bit 7, USER 8
        d = self.decode('armv7-2l', 'pte', '0x9fc0059f', 'linux')
        self.assertEqual(field(d, 'L_PTE_RDONLY'), 1)
        self.assertEqual(field(d, 'L_PTE_USER'), 1)
        self.assertEqual(field(d, 'L_PTE_MT'), 7)   # WRITEALLOC 0111

    def test_kernel_layout(self):
        # PAGE_OFFSET: arm64 -(1 << VA_BITS) (arch/arm64/include/asm/memory.h);
        # x86_64 0xffff888000000000 (Documentation/arch/x86/x86_64/mm.rst)
        # region: the ptdump section of that address, named as the arch's
        # address_markers[] (arch/arm64/mm/ptdump.c "Linear Mapping start",
        # arch/x86/mm/dump_pagetables.c "Low Kernel Mapping")
        for arch, page_offset, region in (
                ('arm64-4k-48', (-(1 << 48)) & (2**64 - 1),
                 'Linear Mapping start'),
                ('x86_64-4l', 0xffff888000000000, 'Low Kernel Mapping')):
            st, sp = self.d.post_json('/api/v1/spaces', {
                'kind': 'sim', 'arch': arch, 'scenario': 'kernel'})
            self.assertEqual(st, 201)
            lay = sp['layout']
            self.assertEqual(int(lay['page_offset'], 16), page_offset)
            self.assertEqual(lay['phys_offset'], sp['ram_base'])
            kv, kpa = int(lay['kimage_vaddr'], 16), int(lay['kimage_pa'], 16)
            self.assertEqual(int(lay['kimage_voffset'], 16),
                             (kv - kpa) & (2**64 - 1))
            va = page_offset + 0x200000
            st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=0x%x'
                                    % (sp['id'], va))
            self.assertTrue(w['mapped'])
            want = va - page_offset + int(sp['ram_base'], 16)
            self.assertEqual(int(w['pa'], 16), want)
            self.assertIn('linear_map', w)
            self.assertTrue(w['linear_map']['formula'].endswith('0x%x' % want))
            self.assertEqual(w['region'], region)
            # the image: __pa_symbol(x) = x - kimage_voffset
            st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=0x%x'
                                    % (sp['id'], kv + 0x1000))
            self.assertEqual(int(w['pa'], 16), kpa + 0x1000)
            self.assertNotIn('linear_map', w)
            # a user VA has no kernel region
            st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=0x1000'
                                    % sp['id'])
            self.assertNotIn('region', w)

    def test_bad_input(self):
        cases = [('/api/v1/arches/x86_64-4l/decode?level=p4d&entry=0x1', 400),
                 ('/api/v1/arches/x86_64-4l/decode?level=pte', 400),
                 ('/api/v1/arches/x86_64-4l/decode?level=pte&entry=zz', 400),
                 ('/api/v1/arches/x86-32/decode?level=pte&entry=0x100000000', 400),
                 ('/api/v1/arches/x86_64-4l/decode?level=pte&entry=0x1&word=linux', 400),
                 ('/api/v1/arches/nope/decode?level=pte&entry=0x1', 404)]
        for path, status in cases:
            st, body = self.d.get_json(path)
            self.assertEqual(st, status, path)
            self.assertIn('code', body['error'])

    def check_walk(self, arch, sid, va):
        st, w = self.d.get_json('/api/v1/spaces/%s/walk?va=%s' % (sid, va))
        self.assertEqual(st, 200, w)
        steps = w['steps']
        for i, s in enumerate(steps):
            helpers = {t['name'].split('_', 1)[1]: t['value']
                       for t in s['linux']['tests']}
            if arch == 'armv7-2l' and s['level'] == 'pgd' and \
                    int(s['hw'][0], 16) == 0:
                # pmd_val() reads the first word only (pgd_t is u32[2]):
                # an odd-MiB section alone is pmd_none() to Linux
                self.assertTrue(helpers['none'], (arch, s))
                continue
            self.assertFalse(helpers['none'], (arch, s))
            self.assertTrue(helpers['present'], (arch, s))
            if s['kind'] == 'table':
                self.assertFalse(helpers['bad'], (arch, s))
                self.assertFalse(helpers.get('leaf', False), (arch, s))
                self.assertIn('populate', s['linux'])
            elif s['kind'] == 'block':
                self.assertTrue(helpers['leaf'], (arch, s))
            if s['kind'] == 'table':
                hw = s.get('hw_decoded')
                if hw:    # armv7-2l: each word points at a 1 KiB hw table
                    for k, d in enumerate(hw):
                        assemble(d)
                        self.assertEqual(int(d['next_table_pa'], 16),
                                         int(steps[i + 1]['table_pa'], 16)
                                         + 2048 + 1024 * k, (arch, va))
                    continue
                d = s['decoded']
                self.assertEqual(assemble(d), int(s['entry'], 16))
                self.assertEqual(d['next_table_pa'], steps[i + 1]['table_pa'],
                                 (arch, va, i))
                self.assertIn('next_table_va', d, (arch, 'linear map known'))
            elif s['kind'] in ('page', 'block'):
                d = s.get('decoded')
                size = int(s['size'], 16)
                if d is None:
                    # armv7-2l pgd: sections live in the hardware word for
                    # the VA's odd or even MiB (pgtable-2level.h)
                    k = (int(va, 16) >> 20) & 1
                    d = s['hw_decoded'][k]
                    self.assertEqual(assemble(d), int(s['hw'][k], 16))
                    self.assertTrue(d['format'].startswith('ARMv7 s'), d)
                else:
                    self.assertEqual(assemble(d), int(s['entry'], 16))
                pa = int(d['output_pa'], 16)
                va_i = int(va, 16)
                if 'cont' in s['flags']:
                    # contiguous hint, NAPOT: the group's frames
                    self.assertLess(abs(int(w['pa'], 16) - pa), 64 * size)
                else:
                    self.assertEqual(pa + (va_i & (size - 1)),
                                     int(w['pa'], 16), (arch, va))
                if s.get('hw_decoded') and s['level'] != 'pgd':
                    hw = s['hw_decoded'][0]
                    self.assertEqual(hw['output_pa'], d['output_pa'])
                return True
        return False

    def test_walks_on_every_arch(self):
        for arch in ARCHES:
            for scenario in ('process', 'kernel'):
                st, sp = self.d.post_json('/api/v1/spaces',
                                          {'kind': 'sim', 'arch': arch,
                                           'scenario': scenario})
                self.assertEqual(st, 201, sp)
                st, r = self.d.get_json('/api/v1/spaces/%s/ranges' % sp['id'])
                self.assertEqual(st, 200)
                walked = 0
                for rg in r['ranges'][:12]:
                    start, end = int(rg['start'], 16), int(rg['end'], 16)
                    mid = start + ((end - start) // 2 if end else 0x1000)
                    for va in (start, mid & ~0xfff):
                        walked += self.check_walk(arch, sp['id'], '0x%x' % va)
                self.assertGreater(walked, 3, (arch, scenario))
                self.d.delete('/api/v1/spaces/' + sp['id'])


if __name__ == '__main__':
    main()
