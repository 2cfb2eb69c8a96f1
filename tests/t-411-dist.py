#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dist/: the Prometheus alert rules pass promtool (syntax and their unit
tests), the Grafana dashboard has the basics of Grafana's schema, and both
refer only to metrics the daemon exports."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import fakeproc
from ptstest import Daemon, TestCase, fixture, main

SRC = os.environ.get('PTS_SRCDIR', os.path.join(os.path.dirname(
    os.path.abspath(__file__)), '..'))
RULES = os.path.join(SRC, 'dist', 'ptscope-alerts.yml')
DASH = os.path.join(SRC, 'dist', 'grafana-dashboard.json')
PANEL_TYPES = {'timeseries', 'bargauge', 'stat', 'gauge', 'table',
               'heatmap', 'barchart', 'text'}


def promtool():
    p = shutil.which('promtool')
    if p is None:
        raise AssertionError('promtool is not installed (Debian package '
                             'prometheus; scripts/dev.sh installs it)')
    return p


def metric_names(expr):
    names = set(re.findall(r'\bptscope_[a-z0-9_]+', expr))
    return {re.sub(r'_(bucket|sum|count)$', '', n)
            if n.startswith('ptscope_http_request_duration') else n
            for n in names}


class Dist(TestCase):
    @classmethod
    def setUpClass(cls):
        """The names /metrics has HELP for, on a machine with every
        source: meminfo with SecPageTables, zones, --metrics-top."""
        cls.tmp = tempfile.TemporaryDirectory()
        fakeproc.write(cls.tmp.name, [(5, 'p', 100, 8)],
                       'MemTotal: 1000 kB\nPageTables: 64 kB\n'
                       'SecPageTables: 0 kB\nAnonPages: 10 kB\n'
                       'AnonHugePages: 0 kB\n')
        for f in ('buddyinfo', 'zoneinfo', 'pagetypeinfo'):
            shutil.copy(fixture('proc', 'vm', f), cls.tmp.name)
        with Daemon(['--proc-root', cls.tmp.name, '--metrics-top', '1']) as d:
            st, h, body = d.get('/metrics')
        cls.exported = set(re.findall(r'^# HELP (\S+)', body.decode(), re.M))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_rules_check(self):
        r = subprocess.run([promtool(), 'check', 'rules', RULES],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('SUCCESS: 5 rules found', r.stdout)

    def test_rules_fire_when_they_should(self):
        with tempfile.TemporaryDirectory() as t:
            shutil.copy(RULES, t)
            shutil.copy(fixture('alerts-test.yml'), t)
            r = subprocess.run([promtool(), 'test', 'rules',
                                os.path.join(t, 'alerts-test.yml')],
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_rules_use_exported_metrics(self):
        with open(RULES) as f:
            used = metric_names(f.read())
        self.assertTrue(used)
        self.assertLessEqual(used, self.exported)

    def test_dashboard_schema_basics(self):
        with open(DASH) as f:
            d = json.load(f)
        self.assertIsInstance(d['title'], str)
        self.assertRegex(d['uid'], r'^[a-zA-Z0-9_-]{1,40}$')
        self.assertIsInstance(d['schemaVersion'], int)
        names = [v['name'] for v in d['templating']['list']]
        self.assertIn('datasource', names)
        ids, exprs = set(), []
        for p in d['panels']:
            self.assertNotIn(p['id'], ids)
            ids.add(p['id'])
            self.assertIn(p['type'], PANEL_TYPES)
            self.assertTrue(p['title'])
            g = p['gridPos']
            self.assertTrue(all(isinstance(g[k], int) for k in 'hwxy'))
            self.assertLessEqual(g['x'] + g['w'], 24)
            self.assertTrue(p['targets'])
            for t in p['targets']:
                self.assertRegex(t['refId'], r'^[A-Z]$')
                exprs.append(t['expr'])
        used = set().union(*(metric_names(e) for e in exprs))
        self.assertLessEqual(used, self.exported)
        text = '\n'.join(exprs)
        # what the issue asks the dashboard to show
        for need in ('ptscope_process_page_table_bytes',
                     'ptscope_page_tables_bytes',
                     'ptscope_zone_free_pages',
                     'AnonHugePages'):
            self.assertIn(need, text)
        self.assertRegex(text, r'by \(zone, order\) \(ptscope_zone_free_pages')
        self.assertRegex(text, r'ptscope_zone_fragmentation_index\{order=~"9\|10"')


if __name__ == '__main__':
    main()
