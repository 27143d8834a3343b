#!/bin/sh
# Pack one payload tree for both package managers: NAME_VERSION_ARCH.ipk (opkg, OpenWrt
# 24.10 and older) with mkipk.sh, and NAME-X.Y.Z-rN.apk (apk v3, OpenWrt 25.12) with
# umodem-feed. Same files, modes, owners and conffiles in both; maintainer scripts as
# OpenWrt's packer writes them for each. Adding a package to the feed is one call.
#
# Usage: mkpkg.sh ROOT OUTDIR NAME VERSION ARCH DEPENDS DESCRIPTION
#   VERSION is opkg's X.Y.Z-N (the .apk gets X.Y.Z-rN); ARCH "all" is apk's "noarch".
#   DEPENDS is "a, b" or "". Files under /etc/config are conffiles.
# Env: UMODEM_FEED (the umodem-feed binary), SOURCE_DATE_EPOCH (default: the last
#   commit's time, else 0).
# On any error nothing is left in OUTDIR for this package.
set -eu

[ $# -eq 7 ] || { echo "usage: $0 ROOT OUTDIR NAME VERSION ARCH DEPENDS DESCRIPTION" >&2; exit 2; }
root=$1 out=$2 name=$3 version=$4 arch=$5 depends=$6 desc=$7
tool=${UMODEM_FEED:-umodem-feed}

case "$version" in
	*-*) apkver="${version%-*}-r${version##*-}" ;;
	*) echo "mkpkg: version '$version' has no -RELEASE (want X.Y.Z-N)" >&2; exit 1 ;;
esac
apkarch=$arch
[ "$arch" = all ] && apkarch=noarch
[ -d "$root" ] || { echo "mkpkg: the package tree $root is not a directory" >&2; exit 1; }
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH

set --
if [ -d "$root/etc/config" ]; then
	for f in $(cd "$root" && find ./etc/config -type f | sed 's|^\.||' | LC_ALL=C sort); do
		set -- "$@" --conffile "$f"
	done
fi

# The apk first: it refuses what neither format can hold (names, special files).
"$tool" mkapk "$root" "$out" --name "$name" --version "$apkver" --arch "$apkarch" \
	--depends "$(echo "$depends" | tr ',' ' ')" --description "$desc" \
	--license GPL-2.0-only --origin "feeds/umodem/$name" \
	--maintainer "umodem developers <umodem@users.invalid>" "$@"
"$(dirname "$0")/mkipk.sh" "$root" "$out" "$name" "$version" "$arch" "$depends" "$desc" || {
	rm -f "$out/$name-$apkver.apk"
	exit 1
}
