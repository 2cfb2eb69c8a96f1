# SPDX-License-Identifier: MIT
"""guest: boot a real Debian 12 kernel under QEMU for the tests.

Kernels and busybox come from the Debian archive as packages (apt-get
download), are cached in the build dir (PTS_BUILDDIR/vm-cache, or
PTS_VM_CACHE) and unpacked with dpkg-deb -x.  The initramfs is a newc cpio
written here: busybox-static, an /init that mounts proc/sys/dev, prints a
ready line and runs a shell on the serial console, plus any extra files
(a binary and its shared libraries).  QEMU runs with TCG, its gdbstub on an
ephemeral 127.0.0.1 port and QMP on a unix socket; the serial console is
QEMU's stdio, copied to a log file and readable line by line.

Functions and classes
    have_qemu(arch)           the qemu-system binary for 'x86_64'|'arm64', or None
    skip_reason(arch)         why a guest of that arch cannot boot here (or None)
    kernel(arch)              path of the cached vmlinuz of Debian's newest
                              linux-image-6.1.0-NN-{amd64,arm64} (downloads once)
    kernel_arm64_16k()        the same for Debian 12's arm64 16 KiB-page kernel
                              (linux-image-6.12.N+deb12-arm64-16k-unsigned)
    busybox(arch)             path of the cached static busybox for that arch
    Initramfs(arch)           .add_file(guest_path, host_path, mode=0o755)
                              .add_bytes(guest_path, data, mode=0o644)
                              .add_binary(host_path, guest_path=None): the file,
                                 its shared libraries and loader (ldd; host arch)
                              .add_ptscope(host_binary, guest_dir): ptscope
                                 and its network module ptscope-net.so (the
                                 one beside it) in guest_dir, with their
                                 libraries
                              .write(path) -> path of the cpio
    Guest(arch, initrd=None, mem_mb=512, append='', cpu=None, extra_args=(),
          boot_timeout=None, script=None, kernel_image=None)
                              a guest; a context manager.  kernel_image:
                              another vmlinuz of the arch (default
                              kernel(arch); kernel_arm64_16k() is one).
                              initrd: an
                              Initramfs (or a cpio path; default: busybox
                              only).  script: shell text run as /pts-init.sh
                              before the ready line (background what must
                              keep running: `prog &`); its output is on the
                              console.  QEMU is killed if the test dies.
                              boot_timeout (default per arch), like every
                              console deadline, is scaled by
                              PTS_TIMEOUT_SCALE (ptstest.SLOW).
        .start()              boot, wait for the ready line (deadline), return self
        .gdb_addr             '127.0.0.1:PORT' of the gdbstub
        .qmp_path             the harness's QMP unix socket (one client at
                              a time: the harness is it)
        .qmp_spare            a second QMP socket for the program under test
        .qemu_pid             QEMU's process id
        .serial_log           path of the console log
        .find_lines(regex)    every console line so far that matches (Match)
        .records(tag='PTS-R') {name: text} of the console lines
                              "TAG NAME TEXT" so far (a boot script's
                              machine-readable results; the last wins)
        .wait_line(regex, timeout) -> the re.Match of the next matching
                              console line (after the last one consumed)
        .run(cmd, timeout)    run a shell command in the guest; returns
                              (exit_status, output_lines).  Console input
                              reaches a TCG guest on a loaded machine late
                              (seconds): prefer script= where you can.
        .send(text)           write raw text to the console
        .qmp(execute, **args) one QMP command -> its "return" value
        .hmp(command_line)    a monitor command through QMP -> its text
        .xp(pa, n)            n 64-bit words of guest RAM at pa (monitor xp)
        .arm64_regs(*names)   system registers over the gdbstub (then cont)
        .stop()               clean shutdown: QMP quit, then kill if QEMU
                              has not exited in 15 s; always reaps QEMU
    Qmp(path_or_hostport)     a small QMP client: .command(name, **args),
                              .hmp(cmdline), .close()
    GdbClient(host, port)     a small gdb remote-protocol client for the
                              tests' own independent reads (connecting stops
                              the guest; .supported is the qSupported
                              reply): .packet(data),
                              .interrupt(), .cont(), .features() -> {name:
                              regnum} from qXfer target XML, .read_reg(n),
                              .read_mem(addr, n), .close()
Boot times on this machine: x86_64 about 9 s, arm64 under 45 s (TCG).
"""
import json
import contextlib
import fcntl
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time

