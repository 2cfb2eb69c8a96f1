#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/soak.py: a long mixed load on one daemon, RSS sampled each second.

    python3 bench/soak.py [--duration 600] [--build DIR] [--out FILE]

Starts the daemon built in DIR (default: the current directory) on
loopback with ephemeral ports, then for DURATION seconds runs at once:
HTTP workers (info, spaces, tree, walk, ranges, regions, metrics, zones,
sim ops, sim create/delete, small ptdump uploads), WebSocket clients that
subscribe to sim spaces, zones and live processes and reconnect every few
seconds, and a process churner that starts short-lived children
(tests/child-layout), attaches, reads, kills and detaches them.  A
sampler reads the daemon's VmRSS every second.  Prints (and with --out
writes) a JSON summary: requests served, errors (5xx, exceptions, or an
unexpected status), WS messages, attaches, RSS min/max/first/last.
Not run by make check (docs/reliability.md has the results).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time

T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, 'tests', 'lib'))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {}
        self.errors = []

    def add(self, key, n=1):
        with self.lock:
            self.c[key] = self.c.get(key, 0) + n

    def error(self, what):
        with self.lock:
            self.c['errors'] = self.c.get('errors', 0) + 1
            if len(self.errors) < 20:
                self.errors.append('%.0fs %s' % (time.time() - T0, what))


