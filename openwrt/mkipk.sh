#!/bin/sh
# Pack a directory tree into an OpenWrt .ipk, the form OpenWrt's ipkg-build writes and
# opkg-lede reads: a gzip'd tar of ./debian-binary, ./data.tar.gz, ./control.tar.gz.
# Reproducible: owners 0:0, normalised modes, sorted names, fixed mtime, gzip members
# without file name or mtime.
#
# Usage: mkipk.sh ROOT OUTDIR NAME VERSION ARCH DEPENDS DESCRIPTION [PROVIDES [CONFLICTS]]
#   ROOT is laid out as on the router. DEPENDS is "a, b" or "" (then no Depends field:
#   opkg crashes on an empty one). Files under /etc/config become conffiles.
#   PROVIDES, CONFLICTS: package names "a b" (Provides:/Conflicts: "a, b"; none if empty).
# Env: SOURCE_DATE_EPOCH (default: the last commit's time, else 0), SOURCENAME (the
#   source package, default NAME: Source and SourceName of a variant name its base).
set -eu

[ $# -ge 7 ] && [ $# -le 9 ] || { echo "usage: $0 ROOT OUTDIR NAME VERSION ARCH DEPENDS DESCRIPTION [PROVIDES [CONFLICTS]]" >&2; exit 2; }
root=$1 out=$2 name=$3 version=$4 arch=$5 depends=$6 desc=$7 provides=${8:-} conflicts=${9:-}

case "$name" in *[!a-z0-9.+-]*) echo "mkipk: bad package name '$name'" >&2; exit 1 ;; esac
[ -d "$root" ] || { echo "mkipk: no directory $root" >&2; exit 1; }

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Modes: directories 0755, executables 0755, everything else 0644.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -perm /111 -exec chmod 0755 {} +
find "$root" -type f ! -perm /111 -exec chmod 0644 {} +

tarc() { # tar the current directory's named members to stdout, reproducibly
	tar --format=gnu --blocking-factor=1 --numeric-owner --owner=0 --group=0 --sort=name \
		--mtime="@$epoch" -cf - "$@"
}

# The three tars are deflated by zopfli: a gzip stream like gzip -n -9's (no name,
# mtime 0) that any gunzip and opkg read, ~5% smaller for the data tar (mips_24kc
# umodem: 151,011 -> 143,952 B), as deterministic. The download and the space opkg
# needs in /tmp shrink with it. zopfli reads files, not pipes.
gz() { zopfli -c "$1" && rm "$1"; }
(cd "$root" && tarc .) > "$work/data.tar"
installed=$(wc -c < "$work/data.tar")
gz "$work/data.tar" > "$work/data.tar.gz"

mkdir "$work/CONTROL"
{
	echo "Package: $name"
	echo "Version: $version"
	[ -n "$depends" ] && echo "Depends: $depends"
	# shellcheck disable=SC2086
	[ -n "$conflicts" ] && echo "Conflicts: $(echo $conflicts | sed 's/ /, /g')"
	# shellcheck disable=SC2086
	[ -n "$provides" ] && echo "Provides: $(echo $provides | sed 's/ /, /g')"
	echo "Source: feeds/umodem/${SOURCENAME:-$name}"
	echo "SourceName: ${SOURCENAME:-$name}"
	echo "License: GPL-2.0-only"
	echo "Section: net"
	echo "Maintainer: umodem developers <umodem@users.invalid>"
	echo "Architecture: $arch"
	echo "Installed-Size: $installed"
	echo "Description: $desc"
} > "$work/CONTROL/control"

if [ -d "$root/etc/config" ]; then
	(cd "$root" && find ./etc/config -type f | sed 's|^\.||' | LC_ALL=C sort) > "$work/CONTROL/conffiles"
	[ -s "$work/CONTROL/conffiles" ] || rm "$work/CONTROL/conffiles"
fi

# The maintainer scripts every OpenWrt package carries (as include/package-pack.mk
# writes them): default_postinst runs the package's uci-defaults and enables its init
# scripts on a live system; both do nothing in a root without OpenWrt's functions.sh.
cat > "$work/CONTROL/postinst" <<'SH'
#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_postinst $0 $@
SH
cat > "$work/CONTROL/prerm" <<'SH'
#!/bin/sh
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_prerm $0 $@
SH
chmod 0644 "$work/CONTROL/control"
[ -f "$work/CONTROL/conffiles" ] && chmod 0644 "$work/CONTROL/conffiles"
chmod 0755 "$work/CONTROL/postinst" "$work/CONTROL/prerm"
(cd "$work/CONTROL" && tarc .) > "$work/control.tar"
gz "$work/control.tar" > "$work/control.tar.gz"

echo "2.0" > "$work/debian-binary"
chmod 0644 "$work/debian-binary" "$work/data.tar.gz" "$work/control.tar.gz"
mkdir -p "$out"
ipk="$out/${name}_${version}_${arch}.ipk"
(cd "$work" && tarc ./debian-binary ./data.tar.gz ./control.tar.gz) > "$work/ipk.tar"
gz "$work/ipk.tar" > "$work/ipk"
mv "$work/ipk" "$ipk"
echo "packed $ipk"
