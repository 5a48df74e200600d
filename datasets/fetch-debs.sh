#!/bin/sh
# fetch-debs.sh DIR — download the exact Debian packages golora's data is
# built from, check their sha256, and unpack each into DIR/<package>/.
# Needs apt-get (with Debian bookworm in its sources), sha256sum, dpkg-deb.
# Then: go run ./datasets/build -debs DIR
#
# If a version has left the Debian mirror, the same file is on
# https://snapshot.debian.org (search the package name there), e.g.
# https://snapshot.debian.org/archive/debian/20250520T000000Z/pool/main/d/dict-devil/dict-devil_1.0-13.1_all.deb
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"

# package=version  sha256 of the .deb
pins='
r-cran-janeaustenr=1.0.0-1 df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95
bible-kjv-text=4.38 d61b6aad4c51ba9e2800b825325fa6a09e99a0d02a9bb6dc4724fcc4995a1b7a
dict-devil=1.0-13.1 6a535684def2a1f70cd42da16d12d43f0e9dc3e54e4a329178eebab3170e3154
dict-jargon=4.4.7-3.1 405f8168d7994ed2cb71407bb95493daec2e9aa66fc0461dafa74a9d6728a8c1
'

echo "$pins" | while read -r spec sum; do
	[ -n "$spec" ] || continue
	pkg=${spec%%=*}
	version=${spec#*=}
	deb=${pkg}_${version}_all.deb
	if [ ! -f "$deb" ]; then
		apt-get download "$spec"
	fi
	echo "$sum  $deb" | sha256sum -c -
	rm -rf "$pkg"
	dpkg-deb -x "$deb" "$pkg"
done
