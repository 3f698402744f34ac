#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make upstream-check: the kernel series of upstream/ (blkseek's core as
# patches to Debian's linux-source-7.3), built into a kernel and tested in
# a VM with blkseek.ko not loaded.
#   1. source: linux-source-7.3 downloaded with the bpo line's private apt
#      lists (tools/build/kernel-line.sh fetch bpo makes them, run here when
#      they are missing, as from a fresh clone), extracted
#      once per version into a git tree whose first commit, tagged
#      "pristine", is the source as Debian ships it
#   2. series: the patches applied in turn with git am on a branch from
#      "pristine"; after each one, checkpatch --strict on the patch and a
#      W=1 build of every object the series has touched so far (each patch
#      builds on its own), and sparse (sid's, C=2) on each of them; then
#      sd's GET LBA STATUS parser and walk, and the block layer's, dm's and
#      loop's range handling, dm-thin's and LIO's GET LBA STATUS, cut out
#      of the patched tree, on the host: the module's parser cases, random
#      model disks, random dm tables, loop over sparse files, a model of a
#      thin pool's mappings, LIO's replies over sparse files (host-tests.sh).
#      Done again only when a patch changed
#   3. kernel: tinyconfig + tools/testing/upstream/upstream-vm.config,
#      bzImage and modules (make rebuilds only what changed)
#   4. VM: one virtme-ng boot of that kernel (tools/build/vng-boot with
#      BLKSEEK_KTREE) running tools/testing/upstream/upstream-guest.sh: the
#      selftests on seek semantics and races (blkseek_map, blkseek_edges,
#      blkseek_race), the stacked devices (upstream_stack.sh), dm-thin
#      (upstream_thin.sh: a thin LV against thin_dump), LIO's GET LBA
#      STATUS end to end (upstream_lio.sh: a thin LV and a sparse file
#      exported through tcm_loop) and the kernel
#      log (blkseek_dmesg.sh); then blktests' ./check on the series' own
#      blktests cases (upstream/blktests/: tests/scsi, tests/loop, tests/dm,
#      common/seek, src/seek_data_hole.c), added to a copy of a blktests
#      tree: BLKTESTS=DIR (a checkout of the reviewer's own) or, by
#      default, the pinned tarball BLKTESTS_TARBALL
#      (/work/shared/third_party/blktests-a608cb56341e.tar.gz); one KTAP
#      result per case, counted with the selftests'
# Usage: upstream-check.sh [series|vm]   (or BLKSEEK_UPSTREAM_STEPS=series|vm)
#   series: steps 1 and 2 only
#   vm:     no tools/testing/setup.sh; steps 2 to 4 as for a full run, step
#           2 skipped when the series has not changed since it passed, so
#           after a selftest change only the kernel's make (nothing to do)
#           and the boot run
# Re-applying the series leaves the files whose content it did not change
# with their earlier mtimes, so that a change to one .c file of the series
# rebuilds that file, not everything that includes a header of the series.
# BLKSEEK_UPSTREAM_DIR (default build/upstream) holds the tree and objects;
# BLKSEEK_UPSTREAM_TESTS (default all) names the VM's tests to run ("none":
# the blktests cases alone); BLKSEEK_UPSTREAM_CASES (default all the
# series' cases, as GROUP/NNN separated by spaces; "none": no blktests) the
# blktests cases.
# BLKSEEK_UPSTREAM_NEXT=1 applies upstream/next/'s patches after the
# series (patches written, not yet built into a kernel or booted, with
# their cover letter there: none now, dm-thin's and LIO's went into the
# series as 8/9 and 9/9 once booted); host-tests.sh runs the host tests
# whose functions are in the tree.
# BLKSEEK_UPSTREAM_REV=REV takes the series from this repository's git
# revision REV instead of the work tree's upstream/ (e.g. series-v1, the
# tag of v1), with this tree's tests: the way to show that a test fails on
# an earlier version.  The series step's failures are then counted but do
# not stop the kernel's build.  Give it its own BLKSEEK_UPSTREAM_DIR.
# The last line is "N passed, N failed"; a step that cannot run is a failure.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tools/testing/upstream
dir=${BLKSEEK_UPSTREAM_DIR:-$top/build/upstream}
src=$dir/linux-source-7.3
obj=$dir/obj
frag=$here/upstream-vm.config
apt_dir=$top/build/lines/bpo/apt
results=$top/build/results
mode=${1:-${BLKSEEK_UPSTREAM_STEPS:-all}}
jobs=${BLKSEEK_UPSTREAM_JOBS:-$(nproc)}
passed=0
series_rev=${BLKSEEK_UPSTREAM_REV:-}
series_dir=$top/upstream
failed=0
mkdir -p "$dir" "$results"

