#!/bin/sh
# Index and sign a feed folder for both package managers:
#   Packages, Packages.gz  as opkg-make-index writes them: each .ipk's control, with
#                          Filename, Size and SHA256sum added before Description;
#   Packages.sig           usign (Ed25519) over Packages: opkg's check_signature;
#   packages.adb           apk v3 index of the .apk files, signed (ECDSA P-256);
#   umodem-feed.pub/.pem   the public keys (usign for opkg-key, PEM for /etc/apk/keys).
# Usage: mkindex.sh FEEDDIR KEYDIR [--create]
#   KEYDIR holds key-build (usign) and private-key.pem (apk), as an OpenWrt buildroot
#   does; --create makes them there when neither exists (the first build).
# Env: UMODEM_FEED (the umodem-feed binary).
# On any error (a missing key among them) no index is left in FEEDDIR.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 FEEDDIR KEYDIR [--create]" >&2; exit 2; }
dir=$1 keydir=$2 create=${3:-}
tool=${UMODEM_FEED:-umodem-feed}
case "$keydir" in /*) ;; *) keydir="$(pwd)/$keydir" ;; esac
cd "$dir"
index="Packages Packages.gz Packages.sig packages.adb umodem-feed.pub umodem-feed.pem"
# shellcheck disable=SC2086
rm -f $index
# shellcheck disable=SC2086
trap 'rc=$?; [ $rc = 0 ] || rm -f $index; exit $rc' EXIT
trap 'exit 1' INT TERM
fail() { exit 1; }
: > Packages
for ipk in $(ls -- *.ipk | LC_ALL=C sort); do
	size=$(stat -c %s "$ipk")
	sum=$(sha256sum "$ipk" | cut -d' ' -f1)
	tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control |
		awk -v f="$ipk" -v s="$size" -v h="$sum" '
			/^Description:/ { print "Filename: " f; print "Size: " s; print "SHA256sum: " h }
			{ print }' >> Packages || fail
	echo >> Packages
done
gzip -n -9 -c Packages > Packages.gz || fail
"$tool" sign . "$keydir" $create || fail
echo "indexed $(grep -c '^Package:' Packages) packages in $dir"
