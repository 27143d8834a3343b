# End to end without a router, issue 15: the netifd handler (on the netifd
# stand-in) with the real umodem binary (ports, prepare with the PIN, info for the
# IMSI, at for the data call) against the virtual E3372 with stick firmware
# (umodem-sim --model e3372) on ptys, behind a sysfs tree of the E3372s
# (tests/fixtures/sysfs/mk-at-tree.sh: its PCUI and modem ports linked to the
# sim's, its NCM interface wwan0). The data call is the sim's own ^NDISDUP.
# Run: busybox ash tests/shell/e2e-ncm.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

e2e_build

t_setup
netifd_root
t_uci
netifd_ubus
uci_wwan
ln -s "$BIN/umodem" "$T/stub/umodem"
printf ':240\n02\tinternet\n' >"$T/apn.tsv"

sh "$REPO/tests/fixtures/sysfs/mk-at-tree.sh" "$T/sys" e3372s || t_fail "sysfs tree"
SIMPID=
sim_start() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null
	rm -rf "$T/sim" "$T/dev"
	mkdir -p "$T/sim" "$T/dev"
	"$BIN/umodem-sim" --dir "$T/sim/dev" --model e3372 --reg-delay-ms 0 --boot-interval-ms 0 \
		"$@" >"$T/sim/out" 2>&1 &
	SIMPID=$!
	i=0
	while ! grep -q ready "$T/sim/out" 2>/dev/null && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	grep -q ready "$T/sim/out" || t_fail "sim did not start: $(cat "$T/sim/out")"
	# The E3372s: ttyUSB0 its PCUI (the sim's ttyUSB2), ttyUSB1 its modem port.
	ln -s "$T/sim/dev/ttyUSB2" "$T/dev/ttyUSB0"
	ln -s "$T/sim/dev/ttyUSB0" "$T/dev/ttyUSB1"
	export UMODEM_SYSFS="$T/sys" UMODEM_DEV="$T/dev"
}
sim_ctl() { "$BIN/umodem-sim" ctl "$T/sim/dev" "$@"; }
ndis() { sim_ctl status | tr ' ' '\n' | sed -n 's/^ndis=//p'; }

scenario "PIN, APN from the SIM, the NCM data call, DHCP handed to netifd"
sim_start --pin 8328 --apn internet
handler setup wwan '{"maxwait":5}'
t_has "$T/syslog" "wwan: data path ncm (modem: control $T/dev/ttyUSB0, data $T/dev/ttyUSB1, network wwan0 cdc_ncm 02/0d/00)" "NCM chosen"
t_eq "$(sim_ctl status | tr ' ' '\n' | grep '^sim=')" "sim=ready" "SIM unlocked by umodem prepare"
t_has "$T/syslog" "no apn set; using 'internet', the provider table's entry for network 24002" "APN from the IMSI"
t_eq "$(ndis)" true "the stick's data call is up"
t_has "$T/syslog" "wwan: data call up on $T/dev/ttyUSB0" "the handler saw it come up"
t_has "$T/netifd" 'proto_send_update wwan up l3=wwan0 ipaddr= route= dns= msg={"data":{"datapath":"ncm"}}' "wwan up on wwan0"
t_has "$T/netifd" "add_dynamic wwan_4 proto=dhcp device=@wwan" "DHCP as wwan_4"
t_hasnt "$T/netifd" "proto_notify_error" "no error"
for f in "$T/netifd" "$T/handler.argv" "$T/syslog"; do
	t_hasnt "$f" 8328 "the PIN is in no argv or log (${f##*/})"
done
: >"$T/syslog"
handler teardown wwan '{"maxwait":5}'
t_eq "$(ndis)" false "teardown ends the data call"
t_has "$T/syslog" "wwan: data call ended" "and says so"

scenario "a wrong APN: refused by the network (cause 27), counted, retried"
sim_start --no-pin --apn internet
rm -f "$T/run/wwan.fails"
handler setup wwan '{"apn":"wrong","maxwait":5}'
t_has "$T/netifd" "proto_notify_error wwan APN_REFUSED" "APN_REFUSED"
t_has "$T/syslog" "the network refused the data call (cause 27)" "the network's cause logged"
t_hasnt "$T/netifd" "proto_block_restart" "retried"
t_eq "$(cat "$T/run/wwan.fails")" 1 "counted"
t_hasnt "$T/netifd" "proto_init_update" "never up"

scenario "the stick is gone before the call"
sim_start --no-pin
sim_ctl unplug >/dev/null
handler setup wwan '{"maxwait":2}'
t_has "$T/netifd" "proto_notify_error wwan NO_DEVICE" "NO_DEVICE"

kill "$SIMPID" 2>/dev/null
wait "$SIMPID" 2>/dev/null
t_done
