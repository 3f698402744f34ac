#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel lines blkseek is built and tested on, one interface for all:
# Debian 12's own (6.1, 6.12: packages installed by tools/testing/setup.sh) and
# the 7.x lines (sid, bpo, rc: kernels newer than Debian 12's, each with a
# build chroot).  As root:
#   tools/build/kernel-line.sh resolve LINE    the release (VER) of LINE's newest
#                                        linux-image-VER
#   tools/build/kernel-line.sh fetch LINE      7.x: keep its kernel's and
#                                        headers' .debs, unpack the kernel,
#                                        make the chroot (idempotent);
#                                        prints VER on its last line
#   tools/build/kernel-line.sh newest          the 7.x line (sid or bpo) with the
#                                        newest kernel
#   tools/build/kernel-line.sh build VER DIR   build the module staged in DIR
#                                        (tools/packaging/dkms.sh stage) against VER
#   tools/build/kernel-line.sh module VER      build the module of this tree for
#                                        VER: build/ko/VER/blkseek.ko
#                                        (make module KVER=VER)
#   tools/build/kernel-line.sh sparse VER DIR  sparse (W=1 C=2) on DIR
#                                        against VER's headers with sid's
#                                        sparse (a line whose own is too old)
#   tools/build/kernel-line.sh run VER DIR CMD...  run CMD where VER's headers
#                                        are (/usr/src/linux-headers-VER),
#                                        in DIR (for a 7.x line: in its
#                                        chroot, DIR bind-mounted)
#   tools/build/kernel-line.sh kimg VER        print the vmlinuz to boot
# LINE: 6.1, 6.12 (Debian 12), sid (unstable), bpo (trixie-backports),
# rc (experimental).
# Apt runs on private lists (build/lines/LINE/apt) of the system's mirror
# (tools/build/apt-private.sh);
# the .debs stay in build/lines/LINE/debs, pinning what was tested.
# Kernels are unpacked into build/kernels/VER (linux-image-VER needs a
# newer linux-base than Debian 12's).  Their headers need the compiler of
# CONFIG_CC_VERSION_TEXT and a newer glibc, hence a chroot of the line's
# suite (mmdebstrap) in build/lines/LINE/chroot; dkms is in it too.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
# shellcheck source=tools/build/apt-private.sh
. "$top/tools/build/apt-private.sh"

usage() {
	echo "usage: $0 resolve LINE | fetch LINE | newest | build VER DIR | module VER | sparse VER DIR |" \
		"run VER DIR CMD... | kimg VER" >&2
	exit 2
}
die() { echo "kernel-line: $*" >&2; exit 1; }

# The line's suites (the first is the chroot's) and the suite whose
# newest kernel it follows.
line_suites() {
	case $1 in
	sid) suites=(sid); newest=sid ;;
	bpo) suites=(trixie trixie-backports); newest=trixie-backports ;;
	rc) suites=(sid experimental); newest=experimental ;;
	6.1 | 6.12) suites=() ;;
	*) usage ;;
	esac
	line=$1 ldir=$build/lines/$1 apt_dir=$build/lines/$1/apt
}

# Private apt lists of the line's suites (tools/build/apt-private.sh),
# refreshed on each call.  Sets aptopts and apt_sources.
apt_update() {
	apt_private_init "$apt_dir" "${suites[@]}" || die "no private apt lists in $apt_dir"
	apt-get "${aptopts[@]}" update -qq
}

# Index the linux-* packages of the followed suite (package, version,
# depends; tab-separated) and pick its newest generic amd64 image:
# linux-image-VER, not -cloud, -rt or -dbg.  Sets kver and iver.
resolve() {
	local f p v best_v=
	if [ ${#suites[@]} = 0 ]; then	# Debian 12's own, from /boot
		kver=$(compgen -G "/boot/vmlinuz-$line.*" | sort -V | tail -1) ||
			die "$line: no /boot/vmlinuz-$line.* (tools/testing/setup.sh installs it)"
		kver=${kver#/boot/vmlinuz-}
		iver=$(dpkg-query -W -f='${Version}' "linux-image-$kver" 2>/dev/null || echo "?")
		return
	fi
	f=$(compgen -G "$apt_dir/lists/*_dists_${newest}_main_binary-amd64_Packages*" | head -1) ||
		die "$line: no package list of $newest"
	/usr/lib/apt/apt-helper cat-file "$f" | awk -v RS= -F '\n' '{
		p = v = d = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^Package: /) p = substr($i, 10)
			else if ($i ~ /^Version: /) v = substr($i, 10)
			else if ($i ~ /^Depends: /) d = substr($i, 10)
		}
		if (p ~ /^linux-/) printf "%s\t%s\t%s\n", p, v, d
	}' > "$apt_dir/index"
	kver=
	while IFS=$'\t' read -r p v _; do
		[[ $p =~ ^linux-image-([0-9][^[:space:]]*-amd64)$ ]] || continue
		[[ $p == *-cloud-amd64 || $p == *-rt-amd64 ]] && continue
		if [ -z "$best_v" ] || dpkg --compare-versions "$v" gt "$best_v"; then
			kver=${BASH_REMATCH[1]} best_v=$v
		fi
	done < "$apt_dir/index"
	[ -n "$kver" ] || die "$line: no linux-image-*-amd64 in $newest"
	iver=$best_v
}

