#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mutate.py BUILDDIR: a mutation round over the parsers, diff, live flags
and limits.  Each mutation is one changed line of one source file; the
mutated file is compiled on its own in a temporary directory and linked,
ahead of BUILDDIR/libptscope.a, into the Check program that should notice
(tests/check_bite.c by default), which is run.  Killed = the program fails.
The work tree is never changed.  Prints each result and the score."""
import os
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INC = ['lib', 'model', 'backends/sim', 'backends/proc', 'backends/ptdump',
       'server']

# (file, original text, mutated text, why it matters)
MUTATIONS = [
    ('backends/proc/procfs-scan.h', '(UINT64_C(1) << 55)', '(UINT64_C(1) << 54)', 'soft-dirty bit number'),
    ('backends/proc/procfs-scan.c', 'if (w & PM_SOFT_DIRTY)', 'if (w & PM_UFFD_WP)', 'uffd-wp taken for soft-dirty'),
    ('backends/proc/procfs-scan.c', 'if (w & PM_SWAP)\n\t\tc |= PSC_SWAPPED;', 'if (w & PM_FILE)\n\t\tc |= PSC_SWAPPED;', 'swapped from the file bit'),
    ('backends/proc/procfs-scan.c', 'if (!(w & (PM_PRESENT | PM_SWAP)))', 'if (!(w & PM_PRESENT))', 'swapped words dropped'),
    ('backends/proc/procfs-scan.c', 'if (w & PM_GUARD_REGION)', 'if (w & PM_MMAP_EXCLUSIVE)', 'guard from exclusive'),
    ('backends/proc/procfs-scan.c', 'if (w & PM_FILE)', 'if (!(w & PM_FILE))', 'file inverted'),
    ('backends/proc/procfs-scan.h', '#define PSC_SOFT_DIRTY\t(1u << 7)', '#define PSC_SOFT_DIRTY\t(1u << 6)', 'PAGE_IS_SOFT_DIRTY value'),
    ('server/request.c', "*s == '-' ||", '', '"-1" accepted'),
    ('server/request.c', "*s == ' ')", "0)", 'leading space accepted'),
    ('server/request.c', 'd > PT_NLEVELS', 'd >= PT_NLEVELS', 'depth 5 refused'),
    ('server/request.c', 'd > PT_NLEVELS', 'd > PT_NLEVELS + 1', 'depth 6 accepted'),
    ('server/registry.c', 'r->n >= r->max_spaces', 'r->n > r->max_spaces', '--max-spaces off by one'),
    ('server/registry.c', 'r->n >= r->max_spaces', 'r->n + 1 >= r->max_spaces', '--max-spaces one short'),
    ('server/registry.c', 'r->n--;', '', 'remove keeps the count'),
    ('backends/proc/procfs-maps.c', 'if (maj > UINT32_MAX || min > UINT32_MAX)', 'if (maj > UINT32_MAX)', 'minor range check'),
    ('backends/proc/procfs-maps.c', 'if (maj > UINT32_MAX || min > UINT32_MAX)', 'if (min > UINT32_MAX)', 'major range check'),
    ('backends/proc/procfs-maps.c', 'v->dev_minor = (unsigned)min;', 'v->dev_minor = (unsigned)maj;', 'minor from major'),
    ('server/diff.c', 'a->flags != b->flags ||', '', 'delta ignores flags'),
    ('server/diff.c', 'a->pa != b->pa', 'a->pa != b->pa + 0', 'equivalent: + 0'),
    ('server/diff.c', 'if (old == NULL || children_differ(old, new)) {', 'if (1) {', 'always the whole table'),
    ('server/diff.c', 'return strcmp(a, b) != 0;', 'return 0;', 'attrs never differ'),
    ('server/diff.c', 'a->expanded != b->expanded || a->nchildren != b->nchildren', 'a->expanded != b->expanded', 'child count ignored'),
    ('server/diff.c', 'if (old == NULL && new == NULL)\n\t\treturn 0;', 'if (old == NULL && new == NULL)\n\t\treturn 1;', 'nothing counted as one'),
    ('backends/proc/procfs-maps.c', 'maps_lit(pp, \':\')', 'maps_lit(pp, \'-\')', 'device separator'),
    ('server/request.c', "*s == '+' ||", '', '"+1" accepted (equivalent if strtoull refuses it? no: it takes it)'),
]


def cflags(build):
    out = ['-DHAVE_CONFIG_H', '-I' + build, '-I' + SRC]
    out += ['-I' + os.path.join(SRC, d) for d in INC]
    pc = subprocess.run(['pkg-config', '--cflags', '--libs', 'libmicrohttpd',
                         'libcjson', 'libwebsockets', 'check'],
                        capture_output=True, text=True).stdout.split()
    return out, pc


def run(build, test='tests/check_bite.c'):
    flags, pc = cflags(build)
    killed = survived = 0
    for path, old, new, why in MUTATIONS:
        with open(os.path.join(SRC, path)) as f:
            text = f.read()
        if text.count(old) < 1:
            print('SKIP  %-32s %s (text not found)' % (path, why))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            # a mutated header goes first on the include path
            name = os.path.basename(path)
            mut = os.path.join(tmp, name)
            with open(mut, 'w') as f:
                f.write(text.replace(old, new, 1))
            objs = []
            if path.endswith('.h'):
                # recompile the .c files that include it
                # copied beside it: "..." includes look there first
                srcs = []
                for c in (path[:-2] + '.c', 'backends/proc/procfs-tree.c'):
                    dst = os.path.join(tmp, os.path.basename(c))
                    with open(os.path.join(SRC, c)) as f, \
                            open(dst, 'w') as g:
                        g.write(f.read())
                    srcs.append(dst)
            else:
                srcs = [mut]
            ok = True
            for i, s in enumerate(srcs):
                o = os.path.join(tmp, '%d.o' % i)
                r = subprocess.run(['gcc', '-c', '-I' + tmp] + flags +
                                   pc + ['-o', o, s], capture_output=True)
                ok = ok and r.returncode == 0
                objs.append(o)
            exe = os.path.join(tmp, 'check')
            if ok:
                r = subprocess.run(['gcc', '-I' + tmp] + flags +
                                   ['-o', exe, os.path.join(SRC, test)] +
                                   objs + [os.path.join(build,
                                                        'libptscope.a')] +
                                   pc + ['-lm'], capture_output=True)
                ok = r.returncode == 0
            if not ok:
                print('KILLED %-32s %s (does not build)' % (path, why))
                killed += 1
                continue
            r = subprocess.run([exe], capture_output=True, timeout=120,
                               env=dict(os.environ, CK_FORK='yes'))
            if r.returncode != 0:
                killed += 1
                print('KILLED %-32s %s' % (path, why))
            else:
                survived += 1
                print('SURVIVED %-30s %s' % (path, why))
    total = killed + survived
    print('%d mutations, %d killed, %d survived: %.0f%%'
          % (total, killed, survived, 100.0 * killed / max(total, 1)))
    return survived


if __name__ == '__main__':
    run(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, 'build'))