from ptstest import SLOW

BUILDDIR = os.environ.get('PTS_BUILDDIR', os.getcwd())
CACHE = os.environ.get('PTS_VM_CACHE', os.path.join(BUILDDIR, 'vm-cache'))
READY = 'PTS-GUEST-READY'

ARCHES = {
    # no_timer_check: on a loaded host the kernel's IO-APIC timer check
    # misses TCG's ticks and panics ("IO-APIC + timer doesn't work!")
    'x86_64': dict(deb='amd64', qemu='qemu-system-x86_64',
                   console='ttyS0', machine=['-M', 'pc'],
                   append='no_timer_check',
                   cpu='qemu64', boot_timeout=120),
    # pauth-impdef: QEMU's own cheap pointer-auth hash (TCG), same registers
    'arm64': dict(deb='arm64', qemu='qemu-system-aarch64',
                  console='ttyAMA0', machine=['-M', 'virt'], append='',
                  cpu='max,pauth-impdef=on', boot_timeout=240),
}


def have_qemu(arch):
    return shutil.which(ARCHES[arch]['qemu'])


def _apt_has(pkg):
    r = subprocess.run(['apt-cache', 'policy', pkg], capture_output=True,
                       text=True)
    return r.returncode == 0 and re.search(r'Candidate: (?!\(none\))',
                                           r.stdout) is not None


def skip_reason(arch):
    """Why a guest of this arch cannot run here, or None."""
    if not have_qemu(arch):
        return '%s not installed' % ARCHES[arch]['qemu']
    if not shutil.which('dpkg-deb') or not shutil.which('apt-get'):
        return 'no dpkg-deb/apt-get'
    deb = ARCHES[arch]['deb']
    if not _cached(arch, 'busybox') and not _apt_has('busybox-static:' + deb):
        return 'busybox-static:%s not in the apt lists (dpkg --add-architecture %s)' % (deb, deb)
    return None


def _cached(arch, what):
    p = os.path.join(CACHE, arch, what)
    return p if os.path.exists(p) else None


def _newest_kernel_pkg(deb):
    """linux-image-6.1.0-NN-ARCH with the highest NN in the apt lists."""
    r = subprocess.run(['apt-cache', 'search', '--names-only',
                        r'^linux-image-6\.1\.0-[0-9]+-%s$' % deb],
                       capture_output=True, text=True, check=True)
    names = re.findall(r'^(linux-image-6\.1\.0-(\d+)-%s) ' % deb, r.stdout,
                       re.M)
    if not names:
        raise RuntimeError('no linux-image-6.1.0-NN-%s in the apt lists'
                           % deb)
    return max(names, key=lambda n: int(n[1]))[0]


def _download_unpack(pkg, arch, into):
    """apt-get download PKG into the cache and dpkg-deb -x it into INTO."""
    work = os.path.join(CACHE, arch, 'debs')
    os.makedirs(work, exist_ok=True)
    debs = [f for f in os.listdir(work)
            if f.startswith(pkg.split(':')[0] + '_')]
    if not debs:
        # downloaded beside, moved in whole: a run killed mid-download
        # leaves no half .deb for the next one to unpack
        part = tempfile.mkdtemp(dir=work)
        subprocess.run(['apt-get', 'download', '-q', pkg], cwd=part,
                       check=True, capture_output=True)
        for f in os.listdir(part):
            os.replace(os.path.join(part, f), os.path.join(work, f))
        os.rmdir(part)
        debs = [f for f in os.listdir(work)
                if f.startswith(pkg.split(':')[0] + '_')]
    tmp = tempfile.mkdtemp(dir=os.path.join(CACHE, arch))
    subprocess.run(['dpkg-deb', '-x', os.path.join(work, debs[0]), tmp],
                   check=True)
    os.makedirs(into, exist_ok=True)
    return tmp


