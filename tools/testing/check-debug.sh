#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the whole selftest suite (race and removal tests
# included) under a 6.12 kernel built with KASAN, PROVE_LOCKING,
# DEBUG_ATOMIC_SLEEP, KMEMLEAK and DEBUG_OBJECTS.
#  - the kernel comes from Debian's linux-source-6.12, configured with
#    "make tinyconfig" plus tools/testing/debug-kernel/blkseek-debug.config, and
#    is cached in BLKSEEK_DEBUG_DIR (default build/debug-kernel): it is
#    configured again only when the fragment or the source package
#    changes, and make rebuilds only what changed
#  - blkseek.ko is built against that tree, the suite runs in one
#    virtme-ng boot of it (tools/testing/vm/vm-run with BLKSEEK_KTREE); kmemleak is
#    cleared before blkseek is loaded and scanned by blkseek_dmesg.sh
# Prints the build and run times and the reports found; the last line is
# "N passed, N failed".  Summary in build/results/check-debug.txt.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${BLKSEEK_DEBUG_DIR:-$top/build/debug-kernel}
src=$dir/linux-source-6.12
obj=$dir/obj
frag=$top/tools/testing/debug-kernel/blkseek-debug.config
tarball=/usr/src/linux-source-6.12.tar.xz
results=$top/build/results
summary=$results/check-debug.txt
mkdir -p "$dir" "$results"

fail() {
	echo "check-debug: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

BLKSEEK_SETUP_DEBUG=1 "$top/tools/testing/setup.sh" || fail "setup failed"

# the source, extracted once per linux-source-6.12 version
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
if [ "$(cat "$dir/source.version" 2>/dev/null)" != "$srcver" ]; then
	echo "check-debug: extracting linux-source-6.12 $srcver"
	rm -rf "$src" "$obj" "$dir/source.version"
	tar -xJf "$tarball" -C "$dir" || fail "cannot extract $tarball"
	echo "$srcver" > "$dir/source.version"
fi

# the configuration, made again only when the fragment or source changed
stamp=$( (echo "$srcver"; cat "$frag") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$obj/blkseek-config.sha256" 2>/dev/null)" != "$stamp" ]; then
	echo "check-debug: configuring (tinyconfig + $(basename "$frag"))"
	mkdir -p "$obj"
	rm -f "$obj/blkseek-config.sha256"
	{ make -C "$src" O="$obj" tinyconfig &&
	  "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" &&
	  make -C "$src" O="$obj" olddefconfig; } > "$dir/config.log" 2>&1 ||
		fail "configuring failed, see $dir/config.log"
	# every option the fragment asks for must have survived olddefconfig
	missing=0
	while IFS= read -r opt; do
		case $opt in
		CONFIG_*) grep -qxF "$opt" "$obj/.config" ;;
		"# CONFIG_"*" is not set") ! grep -q "^${opt:2:-11}=" "$obj/.config" ;;
		*) continue ;;
		esac || { echo "check-debug: $opt did not take" >&2; missing=1; }
	done < "$frag"
	[ "$missing" = 0 ] || fail "the fragment does not apply to this source"
	echo "$stamp" > "$obj/blkseek-config.sha256"
fi

echo "check-debug: building the kernel ($(nproc) jobs)"
start=$(date +%s)
make -C "$src" O="$obj" -j"$(nproc)" bzImage modules > "$dir/build.log" 2>&1 ||
	{ tail -30 "$dir/build.log"; fail "kernel build failed, see $dir/build.log"; }
build_s=$(( $(date +%s) - start ))
kver=$(cat "$obj/include/config/kernel.release")
echo "check-debug: $kver built in $build_s s"

# Under TCG this kernel runs the suite several times slower than Debian's:
# the tests' timeouts are scaled, and the VM may run for hours.
start=$(date +%s)
BLKSEEK_KTREE=$obj BLKSEEK_TIMEOUT_SCALE=${BLKSEEK_TIMEOUT_SCALE:-10} \
	BLKSEEK_VM_TIMEOUT=${BLKSEEK_VM_TIMEOUT:-43200} \
	"$top/tools/testing/vm/vm-run" | tee "$results/check-debug.log"
run_s=$(( $(date +%s) - start ))

ktap=$results/$kver.ktap
log=$results/$kver.log
dmesg_f=$results/$kver.dmesg
read -r passed failed skipped < <(awk -f "$top/tools/testing/lib/ktap-counts.awk" "$ktap" 2>/dev/null)
[ -s "$ktap" ] || failed=1
# the reports blkseek_dmesg.sh fails on, counted with its own patterns
patterns=$(sed -n "s/^patterns='\(.*\)'\$/\1/p" "$top/selftests/blkseek/blkseek_dmesg.sh")
reports=$(grep -cE "$patterns" "$dmesg_f" 2>/dev/null)
leaks=$(grep -oE 'kmemleak reports [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
{
	echo "kernel:       $kver (tinyconfig + $(basename "$frag"))"
	echo "checkers:     $(grep -oE '^CONFIG_(KASAN|KASAN_INLINE|PROVE_LOCKING|DEBUG_ATOMIC_SLEEP|DEBUG_KMEMLEAK|DEBUG_OBJECTS)=y' "$obj/.config" | sed 's/CONFIG_//; s/=y//' | tr '\n' ' ')"
	echo "kernel build: $build_s s (this run; a cached tree rebuilds only what changed)"
	echo "suite run:    $run_s s (one TCG boot)"
	echo "reports:      ${reports:-0} kernel log lines matching blkseek_dmesg.sh, ${leaks:-0} kmemleak"
	grep -hE 'kmemleak: no leak|ops [0-9]+ \(|cycles under lseek|kernel log clean' "$log" 2>/dev/null |
		sed 's/^[# ]*//'
} | tee "$summary"
[ "${skipped:-0}" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
