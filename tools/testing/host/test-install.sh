#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of installing blkseek (TAP): make install into a DESTDIR for
# each kernel line's headers, what modinfo shows, the installed header from
# C and C++, the man pages with groff -ww, make uninstall leaving nothing
# behind (and keeping what was there before), and dkms build for every
# kernel line: 6.1 and 6.12, and each 7.x line fetched (in its chroot).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

kdirs=()
for line in 6.1 6.12; do
	k=$(ls -d /usr/src/linux-headers-"$line".*-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] && kdirs+=("$k")
done

# man pages
for m in "$top"/Documentation/man/*.[48]; do
	out=$(groff -ww -man -Tutf8 -z "$m" 2>&1)
	check "$(basename "$m") renders with groff -ww without warnings" [ -z "$out" ]
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 > /dev/null)
	check "man -l $(basename "$m") without warnings" [ -z "$out" ]
done

dest=$work/dest
for kdir in "${kdirs[@]}"; do
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	rm -rf "$dest"
	mkdir -p "$dest/usr/sbin"
	echo keep > "$dest/usr/sbin/other-tool"	# not ours: must survive
	if make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr KDIR="$kdir" > "$work/log" 2>&1; then
		ok "$kver: make install DESTDIR PREFIX=/usr"
	else
		not_ok "$kver: make install DESTDIR PREFIX=/usr"; sed 's/^/# /' "$work/log"
		continue
	fi
	missing=0
	while read -r f rest; do
		ls "$f"* > /dev/null 2>&1 || { echo "# missing $f"; missing=1; }
	done < <(DESTDIR=$dest PREFIX=/usr KDIR=$kdir "$top/tools/packaging/install.sh" list)
	check "$kver: every file of install.sh list is installed" [ $missing = 0 ]
	ko=$(ls "$dest/lib/modules/$kver/updates/"blkseek.ko* 2>/dev/null | head -1)
	check "$kver: module in lib/modules/$kver/updates" [ -n "$ko" ]
	if [ -n "$ko" ]; then
		check "$kver: modinfo version starts with dkms.conf's $version" \
			bash -c '[[ "$(modinfo -F version "$0")" == "$1"* ]]' "$ko" "$version"
		check "$kver: modinfo description, licence GPL, livepatch Y" \
			bash -c '[ -n "$(modinfo -F description "$0")" ] &&
				  [ "$(modinfo -F license "$0")" = GPL ] &&
				  [ "$(modinfo -F livepatch "$0")" = Y ] &&
				  [ "$(modinfo -F vermagic "$0" | cut -d" " -f1)" = "$1" ]' "$ko" "$kver"
	fi
	check "$kver: installed tools run (--version)" \
		bash -c '[ "$("$0"/usr/sbin/blkseek-map --version)" = "blkseek-map $1" ] &&
			  [ "$("$0"/usr/sbin/blkseek-copy --version)" = "blkseek-copy $1" ]' "$dest" "$version"
	printf '#include <linux/blkseek.h>\nint main(void) { struct blkseek_query q = { sizeof(q) }; return q.size != BLKSEEK_QUERY_SIZE_VER0; }\n' > "$work/h.c"
	check "$kver: installed header builds and is right from C" \
		bash -c 'cc -Wall -Werror -I"$0"/usr/include -o "$1/h" "$1/h.c" && "$1/h"' "$dest" "$work"
	cp "$work/h.c" "$work/h.cc"
	check "$kver: installed header builds from C++" \
		g++ -Wall -Werror -fsyntax-only -I"$dest/usr/include" "$work/h.cc"
	make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr KDIR="$kdir" > "$work/log" 2>&1 ||
		sed 's/^/# /' "$work/log"
	left=$(cd "$dest" && find . -mindepth 1 ! -path ./usr ! -path ./usr/sbin ! -path ./usr/sbin/other-tool)
	check "$kver: make uninstall leaves nothing behind" [ -z "$left" ]
	[ -z "$left" ] || echo "$left" | sed 's/^/#   left: /'
	check "$kver: make uninstall keeps files it did not install" \
		[ "$(cat "$dest/usr/sbin/other-tool" 2>/dev/null)" = keep ]
done

# what make dkms-install adds beside the module: blkseek-stack and its
# udev rule, installed and removed alone
rm -rf "$dest"
make -s -C "$top/tools" blkseek-stack > /dev/null
if DESTDIR=$dest PREFIX=/usr "$top/tools/packaging/install.sh" install-stack > "$work/log" 2>&1; then
	ok "install-stack DESTDIR PREFIX=/usr"
else
	not_ok "install-stack DESTDIR PREFIX=/usr"; sed 's/^/# /' "$work/log"
fi
check "install-stack: the rule runs the installed blkseek-stack" \
	grep -q 'RUN+="/usr/sbin/blkseek-stack"' "$dest/etc/udev/rules.d/90-blkseek-stack.rules"
check "install-stack: blkseek-stack is executable" [ -x "$dest/usr/sbin/blkseek-stack" ]
DESTDIR=$dest PREFIX=/usr "$top/tools/packaging/install.sh" uninstall-stack > /dev/null 2>&1
check "uninstall-stack leaves nothing behind" [ -z "$(ls -A "$dest" 2>/dev/null)" ]

# DKMS (private trees under build/dkms): Debian 12's lines on the host,
# each fetched 7.x line in its build chroot (tools/testing/kernel-line.sh)
dkms_kvers=()
for kdir in "${kdirs[@]}"; do
	dkms_kvers+=("$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")")
done
for cur in "$top"/build/lines/*/current; do
	[ -f "$cur" ] && dkms_kvers+=("$(cut -d' ' -f1 "$cur")")
done
for kver in "${dkms_kvers[@]}"; do
	if ! command -v dkms > /dev/null; then
		not_ok "$kver: dkms build (dkms not installed)"
		continue
	fi
	if ko=$("$top/tools/packaging/dkms.sh" build "$kver" 2> "$work/log"); then
		ok "$kver: dkms build"
		check "$kver: DKMS module is version $version for $kver" \
			bash -c '[ "$(modinfo -F version "$0")" = "$1" ] &&
				  [ "$(modinfo -F vermagic "$0" | cut -d" " -f1)" = "$2" ]' "$ko" "$version" "$kver"
	else
		not_ok "$kver: dkms build"; sed 's/^/# /' "$work/log"
	fi
done

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
