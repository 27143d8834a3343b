# files/etc/hotplug.d/tty/30-umodem: availability follows the modem's ttys.
# Run: busybox ash tests/shell/hotplug-tty.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

SCRIPT="$FILES/etc/hotplug.d/tty/30-umodem"
t_setup
t_uci
fakes_install
netifd_root
export NETIFD_MAIN_DIR="$ROOT/lib/netifd" NETIFD_LOG="$T/netifd"

cat >"$T/etc/config/network" <<'X'
config interface 'lan'
	option proto 'static'

config interface 'wwan'
	option proto 'umodem'

config interface 'fixed'
	option proto 'umodem'
	option device '/dev/ttyUSB5'

config interface 'old'
	option proto '3g'
	option device '/dev/ttyUSB0'
X
E367='modem.0.usb=12d1:1506
modem.0.data=/dev/ttyUSB0
modem.0.control=/dev/ttyUSB2'

event() {
	: >"$T/netifd"
	ACTION="$1" DEVICENAME="$2" "$BB" ash "$SCRIPT"
	t_eq "$?" 0 "$1 $2: exit 0"
}

echo "--- E367 plugged: its ttys appear"
echo "$E367" >"$T/ports.txt"
event add ttyUSB0
t_has "$T/netifd" "proto_set_available wwan 1" "wwan available"
t_hasnt "$T/netifd" "fixed" "fixed (ttyUSB5) not touched"
t_hasnt "$T/netifd" "old" "proto 3g not touched"
t_hasnt "$T/netifd" "lan" "lan not touched"
t_has "$T/syslog" "wwan: ttyUSB0 added, interface available" "logged"

echo "--- an unrelated serial adapter appears"
event add ttyUSB3
t_hasnt "$T/netifd" "proto_set_available" "no change for a tty no modem owns"
event add ttyUSB
t_hasnt "$T/netifd" "proto_set_available" "a name that is a prefix of a modem tty is not it"
t_has "$T/calls" "umodem ports --no-probe" "ports asked without AT probes"

echo "--- E367 unplugged"
: >"$T/ports.txt"
event remove ttyUSB0
t_has "$T/netifd" "proto_set_available wwan 0" "wwan unavailable"
t_has "$T/syslog" "wwan: ttyUSB0 removed, interface unavailable" "logged (removed, not removeed)"

echo "--- data port gone, control port still listed"
echo 'modem.0.control=/dev/ttyUSB2' >"$T/ports.txt"
event remove ttyUSB0
t_has "$T/netifd" "proto_set_available wwan 0" "no data port: unavailable"

echo "--- configured device"
: >"$T/ports.txt"
event add ttyUSB5
t_has "$T/netifd" "proto_set_available fixed 1" "fixed available on its tty"
event remove ttyUSB5
t_has "$T/netifd" "proto_set_available fixed 0" "fixed unavailable when it goes"

echo "--- not a tty we care about"
event add ttyS0
t_eq "$(cat "$T/netifd")" "" "ttyS0 ignored"
ACTION=bind DEVICENAME=ttyUSB0 "$BB" ash "$SCRIPT"
t_eq "$(cat "$T/netifd")" "" "other actions ignored"

echo "--- a HiLink stick: no tty, a network interface (files/etc/hotplug.d/net/30-umodem)"
NET="$FILES/etc/hotplug.d/net/30-umodem"
export UMODEM_TTY_HOTPLUG="$SCRIPT" UMODEM_RUNDIR="$T/run"
net_event() {
	: >"$T/netifd"
	: >"$T/calls"
	ACTION="$1" DEVICENAME="$2" "$BB" ash "$NET"
	t_eq "$?" 0 "net $1 $2: exit 0"
}
: >"$T/ports.txt"
net_event add br-lan
t_eq "$(cat "$T/netifd")" "" "a network interface no modem owns: nothing"
net_event remove br-lan
t_eq "$(cat "$T/netifd")$(cat "$T/calls")" "" "... nor when it goes (not even a look at the modems)"
printf '%s\n' 'modem.0.usb=12d1:14dc' 'modem.0.net=eth1' 'modem.0.net_driver=cdc_ether' >"$T/ports.txt"
net_event add eth1
t_has "$T/netifd" "proto_set_available wwan 1" "the stick's eth1: wwan available"
t_hasnt "$T/netifd" "fixed" "an interface with option device is not touched"
t_has "$T/syslog" "wwan: eth1 added, interface available" "logged"
net_event add eth10
t_eq "$(cat "$T/netifd")" "" "a name eth1 is a prefix of is not it"
: >"$T/ports.txt"
net_event remove eth1
t_has "$T/netifd" "proto_set_available wwan 0" "the stick unplugged: wwan unavailable"
net_event remove eth1
t_eq "$(cat "$T/netifd")" "" "once"
echo "--- a tty goes while the HiLink stick stays: still available"
printf '%s\n' 'modem.0.usb=12d1:14dc' 'modem.0.net=eth1' >"$T/ports.txt"
event remove ttyUSB0
t_has "$T/netifd" "proto_set_available wwan 1" "a modem with a network interface keeps wwan available"
"$BB" ash -n "$NET" && t_pass "net script: ash -n" || t_fail "net script: ash -n"
"$BB" ash -n "$SCRIPT" && t_pass "ash -n" || t_fail "ash -n"
t_done
