# The netifd handler files/lib/netifd/proto/umodem.sh against a stand-in of
# netifd's shell API (tests/shell/lib/netifd-stub.sh) and fake umodem/pppd.
# Run: busybox ash tests/shell/netifd-proto.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

t_setup
fakes_install
netifd_root
t_uci

PIN=8328
PASS='s3cr"t\pw'
export FAKE_PIN="$PIN"
PORTS='modem.0.usb=12d1:1506
modem.0.path=1-1
modem.0.data=/dev/ttyUSB0
modem.0.control=/dev/ttyUSB2'
BASE='"apn":"internet.example","maxwait":2'
# The secrets live in uci only: netifd's JSON (the handler's argv) never has them.
: >"$T/etc/config/network"
uci set network.wwan=interface
uci set network.wwan.proto=umodem
uci set network.wwan.pincode="$PIN"
uci commit network

# No secret may reach an argv (the handler's own included), the netifd log or syslog.
no_secrets() {
	for f in "$T/netifd" "$T/calls" "$T/handler.argv" "$T/syslog"; do
		t_hasnt "$f" "$PIN" "$1: PIN not in ${f##*/}"
		t_hasnt "$f" 's3cr' "$1: password not in ${f##*/}"
	done
}

scenario dump
out=$(cd "$ROOT/lib/netifd/proto" && "$BB" ash ./umodem.sh '' dump)
# proto 3g's and ppp.sh's options with their blobmsg types (3 string, 5 int,
# 7 boolean, 1 array), then ours.
for o in device:device,3 apn,3 service,3 dialnumber,3 username,3 keepalive,3 \
	keepalive_adaptive,7 demand,5 pppd_options,3 connect:file,3 disconnect:file,3 ipv6,3 \
	authfail,7 mtu,5 pppname,3 unnumbered,3 reqprefix,3 persist,7 maxfail,5 holdoff,5 \
	sourcefilter,7 delegate,7 norelease,7 dns,1 peerdns,7 auth,3 delay,5 maxwait,5 \
	bogus_dns,1 dns_retries,5; do
	case "$out" in *"[\"${o%,*}\",${o##*,}]"*) t_pass "dump declares $o" ;; *) t_fail "dump lacks $o: $out" ;; esac
done
for o in pincode password; do
	case "$out" in *"\"$o\""*) t_fail "dump declares $o (netifd would pass it in argv): $out" ;;
	*) t_pass "dump does not declare $o" ;; esac
done
case "$out" in *'"name":"umodem"'*'"no-device":1,"available":1'*) t_pass "dump: no device, available" ;;
*) t_fail "dump flags: $out" ;; esac

scenario success
echo "$PORTS" >"$T/ports.txt"
export NETIFD_RUN=1
uci set network.wwan.password="$PASS"
uci commit network
handler setup wwan "{$BASE,\"username\":\"bob\",\"auth\":\"chap\",\"service\":\"umts_only\"}"
t_eq "$(task_wait wwan)" 0 "pppd ran and exited 0"
t_hasnt "$T/handler.argv" "$PIN" "PIN not in the handler's argv (netifd's JSON)"
t_hasnt "$T/handler.argv" 's3cr' "password not in the handler's argv (netifd's JSON)"
t_has "$T/calls" "umodem prepare --port /dev/ttyUSB2 --service umts_only --state-dir $T/pinstate" "prepare on the control port"
t_has "$T/calls" "prepare pin ok" "PIN reaches prepare by environment"
t_has "$T/netifd" "proto_run_command wwan" "pppd started"
t_has "$T/netifd" "  argv /usr/sbin/pppd" "argv0 is pppd"
t_has "$T/netifd" "  argv umodem connect --dial '*99***1#'" "connect step with default number"
t_has "$T/netifd" "  argv /dev/ttyUSB0" "pppd on the data port"
t_has "$T/netifd" "  argv /lib/netifd/ppp-up" "ppp-up hook"
t_has "$T/netifd" "  argv refuse-pap" "auth chap refuses pap"
t_has "$T/netifd" "  env UMODEM_APN=internet.example" "APN by environment"
t_has "$T/netifd" "  argv $T/run/wwan.pppd" "options file given with file"
t_hasnt "$T/netifd" "proto_notify_error" "no error on success"
t_has "$T/calls" "  connect env UMODEM_APN=internet.example UMODEM_STATUS=$T/run/wwan.connect" "pppd passes the APN on to connect"
t_eq "$(cat "$T/optfile.mode")" 600 "options file is 0600"
t_eq "$(cat "$T/optfile.copy")" "user \"bob\"
password \"s3cr\\\"t\\\\pw\"
set AUTOIPV6=1" "options file holds quoted user and password, and pppd's variables"
t_has "$T/netifd" "task_exit wwan 0" "task ran"
t_has "$T/syslog" "using the configured apn 'internet.example'" "APN choice logged"
no_secrets success
uci delete network.wwan.password
uci commit network