fail() {
	echo "upstream-check: $*" >&2
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
}

# one check of the series: "ok"/"not ok" and the count
tally() {	# tally STATUS WHAT
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		echo "not ok - $2"
	fi
}

kmake() {
	nice -n 19 make -C "$src" O="$obj" "$@"
}

case $mode in all | series | vm) ;; *) fail "unknown mode $mode (all, series or vm)" ;; esac
if [ "$mode" = all ]; then
	BLKSEEK_SETUP_DEBUG=1 "$top/tools/testing/setup.sh" || fail "setup failed"
fi
for t in flex bison bc; do
	command -v "$t" > /dev/null ||
		fail "no $t (tools/testing/setup.sh installs it with BLKSEEK_SETUP_DEBUG=1)"
done

# 1. the source, as a git tree, once per version of linux-source-7.3
if [ ! -f "$apt_dir/sources.list" ]; then
	echo "upstream-check: fetching the bpo line for its apt lists"
	"$top/tools/build/kernel-line.sh" fetch bpo > "$dir/bpo-line.log" 2>&1 ||
		fail "no apt lists of the bpo line, see $dir/bpo-line.log"
fi
# shellcheck source=tools/build/apt-private.sh
. "$top/tools/build/apt-private.sh"
apt_private_opts "$apt_dir"
srcver=$(apt-cache "${aptopts[@]}" show linux-source-7.3 2>/dev/null |
	 sed -n 's/^Version: //p' | sort -V | tail -1)
[ -n "$srcver" ] || fail "linux-source-7.3 is not in the bpo line's apt lists"
if [ -n "$series_rev" ]; then
	git -C "$top" rev-parse -q --verify "$series_rev^{commit}" > /dev/null ||
		fail "BLKSEEK_UPSTREAM_REV=$series_rev is not a revision of $top"
	series_dir=$dir/series-of-rev
	rm -rf "$series_dir" && mkdir -p "$series_dir" &&
		git -C "$top" archive "$series_rev" upstream/ |
		tar -x --strip-components=1 -C "$series_dir" ||
		fail "cannot take upstream/ of $series_rev"
	echo "upstream-check: the series of $series_rev ($(git -C "$top" rev-parse --short "$series_rev")), this tree's tests"
fi
echo "upstream-check: linux-source-7.3 $srcver, series of $(find "$series_dir" -maxdepth 1 -name '0*.patch' | wc -l) files"
if [ "$(cat "$dir/source.version" 2>/dev/null)" != "$srcver" ]; then
	echo "upstream-check: fetching and extracting linux-source-7.3 $srcver"
	rm -rf "$src" "$obj" "$dir/source.version" "$dir/series.sha256" "$dir/debs"
	mkdir -p "$dir/debs"
	(cd "$dir/debs" && apt-get "${aptopts[@]}" download -qq "linux-source-7.3=$srcver") ||
		fail "cannot download linux-source-7.3 $srcver"
	dpkg-deb --fsys-tarfile "$dir"/debs/linux-source-7.3_*.deb |
		tar -xO ./usr/src/linux-source-7.3.tar.xz | tar -xJ -C "$dir" ||
		fail "cannot extract linux-source-7.3"
	# Debian's .gitignore ignores the whole top level: add with -f
	git -C "$src" init -q &&
	git -C "$src" add -f -A &&
	git -C "$src" -c user.name="blkseek developers" \
		-c user.email=blkseek@example.invalid \
		commit -q -m "Debian linux-source-7.3 $srcver, pristine" &&
	git -C "$src" tag pristine || fail "cannot make the git tree"
	echo "$srcver" > "$dir/source.version"
