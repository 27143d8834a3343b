# The handler's choice of data path (issue 15) for every combination of
# interfaces a stick can show: `umodem ports` is the real binary's answer for a
# sysfs tree of each (tests/fixtures/sysfs/mk-at-tree.sh), then the handler runs
# on the netifd stand-in with fake prepare/at/pppd; and the NCM data call, the
# DHCP sub-interfaces, teardown and the pacing of NCM failures.
# Run: busybox ash tests/shell/netifd-datapath.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug"
cargo build -q --bin umodem || {
	echo "FAIL: cargo build"
	exit 1
}

t_setup
fakes_install
netifd_root
t_uci
netifd_ubus
uci_wwan
export FAKE_PIN=8328

# ports SCENARIO: what the real `umodem ports` says of that stick's sysfs tree
# (its ttys under $T/dev, where nothing answers an AT probe).
ports() {
	rm -rf "$T/sys"
	sh "$REPO/tests/fixtures/sysfs/mk-at-tree.sh" "$T/sys" "$1" || t_fail "tree $1"
	UMODEM_SYSFS="$T/sys" UMODEM_DEV="$T/dev" "$BIN/umodem" ports --log-level off >"$T/ports.txt"
}

BASE='"apn":"internet.example","maxwait":2'
# setup_on SCENARIO [JSON-EXTRA]: one setup of wwan on that stick (clock starts at 0).
setup_on() {
	scenario "$1${2:+ with $2}"
	t_clock
	rm -f "$T/run/wwan.fails" "$T/run/wwan.error"
	ports "$1"
	handler setup wwan "{$BASE${2:+,$2}}"
}

# What setup did: ppp (pppd started), ncm, ecm, or the error code and whether
# restart was blocked.
outcome() {
	if grep -q "proto_run_command wwan" "$T/netifd"; then
		echo ppp
	elif grep -q "proto_send_update wwan up" "$T/netifd"; then
		sed -n 's/^proto_send_update wwan up .* msg={"data":{"datapath":"\([a-z]*\)"}}$/\1/p' "$T/netifd"
		grep -q 'add_dynamic wwan_4 proto=dhcp device=@wwan' "$T/netifd" || echo "(no DHCP)"
	else
		sed -n 's/^proto_notify_error wwan //p' "$T/netifd"
		grep -q "proto_block_restart wwan" "$T/netifd" && echo blocked
	fi
}

echo "=== option mode auto: every combination of interfaces"
for c in \
	"e367 ppp" \
	"e3372h ecm" \
	"e3372h-rndis ecm" \
	"e3372s ncm" \
	"e3372s-huawei ncm" \
	"e3372s-nomodem ncm" \
	"e3372s-nodriver ppp" \
	"control-only ppp" \
	"e3372h-nodriver MISSING_KMOD kmod-usb-net-cdc-ether blocked" \
	"rndis-nodriver MISSING_KMOD kmod-usb-net-rndis blocked" \
	"e3372s-nomodem-nodriver MISSING_KMOD kmod-usb-net-huawei-cdc-ncm blocked" \
	"ncm-noat NO_DATA_PATH blocked" \
	"qmi USE_PROTO_QMI blocked" \
	"mbim USE_PROTO_MBIM blocked"; do
	set -- $c
	s="$1"
	shift
	setup_on "$s"
	t_eq "$(outcome | tr '\n' ' ' | sed 's/ $//')" "$*" "$s: $*"
	case "$*" in
	*blocked) t_eq "$(cat "$T/run/wwan.fails")" 0 "$s: not counted (a person must act)" ;;
	esac
done

echo "=== option mode insists"
for c in \
	"e3372h ppp NO_DATA_PATH blocked" \
	"e3372h ncm NO_DATA_PATH blocked" \
	"e3372h ecm ecm" \
	"e3372s ppp ppp" \
	"e3372s ecm ecm" \
	"e3372s ncm ncm" \
	"e367 ncm NO_DATA_PATH blocked" \
	"e367 ecm NO_DATA_PATH blocked" \
	"e367 auto ppp" \
	"e3372h bogus INVALID_OPTIONS blocked"; do
	set -- $c
	s="$1"
	m="$2"
	shift 2
	setup_on "$s" "\"mode\":\"$m\""
	t_eq "$(outcome | tr '\n' ' ' | sed 's/ $//')" "$*" "$s, mode $m: $*"
