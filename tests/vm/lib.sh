# Helpers for guest scenarios: source with `. /vm/lib.sh`. A scenario is a busybox sh
# script that exits 0 when every check held; each check prints "ok - what" or
# "not ok - what" and a failed check ends the scenario.

fail() {
	echo "not ok - $*"
	exit 1
}

# check WHAT CMD...: run CMD; fail the scenario unless it succeeds.
check() {
	what=$1
	shift
	if "$@"; then echo "ok - $what"; else fail "$what"; fi
}

# wait_for WHAT SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	what=$1
	secs=$2
	n=$((secs * 5))
	shift 2
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "$what (not within $secs s)"
		usleep 200000
	done
	echo "ok - $what (at $(cut -d' ' -f1 /proc/uptime) s)"
}

# usbdev VID PID: print the sysfs dir of the (first) USB device with that id.
usbdev() {
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/idVendor" ] || continue
		if [ "$(cat "$d/idVendor")" = "$1" ] && [ "$(cat "$d/idProduct")" = "$2" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

# is_usbdev VID PID: true if such a device is on a bus.
is_usbdev() { usbdev "$1" "$2" >/dev/null; }

# eq WANT CMD...: CMD's output equals WANT.
eq() {
	want=$1
	shift
	got=$("$@" 2>/dev/null)
	[ "$got" = "$want" ] || { echo "   want '$want', got '$got'" >&2; return 1; }
}

# tty_iface N: bInterfaceNumber behind /dev/ttyUSBN.
tty_iface() { cat "/sys/bus/usb-serial/devices/ttyUSB$1/../bInterfaceNumber"; }
# tty_driver N: the usb-serial driver of /dev/ttyUSBN.
tty_driver() { basename "$(readlink "/sys/bus/usb-serial/devices/ttyUSB$1/driver")"; }

# at TTY CMD [SECONDS]: send CMD\r on TTY, print what came back (CRs removed) until
# a final result line (OK, ERROR, +CME ERROR, NO CARRIER, ...) or SECONDS (2) passed.
at() {
	: >/tmp/at.out
	(stty raw -echo 2>/dev/null; exec timeout "${3:-2}" cat) <"$1" >/tmp/at.out &
	at_pid=$!
	usleep 200000
	printf '%s\r' "$2" >"$1"
	at_n=$((${3:-2} * 10))
	while [ "$at_n" -gt 0 ] && kill -0 "$at_pid" 2>/dev/null; do
		tr -d '\r' </tmp/at.out | grep -qE '^(OK|ERROR|\+CM[ES] ERROR.*|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT.*|COMMAND NOT SUPPORT)$' && break
		usleep 100000
		at_n=$((at_n - 1))
	done
	kill "$at_pid" 2>/dev/null
	wait "$at_pid" 2>/dev/null
	tr -d '\r' </tmp/at.out
}

# has_switcher: our hotplug script for the switch is installed (files/).
has_switcher() { ls /etc/hotplug.d/usb/*umodem* >/dev/null 2>&1 && command -v umodem >/dev/null; }

# ours: the switch is ours (the default); false when the kernel command line has
# umodem.switch=reference (run.sh: UMODEM_VM_SWITCH=reference), where init removed
# /etc/hotplug.d/usb and Debian's usb_modeswitch does the switch instead.
ours() { ! grep -q 'umodem\.switch=reference' /proc/cmdline; }

# hotplug_hold / hotplug_release: keep hotplug.d scripts from acting on new uevents
# (they are recorded), then run them for the recorded ones in order.
hotplug_hold() { : >/tmp/hotplug.hold; }
hotplug_release() {
	rm -f /tmp/hotplug.hold
	for f in $(ls /tmp/hotplug.held.* 2>/dev/null); do
		(set -a; . "$f"; set +a; /vm/hotplug)
		rm -f "$f"
	done
}

# switch_stick [PID]: see that the plugged 12d1:PID (1446) gets switched. Ours: the
# hotplug script must be installed and acts by itself. Reference: once usb-storage has
# the CD-ROM, usb_modeswitch -J (HuaweiNew).
switch_stick() {
	if ours; then
		echo "    switch: by our hotplug script (files/etc/hotplug.d/usb) and umodem switch"
		check "our switcher is installed (files/etc/hotplug.d/usb/*umodem*, umodem)" has_switcher
	else
		echo "    switch: by Debian's usb_modeswitch (reference)"
		wait_for "usb-storage has the CD-ROM" 30 sh -c 'grep -qx 5 /sys/bus/scsi/devices/*/type'
		check "usb_modeswitch -J switches the stick" usb_modeswitch -v 0x12d1 -p "0x${1:-1446}" -J
	fi
}

# val FILE...: the files' contents, blanks trimmed, joined by one space (sysfs pads
# some numbers, e.g. bNumInterfaces " 2").
val() {
	for f in "$@"; do cat "$f"; done | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}

# not CMD...: true when CMD fails (for wait_for).
not() { ! "$@"; }

# farend_state: what the far end's namespace has (for a failing scenario's log).
farend_state() {
	echo "---- far end: processes, namespace"
	ps w | grep -E "udhcpd|umodem-gadget|sleep 1000" | grep -v grep
	[ -f /tmp/farend/ns.pid ] && nsenter -t "$(cat /tmp/farend/ns.pid)" -n ip addr
	ip addr
	ip route
}

# dhcp IFACE [TRIES]: busybox udhcpc once on IFACE with /vm/udhcpc.script (address,
# default route, /etc/resolv.conf); on failure show the far end's state.
dhcp() {
	udhcpc -i "$1" -n -q -t "${2:-5}" -T 2 -s /vm/udhcpc.script && return 0
	farend_state
	return 1
}
