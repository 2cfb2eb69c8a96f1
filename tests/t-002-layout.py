#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The source tree keeps its layering (scripts/check-layout.py): no include
cycles, lib < model < backends/<one> < server.  The checker itself is tried
on small trees with a cycle and with an upward include, so a checker that
passes everything fails here."""
import os
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("PTS_SRCDIR", os.path.join(os.path.dirname(__file__), ".."))
CHECK = os.path.join(SRC, "scripts", "check-layout.py")


def run(top):
    return subprocess.run([sys.executable, CHECK, top], capture_output=True,
                          text=True)


def tree(files):
    top = tempfile.mkdtemp(prefix="pts-layout-")
    for path, text in files.items():
        full = os.path.join(top, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return top


class Layout(unittest.TestCase):
    def test_source_tree_is_clean(self):
        r = run(SRC)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 cycles, 0 layer violations", r.stdout)

    def test_cycle_is_found(self):
        top = tree({"server/a.c": '#include "b.h"\n', "server/a.h": "",
                    "server/b.c": '#include "a.h"\n', "server/b.h": ""})
        r = run(top)
        self.assertEqual(r.returncode, 1)
        self.assertIn("include cycle: a <-> b", r.stdout)

    def test_upward_include_is_found(self):
        top = tree({"lib/err.c": '#include "space.h"\n', "lib/err.h": "",
                    "model/space.h": ""})
        r = run(top)
        self.assertEqual(r.returncode, 1)
        self.assertIn("a layer above", r.stdout)

    def test_backend_reaching_into_another_is_found(self):
        top = tree({"backends/sim/sim.c": '#include "procfs.h"\n',
                    "backends/proc/procfs.h": ""})
        r = run(top)
        self.assertEqual(r.returncode, 1)
        self.assertIn("another backend", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