# version and Depends of a package in the index
pkg_field() { awk -F '\t' -v p="$1" -v n="$2" '$1 == p { print $n; exit }' "$apt_dir/index"; }

# Packages of the release ABI that PKG depends on (linux-base-VER,
# linux-binary-VER, linux-modules-VER, linux-kbuild-ABI, ...)
abi_deps() {
	local abi=${kver%-amd64} d
	pkg_field "$1" 3 | tr ',|' '\n' | while read -r d _; do
		[[ $d == linux-*-"$abi" || $d == linux-*-"$abi"-* ]] && echo "$d"
	done | sort -u
}

# the kept .deb of a package of the index, downloaded when missing
deb_of() {
	local v f
	v=${2:-$(pkg_field "$1" 2)}
	[ -n "$v" ] || die "$line: $1 is not in $newest"
	f=$ldir/debs/${1}_${v//:/%3a}
	compgen -G "${f}_*.deb" > /dev/null ||
		(cd "$ldir/debs" && apt-get "${aptopts[@]}" download -qq "$1=$v" >&2)
	compgen -G "${f}_*.deb" | head -1
}

# From linux-source-X.Y of the kernel's version: the line's kselftest
# files and checkpatch (as tools/testing/setup.sh extracts for Debian 12's lines)
# into build/ksrc/VER, and scripts/checker-valid.sh, which make C=2 runs
# and Debian's headers packages lack, into the chroot's headers.
fetch_source() {
	local kdir=$1 chroot=$2 mm deb dst=$build/ksrc/$kver
	local common
	mm=$(sed -n 's/^VERSION = \([0-9]*\)$/\1/p; s/^PATCHLEVEL = \([0-9]*\)$/.\1/p' \
		"$chroot/usr/src/linux-headers-${kver%-amd64}-common/Makefile" | tr -d '\n')
	common=$chroot/usr/src/linux-headers-${kver%-amd64}-common
	if [ ! -f "$dst/.extracted-$iver" ]; then
		deb=$(deb_of "linux-source-$mm" "$iver")
		echo "kernel-line: $line: extracting kselftest files and scripts from $(basename "$deb")"
		rm -rf "$dst"
		mkdir -p "$dst"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$dst" --strip-components=1 --wildcards \
			'*/tools/testing/selftests/lib.mk' '*/tools/testing/selftests/kselftest*' \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc*' \
			'*/scripts/checker-valid.sh'
		touch "$dst/.extracted-$iver"
	fi
	[ -f "$common/scripts/checker-valid.sh" ] ||
		install -m 755 "$dst/scripts/checker-valid.sh" "$common/scripts/checker-valid.sh"
}

mounted_under() { awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts; }

fetch() {
	local kdir img_pkgs hdr_pkgs p f prev cc stamp chroot=$ldir/chroot
	if [ ${#suites[@]} = 0 ]; then
		resolve
		[ -d "/usr/src/linux-headers-$kver" ] || die "$kver: no headers (tools/testing/setup.sh)"
		echo "kernel-line: $line: $kver (image $iver, Debian 12)"
		echo "$kver"
		return
	fi
	apt_update
	resolve
	prev=$(cat "$ldir/current" 2>/dev/null || true)
	[ -n "$prev" ] && [ "$prev" != "$kver $iver" ] &&
		echo "kernel-line: $line: $newest moved on from ${prev% *} (${prev#* }) to $kver ($iver)"
	mkdir -p "$ldir/debs"
	img_pkgs=("linux-image-$kver")
	mapfile -t -O 1 img_pkgs < <(abi_deps "linux-image-$kver")
	hdr_pkgs=("linux-headers-$kver")
	mapfile -t -O 1 hdr_pkgs < <(abi_deps "linux-headers-$kver")
	hver=$(pkg_field "linux-headers-$kver" 2)

	# the kernel: vmlinuz, modules, config and modules.builtin*, with
	# /lib -> usr/lib and modules.dep so virtme-ng finds the modules
	kdir=$build/kernels/$kver
	stamp=$kdir/.unpacked-$iver
	if [ ! -f "$stamp" ]; then
		rm -rf "$kdir"
		mkdir -p "$kdir"
		for p in "${img_pkgs[@]}"; do
			f=$(deb_of "$p")
			dpkg-deb -x "$f" "$kdir"
		done
		touch "$stamp"
	fi
	kimg "$kver" > /dev/null

	# the build chroot, with the kept header .debs and the compiler that
	# built the kernel; remade when the headers change
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(x86_64-linux-gnu-\)\{0,1\}\(gcc-[0-9]*\) .*/\2/p' \
		"$kdir/usr/lib/modules/$kver/config")
	[ -n "$cc" ] || die "$kver: no gcc in CONFIG_CC_VERSION_TEXT"
	# (and when the tools it holds change)
	local tools=make,kmod,dkms,sparse,$cc
	if [ "$(cat "$chroot/.blkseek-headers" 2>/dev/null)" != "$kver $hver $tools" ]; then
		[ -z "$(mounted_under "$chroot")" ] || die "$chroot: mounts left: $(mounted_under "$chroot")"
		local incl=$tools
		for p in "${hdr_pkgs[@]}"; do incl+=,$(deb_of "$p"); done
		# mmdebstrap's apt does not read the system's apt.conf.d: pass
		# on its Release date checks (off for a snapshot mirror)
		local aptcf=()
		mapfile -t aptcf < <(apt-config dump | sed -n \
			's/^Acquire::Check-\(Valid-Until\|Date\) .*/--aptopt=&/p')
		rm -rf "$chroot"
		echo "kernel-line: $line: making the ${suites[0]} chroot for $kver ($cc)"
		mmdebstrap --quiet --mode=root --variant=apt --include="$incl" "${aptcf[@]}" \
			--aptopt='APT::Install-Recommends "false"' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			"${suites[0]}" "$chroot" "${apt_sources[@]}"
		echo "$kver $hver $tools" > "$chroot/.blkseek-headers"
	fi
	fetch_source "$kdir" "$chroot"
	echo "$kver $iver" > "$ldir/current"
	echo "kernel-line: $line: $kver (image $iver, headers $hver)"
	echo "$kver"
}

# The 7.x line whose newest kernel is the newest: sid or bpo.
newest_line() {
	local l best='' best_v=''
	for l in sid bpo; do
		line_suites "$l"
		apt_update
		resolve
		if [ -z "$best" ] || dpkg --compare-versions "$iver" gt "$best_v"; then
			best=$l best_v=$iver
		fi
	done
	echo "$best"
}

# The image to boot.  virtme-ng 1.35 (vng -r FILE) walks up from FILE to
# the first D with D/lib/modules (taking D's parent if D ends in /usr) and
# uses D/lib/modules/VER: its virtio and 9p modules go into the initramfs
# (modprobe -d D -S VER), and the guest links /lib/modules/VER to it.
# Hence /lib -> usr/lib and a modules.dep by the host's depmod: the guest
# runs the host's kmod (xz support for the .ko.xz).
kimg() {
	local kdir=$build/kernels/$1
	[ -f "/boot/vmlinuz-$1" ] && [ ! -d "$kdir" ] && { echo "/boot/vmlinuz-$1"; return; }
	local vmlinuz=$kdir/usr/lib/modules/$1/vmlinuz
	[ -f "$vmlinuz" ] || die "$1: no $vmlinuz (tools/build/kernel-line.sh fetch LINE)"
	[ -L "$kdir/lib" ] || ln -s usr/lib "$kdir/lib"
	[ -f "$kdir/lib/modules/$1/modules.dep" ] || depmod -b "$kdir" "$1"
	echo "$vmlinuz"
}

# The chroot made for VER (its stamp names VER), or nothing.
chroot_of() {
	local d
	for d in "$build"/lines/*/chroot; do
		if [ "$(cut -d' ' -f1 "$d/.blkseek-headers" 2>/dev/null)" = "$1" ]; then
			echo "$d"
			return
		fi
	done
}

# Run a command where VER's headers are, in DIR: on the host for Debian
# 12's kernels; otherwise in the chroot holding VER's headers, with DIR
# bind-mounted on /build/src and /proc mounted (objtool reads
# /proc/self/maps); both unmounted on exit, lazily (after a signal make
# may still run).
run_in() {
	local kver=$1 src
	src=$(cd "$2" && pwd)
	shift 2
	if [ -d "/usr/src/linux-headers-$kver" ]; then
		(cd "$src" && "$@")
		return
	fi
	chroot=$(chroot_of "$kver")
	[ -n "$chroot" ] || die "$kver: no headers on the host or in a chroot (tools/build/kernel-line.sh fetch LINE)"
	[ -z "$(mounted_under "$chroot")" ] || die "$chroot: mounts left: $(mounted_under "$chroot")"
	mkdir -p "$chroot/build/src"
	trap 'umount -l "$chroot/build/src" "$chroot/proc" 2>/dev/null || true' EXIT
	trap 'exit 130' INT TERM HUP
	mount --bind "$src" "$chroot/build/src"
	mount -t proc proc "$chroot/proc"
	chroot "$chroot" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		sh -c 'cd /build/src && exec "$@"' sh "$@"
}

# Build the module staged in DIR against VER's headers, W=1; extra make
# arguments (C=2) after DIR.
build_mod() {
	local kver=$1 dir=$2
	shift 2
	# shellcheck disable=SC2016 # $PWD is the build directory's, in the chroot
	run_in "$kver" "$dir" sh -c 'make -C "$0" M="$PWD" W=1 "$@" modules' \
		"/usr/src/linux-headers-$kver" "$@"
	echo "kernel-line: built $dir/blkseek.ko for $kver"
}

# Sparse on the module staged in DIR against VER's headers, for a line
# whose own chroot has a sparse too old for them (trixie's 0.6.4 cannot
# parse 7.3's headers): in the sid chroot, whose sparse is newer, with
# VER's headers and kbuild bind-mounted from VER's chroot and sid's gcc.
# Only the check: the module VER loads is built in VER's own chroot.
sparse_mod() {
	local kver=$1 src own d
	src=$(cd "$2" && pwd)
	own=$(chroot_of "$kver")
	sp_host=$build/lines/sid/chroot
	if [ -z "$own" ] || [ ! -x "$sp_host/usr/bin/sparse" ]; then
		die "$kver: sparse needs its chroot and sid's (tools/build/kernel-line.sh fetch sid)"
	fi
	[ -z "$(mounted_under "$sp_host")" ] || die "$sp_host: mounts left: $(mounted_under "$sp_host")"
	sp_mounts=(/build/src /proc)
	for d in "$own"/usr/src/linux-headers-"${kver%-amd64}"-* "$own/usr/lib/linux-kbuild-${kver%-amd64}"; do
		[ -d "$d" ] && sp_mounts+=("${d#"$own"}")
	done
	# unmounted on exit, and the mount points made for VER's trees removed
	# shellcheck disable=SC2154 # m: the trap's own loop variable
	trap 'for m in "${sp_mounts[@]}"; do umount -l "$sp_host$m" 2>/dev/null; done
	      for m in "${sp_mounts[@]:2}"; do rmdir "$sp_host$m" 2>/dev/null; done; true' EXIT
	trap 'exit 130' INT TERM HUP
	for d in "${sp_mounts[@]:2}"; do
		mkdir -p "$sp_host$d"
		mount --bind "$own$d" "$sp_host$d"
	done
	mkdir -p "$sp_host/build/src"
	mount --bind "$src" "$sp_host/build/src"
	mount -t proc proc "$sp_host/proc"
	# shellcheck disable=SC2016 # expanded in the chroot
	chroot "$sp_host" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		sh -c 'cd /build/src && cc=$(ls /usr/bin/gcc-[0-9]* | sort -V | tail -1) &&
		       make -C "$0" M="$PWD" W=1 C=2 CC="${cc##*/}" modules' "/usr/src/linux-headers-$kver"
}

# Build this tree's module for VER, staged as DKMS gets it, into
# build/ko/VER/blkseek.ko.
module() {
	local kver=$1 dir=$build/ko/$1
	"$top/tools/packaging/dkms.sh" stage "$dir/src"
	build_mod "$kver" "$dir/src"
	cp "$dir/src/blkseek.ko" "$dir/blkseek.ko"
	echo "kernel-line: $dir/blkseek.ko"
}

[ $# -ge 1 ] || usage
case $1 in
resolve | fetch | newest) ;;
*) if [ $# -lt 2 ] || [[ ! $2 =~ ^[0-9][[:alnum:].+~-]*$ ]]; then
	die "${2:-}: not a kernel release"
   fi ;;
esac
case $1 in
resolve) [ $# -eq 2 ] || usage; line_suites "$2"; [ ${#suites[@]} = 0 ] || apt_update; resolve; echo "$kver" ;;
fetch) [ $# -eq 2 ] || usage; line_suites "$2"; fetch ;;
newest) newest_line ;;
build) [ $# -ge 3 ] || usage; build_mod "${@:2}" ;;
run) [ $# -ge 4 ] || usage; run_in "${@:2}" ;;
module) [ $# -eq 2 ] || usage; module "$2" ;;
sparse) [ $# -eq 3 ] || usage; sparse_mod "$2" "$3" ;;
kimg) kimg "$2" ;;
*) usage ;;
esac
