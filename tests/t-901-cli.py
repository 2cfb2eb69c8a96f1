# SPDX-License-Identifier: MIT
"""The commands for scripts (dump, walk, zones, arches) print the API's JSON
without a daemon, and exit 0 ok, 1 runtime error, 2 usage."""
import json
import os
import re
import subprocess
import time

from ptstest import Daemon, TestCase, main, PTSCOPE, fixture, hexs

SIM = ['--sim', 'x86_64-4l', '--scenario', 'process']
# x86-64 4-level paging (Intel SDM vol. 3A 4.5): 9 index bits per level
X86_SHIFTS = {'pgd': 39, 'pud': 30, 'pmd': 21, 'pte': 12}
NOT_A_PID = '2147483000'	# above pid_max (at most 2^22)


def cli(*args):
    return subprocess.run([PTSCOPE] + list(args), capture_output=True,
                          text=True, timeout=60)


def cli_json(test, *args):
    r = cli(*args)
    test.assertEqual(r.returncode, 0, '%s: %s' % (args, r.stderr))
    return json.loads(r.stdout)


def leaves(node, kind):
    """Every child of the given kind under node, depth first."""
    for c in node.get('children', []):
        if c['kind'] == kind:
            yield c
        if c['kind'] == 'table':
            yield from leaves(c, kind)


def strip_ids(node):
    """A tree without the values the API may hide (physical addresses)."""
    out = {k: v for k, v in node.items()
           if k not in ('table_pa', 'pa', 'entry', 'entry_pa')}
    if 'children' in node:
        out['children'] = [strip_ids(c) for c in node['children']]
    return out