done

echo "=== what each path does"
setup_on e3372h
t_hasnt "$T/calls" "umodem prepare" "HiLink: no SIM or PIN to handle (the stick's own web interface has it)"
t_hasnt "$T/calls" "umodem at" "HiLink: no AT"
t_has "$T/netifd" "proto_init_update eth0 1" "HiLink: the interface is up on eth0 ..."
t_has "$T/netifd" 'add_dynamic wwan_4 proto=dhcp device=@wwan {"name":"wwan_4","ifname":"@wwan","proto":"dhcp"}' \
	"... DHCP as wwan_4 on @wwan"
t_has "$T/netifd" 'add_dynamic wwan_6 proto=dhcpv6 device=@wwan {"name":"wwan_6","ifname":"@wwan","proto":"dhcpv6","extendprefix":"1"}' \
	"... DHCPv6 as wwan_6, extendprefix as ncm.sh"
t_has "$T/syslog" "wwan: data path ecm (modem: control -, data -, network eth0 cdc_ether 02/06/00)" "the choice and why, logged"
handler teardown wwan "{$BASE}"
t_hasnt "$T/calls" "umodem at" "HiLink teardown: no AT"

setup_on e3372h '"ipv6":"0","peerdns":false,"defaultroute":false,"metric":20'
t_has "$T/netifd" '{"name":"wwan_4","ifname":"@wwan","proto":"dhcp","defaultroute":false,"peerdns":false,"metric":20}' \
	"peerdns, defaultroute and metric go to the DHCP sub-interface (proto_add_dynamic_defaults)"
t_hasnt "$T/netifd" "wwan_6" "ipv6 0: no DHCPv6"

setup_on e3372s
t_has "$T/calls" "umodem prepare --port $T/dev/ttyUSB0" "NCM: SIM and PIN as for PPP, on the PCUI"
t_has "$T/calls" "prepare pin ok" "(PIN by environment)"
t_eq "$(cat "$T/at.in")" 'AT+CGDCONT=1,"IPV4V6","internet.example"
AT^NDISDUP=1,1,"internet.example"
AT^NDISSTATQRY?' "NCM: the context, AT^NDISDUP with the APN, then the call's state"
t_has "$T/calls" "umodem at --port $T/dev/ttyUSB0" "on the PCUI"
t_has "$T/netifd" "proto_init_update wwan0 1" "then up on wwan0 ..."
t_has "$T/netifd" "add_dynamic wwan_4 proto=dhcp device=@wwan" "... with DHCP"
t_hasnt "$T/netifd" "proto_run_command" "no pppd"
: >"$T/at.in"
: >"$T/calls"
: >"$T/netifd"
handler teardown wwan "{$BASE}"
t_eq "$(cat "$T/at.in")" 'AT^NDISDUP=1,0' "teardown ends the data call"
t_has "$T/calls" "umodem at --port $T/dev/ttyUSB0 --timeout 1" "bounded (netifd kills a teardown after 5 s)"
[ -e "$T/run/wwan.ndis" ] && t_fail "call record left behind" || t_pass "call record removed"
t_hasnt "$T/netifd" "proto_send_update" "teardown sends netifd nothing (it would refuse it)"

echo "--- after a boot (/var/run empty): the call record is written, teardown ends the call"
rm -rf "$T/run"
setup_on e3372s
t_eq "$(outcome | head -n 1)" ncm "NCM up with no run folder at first"
: >"$T/at.in"
handler teardown wwan "{$BASE}"
t_eq "$(cat "$T/at.in")" 'AT^NDISDUP=1,0' "teardown ends the data call all the same"

