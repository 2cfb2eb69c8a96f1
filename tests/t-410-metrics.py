#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""/metrics an SRE can alert on: promtool-clean, VmPTE of attached
processes fresh at every scrape and gone when they exit, the API's number
per space, a bounded top-N, machine page tables, build info and request
durations."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import fakeproc
import ptstest
from ptstest import Daemon, TestCase, main, status_kb

CHILD = os.path.join(ptstest.BUILDDIR, 'tests', 'child-layout')


def promtool():
    p = shutil.which('promtool')
    if p is None:
        raise AssertionError('promtool is not installed (Debian package '
                             'prometheus; scripts/dev.sh installs it)')
    return p


def series(text, name):
    """{labels-string: value} of one metric name."""
    out = {}
    for m in re.finditer(r'^%s(\{[^}]*\})? (\S+)$' % re.escape(name), text,
                         re.M):
        out[m.group(1) or ''] = float(m.group(2))
    return out


class Metrics(TestCase):
    def scrape(self, d):
        st, h, body = d.get('/metrics')
        self.assertEqual(st, 200)
        return body.decode()

    def check_promtool(self, text):
        r = subprocess.run([promtool(), 'check', 'metrics'], input=text,
                           capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ''))

    def test_live_process_fresh_and_gone(self):
        child = subprocess.Popen([CHILD], stdout=subprocess.PIPE, text=True)
        try:
            pid = json.loads(child.stdout.readline())['pid']
            with Daemon() as d:
                st, b = d.post_json('/api/v1/spaces',
                                    {'kind': 'process', 'pid': pid})
                self.assertEqual(st, 201, b)
                key = '{pid="%d",comm="child-layout"}' % pid
                text = self.scrape(d)
                self.check_promtool(text)
                before = status_kb(pid, 'VmPTE') * 1024
                got = series(text, 'ptscope_process_page_table_bytes')
                self.assertEqual(got, {key: before})
                self.assertEqual(
                    series(text, 'ptscope_process_rss_bytes')[key] > 0, True)
                # grow: page 512 of the anon region starts a new pte table
                child.send_signal(signal.SIGUSR1)
                self.assertEqual(child.stdout.readline().strip(), 'ok')
                after = status_kb(pid, 'VmPTE') * 1024
                self.assertGreater(after, before)
                text = self.scrape(d)       # no API call in between
                got = series(text, 'ptscope_process_page_table_bytes')
                self.assertEqual(got, {key: after})
                # the reconstruction catches up on its interval and then
                # agrees with the kernel and with the API
                deadline = time.time() + 20
                sid = '{space="pid-%d",kind="process"}' % pid
                while True:
                    text = self.scrape(d)
                    v = series(text, 'ptscope_space_table_bytes').get(sid)
                    if v == after or time.time() > deadline:
                        break
                    time.sleep(0.2)
                self.assertEqual(v, after)
                st, sp = d.get_json('/api/v1/spaces/pid-%d' % pid)
                self.assertEqual(sp['page_table_bytes'], after)
                # exit: the series go with the process, at once
                child.terminate()
                child.wait(10)
                text = self.scrape(d)
                self.assertEqual(
                    series(text, 'ptscope_process_page_table_bytes'), {})
                self.assertEqual(series(text, 'ptscope_process_rss_bytes'),
                                 {})
                self.assertNotIn('pid-%d' % pid, text)
                self.check_promtool(text)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()

    def test_sim_agrees_with_api_no_fake_labels(self):
        with Daemon() as d:
            sid = d.new_sim('arm64-4k-48', scenario='process')
            for _ in range(3):
                d.get('/api/v1/info')
            # a request's duration is observed once its whole response has
            # gone out, which may be just after the client has read it
            text = ptstest.wait_for(
                lambda: (lambda t: t if series(
                    t, 'ptscope_http_request_duration_seconds_count').get(
                        '{route="info"}') == 3 else None)(self.scrape(d)),
                'the three info requests in the histogram')
            self.check_promtool(text)
            st, sp = d.get_json('/api/v1/spaces/' + sid)
            self.assertEqual(
                series(text, 'ptscope_space_table_bytes'),
                {'{space="%s",kind="sim"}' % sid: sp['page_table_bytes']})
            self.assertNotIn('pid="', ''.join(
                l for l in text.splitlines(True) if sid in l))
            # no sentinel values: every sample is >= 0
            for line in text.splitlines():
                if not line.startswith('#'):
                    self.assertGreaterEqual(float(line.rsplit(' ', 1)[1]),
                                            0, line)
            st, info = d.get_json('/api/v1/info')
            self.assertEqual(series(text, 'ptscope_build_info'),
                             {'{version="%s"}' % info['version']: 1})
            # the histogram counts the three info requests, cumulative
            # buckets, +Inf = count
            h = series(text, 'ptscope_http_request_duration_seconds_bucket')
            b = sorted((float(re.search(r'le="([^"]+)"', k).group(1)), v)
                       for k, v in h.items() if 'route="info"' in k)
            self.assertEqual([v for _, v in b], sorted(v for _, v in b))
            cnt = series(text, 'ptscope_http_request_duration_seconds_count')
            self.assertEqual(cnt['{route="info"}'], 3)
            self.assertEqual(b[-1], (float('inf'), 3))

    def test_top_n_and_machine(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        fakeproc.write(tmp.name, [(7, 'a "quoted" one', 100, 40),
                                  (8, 'big', 900, 800), (9, 'mid', 500, 300),
                                  (10, 'small', 50, 4)],
                       'MemTotal: 1000 kB\nPageTables: 2048 kB\n'
                       'AnonPages: 400 kB\nAnonHugePages: 100 kB\n')
        with Daemon(['--proc-root', tmp.name, '--metrics-top', '3']) as d:
            text = self.scrape(d)
            self.check_promtool(text)
            self.assertEqual(
                series(text, 'ptscope_top_process_page_table_bytes'),
                {'{pid="8",comm="big"}': 800 * 1024,
                 '{pid="9",comm="mid"}': 300 * 1024,
                 '{pid="7",comm="a \\"quoted\\" one"}': 40 * 1024})
            self.assertEqual(series(text, 'ptscope_page_tables_bytes'),
                             {'': 2048 * 1024})
            self.assertEqual(
                series(text, 'ptscope_processes_page_table_bytes'),
                {'': (40 + 800 + 300 + 4) * 1024})
            # no SecPageTables in this meminfo: no series
            self.assertNotIn('ptscope_secondary_page_tables_bytes ', text)
            self.assertEqual(
                series(text, 'ptscope_meminfo_bytes')
                ['{field="AnonHugePages"}'], 100 * 1024)
        r = subprocess.run([ptstest.PTSCOPE, 'serve', '--metrics-top',
                            '101'], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('metrics-top', r.stderr)


if __name__ == '__main__':
    main()
