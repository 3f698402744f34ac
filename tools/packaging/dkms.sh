#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# blkseek and DKMS.  The package name and version come from dkms.conf.
#   tools/packaging/dkms.sh stage DIR    copy the module's sources (what DKMS builds
#                              from) into DIR
#   tools/packaging/dkms.sh install      stage into /usr/src/blkseek-VERSION, then
#                              dkms add (once), build and install for KVER
#                              (default: the running kernel), leaving
#                              other kernels' builds installed; and
#                              blkseek-stack with its udev rule
#                              (install.sh install-stack, PREFIX)
#   tools/packaging/dkms.sh remove       dkms remove --all, delete the staged
#                              sources, blkseek-stack and its rule
#   tools/packaging/dkms.sh build KVER   dkms build in private trees under
#                              build/dkms (the system's DKMS state is not
#                              touched); prints the built module's path.
#                              For a 7.x line DKMS runs in its build
#                              chroot (tools/build/kernel-line.sh run).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$top/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

# the files a module build needs: Kbuild, the Makefile, dkms.conf, the
# module sources with their probes (kmod/Kbuild.probes) and the uapi header
stage() {
	local dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -p "$top/Kbuild" "$top/Makefile" "$top/dkms.conf" "$top/COPYING" "$dir/"
	cp -rp "$top/kmod" "$top/uapi" "$dir/"
	find "$dir/kmod" -type f ! -name '*.[ch]' ! -name Kbuild.probes -delete
}

case ${1:-} in
stage)
	stage "$2"
	;;
install)
	kver=${KVER:-$(uname -r)}
	src=/usr/src/$name-$version
	stage "$src"
	# this kernel's build only: the module stays installed for the
	# kernels an earlier make dkms-install built it for
	dkms remove -m "$name" -v "$version" -k "$kver" >/dev/null 2>&1 || true
	if ! dkms status -m "$name" -v "$version" | grep -q .; then
		dkms add -m "$name" -v "$version"
	fi
	dkms build -m "$name" -v "$version" -k "$kver"
	dkms install -m "$name" -v "$version" -k "$kver"
	# stacked devices need blkseek-stack and its udev rule
	make -s -C "$top/tools" blkseek-stack
	"$top/tools/packaging/install.sh" install-stack
	;;
remove)
	dkms remove -m "$name" -v "$version" --all || true
	rm -rf "/usr/src/$name-$version"
	"$top/tools/packaging/install.sh" uninstall-stack
	;;
build)
	kver=$2
	priv=$top/build/dkms
	# a source and a DKMS tree per kernel: builds for two kernels may run
	# at once (make check's two VM lanes)
	src=$priv/src/$kver
	tree=$priv/tree/$kver
	rm -rf "$tree" "$src"
	mkdir -p "$src" "$tree"
	stage "$src/$name-$version"
	log=$priv/$kver.log
	# shellcheck disable=SC2016 # expanded where DKMS runs, in build/dkms
	if ! "$top/tools/build/kernel-line.sh" run "$kver" "$priv" sh -c '
		dkms add -m "$0" -v "$1" --sourcetree "$PWD/src/$2" --dkmstree "$PWD/tree/$2" &&
		dkms build -m "$0" -v "$1" -k "$2" --sourcetree "$PWD/src/$2" --dkmstree "$PWD/tree/$2"
	' "$name" "$version" "$kver" > "$log" 2>&1; then
		echo "dkms: build for $kver failed:" >&2
		tail -30 "$log" >&2
		exit 1
	fi
	ko=$(ls "$tree/$name/$version/$kver"/*/module/"$name".ko* | head -1)
	[ -f "$ko" ] || { echo "dkms: no module after building for $kver" >&2; exit 1; }
	echo "$ko"
	;;
*)
	echo "usage: $0 stage DIR | install | remove | build KVER" >&2
	exit 2
	;;
esac
