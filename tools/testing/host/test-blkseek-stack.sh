#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of blkseek-stack's command line: help, usage errors and the
# DEVICE arguments, checked whether or not blkseek is loaded (it is not on
# the host).  KTAP (tap.sh).
stack=${1:-$(dirname "$0")/../../blkseek-stack}
stack=$(readlink -f "$stack")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$(dirname "$0")/../../../dkms.conf")
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

t "--help: usage on stdout, exit 0" sh -c "
	'$stack' --help > so 2> se; [ \$? = 0 ] && grep -q '^Usage: blkseek-stack' so && [ ! -s se ]"
t "-h: the same" sh -c "'$stack' -h | grep -q '^Usage: blkseek-stack'"
t "--version prints dkms.conf's $version" sh -c "[ \"\$('$stack' --version)\" = 'blkseek-stack $version' ]"
t "-x: usage on stderr, exit 2" sh -c "
	'$stack' -x > so 2> se; [ \$? = 2 ] && grep -q '^Usage: blkseek-stack' se && [ ! -s so ]"
t "--bogus: usage on stderr, exit 2" sh -c "
	'$stack' --bogus > so 2> se; [ \$? = 2 ] && grep -q '^Usage: blkseek-stack' se && [ ! -s so ]"
t "/nonexistent: reported, exit 1" sh -c "
	'$stack' /nonexistent > so 2> se; [ \$? = 1 ] && grep -q '/nonexistent: No such file or directory' se"
t "a regular file: not a block device, exit 2" sh -c "
	: > f; '$stack' f 2> se; [ \$? = 2 ] && grep -q 'f: not a block device' se"
for w in 0 3601 x 5s -1 ''; do
	t "-w '$w': not a number of seconds from 1 to 3600, exit 2" sh -c "
		'$stack' -w '$w' > so 2> se; [ \$? = 2 ] && grep -q 'not a number of seconds from 1 to 3600' se && [ ! -s so ]"
done
t "--wait-lvm 3600 with a missing DEVICE: accepted, the DEVICE reported, exit 1" sh -c "
	'$stack' --wait-lvm 3600 /nonexistent 2> se; [ \$? = 1 ] && grep -q '/nonexistent: No such file' se"
t "every missing DEVICE is reported, exit 1" sh -c "
	'$stack' /nonexistent /nonexistent2 2> se; [ \$? = 1 ] && [ \$(grep -c 'No such file' se) = 2 ]"

# a block device that is neither dm nor loop (a disk): said at once
plain=
for s in /sys/class/block/*; do
	b=${s##*/}
	case $b in dm-*|loop*|zram*|ram*) continue ;; esac
	[ -b "/dev/$b" ] && { plain=/dev/$b; break; }
done
[ -z "$plain" ] && [ -b /dev/zram0 ] && plain=/dev/zram0
if [ -n "$plain" ]; then
	t "a plain disk ($plain): not a stacked device, exit 2 at once" sh -c "
		start=\$(date +%s); timeout 5 '$stack' '$plain' 2> se; rc=\$?
		[ \$rc = 2 ] && grep -q 'is not a stacked device' se &&
		[ \$((\$(date +%s) - start)) -le 1 ]"
else
	ktap_test_skip "a plain disk: not a stacked device" "no block device but dm/loop here"
fi
if [ ! -e /dev/blkseek ]; then
	t "no DEVICE, blkseek not loaded: nothing to tell, exit 0" sh -c "
		'$stack' > so 2> se; [ \$? = 0 ] && [ ! -s so ] && [ ! -s se ]"
	if [ -b /dev/loop0 ]; then
		t "a loop device, blkseek not loaded: exit 0" sh -c "'$stack' /dev/loop0"
	else
		ktap_test_skip "a loop device, blkseek not loaded" "no /dev/loop0"
	fi
else
	ktap_test_skip "no DEVICE, blkseek not loaded" "blkseek is loaded"
fi

ktap_finished
