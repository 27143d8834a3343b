#!/bin/sh
# make vm-test: boot Debian 12's kernel under QEMU (TCG) once per scenario, with an
# initramfs of busybox, the kernel modules we need, ppp, usb-modeswitch, our x86_64
# musl binaries and files/. Prints "PASS name (Ns)" / "FAIL name (Ns)" per scenario,
# exits non-zero if any failed.
#
#   tests/vm/run.sh                 all scenarios in tests/vm/scenarios/
#   tests/vm/run.sh plug disk       just these
# Environment: UMODEM_VM_TIMEOUT (seconds per boot, default 180, or a scenario's own
# "# vm-timeout: N" line, whichever is longer); UMODEM_VM_VERBOSE=1
# puts dmesg and the guest's /tmp/*.log in the serial log also on success;
# UMODEM_VM_SWITCH=reference has Debian's usb_modeswitch switch the stick instead of our
# hotplug script and umodem switch (to tell a gadget fault from ours). Every scenario runs
# even after a failure; the serial log of each boot is build/vm/logs/NAME.log.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/build/vm
DEBS=$B/debs
TIMEOUT=${UMODEM_VM_TIMEOUT:-180}
TARGET=x86_64-unknown-linux-musl
T0=$(date +%s)

say() { echo "vm-test: $*"; }

# --- host tools ---------------------------------------------------------------
apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	say "apt-get update"
	apt-get update -q >/dev/null
	apt_updated=1
}
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	apt_update
	say "installing qemu-system-x86"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-system-x86 >/dev/null
fi

# --- Debian packages for the guest (cached in build/vm/debs) -------------------
mkdir -p "$DEBS"
cached() { ls "$DEBS/$1"_*.deb >/dev/null 2>&1; }
# fetch PACKAGE...: download the .debs not cached yet, in one apt call.
fetch() {
	missing=
	for p in "$@"; do cached "$p" || missing="$missing $p"; done
	[ -n "$missing" ] || return 0
	say "fetching$missing"
	# shellcheck disable=SC2086
	(cd "$DEBS" && { apt-get download -q $missing >/dev/null 2>&1 || { apt_update && apt-get download -q $missing >/dev/null; }; })
}
if ! ls "$DEBS"/linux-image-*-amd64_*.deb >/dev/null 2>&1; then
	apt_update
	KPKG=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
	[ -n "$KPKG" ] || { say "cannot find the kernel package behind linux-image-amd64"; exit 1; }
	fetch "$KPKG"
fi
# pppd, chat and usb_modeswitch are dynamically linked: their libraries come from the
# same archive, so the guest does not depend on what the host has installed.
# shellcheck disable=SC2086
fetch busybox-static ppp usb-modeswitch usb-modeswitch-data \
	libc6 libusb-1.0-0 libudev1 libssl3 libcrypt1 libpam0g libsystemd0 libpcap0.8 \
	libaudit1 libcap2 libcap-ng0 libgcrypt20 libgpg-error0 liblzma5 libzstd1 liblz4-1 \
	libdbus-1-3

