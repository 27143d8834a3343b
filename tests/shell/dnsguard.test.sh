# files/etc/hotplug.d/iface/30-umodem-dnsguard with fake resolver files and
# recorded ifup/ifdown calls. Run: busybox ash tests/shell/dnsguard.test.sh

. tests/shell/lib/common.sh

SCRIPT="$FILES/etc/hotplug.d/iface/30-umodem-dnsguard"
t_setup
t_uci
export UMODEM_STATE_DIR="$T/state" UMODEM_RESOLV="$T/resolv.conf.auto"
t_stub ifup 'echo "ifup $*" >>"$T/calls"; echo "ifup $*" >>"$T/done"'
t_stub ifdown 'echo "ifdown $*" >>"$T/calls"'
# sleep returns at once, or, when $T/hold exists, waits (bounded) for $T/release.
t_stub sleep '
echo "sleep $*" >>"$T/calls"
[ -e "$T/hold" ] || exit 0
i=0
while [ ! -e "$T/release" ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
[ -e "$T/release" ] || echo "sleep gave up" >>"$T/calls"'

cat >"$T/etc/config/network" <<'X'
config interface 'wan'
	option proto 'dhcp'

config interface 'wwan'
	option proto 'umodem'
X

BOGUS='# Interface wan
nameserver 192.0.2.1
# Interface wwan
nameserver 10.11.12.13
nameserver 10.11.12.14'
GOOD='# Interface wwan
nameserver 80.251.201.177
nameserver 80.251.201.178'

# ifup_event: the hotplug call netifd makes; waits (bounded) for a reconnect
# it may have started in the background, then returns.
ifup_event() {
	rm -f "$T/done"
	ACTION=ifup INTERFACE="${1:-wwan}" DEVICE=umodem-wwan "$BB" ash "$SCRIPT"
	t_eq "$?" 0 "hotplug call exits 0"
}

# wait_reconnect: wait (bounded) until the background job ran ifup.
wait_reconnect() {
	i=0
	while [ ! -e "$T/done" ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
}

reset() {
	echo "--- $*"
	rm -rf "$T/state" "$T/done" "$T/hold" "$T/release"
	: >"$T/calls"
	: >"$T/syslog"
}

reset "bogus once"
echo "$BOGUS" >"$T/resolv.conf.auto"
ifup_event
wait_reconnect
t_has "$T/calls" "sleep 30" "first reconnect after 30 s"
t_has "$T/calls" "ifdown wwan" "ifdown"
t_has "$T/calls" "ifup wwan" "ifup"
t_has "$T/syslog" "network gave bogus DNS 10.11.12.13 10.11.12.14; reconnect 1 of 3 in 30s" "logged"
t_eq "$(cat "$T/state/dnsguard.wwan")" 1 "one retry used"
echo "$GOOD" >"$T/resolv.conf.auto"
: >"$T/calls"
ifup_event
t_eq "$(cat "$T/calls")" "" "good DNS: nothing scheduled"
[ -e "$T/state/dnsguard.wwan" ] && t_fail "state kept" || t_pass "state cleared"
t_has "$T/syslog" "look right after 1 reconnect(s)" "recovery logged"

reset "always bogus (bounded, growing delay)"
echo "$BOGUS" >"$T/resolv.conf.auto"
for n in 1 2 3 4 5 6; do
	ifup_event
	wait_reconnect
done
t_eq "$(grep -c '^ifup wwan' "$T/calls")" 3 "exactly dns_retries=3 reconnects"
t_eq "$(grep '^sleep' "$T/calls" | tr '\n' ' ')" "sleep 30 sleep 60 sleep 120 " "delays grow"
t_has "$T/syslog" "still bogus DNS 10.11.12.13 10.11.12.14 after 3 reconnect(s); keeping the link; set option dns" "gave up, logged"
t_eq "$(cat "$T/resolv.conf.auto")" "$BOGUS" "no fallback: resolver file untouched"

reset "always bogus with a fallback dns"
uci set network.wwan.dns_retries=1
uci add_list network.wwan.dns=9.9.9.9
uci commit network
printf '%s\nnameserver 9.9.9.9\n' "$BOGUS" >"$T/resolv.conf.auto"
ifup_event
wait_reconnect
ifup_event
t_eq "$(grep -c '^ifup wwan' "$T/calls")" 1 "dns_retries=1: one reconnect"
t_eq "$(cat "$T/resolv.conf.auto")" "# Interface wan
nameserver 192.0.2.1
# Interface wwan
nameserver 9.9.9.9" "bogus servers dropped, fallback and other interfaces kept"
t_has "$T/syslog" "keeping the link, using 9.9.9.9" "fallback logged"

reset "configured bogus list"
uci set network.wwan.dns_retries=2
uci add_list network.wwan.bogus_dns=198.51.100.7
uci commit network
printf '# Interface wwan\nnameserver 198.51.100.7\n' >"$T/resolv.conf.auto"
ifup_event
wait_reconnect
t_has "$T/calls" "ifup wwan" "own bogus list used"
printf '# Interface wwan\nnameserver 10.11.12.13\n' >"$T/resolv.conf.auto"
rm -rf "$T/state"
: >"$T/calls"
ifup_event
t_eq "$(cat "$T/calls")" "" "the default list is replaced by bogus_dns"
uci delete network.wwan.bogus_dns
uci commit network

reset "defaults from /etc/config/umodem's dnsguard section"
uci delete network.wwan.dns_retries
uci commit network
cp "$FILES/etc/config/umodem" "$T/etc/config/umodem"
t_eq "$(uci get umodem.dnsguard.bogus_dns)" "10.11.12.13 10.11.12.14" "the shipped section parses"
uci delete umodem.dnsguard.bogus_dns
uci add_list umodem.dnsguard.bogus_dns=203.0.113.53
uci set umodem.dnsguard.dns_retries=1
uci commit umodem
printf '# Interface wwan\nnameserver 203.0.113.53\n' >"$T/resolv.conf.auto"
ifup_event
wait_reconnect
t_has "$T/syslog" "network gave bogus DNS 203.0.113.53; reconnect 1 of 1 in 30s" "an interface without its own options takes both from umodem.dnsguard"
ifup_event
t_eq "$(grep -c '^ifup wwan' "$T/calls")" 1 "dns_retries 1 from umodem.dnsguard"
printf '# Interface wwan\nnameserver 10.11.12.13\n' >"$T/resolv.conf.auto"
rm -rf "$T/state"
: >"$T/calls"
ifup_event
t_eq "$(cat "$T/calls")" "" "umodem.dnsguard's list replaces the built-in one"
uci set network.wwan.dns_retries=2
uci add_list network.wwan.bogus_dns=10.11.12.13
uci commit network
ifup_event
wait_reconnect
t_has "$T/syslog" "network gave bogus DNS 10.11.12.13; reconnect 1 of 2" "the interface's own options win"
uci delete network.wwan.bogus_dns
uci delete network.wwan.dns_retries
uci commit network
rm "$T/etc/config/umodem"

reset "the hotplug call does not wait for the reconnect"
echo "$BOGUS" >"$T/resolv.conf.auto"
: >"$T/hold"
out=$(ACTION=ifup INTERFACE=wwan "$BB" ash "$SCRIPT")
t_hasnt "$T/calls" "ifup wwan" "returned before the reconnect"
: >"$T/release"
wait_reconnect
t_has "$T/calls" "ifup wwan" "reconnect ran afterwards"
t_hasnt "$T/calls" "sleep gave up" "hotplug call returned while the delay ran"

reset "a good ifup during the delay cancels the reconnect"
echo "$BOGUS" >"$T/resolv.conf.auto"
: >"$T/hold"
ACTION=ifup INTERFACE=wwan "$BB" ash "$SCRIPT"
echo "$GOOD" >"$T/resolv.conf.auto"
ACTION=ifup INTERFACE=wwan "$BB" ash "$SCRIPT"
: >"$T/release"
i=0
while ! grep -q 'no longer needed' "$T/syslog" && [ $i -lt 50 ]; do
	usleep 100000
	i=$((i + 1))
done
t_has "$T/syslog" "reconnect for bogus DNS no longer needed" "pending reconnect dropped"
t_hasnt "$T/calls" "ifup wwan" "no reconnect after good DNS"

reset "other interfaces and events"
echo "$BOGUS" >"$T/resolv.conf.auto"
ACTION=ifup INTERFACE=wan "$BB" ash "$SCRIPT"
ACTION=ifdown INTERFACE=wwan "$BB" ash "$SCRIPT"
ACTION=ifup INTERFACE='wwan;reboot' "$BB" ash "$SCRIPT"
t_eq "$(cat "$T/calls")" "" "not umodem / not ifup / bad name: nothing"

"$BB" ash -n "$SCRIPT" && t_pass "ash -n" || t_fail "ash -n"
t_done
