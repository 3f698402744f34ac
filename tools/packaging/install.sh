#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall.
# Usage: tools/packaging/install.sh install|uninstall|list|install-stack|uninstall-stack
# Environment (from the Makefile): DESTDIR, PREFIX (default /usr/local),
# KDIR (the kernel build directory the module is built for), and
# SIGN_KEY and SIGN_CERT (a Machine Owner Key and its certificate, PEM or
# DER): when both are set, blkseek.ko is signed with the kernel's
# scripts/sign-file before it is installed.
#
# UDEVRULESDIR (default PREFIX/lib/udev/rules.d) is where the udev rule
# goes.
#
# install: the module with the kernel's modules_install into
# /lib/modules/KVER/updates, then depmod (only when DESTDIR is empty: a
# staged tree gets its depmod from the package that installs it); the
# tools into PREFIX/sbin; the uapi header into
# PREFIX/include/blkseek/linux/blkseek.h (its own directory:
# PREFIX/include/linux is linux-libc-dev's with PREFIX=/usr; programs
# build with -IPREFIX/include/blkseek and include <linux/blkseek.h>;
# uapi/linux/blkseek_stack.h, blkseek-stack's private protocol with the
# module, is not installed: nothing but blkseek-stack may use it); the
# udev rule into UDEVRULESDIR; the man pages into PREFIX/share/man; the
# documentation and the modules-load.d example into
# PREFIX/share/doc/blkseek.
# udev (systemd 252, Debian 12) reads rules from /etc, /run,
# /usr/local/lib and /usr/lib (= /lib) udev/rules.d: PREFIX=/usr/local
# and PREFIX=/usr both give a directory udev reads and leave
# /etc/udev/rules.d, the administrator's, alone.  Another PREFIX gets a
# note that udev will not see the rule there (set UDEVRULESDIR).
# uninstall: removes those files and blkseek.ko from the updates
# directory of every kernel under DESTDIR/lib/modules (an install for a
# kernel since removed or upgraded from included; DKMS's updates/dkms is
# DKMS's), runs depmod for each of those kernels, then removes the
# directories under DESTDIR that this leaves empty (with no DESTDIR,
# those it left empty below PREFIX/share/man, PREFIX/share,
# PREFIX/include and PREFIX/lib, never these nor PREFIX/sbin, and an
# empty updates directory).  It needs no kernel headers.  list: prints the files install writes.
# install-stack, uninstall-stack: only blkseek-stack and its udev rule,
# what make dkms-install adds beside the module DKMS installs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
action=${1:-}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
KDIR=${KDIR:-/lib/modules/$(uname -r)/build}
DESTDIR=${DESTDIR%/}

