#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what blkseek's build, tests and demo need; idempotent and quick
# when everything is there.  Run as root on Debian 12.
#  - Debian 12 packages (kernels and headers of the 6.1 and 6.12 lines, ...)
#  - virtme-ng from Debian trixie into build/vng, through a private apt
#    lists directory (the system's apt sources are not touched)
#  - kselftest headers, lib.mk and checkpatch.pl from Debian's
#    linux-source packages into build/ksrc/<line>
#  - with BLKSEEK_SETUP_DEBUG=1 (make check-debug), what a kernel build
#    needs
#  - for each 7.x line given (sid, bpo, rc, or newest: the newest of sid
#    and bpo), its newest kernel and build chroot (tools/build/kernel-line.sh
#    fetch): which kernel it took is printed
# Usage: tools/testing/setup.sh [LINE...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
mkdir -p "$build"

packages=(
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-source-6.1 linux-source-6.12
	build-essential gcc make perl python3 python3-docutils sparse clang libclang-rt-14-dev
	qemu-system-x86 qemu-utils busybox-static kmod udev file
	python3-argcomplete python3-requests python3-pkg-resources
	sg3-utils nbdkit libnbd-bin fdisk util-linux xz-utils
	lvm2 dmsetup kpartx cryptsetup-bin xfsprogs multipath-tools thin-provisioning-tools
	tgt open-iscsi
	dkms groff-base man-db g++ borgbackup mmdebstrap strace
	debhelper dh-dkms dpkg-dev lintian pkgconf
)
# make check-debug builds a kernel from linux-source-6.12
if [ "${BLKSEEK_SETUP_DEBUG:-0}" = 1 ]; then
	packages+=(flex bison bc libelf-dev libssl-dev cpio)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
else
	echo "setup: Debian packages present"
fi

# virtme-ng 1.35 (trixie, architecture all) into build/vng.
vng_dir=$build/vng
if [ ! -x "$vng_dir/usr/bin/vng" ]; then
	apt_dir=$build/apt
	# shellcheck source=tools/build/apt-private.sh
	. "$top/tools/build/apt-private.sh"
	apt_private_init "$apt_dir" trixie || { echo "setup: no private apt lists in $apt_dir" >&2; exit 1; }
	echo "setup: fetching virtme-ng from trixie (private apt lists in build/apt)"
	apt-get "${aptopts[@]}" update -qq
	(cd "$apt_dir" && rm -f virtme-ng_*.deb &&
	 apt-get "${aptopts[@]}" download virtme-ng >/dev/null)
	rm -rf "$vng_dir"
	dpkg-deb -x "$apt_dir"/virtme-ng_*.deb "$vng_dir"
	echo "setup: virtme-ng $(dpkg-deb -f "$apt_dir"/virtme-ng_*.deb Version) in build/vng"
else
	echo "setup: virtme-ng present"
fi

# kselftest and checkpatch files from linux-source-<line>.
for line in 6.1 6.12; do
	dst=$build/ksrc/$line
	tarball=/usr/src/linux-source-$line.tar.xz
	stamp=$dst/.extracted-$(stat -c %Y "$tarball")
	[ -f "$stamp" ] && continue
	echo "setup: extracting kselftest and checkpatch from linux-source-$line"
	rm -rf "$dst"
	mkdir -p "$dst"
	tar -xJf "$tarball" -C "$dst" --strip-components=1 --wildcards \
		"linux-source-$line/tools/testing/selftests/lib.mk" \
		"linux-source-$line/tools/testing/selftests/kselftest*" \
		"linux-source-$line/scripts/checkpatch.pl" \
		"linux-source-$line/scripts/spelling.txt" \
		"linux-source-$line/scripts/const_structs.checkpatch" \
		"linux-source-$line/scripts/kernel-doc" \
		"linux-source-$line/scripts/Makefile.compiler" \
		"linux-source-$line/scripts/subarch.include" \
		"linux-source-$line/scripts/Makefile.clang" 2>/dev/null ||
	tar -xJf "$tarball" -C "$dst" --strip-components=1 --wildcards \
		"linux-source-$line/tools/testing/selftests/lib.mk" \
		"linux-source-$line/tools/testing/selftests/kselftest*" \
		"linux-source-$line/scripts/checkpatch.pl" \
		"linux-source-$line/scripts/spelling.txt" \
		"linux-source-$line/scripts/const_structs.checkpatch" \
		"linux-source-$line/scripts/kernel-doc"
	touch "$stamp"
done
# the 7.x lines asked for: kernels unpacked, build chroots
for line in "$@"; do
	case $line in
	6.1 | 6.12) continue ;;
	newest) line=$("$top/tools/build/kernel-line.sh" newest) ;;
	esac
	"$top/tools/build/kernel-line.sh" fetch "$line" | sed '$d' | sed 's/^/setup: /'
done
echo "setup: done"