scenario "teardown after ifdown"
handler teardown wwan "{$BASE}"
t_has "$T/netifd" "proto_kill_command wwan" "teardown kills pppd"
t_hasnt "$T/netifd" "proto_notify_error" "plain teardown reports no error"
[ -e "$T/run/wwan.pppd" ] && t_fail "options file left behind" || t_pass "options file removed"

# Each exit code of `umodem prepare`: the error netifd shows, and whether
# netifd may retry (block) or must wait for the modem (unavailable).
for c in "2 INVALID_OPTIONS block" "10 NO_DEVICE avail0" "11 NO_SIM block" \
	"12 PIN_REQUIRED block" "13 PIN_FAILED block" "14 PIN_ATTEMPTS_LOW block" \
	"15 PUK_REQUIRED block" "16 SIM_FAILURE retry" "17 MODEM_ERROR retry" "1 PREPARE_FAILED retry"; do
	set -- $c
	scenario "prepare exits $1"
	rm -f "$T/run/wwan.fails"
	echo "$PORTS" >"$T/ports.txt"
	echo "$1" >"$T/prepare.rc"
	handler setup wwan "{$BASE}"
	t_has "$T/netifd" "proto_notify_error wwan $2" "exit $1 -> $2"
	t_hasnt "$T/netifd" "proto_run_command" "exit $1: no pppd"
	case "$3" in
	block) t_has "$T/netifd" "proto_block_restart wwan" "exit $1 blocks restart" ;;
	*) t_hasnt "$T/netifd" "proto_block_restart" "exit $1 lets netifd retry" ;;
	esac
	case "$3" in
	avail0) t_has "$T/netifd" "proto_set_available wwan 0" "exit $1 marks unavailable" ;;
	*) t_hasnt "$T/netifd" "proto_set_available" "exit $1 keeps availability" ;;
	esac
	no_secrets "exit $1"
done

scenario "retries back off"
echo "$PORTS" >"$T/ports.txt"
echo 17 >"$T/prepare.rc"
handler setup wwan "{$BASE}"
t_has "$T/calls" "sleep 5" "second try waits 5 s"
echo 12 >"$T/run/wwan.fails"
handler setup wwan "{$BASE}"
t_has "$T/calls" "sleep 60" "wait is capped at 60 s"
t_hasnt "$T/calls" "sleep 65" "never longer"
rm -f "$T/run/wwan.fails"

scenario "no modem"
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan NO_DEVICE" "NO_DEVICE"
t_has "$T/netifd" "proto_set_available wwan 0" "unavailable"
t_eq "$(grep -c '^sleep 1$' "$T/calls")" 2 "waited maxwait=2 polls"
t_hasnt "$T/calls" "umodem prepare" "prepare not run"

scenario "modem appears just as the wait runs out"
# netifd kills setup when it marks the interface unavailable: teardown (no
# ERROR) looks again, without AT probes, as the tty hotplug script does.
echo "$PORTS" >"$T/ports.txt"
export FAKE_PORTS_AFTER=3
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan NO_DEVICE" "gave up waiting"
t_has "$T/netifd" "netifd_kills_setup wwan" "netifd killed setup as it went unavailable"
t_hasnt "$T/netifd" "setup_return" "nothing ran after proto_set_available 0"
handler teardown wwan "{$BASE}"
t_eq "$(grep proto_set_available "$T/netifd" | tr '\n' ' ')" "proto_set_available wwan 0 proto_set_available wwan 1 " "teardown marks it available again"
t_has "$T/calls" "umodem ports --no-probe" "teardown looked without AT probes"
t_has "$T/syslog" "a modem is there now: interface available again" "and said so"
: >"$T/netifd"
: >"$T/ports.txt"
handler setup wwan "{$BASE}"
handler teardown wwan "{$BASE}"
t_eq "$(grep proto_set_available "$T/netifd" | tr '\n' ' ')" "proto_set_available wwan 0 " "no modem at teardown either: stays unavailable"

