# SPDX-License-Identifier: MIT
"""Real captures from public sources (tests/fixtures/SOURCES.md): each one
is uploaded to the real daemon (ptdump) or read as a --proc-root tree
(zones), and every number is compared with what this test reads off the
capture's own text with its own simple parsing: the ranges, their
attribute tokens, the section names, the skipped-entries count, the free
counts per order and migrate type.  The ptdump ones round-trip through
?format=ptdump with ranges, markers and tokens unchanged."""
import re

from ptstest import Daemon, TestCase, main, fixture

# file, the arch its source says it was captured on, why
PTDUMP_CAPTURES = (
    # Fedora 5.0.0-rc2 x86_64 boot log (4-level paging: every address is
    # below 2^47 in the kernel half, Documentation/arch/x86/x86_64/mm.rst)
    ('x86_64-dmesg-espfix-efi-fc30-linux-mm.txt', 'x86_64-4l'),
    # RISC-V Sv39 KASAN shadow (0xffffffc000000000, the Sv39 KASAN start
    # in Documentation/arch/riscv/vm-layout.rst), old column layout
    ('riscv-sv39-kasan-shadow-lkml.txt', 'riscv-sv39'),
    # QEMU vexpress-a15 with CONFIG_ARM_LPAE=y (the message says so)
    ('armv7-lpae-kasan-shadow-lkml.txt', 'armv7-lpae'),
    # "a 64k page size kernel build" (the message); its 512 MiB entries
    # are named PMD, so the PMD level is real: 3 levels, 48 or 52 VA bits
    # (Documentation/arch/arm64/memory.rst: 64K with 42 bits has 2), and
    # every address fits the fewer, 48
    ('arm64-64k-efi_page_tables-lkml.txt', 'arm64-64k-48'),
    # RISC-V in the current 11-column layout (N, MT, RSW, D A G U X W R V)
    # at addresses that are canonical with 48 bits but not 39 (the Sv48
    # vmemmap and linear map of Documentation/arch/riscv/vm-layout.rst)
    ('riscv-sv48-vmemmap-pmd-lkml.txt', 'riscv-sv48'),
    ('riscv-sv48-linear-module-wx-lkml.txt', 'riscv-sv48'),
    # landed last session (t-300 round-trips it too): MT(IO) and RSW(2)
    ('riscv-sv39-rsw-lkml.txt', 'riscv-sv39'),
    # Debian 12's linux-source-6.1 built with PTDUMP_DEBUGFS and KASAN
    # (scripts/kasan-ptdump-x86_64.config), 4-level, no KASLR
    ('x86_64-6.1-kasan-ptdump-qemu.txt', 'x86_64-4l'),
    # the same source for arm64 with ARM64_16K_PAGES and 48-bit VA
    # (scripts/ptdump-arm64-16k.config): 32 MiB PMD blocks, 64 GiB PUDs
    ('arm64-16k-48-6.1-ptdump-qemu.txt', 'arm64-16k-48'),
)

PRINTK_TIME = re.compile(r'^\[ *\d+\.\d+\] ')
RANGE = re.compile(r'^0x([0-9a-f]+)-0x([0-9a-f]+)\s+(.*)$')
SIZE = re.compile(r'^(\d+)([BKMGTPE])$')
UNITS = 'BKMGTPE'
LEVELS = ('pgd', 'p4d', 'pud', 'pmd', 'pte')


def read_text(name):
    with open(fixture('ptdump', name)) as f:
        return f.read()


def parse_capture(text, arch, holes=False):
    """The capture as this test reads it: markers in order, the skipped
    count, and every present range (start, end, size in bytes from the
    size column, level or None, tokens); with holes, the holes too."""
    markers, ranges, skipped = [], [], 0
    riscv = arch.startswith('riscv')
    x86 = arch.startswith('x86')
    for line in text.splitlines():
        line = PRINTK_TIME.sub('', line).rstrip()
        if not line:
            continue
        if line.startswith('---['):
            markers.append(line[4:line.index(']---')].strip())
            continue
        m = re.match(r'^\.\.\. (\d+) entr(?:y|ies) skipped \.\.\.$', line)
        if m:
            skipped += int(m.group(1))
            continue
        m = RANGE.match(line)
        assert m, line
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        words = m.group(3).split()
        if riscv:
            words = words[1:]                # the physical address
        num, unit = SIZE.match(words[0]).groups()
        size = int(num) << (10 * UNITS.index(unit))
        words = words[1:]
        level = None
        if x86:
            level, words = words[-1], words[:-1]
        elif words and words[0].lower() in LEVELS:
            level, words = words[0].lower(), words[1:]
        if words or holes:                   # holes print no tokens
            ranges.append({'start': start, 'end': end, 'size': size,
                           'level': level, 'tokens': words})
    return markers, ranges, skipped


