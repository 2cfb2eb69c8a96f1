# SPDX-License-Identifier: MIT
"""gdbdouble: a stand-in for QEMU's gdbstub (RISC-V), for tests that need a
guest whose memory the test writes itself.

    d = GdbDouble(mem={pa: bytes}, satp=value)   # listens on 127.0.0.1:port
    d.addr                                       # 'HOST:PORT'
    d.running                                    # False while 'stopped'
    d.close()
Options: phys_mode=False answers Qqemu.PhyMemMode like a non-QEMU stub;
drop_after_m=N closes the connection at the N-th memory read;
supported='' answers qSupported with nothing.
Speaks: qSupported, QStartNoAckMode, ?, qXfer:features:read (target.xml
naming riscv:rv64 and a csr file with satp), p, m, Qqemu.PhyMemMode, 0x03
and c; replies to anything else are empty (unsupported)."""
import socket
import threading

TARGET = ('<?xml version="1.0"?><target><architecture>riscv:rv64'
          '</architecture><xi:include href="riscv-64bit-cpu.xml"/>'
          '<xi:include href="riscv-64bit-csr.xml"/></target>')
CPU = ('<feature name="org.gnu.gdb.riscv.cpu">' +
       ''.join('<reg name="x%d" bitsize="64" regnum="%d"/>' % (i, i)
               for i in range(32)) +
       '<reg name="pc" bitsize="64" regnum="32"/></feature>')
SATP_REGNUM = 65 + 0x180
CSR = ('<feature name="org.gnu.gdb.riscv.csr">'
       '<reg name="sstatus" bitsize="64" regnum="%d"/>'
       '<reg name="satp" bitsize="64" regnum="%d"/></feature>'
       % (65 + 0x100, SATP_REGNUM))


class GdbDouble:
    def __init__(self, mem, satp, phys_mode=True, drop_after_m=None,
                 supported=None):
        self.mem = mem
        self.satp = satp
        self.phys_mode = phys_mode
        self.drop_after_m = drop_after_m
        self.supported = supported
        self.running = True
        self.stops = self.conts = self.mreads = 0
        self.pages_read = set()         # 4 KiB pages an 'm' packet touched
        self.stopped_reads = True       # every 'm' came while stopped
        self.srv = socket.socket()
        self.srv.bind(('127.0.0.1', 0))
        self.srv.listen(4)
        self.addr = '127.0.0.1:%d' % self.srv.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def read(self, pa, n):
        out = bytearray()
        for a in range(pa, pa + n):
            page = a & ~0xfff
            out.append(self.mem.get(page, bytes(4096))[a - page]
                       if page in self.mem else 0)
        return bytes(out)

    def _serve(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            self.running = False        # like QEMU: stop on connect
            try:
                self._session(c)
            except (OSError, ConnectionError):
                pass
            finally:
                c.close()

    def _reply(self, c, data, noack):
        cs = sum(data.encode()) & 0xff
        c.sendall(b'$' + data.encode() + b'#%02x' % cs)

    def _session(self, c):
        buf = b''
        noack = False
        while True:
            d = c.recv(65536)
            if not d:
                return
            buf += d
            while buf:
                if buf[:1] in (b'+', b'-'):
                    buf = buf[1:]
                    continue
                if buf[:1] == b'\x03':
                    buf = buf[1:]
                    self.running = False
                    self.stops += 1
                    self._reply(c, 'T02thread:01;', noack)
                    continue
                if buf[:1] != b'$':
                    buf = buf[1:]
                    continue
                end = buf.find(b'#')
                if end < 0 or len(buf) < end + 3:
                    break
                pkt = buf[1:end].decode()
                buf = buf[end + 3:]
                if not noack:
                    c.sendall(b'+')
                r = self._answer(pkt)
                if r is False:
                    return
                if pkt == 'QStartNoAckMode':
                    self._reply(c, r, noack)
                    noack = True
                    continue
                if r is not None:
                    self._reply(c, r, noack)

    def _answer(self, pkt):
        if pkt.startswith('qSupported'):
            if self.supported is not None:
                return self.supported
            return 'PacketSize=1000;qXfer:features:read+;QStartNoAckMode+'
        if pkt == 'QStartNoAckMode':
            return 'OK'
        if pkt == '?':
            return 'T02thread:01;'
        if pkt == 'c':
            self.running = True
            self.conts += 1
            return None
        if pkt.startswith('qXfer:features:read:'):
            annex, rng = pkt[len('qXfer:features:read:'):].split(':')
            off, ln = (int(x, 16) for x in rng.split(','))
            doc = {'target.xml': TARGET, 'riscv-64bit-cpu.xml': CPU,
                   'riscv-64bit-csr.xml': CSR}.get(annex)
            if doc is None:
                return 'E00'
            part = doc[off:off + ln]
            return ('l' if off + ln >= len(doc) else 'm') + part
        if pkt.startswith('Qqemu.PhyMemMode:'):
            return 'OK' if self.phys_mode else ''
        if pkt.startswith('p'):
            n = int(pkt[1:], 16)
            v = self.satp if n == SATP_REGNUM else 0
            return v.to_bytes(8, 'little').hex()
        if pkt.startswith('m'):
            self.mreads += 1
            if self.drop_after_m and self.mreads >= self.drop_after_m:
                return False
            a, n = (int(x, 16) for x in pkt[1:].split(','))
            self.pages_read.add(a & ~0xfff)
            self.stopped_reads &= not self.running
            return self.read(a, min(n, 0x7f8)).hex()
        return ''

    def close(self):
        self.srv.close()