scenario "modem appears while waiting"
echo "$PORTS" >"$T/ports.txt"
export FAKE_PORTS_AFTER=1
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_run_command wwan" "pppd started once the modem is there"
t_eq "$(grep -c '^umodem ports' "$T/calls")" 2 "polled twice"

scenario "device option, present"
mkdir -p "$T/dev"
: >"$T/dev/ttyUSB7"
handler setup wwan "{$BASE,\"device\":\"$T/dev/ttyUSB7\"}"
t_has "$T/calls" "umodem prepare --port $T/dev/ttyUSB7" "prepare on the configured device"
t_has "$T/netifd" "  argv $T/dev/ttyUSB7" "pppd on the configured device"

scenario "device option, absent"
echo "$PORTS" >"$T/ports.txt"
handler setup wwan "{$BASE,\"device\":\"$T/dev/ttyUSB9\"}"
t_has "$T/netifd" "proto_notify_error wwan NO_DEVICE" "missing configured device: NO_DEVICE"
t_has "$T/netifd" "proto_set_available wwan 0" "missing configured device: unavailable"

scenario "APN from the SIM"
echo "$PORTS" >"$T/ports.txt"
printf 'modem.0.sim.imsi=240021234567890\n' >"$T/info.txt"
printf ':240\n01\tonline.telia.se\n02\tbredband.tre.se\n:310\n410\tbroadband\tu\tp\n' >"$T/apn.tsv"
NETIFD_RUN=1 handler setup wwan '{"maxwait":1}'
task_wait wwan >/dev/null
t_has "$T/netifd" "  env UMODEM_APN=bredband.tre.se" "APN taken from the table"
t_has "$T/syslog" "using 'bredband.tre.se', the provider table's entry for network 24002" "choice logged with reason"
t_eq "$(cat "$T/optfile.copy")" "set AUTOIPV6=1" "no credentials: none in the options file"

scenario "APN from the SIM, 3-digit MNC with credentials"
echo "$PORTS" >"$T/ports.txt"
printf 'modem.0.sim.imsi=310410123456789\n' >"$T/info.txt"
NETIFD_RUN=1 handler setup wwan '{"maxwait":1}'
task_wait wwan >/dev/null
t_has "$T/netifd" "  env UMODEM_APN=broadband" "6-digit MCCMNC matched"
t_eq "$(cat "$T/optfile.copy" 2>/dev/null)" 'user "u"
password "p"
set AUTOIPV6=1' "table credentials go to the options file"

scenario "unknown network"
echo "$PORTS" >"$T/ports.txt"
printf 'modem.0.sim.imsi=999991234567890\n' >"$T/info.txt"
handler setup wwan '{"maxwait":1}'
t_hasnt "$T/netifd" "UMODEM_APN" "no APN exported"
t_has "$T/syslog" "none known for this SIM" "logged why"
t_has "$T/netifd" "proto_run_command wwan" "still dials"

scenario "hostile options"
echo "$PORTS" >"$T/ports.txt"
handler setup wwan "{$BASE,\"dialnumber\":\"*99#'; reboot; '\"}"
t_has "$T/netifd" "proto_notify_error wwan INVALID_OPTIONS" "bad dial number refused"
t_has "$T/netifd" "proto_block_restart wwan" "and not retried"
handler setup wwan "{$BASE,\"maxwait\":\"\$(reboot)\"}"
t_hasnt "$T/calls" "reboot" "nothing from the config executed"
handler setup wwan '{"apn": "x", "maxwait": ' 2>"$T/stderr"
t_has "$T/stderr" "json_load:" "parse error reported"
t_has "$T/netifd" "bad_config wwan" "malformed config JSON refused"