fi

# the objects' configuration, made again when the fragment or source changed
stamp=$( (echo "$srcver"; cat "$frag") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$obj/upstream-config.sha256" 2>/dev/null)" != "$stamp" ]; then
	echo "upstream-check: configuring (tinyconfig + $(basename "$frag"))"
	git -C "$src" checkout -q -f pristine || fail "no pristine tree"
	mkdir -p "$obj"
	rm -f "$obj/upstream-config.sha256" "$dir/series.sha256"
	{ kmake tinyconfig &&
	  "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" &&
	  kmake olddefconfig; } > "$dir/config.log" 2>&1 ||
		fail "configuring failed, see $dir/config.log"
	missing=0
	while IFS= read -r opt; do
		case $opt in
		CONFIG_*) grep -qxF "$opt" "$obj/.config" ;;
		*) continue ;;
		esac || { echo "upstream-check: $opt did not take" >&2; missing=1; }
	done < "$frag"
	[ "$missing" = 0 ] || fail "the fragment does not apply to this source"
	echo "$stamp" > "$obj/upstream-config.sha256"
fi

# 2. the series, patch by patch
patches=()
for p in "$series_dir"/0*.patch; do
	case $p in */0000-cover-letter.patch) ;; *) patches+=("$p") ;; esac
done
# BLKSEEK_UPSTREAM_NEXT=1: then the patches of upstream/next/ (not yet
# booted, so not in the series by default)
if [ "${BLKSEEK_UPSTREAM_NEXT:-0}" = 1 ]; then
	for p in "$series_dir"/next/0*.patch; do
		case $p in */0000-cover-letter.patch) ;; *) [ -f "$p" ] && patches+=("$p") ;; esac
	done