def upload(d, text, arch=None):
    path = '/api/v1/ptdump' + ('?arch=' + arch if arch else '')
    return d.json('POST', path, text.encode(),
                  {'Content-Type': 'text/plain', 'X-Ptscope': '1'})


def api_ranges(d, sid):
    st, obj = d.get_json('/api/v1/spaces/%s/ranges' % sid)
    assert st == 200, (st, obj)
    return obj['ranges']


def key(r):
    return (r['start'], r['end'], r['level'], tuple(r.get('attrs') or ()),
            r.get('marker'))


class PtdumpCaptures(TestCase):
    def check_against_text(self, name, arch, sp, rs):
        text = read_text(name)
        markers, want, skipped = parse_capture(text, arch)
        every = parse_capture(text, arch, holes=True)[1]
        self.assertEqual(sp['arch'], arch, name)
        self.assertEqual(sp['ptdump']['lines'],
                         len([l for l in text.splitlines() if l.strip()]))
        self.assertEqual(sp['ptdump']['holes'], len(every) - len(want), name)
        self.assertEqual(sp['ptdump']['markers_count'], len(markers), name)
        self.assertEqual(sp['ptdump']['markers'], ', '.join(markers), name)
        self.assertEqual(sp['ptdump']['skipped_entries'], skipped, name)
        self.assertEqual(len(rs), len(want), name)
        for r, w in zip(rs, want):
            # the size column agrees with the two addresses (end 0 is
            # the wrap past the top of the address space)
            self.assertEqual((w['end'] - w['start']) % (1 << 64), w['size'],
                             (name, w))
            self.assertEqual((int(r['start'], 16), int(r['end'], 16)),
                             (w['start'], w['end']), name)
            self.assertEqual(r['attrs'], w['tokens'], (name, r))
            if w['level'] is not None:
                self.assertEqual(r['level'], w['level'], (name, r))
        return markers, want

    def test_parse_and_round_trip(self):
        with Daemon() as d:
            for name, arch in PTDUMP_CAPTURES:
                text = read_text(name)
                st, sp = upload(d, text, arch)
                self.assertEqual(st, 201, (name, sp))
                first = api_ranges(d, sp['id'])
                self.check_against_text(name, arch, sp, first)
                # the arch guess, without ?arch=, names the same one
                st, guessed = upload(d, text)
                self.assertEqual(st, 201, (name, guessed))
                self.assertEqual(guessed['arch'], arch, name)
                self.assertTrue(guessed['ptdump']['arch_guessed'])
                st, h, body = d.get('/api/v1/spaces/%s/ranges?format=ptdump'
                                    % sp['id'])
                self.assertEqual(st, 200, name)
                out = body.decode()
                st, sp2 = upload(d, out, arch)
                self.assertEqual(st, 201, (name, sp2, out[:400]))
                again = api_ranges(d, sp2['id'])
                self.assertEqual([key(r) for r in first],
                                 [key(r) for r in again], name)
                # every section name comes back, in order
                names = [l[4:l.index(']---')].strip()
                         for l in out.splitlines() if l.startswith('---[')]
                self.assertEqual(names, parse_capture(text, arch)[0], name)
                self.check_level_names(name, arch, text, out)

    def check_level_names(self, name, arch, text, out):
        """A line the rendering prints with the capture's own bounds
        names the same level (holes included).  riscv is left out: its
        2021 capture names a 1 GiB Sv39 leaf PGD where the renderer, like
        current kernels, prints PUD (docs/kernel.md)."""
        if arch.startswith('riscv'):
            self.check_riscv_columns(name, arch, text, out)
            return
        mine = {(r['start'], r['end']): r['level']
                for r in parse_capture(out, arch, holes=True)[1]}
        same = 0
        for r in parse_capture(text, arch, holes=True)[1]:
            if r['level'] is not None and (r['start'], r['end']) in mine:
                self.assertEqual(mine[(r['start'], r['end'])], r['level'],
                                 (name, hex(r['start'])))
                same += 1
        if arch.startswith(('x86', 'arm64')):
            self.assertGreater(same, 0, name)

    def test_x86_espfix_efi_sections(self):
        # values read off the capture: the ESPfix stacks are single
        # read-only global NX ptes 64 KiB apart, the EFI runtime region
        # holds a 166M PSE block, the vsyscall page is the one USR pte
        name, arch = PTDUMP_CAPTURES[0]
        with Daemon() as d:
            st, sp = upload(d, read_text(name), arch)
            self.assertEqual(st, 201, sp)
            rs = api_ranges(d, sp['id'])
        esp = [r for r in rs if r['marker'] == 'ESPfix Area']
        self.assertEqual(len(esp), 7)
        self.assertEqual([int(r['start'], 16) for r in esp],
                         [0xffffff3b0000c000 + 0x10000 * i
                          for i in range(7)])
        self.assertTrue(all(r['pages'] == 1 and 'write' not in r['flags']
                            for r in esp))
        efi = [r for r in rs if r['marker'] == 'EFI Runtime Services']
        big = [r for r in efi if r['start'] == '0xfffffffee9400000']
        self.assertEqual(len(big), 1)
        self.assertEqual((big[0]['end'], big[0]['level']),
                         ('0xfffffffef3a00000', 'pmd'))
        self.assertEqual(big[0]['attrs'], ['RW', 'PSE', 'x'])
        usr = [r for r in rs if 'USR' in r['attrs']]
        self.assertEqual([(r['start'], r['marker']) for r in usr],
                         [('0xffffffffff600000', 'Fixmap Area')])

    def test_x86_kasan_sections(self):
        """The KASAN shadow of a 4-level x86_64 kernel is [0xffffec0000000000,
        0xfffffc0000000000) (Documentation/arch/x86/x86_64/mm.rst: "KASAN
        shadow memory", 16 TB; arch/x86/mm/dump_pagetables.c marks it
        "KASAN shadow" / "KASAN shadow end").  Outside the shadow of real
        memory, kasan_populate_early_shadow() (mm/kasan/init.c) points every
        entry at the one zero page, read-only: terabytes of `ro` ptes."""
        name = 'x86_64-6.1-kasan-ptdump-qemu.txt'
        with Daemon() as d:
            st, sp = upload(d, read_text(name), 'x86_64-4l')
            self.assertEqual(st, 201, sp)
            rs = api_ranges(d, sp['id'])
        kasan = [r for r in rs if r['marker'] == 'KASAN shadow']
        self.assertTrue(kasan)
        # KASAN_SHADOW_START = KASAN_SHADOW_OFFSET 0xdffffc0000000000 +
        # ((1 << 64) - (1 << 47)) >> 3 (arch/x86/include/asm/kasan.h)
        self.assertEqual(int(kasan[0]['start'], 16),
                         0xdffffc0000000000 + ((1 << 64) - (1 << 47) >> 3))
        self.assertLessEqual(int(kasan[-1]['end'], 16), 0xfffffc0000000000)
        ro = [r for r in kasan if 'write' not in r['flags']]
        self.assertGreater(sum(r['pages'] for r in ro) * 4096, 1 << 40)
        after = [r for r in rs if r['marker'] == 'KASAN shadow end']
        self.assertTrue(all(int(r['start'], 16) >= 0xfffffc0000000000
                            for r in after))

    def test_arm64_16k_geometry(self):
        """A 16 KiB-granule kernel: the arch is guessed from the text alone
        (arm64-16k-48), PMD blocks are 32 MiB (2048 x 16 KiB, Arm ARM D8.2:
        level 2 resolves bits 35:25), contiguous PTE runs are 128 pages,
        2 MiB (CONT_PTE_SHIFT = 7 + PAGE_SHIFT for 16K,
        arch/arm64/include/asm/pgtable-hwdef.h), and every range of a
        level starts and ends on that level's granule."""
        name = 'arm64-16k-48-6.1-ptdump-qemu.txt'
        with Daemon() as d:
            st, sp = upload(d, read_text(name))
            self.assertEqual(st, 201, sp)
            self.assertEqual(sp['arch'], 'arm64-16k-48')
            rs = api_ranges(d, sp['id'])
        grain = {'pte': 1 << 14, 'pmd': 1 << 25, 'pud': 1 << 36}
        for r in rs:
            start, end = int(r['start'], 16), int(r['end'], 16)
            self.assertEqual(start % grain[r['level']], 0, r)
            self.assertEqual(end % grain[r['level']], 0, r)
        blocks = [r for r in rs if 'BLK' in r['attrs']]
        self.assertTrue(blocks)
        self.assertTrue(all(r['level'] == 'pmd' for r in blocks))
        cont = [r for r in rs if 'CON' in r['attrs'] and r['level'] == 'pte']
        self.assertTrue(cont)
        for r in cont:
            self.assertEqual(int(r['start'], 16) % (128 << 14), 0, r)
            self.assertEqual(r['pages'] % 128, 0, r)

    def check_riscv_columns(self, name, arch, text, out):
        """riscv range lines come back character for character (dump_prot()
        prints " %s" per field, MT and RSW six wide, and before 2023 a
        blank three-wide software field first), apart from the level word
        of the lines named differently (see check_level_names)."""
        mine = {}
        for line in out.splitlines():
            m = RANGE.match(line)
            if m:
                mine[(m.group(1), m.group(2))] = line.rstrip()
        same = 0
        for line in text.splitlines():
            m = RANGE.match(line)
            if not m:
                continue
            got = mine.get((m.group(1), m.group(2)))
            self.assertIsNotNone(got, (name, line))
            level = line.split()[3]
            if got.split()[3] == level:
                self.assertEqual(got, line.rstrip(), name)
                same += 1
        self.assertGreater(same, 0, name)


