# SPDX-License-Identifier: MIT
"""`make install DESTDIR=...` puts the binary, the viewer, the man page, the
systemd unit, the example config and the docs where they belong (never a
real ptscope.conf), the installed binary serves the installed viewer, and
`make uninstall` takes it all away again."""
import filecmp
import os
import shutil
import subprocess
import tempfile
import unittest

from ptstest import Daemon, TestCase, main, SRCDIR, BUILDDIR


def make(*args):
    """Run make in the build directory, outside any parent make's jobs."""
    env = dict(os.environ)
    for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES'):
        env.pop(k, None)
    return subprocess.run(['make', '-s', '-C', BUILDDIR] + list(args),
                          capture_output=True, text=True, timeout=600,
                          env=env)


def files_under(top):
    out = set()
    for d, _, names in os.walk(top):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), top))
    return out


class Install(TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(BUILDDIR, 'Makefile')):
            raise unittest.SkipTest('no configured build directory')
        r = make('print-install-dirs')
        if r.returncode != 0:
            raise AssertionError(r.stderr)
        cls.dirs = dict(l.split('=', 1) for l in r.stdout.split())
        cls.dest = tempfile.mkdtemp(prefix='ptscope-destdir-')
        r = make('install', 'DESTDIR=' + cls.dest)
        if r.returncode != 0:
            shutil.rmtree(cls.dest)
            raise AssertionError('make install failed:\n' + r.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def path(self, dirname, *parts):
        return os.path.join(self.dest + self.dirs[dirname], *parts)

    def test_binary(self):
        exe = self.path('bindir', 'ptscope')
        self.assertTrue(os.access(exe, os.X_OK), exe)
        r = subprocess.run([exe, '--version'], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^ptscope \d+\.\d+\.\d+\n$')
        # the default config file and viewer are the configured paths
        with open(exe, 'rb') as f:
            data = f.read()
        for path in (self.dirs['sysconfdir'] + '/ptscope.conf\0',
                     self.dirs['pkgdatadir'] + '/web/'):
            self.assertTrue(path.encode() in data, path)

    def test_viewer_files(self):
        src = os.path.join(SRCDIR, 'web')
        web = self.path('pkgdatadir', 'web')
        want = set(f for f in files_under(src)
                   if not os.path.basename(f).startswith('.'))
        self.assertIn('index.html', want)
        self.assertEqual(files_under(web), want)
        for f in want:
            self.assertTrue(filecmp.cmp(os.path.join(src, f),
                                        os.path.join(web, f), shallow=False),
                            f)

    def test_man_unit_config_docs(self):
        man = self.path('mandir', 'man1', 'ptscope.1')
        self.assertTrue(filecmp.cmp(man, os.path.join(SRCDIR, 'man',
                                                      'ptscope.1'), False))
        unit = self.path('systemdsystemunitdir', 'ptscope.service')
        with open(unit) as f:
            text = f.read()
        self.assertIn('\nExecStart=%s/ptscope serve\n' % self.dirs['bindir'],
                      text)
        example = self.path('docdir', 'ptscope.conf.example')
        self.assertTrue(filecmp.cmp(example, os.path.join(
            SRCDIR, 'dist', 'ptscope.conf.example'), False))
        # every page of docs/ with its screenshots, as the links expect
        docs = os.path.join(SRCDIR, 'docs')
        for f in sorted(files_under(docs)):
            self.assertTrue(os.path.exists(self.path('docdir', f)),
                            'docs/%s is not installed: add it to '
                            'dist_doc_DATA (or docimg) in a mk/*.am' % f)
        # the admin's own config is never written
        self.assertFalse(os.path.exists(self.path('sysconfdir',
                                                  'ptscope.conf')))

    def test_installed_binary_serves_installed_viewer(self):
        import ptstest
        exe = self.path('bindir', 'ptscope')
        web = self.path('pkgdatadir', 'web')
        saved = ptstest.PTSCOPE
        ptstest.PTSCOPE = exe	# Daemon() runs ptstest.PTSCOPE
        try:
            with Daemon(web_root=web) as d:
                st, h, body = d.get('/')
                self.assertEqual(st, 200)
                with open(os.path.join(web, 'index.html'), 'rb') as f:
                    self.assertEqual(body, f.read())
                self.assertIn('(web root %s)' % web, d.stderr())
        finally:
            ptstest.PTSCOPE = saved
        # without --web-root: the compiled-in $(pkgdatadir)/web (absent
        # here, as DESTDIR is not the real root)
        p = subprocess.Popen([exe, 'serve', '--listen', '127.0.0.1:0',
                              '--ws-listen', '127.0.0.1:0'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            line = p.stdout.readline()
            self.assertTrue(line.startswith('http: '), line)
        finally:
            p.terminate()
            _, err = p.communicate(timeout=15)
        self.assertIn('(web root %s/web)' % self.dirs['pkgdatadir'], err)


class Uninstall(TestCase):
    def test_install_then_uninstall_leaves_no_files(self):
        if not os.path.exists(os.path.join(BUILDDIR, 'Makefile')):
            self.skipTest('no configured build directory')
        dest = tempfile.mkdtemp(prefix='ptscope-destdir-')
        try:
            r = make('install', 'DESTDIR=' + dest)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(files_under(dest))
            r = make('uninstall', 'DESTDIR=' + dest)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(files_under(dest), set())
        finally:
            shutil.rmtree(dest)


main()
