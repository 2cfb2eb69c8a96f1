#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmpte-audit: ptscope's reconstructed page tables against VmPTE, for every
process of this machine (docs/live.md, "Where they still differ").

    scripts/vmpte-audit.py [--ptscope PATH] [--json]

Starts `ptscope serve` on an ephemeral port, attaches to every process it
may read, and prints per process: VmPTE, the reconstructed table bytes,
the difference in tables, and what could hold the missing tables:

  empty_spans   2 MiB spans (one pte table each) that an accessible VMA
                (not PROT_NONE) covers, in part or whole, without one
                present or swap entry: a table the
                kernel kept after MADV_DONTNEED, MADV_FREE reclaim or a
                partial munmap (freed only with CONFIG_PT_RECLAIM and a
                whole-span MADV_DONTNEED, or by munmap of the whole span);
  pfnmap_spans  2 MiB spans touched only by VM_PFNMAP/VM_IO mappings
                ([vvar], [vvar_vclock], device maps), whose ptes pagemap
                does not report.
A process is "explained" when its shortfall is at most empty_spans +
pfnmap_spans (upper bounds: an empty span may have had its table freed).
Run it twice: a process that changed between its reads differs by chance.
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time

PMD = 2 << 20


def request(port, method, path, body=None):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    hdr = {'Host': '127.0.0.1:%d' % port}
    if body is not None:
        hdr['Content-Type'] = 'application/json'
        body = json.dumps(body)
    c.request(method, path, body, hdr)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def start(ptscope):
    p = subprocess.Popen([ptscope, 'serve', '--listen', '127.0.0.1:0',
                          '--quiet'], stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        m = re.match(r'http: http://127\.0\.0\.1:(\d+)/', line)
        if m:
            return p, int(m.group(1))
    raise SystemExit('ptscope serve did not start')


def maps(pid):
    out = []
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            a, rest = line.split('-', 1)
            b = rest.split()[0]
            f = line.split(None, 5)
            name = f[5].strip() if len(f) > 5 else ''
            out.append((int(a, 16), int(b, 16), f[1], name))
    return out


def spans(lo, hi):
    return range(lo // PMD, (hi - 1) // PMD + 1)


def audit(port, pid):
    st, sp = request(port, 'POST', '/api/v1/spaces',
                     {'kind': 'process', 'pid': pid})
    if st not in (200, 201):
        return None
    sid = sp['id']
    try:
        st, info = request(port, 'GET', '/api/v1/spaces/' + sid)
        st2, rg = request(port, 'GET', '/api/v1/spaces/%s/ranges' % sid)
        vm = maps(pid)
    except (OSError, ValueError):
        return None
    finally:
        request(port, 'DELETE', '/api/v1/spaces/' + sid)
    if st != 200 or st2 != 200 or info['kernel'].get('vm_pte_kb') is None:
        return None
    leaf = set()
    for r in rg['ranges']:
        leaf.update(spans(int(r['start'], 16), int(r['end'], 16)))
    covered, pfnmap = set(), set()
    for a, b, perms, name in vm:
        if a >= 1 << 47 or perms.startswith('---'):
            continue             # [vsyscall] (kernel half); PROT_NONE
                                 # (guards, reservations: never faulted)
        s = set(spans(a, b))
        if name in ('[vvar]', '[vvar_vclock]') or name.startswith('/dev/'):
            pfnmap |= s
        else:
            covered |= s
    short = (info['kernel']['vm_pte_kb'] -
             info['reconstructed']['table_kb']) // 4
    return {'pid': pid, 'comm': info.get('comm'),
            'vm_pte_kb': info['kernel']['vm_pte_kb'],
            'table_kb': info['reconstructed']['table_kb'],
            'short_tables': short,
            'empty_spans': len(covered - leaf),
            'pfnmap_spans': len(pfnmap - leaf - covered),
            'tables': info['reconstructed']['tables']}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ptscope', default=os.path.join(os.getcwd(),
                                                      'ptscope'))
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    p, port = start(args.ptscope)
    rows = []
    try:
        for d in sorted(os.listdir('/proc'), key=lambda x: (len(x), x)):
            if d.isdigit() and int(d) != p.pid:
                r = audit(port, int(d))
                if r:
                    rows.append(r)
    finally:
        p.terminate()
        p.wait(10)
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        return
    agree = sum(r['short_tables'] == 0 for r in rows)
    short = [r for r in rows if r['short_tables'] > 0]
    over = [r for r in rows if r['short_tables'] < 0]
    expl = [r for r in short
            if r['short_tables'] <= r['empty_spans'] + r['pfnmap_spans']]
    for r in short + over:
        print('%7d %-16s VmPTE %6d kB  ours %6d kB  short %3d tables  '
              'empty spans %3d  pfnmap spans %d' % (
                  r['pid'], r['comm'], r['vm_pte_kb'], r['table_kb'],
                  r['short_tables'], r['empty_spans'], r['pfnmap_spans']))
    print('%d processes: %d agree, %d short (%d within empty+pfnmap '
          'spans), %d over' % (len(rows), agree, len(short), len(expl),
                               len(over)))


if __name__ == '__main__':
    main()
