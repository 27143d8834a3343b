#!/bin/sh
# Pack one payload tree for both package managers: NAME_VERSION_ARCH.ipk (opkg, OpenWrt
# 24.10 and older) with mkipk.sh, and NAME-X.Y.Z-rN.apk (apk v3, OpenWrt 25.12) with
# umodem-feed. Same files, modes, owners and conffiles in both; maintainer scripts as
# OpenWrt's packer writes them for each. Adding a package to the feed is one call.
#
# Usage: mkpkg.sh ROOT OUTDIR NAME VERSION ARCH DEPENDS DESCRIPTION [PROVIDES [CONFLICTS]]
#   VERSION is opkg's X.Y.Z-N (the .apk gets X.Y.Z-rN); ARCH "all" is apk's "noarch".
#   DEPENDS is "a, b" or "". Files under /etc/config are conffiles.
#   PROVIDES, CONFLICTS: package names ("a b"), for a variant that replaces another
#   (umodem-full: provides umodem, conflicts with umodem), written as OpenWrt's
#   package-pack.mk writes them: Provides/Conflicts in the ipk's control; in the apk
#   `provides` NAME=VERSION (a versioned provide owns the name: apk installs one
#   package of that name, so CONFLICTS has no apk field, as in OpenWrt).
# Env: UMODEM_FEED (the umodem-feed binary), SOURCE_DATE_EPOCH (default: the last
#   commit's time, else 0), SOURCENAME (the source package, default NAME: a variant
#   is built from its base's Makefile, so umodem-full's origin is feeds/umodem/umodem).
# On any error nothing is left in OUTDIR for this package.
set -eu

[ $# -ge 7 ] && [ $# -le 9 ] || { echo "usage: $0 ROOT OUTDIR NAME VERSION ARCH DEPENDS DESCRIPTION [PROVIDES [CONFLICTS]]" >&2; exit 2; }
root=$1 out=$2 name=$3 version=$4 arch=$5 depends=$6 desc=$7 provides=${8:-} conflicts=${9:-}
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
for p in $provides; do
	set -- "$@" --provides "$p=$apkver"
done
if [ -d "$root/etc/config" ]; then
	for f in $(cd "$root" && find ./etc/config -type f | sed 's|^\.||' | LC_ALL=C sort); do
		set -- "$@" --conffile "$f"
	done
fi

# The apk first: it refuses what neither format can hold (names, special files).
"$tool" mkapk "$root" "$out" --name "$name" --version "$apkver" --arch "$apkarch" \
	--depends "$(echo "$depends" | tr ',' ' ')" --description "$desc" \
	--license GPL-2.0-only --origin "feeds/umodem/${SOURCENAME:-$name}" \
	--maintainer "umodem developers <umodem@users.invalid>" "$@"
"$(dirname "$0")/mkipk.sh" "$root" "$out" "$name" "$version" "$arch" "$depends" "$desc" "$provides" "$conflicts" || {
	rm -f "$out/$name-$apkver.apk"
	exit 1
}
