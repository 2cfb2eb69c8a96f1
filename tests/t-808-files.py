#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Error paths of files (issue #13, part 5).

A named pipe in the web root must not hold a worker (opening a FIFO for
reading waits for a writer, fifo(7)): it is 404 at once, the daemon keeps
answering and SIGTERM still stops it.  A FIFO as --token-file is refused
at start, not waited on.  Under --proc-root, a process's files are read
without following symbolic links (a maps that links to a secret gives an
error, not the secret) and error messages never quote what a file holds.
"""
import os
import shutil
import subprocess
import tempfile
import time

import ptstest
from ptstest import Daemon, TestCase, main

SECRET = 'SECRET-7f3a9c-root:$6$saltsalt$hash'
PID = 4242
# /proc/PID/stat: pid (comm) state, then fields 4..22 (22 = start time)
STAT = ('%d (fake) S 1 %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 12345 '
        '1000 100\n' % (PID, PID, PID))
STATUS = ('Name:\tfake\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n'
          'VmRSS:\t4 kB\nVmPTE:\t4 kB\n')
MAPS = '00400000-00401000 r-xp 00000000 00:00 0 /fake\n'


class Fifo(TestCase):
    def test_fifo_in_the_web_root(self):
        root = tempfile.mkdtemp(prefix='ptscope-web-')
        try:
            with open(os.path.join(root, 'index.html'), 'w') as f:
                f.write('<!doctype html><title>x</title>\n')
            os.mkfifo(os.path.join(root, 'pipe.html'))
            os.mkfifo(os.path.join(root, 'index2.html'))
            with Daemon(web_root=root) as d:
                t0 = time.monotonic()
                # more requests than the daemon has workers (4)
                for i in range(12):
                    st, h, b = d.get('/pipe.html' if i % 2 else
                                     '/index2.html', timeout=10)
                    self.assertEqual(st, 404)
                self.assertLess(time.monotonic() - t0, 5)
                st, h, b = d.get('/index.html', timeout=10)
                self.assertEqual(st, 200)
                st, o = d.get_json('/api/v1/info')
                self.assertEqual(st, 200)
                t0 = time.monotonic()
                d.stop()    # fails unless SIGTERM stops it
                self.assertLess(time.monotonic() - t0, 10)
        finally:
            shutil.rmtree(root)

    def test_fifo_token_file_is_refused_at_once(self):
        tmp = tempfile.mkdtemp(prefix='ptscope-fifo-')
        try:
            fifo = os.path.join(tmp, 'token')
            os.mkfifo(fifo, 0o600)
            r = subprocess.run([ptstest.PTSCOPE, 'serve', '--listen',
                                '127.0.0.1:0', '--ws-listen', '127.0.0.1:0',
                                '--token-file', fifo],
                               capture_output=True, text=True, timeout=20)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('not a regular file', r.stderr)
        finally:
            shutil.rmtree(tmp)


class ProcRoot(TestCase):
    """A fake --proc-root with one process, PID, whose files are made
    hostile one at a time."""

    def setUp(self):
        if os.path.exists('/proc/self/pagemap') is False:
            self.skipTest('no pagemap support to probe the host with')
        self.tmp = tempfile.mkdtemp(prefix='ptscope-proc-')
        self.root = os.path.join(self.tmp, 'proc')
        self.pdir = os.path.join(self.root, str(PID))
        os.makedirs(self.pdir)
        self.secret = os.path.join(self.tmp, 'shadow')
        with open(self.secret, 'w') as f:
            f.write(SECRET + '\n')
        for name, text in (('stat', STAT), ('status', STATUS),
                           ('maps', MAPS), ('pagemap', '')):
            with open(os.path.join(self.pdir, name), 'w') as f:
                f.write(text)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def attach(self):
        with Daemon(['--proc-root', self.root]) as d:
            st, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                   'pid': PID})
            self.assertNotIn('SECRET', str(o))
            self.assertNotIn('saltsalt', str(o))
            return st, o

    def test_the_fake_process_attaches(self):
        st, o = self.attach()
        self.assertEqual(st, 201, o)
        self.assertEqual(o['comm'], 'fake')

    def test_symlinked_maps_is_not_followed(self):
        os.unlink(os.path.join(self.pdir, 'maps'))
        os.symlink(self.secret, os.path.join(self.pdir, 'maps'))
        st, o = self.attach()
        self.assertEqual(st, 403, o)
        self.assertIn('symbolic link', o['error']['message'])

    def test_maps_with_other_contents_is_not_quoted(self):
        with open(os.path.join(self.pdir, 'maps'), 'w') as f:
            f.write(MAPS + SECRET + '\n')
        st, o = self.attach()
        self.assertEqual(st, 400, o)
        self.assertEqual(o['error']['code'], 'bad_maps_line')
        self.assertIn('Line 2', o['error']['message'])

    def test_symlinked_files_and_dirs(self):
        for name in ('stat', 'status', 'pagemap'):
            path = os.path.join(self.pdir, name)
            keep = path + '.keep'
            os.rename(path, keep)
            os.symlink(self.secret, path)
            try:
                st, o = self.attach()
                self.assertIn(st, (403, 404), (name, o))
            finally:
                os.unlink(path)
                os.rename(keep, path)
        # the process directory itself linked elsewhere
        other = os.path.join(self.tmp, 'elsewhere')
        os.rename(self.pdir, other)
        os.symlink(other, self.pdir)
        st, o = self.attach()
        self.assertEqual(st, 404, o)
        self.assertEqual(o['error']['code'], 'no_such_process')

    def test_fifo_maps(self):
        os.unlink(os.path.join(self.pdir, 'maps'))
        os.mkfifo(os.path.join(self.pdir, 'maps'))
        t0 = time.monotonic()
        st, o = self.attach()
        self.assertGreaterEqual(st, 400, o)
        self.assertLess(time.monotonic() - t0, 15)


main()
