#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""man-options.py PTSCOPE MANPAGE [--check]: the SERVE OPTIONS entries of
the man page, made from the options table (`ptscope serve --help-man`).

Rewrites the lines between the BEGIN and END marks of MANPAGE with what
PTSCOPE prints (`make update-man`); with --check, changes nothing and exits
1 when they differ.
"""
import subprocess
import sys

BEGIN = '.\\" BEGIN serve options'
END = '.\\" END serve options'


def split(text):
    """(before, entries, after) around the marks."""
    head, sep, rest = text.partition(BEGIN + '\n')
    body, sep2, tail = rest.partition(END + '\n')
    if not sep or not sep2:
        sys.exit('man-options: %r and %r marks not found' % (BEGIN, END))
    return head + sep, body, sep2 + tail


def main():
    args = [a for a in sys.argv[1:] if a != '--check']
    if len(args) != 2:
        sys.exit(__doc__)
    ptscope, man = args
    made = subprocess.run([ptscope, 'serve', '--help-man'], check=True,
                          capture_output=True, text=True).stdout
    with open(man, encoding='utf-8') as f:
        head, body, tail = split(f.read())
    if body == made:
        return 0
    if '--check' in sys.argv:
        print('man-options: %s differs from `ptscope serve --help-man`; '
              'run make update-man' % man, file=sys.stderr)
        return 1
    with open(man, 'w', encoding='utf-8') as f:
        f.write(head + made + tail)
    print('man-options: rewrote the SERVE OPTIONS entries of ' + man)
    return 0


sys.exit(main())