class Sim(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.sid = cls.d.new_sim('x86_64-4l', 'process')

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_dump_depth_2_shape(self):
        o = cli_json(self, 'dump', *SIM, '--depth', '2')
        self.assertEqual(o['space'], 'sim')
        self.assertEqual(o['arch'], 'x86_64-4l')
        self.assertIsInstance(o['generation'], int)
        n = o['node']
        self.assertEqual((n['level'], n['va'], n['span'], n['entries']),
                         ('pgd', '0x0', hexs(1 << 48), 512))
        self.assertEqual(set(n['stats']), {'present_pages', 'tables',
                                           'blocks', 'swapped_pages'})
        self.assertGreater(n['stats']['present_pages'], 0)
        # a process needs at least one table of each of the 4 levels
        self.assertGreaterEqual(n['stats']['tables'], 4)
        self.assertTrue(n['children'])
        idx = [c['index'] for c in n['children']]
        self.assertEqual(idx, sorted(idx))
        for c in n['children']:
            self.assertEqual(c['kind'], 'table')
            self.assertEqual(c['level'], 'pud')
            self.assertEqual(c['va'], hexs(c['index'] << 39))
            self.assertIn('children', c)	# depth 2: listed
            for g in c['children']:
                self.assertEqual(g['va'],
                                 hexs((c['index'] << 39) | (g['index'] << 30)))
                if g['kind'] == 'table':
                    self.assertEqual(g['level'], 'pmd')
                    self.assertIn('stats', g)
                    self.assertNotIn('children', g)	# depth 3 would
        # tables counts the node itself and every table below it
        self.assertEqual(n['stats']['tables'],
                         1 + sum(c['stats']['tables'] for c in n['children']))

    def test_dump_depth_0_and_node(self):
        o = cli_json(self, 'dump', *SIM, '--depth', '0')
        self.assertNotIn('children', o['node'])
        self.assertIn('stats', o['node'])
        full = cli_json(self, 'dump', *SIM, '--depth', '4')
        page = next(leaves(full['node'], 'page'))
        va = int(page['va'], 16)
        o = cli_json(self, 'dump', *SIM, '--node', 'pte:' + hex(va))
        n = o['node']
        self.assertEqual(n['level'], 'pte')
        self.assertEqual(n['va'], hexs(va & ~((1 << 21) - 1)))
        self.assertEqual(n['span'], hexs(1 << 21))
        self.assertIn(page['index'], [c['index'] for c in n['children']])

    def test_dump_is_the_api_json(self):
        for depth in ('1', '2', '4'):
            o = cli_json(self, 'dump', *SIM, '--depth', depth)
            st, a = self.d.get_json('/api/v1/spaces/%s/tree?depth=%s'
                                    % (self.sid, depth))
            self.assertEqual(st, 200)
            self.assertEqual(o['arch'], a['arch'])
            self.assertEqual(o['node'], a['node'])

    def test_dump_ptdump_format(self):
        r = cli('dump', *SIM, '--format', 'ptdump')
        self.assertEqual(r.returncode, 0, r.stderr)
        st, h, body = self.d.get('/api/v1/spaces/%s/ranges?format=ptdump'
                                 % self.sid)
        self.assertEqual(st, 200)
        self.assertEqual(r.stdout, body.decode())
        lines = r.stdout.splitlines()
        self.assertTrue(lines)
        end = 0
        for line in lines:
            m = re.match(r'^0x([0-9a-f]{16})-0x([0-9a-f]{16}) +\S+ .*'
                         r'(pgd|pud|pmd|pte)$', line)
            self.assertIsNotNone(m, line)
            self.assertEqual(int(m.group(1), 16), end, line)	# contiguous
            end = int(m.group(2), 16)
        self.assertTrue(any(' USR ' in l for l in lines))

    def test_walk_page(self):
        full = cli_json(self, 'dump', *SIM, '--depth', '4')
        page = next(leaves(full['node'], 'page'))
        va = int(page['va'], 16) + 0x123
        w = cli_json(self, 'walk', *SIM, hex(va))
        self.assertEqual((w['space'], w['arch']), ('sim', 'x86_64-4l'))
        self.assertEqual(w['va'], hexs(va))
        self.assertTrue(w['mapped'])
        self.assertEqual(w['page_size'], 4096)
        self.assertEqual([s['level'] for s in w['steps']],
                         ['pgd', 'pud', 'pmd', 'pte'])
        for s in w['steps']:
            self.assertEqual(s['shift'], X86_SHIFTS[s['level']])
            self.assertEqual(s['index'], (va >> s['shift']) & 511)
        self.assertEqual([s['kind'] for s in w['steps']],
                         ['table', 'table', 'table', 'page'])
        self.assertEqual(w['steps'][-1]['entry'], page['entry'])
        self.assertEqual(w['pa'], hexs(int(page['pa'], 16) + 0x123))
        st, a = self.d.get_json('/api/v1/spaces/%s/walk?va=%s'
                                % (self.sid, hex(va)))
        self.assertEqual(st, 200)
        a.pop('space')
        w.pop('space')
        self.assertEqual(w, a)

    def test_walk_block_and_unmapped(self):
        full = cli_json(self, 'dump', *SIM, '--depth', '4')
        blocks = list(leaves(full['node'], 'block'))
        if blocks:
            b = blocks[0]
            va = int(b['va'], 16) + 0x12345
            w = cli_json(self, 'walk', *SIM, hex(va))
            self.assertTrue(w['mapped'])
            self.assertEqual(w['steps'][-1]['kind'], 'block')
            self.assertEqual(w['page_size'], int(b['size'], 16))
        w = cli_json(self, 'walk', *SIM, '0x1000')
        self.assertFalse(w['mapped'])
        self.assertEqual(w['steps'][-1]['kind'], 'none')
        self.assertIsNone(w['pa'])

    def test_arches_is_the_api_json(self):
        o = cli_json(self, 'arches')
        st, a = self.d.get_json('/api/v1/arches')
        self.assertEqual(st, 200)
        self.assertEqual(o, a)
        ids = [x['id'] for x in o['arches']]
        self.assertEqual(sorted(ids), sorted([
            'x86_64-4l', 'x86_64-5l', 'x86-32', 'x86-pae', 'arm64-4k-39',
            'arm64-4k-48', 'arm64-16k-47', 'arm64-16k-48', 'arm64-64k-42',
            'arm64-64k-48', 'arm64-64k-52', 'armv7-2l', 'armv7-lpae',
            'riscv-sv39', 'riscv-sv48', 'riscv-sv57',
            'arm64-4k-52', 'arm64-16k-52']))
        x = o['arches'][ids.index('x86_64-4l')]
        self.assertEqual([(l['name'], l['shift'], l['entries'])
                          for l in x['levels']],
                         [('pgd', 39, 512), ('pud', 30, 512),
                          ('pmd', 21, 512), ('pte', 12, 512)])
        self.assertEqual(x['folded'], ['p4d'])


class Zones(TestCase):
    def test_zones_from_fixture(self):
        root = fixture('proc', 'vm')
        o = cli_json(self, 'zones', '--proc-root', root)
        # the free lists are /proc/buddyinfo's numbers, read independently
        want = {}
        with open(os.path.join(root, 'buddyinfo')) as f:
            for line in f:
                w = line.split()
                want[(int(w[1].rstrip(',')), w[3])] = [int(x) for x in w[4:]]
        got = {(n['node'], z['name']): z['free_area']
               for n in o['nodes'] for z in n['zones']}
        self.assertEqual(got, want)
        self.assertEqual(o['orders'], len(next(iter(want.values()))))
        # files below another root are not this machine's: not "live"
        self.assertEqual(o['source'], 'proc-root')
        with Daemon(['--proc-root', root]) as d:
            st, a = d.get_json('/api/v1/zones')
            self.assertEqual(st, 200)
            self.assertEqual(o, a)

    def test_zones_errors(self):
        r = cli('zones', '--proc-root', '/nonexistent-proc')
        self.assertEqual(r.returncode, 1)
        self.assertIn('ptscope: ', r.stderr)
        self.assertEqual(r.stdout, '')


class Process(TestCase):
    def setUp(self):
        self.child = subprocess.Popen(['sleep', '60'])
        # wait until sleep has exec'd AND finished loading: comm changes at
        # exec, before ld.so maps and touches libc, so wait for it to block
        # in nanosleep (state S) with its rss unchanged between two looks
        deadline = time.time() + 10
        last = None
        while time.time() < deadline:
            with open('/proc/%d/stat' % self.child.pid) as f:
                st = f.read()
            with open('/proc/%d/statm' % self.child.pid) as f:
                rss = f.read().split()[1]
            state = st[st.rindex(')') + 2]
            if '(sleep)' in st and state == 'S' and rss == last:
                break
            last = rss if state == 'S' else None
            time.sleep(0.05)

    def tearDown(self):
        self.child.kill()
        self.child.wait()

    def test_dump_and_walk_pid(self):
        pid = str(self.child.pid)
        o = cli_json(self, 'dump', '--pid', pid, '--depth', '2')
        self.assertEqual(o['space'], 'pid-' + pid)
        arches = {a['id']: a for a in cli_json(self, 'arches')['arches']}
        arch = arches[o['arch']]
        levels = [l['name'] for l in arch['levels']]
        n = o['node']
        self.assertEqual((n['level'], n['va']), (levels[0], '0x0'))
        self.assertGreater(n['stats']['present_pages'], 0)
        self.assertGreaterEqual(n['stats']['tables'], len(levels))
        self.assertTrue(n['children'])
        # the top page of the stack holds argv and the environment
        with open('/proc/%s/maps' % pid) as f:
            stack = [l for l in f if l.rstrip().endswith('[stack]')][0]
        top = int(stack.split('-')[1].split()[0], 16)
        va = top - 8
        w = cli_json(self, 'walk', '--pid', pid, hex(va))
        self.assertEqual(w['space'], 'pid-' + pid)
        self.assertTrue(w['mapped'], w)
        self.assertEqual(w['steps'][-1]['kind'], 'page')
        self.assertEqual([s['level'] for s in w['steps']], levels)
        for s in w['steps']:
            lv = arch['levels'][levels.index(s['level'])]
            self.assertEqual(s['index'],
                             (va >> lv['shift']) & (lv['entries'] - 1))
        # the same process through the API gives the same tables
        with Daemon() as d:
            st, sp = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                    'pid': int(pid)})
            self.assertEqual(st, 201, sp)
            st, a = d.get_json('/api/v1/spaces/pid-%s/tree?depth=2' % pid)
            self.assertEqual(st, 200)
            self.assertEqual(strip_ids(a['node']), strip_ids(n))

    def test_ptdump_format_pid(self):
        r = cli('dump', '--pid', str(self.child.pid), '--format', 'ptdump')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'(?m)^0x[0-9a-f]+-0x[0-9a-f]+ .*USR')

    def test_gone_pid_is_runtime_error(self):
        for args in (['dump', '--pid', NOT_A_PID],
                     ['walk', '--pid', NOT_A_PID, '0x1000']):
            r = cli(*args)
            self.assertEqual(r.returncode, 1, args)
            self.assertRegex(r.stderr, r'^ptscope: .*' + NOT_A_PID)
            self.assertEqual(r.stdout, '')


