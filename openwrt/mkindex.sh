#!/bin/sh
# Write Packages and Packages.gz for a folder of .ipk files, as opkg-make-index does:
# each package's control, with Filename, Size and SHA256sum added before Description.
# Usage: mkindex.sh FEEDDIR
set -eu
dir=$1
cd "$dir"
: > Packages
for ipk in $(ls -- *.ipk | LC_ALL=C sort); do
	size=$(stat -c %s "$ipk")
	sum=$(sha256sum "$ipk" | cut -d' ' -f1)
	tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control |
		awk -v f="$ipk" -v s="$size" -v h="$sum" '
			/^Description:/ { print "Filename: " f; print "Size: " s; print "SHA256sum: " h }
			{ print }' >> Packages
	echo >> Packages
done
gzip -n -9 -c Packages > Packages.gz
echo "indexed $(grep -c '^Package:' Packages) packages in $dir"
