# SPDX-License-Identifier: MIT
"""Config file and logs of `ptscope serve`: the file's keys are the long
options, flags win over the file, errors name FILE:LINE and exit 2, the
access log gets one line per request, --quiet/--verbose set the level."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from ptstest import Daemon, TestCase, main, PTSCOPE, SRCDIR


def run(*args, timeout=30):
    return subprocess.run([PTSCOPE] + list(args), capture_output=True,
                          text=True, timeout=timeout)


class Config(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='ptscope-conf-')

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def conf(self, text, name='ptscope.conf'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def bad(self, text, line, *words):
        """The file is refused: exit 2, 'FILE:LINE:' and words on stderr."""
        path = self.conf(text)
        r = run('serve', '--config', path, '--listen', '127.0.0.1:0',
                '--ws-listen', '127.0.0.1:0')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('%s:%d:' % (path, line), r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertNotIn('http: ', r.stdout)

    def test_unknown_key_names_file_and_line(self):
        self.bad('# comment\n\nlisten = 127.0.0.1:0\nlisten-port = 80\n',
                 4, "'listen-port'")

    def test_line_without_equals(self):
        self.bad('quiet = true\nverbose\n', 2, 'key = value')

    def test_bad_value_names_line(self):
        self.bad('\n\n\nmax-conns = lots\n', 4, 'max-conns', 'lots')
        self.bad('show-physical = maybe\n', 1, 'maybe')
        self.bad('pid = -3\n', 1, 'pid')

    def test_config_key_inside_file_is_refused(self):
        self.bad('config = /etc/other.conf\n', 1, "'config'")

    def test_missing_config_file(self):
        path = os.path.join(self.tmp, 'absent.conf')
        r = run('serve', '--config', path, '--listen', '127.0.0.1:0')
        self.assertEqual(r.returncode, 2)
        self.assertIn(path, r.stderr)

    def test_example_config_is_accepted(self):
        """dist/ptscope.conf.example as shipped, and with every commented
        setting switched on one at a time, is a valid file."""
        example = os.path.join(SRCDIR, 'dist', 'ptscope.conf.example')
        with open(example) as f:
            lines = f.read().split('\n')
        settings = [l[1:] for l in lines if re.match(r'^#[a-z-]+ = ', l)]
        self.assertGreaterEqual(len(settings), 20)
        keys = set(s.split(' = ')[0] for s in settings)
        # every long option of `serve` but --config appears in the example
        help_text = run('serve', '--help').stdout
        flags = set(re.findall(r'--([a-z][a-z-]+)', help_text))
        self.assertEqual(flags - {'config', 'help'}, keys)
        for s in [None] + settings:
            text = '\n'.join(lines)
            if s is not None:
                text += '\n' + s + '\n'
            path = self.conf(text)
            # --help parses the file, then prints the usage and exits 0
            r = run('serve', '--config', path, '--help')
            self.assertEqual(r.returncode, 0, '%s: %s' % (s, r.stderr))

    def test_flags_win_over_file(self):
        """listen in the file is a port already in use; --listen :0 on the
        command line wins, so the daemon starts elsewhere."""
        busy = socket.socket()
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        try:
            path = self.conf('listen = 127.0.0.1:%d\n'
                             'ws-listen = 127.0.0.1:%d\n' % (port, port))
            with Daemon(['--config', path]) as d:
                self.assertNotEqual(d.port, port)
                self.assertNotEqual(d.ws_port, port)
                st, info = d.get_json('/api/v1/info')
                self.assertEqual(st, 200)
            # without the flags the file's busy port is used: exit 1
            r = run('serve', '--config', path, '--web-root',
                    os.path.join(SRCDIR, 'web'))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn('ptscope: error:', r.stderr)
        finally:
            busy.close()

    def test_file_settings_apply(self):
        """max-body from the file limits uploads; the flag overrides it."""
        path = self.conf('max-body = 100\n')
        body = {'kind': 'ptdump', 'arch': 'x86_64-4l', 'text': 'x' * 300}
        with Daemon(['--config', path]) as d:
            st, obj = d.post_json('/api/v1/spaces', body)
            self.assertEqual(st, 413, obj)
        with Daemon(['--config', path, '--max-body', '64k']) as d:
            st, obj = d.post_json('/api/v1/spaces', body)
            self.assertNotEqual(st, 413, obj)


class Logs(TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='ptscope-log-')

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_access_log_one_line_per_request(self):
        log = os.path.join(self.tmp, 'access.log')
        with Daemon(['--access-log', log]) as d:
            paths = ['/api/v1/info', '/api/v1/arches', '/api/v1/nope',
                     '/index.html']
            for p in paths:
                d.get(p)
            d.request('POST', '/api/v1/spaces', body='{bad json')
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 5, lines)
        want = [('GET', '/api/v1/info', 200), ('GET', '/api/v1/arches', 200),
                ('GET', '/api/v1/nope', 404), ('GET', '/index.html', 200),
                ('POST', '/api/v1/spaces', 400)]
        for line, (m, p, st) in zip(lines, want):
            # client time "METHOD PATH" status bytes ms
            mo = re.match(r'^127\.0\.0\.1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ '
                          r'"(\S+) (\S+)" (\d{3}) (\d+) [\d.]+ms$', line)
            self.assertIsNotNone(mo, line)
            self.assertEqual((mo.group(1), mo.group(2), int(mo.group(3))),
                             (m, p, st))
            if p.startswith('/api/'):
                # bytes of the JSON answer (files are logged with 0 for now)
                self.assertGreater(int(mo.group(4)), 0)

    def test_access_log_in_config_file_appends(self):
        log = os.path.join(self.tmp, 'access.log')
        with open(log, 'w') as f:
            f.write('older line\n')
        conf = os.path.join(self.tmp, 'c.conf')
        with open(conf, 'w') as f:
            f.write('access-log = %s\n' % log)
        with Daemon(['--config', conf]) as d:
            d.get('/api/v1/info')
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], 'older line')
        self.assertEqual(len(lines), 2)
        self.assertIn('"GET /api/v1/info" 200', lines[1])

    def test_access_log_stdout(self):
        with Daemon(['--access-log', '-']) as d:
            d.get('/api/v1/info')
            deadline = time.time() + 5
            while time.time() < deadline and \
                    not any('/api/v1/info' in l for l in d.lines):
                time.sleep(0.05)
            self.assertTrue(any('"GET /api/v1/info" 200' in l
                                for l in d.lines), d.lines)

    def test_unwritable_access_log_is_an_error(self):
        log = os.path.join(self.tmp, 'no', 'such', 'dir', 'access.log')
        r = run('serve', '--listen', '127.0.0.1:0', '--ws-listen',
                '127.0.0.1:0', '--access-log', log)
        self.assertEqual(r.returncode, 1)
        self.assertIn('ptscope: error:', r.stderr)
        self.assertIn(log, r.stderr)

    def daemon_stderr(self, args):
        """Everything a daemon wrote to stderr from start to stop."""
        d = Daemon(args).start()
        d.get('/api/v1/info')
        d.proc.terminate()
        d.proc.wait(15)
        err = d.stderr()
        self.assertEqual(d.stop(), 0)
        return err

    def test_levels(self):
        normal = self.daemon_stderr([])
        self.assertRegex(normal, r'(?m)^ptscope: info: serving http://')
        self.assertRegex(normal, r'(?m)^ptscope: info: stopping')
        # every line carries its level
        for line in normal.splitlines():
            self.assertRegex(line, r'^ptscope: (error|warning|info|debug): ')
        quiet = self.daemon_stderr(['--quiet'])
        self.assertNotIn('info:', quiet)
        self.assertNotIn('warning:', quiet)
        conf = os.path.join(self.tmp, 'q.conf')
        with open(conf, 'w') as f:
            f.write('quiet = yes\n')
        self.assertNotIn('info:', self.daemon_stderr(['--config', conf]))
        # the flag wins over the file
        self.assertIn('info: serving',
                      self.daemon_stderr(['--config', conf, '--verbose']))

    def run_journal(self, args, journal=True):
        """Run ptscope with stderr in a file that JOURNAL_STREAM names (or
        not); returns (process, its stdout's first line, stderr text)."""
        errpath = os.path.join(self.tmp, 'stderr')
        with open(errpath, 'w') as err:
            st = os.fstat(err.fileno())
            ino = st.st_ino if journal else st.st_ino + 1
            env = dict(os.environ, JOURNAL_STREAM='%d:%d' % (st.st_dev, ino))
            p = subprocess.Popen([PTSCOPE, 'serve', '--listen', '127.0.0.1:0',
                                  '--ws-listen', '127.0.0.1:0'] + args,
                                 stdout=subprocess.PIPE, stderr=err, env=env,
                                 text=True)
            first = p.stdout.readline()
            p.terminate()
            p.communicate(timeout=15)
        with open(errpath) as f:
            return p, first, f.read()

    def test_journal_priorities(self):
        """Under systemd (JOURNAL_STREAM names our stderr) each line starts
        with its syslog priority, <3> error .. <7> debug, for journald."""
        p, first, err = self.run_journal([])
        self.assertTrue(first.startswith('http: '), err)
        self.assertTrue(err)
        for line in err.splitlines():
            self.assertRegex(line, r'^<6>ptscope: info: ')
        bad = os.path.join(self.tmp, 'no', 'dir', 'log')
        p, first, err = self.run_journal(['--access-log', bad])
        self.assertEqual(p.returncode, 1)
        self.assertRegex(err, r'^<3>ptscope: error: .*no/dir/log')
        # a stderr that is not the journal's stream gets no prefix
        p, first, err = self.run_journal(['--access-log', bad], False)
        self.assertRegex(err, r'^ptscope: error: ')

main()
