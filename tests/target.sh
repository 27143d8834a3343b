#!/bin/sh
# Checks of what `make` produced for one arch: both binaries (umodem and umodem-full)
# are the right kind of ELF and run (under qemu-user where needed), each with what its
# package promises, and the feed is what opkg expects.
# Usage: tests/target.sh ARCH STRIPPED_BINARY FEEDDIR [FULL_BINARY]
#   STRIPPED_BINARY is umodem's (no SMS/USSD), FULL_BINARY umodem-full's (default:
#   STRIPPED_BINARY-full).
# Prints one line per check and a closing "N passed, N failed" line.
arch=$1 bin=$2 feed=$3 full=${4:-$2-full}
. "$(dirname "$0")/checks.sh"

case $arch in
	mips_24kc) class=1 data=2 machine=8 qemu=qemu-mips-static ;;
	mipsel_24kc) class=1 data=1 machine=8 qemu=qemu-mipsel-static ;;
	aarch64_cortex-a53) class=2 data=1 machine=183 qemu=qemu-aarch64-static ;;
	arm_cortex-a7_neon-vfpv4) class=1 data=1 machine=40 qemu=qemu-arm-static ;;
	# x86_64 runs natively; a dynamic one under qemu too, which finds its loader in QEMU_LD_PREFIX.
	x86_64) class=2 data=1 machine=62 qemu=${QEMU_LD_PREFIX:+qemu-x86_64-static} ;;
	*) echo "unknown arch $arch" >&2; exit 2 ;;
esac

# Each binary: ELF identity, it runs, its commands, the daemon end to end.
checkbin() { # checkbin BINARY VARIANT (basic|full)
tb=$1 variant=$2
[ -f "$tb" ] || { no "$variant: no binary $tb"; return; }
# ELF identity: magic, class (1=32-bit, 2=64-bit), data (1=LSB, 2=MSB), e_machine.
byte() { od -An -tu1 -j "$1" -N 1 "$tb" | tr -d ' '; }
magic=$(od -An -c -j 1 -N 3 "$tb" | tr -d ' ')
[ "$magic" = "ELF" ] && ok "$variant: elf magic" || no "$variant: elf magic ($magic)"
[ "$(byte 4)" = "$class" ] && ok "$variant: elf class $class" || no "$variant: elf class: $(byte 4), want $class"
[ "$(byte 5)" = "$data" ] && ok "$variant: elf data $data (1=LE 2=BE)" || no "$variant: elf data: $(byte 5), want $data"
if [ "$data" = 2 ]; then m=$(( $(byte 18) * 256 + $(byte 19) )); else m=$(( $(byte 19) * 256 + $(byte 18) )); fi
[ "$m" = "$machine" ] && ok "$variant: elf machine $machine" || no "$variant: elf machine: $m, want $machine"
# sstripped, as OpenWrt strips by default: no section header table (e_shoff and
# e_shnum 0); it still runs below.
if [ "$class" = 1 ]; then shoff=32 shlen=4 shnum=48; else shoff=40 shlen=8 shnum=60; fi
shz=$(od -An -tu1 -j "$shoff" -N "$shlen" "$tb"; od -An -tu1 -j "$shnum" -N 2 "$tb")
[ -z "$(echo $shz | tr -d ' 0')" ] && ok "$variant: sstripped (no section headers)" || no "$variant: section headers left: e_shoff/e_shnum bytes $shz"

# It runs.
run() { if [ -n "$qemu" ]; then "$qemu" "$tb" "$@"; else "$tb" "$@"; fi; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
out=$(run --version 2>&1)
[ "$out" = "umodem $version" ] && ok "$variant: runs: --version" || no "$variant: runs: --version printed '$out'"
out=$(run --help 2>&1)
echo "$out" | grep -q '^usage: umodem COMMAND' && ok "$variant: runs: --help" || no "$variant: runs: --help printed '$out'"
run no-such-command >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] && ok "$variant: runs: unknown command exits 2" || no "$variant: runs: unknown command exit $rc"

# The daemon's end-to-end tests (a ubusd test peer and the virtual E367) with this
# binary: the ubus codec in the target's byte order, AT over ptys under qemu-user.
abs="$(cd "$(dirname "$tb")" && pwd)/$(basename "$tb")"
check "$variant: daemon end to end (tests/daemon.rs) with this binary" \
	env UMODEM_TEST_BIN="$abs" UMODEM_TEST_VARIANT="$variant" ${qemu:+UMODEM_TEST_RUNNER=$qemu} cargo test -q --locked --test daemon

# The variant's commands: umodem-full has sms and ussd; umodem says where they are
# (exit 2, as for an unknown command) and does not list them.
if [ "$variant" = full ]; then
	run --help 2>&1 | grep -q '^  sms ' && ok "$variant: --help lists sms" || no "$variant: --help lacks sms"
	out=$(run ussd --help 2>&1) && echo "$out" | grep -q '^usage: umodem ussd' &&
		ok "$variant: ussd --help" || no "$variant: ussd --help printed '$out'"
else
	run --help 2>&1 | grep -q -e '^  sms ' -e '^  ussd ' && no "$variant: --help lists sms/ussd" || ok "$variant: --help lists no sms/ussd"
	for c in "sms list" "sms send" "ussd *100#" "sms --help"; do
		# shellcheck disable=SC2086
		out=$(set -f; run $c 2>&1 </dev/null)
		rc=$?
		[ "$rc" = 2 ] && echo "$out" | grep -q 'install umodem-full\|umodem-full package' &&
			ok "$variant: umodem $c: exit 2, '$out'" || no "$variant: umodem $c: exit $rc, '$out'"
	done
fi
}
checkbin "$bin" basic
checkbin "$full" full

