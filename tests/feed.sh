#!/bin/sh
# Checks of the signed feed that `make` wrote, with independent tools where they exist:
# Debian's signify-openbsd (usign's format) for Packages.sig, openssl for the apk index
# signature (over the message apk signs, built here with python3's zlib and openssl's
# SHA-512, not with our tool), python3 for tampering. Our reader (umodem-feed) installs
# the feed into an empty root by apk's rules.
# Usage: tests/feed.sh FEEDDIR LINK
# Env: UMODEM_FEED (the umodem-feed binary), KEY_DIR (the feed's key folder).
# Prints one line per check and a closing "N passed, N failed" line.
feed=$(cd "$1" && pwd) link=$2
tool=${UMODEM_FEED:?}
keydir=${KEY_DIR:?}
vec="$(pwd)/../shared/vectors/apk"
. "$(dirname "$0")/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The folder serves both package managers and holds nothing else.
want="Packages Packages.gz Packages.sig packages.adb umodem-feed.pem umodem-feed.pub"
for f in $want; do [ -s "$feed/$f" ] || no "feed lacks $f"; done
n_ipk=$(ls "$feed"/*.ipk | wc -l) n_apk=$(ls "$feed"/*.apk | wc -l)
[ "$n_ipk" -ge 2 ] && [ "$n_ipk" = "$n_apk" ] && ok "feed: $n_ipk .ipk and $n_apk .apk" || no "feed: $n_ipk .ipk, $n_apk .apk"
other=$(cd "$feed" && ls | grep -v -e '\.ipk$' -e '\.apk$' | tr '\n' ' ')
[ "$other" = "$want " ] && ok "feed: no other files" || no "feed: other files: $other"

# Nothing secret in the feed or in git.
secret_line=$(sed -n 2p "$keydir/key-build")
leak=$(grep -l -e 'PRIVATE KEY' -e "$secret_line" "$feed"/* 2>/dev/null)
[ -z "$leak" ] && ok "no secret key material in the feed" || no "secret key material in: $leak"
tracked=$(git ls-files | grep -e 'key-build' -e 'private-key\.pem' -e '^keys/')
[ -z "$tracked" ] && ok "no key file in git" || no "key files in git: $tracked"
check "the default key folder is ignored by git" sh -c 'git check-ignore -q keys/key-build && git check-ignore -q keys/private-key.pem'
pems=$(git grep -l -E '^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' 2>/dev/null)
[ -z "$pems" ] && ok "no private key in any tracked file" || no "private keys in: $pems"
check "secret keys are mode 0600" sh -c "[ \$(stat -c %a '$keydir/key-build') = 600 ] && [ \$(stat -c %a '$keydir/private-key.pem') = 600 ]"

# opkg's Packages.sig, checked by signify (OpenBSD's tool; usign uses its format).
check "Packages.sig verifies with signify-openbsd" \
	signify-openbsd -V -q -p "$feed/umodem-feed.pub" -m "$feed/Packages" -x "$feed/Packages.sig"
sed 's/^Version: 0/Version: 9/' "$feed/Packages" > "$tmp/Packages"
refuse "signify refuses a changed Packages" \
	signify-openbsd -V -q -p "$feed/umodem-feed.pub" -m "$tmp/Packages" -x "$feed/Packages.sig"
check "Packages.gz is Packages" sh -c "gzip -dc '$feed/Packages.gz' | cmp -s - '$feed/Packages'"

# apk's index signature, checked by openssl over the message apk signs:
# schema "indx" || sign_ver, hash_alg, key id (18 bytes of the SIG block) || SHA-512(ADB).
split() { # split FILE.adb DIR: DIR/adb.bin, DIR/sighdr.bin, DIR/sig.der (python3 zlib)
	mkdir -p "$2"
	python3 - "$1" "$2" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
assert d[:4] == b'ADBd', 'not ADBd'
raw = zlib.decompress(d[4:], -15)
assert raw[:4] == b'ADB.'
off, out = 8, sys.argv[2]
while off < len(raw):
    ts, = struct.unpack('<I', raw[off:off+4]); kind, size = ts >> 30, ts & 0x3fffffff
    body = raw[off+4:off+size]
    if kind == 0: open(out + '/adb.bin', 'wb').write(body)
    if kind == 1 and not __import__('os').path.exists(out + '/sig.der'):
        open(out + '/sighdr.bin', 'wb').write(body[:18]); open(out + '/sig.der', 'wb').write(body[18:])
    off += (size + 7) & ~7
PY
}
osslverify() { # osslverify DIR PUBKEY: openssl checks DIR's signature over apk's message
	{ printf indx; cat "$1/sighdr.bin"; openssl dgst -sha512 -binary "$1/adb.bin"; } > "$1/msg"
	openssl dgst -sha512 -verify "$2" -signature "$1/sig.der" "$1/msg"
}
keyid() { # the apk key id of a public key: SHA-512 of its uncompressed point, 16 bytes
	openssl ec -pubin -in "$1" -outform DER 2>/dev/null | tail -c 65 | openssl dgst -sha512 -binary | head -c 16 | od -An -tx1 | tr -d ' \n'
}
if [ -d "$vec" ]; then
	split "$vec/signed/packages.adb" "$tmp/ref"
	check "openssl verifies the reference index (apk-tools 3.0.5) over our message construction" osslverify "$tmp/ref" "$vec/keys/key.pub.pem"
	[ "$(od -An -tx1 -j2 -N16 "$tmp/ref/sighdr.bin" | tr -d ' \n')" = "$(keyid "$vec/keys/key.pub.pem")" ] &&
		ok "reference key id is SHA-512 of the public point" || no "reference key id"
else
	no "no reference vectors at $vec"
fi
# Our writer, given tree/hello and COMMANDS.txt's metadata: re-deflated with zlib (as
# apk-tools does: level 9, raw), the file is the real tool's, byte for byte.
if [ -d "$vec" ]; then
	SOURCE_DATE_EPOCH=1700000000 "$tool" mkapk --raw "$vec/tree/hello/ipkg" "$tmp/hello" --name hello --version 1.0.0-r1 \
		--description "Test package hello for apk v3 format checks" --arch mips_24kc --license GPL-2.0-only \
		--origin feeds/test/hello --url https://openwrt.org/ --maintainer "Test Maintainer <test@example.invalid>" \
		--script "post-install:$vec/tree/hello/apk/post-install" --script "post-upgrade:$vec/tree/hello/apk/post-upgrade" \
		--script "pre-deinstall:$vec/tree/hello/apk/pre-deinstall" >/dev/null
	python3 -c "
import sys, zlib
d = open(sys.argv[1], 'rb').read(); c = zlib.compressobj(9, zlib.DEFLATED, -15, 8)
sys.stdout.buffer.write(b'ADBd' + c.compress(zlib.decompress(d[4:], -15)) + c.flush())" "$tmp/hello/hello-1.0.0-r1.apk" > "$tmp/hello.apk"
	cmp -s "$tmp/hello.apk" "$vec/unsigned/hello-1.0.0-r1.apk" &&
		ok "our hello-1.0.0-r1.apk, deflated by zlib, is apk-tools' file byte for byte" || no "our hello apk differs from apk-tools'"
fi
split "$feed/packages.adb" "$tmp/ours"
check "openssl verifies our packages.adb signature" osslverify "$tmp/ours" "$feed/umodem-feed.pem"
[ "$(od -An -tx1 -j2 -N16 "$tmp/ours/sighdr.bin" | tr -d ' \n')" = "$(keyid "$feed/umodem-feed.pem")" ] &&
	ok "our key id is SHA-512 of the public point" || no "our key id"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-1]^=1; open(sys.argv[1],'wb').write(b)" "$tmp/ours/adb.bin"
refuse "openssl refuses a changed index" osslverify "$tmp/ours" "$feed/umodem-feed.pem"
check "our reader verifies packages.adb" "$tool" verify "$feed/packages.adb" --key "$feed/umodem-feed.pem"
refuse "our reader refuses packages.adb under another key" "$tool" verify "$feed/packages.adb" --key "$vec/keys/key.pub.pem"

# Tampering: a changed index or package is refused by our reader.
mutate() { # mutate IN OUT WHERE: flip one byte of the inflated stream (adb|data), redeflate
	python3 - "$@" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read(); raw = bytearray(zlib.decompress(d[4:], -15))
off, last = 8, {}
while off < len(raw):
    ts, = struct.unpack('<I', raw[off:off+4]); size = ts & 0x3fffffff
    last[ts >> 30] = (off + 4, off + size); off += (size + 7) & ~7
lo, hi = last[0 if sys.argv[3] == 'adb' else 2]
raw[hi - 1] ^= 0x20
c = zlib.compressobj(9, zlib.DEFLATED, -15)
open(sys.argv[2], 'wb').write(b'ADBd' + c.compress(bytes(raw)) + c.flush())
PY
}
mkdir -p "$tmp/bad-index" "$tmp/bad-pkg"
cp "$feed"/*.apk "$feed"/packages.adb "$tmp/bad-index/"
mutate "$feed/packages.adb" "$tmp/bad-index/packages.adb" adb
refuse "our reader refuses a changed packages.adb" "$tool" verify "$tmp/bad-index/packages.adb" --key "$feed/umodem-feed.pem"
refuse "install refuses a changed packages.adb" "$tool" install "$tmp/r0" "$tmp/bad-index" --key "$feed/umodem-feed.pem" \
	--have kmod-usb-serial-option --have ppp --have libc umodem
cp "$feed"/*.apk "$feed"/packages.adb "$tmp/bad-pkg/"
apk=$(ls "$feed"/umodem-[0-9]*.apk)
mutate "$apk" "$tmp/bad-pkg/$(basename "$apk")" data
refuse "our reader refuses a package whose file bytes changed" "$tool" verify "$tmp/bad-pkg/$(basename "$apk")"
out=$("$tool" install "$tmp/r1" "$tmp/bad-pkg" --key "$feed/umodem-feed.pem" --have kmod-usb-serial-option --have ppp --have libc umodem 2>&1) &&
	no "install took a changed package" || { echo "$out" | grep -q 'not the indexed file\|was changed' && ok "install refuses a changed package: $out" || no "install: $out"; }
mutate "$apk" "$tmp/bad-pkg/$(basename "$apk")" adb
refuse "install refuses a package whose metadata changed" "$tool" install "$tmp/r2" "$tmp/bad-pkg" --key "$feed/umodem-feed.pem" \
	--have kmod-usb-serial-option --have ppp --have libc umodem

# Metadata as OpenWrt writes it, in both formats.
ver=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
deps="kmod-usb-serial-option, ppp"
[ "$link" = dynamic ] && deps="libc, $deps"
control() { tar -xzOf "$feed/$1" ./control.tar.gz | tar -xzOf - ./control; }
control "umodem_${ver}-1_"*.ipk >/dev/null 2>&1 || true
uipk=$(cd "$feed" && ls umodem_*.ipk) dipk=$(cd "$feed" && ls umodem-defaults-*_all.ipk)
control "$uipk" | grep -qx "Depends: $deps" && ok "ipk Depends: $deps" || no "ipk Depends: $(control "$uipk" | grep Depends)"
control "$dipk" | grep -qx "Architecture: all" && ok "defaults ipk is arch all" || no "defaults ipk arch"
# The ipk, its data.tar.gz and control.tar.gz (deflated by zopfli): each one gzip member
# that gunzip checks, with no file name and mtime 0 (bytes 4-8: FLG 0, MTIME 0), as gzip -n writes; Installed-Size is
# its tar's length, as ipkg-build counts it.
for ipk in "$feed"/*.ipk; do
	b=$(basename "$ipk")
	tar -xzOf "$ipk" ./data.tar.gz > "$tmp/data.tar.gz"
	head=$(head -c 8 "$tmp/data.tar.gz" | od -An -tx1 | tr -d ' \n')
	len=$(gzip -dc "$tmp/data.tar.gz" | wc -c)
	size=$(control "$b" | sed -n 's/^Installed-Size: //p')
	tar -xzOf "$ipk" ./control.tar.gz > "$tmp/control.tar.gz"
	heads=$(for z in "$ipk" "$tmp/control.tar.gz"; do head -c 8 "$z" | od -An -tx1 | tr -d ' \n'; echo; done | sort -u)
	gzip -t "$tmp/data.tar.gz" "$tmp/control.tar.gz" "$ipk" && [ "$head" = 1f8b080000000000 ] &&
		[ "$heads" = 1f8b080000000000 ] && [ "$len" = "$size" ] &&
		ok "$b: it and its data and control tars are plain gzip members, Installed-Size $size = the data tar" ||
		no "$b: gzip headers data $head, ipk/control $heads; tar $len B, Installed-Size $size"
done
"$tool" dump "$feed/umodem-$ver-r1.apk" > "$tmp/u.json" && ok "umodem-$ver-r1.apk (NAME-X.Y.Z-rN)" || no "umodem-$ver-r1.apk missing"
"$tool" dump "$feed/umodem-defaults-tl-wr1043nd-$ver-r1.apk" > "$tmp/d.json" || no "defaults apk missing"
jq() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
want_deps=$(echo "$deps" | tr -d ' ' | tr ',' '\n' | LC_ALL=C sort | tr '\n' ' ')
[ "$(jq "$tmp/u.json" "' '.join(d['info']['depends'])") " = "$want_deps" ] && ok "apk depends: $want_deps" ||
	no "apk depends: $(jq "$tmp/u.json" "d['info'].get('depends')")"
[ "$(jq "$tmp/d.json" "d['info']['arch'] + ' ' + ' '.join(d['info']['depends'])")" = "noarch umodem" ] &&
	ok "defaults apk: arch noarch, depends umodem" || no "defaults apk: $(jq "$tmp/d.json" "d['info']")"
[ "$(jq "$tmp/u.json" "d['info']['origin'] + ' ' + d['info']['arch']")" = "feeds/umodem/umodem $(basename "$(dirname "$feed")")" ] &&
	ok "apk origin and arch" || no "apk origin/arch: $(jq "$tmp/u.json" "d['info']")"
s=$(jq "$tmp/u.json" "d['scripts']['post-install']"); echo "$s" | grep -qx default_postinst && ok "apk post-install calls default_postinst" || no "apk post-install"
s=$(jq "$tmp/u.json" "d['scripts']['post-upgrade']"); echo "$s" | grep -q 'PKG_UPGRADE=1' && ok "apk post-upgrade" || no "apk post-upgrade"
s=$(jq "$tmp/u.json" "d['scripts']['pre-deinstall']"); echo "$s" | grep -qx default_prerm && ok "apk pre-deinstall calls default_prerm" || no "apk pre-deinstall"

# The variant umodem-full (SMS and USSD), as OpenWrt packs dnsmasq-full: built from
# umodem's Makefile (Source/SourceName/origin umodem), PROVIDES umodem and CONFLICTS
# umodem in the ipk's control; in the apk a versioned provide (umodem=VERSION), which
# owns the name (apk installs one of the two), and no field for the conflict.
fipk=$(cd "$feed" && ls umodem-full_*.ipk)
fctl=$(control "$fipk")
for want in "Depends: $deps" "Provides: umodem" "Conflicts: umodem" "Source: feeds/umodem/umodem" "SourceName: umodem"; do
	echo "$fctl" | grep -qx "$want" && ok "umodem-full ipk $want" || no "umodem-full ipk lacks '$want'"
done
control "$uipk" | grep -q -e '^Provides:' -e '^Conflicts:' && no "umodem ipk has Provides/Conflicts" || ok "umodem ipk: no Provides/Conflicts"
"$tool" dump "$feed/umodem-full-$ver-r1.apk" > "$tmp/f.json" && ok "umodem-full-$ver-r1.apk" || no "umodem-full-$ver-r1.apk missing"
[ "$(jq "$tmp/f.json" "' '.join(d['info']['provides'])")" = "umodem=$ver-r1" ] && ok "umodem-full apk provides umodem=$ver-r1" ||
	no "umodem-full apk provides: $(jq "$tmp/f.json" "d['info'].get('provides')")"
[ "$(jq "$tmp/f.json" "' '.join(d['info']['depends'])") " = "$want_deps" ] && ok "umodem-full apk depends: $want_deps" ||
	no "umodem-full apk depends: $(jq "$tmp/f.json" "d['info'].get('depends')")"
[ "$(jq "$tmp/f.json" "d['info']['origin']")" = "feeds/umodem/umodem" ] && ok "umodem-full apk origin feeds/umodem/umodem" ||
	no "umodem-full apk origin: $(jq "$tmp/f.json" "d['info']['origin']")"
[ "$(jq "$tmp/u.json" "d['info'].get('provides', [])")" = "[]" ] && ok "umodem apk provides nothing" || no "umodem apk provides: $(jq "$tmp/u.json" "d['info'].get('provides')")"
grep -q "^Provides: umodem$" "$feed/Packages" && ok "Packages carries umodem-full's Provides" || no "Packages lacks Provides: umodem"

# Install into an empty root by our reader's rules: the world, what the router has.
have="--have kmod-usb-serial-option --have ppp"
[ "$link" = dynamic ] && have="$have --have libc"
root="$tmp/root"
# shellcheck disable=SC2086
out=$("$tool" install "$root" "$feed" --key "$feed/umodem-feed.pem" $have umodem-defaults-tl-wr1043nd 2>&1) &&
	ok "install umodem-defaults-tl-wr1043nd pulls umodem: $(echo $out)" || no "install: $out"
# The LuCI packages (arch all) too, so that the payload check below covers every package.
# shellcheck disable=SC2086
out=$("$tool" install "$root" "$feed" --key "$feed/umodem-feed.pem" $have --have luci-base \
	luci-proto-umodem luci-app-umodem 2>&1) && ok "install the LuCI packages: $(echo $out)" || no "install LuCI packages: $out"
grep -qx "P:umodem" "$root/lib/apk/db/installed" && ok "umodem installed as a dependency" || no "umodem not installed"
# shellcheck disable=SC2086
out=$("$tool" install "$tmp/r3" "$feed" --key "$feed/umodem-feed.pem" --have kmod-usb-serial-option --have libc umodem 2>&1) &&
	no "install without ppp on the router" || { echo "$out" | grep -q 'needs ppp' && ok "no ppp: $out" || no "no ppp: $out"; }
if [ "$link" = dynamic ]; then
	out=$("$tool" install "$tmp/r4" "$feed" --key "$feed/umodem-feed.pem" --have kmod-usb-serial-option --have ppp umodem 2>&1) &&
		no "dynamic umodem installed without libc" || ok "dynamic umodem needs libc: $out"
fi
refuse "install refuses a feed signed by another key" "$tool" install "$tmp/r5" "$feed" --key "$vec/keys/key.pub.pem" $have umodem
# umodem-full instead of umodem: what depends on umodem (LuCI) takes it, umodem is not
# pulled beside it; asked for both, umodem-full alone is installed (it is umodem too);
# two packages that own one name are refused. As apk-tools 3.0.5 does all three.
froot="$tmp/froot"
# shellcheck disable=SC2086
out=$("$tool" install "$froot" "$feed" --key "$feed/umodem-feed.pem" $have --have luci-base umodem-full luci-app-umodem 2>&1) &&
	ok "install umodem-full luci-app-umodem: $(echo $out)" || no "install umodem-full luci-app-umodem: $out"
[ "$(grep '^P:' "$froot/lib/apk/db/installed" 2>/dev/null | sort | tr '\n' ' ')" = "P:luci-app-umodem P:umodem-full " ] &&
	ok "luci-app-umodem's umodem is umodem-full (umodem not installed)" || no "installed: $(grep '^P:' "$froot/lib/apk/db/installed" 2>/dev/null | tr '\n' ' ')"
# shellcheck disable=SC2086
out=$("$tool" install "$tmp/r6" "$feed" --key "$feed/umodem-feed.pem" $have umodem umodem-full 2>&1) &&
	[ "$(grep '^P:' "$tmp/r6/lib/apk/db/installed" | tr '\n' ' ')" = "P:umodem-full " ] &&
	ok "umodem umodem-full: umodem-full alone ($(echo $out))" || no "umodem umodem-full: $out"
mkdir -p "$tmp/two/t1/usr/share/t1" "$tmp/two/t2/usr/share/t2" "$tmp/twofeed"
for t in t1 t2; do
	echo $t > "$tmp/two/$t/usr/share/$t/f"
	SOURCE_DATE_EPOCH=1 "$tool" mkapk "$tmp/two/$t" "$tmp/twofeed" --name $t --version 1.0-r1 --arch noarch \
		--provides x=1.0-r1 --description "owns x" >/dev/null || no "mkapk $t"
done
: > "$tmp/twofeed/Packages" && "$tool" sign "$tmp/twofeed" "$keydir" >/dev/null 2>&1
out=$("$tool" install "$tmp/r7" "$tmp/twofeed" --key "$feed/umodem-feed.pem" t1 t2 2>&1) &&
	no "two owners of x installed together" || { echo "$out" | grep -q 'conflict' && ok "two owners of one name: $out" || no "two owners: $out"; }
# Its payload: umodem's files, modes and contents but the binary (the SMS build).
mkdir -p "$tmp/fipkroot" && tar -xzOf "$feed/$fipk" ./data.tar.gz | tar -xzf - -C "$tmp/fipkroot"
for ipk in "$feed"/luci-app-umodem_*.ipk; do tar -xzOf "$ipk" ./data.tar.gz | tar -xzf - -C "$tmp/fipkroot"; done
listing() { (cd "$1" && find . -path ./lib/apk -prune -o ! -name . -printf '%M %s %p\n' | grep -v '^d.* ./lib$' | LC_ALL=C sort); }
listing "$tmp/fipkroot" > "$tmp/fipk.list"; listing "$froot" > "$tmp/fapk.list"
cmp -s "$tmp/fipk.list" "$tmp/fapk.list" && ok "umodem-full: apk and ipk install the same files and modes" ||
	{ no "umodem-full: apk and ipk payloads differ"; diff "$tmp/fipk.list" "$tmp/fapk.list" | head -n 10; }
check "umodem-full: apk and ipk file contents are the same" diff -r -x apk "$tmp/fipkroot" "$froot"
(cd "$froot" && find . -path ./lib/apk -prune -o \( -type f -o -type l \) -print | sed 's|^\.||' | LC_ALL=C sort) > "$tmp/fwant.list"
for ipk in "$feed"/luci-app-umodem_*.ipk; do tar -xzOf "$ipk" ./data.tar.gz | tar -tzf - | sed -n 's|^\./\(.*[^/]\)$|/\1|p'; done > "$tmp/fluci.list"
grep -v -x -F -f "$tmp/fluci.list" "$tmp/fwant.list" > "$tmp/fwant-u.list"
cmp -s "$tmp/fwant-u.list" "$froot/lib/apk/packages/umodem-full.list" && ok "umodem-full.list lists the package's files" || no "umodem-full.list"
mkdir -p "$tmp/uipkroot" && tar -xzOf "$feed/$uipk" ./data.tar.gz | tar -xzf - -C "$tmp/uipkroot"
mkdir -p "$tmp/fonly" && tar -xzOf "$feed/$fipk" ./data.tar.gz | tar -xzf - -C "$tmp/fonly"
d=$(diff -rq "$tmp/uipkroot" "$tmp/fonly" 2>&1)
[ "$d" = "Files $tmp/uipkroot/usr/sbin/umodem and $tmp/fonly/usr/sbin/umodem differ" ] &&
	ok "umodem-full holds umodem's files; only the binary differs" || no "umodem vs umodem-full payload: $d"
[ "$(listing "$tmp/uipkroot" | awk '{print $3, $1}' | LC_ALL=C sort)" = "$(listing "$tmp/fonly" | awk '{print $3, $1}' | LC_ALL=C sort)" ] &&
	ok "umodem-full: same paths and modes as umodem" || no "umodem-full: paths or modes differ from umodem's"

# Same payload in both formats: files, modes (the apk adds OpenWrt's /lib/apk/packages).
# (umodem, not umodem-full: checked above.)
mkdir -p "$tmp/ipkroot"
for ipk in "$feed"/*.ipk; do
	case $ipk in */umodem-full_*) continue ;; esac
	tar -xzOf "$ipk" ./data.tar.gz | tar -xzf - -C "$tmp/ipkroot"
