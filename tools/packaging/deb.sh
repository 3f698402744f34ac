#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages blkseek-dkms and blkseek-tools (debian/)
# built with dpkg-buildpackage -us -uc -b from a copy of this tree in
# build/deb/blkseek-VERSION, so that the .debs (written to the source
# tree's parent directory) land in build/deb, and debian/rules clean
# cleans the copy, not this tree.  The copy holds the files git knows
# (tracked, and untracked ones not ignored), or, outside a git checkout,
# everything but build/.
# Prints the .debs' paths on its last lines.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/deb
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
debversion=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
# the Debian version's upstream part is dkms.conf's, the project's one
# place for it
if [ "${debversion%-*}" != "$version" ]; then
	echo "deb: debian/changelog's version $debversion is not dkms.conf's $version" \
		"(add a debian/changelog entry: dch -v $version)" >&2
	exit 1
fi
command -v dpkg-buildpackage > /dev/null && command -v dh_dkms > /dev/null ||
	{ echo "deb: apt install debhelper dh-dkms dpkg-dev" >&2; exit 1; }

src=$out/blkseek-$version
rm -rf "$out"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	git -C "$top" ls-files -z -c -o --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$top/$f" ] && printf '%s\0' "$f"
		done |
		tar -C "$top" --null --no-recursion -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build -cf - . | tar -C "$src" -xf -
fi

(cd "$src" && dpkg-buildpackage -us -uc -b)
rm -rf "$src"
ls "$out"/*.deb
