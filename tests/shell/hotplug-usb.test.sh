# files/etc/hotplug.d/usb/20-umodem: database devices go to procd, others are left alone.
# Run: busybox ash tests/shell/hotplug-usb.test.sh (from the repo root). Exit 0 = pass.

SCRIPT="${UMODEM_FILES:-$PWD/files}/etc/hotplug.d/usb/20-umodem"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0

ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { # expect NAME WANTED-FILE-CONTENT
	if [ "$(cat "$T/calls" 2>/dev/null)" = "$2" ]; then ok "$1"; else
		bad "$1"; echo "  want: $2" | sed 's/^/    /'; echo "  got:  $(cat "$T/calls" 2>/dev/null)" | sed 's/^/    /'
	fi
}

# A stub umodem that knows two storage-mode ids, recording how it is called.
mkdir -p "$T/bin"
cat >"$T/bin/umodem" <<X
#!/bin/sh
echo "umodem \$*" >>"$T/calls"
[ "\$1 \$2" = "db lookup" ] || exit 2
case "\$3" in
	12d1:1446 | 05c6:1000) exit 0 ;;
esac
exit 1
X
chmod +x "$T/bin/umodem"

# A stub procd.sh recording the calls the script makes.
cat >"$T/procd.sh" <<X
procd_open_service() { echo "open_service \$*" >>"$T/calls"; }
procd_open_instance() { echo "open_instance \$*" >>"$T/calls"; }
procd_set_param() { echo "set_param \$*" >>"$T/calls"; }
procd_close_instance() { echo "close_instance" >>"$T/calls"; }
procd_close_service() { echo "close_service \$*" >>"$T/calls"; }
X

event() { # event ACTION DEVTYPE DEVPATH PRODUCT
	rm -f "$T/calls"
	env -i PATH="$T/bin:/usr/bin:/bin" PROCD_SH="$T/procd.sh" \
		ACTION="$1" DEVTYPE="$2" DEVPATH="$3" PRODUCT="$4" busybox ash "$SCRIPT"
	rc=$?
	[ "$rc" = 0 ] || bad "exit status $rc for $1 $3"
}

HUB=/devices/platform/ehci-platform/usb1/1-1

handed() { # handed PORT VID:PID: the calls for a device looked up and handed to procd
	printf '%s\n' "umodem db lookup $2" "open_service umodem-switch" "open_instance $1" \
		"set_param command /usr/sbin/umodem switch --port-path $1 --device $2" \
		"set_param stderr 1" "close_instance" "close_service add"
}

event add usb_device "$HUB/1-1.1" 12d1/1446/0
expect "E367 in storage mode is handed to procd as a one-shot instance per port" "$(handed 1-1.1 12d1:1446)"

event add usb_device "$HUB/1-1.1" 12d1/1446/0
expect "the same event again (coldplug replay) asks for the same instance" "$(handed 1-1.1 12d1:1446)"

event add usb_device "$HUB/1-1.2" 781/5567/100
expect "a USB disk on the same hub: looked up, never handed on" "umodem db lookup 0781:5567"

event add usb_device "$HUB/1-1.1" 12d1/1506/0
expect "the E367 back in modem mode: nothing to do" "umodem db lookup 12d1:1506"

event add usb_device "/devices/platform/ehci-platform/usb1/1-2" 5c6/1000/0
expect "ids are zero-padded" "$(handed 1-2 05c6:1000)"

event add usb_interface "$HUB/1-1.1/1-1.1:1.0" 12d1/1446/0
expect "interface events are ignored" ""

event remove usb_device "$HUB/1-1.1" 12d1/1446/0
expect "remove events are ignored" ""

event add usb_device /devices/platform/ehci-platform/usb1 1d6b/2/404
expect "root hubs are ignored" ""

event add usb_device "$HUB/1-1;reboot" 12d1/1446/0
expect "a hostile port path is ignored" ""

event add usb_device "$HUB/1-1.1" '12d1/1446;reboot/0'
expect "a hostile product id is ignored" ""

event add usb_device "$HUB/1-1.1" 12d1f/1446/0
expect "an over-long id is ignored" ""

event add usb_device "$HUB/1-1.1" ""
expect "a missing PRODUCT is ignored" ""

[ "$fails" = 0 ] && echo "all passed"
[ "$fails" = 0 ]
