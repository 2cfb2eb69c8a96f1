# SPDX-License-Identifier: MIT
"""ptscope record and recording spaces, with children the test controls
(tests/child-layout --commands):
- touch 512 pages, then MADV_COLLAPSE: the recording shows the pte table
  replaced by a pmd block (diff: 512 ptes gone, one pmd block, a table
  freed);
- fork, then a write in the child: the written page is exclusive again in
  the parent (PM_MMAP_EXCLUSIVE: the child has its own copy), the others
  stay shared;
- record -- CMD starts at exec: the first generation has no heap;
- a reader holding the file's shared lock only delays the recorder;
- the file opens with Python's sqlite3, is served by serve --open and
  POST /api/v1/spaces, the same after a daemon restart; a truncated or
  foreign file is a clear error."""
import base64
import os
import sqlite3
import subprocess
import tempfile

import ptstest
from ptstest import CommandChild as Commands, Daemon, TestCase, main, wait_for

CHILD = ptstest.CHILD_LAYOUT
PTSCOPE = os.path.join(ptstest.BUILDDIR, 'ptscope')
PG = 4096
MiB = 1 << 20


def rows(path, sql, args=()):
    if not os.path.exists(path):
        return []
    try:
        db = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
    except sqlite3.OperationalError:
        return []       # not created yet
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:
        return []       # being created
    finally:
        db.close()


def leaves_at(path, gen, lo, hi):
    """(level, va, kind, flags) of the recorded leaves in [lo, hi) alive at
    generation gen, straight from the items table."""
    out = rows(path, "SELECT level, va, kind, flags FROM items WHERE list < 5"
               " AND kind IN ('page', 'block') AND born <= ? AND"
               " (died IS NULL OR died > ?)", (gen, gen))
    return sorted((lv, int(va, 16), k, set(f.split()))
                  for lv, va, k, f in out if lo <= int(va, 16) < hi)


