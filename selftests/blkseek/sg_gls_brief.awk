# SPDX-License-Identifier: GPL-2.0
#
# The LBA status descriptors in the output of `sg_get_lba_status -b`
# (sg3_utils), recognised by what a line says, not by its position:
#   0xLBA  0xBLOCKS  PROVISIONING_STATUS  ADDITIONAL_STATUS
# sg3_utils 1.46 (Debian 12) prints "Completion condition=N" and "RTP=N"
# before the descriptors; those and any other line are skipped.
# Prints "LBA BLOCKS STATUS" (LBA and BLOCKS as 0x... hex, STATUS decimal),
# one line per descriptor; exits 1 when the output held none.
# Usage: sg_get_lba_status -b ... | awk -f sg_gls_brief.awk
NF == 4 && $1 ~ /^0x[0-9a-fA-F]+$/ && $2 ~ /^0x[0-9a-fA-F]+$/ &&
$3 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ {
	print $1, $2, $3
	n++
}
END { exit n ? 0 : 1 }