# --- zones ---------------------------------------------------------------

ZONE_CAPTURES = ('numa2-3.10-weiner', 'numa2-4.0-weiner')


def read_proc(tree, name):
    with open(fixture('proc', tree, name)) as f:
        return f.read()


def text_buddyinfo(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r'^Node (\d+), zone +(\S+)((?: +\d+)+) *$', line)
        assert m, line
        out[(int(m.group(1)), m.group(2))] = [int(x) for x in
                                              m.group(3).split()]
    return out


def text_pagetypeinfo(text):
    """({(node, zone): {type: [counts]}}, {(node, zone): {type: blocks}},
    the block order lines) read off the file."""
    free, blocks, orders = {}, {}, []
    types = None
    for line in text.splitlines():
        m = re.match(r'^Page block order: (\d+)$', line)
        if m:
            orders.append(int(m.group(1)))
            continue
        m = re.match(r'^Node +(\d+), zone +(\S+), type +(\S+)((?: +\d+)+)',
                     line)
        if m:
            z = free.setdefault((int(m.group(1)), m.group(2)), {})
            z[m.group(3)] = [int(x) for x in m.group(4).split()]
            continue
        if line.startswith('Number of blocks type'):
            types = line.split()[4:]
            continue
        m = re.match(r'^Node (\d+), zone +(\S+)((?: +\d+)+) *$', line)
        if m and types:
            blocks[(int(m.group(1)), m.group(2))] = dict(
                zip(types, (int(x) for x in m.group(3).split())))
    return free, blocks, orders


