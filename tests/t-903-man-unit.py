# SPDX-License-Identifier: MIT
"""The man page renders without warnings and covers every command, option,
endpoint and arch; the systemd unit is valid and as hardened as promised."""
import configparser
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from ptstest import TestCase, main, PTSCOPE, SRCDIR, BUILDDIR

MAN = os.path.join(SRCDIR, 'man', 'ptscope.1')
UNIT = os.path.join(BUILDDIR, 'dist', 'ptscope.service')
DROPIN = os.path.join(BUILDDIR, 'dist', 'ptscope-show-physical.conf')


def run(cmd, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          env=e, **kw)


def render_man(width=80):
    """The man page as text, and man's warnings (stderr)."""
    r = run(['man', '--warnings', '-E', 'UTF-8', '-l', MAN],
            env={'MANWIDTH': str(width), 'LC_ALL': 'C.UTF-8',
                 'MANROFFSEQ': '', 'MAN_KEEP_FORMATTING': ''})
    # join words man hyphenated or broke across lines, drop overstrike
    text = re.sub(r'.\x08', '', r.stdout)
    return r, text


def help_defaults(helptext):
    """{option: default} of the options whose --help text ends with
    "Default: VALUE.", in --help's order."""
    defaults = {}
    for name, body in re.findall(r'(?m)^  --([a-z-]+)[^\n]*\n((?:    .*\n)*)',
                                 helptext):
        m = re.search(r'Default: (\S+)\.$', ' '.join(body.split()))
        if m:
            defaults[name] = m.group(1)
    return defaults


@unittest.skipIf(shutil.which('man') is None or shutil.which('groff') is None,
                 'man-db and groff-base are not installed')