echo "--- NCM with a login and the APN from the table"
printf ':240\n02\tdata.tre.se\ttre\ttrepw\n' >"$T/apn.tsv"
scenario "e3372s, login from the table"
t_clock
ports e3372s
echo "modem.imsi=240021234567890" >"$T/info.txt"
handler setup wwan '{"maxwait":2,"auth":"pap"}'
t_eq "$(sed -n 2p "$T/at.in")" 'AT^NDISDUP=1,1,"data.tre.se","tre","trepw",1' "APN, user, password and PAP (1) in the call"
for f in "$T/calls" "$T/handler.argv" "$T/netifd" "$T/syslog"; do
	t_hasnt "$f" trepw "the password is in no argv or log (${f##*/})"
done
setup_on e3372s '"username":"a\"b"'
t_eq "$(outcome | tr '\n' ' ' | sed 's/ $//')" "INVALID_OPTIONS blocked" 'a " cannot go into an AT string: refused'
t_hasnt "$T/calls" "umodem at" '(nothing sent)'

echo "--- NCM failures are counted and paced like the others"
# fail_on SCENARIO: set the stick up; the test scripts the fakes, then runs setup.
fail_on() {
	scenario "$1"
	t_clock
	rm -f "$T/run/wwan.fails" "$T/run/wwan.error"
	ports "$1"
}
fail_on e3372s
printf '%s\n' '^NDISSTATQRY: 0,,,"IPV4"' '^NDISSTATQRY: 0,33,,"IPV4"' >"$T/ndisstat"
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan APN_REFUSED" "cause 33 after a pending answer: APN_REFUSED"
t_hasnt "$T/netifd" "proto_block_restart" "retried"
t_eq "$(cat "$T/run/wwan.fails")" 1 "counted"
t_hasnt "$T/netifd" "proto_init_update" "never up"
printf '%s\n' '^NDISSTATQRY: 0,38,,"IPV4"' >"$T/ndisstat"
rm -f "$T/ndisstat.n"
: >"$T/calls"
handler setup wwan "{$BASE}"
t_has "$T/calls" "sleep 5" "the next setup waits 5 s first"
t_has "$T/netifd" "proto_notify_error wwan CONNECT_FAILED" "another cause: CONNECT_FAILED"
t_eq "$(cat "$T/run/wwan.fails")" 2 "counted again"

fail_on e3372s
printf '%s\n' '^NDISSTATQRY: 0,,,"IPV4"' >"$T/ndisstat"
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan CONNECT_FAILED" "a call that never comes up: CONNECT_FAILED ..."
t_eq "$(cat "$T/clock")" 20 "... after 20 s of asking, once a second"

fail_on e3372s
echo 17 >"$T/at.rc"
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan CONNECT_FAILED" "the modem refuses AT^NDISDUP: CONNECT_FAILED, counted"
t_eq "$(cat "$T/run/wwan.fails")" 1 "(counted)"

fail_on e3372s
echo 10 >"$T/at.rc"
handler setup wwan "{$BASE}"
t_has "$T/netifd" "proto_notify_error wwan NO_DEVICE" "the stick went away: NO_DEVICE ..."
t_has "$T/netifd" "proto_set_available wwan 0" "... unavailable until it is back"

fail_on e3372s
echo 17 >"$T/ndisstat.rc"
echo 'COMMAND NOT SUPPORT' >"$T/ndisstat"
handler setup wwan "{$BASE}"
t_eq "$(outcome | head -n 1)" ncm "a stick that cannot say: DHCP decides"

echo "--- a network function still without its driver is waited for"
scenario "e3372s: NCM bound after 1 s"
t_clock
ports e3372s-nodriver
cp "$T/ports.txt" "$T/ports.early"
ports e3372s
mv "$T/ports.txt" "$T/ports.late"
# the fake `umodem ports` answers early, then late (its driver bound)
cp "$T/ports.early" "$T/ports.txt"
t_stub sleep 'echo "sleep $*" >>"$T/calls"; c=$(cat "$T/clock"); echo $((c + $1)) >"$T/clock"; cp "$T/ports.late" "$T/ports.txt"'
handler setup wwan "{$BASE}"
t_eq "$(outcome | head -n 1)" ncm "the choice waits for cdc_ncm, then takes NCM (not PPP)"

