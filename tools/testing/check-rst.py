#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Parse rst files with docutils; print each warning or error, exit 1 if any.

Sphinx-only directives (literalinclude, kernel-doc) are checked for their
target file and then removed, since plain docutils does not know them.
"""
import os
import re
import sys

import docutils.core
import docutils.utils


def check(path):
    src = open(path, encoding='utf-8').read()
    bad = 0
    for m in re.finditer(r'^\.\. literalinclude:: (\S+)', src, re.M):
        if not os.path.exists(os.path.join(os.path.dirname(path), m.group(1))):
            print('%s: literalinclude target %s missing' % (path, m.group(1)))
            bad += 1
    src = re.sub(r'^\.\. (literalinclude|kernel-doc)::.*\n(   .*\n)*', '', src, flags=re.M)

    class Stream:
        def write(self, s):
            nonlocal bad
            if s.strip():
                bad += 1
                sys.stdout.write(s)

    docutils.core.publish_doctree(src, source_path=path, settings_overrides={
        'report_level': 2, 'halt_level': 5, 'warning_stream': Stream()})
    return bad


sys.exit(1 if sum(check(p) for p in sys.argv[1:]) else 0)