class ManPage(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r, cls.text = render_man()
        cls.flat = ' '.join(cls.text.replace('\u2010\n', '').split())

    def test_renders_without_warnings(self):
        self.assertEqual(self.r.returncode, 0, self.r.stderr)
        self.assertEqual(self.r.stderr, '')
        for width in (60, 120):
            r, _ = render_man(width)
            self.assertEqual(r.stderr, '', 'MANWIDTH=%d' % width)
        r = run(['groff', '-man', '-ww', '-z', MAN])
        self.assertEqual(r.stderr, '')
        for section in ('NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS',
                        'SERVE OPTIONS', 'CONFIG FILE', 'HTTP API',
                        'WEBSOCKET', 'EXIT STATUS', 'FILES', 'EXAMPLES'):
            self.assertRegex(self.text, r'(?m)^%s$' % section)

    def test_every_command_and_option(self):
        usage = run([PTSCOPE, '--help']).stdout
        cmds = re.findall(r'(?m)^  ([a-z]+)  ', usage)
        self.assertEqual(set(cmds), {'serve', 'dump', 'walk', 'zones',
                                     'arches', 'record'})
        for c in cmds:
            self.assertRegex(self.text, r'(?m)^       %s\b' % c)
            if c == 'serve':
                continue
            self.assertIn('ptscope %s' % c, self.flat)
        opts = set()
        for c in cmds:
            r = run([PTSCOPE, c, '--help'])
            self.assertEqual(r.returncode, 0, c)
            opts |= set(re.findall(r'--[a-z][a-z-]+', r.stdout))
        self.assertGreater(len(opts), 25)
        for o in sorted(opts):
            self.assertTrue(re.search(r'%s(?![\w-])' % re.escape(o),
                                      self.flat), 'man page lacks ' + o)
        for o in ('--version', '--help', '--format json|ptdump'):
            self.assertIn(o, self.flat)

    def test_every_endpoint(self):
        with open(os.path.join(SRCDIR, 'server', 'routes.c')) as f:
            routes = re.findall(r'\{ "([A-Z]+)", "([^"]+)", api_', f.read())
        self.assertGreater(len(routes), 10)
        for method, pat in routes:
            path = '/api/v1/' + pat.replace('*', 'ID')
            self.assertTrue(re.search(r'%s %s(?![\w/-])' % (
                method, re.escape(path)), self.flat),
                'man page lacks %s %s' % (method, path))
        self.assertIn('GET /metrics', self.flat)
        self.assertIn('ptscope.v1', self.flat)

    def test_every_arch_and_exit_status(self):
        import json
        arches = json.loads(run([PTSCOPE, 'arches']).stdout)['arches']
        self.assertEqual(len(arches), 18)  # 16 of the contract + 2 LPA2
        for a in arches:
            self.assertIn(a['id'], self.flat)
        exit_section = self.text.split('\nEXIT STATUS\n')[1].split('\n\n\n')[0]
        for code in ('0', '1', '2'):
            self.assertRegex(exit_section, r'(?m)^       %s\s' % code)


class OptionsTable(TestCase):
    """The man page's serve options and the example config agree with the
    options table (needs neither man nor groff)."""

    def test_options_come_from_the_tables(self):
        """The entries between each pair of marks are exactly what
        `ptscope serve --help-man` (the options table of serve) and
        `ptscope dump --help-man` (the commands' table) make, and name the
        same options, arguments and defaults as `--help`."""
        with open(MAN, encoding='utf-8') as f:
            src = f.read()
        for name, cmd, section, after in (
                ('serve options', 'serve', 'SERVE OPTIONS', 'CONFIG FILE'),
                ('command options', 'dump', 'OPTIONS OF DUMP AND WALK',
                 'SERVE OPTIONS')):
            begin = '.\\" BEGIN %s\n' % name
            end = '.\\" END %s\n' % name
            self.assertEqual(src.count(begin), 1, name)
            self.assertEqual(src.count(end), 1, name)
            entries = src.split(begin)[1].split(end)[0]
            r = run([PTSCOPE, cmd, '--help-man'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(entries, r.stdout,
                             'man page and options table disagree (%s): '
                             'run make update-man' % name)
            # the marks sit in their section
            self.assertLess(src.index('.SH ' + section), src.index(begin))
            self.assertLess(src.index(end), src.index('.SH ' + after))
            # each .TP entry's head (roff) against --help's "  --NAME ARG"
            heads = re.findall(r'(?m)^\.TP\n\.(?:BI|BR|B) (.*)$', entries)
            from_man = []
            for h in heads:
                words = re.findall(r'"([^"]*)"|(\S+)', h)
                text = ''.join(a or b for a, b in words).replace('\\-', '-')
                from_man.append(' '.join(text.split()))
            helptext = run([PTSCOPE, cmd, '--help']).stdout
            from_help = [h for h in re.findall(r'(?m)^  (--\S.*)$', helptext)
                         if cmd == 'serve' or not h.startswith('--help')]
            self.assertEqual(from_man, from_help, name)
            self.assertGreater(len(from_man), 20 if cmd == 'serve' else 7)
            # defaults: the man page's and --help's are the same values
            man_defs = re.findall(r'Default: \\fB(.*?)\\fR', entries)
            self.assertEqual([d.replace('\\-', '-') for d in man_defs],
                             list(help_defaults(helptext).values()), name)
            self.assertGreater(len(man_defs), 8 if cmd == 'serve' else 3)

    def test_example_config_shows_the_defaults(self):
        """dist/ptscope.conf.example's commented values are the defaults
        the options table gives (and --help prints)."""
        defaults = help_defaults(run([PTSCOPE, 'serve', '--help']).stdout)
        self.assertIn('max-body', defaults)
        with open(os.path.join(SRCDIR, 'dist', 'ptscope.conf.example')) as f:
            example = dict(re.findall(r'(?m)^#([a-z-]+) = (.*)$', f.read()))
        for name, value in defaults.items():
            self.assertEqual(example.get(name), value, name)


class Unit(TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(UNIT):
            raise unittest.SkipTest('%s not built' % UNIT)
        cls.ini = configparser.ConfigParser(strict=False,
                                            interpolation=None)
        cls.ini.optionxform = str
        cls.ini.read(UNIT)

    def test_unit_runs_serve_with_the_installed_binary(self):
        mk = run(['make', '-s', '-C', BUILDDIR, 'print-install-dirs'],
                 env={'MAKEFLAGS': '', 'MFLAGS': ''})
        dirs = dict(l.split('=', 1) for l in mk.stdout.split())
        self.assertEqual(self.ini['Service']['ExecStart'],
                         dirs['bindir'] + '/ptscope serve')
        with open(UNIT) as f:
            text = f.read()
        self.assertNotIn('@bindir@', text)
        self.assertNotIn('@sysconfdir@', text)
        self.assertIn(dirs['sysconfdir'] + '/ptscope.conf', text)

    def test_hardening(self):
        s = self.ini['Service']
        for k, v in (('NoNewPrivileges', 'yes'), ('ProtectSystem', 'strict'),
                     ('ProtectHome', 'yes'), ('PrivateTmp', 'yes'),
                     ('DynamicUser', 'yes')):
            self.assertEqual(s[k], v, k)
        # CAP_SYS_ADMIN only in the opt-in drop-in (issue #13)
        caps = {'CAP_SYS_PTRACE', 'CAP_DAC_READ_SEARCH'}
        self.assertEqual(set(s['CapabilityBoundingSet'].split()), caps)
        self.assertEqual(set(s['AmbientCapabilities'].split()), caps)
        with open(UNIT) as f:
            text = f.read()
        comments = ' '.join(l for l in text.split('\n') if l.startswith('#'))
        for c in caps | {'CAP_SYS_ADMIN'}:
            self.assertIn(c, comments)
        lines = [l for l in text.split('\n') if not l.startswith('#')]
        for want in ('SystemCallFilter=@system-service',
                     'ProtectKernelTunables=yes', 'IPAddressAllow=localhost',
                     'IPAddressDeny=any', 'SystemCallArchitectures=native'):
            self.assertIn(want, lines)
        self.assertNotIn('CAP_SYS_ADMIN', ' '.join(lines))
        drop = configparser.ConfigParser(strict=False, interpolation=None)
        drop.optionxform = str
        drop.read(DROPIN)
        self.assertEqual(drop['Service']['CapabilityBoundingSet'],
                         'CAP_SYS_ADMIN')
        self.assertEqual(drop['Service']['AmbientCapabilities'],
                         'CAP_SYS_ADMIN')
        self.assertTrue(drop['Service']['ExecStart'].strip().endswith(
            'ptscope serve --show-physical'))
        self.assertEqual(self.ini['Install']['WantedBy'], 'multi-user.target')

    @unittest.skipIf(shutil.which('systemd-analyze') is None,
                     'systemd-analyze is not installed')
    def test_systemd_analyze_security(self):
        """The unit as installed scores 2.5 or less ("OK" or better) in
        systemd-analyze security; with the drop-in it is still < 3."""
        tmp = tempfile.mkdtemp(prefix='ptscope-unit-')
        try:
            with open(UNIT) as f:
                text = f.read()
            unit = os.path.join(tmp, 'ptscope.service')
            with open(unit, 'w') as f:
                f.write(re.sub(r'(?m)^ExecStart=\S+', 'ExecStart=' +
                               os.path.abspath(PTSCOPE), text))

            def score():
                r = run(['systemd-analyze', 'security', '--offline=yes',
                         unit], cwd=tmp)
                m = re.search(r'Overall exposure level for ptscope.service:'
                              r' ([0-9.]+)', r.stdout)
                self.assertIsNotNone(m, r.stdout[-500:] + r.stderr)
                return float(m.group(1)), r.stdout
            s, out = score()
            self.assertLessEqual(s, 2.5, out)
            # every remaining point is explained in the unit
            for line in out.split('\n'):
                if line.startswith('\u2717'):
                    key = line[1:].split()[0].split('=')[0]
                    self.assertIn(key + '=', ' '.join(
                        l for l in text.split('\n') if l.startswith('#')),
                        line)
            os.makedirs(os.path.join(tmp, 'ptscope.service.d'))
            shutil.copy(DROPIN, os.path.join(tmp, 'ptscope.service.d'))
            s2, out = score()
            self.assertIn('CAP_SYS_ADMIN', out)
            self.assertGreater(s2, s)
            self.assertLess(s2, 3.0, out)
        finally:
            shutil.rmtree(tmp)

    @unittest.skipIf(shutil.which('systemd-analyze') is None,
                     'systemd-analyze is not installed')
    def test_systemd_analyze_verify(self):
        tmp = tempfile.mkdtemp(prefix='ptscope-unit-')
        try:
            os.makedirs(os.path.join(tmp, 'man', 'man1'))
            shutil.copy(MAN, os.path.join(tmp, 'man', 'man1'))
            with open(UNIT) as f:
                text = f.read()
            # verify wants ExecStart to exist: point it at the built binary
            text = re.sub(r'(?m)^ExecStart=\S+', 'ExecStart=' +
                          os.path.abspath(PTSCOPE), text)
            unit = os.path.join(tmp, 'ptscope.service')
            with open(unit, 'w') as f:
                f.write(text)
            # Documentation=man:ptscope(1) must resolve, through MANPATH
            r = run(['systemd-analyze', 'verify', unit], cwd=tmp,
                    env={'MANPATH': os.path.join(tmp, 'man'),
                         'SYSTEMD_LOG_LEVEL': 'notice'})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn('ptscope.service', r.stderr)
            # and a unit with a typo is caught by the same check
            with open(unit, 'w') as f:
                f.write(text.replace('ProtectHome=', 'ProtectHomes='))
            r = run(['systemd-analyze', 'verify', unit], cwd=tmp,
                    env={'MANPATH': os.path.join(tmp, 'man')})
            self.assertIn("Unknown key 'ProtectHomes'", r.stderr)
        finally:
            shutil.rmtree(tmp)


main()