scenario "teardown after pppd exits"
for c in "8 NO_CARRIER NO_CARRIER" "8 - CONNECT_FAILED" "8 \$(reboot) CONNECT_FAILED" "2 - INVALID_OPTIONS" "11 - AUTH_FAILED" \
	"7 - NO_DEVICE" "16 - LINK_LOST"; do
	set -- $c
	: >"$T/netifd"
	rm -f "$T/run/wwan.connect"
	[ "$2" = - ] || echo "$2" >"$T/run/wwan.connect"
	ERROR="$1" handler teardown wwan "{$BASE}"
	t_has "$T/netifd" "proto_notify_error wwan $3" "pppd status $1 -> $3"
	t_has "$T/netifd" "proto_kill_command wwan" "pppd status $1: killed"
	case "$3" in
	INVALID_OPTIONS) t_has "$T/netifd" "proto_block_restart wwan" "status $1 blocks" ;;
	*) t_hasnt "$T/netifd" "proto_block_restart" "status $1 may retry" ;;
	esac
done

scenario "authfail: an auth failure blocks the restart (ppp.sh's meaning)"
for a in "" '"authfail":false' '"authfail":true'; do
	: >"$T/netifd"
	ERROR=19 handler teardown wwan "{$BASE${a:+,$a}}"
	t_has "$T/netifd" "proto_notify_error wwan AUTH_FAILED" "status 19 ${a:-(no authfail)}: AUTH_FAILED"
	case "$a" in
	*true) t_has "$T/netifd" "proto_block_restart wwan" "authfail: blocked" ;;
	*) t_hasnt "$T/netifd" "proto_block_restart" "${a:-no authfail}: retried" ;;
	esac
done

scenario "more pppd words than netifd takes"
echo "$PORTS" >"$T/ports.txt"
many=$(seq 1 40 | sed 's/^/opt/' | tr '\n' ' ')
handler setup wwan "{$BASE,\"pppd_options\":\"$many\"}"
t_has "$T/netifd" "proto_notify_error wwan INVALID_OPTIONS" "refused by the handler"
t_has "$T/syslog" "netifd takes at most 62: shorten pppd_options" "with the reason"
t_hasnt "$T/netifd" "proto_run_command" "nothing sent to netifd"
t_has "$T/netifd" "proto_block_restart wwan" "not retried"

scenario "netifd refuses the command anyway: counted, retried"
echo "$PORTS" >"$T/ports.txt"
rm -f "$T/run/wwan.fails"
# the stub refuses more than 30 exported variables, as netifd does
t_stub uci 'exit 1'
(
	cd "$ROOT/lib/netifd/proto" && NETIFD_LOG="$T/netifd" NETIFD_STATE="$T/netifd-state" \
		UMODEM_RUNDIR="$T/run" _EXPORT_VAR=0 "$BB" ash -c '
		. ../netifd-proto.sh
		i=0
		while [ $i -lt 30 ]; do proto_export "X$i=1"; i=$((i + 1)); done
		INCLUDE_ONLY=1 . ./umodem.sh
		json_load "{\"apn\":\"a\",\"maxwait\":1}"
		proto_umodem_setup wwan'
)
t_has "$T/netifd" "proto_run_command_refused wwan" "netifd (stand-in) refused it"
t_has "$T/netifd" "proto_notify_error wwan INTERNAL_ERROR" "setup reports it"
t_eq "$(cat "$T/run/wwan.fails") $(cat "$T/run/wwan.error")" "1 INTERNAL_ERROR" "counted: the next setup waits"
t_uci

scenario "a connect failure in the full chain"
echo "$PORTS" >"$T/ports.txt"
rm -f "$T/run/wwan.fails"
echo 20 >"$T/connect.rc"
echo NO_CARRIER >"$T/connect.status"
echo 8 >"$T/pppd.rc"
NETIFD_RUN=1 handler setup wwan "{$BASE}"
t_eq "$(task_wait wwan)" 8 "pppd exited 8"
t_has "$T/calls" "pppd connect_exit 20" "connect step failed"
t_has "$T/netifd" "task_exit wwan 8" "pppd gave up"
ERROR=8 handler teardown wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan NO_CARRIER" "netifd learns NO_CARRIER"
t_eq "$(cat "$T/run/wwan.fails")" 1 "counted as a quick failure (a bare number: the daemon's watchdog reads it)"
t_eq "$(cat "$T/run/wwan.error")" NO_CARRIER "the last error beside it"
no_secrets "chain"

for f in files/lib/netifd/proto/umodem.sh tests/shell/lib/netifd-stub.sh \
	tests/shell/lib/common.sh tests/shell/lib/fakes.sh "$0"; do
	"$BB" ash -n "$REPO/$f" 2>&1 && t_pass "ash -n $f" || t_fail "ash -n $f"
done

t_done