class ExitCodes(TestCase):
    def test_usage_is_2(self):
        for args in (['dump'], ['dump', '--pid', '1', '--sim', 'x86_64-4l'],
                     ['dump', '--sim', 'x86_64-4l', '--format', 'xml'],
                     ['dump', '--sim', 'x86_64-4l', '--depth', '9'],
                     ['dump', '--sim', 'x86_64-4l', '--depth', 'deep'],
                     ['dump', '--sim', 'x86_64-4l', '--node', 'pmx:0x0'],
                     ['dump', '--sim', 'x86_64-4l', 'extra'],
                     ['dump', '--sim', 'x86_64-4l', '--no-such'],
                     ['dump', '--pid', 'abc'], ['dump', '--pid', '0'],
                     ['dump', '--sim'],
                     ['walk', '--sim', 'x86_64-4l'],
                     ['walk', '--sim', 'x86_64-4l', 'zz'],
                     ['walk', '--sim', 'x86_64-4l', '0x1', '0x2'],
                     ['walk', '0x1000'],
                     ['zones', 'extra'], ['zones', '--bogus'],
                     ['arches', 'extra'], ['nosuchcommand'], []):
            r = cli(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn('usage: ptscope', r.stderr, args)
            self.assertEqual(r.stdout, '', args)

    def test_bad_values_are_2_with_a_reason(self):
        for args, why in (
                (['dump', '--sim', 'vax-11'], 'vax-11'),
                (['dump', '--sim', 'x86_64-4l', '--scenario', 'nope'],
                 'nope'),
                # beyond the 48-bit canonical range of 4-level paging
                (['walk', '--sim', 'x86_64-4l', '0x800000000000'], '')):
            r = cli(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertRegex(r.stderr, r'^ptscope: .*' + why)
            self.assertEqual(r.stdout, '')

    def test_missing_table_is_1(self):
        r = cli('dump', *SIM, '--node', 'pte:0x100000000000')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r'^ptscope: ')

    def test_help_is_0(self):
        for c in ('dump', 'walk', 'zones', 'arches'):
            r = cli(c, '--help')
            self.assertEqual(r.returncode, 0, c)
            self.assertIn('usage: ptscope ' + c, r.stdout)
            self.assertEqual(r.stderr, '')


# The options each command takes, as ptscope(1)'s SYNOPSIS gives them.
OPTIONS = {
    'dump': {'pid', 'sim', 'gdb', 'qmp', 'scenario', 'ram-mb', 'node',
             'depth', 'format', 'proc-root', 'help'},
    'walk': {'pid', 'sim', 'gdb', 'qmp', 'scenario', 'ram-mb', 'proc-root',
             'help'},
    'zones': {'proc-root', 'help'},
    'arches': {'help'},
    'record': {'pid', 'output', 'interval', 'duration', 'show-physical',
               'proc-root', 'help'},
}
# A value each option accepts.
SAMPLE = {'pid': NOT_A_PID, 'sim': 'x86_64-4l', 'scenario': 'empty',
          'ram-mb': '64', 'node': 'pgd:0x0', 'depth': '0',
          'format': 'json', 'proc-root': '/proc', 'output': '/nonexistent/x',
          'interval': '100', 'duration': '1', 'show-physical': None,
          # nothing listens on port 1: a runtime error, not a usage one
          'gdb': '127.0.0.1:1', 'qmp': '/nonexistent/qmp.sock'}


def help_entries(text):
    """{option: description} of a --help text's "  --NAME ..." entries
    (the description: the lines indented below it)."""
    return {name: ' '.join(body.split()) for name, body in re.findall(
        r'(?m)^  --([a-z][a-z-]*)[^\n]*\n((?:        \S.*\n)*)', text)}


class Help(TestCase):
    def test_every_command_describes_its_options(self):
        """ptscope CMD --help has an entry with a description for every
        option the command takes, and for nothing else; each option it
        lists is one the command accepts."""
        for c, want in OPTIONS.items():
            text = cli(c, '--help').stdout
            entries = help_entries(text)
            self.assertEqual(set(entries), want, c)
            for name, desc in entries.items():
                self.assertGreaterEqual(len(desc.split()), 3,
                                        '%s --%s: %r' % (c, name, desc))
            usage = text.split('\n\n')[0]
            for o in re.findall(r'--([a-z][a-z-]+)', usage):
                self.assertIn(o, entries, c)
            for name in want - {'help'}:
                args = [c, '--' + name] + ([SAMPLE[name]]
                                           if SAMPLE[name] else [])
                if c == 'record':
                    args += ['--pid', NOT_A_PID] if name != 'pid' else []
                    args += ['-o', SAMPLE['output']] if name != 'output' \
                        else []
                if c in ('dump', 'walk') and name == 'qmp':
                    args += ['--gdb', SAMPLE['gdb']]
                elif c in ('dump', 'walk') and name not in ('pid', 'sim',
                                                            'gdb'):
                    args += ['--sim', 'x86_64-4l']
                if c == 'walk':
                    args.append('0x1000')
                r = cli(*args)
                self.assertNotIn('unknown or incomplete option', r.stderr,
                                 args)
                self.assertIn(r.returncode, (0, 1), (args, r.stderr))

    def test_serve_describes_its_options(self):
        text = cli('serve', '--help').stdout
        entries = help_entries(text)
        self.assertGreater(len(entries), 20)
        for name, desc in entries.items():
            self.assertGreaterEqual(len(desc.split()), 3, name)
        # the hidden man-page generator is not among them
        self.assertNotIn('help-man', entries)
        # every option is refused with its name when its value is bad,
        # not as an unknown option (getopt and the table agree)
        r = cli('serve', '--max-conns', 'many')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--max-conns', r.stderr)


main()
