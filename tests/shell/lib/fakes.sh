# Fakes of umodem and pppd for the handler tests (sourced after common.sh,
# after t_setup). Their script lives in files under $T:
#   ports.txt    what `umodem ports` prints (from the call FAKE_PORTS_AFTER+1 on);
#                ports-noprobe.txt, if present, what `umodem ports --no-probe` prints
#   prepare.rc   exit status of `umodem prepare` (default 0); prepare.secs: how
#                long it takes (it sleeps: the simulated clock moves)
#   info.txt     what `umodem info` prints
#   connect.rc   exit status of `umodem connect`; connect.status: what it writes
#                to $UMODEM_STATUS, if present
#   pppd.rc      exit status of pppd (default 0); pppd.secs: how long it runs
#   at.rc        exit status of `umodem at` (default 0); what it reads on stdin
#                (the AT commands, which may hold a password) goes to at.in only;
#                ndisstat: its answer to AT^NDISSTATQRY? (default: up), one
#                line used per query (the last one stays); ndisstat.rc: exit
#                status of a query (default 0)
# Both append their argv to $T/calls (one line per call). Secrets are never
# written there by the fakes: `umodem prepare` only says whether UMODEM_PIN
# equals $FAKE_PIN; pppd copies its options file to $T/optfile.copy (outside
# every log) and its mode to $T/optfile.mode.

fakes_install() {
	t_stub umodem '
cmd="$1"
shift
echo "umodem $cmd $*" >>"$T/calls"
case "$cmd" in
ports)
	if [ "$1" = --no-probe ] && [ -f "$T/ports-noprobe.txt" ]; then
		cat "$T/ports-noprobe.txt"
		exit 0
	fi
	n=$(cat "$T/ports.n" 2>/dev/null || echo 0)
	n=$((n + 1))
	echo "$n" >"$T/ports.n"
	[ "$n" -gt "${FAKE_PORTS_AFTER:-0}" ] && cat "$T/ports.txt" 2>/dev/null
	exit 0
	;;
prepare)
	if [ -z "${UMODEM_PIN+x}" ]; then
		echo "  prepare pin unset" >>"$T/calls"
	elif [ "$UMODEM_PIN" = "$FAKE_PIN" ]; then
		echo "  prepare pin ok" >>"$T/calls"
	else
		echo "  prepare pin other" >>"$T/calls"
	fi
	[ -f "$T/prepare.secs" ] && sleep "$(cat "$T/prepare.secs")"
	exit "$(cat "$T/prepare.rc" 2>/dev/null || echo 0)"
	;;
info)
	cat "$T/info.txt" 2>/dev/null
	exit 0
	;;
at)
	cmds=$(cat)
	printf "%s\n" "$cmds" >>"$T/at.in"
	case "$cmds" in
	*NDISSTATQRY*)
		q=$(cat "$T/ndisstat.n" 2>/dev/null || echo 0)
		q=$((q + 1))
		echo "$q" >"$T/ndisstat.n"
		if [ -f "$T/ndisstat" ]; then
			l=$(sed -n "${q}p" "$T/ndisstat")
			[ -n "$l" ] || l=$(tail -n 1 "$T/ndisstat")
		else
			l="^NDISSTATQRY: 1,,,\"IPV4\""
		fi
		echo "$l"
		echo OK
		exit "$(cat "$T/ndisstat.rc" 2>/dev/null || echo 0)"
		;;
	esac
	echo OK
	exit "$(cat "$T/at.rc" 2>/dev/null || echo 0)"
	;;
connect)
	echo "  connect env UMODEM_APN=${UMODEM_APN-<unset>} UMODEM_STATUS=${UMODEM_STATUS-<unset>}" >>"$T/calls"
	[ -f "$T/connect.status" ] && [ -n "$UMODEM_STATUS" ] && cp "$T/connect.status" "$UMODEM_STATUS"
	exit "$(cat "$T/connect.rc" 2>/dev/null || echo 0)"
	;;
esac
exit 2'

	t_stub pppd '
echo "pppd $*" >>"$T/calls"
conn=
while [ $# -gt 0 ]; do
	case "$1" in
	connect) shift; conn="$1" ;;
	file)
		shift
		stat -c %a "$1" >"$T/optfile.mode"
		cp "$1" "$T/optfile.copy"
		;;
	esac
	shift
done
echo "  pppd env UMODEM_APN=${UMODEM_APN-<unset>}" >>"$T/calls"
[ -f "$T/pppd.secs" ] && sleep "$(cat "$T/pppd.secs")"
if [ -n "$conn" ]; then
	sh -c "$conn"
	echo "  pppd connect_exit $?" >>"$T/calls"