fi
[ ${#patches[@]} -gt 0 ] || fail "no patches in $series_dir"
# sparse: trixie's and the host's (0.6.4) cannot parse 7.3's headers (no
# __typeof_unqual__: the kernel's checker-valid.sh rejects them), so sid's,
# from the sid line's build chroot (tools/build/kernel-line.sh fetch sid),
# run on the host through that chroot's own loader and libc
sid_root=$top/build/lines/sid/chroot
if [ ! -x "$sid_root/usr/bin/sparse" ]; then
	"$top/tools/build/kernel-line.sh" fetch sid > "$dir/sid-line.log" 2>&1 ||
		fail "no sid line for its sparse, see $dir/sid-line.log"
fi
checker=$dir/sparse
# shellcheck disable=SC2016 # expanded by the wrapper
{ printf '%s\n' '#!/bin/sh' \
	"# sid's sparse, from $sid_root (upstream-check.sh)" \
	"r=$sid_root" \
	'exec "$r/lib64/ld-linux-x86-64.so.2" --library-path "$r/usr/lib/x86_64-linux-gnu" "$r/usr/bin/sparse" "$@"' \
	> "$checker" && chmod +x "$checker"; } || fail "cannot write $checker"
checker_version=$("$checker" --version 2>&1) || fail "sid's sparse does not run: $checker_version"
sstamp=$( (cat "${patches[@]}" "$frag" "$here"/test-*; echo "$checker_version") |
	 sha256sum | cut -d' ' -f1)
if [ "$(cut -d' ' -f1 "$dir/series.sha256" 2>/dev/null)" != "$sstamp" ]; then
	rm -f "$dir/series.sha256"
	git -C "$src" am --abort > /dev/null 2>&1
	# the files the last series touched: content and mtime, to give back
	# the mtime to those the new series leaves as they were
	kept=()
	if git -C "$src" rev-parse -q --verify series > /dev/null; then
		while IFS= read -r f; do
			[ -f "$src/$f" ] || continue
			kept+=("$f $(git -C "$src" hash-object "$src/$f") $(stat -c %.9Y "$src/$f")")
		done < <(git -C "$src" diff --name-only pristine series)
	fi
	git -C "$src" checkout -q -f -B series pristine || fail "no pristine tree"
	kmake prepare > "$dir/prepare.log" 2>&1 ||
		fail "make prepare failed, see $dir/prepare.log"
	touched=()
	series_failed=0
	bad='warning:|error:|not available or not up to date'
	for p in "${patches[@]}"; do
		name=$(basename "$p")
		"$src/scripts/checkpatch.pl" --strict -q "$p" > "$dir/checkpatch.log" 2>&1
		rc=$?
		[ "$rc" = 0 ] || sed 's/^/# /' "$dir/checkpatch.log"
		tally "$rc" "checkpatch --strict $name"
		git -C "$src" -c user.name="blkseek developers" \
			-c user.email=blkseek@example.invalid am -q "$p" ||
			fail "$name does not apply to linux-source-7.3 $srcver"
		while IFS= read -r f; do
			touched+=("${f%.c}.o")
		done < <(git -C "$src" diff --name-only HEAD~1 HEAD -- '*.c')
		mapfile -t touched < <(printf '%s\n' "${touched[@]}" | sort -u)
		# C=2: sparse on each of them, built or not
		kmake -j"$jobs" W=1 C=2 CHECK="$checker" "${touched[@]}" \
			> "$dir/build-$name.log" 2>&1
		rc=$?
		grep -E "$bad" "$dir/build-$name.log" | sed 's/^/# /'
		checked=0
		for o in "${touched[@]}"; do
			grep -qx " *CHECK *${o%.o}.c" "$dir/build-$name.log" &&
				checked=$((checked + 1))
		done
		! grep -qE "$bad" "$dir/build-$name.log" && [ "$rc" = 0 ] &&
			[ "$checked" = "${#touched[@]}" ]
		rc=$?
		tally "$rc" "W=1 build and sparse ($checker_version, $checked files) after $name: ${touched[*]}"
		[ "$rc" = 0 ] || series_failed=1
	done
	for k in "${kept[@]}"; do
		read -r f h t <<< "$k"
		[ -f "$src/$f" ] && [ "$(git -C "$src" hash-object "$src/$f")" = "$h" ] &&
			touch -d "@$t" "$src/$f"
	done
	# the ported GET LBA STATUS parser and walk, on the host, as the
	# series left them
	"$here/host-tests.sh" "$src" "$dir/host-tests" > "$dir/host-tests.log" 2>&1
	rc=$?
	grep '^not ok' "$dir/host-tests.log" | sed 's/^/# /'
	tally "$rc" "the series' code cut out of the patched tree, over model devices and sparse files, on the host: $(grep -c '^ok' "$dir/host-tests.log") checks passed (host-tests.sh: $(sed -n 's/^# host-tests: //p' "$dir/host-tests.log" | tr ' ' ','))"
	[ "$series_failed" = 0 ] && [ "$failed" = 0 ] &&
		echo "$sstamp $passed" > "$dir/series.sha256"
else
	passed=$(cut -d' ' -f2 "$dir/series.sha256")
	echo "upstream-check: series unchanged since its last check ($passed checks passed)"
	git -C "$src" checkout -q series || fail "no series branch"
fi
if [ "$mode" = series ]; then
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
fi
if [ "$failed" != 0 ] && [ -n "$series_rev" ]; then
	echo "upstream-check: the series of $series_rev has failures: building its kernel all the same"
else
	[ "$failed" = 0 ] || fail "the series has failures: not building the kernel"
fi

# 3. the kernel
echo "upstream-check: building the kernel ($jobs jobs)"
start=$(date +%s)
kmake -j"$jobs" bzImage modules > "$dir/build.log" 2>&1 ||
	{ tail -30 "$dir/build.log"; fail "kernel build failed, see $dir/build.log"; }
kver=$(cat "$obj/include/config/kernel.release")
echo "upstream-check: $kver built in $(( $(date +%s) - start )) s"

# 4. the selftests, built here as a target of the tree's kselftests (its
#    lib.mk, harness and runner; untracked, so the series' git tree does
#    not see them), run there
suite=$src/tools/testing/selftests/blkseek
rm -rf "$suite"
cp -r "$top/selftests/blkseek" "$suite" || fail "cannot copy the selftests"
cp "$here"/upstream_*.sh "$suite/"
make -s -C "$suite" BLKSEEK_UAPI="$top/uapi" > "$dir/selftests.log" 2>&1 ||
	fail "the selftests do not build, see $dir/selftests.log"
make -s -C "$top/tools" > /dev/null || fail "the tools do not build"

# blktests: a copy (the VM writes its results beside it, in build/results,
# the one directory it may write) of BLKTESTS=DIR or of the pinned
# tarball, with the series' cases added and its helper built
bt_cases=${BLKSEEK_UPSTREAM_CASES:-$(cd "$top/upstream/blktests/tests" &&
	ls -d */[0-9][0-9][0-9] | sort | tr '\n' ' ')}
bt_env=
if [ "$bt_cases" != none ]; then
	bt=$results/blktests
	rm -rf "$bt"
	mkdir -p "$bt"
	if [ -n "${BLKTESTS:-}" ]; then
		[ -x "$BLKTESTS/check" ] || fail "BLKTESTS=$BLKTESTS is no blktests tree (no ./check)"
		tar -C "$BLKTESTS" --exclude=./results -cf - . | tar -C "$bt" -xf - ||
			fail "cannot copy $BLKTESTS"
		bt_from=$BLKTESTS
	else
		bt_from=${BLKTESTS_TARBALL:-/work/shared/third_party/blktests-a608cb56341e.tar.gz}
		tar -xzf "$bt_from" -C "$bt" --strip-components=1 ||
			fail "cannot extract blktests from $bt_from (BLKTESTS=DIR names a checkout)"
	fi
	for c in $bt_cases; do
		[ ! -e "$bt/tests/$c" ] || [ -e "$top/upstream/blktests/tests/$c" ] ||
			fail "blktests case $c exists already in $bt_from: renumber upstream/blktests/"
	done
	cp -r "$top/upstream/blktests/." "$bt/" || fail "cannot add the series' blktests cases"
	# the helper in src/'s own list of C programs
	grep -q 'seek_data_hole' "$bt/src/Makefile" ||
		sed -i 's/^C_TARGETS := \\$/&\n\tseek_data_hole \\/' "$bt/src/Makefile"
	make -s -C "$bt/src" seek_data_hole > "$dir/blktests-build.log" 2>&1 ||
		fail "blktests' src/seek_data_hole does not build, see $dir/blktests-build.log"
	echo "upstream-check: blktests from $bt_from, cases $bt_cases"
	bt_env="BLKSEEK_BLKTESTS=$bt BLKSEEK_BLKTESTS_CASES=$(tr ' ' ',' <<< "${bt_cases% }")"
fi

ktap=$results/upstream-$kver.ktap
rm -f "$ktap"
start=$(date +%s)
BLKSEEK_KTREE=$obj "$top/tools/build/vng-boot" "$kver" \
	"env $bt_env $here/upstream-guest.sh $suite $ktap ${BLKSEEK_UPSTREAM_TESTS:-}" |
	tee "$results/upstream-$kver.log"
echo "upstream-check: VM ran for $(( $(date +%s) - start )) s"
[ -s "$ktap" ] || fail "the VM produced no results"
read -r vp vf vs < <(awk -f "$top/tools/testing/lib/ktap-counts.awk" "$ktap")
passed=$((passed + vp))
failed=$((failed + vf))
[ "${vs:-0}" -gt 0 ] && echo "($vs skipped)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
