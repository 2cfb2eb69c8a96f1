# SPDX-License-Identifier: MIT
"""The network module (server/net.h): only `ptscope serve` opens
ptscope-net.so, so the binary itself must not need libmicrohttpd,
libwebsockets or the TLS libraries under them; serve refuses a module that
is missing, broken or of another version with a clear error; the binary's
exported symbols (the module calls back into it) must not take the name of
anything the module's libraries export."""
import os
import re
import shutil
import subprocess
import tempfile

from ptstest import Daemon, TestCase, main, PTSCOPE

BUILDDIR = os.path.dirname(os.path.realpath(PTSCOPE))
MODULE = os.path.join(BUILDDIR, 'ptscope-net.so')
NETWORK_LIBS = re.compile(r'lib(microhttpd|websockets|gnutls|ssl|crypto)\b')


def ldd(path):
    """The shared objects path loads, by file (ldd: the loader's answer)."""
    out = subprocess.run(['ldd', path], capture_output=True, text=True,
                         check=True).stdout
    return [m.group(1) for m in re.finditer(r'=> (/\S+)', out)]


def exported(path):
    """Names of the functions and data an ELF object exports."""
    out = subprocess.run(['nm', '-D', '--defined-only', path],
                         capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDBRVWi':
            names.add(parts[2].split('@')[0])
    return names


class Linking(TestCase):
    def test_binary_does_not_load_the_network_libraries(self):
        libs = ldd(os.path.realpath(PTSCOPE))
        self.assertTrue(libs, 'ldd lists nothing for the binary')
        self.assertEqual([l for l in libs if NETWORK_LIBS.search(l)], [],
                         'the binary loads network libraries at start-up')

    def test_module_has_them(self):
        libs = ldd(MODULE)
        for want in ('libmicrohttpd', 'libwebsockets'):
            self.assertTrue(any(want in l for l in libs),
                            '%s not linked to the module' % want)

    def test_binary_exports_no_name_of_a_module_library(self):
        mine = {n for n in exported(os.path.realpath(PTSCOPE))
                if not n.startswith('_')}
        self.assertIn('registry_get', mine,
                      'the binary does not export what the module calls')
        # the libraries both load (libc, cJSON) share names on purpose
        for lib in set(ldd(MODULE)) - set(ldd(os.path.realpath(PTSCOPE))):
            clash = mine & exported(lib)
            self.assertEqual(clash, set(), 'the binary would take these '
                             'names from %s' % lib)


class Loading(TestCase):
    """A copy of the binary with a module of the test's making beside it
    (the loader looks beside the binary first)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='pts-net-')
        self.bin = os.path.join(self.dir, 'ptscope')
        shutil.copy(os.path.realpath(PTSCOPE), self.bin)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def serve(self):
        return subprocess.run([self.bin, 'serve', '--listen', '127.0.0.1:0',
                               '--ws-listen', '127.0.0.1:0'],
                              capture_output=True, text=True, timeout=30)

    def fake_module(self, c_text):
        src = os.path.join(self.dir, 'fake.c')
        with open(src, 'w') as f:
            f.write(c_text)
        subprocess.run([os.environ.get('CC', 'cc'), '-shared', '-fPIC',
                        '-o', os.path.join(self.dir, 'ptscope-net.so'), src],
                       check=True)

    def assert_refused(self, want):
        r = self.serve()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('HTTP/WebSocket module', r.stderr)
        self.assertRegex(r.stderr, want)
        self.assertNotIn('http:', r.stdout)

    def test_a_module_of_another_version_is_refused(self):
        self.fake_module('const struct { const char *v; void *f[5]; } '
                         'ptscope_net_ops = { "0.0.0-other" };\n')
        self.assert_refused(r'is not the HTTP/WebSocket module of ptscope '
                            r'\S+ \(0\.0\.0-other\)')

    def test_a_module_without_the_table_is_refused(self):
        self.fake_module('int something_else = 1;\n')
        self.assert_refused(r'\(no ptscope_net_ops\)')

    def test_a_file_that_is_no_shared_object_is_refused(self):
        with open(os.path.join(self.dir, 'ptscope-net.so'), 'w') as f:
            f.write('not ELF\n')
        self.assert_refused(r'cannot load .*ptscope-net\.so')

    def test_the_real_module_beside_a_copy_serves(self):
        shutil.copy(MODULE, self.dir)
        with Daemon(binary=self.bin) as d:
            st, info = d.get_json('/api/v1/info')
            self.assertEqual(st, 200)
            self.assertIn('version', info)

    def test_dump_needs_no_module(self):
        # nothing beside the copy, nothing installed relative to it
        r = subprocess.run([self.bin, 'arches'], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('x86_64', r.stdout)


if __name__ == '__main__':
    main()
