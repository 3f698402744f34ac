# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # aptopts, apt_sources: the sourcing script's
#
# Private apt lists: apt-get and apt-cache on a directory of their own
# (DIR/sources.list, DIR/lists, DIR/cache) with the system's Debian
# mirror, so that packages of other suites (trixie, sid, backports,
# experimental) can be downloaded without touching the system's apt
# sources.  Sourced by tools/build/kernel-line.sh, tools/testing/setup.sh
# and tools/testing/upstream/upstream-check.sh.

apt_private_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# apt_private_mirror: print the first Debian mirror of the system's apt
# configuration (deb822 .sources first, then sources.list); fails when
# there is none.
apt_private_mirror() {
	local mirror
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$mirror" ] ||
		mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	[ -n "$mirror" ] || { echo "no Debian mirror in the apt configuration" >&2; return 1; }
	echo "$mirror"
}

# apt_private_opts DIR: set aptopts, the options of apt-get and apt-cache
# for the private lists in DIR.
apt_private_opts() {
	aptopts=(-o Dir::Etc::SourceList="$1/sources.list"
		 -o Dir::Etc::SourceParts=/dev/null
		 -o Dir::State::Lists="$1/lists"
		 -o Dir::Cache="$1/cache"
		 -o APT::Sandbox::User=root)
}

# apt_private_init DIR SUITE...: DIR/sources.list with the main component
# of each SUITE on the system's mirror (the lines also in apt_sources,
# for mmdebstrap), the directories apt needs, and aptopts.
apt_private_init() {
	local dir=$1 mirror s
	shift
	mirror=$(apt_private_mirror) || return 1
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	apt_sources=()
	for s in "$@"; do
		apt_sources+=("deb [signed-by=$apt_private_keyring] $mirror $s main")
	done
	printf '%s\n' "${apt_sources[@]}" > "$dir/sources.list"
	apt_private_opts "$dir"
}
