#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# <linux/blkseek.h> and <linux/blkseek_stack.h> have one layout on x86-64,
# i386 and x32 userspace and compile as C++ (KTAP).
# tools/testing/abi/abi_layout.c asserts each offset, size and ioctl number
# at compile time.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
uapi=$dir/../../../uapi
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"
ktap_print_header
try() {	# try WHAT CMD...
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_test_pass "$what"
	else
		ktap_test_fail "$what"
		echo "$out" | head -10 | sed 's/^/# /'
	fi
}
src=$dir/../abi/abi_layout.c
try "x86-64 (gcc)" gcc -std=c11 -Wall -Werror -fsyntax-only -I"$uapi" "$src"
for t in i386-linux-gnu x86_64-linux-gnux32; do
	try "$t (clang)" clang --target=$t -std=c11 -Wall -Werror -fsyntax-only -ffreestanding \
		-nostdinc -isystem "$(clang -print-resource-dir)/include" \
		-I"$uapi" -I"$dir/../abi/stub" -idirafter /usr/include "$src"
done
try "C++ (g++, -x c++)" g++ -std=c++17 -Wall -Werror -fsyntax-only -x c++ -I"$uapi" "$src"
ktap_finished