def zones_of(tree):
    """(buddyinfo, pagetypeinfo free, blocks, block orders) read off the
    tree's files by this test, and the status and body of the daemon's
    /api/v1/zones over them."""
    buddy = text_buddyinfo(read_proc(tree, 'buddyinfo'))
    free, blocks, orders = text_pagetypeinfo(read_proc(tree, 'pagetypeinfo'))
    with Daemon(['--proc-root', fixture('proc', tree)]) as d:
        st, obj = d.get_json('/api/v1/zones')
    return buddy, free, blocks, orders, st, obj


class ZoneCaptures(TestCase):
    def test_numa_trees(self):
        for tree in ZONE_CAPTURES:
            buddy, free, blocks, orders, st, obj = zones_of(tree)
            self.assertEqual(st, 200, obj)
            self.assertEqual(obj['source'], 'proc-root')
            self.assertTrue(obj['migrate_types'], tree)
            # the header repeats once per node on these kernels
            self.assertEqual(orders, [9, 9], tree)
            self.assertEqual(obj['pageblock_order'], 9)
            self.assertEqual(obj['orders'], 11)
            self.assertEqual([n['node'] for n in obj['nodes']], [0, 1])
            got = {(n['node'], z['name']): z for n in obj['nodes']
                   for z in n['zones']}
            self.assertEqual(sorted(got), sorted(buddy), tree)
            for k, counts in buddy.items():
                z = got[k]
                self.assertEqual(z['free_area'], counts, (tree, k))
                self.assertEqual(z['free_pages'],
                                 sum(c << o for o, c in enumerate(counts)))
                self.assertEqual(z['migrate'], free[k], (tree, k))
                self.assertEqual(z['pageblocks'], blocks[k], (tree, k))
            # 3.10 had no CMA type, 4.0 lists it; both still had Reserve
            types = list(got[(1, 'Normal')]['migrate'])
            self.assertIn('Reserve', types)
            self.assertEqual('CMA' in types, tree.startswith('numa2-4.0'))