fi
exit "$(cat "$T/pppd.rc" 2>/dev/null || echo 0)"'
}

# Lay out a root with the handler and the netifd stand-in as on the router.
netifd_root() {
	ROOT="$T/root"
	mkdir -p "$ROOT/lib/netifd/proto" "$T/run"
	cp "$REPO/tests/shell/lib/netifd-stub.sh" "$ROOT/lib/netifd/netifd-proto.sh"
	cp "$FILES/lib/netifd/proto/umodem.sh" "$ROOT/lib/netifd/proto/umodem.sh"
}

# netifd_ubus: a `ubus` on PATH whose `network` object is the netifd stand-in
# (add_dynamic and the interface calls), its state in $T/netifd-state, its log in
# $T/netifd.
netifd_ubus() {
	t_stub ubus "UBUS_STUB_PROTO='$REPO/tests/shell/lib/netifd-stub.sh' NETIFD_STATE='$T/netifd-state' NETIFD_LOG='$T/netifd' exec '$BB' ash '$REPO/tests/shell/lib/ubus-stub.sh' \"\$@\""
}

# uci_wwan [OPTION=VALUE]...: a fresh /etc/config/network whose only section is the
# interface wwan, proto umodem, PIN 8328 (in uci, where the handler reads it: never
# in netifd's JSON), plus the options given; committed.
uci_wwan() {
	: >"$T/etc/config/network"
	uci set network.wwan=interface
	uci set network.wwan.proto=umodem
	uci set network.wwan.pincode=8328
	for o in "$@"; do uci set "network.wwan.$o"; done
	uci commit network
}

# e2e_build: build the umodem binary and the virtual modem (umodem-sim) for the
# end-to-end tests; $BIN is where they are.
e2e_build() {
	BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug"
	cargo build -q --bin umodem && cargo build -q -p umodem-sim --bin umodem-sim || {
		echo "FAIL: cargo build"
		exit 1
	}
}

# handler ACTION IFACE JSON: run the handler as netifd does, from its folder.
# Its argv (what netifd would show in /proc/PID/cmdline) goes to $T/handler.argv.
# netifd's view of the interface (the stub's state) is in $T/netifd-state.
# (ash says "Terminated" when the stub plays netifd killing a setup.)
handler() {
	echo "./umodem.sh umodem $1 $2 $3" >>"$T/handler.argv"
	(
		cd "$ROOT/lib/netifd/proto" &&
			NETIFD_LOG="$T/netifd" NETIFD_STATE="$T/netifd-state" UMODEM_RUNDIR="$T/run" \
				UMODEM_PIN_STATE="$T/pinstate" UMODEM_APN_TABLE="$T/apn.tsv" \
				exec "$BB" ash ./umodem.sh umodem "$1" "$2" "$3" ""
	)
}

# task_wait IFACE: wait (at most 20 s) for the process setup started with
# proto_run_command (NETIFD_RUN=1) to end, as netifd would; print its status.
task_wait() {
	local n=0
	while [ -s "$T/netifd-state/$1.task.pid" ] && [ ! -s "$T/netifd-state/$1.task.rc" ] &&
		[ "$n" -lt 400 ]; do
		usleep 50000
		n=$((n + 1))
	done
	cat "$T/netifd-state/$1.task.rc" 2>/dev/null
}

# model IFACE JSON: netifd's loop for IFACE (tests/shell/lib/netifd-model.sh) on
# the simulated clock, with NETIFD_RUN=1; the NM_* settings apply.
model() {
	(
		export NETIFD_RUN=1 NM_SIM=1 NM_CLOCK="cat '$T/clock'" NETIFD_LOG="$T/netifd" \
			NETIFD_STATE="$T/netifd-state"
		. "$REPO/tests/shell/lib/netifd-model.sh"
		netifd_model "$@"
	)
}

# Forget what the last scenario logged and scripted (not the run dir).
scenario() {
	echo "--- $*"
	rm -f "$T/netifd" "$T/ports.txt" "$T/ports.n" "$T/prepare.rc" "$T/info.txt" "$T/connect.rc" \
		"$T/at.rc" "$T/at.in" "$T/ndisstat" "$T/ndisstat.n" "$T/ndisstat.rc" \
		"$T/connect.status" "$T/pppd.rc" "$T/optfile.mode" "$T/optfile.copy" \
		"$T/ports-noprobe.txt" "$T/prepare.secs" "$T/pppd.secs" "$T/clock"
	rm -rf "$T/netifd-state"
	: >"$T/calls"
	: >"$T/handler.argv"
	: >"$T/syslog"
	: >"$T/netifd"
	unset FAKE_PORTS_AFTER NETIFD_RUN ERROR
}
