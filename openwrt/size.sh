#!/bin/sh
# Size report for one built arch: the stripped binaries of both variants (umodem, and
# umodem-full beside it: BINARY-full), then one row per package with the binary it
# carries, its download and installed size for opkg (.ipk: Size and Installed-Size, the data
# tar) and for apk (.apk file, and installed-size: the sum of its files' bytes), and
# an estimate of what its files take in the router's JFFS2 overlay
# (openwrt/tools/jffs2-estimate.py: zlib per 4 KiB page, as the kernel writes them).
# Usage: size.sh ARCH LINK BINARY FEEDDIR
# Env: UMODEM_FEED (the umodem-feed binary).
# To add a column: add its header to `header` and its value to `row`.
arch=$1 link=$2 bin=$3 feed=$4
tool=${UMODEM_FEED:-umodem-feed}
[ -f "$bin" ] && [ -f "$feed/Packages" ] || exit 0

header() { printf '  %-28s %8s %10s %10s %14s %14s %9s\n' package binary ipk apk "ipk installed" "apk installed" overlay; }
row() { printf '  %-28s %8s %10s %10s %14s %14s %9s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7"; }
binsize() { if [ -f "$1" ]; then stat -c %s "$1"; else echo -; fi; }

# The limits of issue 11 are on the default package (umodem): its binary comes first.
printf '%s %s: binary %s B (umodem), %s B (umodem-full)\n' "$arch" "$link" "$(binsize "$bin")" "$(binsize "$bin-full")"
header
awk -F': ' '/^Package:/{p=$2} /^Version:/{v=$2} /^Installed-Size:/{i=$2} /^Size:/{s=$2}
	/^Filename:/{f=$2} /^$/ && p {print p, v, s, i, f; p=""}' "$feed/Packages" |
while read -r name version ipk installed file; do
	apk="$feed/$name-${version%-*}-r${version##*-}.apk"
	asize=- ainst=-
	if [ -f "$apk" ]; then
		asize=$(stat -c %s "$apk")
		ainst=$("$tool" dump "$apk" | sed -n 's/^ *"installed-size": \([0-9]*\).*/\1/p' | head -n 1)
	fi
	overlay=$(python3 "$(dirname "$0")/tools/jffs2-estimate.py" "$feed/$file" 2>/dev/null || echo -)
	case $name in
		umodem) b=$(binsize "$bin") ;;
		umodem-full) b=$(binsize "$bin-full") ;;
		*) b=- ;;
	esac
	row "$name" "$b" "$ipk" "$asize" "$installed" "$ainst" "~$overlay"
done
