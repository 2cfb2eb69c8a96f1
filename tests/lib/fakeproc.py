# SPDX-License-Identifier: MIT
"""A /proc tree for --proc-root with processes and meminfo the test
chooses, written in the kernel's formats (proc(5))."""
import os


def write(root, procs, meminfo):
    """procs: (pid, comm, rss_kb, vm_pte_kb) tuples; meminfo: the file's
    text."""
    with open(os.path.join(root, 'meminfo'), 'w') as f:
        f.write(meminfo)
    for pid, comm, rss, pte in procs:
        d = os.path.join(root, str(pid))
        os.mkdir(d)
        with open(os.path.join(d, 'stat'), 'w') as f:
            # pid (comm) state ppid pgrp session tty tpgid flags ... field
            # 22 is the start time
            f.write('%d (%s) S 1 %d %d 0 -1 4194560 ' % (pid, comm, pid, pid)
                    + ' '.join(['0'] * 11) + ' 4242 0 0 0\n')
        with open(os.path.join(d, 'status'), 'w') as f:
            f.write('Name:\t%s\nVmRSS:\t%8d kB\nVmPTE:\t%8d kB\n'
                    % (comm, rss, pte))
