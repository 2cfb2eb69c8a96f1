#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/stream-diff-bench.py: the daemon's memory for one big diff and one
big ptdump text, streamed against built whole, side by side.

    python3 bench/stream-diff-bench.py BUILDDIR [N]

For each mode (PTSCOPE_STREAM_BYTES=0: everything streamed; unset: the
default, answers over 8 MiB streamed; off: built whole, as before streaming
existed) a daemon is started and attached to a tests/child-layout that
then writes every other page of 2N pages (N isolated present pages, default
50,000): one GET .../ranges?format=ptdump (about 2N lines) and one GET
.../diff of the two generations (N changes) are read.  Before each the
daemon's peak RSS is reset (/proc/PID/clear_refs 5); printed: the answer's
bytes, seconds, and how much the peak RSS (VmHWM) grew over VmRSS before.
"""
import http.client
import os
import sys
import time

if len(sys.argv) not in (2, 3):
    sys.exit('usage: %s BUILDDIR [N]' % sys.argv[0])
B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) == 3 else 50000
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ['PTSCOPE'] = os.path.join(B, 'ptscope')
os.chdir(B)
sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))
from ptstest import CommandChild, Daemon, wait_for, \
    status_kb as kb  # noqa: E402


def read_all(d, path):
    """GET path, read in 1 MiB pieces and dropped: (bytes, seconds)."""
    t0 = time.time()
    c = http.client.HTTPConnection(d.host, d.port, timeout=600)
    c.request('GET', path)
    r = c.getresponse()
    n = 0
    while True:
        piece = r.read(1 << 20)
        if not piece:
            break
        n += len(piece)
    c.close()
    return n, time.time() - t0


def run(mode):
    child = CommandChild()
    env = {} if mode is None else {'PTSCOPE_STREAM_BYTES': mode}
    rows = []
    with Daemon(env=env) as d:
        st, sp = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                'pid': child.pid})
        sid, g0 = sp['id'], sp['generation']
        child.cmd('stripes %d' % N)

        def moved():
            st, h = d.get_json('/api/v1/spaces/%s/history' % sid)
            return h['generations'][-1]['generation'] > g0 and h
        g1 = wait_for(moved, 'a new generation', 60)['generations'][-1][
            'generation']
        pid = d.proc.pid
        # (the ptdump first: memory the whole diff frees would be reused)
        for q in ('ranges?format=ptdump', 'diff?from=%d&to=%d' % (g0, g1)):
            rss = kb(pid, 'VmRSS')
            with open('/proc/%d/clear_refs' % pid, 'w') as f:
                f.write('5')
            n, secs = read_all(d, '/api/v1/spaces/%s/%s' % (sid, q))
            rows.append('| %s | %s | %d | %.2f | %d | %d |' % (
                q.split('?')[0] if q.startswith('diff') else 'ptdump',
                {None: 'default (8 MiB)', '0': 'all streamed (0)',
                 'off': 'built whole (off)'}[mode], n, secs, rss // 1024,
                (kb(pid, 'VmHWM') - rss) // 1024))
    child.close()
    return rows


print('%d isolated pages; %d CPUs, load average %s' % (
    N, os.cpu_count(), ' '.join(open('/proc/loadavg').read().split()[:3])))
print('| answer | mode | bytes | seconds | RSS before (MB) | peak RSS growth (MB) |')
print('|---|---|---:|---:|---:|---:|')
for m in ('0', None, 'off'):
    for row in run(m):
        print(row, flush=True)
