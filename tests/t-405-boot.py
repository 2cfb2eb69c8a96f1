#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The boot replay (scenario "boot"): the kernel's early memory setup as a
sequence of captioned generations.

Expected block sizes are derived here from the RAM base and size and the
kernel's own rule, written independently of the simulator: at each address
the biggest leaf whose size divides the VA and the PA and fits in what is
left (arch/arm64/mm/mmu.c alloc_init_pud() -> alloc_init_cont_pmd() ->
init_pmd() -> alloc_init_cont_pte(); the image's linear alias without
contiguous runs, NO_CONT_MAPPINGS; arch/x86/mm/init_64.c phys_pud_init()
with GB pages; arch/arm/mm/mmu.c map_lowmem() with 1 MiB sections).
"""
from ptstest import DaemonCase, main

G, M, K = 1 << 30, 1 << 20, 1 << 10
MASK = 2**64 - 1


def greedy(va, pa, size, sizes):
    """[(va, leaf size)] as the kernel's block-first walk picks them."""
    out = []
    off = 0
    while off < size:
        s = max(x for x in sizes if (va + off) % x == 0 and
                (pa + off) % x == 0 and size - off >= x)
        out.append((va + off, s))
        off += s
    return out


class Boot(DaemonCase):
    def boot(self, arch, ram_mb):
        st, sp = self.d.post_json('/api/v1/spaces', {
            'kind': 'sim', 'arch': arch, 'scenario': 'boot', 'ram_mb': ram_mb})
        self.assertEqual(st, 201, sp)
        st, h = self.d.get_json('/api/v1/spaces/%s/history' % sp['id'])
        self.assertEqual(st, 200, h)
        return sp, h['generations']

    def walk(self, sid, va, gen=None):
        q = '/api/v1/spaces/%s/walk?va=0x%x' % (sid, va)
        if gen is not None:
            q += '&generation=%d' % gen
        st, w = self.d.get_json(q)
        self.assertEqual(st, 200, w)
        return w

    def leaf(self, w):
        last = w['steps'][-1]
        return w['page_size'], 'cont' in last['flags']

    def free_pages(self, sid, gen):
        st, z = self.d.get_json('/api/v1/spaces/%s/zones?generation=%d'
                                % (sid, gen))
        self.assertEqual(st, 200, z)
        return sum(x['free_pages'] for n in z['nodes'] for x in n['zones'])

    def test_arm64_steps_and_blocks(self):
        sp, gens = self.boot('arm64-4k-48', 4096)
        caps = [g['caption'] or '' for g in gens]
        order = ['arm64_memblock_init', 'map_kernel', 'map_mem',
                 'early_fixmap_init', 'memblock_free_all']
        pos = [next(i for i, c in enumerate(caps) if w in c) for w in order]
        self.assertEqual(pos, sorted(pos), caps)
        self.assertEqual([g['generation'] for g in gens],
                         list(range(gens[0]['generation'],
                                    gens[0]['generation'] + len(gens))))
        lay = sp['layout']
        base = int(sp['ram_base'], 16)
        end = base + 4096 * M
        ks, kn = int(lay['kimage_pa'], 16), int(lay['kimage_size'], 16)
        po = int(lay['page_offset'], 16)
        lin = lambda pa: (po + pa - base) & MASK
        # memblock owns the memory until memblock_free_all
        free_gen = gens[pos[-1]]['generation']
        self.assertEqual(self.free_pages(sp['id'], free_gen - 1), 0)
        self.assertGreater(self.free_pages(sp['id'], free_gen), 0)
        # before map_mem the linear map is empty; after, as the rule says
        before = gens[pos[2] - 1]['generation']
        self.assertFalse(self.walk(sp['id'], lin(ks + kn), before)['mapped'])
        cont_pmd, cont_pte = 16 * 2 * M, 16 * 4 * K   # CONT_PMD/PTE_SIZE
        sizes = [G, cont_pmd, 2 * M, cont_pte, 4 * K]
        want = (greedy(lin(base), base, ks - base, sizes) +
                greedy(lin(ks + kn), ks + kn, end - ks - kn, sizes) +
                greedy(lin(ks), ks, kn, [G, 2 * M, 4 * K]))
        self.assertTrue(any(s == G for _, s in want), 'RAM this big has GB blocks')
        seen = set()
        for va, s in want:
            if s in seen and s not in (G,):
                continue
            seen.add(s)
            w = self.walk(sp['id'], va + s // 2)
            self.assertTrue(w['mapped'], hex(va))
            size, cont = self.leaf(w)
            cont_want = s in (cont_pmd, cont_pte)
            # a contiguous run is reported as one leaf of the run's size
            self.assertEqual(size, s, hex(va))
            self.assertEqual(cont, cont_want, hex(va))
            self.assertEqual(int(w['pa'], 16), base + (va + s // 2 - lin(base)))
        self.assertGreaterEqual(len(seen), 3, seen)
        # the image's text at KIMAGE_VADDR is executable, its data is not
        kv = int(lay['kimage_vaddr'], 16)
        self.assertIn('exec', self.walk(sp['id'], kv)['steps'][-1]['flags'])
        data = self.walk(sp['id'], kv + kn - 4 * K)['steps'][-1]['flags']
        self.assertIn('write', data)
        self.assertNotIn('exec', data)

    def test_ram_base_chooses_blocks(self):
        # 1 GiB of RAM at 0x40000000 holds no 1 GiB block once the image
        # splits it: the rule gives 2 MiB blocks and 32 MiB runs only
        sp, gens = self.boot('arm64-4k-48', 1024)
        base = int(sp['ram_base'], 16)
        po = int(sp['layout']['page_offset'], 16)
        for off in range(0, 1024 * M, 64 * M):
            w = self.walk(sp['id'], (po + off + 4 * K) & MASK)
            self.assertTrue(w['mapped'])
            self.assertLess(w['page_size'], G)
            self.assertEqual(int(w['pa'], 16), base + off + 4 * K)

    def test_x86_64_direct_map(self):
        sp, gens = self.boot('x86_64-4l', 4096)
        self.assertIn('kernel_physical_mapping_init', ''.join(
            g['caption'] or '' for g in gens))
        po = 0xffff888000000000   # Documentation/arch/x86/x86_64/mm.rst
        for pa in (0, G + 12345 * 4 * K, 3 * G):
            w = self.walk(sp['id'], po + pa)
            self.assertEqual(w['page_size'], G)
            self.assertEqual(int(w['pa'], 16), pa)
        # the image at __START_KERNEL_map + 16 MiB, in 2 MiB pages
        w = self.walk(sp['id'], 0xffffffff81000000)
        self.assertEqual(w['page_size'], 2 * M)
        self.assertEqual(w['pa'], sp['layout']['kimage_pa'])

    def test_armv7_sections(self):
        sp, gens = self.boot('armv7-2l', 512)
        base = int(sp['ram_base'], 16)
        for off in (0, 3 * M, 100 * M + 4 * K):
            w = self.walk(sp['id'], 0xc0000000 + off)
            self.assertEqual(w['page_size'], M, hex(off))
            self.assertIn('section', w['steps'][-1]['flags'])
            self.assertEqual(int(w['pa'], 16), base + off)
        w = self.walk(sp['id'], 0xffff0000)     # the vectors page
        self.assertTrue(w['mapped'])
        self.assertIn('user', w['steps'][-1]['flags'])

    def test_unsupported_arch(self):
        st, body = self.d.post_json('/api/v1/spaces', {
            'kind': 'sim', 'arch': 'riscv-sv57', 'scenario': 'boot'})
        self.assertEqual(st, 400)
        self.assertEqual(body['error']['code'], 'unknown_scenario')


if __name__ == '__main__':
    main()
