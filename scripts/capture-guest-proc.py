#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Capture a real kernel's /proc/{buddyinfo,zoneinfo,pagetypeinfo} from a
Debian 12 guest booted under QEMU (TCG) with two NUMA nodes.

usage: scripts/capture-guest-proc.py [--kernel VMLINUZ] [--ptdump FILE]
                                     ARCH OUTDIR [MEM_MB]

ARCH is x86_64 or arm64 (tests/lib/guest.py: Debian's newest 6.1 kernel
and busybox, cached in build/vm-cache or $PTS_VM_CACHE).  The guest gets
MEM_MB (default 512) split evenly over two nodes with one CPU each, and
its boot script prints the three files between marker lines on the serial
console, one straight after the other; they are written to OUTDIR
unchanged (only the console's CR is dropped), with a SOURCE file naming
the kernel release and the QEMU command line.  Debian's arm64 kernel has
CONFIG_CMA=y with CONFIG_CMA_SIZE_MBYTES=64, so its zoneinfo shows a
non-zero `cma` line.  --kernel boots another kernel image of the arch
(e.g. Debian's bookworm-backports linux-image-6.12.*-arm64-16k, unpacked
with dpkg-deb -x).  --ptdump FILE also captures that debugfs file (e.g.
/sys/kernel/debug/page_tables/kernel on x86, kernel_page_tables on arm64)
as OUTDIR/ptdump, from a kernel built with CONFIG_PTDUMP_DEBUGFS (no
Debian kernel has it).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'tests', 'lib'))
import guest  # noqa: E402

FILES = ('buddyinfo', 'zoneinfo', 'pagetypeinfo')



def script(ptdump=None):
    """The guest's boot script: each file between marker lines."""
    text = ''.join('echo PTS-BEGIN %s; cat /proc/%s; echo PTS-END %s\n'
                   % (f, f, f) for f in FILES)
    if ptdump:
        text += ('mount -t debugfs none /sys/kernel/debug 2>/dev/null\n'
                 'echo PTS-BEGIN ptdump; cat %s; echo PTS-END ptdump\n'
                 % ptdump)
    return text


def numa_args(mem_mb):
    half = mem_mb // 2
    return ['-smp', '2',
            '-object', 'memory-backend-ram,id=m0,size=%dM' % half,
            '-object', 'memory-backend-ram,id=m1,size=%dM' % half,
            '-numa', 'node,nodeid=0,cpus=0,memdev=m0',
            '-numa', 'node,nodeid=1,cpus=1,memdev=m1']


def between(lines, name):
    """The console lines between PTS-BEGIN name and PTS-END name."""
    out, inside = [], False
    for line in lines:
        line = line.rstrip('\r\n')
        if line == 'PTS-BEGIN ' + name:
            inside, out = True, []
        elif line == 'PTS-END ' + name and inside:
            return out
        elif inside:
            out.append(line)
    raise RuntimeError('no complete %s on the console' % name)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '--kernel':
        image = sys.argv[2]
        guest.kernel = lambda arch: image  # the Guest's -kernel
        del sys.argv[1:3]
    ptdump = None
    if len(sys.argv) > 2 and sys.argv[1] == '--ptdump':
        ptdump = sys.argv[2]
        del sys.argv[1:3]
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    arch, outdir = sys.argv[1], sys.argv[2]
    mem_mb = int(sys.argv[3]) if len(sys.argv) == 4 else 512
    with guest.Guest(arch, mem_mb=mem_mb, extra_args=numa_args(mem_mb),
                     script=script(ptdump), boot_timeout=600) as g:
        with g.cond:
            lines = [x for x in g.lines if x is not None]
        # the run's own paths say nothing about the capture
        cmd = ' '.join(g.command_line()).replace(g.dir, 'GUESTDIR') \
            .replace(guest.CACHE, 'VMCACHE')
    release = os.path.basename(guest.kernel(arch))[len('vmlinuz-'):] or \
        open(os.path.join(guest.CACHE, arch, 'kernel-release')).read().strip()
    os.makedirs(outdir, exist_ok=True)
    for name in FILES + (('ptdump',) if ptdump else ()):
        with open(os.path.join(outdir, name), 'w') as f:
            f.write('\n'.join(between(lines, name)) + '\n')
    with open(os.path.join(outdir, 'SOURCE'), 'w') as f:
        f.write('Debian 12 linux-image-%s under QEMU (TCG), two NUMA nodes,'
                ' captured by scripts/capture-guest-proc.py\n%s\n'
                % (release, cmd))


if __name__ == '__main__':
    main()
