#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-layout.py [SRCDIR]: the source tree's layering, checked.

A module is a .c file and the .h of the same name (X-int.h, the internals
shared by the files of a backend or codec, belongs to module X).  Module X
depends on Y when one of its files includes a header of Y.  This fails (exit 1) when
  - two or more modules depend on each other in a cycle, or
  - a layer includes a header of a layer above it:
      lib/ < model/ < backends/<name>/ < server/
    (a backend includes only lib/, model/ and its own directory).
Prints every violation; prints "layout: N modules, 0 cycles" when clean.
"""
import os
import re
import sys

LAYERS = {"lib": 0, "model": 1, "backends": 2, "server": 3}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def modules(top):
    """{module name: {"dir": dir, "files": [paths]}} for every .c/.h."""
    mods = {}
    for d in ("lib", "model", "backends", "server"):
        for root, _dirs, files in os.walk(os.path.join(top, d)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                name = modname(f[:-2])
                rel = os.path.relpath(root, top)
                m = mods.setdefault(name, {"dir": rel, "files": []})
                if m["dir"] != rel:
                    sys.exit(f"check-layout: {name} is in {m['dir']} and {rel}")
                m["files"].append(os.path.join(root, f))
    return mods


def modname(base):
    return base[:-4] if base.endswith("-int") else base


def layer(rel):
    return LAYERS[rel.split(os.sep)[0]]


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    mods = modules(top)
    deps = {n: set() for n in mods}
    bad = []
    for name, m in mods.items():
        for path in m["files"]:
            for inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
                dep = modname(inc[:-2])
                if inc == "config.h" or dep == name:
                    continue
                if dep not in mods:
                    bad.append(f"{path}: includes unknown {inc}")
                    continue
                deps[name].add(dep)
                src, dst = m["dir"], mods[dep]["dir"]
                if layer(dst) > layer(src):
                    bad.append(f"{path}: {src}/ includes {dst}/{inc}, a layer above")
                elif (layer(src) == layer(dst) == LAYERS["backends"]
                      and src != dst):
                    bad.append(f"{path}: backend {src} includes another "
                               f"backend's {dst}/{inc}")
    # cycles: Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            strong(v)
    for comp in sccs:
        bad.append("include cycle: " + " <-> ".join(comp))
    for b in bad:
        print(b)
    print(f"layout: {len(mods)} modules, {len(sccs)} cycles, "
          f"{len(bad) - len(sccs)} layer violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