class Record(TestCase):
    def setUp(self):
        if not os.path.exists(CHILD):
            self.skipTest('tests/child-layout is not built')
        if not os.path.exists('/proc/self/pagemap'):
            self.skipTest('no pagemap')
        self.tmp = tempfile.mkdtemp(prefix='pts-rec-')
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            for f in (p.stdin, p.stdout, p.stderr):
                if f and not f.closed:
                    f.close()

    def record_pid(self, pid, name, *extra):
        out = os.path.join(self.tmp, name)
        p = subprocess.Popen([PTSCOPE, 'record', '--pid', str(pid), '-o', out,
                              '--interval', '20'] + list(extra),
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        wait_for(lambda: rows(out, 'SELECT 1 FROM generations'),
                 'the first generation', 20)
        return p, out

    def last_gen(self, path):
        r = rows(path, 'SELECT max(generation) FROM generations')
        return r[0][0] if r else 0

    def gen_where(self, path, pred, what):
        def find():
            g = self.last_gen(path)
            return g if g and pred(g) else None
        return wait_for(find, what, 20)

    def child(self):
        c = Commands()
        self.addCleanup(c.close)
        return c

    def api(self, d, path):
        st, j = d.get_json(path)
        self.assertEqual(st, 200, (path, j))
        return j

    def test_collapse_replaces_pte_table_by_pmd_block(self):
        c = self.child()
        region = int(c.cmd('region').split()[1], 16)
        rec, out = self.record_pid(c.pid, 'collapse.db')
        self.assertEqual(c.cmd('touch 512'), 'ok')
        span = (region, region + 2 * MiB)
        g1 = self.gen_where(out, lambda g: len(leaves_at(out, g, *span)) ==
                            512, '512 ptes in the recording')
        ans = c.cmd('collapse')
        if ans != 'ok':
            self.skipTest('MADV_COLLAPSE refused: ' + ans)
        g2 = self.gen_where(out, lambda g: [x[:3] for x in
                            leaves_at(out, g, *span)] ==
                            [('pmd', region, 'block')], 'the pmd block')
        c.close()
        self.assertEqual(rec.wait(20), 0, rec.stderr.read())
        # every generation in between: 512 ptes or the block, nothing else
        with Daemon(['--open', out]) as d:
            st, sp = d.get_json('/api/v1/spaces')
            rid = [s for s in sp['spaces'] if s['kind'] == 'recording'][0]['id']
            df = self.api(d, '/api/v1/spaces/%s/diff?from=%d&to=%d'
                          % (rid, g1, g2))
            mine = [x for x in df['changes']
                    if span[0] <= int(x['va'], 16) < span[1]]
            self.assertEqual(
                [(x['level'], x['va'], x['end'], x['entries'],
                  x['before'] is None, x['after'] is None) for x in mine],
                [('pmd', hex(region), hex(region + 2 * MiB), 1, True, False),
                 ('pte', hex(region), hex(region + 2 * MiB), 512, False, True)])
            self.assertEqual(mine[0]['after']['kind'], 'block')
            self.assertIn('thp', mine[0]['after']['flags'])
            self.assertGreaterEqual(df['tables']['freed'], 1)
            # the pte table is there at g1 and gone at g2
            st, t = d.get_json('/api/v1/spaces/%s/tree?node=pte:%#x'
                               '&generation=%d' % (rid, region, g1))
            self.assertEqual(st, 200, t)
            self.assertEqual(len(t['node']['children']), 512)
            st, t = d.get_json('/api/v1/spaces/%s/tree?node=pte:%#x'
                               '&generation=%d' % (rid, region, g2))
            self.assertEqual(st, 404, t)
            w = self.api(d, '/api/v1/spaces/%s/walk?va=%#x&generation=%d'
                         % (rid, region + 5 * PG, g2))
            self.assertEqual((w['steps'][-1]['level'],
                              w['steps'][-1]['kind']), ('pmd', 'block'))

    def test_a_reader_holding_the_file_does_not_stop_the_recording(self):
        # a reader inside a read transaction holds SQLite's shared lock
        # (rollback journal): the recorder's commits wait for it instead
        # of failing with "database is locked"
        c = self.child()
        region = int(c.cmd('region').split()[1], 16)
        rec, out = self.record_pid(c.pid, 'reader.db')
        g0 = self.last_gen(out)
        db = sqlite3.connect(out, isolation_level=None)
        try:
            db.execute('BEGIN')
            db.execute('SELECT count(*) FROM items').fetchall()
            self.assertEqual(c.cmd('touch 8'), 'ok')
            # until the recorder's commit of the touch waits on our lock
            # (its journal is there) or it gave up (exited)
            wait_for(lambda: rec.poll() is not None or
                     os.path.exists(out + '-journal'), 'a waiting commit')
            self.assertIsNone(rec.poll(), rec.stderr.read()
                              if rec.poll() is not None else '')
        finally:
            db.execute('COMMIT')
            db.close()
        g = self.gen_where(out, lambda g: len(leaves_at(
            out, g, region, region + 8 * PG)) == 8, 'the 8 pages')
        self.assertGreater(g, g0)
        c.close()
        self.assertEqual(rec.wait(20), 0, rec.stderr.read())

    def test_fork_then_child_write_unshares_the_page(self):
        c = self.child()
        region = int(c.cmd('region').split()[1], 16)
        self.assertEqual(c.cmd('touch 8'), 'ok')
        rec, out = self.record_pid(c.pid, 'fork.db')
        span = (region, region + 8 * PG)

        def excl(g):
            return [('exclusive' in f) for _, _, _, f in
                    leaves_at(out, g, *span)]
        g0 = self.gen_where(out, lambda g: excl(g) == [True] * 8,
                            'exclusive pages')
        self.assertTrue(c.cmd('fork').startswith('ok'))
        g1 = self.gen_where(out, lambda g: excl(g) == [False] * 8,
                            'pages shared after fork')
        self.assertEqual(c.cmd('childwrite 3'), 'ok')
        want = [False] * 8
        want[3] = True
        g2 = self.gen_where(out, lambda g: excl(g) == want,
                            'page 3 exclusive again')
        c.close()
        rec.wait(20)
        with Daemon() as d:
            st, s = d.post_json('/api/v1/spaces', {'kind': 'recording',
                                                   'path': out})
            self.assertEqual(st, 201, s)
            rid = s['id']
            df = self.api(d, '/api/v1/spaces/%s/diff?from=%d&to=%d'
                          % (rid, g1, g2))
            mine = [x for x in df['changes']
                    if span[0] <= int(x['va'], 16) < span[1]]
            self.assertEqual([(x['va'], x['end']) for x in mine],
                             [(hex(region + 3 * PG), hex(region + 4 * PG))])
            self.assertNotIn('exclusive', mine[0]['before']['flags'])
            self.assertIn('exclusive', mine[0]['after']['flags'])
            h = self.api(d, '/api/v1/spaces/%s/history' % rid)
            gens = [x['generation'] for x in h['generations']]
            self.assertIn(g0, gens)
            self.assertEqual(h['generations'][0]['caption'],
                             'attach pid %d' % c.pid)

    def test_record_cmd_starts_at_exec(self):
        out = os.path.join(self.tmp, 'exec.db')
        p = subprocess.Popen([PTSCOPE, 'record', '-o', out, '--interval',
                              '20', '--', CHILD, '--commands'],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        c = Commands(p)     # the child's own stdio goes through record
        region = int(c.cmd('region').split()[1], 16)
        self.assertEqual(c.cmd('touch 4'), 'ok')
        self.gen_where(out, lambda g: len(leaves_at(out, g, region,
                       region + 4 * PG)) == 4, 'the touched pages')
        c.close()
        self.assertEqual(p.wait(20), 0, p.stderr.read())
        first = rows(out, 'SELECT generation, caption FROM generations '
                     'ORDER BY generation LIMIT 1')[0]
        self.assertEqual(first[1], 'exec %s --commands' % CHILD)
        names = lambda g: set(n for (n,) in rows(
            out, "SELECT name FROM items WHERE list < 5 AND born <= ? AND"
            " (died IS NULL OR died > ?) AND name IS NOT NULL", (g, g)))
        at_exec = names(first[0])
        self.assertNotIn('[heap]', at_exec)
        self.assertIn('[stack]', at_exec)
        self.assertIn(CHILD, at_exec)       # the ELF the kernel mapped
        # printf's buffer is on the heap: a later generation has it
        self.assertIn('[heap]', names(self.last_gen(out)))
        meta = dict(rows(out, 'SELECT key, value FROM meta'))
        self.assertEqual(meta['command'], CHILD + ' --commands')
        self.assertEqual(rows(out, 'SELECT version FROM ptscope_recording'),
                         [(1,)])

    def test_file_survives_restart_and_bad_files_are_refused(self):
        c = self.child()
        c.cmd('region')
        c.cmd('touch 3')
        rec, out = self.record_pid(c.pid, 'keep.db', '--duration', '1')
        self.assertEqual(rec.wait(20), 0, rec.stderr.read())
        answers = []
        for _ in range(2):      # the same after a daemon restart
            with Daemon(['--open', out]) as d:
                st, sp = d.get_json('/api/v1/spaces')
                rid = [s for s in sp['spaces']
                       if s['kind'] == 'recording'][0]['id']
                answers.append((self.api(d, '/api/v1/spaces/%s/history'
                                         % rid)['generations'],
                                self.api(d, '/api/v1/spaces/%s/tree?depth=4'
                                         % rid)))
        self.assertEqual(answers[0], answers[1])
        # an upload of the file's bytes is the same space
        with open(out, 'rb') as f:
            data = f.read()
        with Daemon() as d:
            st, s = d.post_json('/api/v1/spaces', {
                'kind': 'recording', 'name': 'keep.db',
                'data': base64.b64encode(data).decode()})
            self.assertEqual(st, 201, s)
            self.assertEqual(self.api(d, '/api/v1/spaces/%s/tree?depth=4'
                                      % s['id'])['node'],
                             answers[0][1]['node'])
            bad = {
                'truncated': data[:len(data) // 2],
                'foreign': self.foreign_db(),
                'text': b'this is not a database at all\n' * 100,
            }
            for what, blob in bad.items():
                st, e = d.post_json('/api/v1/spaces', {
                    'kind': 'recording', 'name': what,
                    'data': base64.b64encode(blob).decode()})
                self.assertEqual(st, 400, (what, e))
                self.assertEqual(e['error']['code'], 'bad_recording', what)
                self.assertIn(what, e['error']['message'])
            st, e = d.post_json('/api/v1/spaces', {
                'kind': 'recording', 'path': os.path.join(self.tmp, 'none')})
            self.assertEqual(st, 404, e)
        trunc = os.path.join(self.tmp, 'trunc.db')
        with open(trunc, 'wb') as f:
            f.write(data[:len(data) // 2])
        r = subprocess.run([PTSCOPE, 'serve', '--listen', '127.0.0.1:0',
                            '--open', trunc], capture_output=True, text=True,
                           timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('not a usable ptscope recording', r.stderr)
        # record refuses to overwrite a file
        r = subprocess.run([PTSCOPE, 'record', '--pid', str(c.pid), '-o',
                            out], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn('already exists', r.stderr)

    def foreign_db(self):
        path = os.path.join(self.tmp, 'foreign.db')
        db = sqlite3.connect(path)
        db.execute('CREATE TABLE t (x)')
        db.execute('INSERT INTO t VALUES (1)')
        db.commit()
        db.close()
        with open(path, 'rb') as f:
            return f.read()


if __name__ == '__main__':
    main()
