#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The gdbstub double (tests/lib/gdbdouble.py) serving RISC-V Sv39 tables
for vm.test.mjs: the root at 0x80001000 with user entry 0 -> a pmd table
-> a pte table mapping VA 0x10000 to PA 0x80400000 (R X U), and kernel
entry 256 (0xffffffc000000000) -> a pmd table whose entry 0 is
a 2 MiB block at PA 0x80200000 (R W G).  Encoded here from the RISC-V
privileged spec 4.4 (V R W X U G A D in bits 0-7, PPN from bit 10).  Prints
the double's HOST:PORT, serves until stdin closes."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from gdbdouble import GdbDouble  # noqa: E402

V, R, W, X, U, G, A, D = (1 << i for i in range(8))
ROOT, L1U, L0U, L1K = 0x80001000, 0x80002000, 0x80003000, 0x80004000


def pte(pa, bits):
    return (pa >> 12) << 10 | bits


tables = {ROOT: {0: pte(L1U, V), 256: pte(L1K, V)},
          L1U: {0: pte(L0U, V)},
          L0U: {0x10: pte(0x80400000, V | R | X | U | A)},
          L1K: {0: pte(0x80200000, V | R | W | G | A | D)}}
mem = {pa: b''.join(t.get(i, 0).to_bytes(8, 'little') for i in range(512))
       for pa, t in tables.items()}
dbl = GdbDouble(mem, 8 << 60 | ROOT >> 12)
print(dbl.addr, flush=True)
sys.stdin.read()
dbl.close()