echo "=== under the model of netifd's loop"
setups() { grep -c '^setup wwan$' "$T/netifd"; }
waits() { sed -n 's/.*waiting \([0-9]*\)s$/\1/p' "$T/syslog" | tr '\n' ' ' | sed 's/ $//'; }
fail_on e3372s
echo '^NDISSTATQRY: 0,33,,"IPV4"' >"$T/ndisstat"
NM_UNTIL=60 NM_MAX_SETUPS=100 model wwan "{$BASE}"
n=$(setups)
[ "$n" -le 5 ] && t_pass "a refused NCM call: $n setups in a simulated minute (at most 5)" ||
	t_fail "a refused NCM call: $n setups in a minute: $(grep netifd-loop "$T/netifd")"
t_eq "$(waits)" "5 10 20 40" "each wait longer than the last"
t_eq "$(grep -c "proto_notify_error wwan APN_REFUSED" "$T/netifd")" "$n" "APN_REFUSED at each setup"
t_hasnt "$T/netifd" "teardown_killed" "every teardown within netifd's 5 s"

# A HiLink stick to a lease: the DHCP sub-interface runs the dhcp proto stand-in
# (busybox udhcpc faked: a lease, then it runs until stopped); ifdown takes the
# sub-interface away with its parent.
cp "$REPO/tests/shell/lib/dhcp-proto.sh" "$ROOT/lib/netifd/proto/dhcp.sh"
cp "$REPO/tests/shell/lib/dhcp-script.sh" "$ROOT/lib/netifd/dhcp.script"
t_stub udhcpc '
while [ $# -gt 0 ]; do case "$1" in -i) shift; i="$1" ;; -s) shift; s="$1" ;; esac; shift; done
echo "udhcpc -i $i" >>"$T/calls"
interface="$i" ip=192.168.8.100 subnet=255.255.255.0 router=192.168.8.1 dns=192.168.8.1 ash "$s" bound
trap "exit 0" TERM
while :; do usleep 20000; done'
fail_on e3372h
(
	export NETIFD_RUN=1 NM_SIM=1 NM_CLOCK="cat '$T/clock'" NETIFD_LOG="$T/netifd" NETIFD_STATE="$T/netifd-state" \
		NM_PROTO_DIR="$ROOT/lib/netifd/proto" NM_SH="$BB ash" NETIFD_MAIN_DIR="$ROOT/lib/netifd" NM_MAX_SETUPS=1
	. "$REPO/tests/shell/lib/netifd-model.sh"
	netifd_model wwan '{"maxwait":2,"ipv6":"0"}'
) >/dev/null 2>&1 &
pid=$!
n=0
while ! grep -q "proto_send_update wwan_4 up" "$T/netifd" 2>/dev/null && [ $n -lt 200 ]; do usleep 50000; n=$((n + 1)); done
t_has "$T/netifd" "proto_send_update wwan up l3=eth0" "wwan up on the HiLink stick's eth0"
t_has "$T/calls" "udhcpc -i eth0" "netifd's DHCP on it"
t_has "$T/netifd" "proto_send_update wwan_4 up l3=eth0 ipaddr=192.168.8.100/255.255.255.0// route=0.0.0.0/0/192.168.8.1/192.168.8.100 dns=192.168.8.1" \
	"the stick's lease: address, default route, DNS on wwan_4"
t_eq "$(cat "$T/run/wwan.fails" 2>/dev/null || echo 0)" 0 "nothing counted"
(
	NETIFD_STATE="$T/netifd-state"
	. "$REPO/tests/shell/lib/netifd-model.sh"
	netifd_ifdown wwan
	touch "$T/netifd-state/wwan.stop"
)
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do usleep 50000; n=$((n + 1)); done
t_has "$T/netifd" "dynamic wwan_4: device @wwan gone: teardown, removed" "ifdown: the DHCP sub-interface goes with it"
t_has "$T/netifd" "teardown_return wwan 0" "then wwan's teardown"

t_done