# captured from Debian 12's own kernels under QEMU (SOURCES.md)
# (directory, pageblock order, orders in buddyinfo, page size): 4 KiB
# pages: pageblock_order 9 (HPAGE_PMD_ORDER), 11 orders (MAX_ORDER 10);
# 16 KiB pages: pageblock_order 11 (PMD 32 MiB / 16 KiB) and MAX_PAGE_ORDER
# 11, so 12 orders (arch/arm64/Kconfig ARCH_FORCE_MAX_ORDER, 6.12)
GUEST_CAPTURES = (('numa2-6.1-arm64-qemu', 9, 11, 4096),
                  ('numa2-6.1-x86_64-qemu', 9, 11, 4096),
                  ('numa2-6.12-arm64-16k-qemu', 11, 12, 16384))


def text_zoneinfo(text):
    """{(node, zone): {key: number}} of the zone lines mm/vmstat.c's
    zoneinfo_show_print() writes ("pages free N", then "boost", "min",
    "low", "high", "spanned", "present", "managed", "cma")."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r'^Node (\d+), zone +(\S+)$', line)
        if m:
            cur = out.setdefault((int(m.group(1)), m.group(2)), {})
            continue
        m = re.match(r'^ +(pages free|boost|min|low|high|spanned|present|'
                     r'managed|cma) +(\d+)$', line)
        if m and cur is not None:
            cur[m.group(1)] = int(m.group(2))
    return out


class GuestZoneCaptures(TestCase):
    def test_zoneinfo_boost_cma(self):
        for tree, pb_order, norders, page in GUEST_CAPTURES:
            info = text_zoneinfo(read_proc(tree, 'zoneinfo'))
            buddy, free, blocks, orders, st, obj = zones_of(tree)
            self.assertEqual(st, 200, obj)
            self.assertEqual([n['node'] for n in obj['nodes']], [0, 1])
            self.assertEqual(obj['pageblock_order'], pb_order, tree)
            self.assertEqual(obj['orders'], norders, tree)
            got = {(n['node'], z['name']): z for n in obj['nodes']
                   for z in n['zones']}
            # buddyinfo lists the populated zones; zoneinfo lists them all
            self.assertEqual(sorted(got), sorted(buddy), tree)
            for k, z in got.items():
                zi = info[k]
                self.assertEqual(z['watermarks'], {
                    'min': zi['min'], 'low': zi['low'], 'high': zi['high'],
                    'boost': zi['boost']}, (tree, k))
                self.assertEqual(z['cma_pages'], zi['cma'], (tree, k))
                self.assertEqual(z['managed_pages'], zi['managed'])
                self.assertEqual(z['present_pages'], zi['present'])
                self.assertEqual(z['spanned_pages'], zi['spanned'])
                # zone->cma_pages grows by pageblock_nr_pages per CMA
                # pageblock (init_cma_reserved_pageblock(), mm/page_alloc.c)
                self.assertEqual(zi['cma'],
                                 blocks[k].get('CMA', 0) << pb_order,
                                 (tree, k))
                self.assertEqual(len(z['free_area']), norders)
            self.assertEqual(orders, [pb_order, pb_order], tree)
            # Debian's arm64 kernels: CMA_SIZE_MBYTES=64 (both configs),
            # so 64 MiB of pages; amd64 has no CONFIG_CMA
            cma = sum(z.get('cma', 0) for z in info.values())
            self.assertEqual(cma, (64 << 20) // page
                             if 'arm64' in tree else 0, tree)


main()
