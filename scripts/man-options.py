#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""man-options.py PTSCOPE MANPAGE [--check]: the option entries of the
man page, made from the options tables: SERVE OPTIONS from server/options.c
(`ptscope serve --help-man`), OPTIONS OF DUMP AND WALK from server/cli.c
(`ptscope dump --help-man`).

Rewrites the lines between each pair of BEGIN and END marks of MANPAGE with
what PTSCOPE prints (`make update-man`); with --check, changes nothing and
exits 1 when they differ.
"""
import subprocess
import sys

# (the marks' name, the command whose --help-man makes the entries)
SECTIONS = (('serve options', 'serve'), ('command options', 'dump'))


def split(text, name):
    """(before, entries, after) around the marks of one section."""
    begin, end = '.\\" BEGIN %s\n' % name, '.\\" END %s\n' % name
    head, sep, rest = text.partition(begin)
    body, sep2, tail = rest.partition(end)
    if not sep or not sep2:
        sys.exit('man-options: %r and %r marks not found' % (begin, end))
    return head + sep, body, sep2 + tail


def main():
    args = [a for a in sys.argv[1:] if a != '--check']
    if len(args) != 2:
        sys.exit(__doc__)
    ptscope, man = args
    with open(man, encoding='utf-8') as f:
        old = text = f.read()
    for name, cmd in SECTIONS:
        made = subprocess.run([ptscope, cmd, '--help-man'], check=True,
                              capture_output=True, text=True).stdout
        head, _body, tail = split(text, name)
        text = head + made + tail
    if text == old:
        return 0
    if '--check' in sys.argv:
        print('man-options: %s differs from the options tables; run make '
              'update-man' % man, file=sys.stderr)
        return 1
    with open(man, 'w', encoding='utf-8') as f:
        f.write(text)
    print('man-options: rewrote the option entries of ' + man)
    return 0


sys.exit(main())
