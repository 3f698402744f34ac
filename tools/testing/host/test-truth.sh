#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/testing/lib/truth.sh on the host: the ground truth from a stand-in
# sg_get_lba_status (descriptors from a table, as sg3_utils prints them
# with -b, several a reply or one starting before the LBA asked), runs of
# one kind merged and clipped to the disk, a device that stops answering;
# and the seek walker (selftests/blkseek/blkseek_seek.py) on a sparse
# file of the host's file system.  KTAP output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$here/../lib/ktap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/truth.sh
. "$here/../lib/truth.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ktap_print_header

# the stand-ins: blockdev --getsize64 prints $SIZE; sg_get_lba_status -l
# LBA prints the descriptors of $DESC ("LBA BLOCKS STATUS" lines) that end
# past LBA, $PER of them (all by default), after sg3_utils' other lines
mkdir "$tmp/bin"
cat > "$tmp/bin/blockdev" <<'SH'
#!/bin/sh
echo "$SIZE"
SH
cat > "$tmp/bin/sg_get_lba_status" <<'SH'
#!/bin/bash
while [ $# -gt 0 ]; do [ "$1" = -l ] && lba=$2; shift; done
echo "Completion condition=0"
echo "RTP=0"
awk -v lba="$lba" -v per="${PER:-0}" '$1 + $2 > lba && (!per || n++ < per) {
	printf "0x%016x  0x%x  %d  0\n", $1, $2, $3 }' "$DESC"
SH
chmod +x "$tmp/bin/"*
PATH=$tmp/bin:$PATH

fails() { ! "$@" > /dev/null 2>&1; }	# fails CMD...: CMD fails

truth_is() {	# truth_is NAME SIZE EXPECTED DESCRIPTORS [PER]
	local got
	printf '%s\n' "$4" > "$tmp/desc"
	got=$(SIZE=$2 DESC=$tmp/desc PER=${5:-0} gls_truth /dev/fake)
	ktap_test_result "$1" [ "$got" = "$3" ]
	[ "$got" = "$3" ] || printf '# got: %s\n' $got
}
truth_is "one descriptor a reply, runs of one kind merged" 8192 "0 1024 data
1024 2048 hole
3072 5120 data" "0 2 0
2 2 1
4 2 2
6 2 0
8 8 0" 1
truth_is "several descriptors a reply" 8192 "0 2048 hole
2048 3072 data
5120 3072 hole" "0 4 1
4 6 0
10 6 2" 2
truth_is "clipped to the disk's size" 4096 "0 4096 data" "0 100 0"
printf '0 4 0\n' > "$tmp/desc"
SIZE=8192 DESC=$tmp/desc ktap_test_result "a device answering only part of the disk: gls_truth fails" \
	fails gls_truth /dev/fake
printf '0 4 0\n4 12 2\n' > "$tmp/desc"
ktap_test_result "gls_descriptors: LBA BLOCKS STATUS, decimal" \
	[ "$(SIZE=8192 DESC=$tmp/desc gls_descriptors /dev/fake | tr '\n' ';')" = "0 4 0;4 12 2;" ]

# the walker on a sparse file: 64 KiB of data at 1 MiB and 4 KiB at 3 MiB
truncate -s 4M "$tmp/f"
dd if=/dev/urandom of="$tmp/f" bs=64k count=1 seek=16 conv=notrunc status=none
dd if=/dev/urandom of="$tmp/f" bs=4k count=1 seek=768 conv=notrunc status=none
sync "$tmp/f"
want="0 1048576 hole
1048576 65536 data
1114112 2031616 hole
3145728 4096 data
3149824 1044480 hole"
got=$(seek_walk "$tmp/f")
if [ "$got" = "$want" ]; then
	ktap_test_pass "seek_walk: a sparse file's map"
else
	ktap_test_skip "seek_walk: a sparse file's map" "$(stat -f -c %T "$tmp") answers by its own blocks"
	printf '# %s\n' "$got"
fi
ktap_test_result "blkseek_seek.py one: SEEK_DATA in a hole" \
	[ "$(python3 "$truth_dir/blkseek_seek.py" one "$tmp/f" 0 SEEK_DATA)" = 1048576 ]
ktap_test_result "blkseek_seek.py one: SEEK_DATA past the data, ENXIO" \
	[ "$(python3 "$truth_dir/blkseek_seek.py" one "$tmp/f" 3200000 SEEK_DATA)" = ENXIO ]
ktap_test_result "blkseek_seek.py many: each answer counted" \
	[ "$(python3 "$truth_dir/blkseek_seek.py" many "$tmp/f" 5)" = 1048576:5 ]
# seek_is_truth: the device's data runs equal the walk's
printf '%s\n' "0 2048 1" "2048 128 0" "2176 3968 1" "6144 8 0" "6152 2040 1" > "$tmp/desc"
SIZE=4194304 DESC=$tmp/desc ktap_test_result "seek_is_truth: a walk equal to the device's answer" \
	seek_is_truth "$tmp/f"
printf '%s\n' "0 2048 1" "2048 128 0" "2176 6016 1" > "$tmp/desc"
SIZE=4194304 DESC=$tmp/desc ktap_test_result "seek_is_truth: data the device does not report fails" \
	fails seek_is_truth "$tmp/f"
ktap_finished
