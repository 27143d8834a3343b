# End to end without a router: the netifd handler (on the netifd stand-in) with
# the real umodem binary (ports, prepare with the PIN, info for the IMSI, connect)
# against the virtual E367 (umodem-sim) on ptys. pppd is a stand-in that puts
# the data port in raw mode, as pppd does, and runs the connect step on it.
# Builds both binaries with cargo if needed.
# Run: busybox ash tests/shell/e2e-sim.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

e2e_build

t_setup
netifd_root
t_uci
# The PIN is configured in uci, where the handler reads it: never in netifd's JSON.
uci_wwan
ln -s "$BIN/umodem" "$T/stub/umodem"
# pppd: record argv, raw mode on the port, connect step on stdin/stdout.
t_stub pppd '
echo "pppd $*" >>"$T/calls"
conn=
dev=
while [ $# -gt 0 ]; do
	case "$1" in
	connect) shift; conn="$1" ;;
	/*/ttyUSB*) dev="$1" ;;
	esac
	shift
done
exec 3<>"$dev" || exit 7
stty -F "$dev" raw -echo || exit 7
sh -c "$conn" <&3 >&3 2>>"$T/connect.log"
rc=$?
echo "  pppd connect_exit $rc" >>"$T/calls"
# What the modem says while the port is still held (closing it hangs up).
[ -n "$FAKE_STATUS" ] && echo "  modem $($FAKE_STATUS)" >>"$T/calls"
[ "$rc" = 0 ] || exit 8
exit 0'

SIMPID=
sim_start() {
	sim_stop
	rm -rf "$T/sim"
	mkdir -p "$T/sim"
	"$BIN/umodem-sim" --dir "$T/sim/dev" --sysfs "$T/sim/root" --reg-delay-ms 0 \
		--boot-interval-ms 0 "$@" >"$T/sim/out" 2>&1 &
	SIMPID=$!
	i=0
	while ! grep -q ready "$T/sim/out" 2>/dev/null && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	grep -q ready "$T/sim/out" || t_fail "sim did not start: $(cat "$T/sim/out")"
	export UMODEM_SYSFS="$T/sim/root" UMODEM_DEV="$T/sim/dev"
}
sim_stop() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null
	SIMPID=
}
sim_ctl() {
	"$BIN/umodem-sim" ctl "$T/sim/dev" "$@"
}

printf ':240\n02\tbredband.tre.se\n' >"$T/apn.tsv"
sc() {
	scenario "$@"
	export NETIFD_RUN=1
}
export FAKE_STATUS="$BIN/umodem-sim ctl $T/sim/dev status"

sc "PIN, APN from the SIM, dial: online"
sim_start --pin 8328 --apn bredband.tre.se
handler setup wwan '{"maxwait":5}'
t_eq "$(task_wait wwan)" 0 "pppd ran and ended"
t_has "$T/netifd" "  argv $T/sim/dev/ttyUSB0" "pppd on the modem port found in sysfs"
t_has "$T/netifd" "  env UMODEM_APN=bredband.tre.se" "APN from the IMSI"
t_has "$T/syslog" "network 24002" "APN choice logged"
t_has "$T/calls" "pppd connect_exit 0" "connect step got CONNECT"
t_has "$T/connect.log" "umodem connect: CONNECT" "connect logged it"
t_eq "$(sim_ctl status | tr ' ' '\n' | grep '^sim=')" "sim=ready" "SIM unlocked"
t_has "$T/calls" " data=true " "modem in data mode while pppd holds the port"
t_hasnt "$T/netifd" "proto_notify_error" "no error"
t_hasnt "$T/netifd" "8328" "PIN not in any argv or env netifd saw"
t_hasnt "$T/calls" "8328" "PIN not in recorded argv"
t_hasnt "$T/handler.argv" "8328" "PIN not in the handler's argv (netifd's JSON)"
t_hasnt "$T/connect.log" "8328" "PIN not in the connect log"
t_hasnt "$T/syslog" "8328" "PIN not in syslog"

sc "wrong PIN: refused once, never sent again"
sim_start --pin 1111
handler setup wwan '{"maxwait":5}'
t_has "$T/netifd" "proto_notify_error wwan PIN_FAILED" "PIN_FAILED"
t_has "$T/netifd" "proto_block_restart wwan" "restart blocked"
left=$(sim_ctl status | tr ' ' '\n' | sed -n 's/^pin_left=//p')
t_eq "$left" 2 "one attempt spent"
: >"$T/netifd"
handler setup wwan '{"maxwait":5}'
t_has "$T/netifd" "proto_notify_error wwan PIN_FAILED" "second setup: PIN_FAILED"
t_eq "$(sim_ctl status | tr ' ' '\n' | sed -n 's/^pin_left=//p')" 2 "the same PIN is not sent again"
uci delete network.wwan.pincode
uci commit network

sc "no PIN configured"
sim_start --pin 1111
handler setup wwan '{"maxwait":5}'
t_has "$T/netifd" "proto_notify_error wwan PIN_REQUIRED" "PIN_REQUIRED"
t_has "$T/netifd" "proto_block_restart wwan" "restart blocked"

sc "no SIM"
sim_start --no-sim
handler setup wwan '{"maxwait":5}'
t_has "$T/netifd" "proto_notify_error wwan NO_SIM" "NO_SIM"

sc "network refuses the call"
sim_start --no-pin --fault refuse
rm -f "$T/run/wwan.fails"
handler setup wwan '{"apn":"internet","maxwait":5}'
t_eq "$(task_wait wwan)" 8 "pppd gave up: exit 8"
t_has "$T/calls" "pppd connect_exit 20" "connect: NO CARRIER"
t_has "$T/netifd" "task_exit wwan 8" "pppd gave up"
ERROR=8 handler teardown wwan '{"apn":"internet"}'
t_has "$T/netifd" "proto_notify_error wwan NO_CARRIER" "netifd learns NO_CARRIER"

sc "modem unplugged"
sim_start --no-pin
sim_ctl unplug >/dev/null
handler setup wwan '{"maxwait":2}'
t_has "$T/netifd" "proto_notify_error wwan NO_DEVICE" "NO_DEVICE"
t_has "$T/netifd" "proto_set_available wwan 0" "unavailable"

sim_stop
t_done