# the release modules_install uses (Debian's 6.1 headers have the
# upstream version in include/config/kernel.release)
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null || true)
case $action in
install | list)
	if [ -z "$kver" ]; then
		rel=${KDIR%/}
		case $rel in
		/lib/modules/*/build) rel=${rel#/lib/modules/}; rel=${rel%/build} ;;
		/usr/src/linux-headers-*) rel=${rel#/usr/src/linux-headers-} ;;
		*) rel= ;;
		esac
		echo "install: no kernel headers at $KDIR:" \
			"${rel:+apt install linux-headers-$rel, or }set KDIR" >&2
		exit 1
	fi ;;
esac
moddir=$DESTDIR/lib/modules/$kver/updates
doc=$PREFIX/share/doc/blkseek
UDEVRULESDIR=${UDEVRULESDIR:-$PREFIX/lib/udev/rules.d}
udev_rule=${UDEVRULESDIR%/}/90-blkseek-stack.rules

# source (relative to the repository) and destination (without DESTDIR), mode
files=(
	"tools/blkseek-map $PREFIX/sbin/blkseek-map 0755"
	"tools/blkseek-copy $PREFIX/sbin/blkseek-copy 0755"
	"tools/blkseek-stack $PREFIX/sbin/blkseek-stack 0755"
	"tools/packaging/udev/90-blkseek-stack.rules $udev_rule 0644"
	"uapi/linux/blkseek.h $PREFIX/include/blkseek/linux/blkseek.h 0644"
	"Documentation/man/blkseek.4 $PREFIX/share/man/man4/blkseek.4 0644"
	"Documentation/man/blkseek-map.8 $PREFIX/share/man/man8/blkseek-map.8 0644"
	"Documentation/man/blkseek-copy.8 $PREFIX/share/man/man8/blkseek-copy.8 0644"
	"Documentation/man/blkseek-stack.8 $PREFIX/share/man/man8/blkseek-stack.8 0644"
	"README.md $doc/README.md 0644"
	"Documentation/blkseek.rst $doc/blkseek.rst 0644"
	"Documentation/userspace-api/blkseek.rst $doc/userspace-api.rst 0644"
	"Documentation/userspace-api/blkseek-walk-example.c $doc/blkseek-walk-example.c 0644"
	"tools/packaging/modules-load.d/blkseek.conf $doc/modules-load.d/blkseek.conf 0644"
)

# the module file modules_install writes (compressed as the kernel's
# CONFIG_MODULE_COMPRESS_* says)
module_names=(blkseek.ko blkseek.ko.xz blkseek.ko.gz blkseek.ko.zst)

prune() {	# prune DIR: remove DIR and its parents while empty, within DESTDIR
	local d=$1 stop=$2
	while [ "$d" != "$stop" ] && [ "$d" != / ] && [ -d "$d" ] &&
	      [ -z "$(ls -A "$d")" ]; do
		rmdir "$d"
		d=$(dirname "$d")
	done
}

# the rule's directory when it is PREFIX's own and empty (PREFIX=/usr/local)
prune_udev_dir() {
	case $udev_rule in
	"$PREFIX"/lib/udev/*) prune "$(dirname "$udev_rule")" "$PREFIX/lib" ;;
	esac
}

# the part of the tools that stacked devices need with DKMS too
stack_files=(
	"tools/blkseek-stack $PREFIX/sbin/blkseek-stack 0755"
	"tools/packaging/udev/90-blkseek-stack.rules $udev_rule 0644"
)

copy_in() {	# copy_in FILE-SPEC...: install each, then fill in the rule
	local f specs=("$@")
	for f in "${specs[@]}"; do
		set -- $f
		[ -f "$top/$1" ] || { echo "install: $1 missing (make all tools)" >&2; exit 1; }
	done
	for f in "${specs[@]}"; do
		set -- $f
		install -D -m "$3" "$top/$1" "$DESTDIR$2"
	done
	sed -i "s|@SBINDIR@|$PREFIX/sbin|" "$DESTDIR$udev_rule"
	case ${UDEVRULESDIR%/} in
	/etc/udev/rules.d | /run/udev/rules.d | /usr/local/lib/udev/rules.d | \
	/usr/lib/udev/rules.d | /lib/udev/rules.d) ;;
	*) echo "install: note: udev does not read $UDEVRULESDIR; stacked devices" \
		"need the rule in one it reads (UDEVRULESDIR=/etc/udev/rules.d)" >&2 ;;
	esac
	[ -n "$DESTDIR" ] || udevadm control --reload 2>/dev/null || true
}

case $action in
install-stack)
	copy_in "${stack_files[@]}"
	echo "installed blkseek-stack and its udev rule under ${DESTDIR:-/}"
	;;
uninstall-stack)
	for f in "${stack_files[@]}"; do
		set -- $f
		rm -f "$DESTDIR$2"
		[ -z "$DESTDIR" ] || prune "$(dirname "$DESTDIR$2")" "$DESTDIR"
	done
	[ -n "$DESTDIR" ] || prune_udev_dir
	echo "uninstalled blkseek-stack and its udev rule from ${DESTDIR:-/}"
	;;
install)
	[ -f "$top/blkseek.ko" ] || { echo "install: build the module first (make)" >&2; exit 1; }
	if [ -n "${SIGN_KEY:-}" ] && [ -n "${SIGN_CERT:-}" ]; then
		hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' "$KDIR/.config")
		"$KDIR/scripts/sign-file" "${hash:-sha256}" "$SIGN_KEY" "$SIGN_CERT" "$top/blkseek.ko"
		echo "signed blkseek.ko with $SIGN_CERT"
	fi
	# CONFIG_MODULE_SIG_ALL= : distribution headers have no kernel
	# signing key; sign with SIGN_KEY/SIGN_CERT instead
	make -s -C "$KDIR" M="$top" INSTALL_MOD_PATH="$DESTDIR" INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= modules_install 2>&1 |
		grep -v "missing 'System.map' file. Skipping depmod" || true
	ls "$moddir"/blkseek.ko* > /dev/null 2>&1 ||
		{ echo "install: modules_install did not install blkseek.ko" >&2; exit 1; }
	copy_in "${files[@]}"
	if [ -z "$DESTDIR" ]; then
		depmod -a "$kver"
	fi
	echo "installed blkseek $(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf") for $kver under ${DESTDIR:-/}"
	;;
uninstall)
	# every kernel's updates/blkseek.ko*, not only KDIR's
	kvers=()
	dirs=()
	moddirs=()
	for d in "$DESTDIR"/lib/modules/*/updates; do
		found=0
		for m in "${module_names[@]}"; do
			[ -f "$d/$m" ] || continue
			rm -f "$d/$m"
			found=1
		done
		[ $found = 1 ] || continue
		kvers+=("$(basename "$(dirname "$d")")")
		moddirs+=("$d")
	done
	for f in "${files[@]}"; do
		set -- $f
		rm -f "$DESTDIR$2"
		dirs+=("$(dirname "$DESTDIR$2")")
	done
	if [ -n "$DESTDIR" ]; then
		for d in "${moddirs[@]}" "${dirs[@]}"; do
			prune "$d" "$DESTDIR"
		done
	else
		# the directories install made below PREFIX's own (never
		# PREFIX/sbin, PREFIX/share/man, PREFIX/include, PREFIX/lib
		# themselves), and an updates directory left empty
		for d in "${dirs[@]}"; do
			case $d in
			"$PREFIX"/share/man/*) prune "$d" "$PREFIX/share/man" ;;
			"$PREFIX"/share/doc/*) prune "$d" "$PREFIX/share" ;;
			"$PREFIX"/include/*) prune "$d" "$PREFIX/include" ;;
			"$PREFIX"/lib/udev/*) prune "$d" "$PREFIX/lib" ;;
			esac
		done
		for d in "${moddirs[@]}"; do
			prune "$d" "$(dirname "$d")"
		done
		for k in "${kvers[@]}"; do
			# a kernel whose package is gone has no modules.dep to update
			if [ -f "/lib/modules/$k/modules.dep" ]; then depmod -a "$k"; fi
		done
	fi
	echo "uninstalled blkseek${kvers[*]:+ for ${kvers[*]}} from ${DESTDIR:-/}"
	;;
list)
	echo "$moddir/blkseek.ko (or .ko.xz, .ko.gz, .ko.zst)"
	for f in "${files[@]}"; do
		set -- $f
		echo "$DESTDIR$2"
	done
	;;
*)
	echo "usage: $0 install|uninstall|list|install-stack|uninstall-stack" >&2
	exit 2
	;;
esac