def rss_kb(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


PTDUMP = ('---[ vmalloc() Area ]---\n' + ''.join(
    '0x%016x-0x%016x           4K     %s                 GLB NX pte\n'
    % (0xffffc90000000000 + i * 4096, 0xffffc90000001000 + i * 4096,
       'RW' if i % 2 else 'ro') for i in range(200)))


def http_worker(d, st, stop, seed):
    rnd = random.Random(seed)
    sims = []

    def req(method, path, body=None, want=(200,), hdrs=None):
        try:
            code, h, data = d.request(method, path, body, hdrs or (
                {'Content-Type': 'application/json'}
                if body is not None else None))
        except Exception as e:  # noqa: counted
            st.error('%s %s: %r' % (method, path, e))
            return None, None
        st.add('requests')
        if code >= 500 or code not in want:
            st.error('%s %s: %d %s' % (method, path, code, data[:120]))
        return code, data

    while not stop.is_set():
        k = rnd.random()
        if not sims or k < 0.03:
            code, data = req('POST', '/api/v1/spaces',
                             {'kind': 'sim', 'arch': rnd.choice(
                                 ['x86_64-4l', 'arm64-4k-48', 'riscv-sv39',
                                  'armv7-2l', 'x86_64-5l']),
                              'scenario': rnd.choice(['empty', 'process'])},
                             (201,))
            if code == 201:
                sims.append(json.loads(data)['id'])
            continue
        sid = rnd.choice(sims)
        if (k < 0.05 and len(sims) > 2) or len(sims) > 8:
            sims.remove(sid)
            req('DELETE', '/api/v1/spaces/' + sid, want=(204,))
        elif k < 0.25:
            va = 0x40000000 + rnd.randrange(64) * 0x200000
            req('POST', '/api/v1/spaces/%s/ops' % sid,
                {'op': rnd.choice(['map', 'map', 'unmap', 'protect']),
                 'va': hex(va), 'size': hex(rnd.choice([0x1000, 0x200000])),
                 'prot': rnd.choice(['r', 'rw'])}, (200, 400, 409, 507))
        elif k < 0.45:
            req('GET', '/api/v1/spaces/%s/tree?depth=%d'
                % (sid, rnd.randrange(4)))
        elif k < 0.55:
            req('GET', '/api/v1/spaces/%s/walk?va=0x%x'
                % (sid, 0x40000000 + rnd.randrange(1 << 16) * 4096))
        elif k < 0.62:
            req('GET', '/api/v1/spaces/%s/ranges' % sid)
        elif k < 0.66:
            req('GET', '/api/v1/spaces/%s/zones' % sid)
        elif k < 0.72:
            req('GET', '/metrics')
        elif k < 0.78:
            req('GET', '/api/v1/zones')
        elif k < 0.80:
            code, data = req('POST', '/api/v1/ptdump?arch=x86_64-4l',
                             PTDUMP, (201,), {'Content-Type': 'text/plain',
                                              'X-Ptscope': '1'})
            if code == 201:
                req('DELETE', '/api/v1/spaces/' + json.loads(data)['id'],
                    want=(204,))
        elif k < 0.83:
            req('GET', '/api/v1/processes')
        else:
            req('GET', rnd.choice(['/api/v1/info', '/api/v1/spaces',
                                   '/api/v1/arches', '/']))


def ws_worker(d, st, stop, seed):
    rnd = random.Random(seed)
    while not stop.is_set():
        try:
            code, o = d.get_json('/api/v1/spaces')
            ids = [s['id'] for s in o['spaces']]
            ws = d.ws()
        except Exception as e:  # noqa
            st.error('ws open: %r' % e)
            time.sleep(1)
            continue
        st.add('ws_connections')
        subs = rnd.sample(ids, min(3, len(ids))) + ['zones']
        for s in subs:
            ws.send({'type': 'subscribe', 'space': s, 'depth': 2,
                     'interval_ms': 200})
        end = time.time() + rnd.uniform(2, 8)
        while time.time() < end and not stop.is_set():
            m = ws.recv(0.5)
            if m is None:
                continue
            st.add('ws_messages')
            if m.get('type') == 'error' and m['error']['code'] not in (
                    'no_such_space', 'process_exited'):
                st.error('ws: %s' % m)
        ws.close()


def churn_worker(d, st, stop, child):
    while not stop.is_set():
        p = subprocess.Popen([child], stdout=subprocess.PIPE)
        p.stdout.readline()
        try:
            code, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                     'pid': p.pid})
            st.add('requests')
            if code == 201:
                st.add('attaches')
                sid = o['id']
                for path in ('tree?depth=3', 'regions', 'ranges'):
                    code, h, b = d.get('/api/v1/spaces/%s/%s' % (sid, path))
                    st.add('requests')
                    if code != 200:
                        st.error('live %s: %d' % (path, code))
                time.sleep(random.uniform(0.1, 1.5))
                p.kill()
                p.wait()
                time.sleep(0.15)
                code, h, b = d.get('/api/v1/spaces/%s/tree' % sid)
                st.add('requests')
                if code != 404:
                    st.error('after exit: %d' % code)
                code, h, b = d.delete('/api/v1/spaces/' + sid)
                st.add('requests')
                st.add('detaches')
            else:
                st.error('attach: %d %s' % (code, o))
        except Exception as e:  # noqa
            st.error('churn: %r' % e)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--duration', type=float, default=600)
    ap.add_argument('--build', default='.')
    ap.add_argument('--http', type=int, default=4)
    ap.add_argument('--ws', type=int, default=4)
    ap.add_argument('--out')
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    os.environ.setdefault('PTSCOPE', os.path.join(build, 'ptscope'))
    os.environ.setdefault('PTS_BUILDDIR', build)
    os.environ.setdefault('PTS_SRCDIR', SRC)
    import ptstest
    d = ptstest.Daemon(args=['--quiet']).start()
    print('daemon pid %d: %s %s' % (d.proc.pid, d.http_url, d.ws_url),
          file=sys.stderr, flush=True)
    st = Stats()
    stop = threading.Event()
    samples = []

    def sampler():
        while not stop.is_set():
            r = rss_kb(d.proc.pid)
            if r:
                samples.append(r)
            time.sleep(1)
    ts = [threading.Thread(target=sampler)]
    ts += [threading.Thread(target=http_worker, args=(d, st, stop, i))
           for i in range(a.http)]
    ts += [threading.Thread(target=ws_worker, args=(d, st, stop, 100 + i))
           for i in range(a.ws)]
    child = os.path.join(build, 'tests', 'child-layout')
    if os.path.exists(child):
        ts.append(threading.Thread(target=churn_worker,
                                   args=(d, st, stop, child)))
    t0 = time.time()
    for t in ts:
        t.start()
    try:
        while time.time() - t0 < a.duration:
            time.sleep(1)
    finally:
        stop.set()
        for t in ts:
            t.join(60)
    dur = time.time() - t0
    rc = None
    stop_error = None
    try:
        rc = d.stop()
    except AssertionError as e:
        stop_error = str(e)[-2000:]
        st.error('daemon stop')
    res = dict(duration_s=round(dur, 1), requests=st.c.get('requests', 0),
               errors=st.c.get('errors', 0),
               ws_connections=st.c.get('ws_connections', 0),
               ws_messages=st.c.get('ws_messages', 0),
               attaches=st.c.get('attaches', 0),
               detaches=st.c.get('detaches', 0),
               rss_kb_min=min(samples) if samples else None,
               rss_kb_max=max(samples) if samples else None,
               rss_kb_first=samples[0] if samples else None,
               rss_kb_last=samples[-1] if samples else None,
               rss_samples=len(samples), exit_status=rc,
               first_errors=st.errors, stop_error=stop_error,
               command=' '.join(sys.argv))
    print(json.dumps(res, indent=1))
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(dict(res, rss_kb=samples), f)
    return 1 if res['errors'] or rc != 0 else 0


if __name__ == '__main__':
    sys.exit(main())
