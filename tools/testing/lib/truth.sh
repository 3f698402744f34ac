# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the tests of tools/testing that compare a device's answers
# with the device itself: gls_descriptors and gls_truth (the ground truth
# from sg_get_lba_status), merge_runs, seek_walk (the map by
# SEEK_DATA/SEEK_HOLE, selftests/blkseek/blkseek_seek.py) and
# seek_is_truth.  The one copy is the selftests',
# selftests/blkseek/blkseek_truth.sh, which they install with themselves.

# shellcheck source=selftests/blkseek/blkseek_truth.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../../selftests/blkseek/blkseek_truth.sh"
