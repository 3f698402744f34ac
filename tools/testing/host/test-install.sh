#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of installing blkseek (KTAP): make install into a DESTDIR for
# each kernel line's headers, what modinfo shows, the installed header from
# C and C++ (in its own directory), the udev rule under PREFIX, the man
# pages with groff -ww, make uninstall leaving nothing behind (and keeping
# what was there before), make uninstall removing the module of every
# kernel installed for, a missing kernel build directory named with its
# package by make, make module and make install, dkms build for every
# kernel line: 6.1 and 6.12, and each 7.x line fetched (in its chroot),
# and README's make dkms-install KVER=<6.12 release>, then KVER=<6.1
# release> (both kernels' modules stay installed), and make dkms-remove
# KVER=... with the system's DKMS.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$top/tools/testing/lib/ktap.sh"
ktap_print_header
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

kdirs=()
for line in 6.1 6.12; do
	k=$(ls -d /usr/src/linux-headers-"$line".*-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] && kdirs+=("$k")
done

# man pages
for m in "$top"/Documentation/man/*.[48]; do
	out=$(groff -ww -man -Tutf8 -z "$m" 2>&1)
	ktap_test_result "$(basename "$m") renders with groff -ww without warnings" [ -z "$out" ]
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 > /dev/null)
	ktap_test_result "man -l $(basename "$m") without warnings" [ -z "$out" ]
done

dest=$work/dest
for kdir in "${kdirs[@]}"; do
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	rm -rf "$dest"
	mkdir -p "$dest/usr/sbin"
	echo keep > "$dest/usr/sbin/other-tool"	# not ours: must survive
	if make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr KDIR="$kdir" > "$work/log" 2>&1; then
		ktap_test_pass "$kver: make install DESTDIR PREFIX=/usr"
	else
		ktap_test_fail "$kver: make install DESTDIR PREFIX=/usr"; sed 's/^/# /' "$work/log"
		continue
	fi
	missing=0
	while read -r f rest; do
		ls "$f"* > /dev/null 2>&1 || { echo "# missing $f"; missing=1; }
	done < <(DESTDIR=$dest PREFIX=/usr KDIR=$kdir "$top/tools/packaging/install.sh" list)
	ktap_test_result "$kver: every file of install.sh list is installed" [ $missing = 0 ]
	ko=$(ls "$dest/lib/modules/$kver/updates/"blkseek.ko* 2>/dev/null | head -1)
	ktap_test_result "$kver: module in lib/modules/$kver/updates" [ -n "$ko" ]
	if [ -n "$ko" ]; then
		ktap_test_result "$kver: modinfo version starts with dkms.conf's $version" \
			bash -c '[[ "$(modinfo -F version "$0")" == "$1"* ]]' "$ko" "$version"
		ktap_test_result "$kver: modinfo description, licence GPL, livepatch Y" \
			bash -c '[ -n "$(modinfo -F description "$0")" ] &&
				  [ "$(modinfo -F license "$0")" = GPL ] &&
				  [ "$(modinfo -F livepatch "$0")" = Y ] &&
				  [ "$(modinfo -F vermagic "$0" | cut -d" " -f1)" = "$1" ]' "$ko" "$kver"
	fi
	ktap_test_result "$kver: installed tools run (--version)" \
		bash -c '[ "$("$0"/usr/sbin/blkseek-map --version)" = "blkseek-map $1" ] &&
			  [ "$("$0"/usr/sbin/blkseek-copy --version)" = "blkseek-copy $1" ]' "$dest" "$version"
	printf '#include <linux/blkseek.h>\nint main(void) { struct blkseek_query q = { sizeof(q) }; return q.size != BLKSEEK_QUERY_SIZE_VER0; }\n' > "$work/h.c"
	ktap_test_result "$kver: installed header builds and is right from C (-I/usr/include/blkseek)" \
		bash -c 'cc -Wall -Werror -I"$0"/usr/include/blkseek -o "$1/h" "$1/h.c" && "$1/h"' "$dest" "$work"
	cp "$work/h.c" "$work/h.cc"
	ktap_test_result "$kver: installed header builds from C++" \
		g++ -Wall -Werror -fsyntax-only -I"$dest/usr/include/blkseek" "$work/h.cc"
	ktap_test_result "$kver: no header in usr/include/linux (linux-libc-dev's)" \
		[ ! -e "$dest/usr/include/linux" ]
	ktap_test_result "$kver: only the extent query's header installed, not blkseek_stack.h" \
		[ "$(cd "$dest/usr/include" && find . -type f)" = ./blkseek/linux/blkseek.h ]
	ktap_test_result "$kver: PREFIX=/usr: the udev rule in /usr/lib/udev/rules.d, none in /etc" \
		bash -c 'grep -q "RUN+=\"/usr/sbin/blkseek-stack" "$0"/usr/lib/udev/rules.d/90-blkseek-stack.rules &&
			  [ ! -e "$0"/etc ]' "$dest"
	make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr KDIR="$kdir" > "$work/log" 2>&1 ||
		sed 's/^/# /' "$work/log"
	left=$(cd "$dest" && find . -mindepth 1 ! -path ./usr ! -path ./usr/sbin ! -path ./usr/sbin/other-tool)
	ktap_test_result "$kver: make uninstall leaves nothing behind" [ -z "$left" ]
	[ -z "$left" ] || echo "$left" | sed 's/^/#   left: /'
	ktap_test_result "$kver: make uninstall keeps files it did not install" \
		[ "$(cat "$dest/usr/sbin/other-tool" 2>/dev/null)" = keep ]
done

# make uninstall after a kernel upgrade: installed for both kernels, one
# make uninstall whose KDIR is gone removes the modules of both
if [ ${#kdirs[@]} -ge 2 ]; then
	rm -rf "$dest"
	for kdir in "${kdirs[@]}"; do
		make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr KDIR="$kdir" > "$work/log" 2>&1 ||
			sed 's/^/# /' "$work/log"
	done
	n_ko=$(find "$dest/lib/modules" -name 'blkseek.ko*' | wc -l)
	make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr KDIR=/lib/modules/0.0-blkseek-gone/build \
		> "$work/log" 2>&1 || sed 's/^/# /' "$work/log"
	left=$(cd "$dest" 2>/dev/null && find . -mindepth 1)
	ktap_test_result "make uninstall without the kernel's headers removes the module of all $n_ko kernels, and all the rest" \
		test "$n_ko" = "${#kdirs[@]}" -a -z "$left"
	[ -z "$left" ] || echo "$left" | sed 's/^/#   left: /'
fi

# a missing kernel build directory is named, with the package to install
for target in all module install; do
	out=$(make -C "$top" $target KDIR=/lib/modules/0.0-blkseek-none/build DESTDIR="$work/none" 2>&1)
	rc=$?
	ktap_test_result "make $target without headers: fails with 'apt install linux-headers-0.0-blkseek-none'" \
		bash -c '[ "$0" != 0 ] && grep -q "no kernel headers at /lib/modules/0.0-blkseek-none/build: apt install linux-headers-0.0-blkseek-none" <<< "$1"' "$rc" "$out"
done

# what make dkms-install adds beside the module: blkseek-stack and its
# udev rule, installed and removed alone, under PREFIX (udev 252 reads
# /usr/lib and /usr/local/lib udev/rules.d)
make -s -C "$top/tools" blkseek-stack > /dev/null
for prefix in /usr /usr/local; do
	rm -rf "$dest"
	if DESTDIR=$dest PREFIX=$prefix "$top/tools/packaging/install.sh" install-stack > "$work/log" 2>&1; then
		ktap_test_pass "install-stack DESTDIR PREFIX=$prefix"
	else
		ktap_test_fail "install-stack DESTDIR PREFIX=$prefix"; sed 's/^/# /' "$work/log"
	fi
	ktap_test_result "install-stack PREFIX=$prefix: the rule in $prefix/lib/udev/rules.d runs the installed blkseek-stack" \
		grep -q "RUN+=\"$prefix/sbin/blkseek-stack" "$dest$prefix/lib/udev/rules.d/90-blkseek-stack.rules"
	ktap_test_result "install-stack PREFIX=$prefix: blkseek-stack is executable" [ -x "$dest$prefix/sbin/blkseek-stack" ]
	DESTDIR=$dest PREFIX=$prefix "$top/tools/packaging/install.sh" uninstall-stack > /dev/null 2>&1
	ktap_test_result "uninstall-stack PREFIX=$prefix leaves nothing behind" [ -z "$(ls -A "$dest" 2>/dev/null)" ]
done

# DKMS (private trees under build/dkms): Debian 12's lines on the host,
# each fetched 7.x line in its build chroot (tools/build/kernel-line.sh)
dkms_kvers=()
for kdir in "${kdirs[@]}"; do
	dkms_kvers+=("$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")")
done
for cur in "$top"/build/lines/*/current; do
	[ -f "$cur" ] && dkms_kvers+=("$(cut -d' ' -f1 "$cur")")
