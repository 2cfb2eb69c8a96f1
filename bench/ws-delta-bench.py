#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/ws-delta-bench.py: the daemon's memory for one big WebSocket
delta, streamed against rendered whole, side by side.

    bench/ws-delta-bench.py BUILDDIR [MIB]

For each mode (streamed, the default; PTSCOPE_STREAM_BYTES=off, the delta
rendered whole as cJSON and text) a daemon is started with
--history-bytes 1M (its ops then keep no history state: what the peak
grows by is the WebSocket's alone), a client (tests/ws-client, the
system's receive buffer) subscribes to the whole tree (depth 5) of an
empty x86_64-4l sim space, the daemon's peak RSS is reset
(/proc/PID/clear_refs 5), one op maps MIB (default 1024) MiB of 4 KiB
pages, and the client reads the delta; then one op unmaps them again.
Prints each delta's bytes, the seconds from the op to the whole delta
read, and how much the peak RSS (VmHWM) grew over the RSS before the op.
"""
import os
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))


def delta(ws):
    """The next delta's text."""
    while True:
        line = ws.recv_raw(600)
        if line is None or line == '#closed' or \
                line.startswith('{"type":"error"'):
            raise SystemExit('no delta: %r' % (line and line[:200]))
        if line.startswith('{"type":"delta"'):
            return line


def op(pts, d, sid, ws, **o):
    """One op: (its delta's bytes, seconds, peak RSS growth in MB)."""
    pid = d.proc.pid
    rss = pts.status_kb(pid, 'VmRSS')
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')
    t0 = time.monotonic()
    st, r = d.op(sid, va='0x7f0000000000', **o)
    if st != 200:
        raise SystemExit('op failed: %s' % r)
    text = delta(ws)
    return (len(text), time.monotonic() - t0,
            (pts.status_kb(pid, 'VmHWM') - rss) / 1024)


def run(pts, mode, size):
    env = {'PTSCOPE_STREAM_BYTES': 'off'} if mode == 'off' else {}
    with pts.Daemon(env=env, args=['--history-bytes', '1M']) as d:
        sid = d.new_sim('x86_64-4l', ram_mb=max(4096, 2 * size >> 20))
        with d.ws(rcvbuf=0) as ws:
            ws.send(dict(type='subscribe', space=sid, depth=5))
            while not (ws.recv_raw(60) or '').startswith(
                    '{"type":"snapshot"'):
                pass
            for name, o in (('map', dict(op='map', prot='rw',
                                         page_size='4k')),
                            ('unmap', dict(op='unmap'))):
                n, secs, grew = op(pts, d, sid, ws, size=hex(size), **o)
                print('| %s | %s | %d | %.2f | %.0f |'
                      % (mode, name, n, secs, grew))


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit('usage: %s BUILDDIR [MIB]' % sys.argv[0])
    build = os.path.abspath(sys.argv[1])
    os.environ['PTSCOPE'] = os.path.join(build, 'ptscope')
    os.environ['PTS_BUILDDIR'] = build
    os.environ['PTS_SRCDIR'] = SRC
    import ptstest	# (reads the environment above)
    mib = int(sys.argv[2]) if len(sys.argv) == 3 else 1024
    print('one op of %d MiB of 4 KiB pages under a depth-5 subscription; '
          '%d CPUs, load average %s' % (mib, os.cpu_count(),
                                       ' '.join(open('/proc/loadavg')
                                                .read().split()[:3])))
    print('| mode | op | delta bytes | seconds | peak RSS growth (MB) |')
    print('|---|---|---:|---:|---:|')
    for mode in ('streamed (default)', 'off'):
        run(ptstest, mode, mib << 20)


if __name__ == '__main__':
    main()