# --- extract once; depmod ---------------------------------------------------------
X=$B/extract
STAMP=$X/.stamp
if [ ! -f "$STAMP" ] || [ -n "$(find "$DEBS" -newer "$STAMP" -name '*.deb')" ]; then
	say "extracting packages"
	rm -rf "$X"
	mkdir -p "$X"
	for d in "$DEBS"/*.deb; do dpkg-deb -x "$d" "$X"; done
	touch "$STAMP"
fi
BB=$X/bin/busybox
KVER=$(ls "$X/lib/modules" | head -1)
KERNEL=$X/boot/vmlinuz-$KVER

# --- our binaries --------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
	say "adding rust target $TARGET"
	rustup target add "$TARGET" >/dev/null
fi
# The router's umodem: its mode switch talks to usbfs directly (no libusb). The umodem
# package's build (no SMS/USSD, what users get by default): no scenario uses SMS.
say "building umodem (the umodem package: --no-default-features) and umodem-gadget for $TARGET"
(cd "$ROOT" && cargo build -q --target "$TARGET" -p umodem --no-default-features && cargo build -q --target "$TARGET" -p umodem-gadget)
BIN=$ROOT/target/$TARGET/debug

# --- initramfs -----------------------------------------------------------------
R=$B/root
rm -rf "$R"
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/lib" "$R/etc" "$R/proc" "$R/sys" \
	"$R/dev" "$R/tmp" "$R/run" "$R/var/lock" "$R/var/log" "$R/root" "$R/vm"
cp "$BB" "$R/bin/busybox"
# Modules: the listed ones and what modules.dep says they need.
M=$X/lib/modules/$KVER
[ -f "$M/modules.dep" ] || "$BB" depmod -b "$X" "$KVER"
mkdir -p "$R/lib/modules/$KVER"
grep -v '^#' "$ROOT/tests/vm/modules" | while read -r mod; do
	[ -n "$mod" ] || continue
	line=$(grep -E "(^|/)$mod\.ko:" "$M/modules.dep") || { say "module $mod not in $KVER"; exit 1; }
	echo "$line" | tr -d ':' | tr ' ' '\n'
done | sort -u | while read -r f; do
	mkdir -p "$R/lib/modules/$KVER/$(dirname "$f")"
	cp "$M/$f" "$R/lib/modules/$KVER/$f"
done
cp "$M/modules.builtin" "$M/modules.order" "$R/lib/modules/$KVER/" 2>/dev/null || true
"$BB" depmod -b "$R" "$KVER"
# Dynamically linked Debian programs, with the libraries they load (resolved by the
# extracted loader against the extracted libraries).
LIBDIRS=$X/lib/x86_64-linux-gnu:$X/usr/lib/x86_64-linux-gnu
LDSO=$(ls "$X"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$X"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 2>/dev/null | head -1)
mkdir -p "$R/lib/x86_64-linux-gnu" "$R/lib64"
cp -L "$LDSO" "$R/lib64/ld-linux-x86-64.so.2"
for prog in usr/sbin/pppd usr/sbin/chat usr/sbin/usb_modeswitch; do
	cp "$X/$prog" "$R/$prog"
	"$LDSO" --library-path "$LIBDIRS" --list "$X/$prog" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'
done | sort -u | while read -r lib; do
	case $lib in "$X"/*) ;; *) say "warning: $lib comes from the host, not from a fetched package" ;; esac
	cp -L "$lib" "$R/lib/x86_64-linux-gnu/"
done
cp -r "$X/usr/share/usb_modeswitch" "$R/usr/share/" 2>/dev/null || { mkdir -p "$R/usr/share"; cp -r "$X/usr/share/usb_modeswitch" "$R/usr/share/"; }
# Ours: binaries, the router's files, the guest side of the harness.
# umodem where the package puts it (/usr/sbin), the gadget beside the harness.
strip -o "$R/usr/sbin/umodem" "$BIN/umodem"
strip -o "$R/usr/bin/umodem-gadget" "$BIN/umodem-gadget"
# The router's files as the package ships them (comment lines dropped by the packer).
rm -rf "$B/files" && cp -r "$ROOT/files" "$B/files" && "$ROOT/openwrt/tools/strip-sh.sh" "$B/files" &&
	cp -r "$B/files/." "$R/"
# OpenWrt's procd.sh is not ours to ship: a stand-in (tests/vm/procd.sh) takes its place.
if [ ! -f "$R/lib/functions/procd.sh" ]; then
	mkdir -p "$R/lib/functions"
	cp "$ROOT/tests/vm/procd.sh" "$R/lib/functions/procd.sh"
fi
# netifd's shell library and the bits of OpenWrt around it are not ours either: the
# shell tests' netifd stand-in and tests/vm/openwrt/ (ppp-up, ppp-down, uci, ifup,
# ifdown) take their place, where files/ brings none.
if [ ! -f "$R/lib/netifd/netifd-proto.sh" ]; then
	mkdir -p "$R/lib/netifd"
	cp "$ROOT/tests/shell/lib/netifd-stub.sh" "$R/lib/netifd/netifd-proto.sh"
	mkdir -p "$R/lib/netifd/proto" "$R/usr/bin"
	cp "$ROOT/tests/shell/lib/dhcp-proto.sh" "$R/lib/netifd/proto/dhcp.sh"
	cp "$ROOT/tests/shell/lib/dhcp-script.sh" "$R/lib/netifd/dhcp.script"
	cp "$ROOT/tests/shell/lib/ubus-stub.sh" "$R/usr/bin/ubus"
	chmod +x "$R/usr/bin/ubus" "$R/lib/netifd/dhcp.script"
fi
# Debian's pppd lacks OpenWrt's ipv6-up-script option: tests/vm/openwrt/usr/sbin/pppd
# drops it and runs Debian's from here.
mkdir -p "$R/usr/lib/pppd-debian"
mv "$R/usr/sbin/pppd" "$R/usr/lib/pppd-debian/pppd"
(cd "$ROOT/tests/vm/openwrt" && find . -type f) | while read -r f; do
	[ -e "$R/$f" ] || { mkdir -p "$R/$(dirname "$f")" && cp -p "$ROOT/tests/vm/openwrt/$f" "$R/$f"; }
done
cp "$ROOT/tests/vm/init" "$R/init"
cp "$ROOT/tests/vm/lib.sh" "$ROOT/tests/vm/netifd.sh" "$ROOT/tests/shell/lib/netifd-model.sh" \
	"$ROOT/tests/vm/hotplug" "$ROOT/tests/vm/farend.sh" "$ROOT/tests/vm/udhcpc.script" "$R/vm/"
mkdir -p "$R/vm/scenarios"
cp "$ROOT"/tests/vm/scenarios/*.sh "$R/vm/scenarios/"
chmod 755 "$R/init"
(cd "$R" && find . | "$BB" cpio -o -H newc 2>/dev/null >"$B/initramfs.cpio")
T1=$(date +%s)
say "initramfs $(du -k "$B/initramfs.cpio" | cut -f1) KiB, kernel $KVER, prepared in $((T1 - T0)) s"

# --- boot once per scenario ------------------------------------------------------
if [ $# -gt 0 ]; then
	SCEN=$*
else
	SCEN=$(cd "$ROOT/tests/vm/scenarios" && ls *.sh | sed 's/\.sh$//')
fi
mkdir -p "$B/logs"
pass=0
fail=0
for s in $SCEN; do
	if [ ! -f "$ROOT/tests/vm/scenarios/$s.sh" ]; then
		echo "FAIL $s (no such scenario)"
		fail=$((fail + 1))
		continue
	fi
	log=$B/logs/$s.log
	t=$(date +%s)
	limit=$(sed -n 's/^# vm-timeout: \([0-9]*\)$/\1/p' "$ROOT/tests/vm/scenarios/$s.sh")
	[ -n "$limit" ] && [ "$limit" -gt "$TIMEOUT" ] || limit=$TIMEOUT
	timeout "$limit" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nodefaults -no-reboot \
		-display none -serial stdio -monitor none -nic none \
		-kernel "$KERNEL" -initrd "$B/initramfs.cpio" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 umodem.scenario=$s umodem.verbose=${UMODEM_VM_VERBOSE:-0} umodem.switch=${UMODEM_VM_SWITCH:-ours}" \
		</dev/null >"$log" 2>&1 || true
	dt=$(($(date +%s) - t))
	if grep -q "^UMODEM-VM-RESULT $s PASS" "$log"; then
		echo "PASS $s (${dt}s)"
		pass=$((pass + 1))
	else
		echo "FAIL $s (${dt}s): log in $log"
		tail -n 40 "$log" | sed 's/^/    | /'
		fail=$((fail + 1))
	fi
done
echo "vm-test: $pass passed, $fail failed ($(($(date +%s) - T0)) s in all)"
[ "$fail" -eq 0 ]