done
listing "$tmp/ipkroot" > "$tmp/ipk.list"; listing "$root" > "$tmp/apk.list"
cmp -s "$tmp/ipk.list" "$tmp/apk.list" && ok "apk and ipk install the same files and modes ($(wc -l < "$tmp/ipk.list") entries)" ||
	{ no "apk and ipk payloads differ"; diff "$tmp/ipk.list" "$tmp/apk.list" | head -n 10; }
check "apk and ipk file contents are the same" diff -r -x apk "$tmp/ipkroot" "$root"
(cd "$tmp/ipkroot" && find . -path ./lib/apk -prune -o \( -type f -o -type l \) -print | sed 's|^\.||' | grep -v '^/lib/apk' | LC_ALL=C sort) > "$tmp/want.list"
for ipk in "$feed"/luci-*.ipk; do tar -xzOf "$ipk" ./data.tar.gz | tar -tzf - | sed -n 's|^\./\(.*[^/]\)$|/\1|p'; done > "$tmp/luci.list"
grep -v '^/lib/apk/packages/umodem-defaults' "$tmp/want.list" | grep -v 95-umodem-tl-wr1043nd | grep -v -x -F -f "$tmp/luci.list" > "$tmp/want-u.list"
cmp -s "$tmp/want-u.list" "$root/lib/apk/packages/umodem.list" && ok "umodem.list lists the package's files" || no "umodem.list"
grep -qx /etc/config/umodem "$root/lib/apk/packages/umodem.conffiles" && ok "umodem.conffiles" || no "umodem.conffiles"
grep -qx "/etc/config/umodem $(sha256sum "$root/etc/config/umodem" | cut -d' ' -f1)" "$root/lib/apk/packages/umodem.conffiles_static" &&
	ok "umodem.conffiles_static holds the conffile's SHA-256" || no "umodem.conffiles_static"

