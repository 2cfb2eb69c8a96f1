#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mutate.py [--full] [--only N[,N...]] [--keep]: a mutation round over the
parsers, diff, live flags and limits (docs/reliability.md).

The work tree is never changed: the files git knows (committed or not, not
ignored) are copied to a scratch directory under $TMPDIR, configured and
built there once.  Then each mutation (one changed line of one source
file) is written into the copy, the copy is rebuilt (make only recompiles
that file and relinks) and the tests that cover the code are run with
`make check TESTS=...`; the original file is put back before the next one.
Killed = the tests fail (a hang counts: the run is stopped after 600 s).
A mutation that does not build is reported INVALID and not counted.

The per-mutation test list is a subset of make check, chosen by which
tests exercise the mutated code (2 CPUs shared with other work); a kill by
a subset is a kill by the whole suite, so the score is a lower bound.
--full runs the whole make check for every mutation instead.
--only runs the numbered mutations only (1-based, as printed).
--keep leaves the scratch copy for a look afterwards.
PTS_TIMEOUT_SCALE defaults to 3 here (the tests' deadlines, not their
assertions, scale with it)."""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Test subsets, by the code they cover.
SCAN = 'tests/check_bite tests/check_procfs tests/t-205-twopass.py'
REQ = 'tests/check_bite tests/t-401-api.py'
MAPS = 'tests/check_bite tests/check_procfs'
PTDUMP = 'tests/check_bite tests/check_ptdump tests/t-300-ptdump.py'
ZONES = 'tests/check_zones tests/t-301-zones.py'
DIFF = 'tests/check_bite tests/t-400-ws.py'
REG = 'tests/check_bite tests/t-401-api.py'
HTTP = 'tests/t-003-bounds.py tests/t-401-api.py'
WS = 'tests/t-803-wsframes.py tests/t-400-ws.py'

# (file, original text, mutated text, what it breaks, tests).  The original
# text must occur in the file; the first occurrence is changed.
MUTATIONS = [
    # live flags: pagemap words (pagemap.rst) and PAGEMAP_SCAN categories
    ('backends/proc/procfs-scan.h', '#define PM_SOFT_DIRTY\t\t(UINT64_C(1) << 55)',
     '#define PM_SOFT_DIRTY\t\t(UINT64_C(1) << 54)', 'soft-dirty bit number', SCAN),
    ('backends/proc/procfs-scan.h', '#define PSC_SOFT_DIRTY\t(1u << 7)',
     '#define PSC_SOFT_DIRTY\t(1u << 6)', 'PAGE_IS_SOFT_DIRTY value', SCAN),
    ('backends/proc/procfs-scan.c', 'if (w & PM_SOFT_DIRTY)',
     'if (w & PM_UFFD_WP)', 'uffd-wp taken for soft-dirty (scan)', SCAN),
    ('backends/proc/procfs-scan.c', 'if (w & PM_SWAP)',
     'if (w & PM_FILE)', 'swapped from the file bit', SCAN),
    ('backends/proc/procfs-scan.c', 'if (!(w & (PM_PRESENT | PM_SWAP)))',
     'if (!(w & PM_PRESENT))', 'swapped words dropped', SCAN),
    ('backends/proc/procfs-scan.c', 'if (w & PM_GUARD_REGION)',
     'if (w & PM_MMAP_EXCLUSIVE)', 'guard from exclusive', SCAN),
    ('backends/proc/procfs-scan.c', 'if (w & PM_FILE)',
     'if (!(w & PM_FILE))', 'file inverted', SCAN),
    ('backends/proc/procfs-tree.c',
     '*flags |= (w & PM_UFFD_WP) ? PTF_UFFD_WP : 0;',
     '*flags |= (w & PM_SOFT_DIRTY) ? PTF_UFFD_WP : 0;',
     'uffd-wp and soft-dirty swapped (tree flags)', SCAN),
    ('backends/proc/procfs-tree.c',
     '*flags |= (w & PM_MMAP_EXCLUSIVE) ? PTF_EXCLUSIVE : 0;',
     '*flags |= (w & PM_UFFD_WP) ? PTF_EXCLUSIVE : 0;',
     'exclusive from the uffd-wp bit', SCAN),
    ('backends/proc/procfs-scan.c', '(w[i] & PM_PFN_MASK) != pfn0 + i',
     '(w[i] & PM_PFN_MASK) != pfn0', 'huge span: PFN contiguity', SCAN),
    ('backends/proc/procfs-scan.c', 'for (size_t i = 1; i < n; i++)',
     'for (size_t i = 1; i < n / 2; i++)', 'huge span: half the PFNs checked', SCAN),
    ('backends/proc/procfs-scan.c', 'return k == 0 && fstatfs',
     'return k < 0 && fstatfs', 'pread path: EOF of a dead mm not seen', SCAN),
    # request arguments: u64 and depth
    ('server/request.c', "*s == '-' ||", '', '"-1" accepted as 2^64-1', REQ),
    ('server/request.c', "*s == '+' ||", '', '"+1" accepted', REQ),
    ('server/request.c', "*s == ' ')", '0)', 'leading space accepted', REQ),
    ('server/request.c', 'v = strtoull(s + 2, &end, 16);',
     'v = strtoull(s + 2, &end, 10);', 'hex read as decimal', REQ),
    ('server/request.c', 'd > PT_NLEVELS', 'd >= PT_NLEVELS', 'depth 5 refused', REQ),
    ('server/request.c', 'd > PT_NLEVELS', 'd > PT_NLEVELS + 1', 'depth 6 accepted', REQ),
    # /proc/PID/maps
    ('backends/proc/procfs-maps.c', 'if (maj > UINT32_MAX || min > UINT32_MAX)',
     'if (maj > UINT32_MAX)', 'minor range check', MAPS),
    ('backends/proc/procfs-maps.c', 'if (maj > UINT32_MAX || min > UINT32_MAX)',
     'if (min > UINT32_MAX)', 'major range check', MAPS),
    ('backends/proc/procfs-maps.c', 'v->dev_minor = (unsigned)min;',
     'v->dev_minor = (unsigned)maj;', 'minor from major', MAPS),
    ('backends/proc/procfs-maps.c', "maps_lit(pp, ':')", "maps_lit(pp, '-')",
     'device separator', MAPS),
    # ptdump text
    ('backends/ptdump/ptdump-parse.c', '|| bytes == 0)', ')',
     'zero-size line accepted', PTDUMP),
    ('backends/ptdump/ptdump-parse.c', 'if (bytes != l->end - l->start',
     'if (bytes > l->end - l->start', 'size smaller than the range accepted', PTDUMP),
    ('backends/ptdump/ptdump-parse.c', 'if (l.end == 0 && l.addr_digits <= 8',
     'if (l.end == 0 && l.addr_digits <= 16',
     '64-bit end 0 read as 2^32', PTDUMP),
    # buddyinfo / pagetypeinfo
    ('backends/ptdump/zones-proc.c', 'z.free_area[k], UINT64_C(1) << k,',
     'z.free_area[k], UINT64_C(1) << (k + 1),', 'free pages per order', ZONES),
    ('backends/ptdump/zones-proc.c', '(zs->orders != 0 && orders != zs->orders)',
     '(0)', 'order columns may differ per line', ZONES),
    ('backends/ptdump/zones-proc.c', 'zs->pageblock_order = v < 64 ? (unsigned)v : 0;',
     'zs->pageblock_order = v < 64 ? (unsigned)v + 1 : 0;', 'pageblock order', ZONES),
    # deltas
    ('server/diff.c', 'a->flags != b->flags ||', '', 'delta ignores flags', DIFF),
    ('server/diff.c', 'a->pa != b->pa', 'a->pa != b->pa + 0', 'equivalent: + 0', DIFF),
    ('server/diff.c', 'if (old == NULL || children_differ(old, new)) {',
     'if (1) {', 'always the whole table', DIFF),
    ('server/diff.c', 'return strcmp(a, b) != 0;', 'return 0;', 'attrs never differ', DIFF),
    ('server/diff.c', 'a->expanded != b->expanded || a->nchildren != b->nchildren',
     'a->expanded != b->expanded', 'child count ignored', DIFF),
    ('server/diff.c', 'if (old == NULL && new == NULL)\n\t\treturn 0;',
     'if (old == NULL && new == NULL)\n\t\treturn 1;', 'nothing counted as one', DIFF),
    # limits
    ('server/registry.c', 'r->n >= r->max_spaces', 'r->n > r->max_spaces',
     '--max-spaces off by one', REG),
    ('server/registry.c', 'r->n >= r->max_spaces', 'r->n + 1 >= r->max_spaces',
     '--max-spaces one short', REG),
    ('server/registry.c', '\tr->n--;', '', 'remove keeps the count', REG),
    ('server/http.c', 'strtoull(cl, NULL, 10) > h->srv->opt.max_body',
     'strtoull(cl, NULL, 10) >= h->srv->opt.max_body',
     '--max-body: Content-Length at the limit refused', HTTP),
    ('server/http.c', 'cs->body.len + *upload_size <=',
     'cs->body.len + *upload_size <', '--max-body: body at the limit refused', HTTP),
    ('server/ws.c', 'c->rx.len + len <= max', 'c->rx.len + len <= max * 2',
     '--max-ws-msg: twice the limit accepted', WS),
]


def sh(cmd, cwd, log, timeout=None):
    with open(log, 'a') as f:
        f.write('$ %s\n' % cmd)
        f.flush()
        try:
            return subprocess.run(cmd, shell=True, cwd=cwd, stdout=f,
                                  stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return 124


def copy_tree(dst):
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard',
                            '-z'], cwd=SRC, capture_output=True,
                           check=True).stdout.split(b'\0')
    for f in files:
        f = f.decode()
        if not f or not os.path.isfile(os.path.join(SRC, f)):
            continue
        os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
        shutil.copy2(os.path.join(SRC, f), os.path.join(dst, f))
    nm = os.path.join(SRC, 'tests', 'web', 'node_modules')
    if os.path.isdir(nm):	# viewer tests, for --full
        os.symlink(nm, os.path.join(dst, 'tests', 'web', 'node_modules'))


def main(argv):
    # deadlines (not assertions) grow with PTS_TIMEOUT_SCALE: a round shares
    # the CPUs with its own builds
    os.environ.setdefault('PTS_TIMEOUT_SCALE', '3')
    full = '--full' in argv
    keep = '--keep' in argv
    only = None
    if '--only' in argv:
        only = {int(x) for x in argv[argv.index('--only') + 1].split(',')}
    for path, old, _, why, _ in MUTATIONS:
        with open(os.path.join(SRC, path)) as f:
            if old not in f.read():
                sys.exit('mutate.py: %s: text of "%s" not found' % (path, why))
    tmp = tempfile.mkdtemp(prefix='pts-mutate-')
    src, build, log = (os.path.join(tmp, 'src'), os.path.join(tmp, 'build'),
                       os.path.join(tmp, 'log'))
    os.makedirs(build)
    copy_tree(src)
    print('scratch copy: %s (log: %s)' % (tmp, log), flush=True)
    if (sh('autoreconf -fi', src, log) or
            sh('../src/configure -q', build, log) or
            sh('make -j2 && make -j2 check TESTS=', build, log)):
        sys.exit('mutate.py: the unmutated copy does not build (see log)')
    subsets = sorted({t for m in MUTATIONS for t in m[4].split()})
    if sh('make -j2 check TESTS="%s"' % ' '.join(subsets), build, log):
        sys.exit('mutate.py: the unmutated copy fails its tests (see log)')
    killed = survived = invalid = 0
    print('| # | file | mutation | tests | result |')
    print('|--:|------|----------|-------|--------|')
    for i, (path, old, new, why, tests) in enumerate(MUTATIONS, 1):
        if only and i not in only:
            continue
        target = os.path.join(src, path)
        with open(target) as f:
            text = f.read()
        with open(target, 'w') as f:
            f.write(text.replace(old, new, 1))
        if sh('make -j2 && make -j2 check TESTS=', build, log):
            result = 'INVALID (does not build)'
            invalid += 1
        else:
            cmd = ('make -j2 check' if full else
                   'make -j2 check TESTS="%s"' % tests)
            rc = sh(cmd, build, log, 600)
            if rc:
                result = 'killed' if rc != 124 else 'killed (timeout)'
                killed += 1
            else:
                result = 'SURVIVED'
                survived += 1
        with open(target, 'w') as f:
            f.write(text)
        print('| %d | %s | %s | %s | %s |' % (
            i, path, why, 'all' if full else tests.replace('tests/', ''),
            result), flush=True)
    total = killed + survived
    print('\n%d mutations, %d killed, %d survived, %d invalid: %.0f%% killed'
          % (total, killed, survived, invalid, 100.0 * killed / max(total, 1)))
    if not keep:
        shutil.rmtree(tmp)
    return 1 if survived else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
