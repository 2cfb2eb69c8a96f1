#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Process identity (issue #13, part 4).

An attached space is one process, not a pid: when it exits and the pid is
given to a new process, the space answers 404 process_exited (HTTP) and
"gone" (WebSocket), never the new process's layout; the old daemon
switched to the new process whenever its start time (in clock ticks of
10 ms) equalled the old one's.  The pid is reused here on purpose by
writing /proc/sys/kernel/ns_last_pid (the kernel hands out ns_last_pid + 1
next; Documentation/admin-guide/sysctl/kernel.rst), retried until the
same tick is hit.  A process that execs a setuid-root program under
--allow-uid leaves the allowed uids and is not shown any more.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

import ptstest
from ptstest import Daemon, TestCase, main

CHILD = os.path.join(ptstest.BUILDDIR, 'tests', 'child-layout')
NS_LAST_PID = '/proc/sys/kernel/ns_last_pid'
PYTHON = '/usr/bin/python3'    # one that nobody may run


def start_time(pid):
    """Field 22 of /proc/PID/stat (after the parenthesised comm)."""
    with open('/proc/%d/stat' % pid) as f:
        return int(f.read().rsplit(')', 1)[1].split()[19])


def spawn_with_pid(pid, argv):
    """A process with exactly this pid, or None when another process took
    it first (the machine is shared)."""
    try:
        with open(NS_LAST_PID, 'w') as f:
            f.write(str(pid - 1))
    except OSError:
        return None
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    if p.pid != pid:
        p.kill()
        p.wait()
        p.stdin.close()
        p.stdout.close()
        return None
    return p


def can_reuse_pids():
    return os.geteuid() == 0 and os.access(NS_LAST_PID, os.W_OK)


class PidReuse(TestCase):
    def setUp(self):
        if not can_reuse_pids():
            self.skipTest('needs root and a writable %s' % NS_LAST_PID)
        if not os.path.exists(CHILD):
            self.skipTest('tests/child-layout is not built')

    def test_reused_pid_is_gone_not_the_new_process(self):
        same_tick = 0
        tries = 0
        with Daemon() as d:
            while tries < 40 and (same_tick < 1 or tries < 3):
                tries += 1
                a = subprocess.Popen(['sleep', '100'])
                st, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                       'pid': a.pid})
                self.assertEqual(st, 201, o)
                sid, t_a = o['id'], start_time(a.pid)
                with d.ws() as ws:
                    ws.send({'type': 'subscribe', 'space': sid,
                             'node': 'pgd:0x0', 'depth': 1,
                             'interval_ms': 100})
                    self.assertIsNotNone(ws.recv_type('snapshot', 10))
                    a.kill()
                    a.wait()
                    b = spawn_with_pid(a.pid, [CHILD])
                    if b is None:
                        d.delete('/api/v1/spaces/' + sid)
                        continue
                    try:
                        info = json.loads(b.stdout.readline())
                        same_tick += start_time(b.pid) == t_a
                        self.check_gone(d, ws, sid, info)
                    finally:
                        b.terminate()
                        b.wait()
                        b.stdin.close()
                        b.stdout.close()
                d.delete('/api/v1/spaces/' + sid)
        print('pid reused in the same clock tick %d times in %d tries'
              % (same_tick, tries))

    def check_gone(self, d, ws, sid, info):
        """The space of the dead process, with its pid now info['pid']'s."""
        for p in ('', '/tree?depth=4', '/ranges', '/regions',
                  '/walk?va=' + info['anon']):
            st, o = d.get_json('/api/v1/spaces/%s%s' % (sid, p))
            self.assertEqual(st, 404, (p, o))
            self.assertEqual(o['error']['code'], 'process_exited', p)
        m = ws.recv_type('gone', 10)
        self.assertIsNotNone(m)
        self.assertEqual(m['space'], sid)
        # attaching the pid anew is the new process, and says so
        st, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                               'pid': info['pid']})
        self.assertEqual(st, 201, o)
        self.assertEqual(o['comm'], 'child-layout')


class SetuidExec(TestCase):
    """--allow-uid 65534: a nobody process is shown until it execs a
    setuid-root program (its effective and saved uids become 0)."""

    def setUp(self):
        if os.geteuid() != 0 or shutil.which('setpriv') is None or \
                not os.access(PYTHON, os.X_OK):
            self.skipTest('needs root, setpriv (util-linux) and ' + PYTHON)
        self.dir = tempfile.mkdtemp(prefix='ptscope-suid-',
                                    dir=ptstest.BUILDDIR)
        os.chmod(self.dir, 0o755)
        self.suid = os.path.join(self.dir, 'suid-sleep')
        shutil.copy('/bin/sleep', self.suid)
        os.chown(self.suid, 0, 0)
        os.chmod(self.suid, 0o4755)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_setuid_exec_leaves_allow_uid(self):
        script = ('import os, sys; sys.stdin.readline(); '
                  'os.execv(%r, ["sleep", "100"])' % self.suid)
        p = subprocess.Popen(['setpriv', '--reuid=65534', '--regid=65534',
                              '--clear-groups', PYTHON, '-c', script],
                             stdin=subprocess.PIPE, text=True)
        try:
            with Daemon(['--allow-uid', '65534']) as d:
                deadline = time.time() + 10
                while time.time() < deadline:
                    with open('/proc/%d/status' % p.pid) as f:
                        if 'Uid:\t65534\t65534\t65534\t65534' in f.read():
                            break
                    time.sleep(0.02)
                st, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                       'pid': p.pid})
                self.assertEqual(st, 201, o)
                sid = o['id']
                self.assertTrue(o['comm'].startswith('python3'), o)
                p.stdin.write('\n')
                p.stdin.flush()
                # wait for the exec to have happened (the kernel's view)
                deadline = time.time() + 10
                while time.time() < deadline:
                    with open('/proc/%d/status' % p.pid) as f:
                        if 'Uid:\t65534\t0\t0\t0' in f.read():
                            break
                    time.sleep(0.02)
                else:
                    self.skipTest('the setuid bit did not take (nosuid?)')
                time.sleep(0.15)    # past --min-interval: a fresh read
                for sub in ('', '/tree?depth=4', '/ranges', '/regions'):
                    st, o = d.get_json('/api/v1/spaces/%s%s' % (sid, sub))
                    self.assertEqual(st, 403, (sub, o))
                    self.assertEqual(o['error']['code'], 'not_allowed')
                    self.assertNotIn('suid-sleep', json.dumps(o))
                st, o = d.post_json('/api/v1/spaces', {'kind': 'process',
                                                       'pid': p.pid})
                self.assertIn(st, (200, 403), o)
                if st == 200:
                    self.fail('the setuid image was shown: %s' % o)
                with d.ws() as ws:
                    ws.send({'type': 'subscribe', 'space': sid,
                             'node': 'pgd:0x0', 'depth': 2})
                    m = ws.recv(10)
                    while m and m['type'] == 'hello':
                        m = ws.recv(10)
                    self.assertIsNotNone(m)
                    self.assertNotEqual(m['type'], 'snapshot', m)
        finally:
            p.kill()
            p.wait()


main()