# The feed.
[ -f "$feed/Packages" ] && [ -f "$feed/Packages.gz" ] && ok "feed index files" || no "feed index files"
check "Packages.gz is Packages" sh -c "gzip -dc '$feed/Packages.gz' | cmp -s - '$feed/Packages'"
n=0
for ipk in "$feed"/*.ipk; do
	n=$((n + 1))
	b=$(basename "$ipk")
	members=$(tar -tzf "$ipk" | tr '\n' ' ')
	[ "$members" = "./debian-binary ./data.tar.gz ./control.tar.gz " ] &&
		ok "$b: outer members" || no "$b: outer members '$members'"
	[ "$(tar -xzOf "$ipk" ./debian-binary)" = "2.0" ] && ok "$b: debian-binary" || no "$b: debian-binary"
	owners=$(for m in ./data.tar.gz ./control.tar.gz; do tar -xzOf "$ipk" "$m" | tar -tvzf - ; done |
		awk '{print $2}' | sort -u | tr '\n' ' ')
	[ "$owners" = "0/0 " ] && ok "$b: owners root" || no "$b: owners '$owners'"
	control=$(tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control)
	for field in Package Version Source SourceName License Section Maintainer Architecture Installed-Size Description; do
		echo "$control" | grep -q "^$field: ." || no "$b: control lacks $field"
	done
	echo "$control" | grep -q '^Depends: *$' && no "$b: empty Depends (opkg crashes on it)"
	installed=$(tar -xzOf "$ipk" ./data.tar.gz | gzip -dc | wc -c)
	echo "$control" | grep -qx "Installed-Size: $installed" && ok "$b: Installed-Size" || no "$b: Installed-Size != $installed"
	for s in postinst prerm; do
		tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - "./$s" | grep -q "default_$s" &&
			ok "$b: $s calls default_$s" || no "$b: $s"
	done
	# Index entry matches the file.
	entry=$(awk -v f="$b" 'BEGIN{RS=""} $0 ~ "\nFilename: " f "\n" {print}' "$feed/Packages")
	echo "$entry" | grep -qx "Size: $(stat -c %s "$ipk")" && ok "$b: index Size" || no "$b: index Size"
	echo "$entry" | grep -qx "SHA256sum: $(sha256sum "$ipk" | cut -d' ' -f1)" && ok "$b: index SHA256sum" || no "$b: index SHA256sum"
done
[ "$n" -ge 3 ] && ok "feed holds $n packages" || no "feed holds $n packages, want 3"

# The shipped binaries are the ones just tested.
tar -xzOf "$(ls "$feed"/umodem-full_*.ipk | head -n 1)" ./data.tar.gz | tar -xzOf - ./usr/sbin/umodem | cmp -s - "$full" &&
	ok "umodem-full ipk carries the tested full binary" || no "umodem-full ipk carries the tested full binary"
ipk=$(ls "$feed"/umodem_*.ipk 2>/dev/null | head -n 1)
tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./conffiles | grep -qx /etc/config/umodem &&
	ok "ipk: /etc/config/umodem is a conffile" || no "ipk: /etc/config/umodem is not a conffile"
tar -xzOf "$ipk" ./data.tar.gz | tar -tvzf - ./etc/init.d/umodem | grep -q '^-rwxr-xr-x' &&
	ok "ipk: init script executable" || no "ipk: init script missing or not executable"
tar -xzOf "$ipk" ./data.tar.gz | tar -tzf - ./usr/share/rpcd/acl.d/umodem.json >/dev/null 2>&1 &&
	ok "ipk: rpcd ACL" || no "ipk: rpcd ACL missing"
tar -xzOf "$ipk" ./data.tar.gz | tar -xzOf - ./usr/sbin/umodem | cmp -s - "$bin" &&
	ok "ipk carries the tested binary" || no "ipk carries the tested binary"

# Reproducible: packing the same tree again gives the same bytes.
tmp=$(mktemp -d)
mkdir -p "$tmp/root/usr/sbin" "$tmp/a" "$tmp/b"
cp "$bin" "$tmp/root/usr/sbin/umodem"
SOURCE_DATE_EPOCH=1700000000 openwrt/mkipk.sh "$tmp/root" "$tmp/a" t 1-1 "$arch" "" x >/dev/null
touch "$tmp/root/usr/sbin/umodem"; sleep 1
SOURCE_DATE_EPOCH=1700000000 openwrt/mkipk.sh "$tmp/root" "$tmp/b" t 1-1 "$arch" "" x >/dev/null
cmp -s "$tmp/a/t_1-1_$arch.ipk" "$tmp/b/t_1-1_$arch.ipk" && ok "ipk bytes reproducible" || no "ipk bytes differ between two packs"
tar -xzOf "$tmp/a/t_1-1_$arch.ipk" ./control.tar.gz | tar -xzOf - ./control | grep -q '^Depends' &&
	no "empty depends left out" || ok "empty depends left out"
rm -rf "$tmp"

checks_done "target $arch"
