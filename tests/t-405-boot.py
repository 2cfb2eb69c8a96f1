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
with GB pages; arch/arm/mm/mmu.c map_lowmem() with 1 MiB sections;
arch/riscv/mm/init.c best_map_size(), which takes PUD_SIZE only with
pgtable_l4_enabled, so Sv39's linear map has 2 MiB leaves at most).
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

    def positions(self, gens, order):
        caps = [g['caption'] or '' for g in gens]
        pos = [next(i for i, c in enumerate(caps) if w in c) for w in order]
        self.assertEqual(pos, sorted(pos), caps)
        self.assertEqual([g['generation'] for g in gens],
                         list(range(gens[0]['generation'],
                                    gens[0]['generation'] + len(gens))))
        return [gens[i]['generation'] for i in pos]

    def test_arm64_steps_and_blocks(self):
        sp, gens = self.boot('arm64-4k-48', 4096)
        # setup_arch(): early_fixmap_init(), setup_machine_fdt(),
        # parse_early_param(), arm64_memblock_init(), paging_init()
        # (map_kernel, map_mem), bootmem_init(); mm_core_init() later
        order = ['early_map_kernel', 'early_fixmap_init', 'earlycon',
                 'arm64_memblock_init', 'map_kernel(swapper_pg_dir', 'map_mem',
                 'bootmem_init', 'memblock_free_all']
        g = dict(zip(order, self.positions(gens, order)))
        g['map_kernel'] = g['map_kernel(swapper_pg_dir']
        lay = sp['layout']
        base = int(sp['ram_base'], 16)
        end = base + 4096 * M
        ks, kn = int(lay['kimage_pa'], 16), int(lay['kimage_size'], 16)
        po = int(lay['page_offset'], 16)
        kv = int(lay['kimage_vaddr'], 16)
        lin = lambda pa: (po + pa - base) & MASK
        # memblock owns the memory until memblock_free_all
        self.assertEqual(self.free_pages(sp['id'], g['memblock_free_all'] - 1), 0)
        self.assertGreater(self.free_pages(sp['id'], g['memblock_free_all']), 0)
        # start_kernel() calls mm_core_init() (6.4's name for mm_init())
        # after setup_arch(); it builds the zonelists before mem_init()
        last = gens[-1]['caption']
        for w in ('start_kernel()', 'mm_core_init()', 'mm_init()',
                  'build_all_zonelists()', 'mem_init()'):
            self.assertIn(w, last)
        self.assertLess(last.index('build_all_zonelists'), last.index('memblock_free_all'))
        # KIMAGE_VADDR = MODULES_END = _PAGE_END(VA_BITS_MIN) + SZ_2G
        # (arch/arm64/include/asm/memory.h); the captions give its value
        # and kimage_voffset = KIMAGE_VADDR - PA of the image
        self.assertEqual(kv, ((MASK << 47) & MASK) + 2 * G)
        early = next(x['caption'] for x in gens
                     if x['generation'] == g['early_map_kernel'])
        self.assertIn('0x%x' % kv, early)
        self.assertIn('kimage_voffset = KIMAGE_VADDR - __pa(_text) = 0x%x'
                      % (kv - ks), early)
        # the early tables map the whole image writable and executable;
        # map_kernel() gives the segments their permissions
        last = kv + kn - 4 * K
        f = self.walk(sp['id'], last, g['early_map_kernel'])['steps'][-1]['flags']
        self.assertIn('exec', f)
        self.assertIn('write', f)
        self.assertFalse(self.walk(sp['id'], lin(ks), g['early_map_kernel'])['mapped'])
        # the fixmap (arch/arm64/include/asm/fixmap.h): FIXADDR_TOP =
        # VMEMMAP_START - 32M, VMEMMAP_START = -(1 << (48 - (12 - 6)));
        # FIX_FDT = 1 + 2M / 4K + 1, the DTB (at RAM base on QEMU virt)
        # read-only there; FIX_EARLYCON_MEM_BASE one page below
        top = ((MASK << 42) & MASK) - 32 * M
        fdt = top - (2 + 512) * 4 * K
        self.assertFalse(self.walk(sp['id'], fdt, g['early_fixmap_init'] - 1)['mapped'])
        w = self.walk(sp['id'], fdt, g['early_fixmap_init'])
        self.assertTrue(w['mapped'])
        self.assertEqual(int(w['pa'], 16), base)
        self.assertEqual(w['page_size'], 4 * K)
        self.assertNotIn('write', w['steps'][-1]['flags'])
        w = self.walk(sp['id'], fdt - 4 * K, g['earlycon'])
        self.assertEqual(int(w['pa'], 16), 0x09000000)   # the PL011 UART
        self.assertIn('device', w['steps'][-1]['flags'])
        # before map_mem the linear map is empty; after, as the rule says
        self.assertFalse(self.walk(sp['id'], lin(ks + kn), g['map_mem'] - 1)['mapped'])
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
        self.assertIn('exec', self.walk(sp['id'], kv)['steps'][-1]['flags'])
        self.assertNotIn('write', self.walk(sp['id'], kv)['steps'][-1]['flags'])
        data = self.walk(sp['id'], last)['steps'][-1]['flags']
        self.assertIn('write', data)
        self.assertNotIn('exec', data)

    def riscv_boot(self, arch, ram_mb):
        sp, gens = self.boot(arch, ram_mb)
        order = ['setup_vm()', 'create_fdt_early_page_table', 'setup_bootmem',
                 'setup_vm_final', 'create_linear_mapping_range',
                 'create_kernel_page_table(swapper_pg_dir', 'misc_mem_init',
                 'memblock_free_all']
        g = dict(zip(order, self.positions(gens, order)))
        for x in gens[1:]:
            self.assertRegex(x['caption'], r'[a-z_0-9]+\(\)', x['caption'])
        self.assertIn('arch/riscv/mm/init.c', gens[1]['caption'])
        return sp, g

    def riscv_linear_sizes(self, arch, ram_mb, pud_leaves):
        """best_map_size() (arch/riscv/mm/init.c, Linux 6.4+): P4D_SIZE
        with pgtable_l5_enabled, PUD_SIZE with pgtable_l4_enabled, PMD_SIZE,
        else PAGE_SIZE, each where PA and VA are aligned and it fits.
        Sv39 has neither: 2 MiB leaves at most."""
        sp, g = self.riscv_boot(arch, ram_mb)
        base = int(sp['ram_base'], 16)
        self.assertEqual(base, 0x80000000)      # QEMU virt's DRAM
        lay = sp['layout']
        po = int(lay['page_offset'], 16)
        ks, kn = int(lay['kimage_pa'], 16), int(lay['kimage_size'], 16)
        end = base + ram_mb * M
        lin = lambda pa: (po + pa - base) & MASK
        self.assertFalse(self.walk(sp['id'], lin(base), g['setup_bootmem'])['mapped'])
        sizes = ([G] if pud_leaves else []) + [2 * M, 4 * K]
        # the image's text and rodata are memblock_mark_nomap()ed and mapped
        # alone (STRICT_KERNEL_RWX), so no leaf spans the image's bounds
        # (2 MiB aligned; the image is smaller than 1 GiB): walk all RAM
        kend = ks + (kn + 2 * M - 1) // (2 * M) * (2 * M)
        want = dict(greedy(lin(base), base, ks - base, sizes) +
                    greedy(lin(ks), ks, kend - ks, [2 * M, 4 * K]) +
                    greedy(lin(kend), kend, end - kend, sizes))
        if pud_leaves:
            self.assertIn(G, want.values())
        # every leaf where the size changes, and every 16th
        items = sorted(want.items())
        for i, (va, s) in enumerate(items):
            if i % 16 and s == items[i - 1][1] and i + 1 < len(items) and \
                    s == items[i + 1][1]:
                continue
            w = self.walk(sp['id'], va + s // 2)
            self.assertTrue(w['mapped'], hex(va))
            self.assertEqual(w['page_size'], s, hex(va))
            self.assertEqual(int(w['pa'], 16), base + va + s // 2 - lin(base))
        # the linear alias of the text is PAGE_KERNEL_READ
        f = self.walk(sp['id'], lin(ks))['steps'][-1]['flags']
        self.assertNotIn('write', f)
        self.assertNotIn('exec', f)
        return sp, g

    def test_riscv_sv39_steps_and_leaves(self):
        sp, g = self.riscv_linear_sizes('riscv-sv39', 4096, False)
        lay = sp['layout']
        ks, kn = int(lay['kimage_pa'], 16), int(lay['kimage_size'], 16)
        # Documentation/arch/riscv/vm-layout.rst, Sv39: the kernel at
        # 0xffffffff80000000, PCI I/O (= FIXADDR_TOP) at 0xffffffc4ff000000;
        # OpenSBI's fw_jump loads the kernel 2 MiB into DRAM
        kv = 0xffffffff80000000
        self.assertEqual(int(lay['kimage_vaddr'], 16), kv)
        self.assertEqual(ks, 0x80200000)
        early = self.walk(sp['id'], kv + kn - 4 * K, g['setup_vm()'])
        self.assertEqual(early['page_size'], 2 * M)
        self.assertIn('exec', early['steps'][-1]['flags'])
        self.assertIn('write', early['steps'][-1]['flags'])
        text = self.walk(sp['id'], kv)['steps'][-1]['flags']
        self.assertIn('exec', text)
        self.assertNotIn('write', text)
        data = self.walk(sp['id'], kv + kn - 4 * K)['steps'][-1]['flags']
        self.assertIn('write', data)
        self.assertNotIn('exec', data)
        # FIX_FDT_SIZE = MAX_FDT_SIZE (PMD_SIZE) + SZ_2M below FIXADDR_TOP,
        # two PMD leaves; QEMU (hw/riscv/boot.c riscv_compute_fdt_addr)
        # puts the DTB 2 MiB below min(end of DRAM, 3 GiB)
        fdt = 0xffffffc4ff000000 - 4 * M
        self.assertFalse(self.walk(sp['id'], fdt, g['setup_vm()'])['mapped'])
        for off in (0, 2 * M):
            w = self.walk(sp['id'], fdt + off, g['create_fdt_early_page_table'])
            self.assertEqual(w['page_size'], 2 * M)
            self.assertEqual(int(w['pa'], 16), 3 * G - 2 * M + off)
        self.assertEqual(self.free_pages(sp['id'], g['memblock_free_all'] - 1), 0)
        self.assertGreater(self.free_pages(sp['id'], g['memblock_free_all']), 0)

    def test_riscv_ram_size_chooses_leaves(self):
        # 1025 MiB: the last MiB cannot hold a 2 MiB leaf: 4 KiB pages
        sp, g = self.riscv_linear_sizes('riscv-sv39', 1025, False)
        po = int(sp['layout']['page_offset'], 16)
        w = self.walk(sp['id'], po + 1024 * M + 8 * K)
        self.assertEqual(w['page_size'], 4 * K)

    def test_riscv_sv48_pud_leaves(self):
        self.riscv_linear_sizes('riscv-sv48', 4096, True)

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
        # head_64.S runs before start_kernel(); setup_arch() reserves,
        # maps the direct map, paging_init(), the APIC mapping at its end
        order = ['head_64.S', 'early_reserve_memory', 'kernel_physical_mapping_init',
                 'zone_sizes_init', 'init_apic_mappings', 'memblock_free_all']
        g = dict(zip(order, self.positions(gens, order)))
        # the local APIC at APIC_DEFAULT_PHYS_BASE 0xfee00000
        # (arch/x86/include/asm/apicdef.h), uncached, in the fixmap: the
        # only mapping in the top 16 MiB (above MODULES_END)
        st, r = self.d.get_json('/api/v1/spaces/%s/ranges?generation=%d'
                                % (sp['id'], g['init_apic_mappings']))
        apic = [x for x in r['ranges'] if int(x['start'], 16) >= 0xffffffffff000000]
        self.assertEqual(len(apic), 1, r['ranges'])
        w = self.walk(sp['id'], int(apic[0]['start'], 16))
        self.assertEqual(int(w['pa'], 16), 0xfee00000)
        self.assertIn('nocache', w['steps'][-1]['flags'])
        self.assertEqual(self.free_pages(sp['id'], g['memblock_free_all'] - 1), 0)
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
        order = ['arm_memblock_init', 'map_lowmem', 'devicemaps_init',
                 'early_trap_init', 'bootmem_init', 'memblock_free_all']
        g = dict(zip(order, self.positions(gens, order)))
        # the DTB read-only at FDT_FIXED_BASE 0xff800000
        # (arch/arm/include/asm/memory.h), one section
        self.assertFalse(self.walk(sp['id'], 0xff800000, g['devicemaps_init'] - 1)['mapped'])
        w = self.walk(sp['id'], 0xff800000 + 4 * K, g['devicemaps_init'])
        self.assertEqual(w['page_size'], M)
        self.assertNotIn('write', w['steps'][-1]['flags'])
        self.assertEqual(self.free_pages(sp['id'], g['memblock_free_all'] - 1), 0)
        self.assertGreater(self.free_pages(sp['id'], g['memblock_free_all']), 0)

    def test_unsupported_arch(self):
        st, body = self.d.post_json('/api/v1/spaces', {
            'kind': 'sim', 'arch': 'armv7-lpae', 'scenario': 'boot'})
        self.assertEqual(st, 400)
        self.assertEqual(body['error']['code'], 'unknown_scenario')


if __name__ == '__main__':
    main()