@contextlib.contextmanager
def _cache_lock(arch):
    """One filler of CACHE/ARCH at a time: tests run in parallel (make -j)
    and, on a fresh cache, each would otherwise download the same .deb in
    place and another unpack it half-written (dpkg-deb: unexpected end of
    file, CI's first run on a fresh machine)."""
    os.makedirs(os.path.join(CACHE, arch), exist_ok=True)
    with open(os.path.join(CACHE, arch, '.lock'), 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _fill_once(key, dest, fill):
    """dest, made by fill(dest) first when it is not in the cache yet (one
    filler at a time: the others wait and take its result)."""
    if os.path.exists(dest):
        return dest
    with _cache_lock(key):
        if not os.path.exists(dest):    # (another test may have filled it)
            fill(dest)
        return dest


def _install_kernel(pkg, key, dest):
    """Download the kernel package pkg; its vmlinuz to dest, its /boot
    config and release beside it (CACHE/KEY/config, kernel-release)."""
    tmp = _download_unpack(pkg, key, os.path.dirname(dest))
    boot = os.path.join(tmp, 'boot')
    vm = [f for f in os.listdir(boot) if f.startswith('vmlinuz-')][0]
    cfg = [f for f in os.listdir(boot) if f.startswith('config-')]
    if cfg:
        shutil.copy(os.path.join(boot, cfg[0]),
                    os.path.join(CACHE, key, 'config'))
    os.replace(os.path.join(boot, vm), dest + '.part')
    os.replace(dest + '.part', dest)
    with open(os.path.join(CACHE, key, 'kernel-release'), 'w') as f:
        f.write(vm[len('vmlinuz-'):] + '\n')
    shutil.rmtree(tmp)


def _with_arch(pkg, deb):
    """pkg, as pkg:DEB when DEB is not this machine's architecture."""
    return pkg if deb == _host_deb_arch() else pkg + ':' + deb


def kernel(arch):
    """The cached vmlinuz of Debian's newest 6.1 kernel for the arch."""
    deb = ARCHES[arch]['deb']
    return _fill_once(arch, os.path.join(CACHE, arch, 'vmlinuz'),
                   lambda dest: _install_kernel(
                       _with_arch(_newest_kernel_pkg(deb), deb), arch, dest))


def _newest_16k_pkg():
    r = subprocess.run(['apt-cache', 'search', '--names-only',
                        r'^linux-image-6\.12\.[0-9]+\+deb12-arm64-16k-'
                        r'unsigned$'], capture_output=True, text=True,
                       check=True)
    names = re.findall(r'^(linux-image-6\.12\.(\d+)\+deb12-arm64-16k-'
                       r'unsigned) ', r.stdout, re.M)
    if not names:
        raise RuntimeError('no linux-image-6.12.N+deb12-arm64-16k-unsigned '
                           'in the apt lists')
    return max(names, key=lambda n: int(n[1]))[0]


def kernel_arm64_16k():
    """The cached vmlinuz of Debian 12's newest arm64 kernel with 16 KiB
    pages (linux-image-6.12.N+deb12-arm64-16k-unsigned: bookworm-security's
    linux-6.12, built with ARM64_16K_PAGES and ARM64_VA_BITS_52)."""
    key = 'arm64-16k'
    return _fill_once(key, os.path.join(CACHE, key, 'vmlinuz'),
                   lambda dest: _install_kernel(
                       _with_arch(_newest_16k_pkg(), 'arm64'), key, dest))


def busybox(arch):
    """The cached static busybox binary for the arch."""
    deb = ARCHES[arch]['deb']

    def fill(dest):
        tmp = _download_unpack(_with_arch('busybox-static', deb), arch,
                               os.path.dirname(dest))
        os.replace(os.path.join(tmp, 'bin', 'busybox'), dest)
        shutil.rmtree(tmp)

    return _fill_once(arch, os.path.join(CACHE, arch, 'busybox'), fill)


def _host_deb_arch():
    return subprocess.run(['dpkg', '--print-architecture'],
                          capture_output=True, text=True).stdout.strip()


INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
[ -x /pts-init.sh ] && /pts-init.sh
stty -echo 2>/dev/null
echo PTS-GUEST""-READY $(uname -r)
# a pipe, not the tty, on the shell's stdin: no prompt, no banner
while true; do cat /dev/console | sh >/dev/console 2>&1; done
'''


class Initramfs:
    """A newc cpio archive built in memory (no root, no cpio tool)."""

    def __init__(self, arch):
        self.arch = arch
        self.entries = {}   # guest path -> (mode, data, rdev)
        self.add_bytes('/init', INIT.encode(), 0o755)
        self.add_file('/bin/busybox', busybox(arch), 0o755)
        self.entries['/dev/console'] = (stat.S_IFCHR | 0o600, b'', (5, 1))

    def add_bytes(self, guest_path, data, mode=0o644):
        self.entries[guest_path] = (stat.S_IFREG | mode, data, None)

    def add_file(self, guest_path, host_path, mode=None):
        with open(host_path, 'rb') as f:
            data = f.read()
        if mode is None:
            mode = os.stat(host_path).st_mode & 0o777
        self.add_bytes(guest_path, data, mode)

    def add_binary(self, host_path, guest_path=None):
        """A host-arch binary with its shared libraries and loader."""
        self.add_file(guest_path or host_path, host_path, 0o755)
        r = subprocess.run(['ldd', host_path], capture_output=True,
                           text=True)
        for line in r.stdout.splitlines():
            m = re.search(r'(/\S+) \(0x', line)
            if m:
                lib = m.group(1)
                self.add_file(lib, os.path.realpath(lib), 0o755)

    def add_ptscope(self, host_binary, guest_dir):
        """ptscope as `serve` needs it: the binary and, beside it, the
        module it opens (server/net.h)."""
        self.add_binary(host_binary, guest_dir + '/ptscope')
        self.add_binary(os.path.join(os.path.dirname(host_binary),
                                     'ptscope-net.so'),
                        guest_dir + '/ptscope-net.so')

    def _dirs(self):
        dirs = set()
        for p in self.entries:
            d = os.path.dirname(p)
            while d not in ('/', ''):
                dirs.add(d)
                d = os.path.dirname(d)
        return sorted(dirs)

    def write(self, path):
        ino = [1000]

        def rec(name, mode, data=b'', rdev=None):
            ino[0] += 1
            maj, mnr = rdev or (0, 0)
            hdr = '070701' + ''.join('%08x' % v for v in (
                ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, maj, mnr,
                len(name) + 1, 0))
            out = hdr.encode() + name.encode() + b'\0'
            out += b'\0' * (-len(out) % 4)
            out += data + b'\0' * (-len(data) % 4)
            return out

        parts = [rec(d.lstrip('/'), stat.S_IFDIR | 0o755)
                 for d in self._dirs()]
        for p, (mode, data, rdev) in sorted(self.entries.items()):
            parts.append(rec(p.lstrip('/'), mode, data, rdev))
        parts.append(rec('TRAILER!!!', 0))
        with open(path, 'wb') as f:
            f.write(b''.join(parts))
        return path


def _die_with_parent():
    """In the QEMU child: SIGKILL when the test process dies."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Qmp:
    """QMP over a unix socket path or HOST:PORT."""

    def __init__(self, where, timeout=30):
        if ':' in where and not where.startswith('/'):
            host, port = where.rsplit(':', 1)
            self.sock = socket.create_connection((host, int(port)), timeout)
        else:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(timeout)
            self.sock.connect(where)
        self.buf = b''
        self.events = []                  # asynchronous events, as read
        self._read()                      # greeting
        self.command('qmp_capabilities')

    def _read(self):
        while b'\n' not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError('QMP closed')
            self.buf += d
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def command(self, name, **args):
        msg = {'execute': name}
        if args:
            msg['arguments'] = args
        self.sock.sendall(json.dumps(msg).encode() + b'\n')
        while True:
            r = self._read()
            if 'return' in r:
                return r['return']
            if 'error' in r:
                raise RuntimeError('QMP %s: %s' % (name, r['error']))
            if 'event' in r:
                self.events.append(r['event'])

    def hmp(self, cmdline):
        return self.command('human-monitor-command', **{
            'command-line': cmdline})

    def close(self):
        self.sock.close()


class GdbClient:
    """The gdb remote serial protocol, just enough for the tests."""

    def __init__(self, host, port, timeout=30):
        self.sock = socket.create_connection((host, port), timeout)
        self.buf = b''
        # QEMU stops the guest when a gdb connects; .cont() resumes it
        self.supported = self.packet('qSupported:xmlRegisters=i386,aarch64')
        self.stop_reply = self.packet('?')

    def _send(self, data):
        cs = sum(data.encode()) & 0xff
        self.sock.sendall(b'$' + data.encode() + b'#%02x' % cs)

    def _recv_packet(self):
        while True:
            while b'#' not in self.buf or \
                    len(self.buf) - self.buf.index(b'#') < 3:
                d = self.sock.recv(65536)
                if not d:
                    raise ConnectionError('gdbstub closed')
                self.buf += d
            start = self.buf.find(b'$')
            end = self.buf.index(b'#', start)
            body = self.buf[start + 1:end]
            self.buf = self.buf[end + 3:]
            self.sock.sendall(b'+')
            return body.decode('latin-1')

    def packet(self, data):
        """Send one packet, return its reply.  QEMU sends a stop reply
        (T02...) of its own when it stops the guest on connect: stop
        replies are skipped except as the answer to '?'."""
        self._send(data)
        while True:
            r = self._recv_packet()
            if data == '?' or not r[:1] in ('T', 'S'):
                return r

    def interrupt(self):
        self.sock.sendall(b'\x03')
        return self._recv_packet()

    def cont(self):
        self._send('c')

    def xfer(self, obj, annex):
        out, off = '', 0
        while True:
            r = self.packet('qXfer:%s:read:%s:%x,%x' % (obj, annex, off,
                                                         0xf00))
            out += r[1:]
            off += len(r) - 1
            if r[0] == 'l':
                return out
            if r[0] != 'm':
                raise RuntimeError('qXfer %s: %r' % (annex, r))

    def features(self):
        """Register name -> number, from target.xml and its includes."""
        regs, nxt = {}, 0
        top = self.xfer('features', 'target.xml')
        files = re.findall(r'<xi:include href="([^"]+)"', top) or []
        for xml in [top] + [self.xfer('features', f) for f in files]:
            for m in re.finditer(r'<reg ([^>]*)>?', xml):
                attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
                n = int(attrs.get('regnum', nxt))
                regs[attrs['name']] = n
                nxt = n + 1
        return regs

    def read_reg(self, n):
        r = self.packet('p%x' % n)
        return int.from_bytes(bytes.fromhex(r), 'little')

    def read_mem(self, addr, n):
        r = self.packet('m%x,%x' % (addr, n))
        if r.startswith('E'):
            raise RuntimeError('gdb m %x: %s' % (addr, r))
        return bytes.fromhex(r)

    def close(self):
        self.sock.close()


class Guest:
    """A QEMU guest booted from a Debian kernel and a busybox initramfs."""

    def __init__(self, arch, initrd=None, mem_mb=512, append='', cpu=None,
                 extra_args=(), boot_timeout=None, script=None,
                 kernel_image=None):
        self.arch = arch
        self.kernel_image = kernel_image    # default: kernel(arch)
        self.spec = ARCHES[arch]
        self.initrd = initrd
        self.mem_mb = mem_mb
        self.append = append
        self.cpu = cpu or self.spec['cpu']
        self.extra_args = list(extra_args)
        # every console deadline (boot included) is scaled by wait_line
        self.boot_timeout = boot_timeout or self.spec['boot_timeout']
        self.script = script
        self.dir = tempfile.mkdtemp(prefix='pts-guest-')
        self.qmp_path = os.path.join(self.dir, 'qmp.sock')
        # a QMP socket takes one client at a time: the harness keeps
        # qmp_path, the program under test gets its own
        self.qmp_spare = os.path.join(self.dir, 'qmp-spare.sock')
        self.serial_log = os.path.join(self.dir, 'serial.log')
        self.stderr_log = os.path.join(self.dir, 'qemu.err')
        self.proc = None
        self.lines = []
        self.consumed = 0
        self.cond = threading.Condition()
        self._qmp = None
        self._seq = 0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def command_line(self):
        cmdline = 'console=%s panic=-1 quiet %s %s' % (
            self.spec['console'], self.spec['append'], self.append)
        return [self.spec['qemu'], *self.spec['machine'], '-accel', 'tcg',
                '-cpu', self.cpu, '-m', str(self.mem_mb), '-smp', '1',
                '-kernel', self.kernel_image or kernel(self.arch),
                '-initrd', self.initrd,
                '-append', cmdline.strip(), '-display', 'none',
                '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
                '-nodefaults',
                '-gdb', 'tcp:127.0.0.1:%d' % self.gdb_port,
                '-qmp', 'unix:%s,server,nowait' % self.qmp_path,
                '-qmp', 'unix:%s,server,nowait' % self.qmp_spare,
                *self.extra_args]

    def start(self):
        if self.initrd is None:
            self.initrd = Initramfs(self.arch)
        if isinstance(self.initrd, Initramfs):
            if self.script is not None:
                self.initrd.add_bytes('/pts-init.sh', (
                    '#!/bin/sh\n' + self.script + '\n').encode(), 0o755)
            self.initrd = self.initrd.write(
                os.path.join(self.dir, 'initrd.cpio'))
        for _ in range(5):
            self.gdb_port = free_port()
            self.gdb_addr = '127.0.0.1:%d' % self.gdb_port
            err = open(self.stderr_log, 'wb')
            self.proc = subprocess.Popen(
                self.command_line(), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=err,
                preexec_fn=_die_with_parent)
            err.close()
            self.qemu_pid = self.proc.pid
            threading.Thread(target=self._reader, daemon=True).start()
            if self._wait_sockets():
                break
            self.proc.wait()
            with open(self.stderr_log, errors='replace') as f:
                err = f.read()
            if 'Address already in use' not in err:
                raise RuntimeError('qemu failed: %s' % err)
            self.proc.stdout.close()
            self.proc.stdin.close()
        try:
            self.wait_line(READY, self.boot_timeout)
        except Exception:
            self.stop()
            raise
        return self

    def _wait_sockets(self):
        """True once QMP answers (QEMU has bound every socket and runs);
        False when QEMU exited first (a port taken since free_port)."""
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            if os.path.exists(self.qmp_path):
                try:
                    self._qmp = Qmp(self.qmp_path)
                    return True
                except (OSError, ConnectionError):
                    pass
            time.sleep(0.05)
        raise RuntimeError('QEMU did not open QMP in 60 s:\n' + self.tail())

    def _reader(self):
        with open(self.serial_log, 'ab') as log:
            part = b''
            while True:
                d = self.proc.stdout.read1(4096)
                if not d:
                    break
                log.write(d)
                log.flush()
                part += d
                *done, part = part.split(b'\n')
                if done:
                    with self.cond:
                        self.lines += [x.decode('utf-8', 'replace')
                                       .rstrip('\r') for x in done]
                        self.cond.notify_all()
        with self.cond:
            self.lines.append(None)     # end of console
            self.cond.notify_all()

    def tail(self, n=25):
        """The last n console lines and QEMU's stderr, for messages."""
        lines = [x for x in self.lines[-n:] if x is not None]
        try:
            with open(self.stderr_log, errors='replace') as f:
                err = f.read()[-2000:]
        except OSError:
            err = ''
        return '\n'.join(lines) + ('\nqemu stderr: ' + err if err else '')

    def find_lines(self, regex):
        """Every console line so far matching regex (re.Match objects)."""
        pat = re.compile(regex)
        with self.cond:
            lines = [x for x in self.lines if x is not None]
        return [m for m in map(pat.search, lines) if m]

    def records(self, tag='PTS-R'):
        """{name: text} of every console line "TAG NAME TEXT" so far."""
        return {m.group(1): m.group(2) for m in
                self.find_lines(r'^%s (\S+) ?(.*)$' % re.escape(tag))}

    def wait_line(self, regex, timeout=30):
        """The next console line matching regex (a deadline, not a sleep):
        timeout seconds scaled by PTS_TIMEOUT_SCALE (ptstest.SLOW), as a
        sanitizer build or a loaded machine boots and runs slower."""
        pat = re.compile(regex)
        timeout *= SLOW
        deadline = time.time() + timeout
        with self.cond:
            while True:
                while self.consumed < len(self.lines):
                    line = self.lines[self.consumed]
                    self.consumed += 1
                    if line is None:
                        self.consumed -= 1
                        raise RuntimeError(
                            'guest console closed waiting for %r:\n%s'
                            % (regex, self.tail()))
                    m = pat.search(line)
                    if m:
                        return m
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError('no %r on the console in %ss:\n%s'
                                       % (regex, timeout, self.tail()))
                self.cond.wait(left)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, cmd, timeout=60):
        """Run cmd in the guest shell: (status, lines it printed)."""
        self._seq += 1
        tag = 'PTS-DONE-%d' % self._seq
        start = len(self.lines)
        # the quotes keep an echoed command line from matching the tag
        self.send('%s; echo PTS-DONE""-%d $?\n' % (cmd, self._seq))
        m = self.wait_line(r'^%s (\d+)$' % tag, timeout)
        with self.cond:
            out = [x for x in self.lines[start:self.consumed - 1]
                   if x is not None and 'PTS-DONE""' not in x]
        return int(m.group(1)), out

    def stops_during(self, fn):
        """(fn(), how often QEMU stopped the guest while fn ran): the STOP
        events on the harness's own QMP connection (QEMU sends them to
        every QMP client, in order with the replies)."""
        self.qmp('query-status')
        self._qmp.events.clear()
        r = fn()
        self.qmp('query-status')
        return r, self._qmp.events.count('STOP')

    def qmp(self, name, **args):
        if self._qmp is None:
            self._qmp = Qmp(self.qmp_path)
        return self._qmp.command(name, **args)

    def hmp(self, cmdline):
        return self.qmp('human-monitor-command', **{'command-line': cmdline})

    def xp(self, pa, n):
        """n 64-bit words of guest-physical memory at pa, read by the
        monitor's `xp` (the tests' own reads, independent of ptscope)."""
        words = []
        for line in self.hmp('xp /%dgx 0x%x' % (n, pa)).splitlines():
            m = re.match(r'^[0-9a-f]+: (.*)$', line.strip())
            if m:
                words += [int(w, 16) for w in m.group(1).split()]
        assert len(words) == n, (hex(pa), len(words))
        return words

    def arm64_regs(self, *names):
        """System registers (e.g. 'TTBR1_EL1', 'TCR_EL1') over the gdbstub;
        the guest runs again after."""
        host, port = self.gdb_addr.rsplit(':', 1)
        gdb = GdbClient(host, int(port))
        try:
            regs = gdb.features()
            return [gdb.read_reg(regs[n]) for n in names]
        finally:
            gdb.cont()
            gdb.close()

    def stop(self):
        if self.proc is None:
            return
        try:
            # QMP quit: QEMU exits at once (an initramfs guest has no disk
            # to flush); console input may reach a loaded TCG guest late
            if self.proc.poll() is None:
                try:
                    self.qmp('quit')
                    self.proc.wait(15)
                except (OSError, RuntimeError, ConnectionError,
                        subprocess.TimeoutExpired):
                    pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            if self._qmp:
                try:
                    self._qmp.close()
                except OSError:
                    pass
            self.proc = None
            shutil.rmtree(self.dir, ignore_errors=True)
