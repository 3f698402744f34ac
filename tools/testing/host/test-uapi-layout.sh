#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# <linux/blkseek.h> and <linux/blkseek_stack.h> have one layout on x86-64,
# i386 and x32 userspace and compile as C++ (TAP).
# tools/testing/abi/abi_layout.c asserts each offset, size and ioctl number
# at compile time.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
uapi=$dir/../../../uapi
n=0 failed=0
try() {	# try WHAT CMD...
	local what=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		echo "$out" | head -10 | sed 's/^/# /'
		failed=$((failed + 1))
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
echo "1..$n"
[ $failed = 0 ]
