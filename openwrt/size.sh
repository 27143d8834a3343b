#!/bin/sh
# Size report for one built arch: the stripped binary, then one row per package with
# its download and installed size for opkg (.ipk: Size and Installed-Size, the data
# tar) and for apk (.apk file, and installed-size: the sum of its files' bytes).
# Usage: size.sh ARCH LINK BINARY FEEDDIR
# Env: UMODEM_FEED (the umodem-feed binary).
# To add a column: add its header to `header` and its value to `row`.
arch=$1 link=$2 bin=$3 feed=$4
tool=${UMODEM_FEED:-umodem-feed}
[ -f "$bin" ] && [ -f "$feed/Packages" ] || exit 0

header() { printf '  %-28s %10s %10s %14s %14s\n' package ipk apk "ipk installed" "apk installed"; }
row() { printf '  %-28s %10s %10s %14s %14s\n' "$1" "$2" "$3" "$4" "$5"; }

printf '%s %s: binary %s B\n' "$arch" "$link" "$(stat -c %s "$bin")"
header
awk -F': ' '/^Package:/{p=$2} /^Version:/{v=$2} /^Installed-Size:/{i=$2} /^Size:/{s=$2}
	/^$/ && p {print p, v, s, i; p=""}' "$feed/Packages" |
while read -r name version ipk installed; do
	apk="$feed/$name-${version%-*}-r${version##*-}.apk"
	asize=- ainst=-
	if [ -f "$apk" ]; then
		asize=$(stat -c %s "$apk")
		ainst=$("$tool" dump "$apk" | sed -n 's/^ *"installed-size": \([0-9]*\).*/\1/p' | head -n 1)
	fi
	row "$name" "$ipk" "$asize" "$installed" "$ainst"
done