# Signatures are deterministic: signing the same feed again gives the same bytes.
mkdir -p "$tmp/again" && cp "$feed"/*.ipk "$feed"/*.apk "$feed"/Packages "$tmp/again/"
"$tool" sign "$tmp/again" "$keydir" >/dev/null 2>&1
for f in packages.adb Packages.sig umodem-feed.pub umodem-feed.pem; do
	cmp -s "$feed/$f" "$tmp/again/$f" && ok "$f: same bytes when signed again" || no "$f differs when signed again"
done

# A fleet's own keys, made by the independent tools (signify -G, openssl ecparam), as
# an OpenWrt buildroot holds them: KEY_DIR=... signs with them.
mkdir -p "$tmp/fleet" "$tmp/fleetfeed" && cp "$feed"/*.ipk "$feed"/*.apk "$tmp/fleetfeed/"
signify-openbsd -G -n -p "$tmp/fleet/s.pub" -s "$tmp/fleet/s.sec" >/dev/null 2>&1 || no "signify -G"
mv "$tmp/fleet/s.pub" "$tmp/fleet/key-build.pub" && mv "$tmp/fleet/s.sec" "$tmp/fleet/key-build"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/fleet/private-key.pem" 2>/dev/null || no "openssl ecparam"
openssl ec -in "$tmp/fleet/private-key.pem" -pubout -out "$tmp/fleet/public-key.pem" 2>/dev/null
check "mkindex.sh signs with a fleet's KEY_DIR" env UMODEM_FEED="$tool" openwrt/mkindex.sh "$tmp/fleetfeed" "$tmp/fleet"
check "fleet key: signify verifies Packages.sig with the fleet's own public key" \
	signify-openbsd -V -q -p "$tmp/fleet/key-build.pub" -m "$tmp/fleetfeed/Packages" -x "$tmp/fleetfeed/Packages.sig"
split "$tmp/fleetfeed/packages.adb" "$tmp/fleetsig"
check "fleet key: openssl verifies packages.adb with the fleet's own public key" osslverify "$tmp/fleetsig" "$tmp/fleet/public-key.pem"

# Bad input: a clear error and no partial feed.
stage="$tmp/stage" && mkdir -p "$stage" && cp "$feed"/*.ipk "$feed"/*.apk "$stage/"
out=$(UMODEM_FEED=$tool openwrt/mkindex.sh "$stage" "$tmp/no-such-keys" 2>&1) && no "mkindex without keys succeeded" ||
	{ echo "$out" | grep -q 'KEY_DIR' && ok "missing key: $(echo "$out" | tail -n 1)" || no "missing key: $out"; }
left=$(cd "$stage" && ls | grep -v -e '\.ipk$' -e '\.apk$' | tr '\n' ' ')
[ -z "$left" ] && ok "missing key: no index left behind" || no "missing key left: $left"
[ ! -e "$tmp/no-such-keys" ] && ok "KEY_DIR given: no key made there" || no "a key was made in a given KEY_DIR"
pack() { UMODEM_FEED=$tool SOURCE_DATE_EPOCH=1700000000 openwrt/mkpkg.sh "$1" "$2" t 1.0.0-1 mips_24kc "" x; }
badpack() { # badpack NAME TREE GREP: packing fails, says GREP, leaves nothing
	o=$(pack "$2" "$tmp/out-$1" 2>&1) && { no "$1: packed"; return; }
	printf '%s\n' "$o" | grep -q "$3" && ok "$1: $(printf '%s\n' "$o" | tail -n 1)" || no "$1: $o"
	[ -z "$(ls "$tmp/out-$1" 2>/dev/null)" ] && ok "$1: no package left behind" || no "$1: left $(ls "$tmp/out-$1")"
}
badpack "missing tree" "$tmp/no-such-tree" "not a directory"
mkdir -p "$tmp/fifo/etc" && mkfifo "$tmp/fifo/etc/pipe"
badpack "unreadable tree (a FIFO)" "$tmp/fifo" "FIFO"
mkdir -p "$tmp/nl/etc" && : > "$tmp/nl/etc/$(printf 'a\nb')"
badpack "a file name with a newline" "$tmp/nl" "control character"
mkdir -p "$tmp/latin1/etc" && : > "$tmp/latin1/etc/$(printf 'caf\351')"
badpack "a file name that is not UTF-8" "$tmp/latin1" "not UTF-8"
mkdir -p "$tmp/good/etc/config" && echo "config x" > "$tmp/good/etc/config/t"
pack "$tmp/good" "$tmp/out-a" >/dev/null && pack "$tmp/good" "$tmp/out-b" >/dev/null
cmp -s "$tmp/out-a/t-1.0.0-r1.apk" "$tmp/out-b/t-1.0.0-r1.apk" && ok "apk bytes reproducible" || no "apk bytes differ between two packs"

checks_done "feed $(basename "$(dirname "$feed")") $link"