done
for kver in "${dkms_kvers[@]}"; do
	if ! command -v dkms > /dev/null; then
		ktap_test_fail "$kver: dkms build (dkms not installed)"
		continue
	fi
	if ko=$("$top/tools/packaging/dkms.sh" build "$kver" 2> "$work/log"); then
		ktap_test_pass "$kver: dkms build"
		ktap_test_result "$kver: DKMS module is version $version for $kver" \
			bash -c '[ "$(modinfo -F version "$0")" = "$1" ] &&
				  [ "$(modinfo -F vermagic "$0" | cut -d" " -f1)" = "$2" ]' "$ko" "$version" "$kver"
	else
		ktap_test_fail "$kver: dkms build"; sed 's/^/# /' "$work/log"
	fi
done

# README's commands with the system's DKMS, for a kernel other than the
# running one: make dkms-install KVER=<the 6.12 release>, make dkms-remove.
# (DKMS's build inherits KVER through MAKEFLAGS: dkms.conf's target must
# not look at it.)  Not with blkseek-dkms installed: the same DKMS module.
k612=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
k612=${k612#/usr/src/linux-headers-}
# and a second kernel (6.1): installing for it keeps 6.12's module
k61=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)
k61=${k61#/usr/src/linux-headers-}
dkms_snapshot() {
	find /usr/local /usr/src /var/lib/dkms "/lib/modules/$k612" ${k61:+"/lib/modules/$k61"} -xdev \
		\( -path /var/lib/dkms/mok.key -o -path /var/lib/dkms/mok.pub \) -prune -o -print 2>/dev/null |
		grep -vE "^/lib/modules/($k612|$k61)/modules\." | sort
}
if [ -z "$k612" ] || ! command -v dkms > /dev/null; then
	ktap_test_fail "make dkms-install KVER=<6.12 release> (no 6.12 headers or no dkms: run tools/testing/setup.sh)"
elif dpkg-query -W -f='${db:Status-Abbrev}' blkseek-dkms 2>/dev/null | grep -q '^.i'; then
	ktap_test_skip "make dkms-install KVER=$k612" "blkseek-dkms is installed"
else
	dkms_snapshot > "$work/dkms-before"
	if make -s -C "$top" dkms-install KVER="$k612" > "$work/log" 2>&1; then
		ktap_test_pass "make dkms-install KVER=$k612"
	else
		ktap_test_fail "make dkms-install KVER=$k612"; tail -20 "$work/log" | sed 's/^/# /'
		for f in /var/lib/dkms/blkseek/*/build/make.log; do
			[ -f "$f" ] && tail -10 "$f" | sed 's/^/#   make.log: /'
		done
	fi
	ko=$(ls "/lib/modules/$k612/updates/dkms/"blkseek.ko* 2>/dev/null | head -1)
	ktap_test_result "make dkms-install: DKMS's module for $k612, version $version" \
		bash -c '[ -n "$0" ] && [ "$(modinfo -F vermagic "$0" | cut -d" " -f1)" = "$1" ] &&
			  [ "$(modinfo -F version "$0")" = "$2" ]' "$ko" "$k612" "$version"
	ktap_test_result "make dkms-install: blkseek-stack and its rule in /usr/local/lib/udev/rules.d" \
		grep -q 'RUN+="/usr/local/sbin/blkseek-stack' /usr/local/lib/udev/rules.d/90-blkseek-stack.rules
	# README: make dkms-install KVER=... for another installed kernel
	# adds that kernel's module and keeps the first kernel's
	if [ -z "$k61" ]; then
		ktap_test_fail "make dkms-install KVER=<6.1 release> (no 6.1 headers: run tools/testing/setup.sh)"
	elif make -s -C "$top" dkms-install KVER="$k61" > "$work/log" 2>&1; then
		ktap_test_pass "make dkms-install KVER=$k61, after KVER=$k612"
		for k in "$k612" "$k61"; do
			ko=$(ls "/lib/modules/$k/updates/dkms/"blkseek.ko* 2>/dev/null | head -1)
			ktap_test_result "make dkms-install for two kernels: $k's module is installed" \
				bash -c '[ -n "$0" ] && [ "$(modinfo -F vermagic "$0" | cut -d" " -f1)" = "$1" ]' "$ko" "$k"
		done
	else
		ktap_test_fail "make dkms-install KVER=$k61, after KVER=$k612"; tail -20 "$work/log" | sed 's/^/# /'
	fi
	if make -s -C "$top" dkms-remove KVER="$k612" > "$work/log" 2>&1; then
		ktap_test_pass "make dkms-remove KVER=$k612"
	else
		ktap_test_fail "make dkms-remove KVER=$k612"; tail -20 "$work/log" | sed 's/^/# /'
	fi
	dkms_snapshot > "$work/dkms-after"
	diff "$work/dkms-before" "$work/dkms-after" > "$work/diff"
	ktap_test_result "make dkms-remove leaves nothing of make dkms-install" [ ! -s "$work/diff" ]
	sed 's/^/#   /' "$work/diff" | head -20
fi
# README's make install and make uninstall on this system (PREFIX
# /usr/local), for the 6.12 kernel where the running one has no headers
if [ -n "$k612" ]; then
	kd=/lib/modules/$(uname -r)/build
	[ -e "$kd/Makefile" ] || kd=/lib/modules/$k612/build
	dkms_snapshot > "$work/sys-before"
	if make -s -C "$top" install KDIR="$kd" > "$work/log" 2>&1; then
		ktap_test_pass "make install KDIR=$kd"
	else
		ktap_test_fail "make install KDIR=$kd"; tail -20 "$work/log" | sed 's/^/# /'
	fi
	ktap_test_result "make install: blkseek-map in /usr/local/sbin, the rule in /usr/local/lib/udev/rules.d" \
		test -x /usr/local/sbin/blkseek-map -a -f /usr/local/lib/udev/rules.d/90-blkseek-stack.rules
	make -s -C "$top" uninstall > "$work/log" 2>&1 || sed 's/^/# /' "$work/log"
	dkms_snapshot > "$work/sys-after"
	diff "$work/sys-before" "$work/sys-after" > "$work/diff"
	ktap_test_result "make uninstall (no KDIR) leaves nothing of make install" [ ! -s "$work/diff" ]
	sed 's/^/#   /' "$work/diff" | head -20
fi

# README's make dkms-install for the running kernel, where it has headers
kr=$(uname -r)
if [ ! -e "/lib/modules/$kr/build/Makefile" ]; then
	ktap_test_skip "make dkms-install (running kernel)" "no headers for the running kernel $kr"
elif [ -z "$k612" ] || dpkg-query -W -f='${db:Status-Abbrev}' blkseek-dkms 2>/dev/null | grep -q '^.i'; then
	ktap_test_skip "make dkms-install (running kernel)" "blkseek-dkms is installed"
else
	make -s -C "$top" dkms-install > "$work/log" 2>&1
	ktap_test_result "make dkms-install: DKMS's module for the running kernel $kr" \
		bash -c 'ls /lib/modules/"$0"/updates/dkms/blkseek.ko* > /dev/null 2>&1' "$kr"
	make -s -C "$top" dkms-remove > "$work/log" 2>&1
	ktap_test_result "make dkms-remove: no blkseek left in DKMS" [ ! -e /var/lib/dkms/blkseek ]
fi

ktap_finished
