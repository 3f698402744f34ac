#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests for blkseek-map on regular sparse files (tmpfs, ext4, xfs and
# btrfs answer SEEK_DATA/SEEK_HOLE for files), plus the error contract.
#
# Usage: test-blkseek-map.sh [PATH-TO-blkseek-map]
# The scratch directory is made under $TMPDIR (default /tmp).
# BLKSEEK_MAP_NO_LOOP=1 skips attaching a loop device for the exit-2 test.

set -u

here=$(cd "$(dirname "$0")" && pwd)
MAP=${1:-$here/../../blkseek-map}
K=65536
M=1048576

# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$here/../lib/ktap.sh"
ktap_print_header

# Resolve the interpreter once: wrappers such as pyenv shims are slow.
PY=$(python3 -c 'import sys; print(sys.executable)') || {
	echo "Bail out! python3 not found"
	exit 1
}
python3() { "$PY" "$@"; }

if [ ! -x "$MAP" ]; then
	echo "Bail out! $MAP not built"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/blkseek-map-test.XXXXXX") || exit 1
loopdev=
writer=
cleanup() {
	[ -n "$writer" ] && kill "$writer" 2>/dev/null && wait "$writer" 2>/dev/null
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# write_at FILE OFFSET LENGTH: random data, file size kept (conv=notrunc)
write_at() {
	dd if=/dev/urandom of="$1" bs=4096 seek=$(($2 / 4096)) \
	   count=$(($3 / 4096)) conv=notrunc status=none
}

# verify JSONFILE SIZE [START:LENGTH ...]
# Checks the JSON map (nbdinfo --map --json's array of offset, length,
# type, description): well-formed, extents cover [0,SIZE) exactly, types
# 0 (data) and 3 (hole,zero) with their descriptions, alternate (merged),
# every written range is data, and data extends at most to the 64K
# granules touched by writes (all written ranges here are 64K aligned
# unless noted, so exact).
verify() {
	python3 - "$@" <<'EOF'
import json, sys
path, size = sys.argv[1], int(sys.argv[2])
written = [tuple(map(int, a.split(':'))) for a in sys.argv[3:]]
G = 65536
with open(path) as f:
    j = json.load(f)
def die(msg):
    print('#', msg, file=sys.stderr)
    print('# got:', json.dumps(j)[:2000], file=sys.stderr)
    sys.exit(1)
if not isinstance(j, list):
    die('not an array')
pos, prev = 0, None
for e in j:
    if sorted(e) != ['description', 'length', 'offset', 'type']:
        die('members %r' % sorted(e))
    if e['offset'] != pos or e['length'] <= 0:
        die('gap/overlap/empty extent at %d' % pos)
    if (e['type'], e['description']) not in ((0, 'data'), (3, 'hole,zero')):
        die('bad type %r' % e)
    if e['type'] == prev:
        die('adjacent type %s extents not merged at %d' % (prev, pos))
    prev = e['type']
    pos += e['length']
if pos != size:
    die('extents end at %d, size %d' % (pos, size))
def kind_at(off):
    for e in j:
        if e['offset'] <= off < e['offset'] + e['length']:
            return e['description']
for s, l in written:
    for off in range(s, s + l, 4096):
        if kind_at(off) != 'data':
            die('written offset %d reported as hole' % off)
granules = set()
for s, l in written:
    granules.update(range(s // G, (s + l + G - 1) // G))
for e in j:
    if e['type'] != 0:
        continue
    for off in range(e['offset'] // G * G, e['offset'] + e['length'], G):
        if off // G not in granules:
            die('data at %d where nothing was written' % off)
EOF
}

# map_ok NAME FILE SIZE [START:LENGTH ...]: --json exits 0 and verifies
map_ok() {
	local name=$1 file=$2 size=$3
	shift 3
	if "$MAP" --json "$file" >"$work/out.json" 2>"$work/err"; then
		ktap_test_result "$name" verify "$work/out.json" "$size" "$@"
	else
		ktap_test_fail "$name (exit $?: $(head -c 200 "$work/err"))"
	fi
}

# expect_fail NAME WANTRC PATTERN ARGS...: exit WANTRC, stderr matches
expect_fail() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	"$MAP" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$work/err" &&
	   [ ! -s "$work/out" ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name (exit $rc, stderr: $(head -c 200 "$work/err"))"
	fi
}

echo "# blkseek-map: $MAP, scratch: $work ($(stat -f -c %T "$work"))"

# --- CLI ----------------------------------------------------------------
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$(dirname "$0")/../../../dkms.conf")
ktap_test_result "--version prints dkms.conf's $version" \
	bash -c '[ "$("$0" --version)" = "blkseek-map $1" ]' "$MAP" "$version"
ktap_test_result "--help exits 0 and shows usage" \
	bash -c '"$0" --help | grep -q "Usage: blkseek-map"' "$MAP"
expect_fail "no PATH exits 2 (usage)" 2 "Usage"
expect_fail "two PATHs exit 2 (usage)" 2 "exactly one PATH" /a /b
expect_fail "unknown option exits 2 (usage)" 2 "Usage" --bogus /dev/null
expect_fail "--check with --json exits 2 (usage)" 2 "takes no other option" --check --json /dev/null

# --- layouts ------------------------------------------------------------
f=$work/mixed
truncate -s $((2 * M)) "$f"
write_at "$f" 0 $K
write_at "$f" $M $K
map_ok "data 0..64K, hole, data 1M..1M+64K, trailing hole" \
	"$f" $((2 * M)) 0:$K $M:$K
ktap_test_result "mixed file gives exactly 4 extents" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
want = [(0, 65536, 0, "data"), (65536, 983040, 3, "hole,zero"),
        (1048576, 65536, 0, "data"), (1114112, 983040, 3, "hole,zero")]
sys.exit([(x["offset"], x["length"], x["type"], x["description"]) for x in e] != want)
' "$work/out.json"

f=$work/small
truncate -s $((2 * M)) "$f"
write_at "$f" $M 4096
map_ok "4K of data at 1M (block-granular fs)" "$f" $((2 * M)) $M:4096

f=$work/lead-hole
truncate -s $((M + K)) "$f"
write_at "$f" $M $K
map_ok "leading hole, data to EOF" "$f" $((M + K)) $M:$K

f=$work/all-hole
truncate -s $((3 * M)) "$f"
map_ok "all-hole file" "$f" $((3 * M))
ktap_test_result "all-hole file is one hole extent" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(j != [{"offset": 0, "length": 3145728, "type": 3, "description": "hole,zero"}])
' "$work/out.json"

f=$work/all-data
write_at "$f" 0 $M
map_ok "all-data file" "$f" $M 0:$M
ktap_test_result "all-data file is one data extent" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(j != [{"offset": 0, "length": 1048576, "type": 0, "description": "data"}])
' "$work/out.json"

f=$work/unaligned
head -c 5000 /dev/urandom >"$f"
map_ok "unaligned size (5000 bytes) all data" "$f" 5000 0:4096

f=$work/empty
: >"$f"
map_ok "empty file" "$f" 0
ktap_test_result "empty file has no extents" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(j != [])
' "$work/out.json"

f=$work/many
truncate -s $((8 * M)) "$f"
w=()
for i in 0 2 3 7 8 9 40 63 64 127; do
	write_at "$f" $((i * K)) $K
	w+=($((i * K)):$K)
done
map_ok "many extents, adjacent writes merged" "$f" $((8 * M)) "${w[@]}"

f=$work/huge
if truncate -s 1T "$f" 2>/dev/null; then
	write_at "$f" $(((1 << 40) - K)) $K
	map_ok "1 TiB sparse file, data in the last 64K" "$f" $((1 << 40)) \
		$(((1 << 40) - K)):$K
else
	ktap_test_skip "1 TiB sparse file" "filesystem cannot hold a 1 TiB file"
fi
rm -f "$f"

# --- output formats -----------------------------------------------------
f=$work/mixed
ktap_test_result "--json output passes python3 -m json.tool" \
	bash -c '"$0" --json "$1" | "$2" -m json.tool >/dev/null' "$MAP" "$f" "$PY"

"$MAP" "$f" >"$work/table" 2>"$work/err"
rc=$?
ktap_test_result "table: exit 0, nothing on stderr" \
	test "$rc" -eq 0 -a ! -s "$work/err"
ktap_test_result "table: header names path, size and method" \
	grep -qF "$f: 2097152 bytes (2 MiB), method: lseek SEEK_DATA/SEEK_HOLE" \
	"$work/table"
ktap_test_result "table: column header" \
	grep -qE '^ *OFFSET +LENGTH +KIND' "$work/table"
ktap_test_result "table: extent rows with exact and human sizes" \
	grep -qE '^ +1048576 +65536 +data +1 MiB +64 KiB$' "$work/table"
ktap_test_result "table: totals footer" bash -c '
	grep -q "^total size: *2097152 (2 MiB)$" "$0" &&
	grep -q "^data bytes: *131072 (128 KiB)$" "$0" &&
	grep -q "^hole bytes: *1966080 (1.9 MiB)$" "$0" &&
	grep -q "^extents: *4$" "$0" &&
	grep -q "^mapped: *6.2%$" "$0"' "$work/table"

ktap_test_result "--json --totals: nbdinfo's totals, same types as the extents" bash -c '
	"$0" --json "$1" > "$2/m.json" && "$0" --json --totals "$1" > "$2/t.json" &&
	"$3" -c "
import json, sys
m, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
by = {}
for e in m:
    by[(e[\"type\"], e[\"description\"])] = by.get((e[\"type\"], e[\"description\"]), 0) + e[\"length\"]
got = {(x[\"type\"], x[\"description\"]): x[\"size\"] for x in t}
assert got == by == {(0, \"data\"): 131072, (3, \"hole,zero\"): 1966080}, (got, by)
assert [x[\"percent\"] for x in t] == [6.25, 93.75], t
assert all(sorted(x) == [\"description\", \"percent\", \"size\", \"type\"] for x in t)
" "$2/m.json" "$2/t.json"' "$MAP" "$f" "$work" "$PY"
ktap_test_result "--totals: the table's totals without the rows" bash -c '
	out=$("$0" --totals "$1") && ! grep -q "^ *OFFSET" <<< "$out" &&
	grep -q "^hole bytes: *1966080 (1.9 MiB)$" <<< "$out"' "$MAP" "$f"
ktap_test_result "table: every row kind has its totals line (hole rows, hole bytes)" bash -c '
	"$0" "$1" > "$2/tb" && grep -qE "^ +65536 +983040 +hole " "$2/tb" &&
	grep -q "^hole bytes:" "$2/tb"' "$MAP" "$f" "$work"

ktap_test_result "--quiet prints nothing and exits 0" bash -c '
	out=$("$0" --quiet "$1" 2>&1) && [ -z "$out" ]' "$MAP" "$f"

f=$work/$'we"ird\\ \tname\n\xff\xc3\xa9'
cp "$work/mixed" "$f"
"$MAP" --json "$f" >"$work/odd.json" 2>"$work/err"
ktap_test_result "--json of an odd path (quote, backslash, control, non-UTF-8) is valid" \
	python3 -c '
import json, sys
sys.exit(len(json.load(open(sys.argv[1]))) != 4)
' "$work/odd.json"
rm -f "$f"

# --- concurrently changing target --------------------------------------
f=$work/busy
truncate -s $((4 * M)) "$f"
(
	set +e
	i=0
	while :; do
		o=$(((i * 7919) % 60 * K))
		write_at "$f" $o $K 2>/dev/null
		fallocate --punch-hole -o $(((i * 104729) % 60 * K)) -l $((2 * K)) "$f" 2>/dev/null
		[ $((i % 5)) -eq 0 ] && truncate -s $(((2 + i % 3) * M)) "$f"
		i=$((i + 1))
	done
) &
writer=$!
bad=0
for i in $(seq 1 40); do
	if ! "$MAP" --json "$f" >"$work/busy.$i.json" 2>"$work/err"; then
		bad=1
		echo "# run $i: exit $?: $(head -c 200 "$work/err")"
		break
	fi
done
# extents may be anything; they must still tile [0,size) and merge
if [ "$bad" -eq 0 ] && ! python3 - "$work"/busy.*.json <<'EOF'
import json, sys
for path in sys.argv[1:]:
    j = json.load(open(path))
    pos, prev = 0, None
    for e in j:
        assert e["offset"] == pos and e["length"] > 0 and e["type"] != prev, path
        pos, prev = pos + e["length"], e["type"]
    assert 2 << 20 <= pos <= 4 << 20, path
EOF
then
	bad=1
fi
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
writer=
ktap_test_result "file changing under the walk: 40 runs terminate and tile [0,size)" \
	test "$bad" -eq 0

# --- errors -------------------------------------------------------------
expect_fail "missing path exits 1 with strerror" 1 \
	"No such file or directory" "$work/does-not-exist"
expect_fail "directory exits 1" 1 "not a regular file or block device" \
	"$work"
expect_fail "character device /dev/null exits 1" 1 \
	"not a regular file or block device" /dev/null
if [ -e /dev/loop-control ]; then
	expect_fail "/dev/loop-control (char device) exits 1" 1 \
		"not a regular file or block device\|Permission denied" \
		/dev/loop-control
else
	ktap_test_skip "/dev/loop-control (char device) exits 1" "no /dev/loop-control"
fi
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$work/mixed"
	expect_fail "unreadable file exits 1" 1 "Permission denied" \
		"$work/mixed"
	chmod 644 "$work/mixed"
else
	ktap_test_skip "unreadable file exits 1" "running as root"
fi

# A block device whose kernel answers SEEK_DATA with EINVAL: a loop device
# over a scratch file (never handled by blkseek.ko, which serves only SCSI
# disks), else any readable non-empty non-SCSI block device.
einval_dev=
if [ -z "${BLKSEEK_MAP_NO_LOOP:-}" ] && [ "$(id -u)" -eq 0 ] &&
   command -v losetup >/dev/null; then
	loopdev=$(losetup -f --show -r "$work/mixed" 2>/dev/null) || loopdev=
	einval_dev=$loopdev
fi
if [ -z "$einval_dev" ]; then
	for s in /sys/class/block/*; do
		d=/dev/${s##*/}
		case ${s##*/} in sd*) continue ;; esac
		[ -b "$d" ] && [ -r "$d" ] || continue
		[ "$(cat "$s/size" 2>/dev/null || echo 0)" -gt 0 ] || continue
		( exec 3<"$d" ) 2>/dev/null || continue
		einval_dev=$d
		break
	done
fi
if [ -n "$einval_dev" ]; then
	expect_fail "block device without SEEK_DATA ($einval_dev) exits 3" 3 \
		"the kernel cannot answer SEEK_DATA/SEEK_HOLE on this device (is blkseek.ko loaded and enabled?)" \
		"$einval_dev"
	expect_fail "same with --json: exit 3, no partial JSON" 3 \
		"cannot answer" --json "$einval_dev"
else
	ktap_test_skip "block device without SEEK_DATA exits 2" \
		"no readable non-SCSI block device"
fi

# --- --check (the SCSI side needs a VM: selftests/blkseek/blkseek_check.sh)
expect_fail "--check of a regular file exits 2 (usage)" 2 \
	"--check takes a block device" --check "$work/mixed"
expect_fail "--check of a missing device exits 1" 1 \
	"No such file or directory" --check "$work/does-not-exist"
if [ -n "$einval_dev" ]; then
	"$MAP" --check "$einval_dev" > "$work/check" 2> "$work/err"
	rc=$?
	ktap_test_result "--check of a non-SCSI device ($einval_dev): exit 3, one verdict line last" \
		bash -c '[ "$0" = 3 ] && [ "$(grep -c "^verdict: " "$1")" = 1 ] &&
			 tail -1 "$1" | grep -q "^verdict: no answers: all data: " &&
			 grep -q "^blkseek: " "$1" && grep -q "^device: " "$1"' "$rc" "$work/check"
else
	ktap_test_skip "--check of a non-SCSI device" "no readable non-SCSI block device"
fi

ktap_finished
