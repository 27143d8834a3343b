# Issue 12: no restart storm. The handler files/lib/netifd/proto/umodem.sh under
# the model of netifd's loop (tests/shell/lib/netifd-model.sh: teardown with no
# ERROR after a failed setup, setup again at once) on a simulated clock: every
# way setup can fail is paced, and teardown after pppd exits keeps its rules.
# Run: busybox ash tests/shell/netifd-backoff.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

t_setup
fakes_install
netifd_root
t_uci
: >"$T/etc/config/network"
PORTS='modem.0.usb=12d1:1506
modem.0.data=/dev/ttyUSB0
modem.0.control=/dev/ttyUSB2'
CFG='{"apn":"internet","maxwait":2}'

# setups: how many setups the model ran; waits: the handler's waits, in order.
setups() { grep -c '^setup wwan$' "$T/netifd"; }
waits() { sed -n 's/.*waiting \([0-9]*\)s$/\1/p' "$T/syslog" | tr '\n' ' ' | sed 's/ $//'; }
# starts: the clock (s) at each setup, from the handler's log of the ports.
fresh() {
	scenario "$@"
	t_clock
	rm -f "$T/run/wwan.fails" "$T/run/wwan.error"
	echo "$PORTS" >"$T/ports.txt"
}

for c in "17 MODEM_ERROR" "16 SIM_FAILURE" "1 PREPARE_FAILED"; do
	set -- $c
	fresh "prepare fails with $1 ($2) for a simulated minute"
	echo "$1" >"$T/prepare.rc"
	echo 1 >"$T/prepare.secs" # the modem answers within a second
	NM_UNTIL=60 NM_MAX_SETUPS=100 model wwan "$CFG"
	n=$(setups)
	[ "$n" -le 5 ] && t_pass "$2: $n setups in a minute (at most 5)" ||
		t_fail "$2: $n setups in a minute: $(grep netifd-loop "$T/netifd")"
	t_eq "$(waits)" "5 10 20 40" "$2: each wait longer than the last"
	t_has "$T/syslog" "4 failed attempt(s) in a row (last: $2), waiting 40s" "$2: the wait and its cause logged"
	t_eq "$(grep -c "proto_notify_error wwan $2" "$T/netifd")" "$n" "$2: reported at each setup"
	t_hasnt "$T/netifd" "proto_block_restart" "$2: retried, not blocked"
	t_hasnt "$T/netifd" "teardown_killed" "$2: every teardown within netifd's 5 s"
done

fresh "a modem answering ERROR for ten simulated minutes"
echo 17 >"$T/prepare.rc"
echo 1 >"$T/prepare.secs"
NM_UNTIL=600 NM_MAX_SETUPS=100 model wwan "$CFG"
n=$(setups)
[ "$n" -le 14 ] && t_pass "$n setups in 10 minutes (at most 14: 5 in the first, then one a minute)" ||
	t_fail "$n setups in 10 minutes"
t_eq "$(waits | tr ' ' '\n' | sort -u | tail -n 1)" 60 "the wait stops growing at 60 s"

fresh "the modem recovers: the count starts afresh after a link that lived"
echo 17 >"$T/prepare.rc"
NM_MAX_SETUPS=3 model wwan "$CFG"
t_eq "$(cat "$T/run/wwan.fails") $(cat "$T/run/wwan.error")" "3 MODEM_ERROR" "three failures counted, the last error kept"
: >"$T/syslog"
: >"$T/netifd"
rm -f "$T/prepare.rc"
echo 70 >"$T/pppd.secs" # online for 70 s, then the link drops (pppd exits 16)
echo 16 >"$T/pppd.rc"
NM_MAX_SETUPS=2 model wwan "$CFG"
t_eq "$(waits)" "20" "the first setup still waits"
t_has "$T/syslog" "pppd exited with status 16 (LINK_LOST)" "teardown reported pppd's exit"
t_eq "$(cat "$T/run/wwan.fails")" 0 "a link that lived a minute clears the count"
t_eq "$(grep -c '^teardown wwan$' "$T/netifd")" 2 "teardown after each setup"

fresh "teardown after pppd exits, quickly: counted, the next setup waits"
echo 8 >"$T/pppd.rc"
echo 30 >"$T/pppd.secs" # pppd tries its 3 dials, then gives up
echo NO_CARRIER >"$T/connect.status"
NM_MAX_SETUPS=4 model wwan "$CFG"
t_eq "$(grep -c "proto_notify_error wwan NO_CARRIER" "$T/netifd")" 4 "NO_CARRIER at each teardown"
t_eq "$(waits)" "5 10 20" "growing waits between pppd runs"
t_eq "$(cat "$T/clock")" 155 "4 runs of pppd (30 s each) and 35 s of waits"

fresh "no modem: one setup, then nothing until the tty hotplug script says available"
: >"$T/ports.txt"
NM_UNTIL=60 NM_MAX_SETUPS=100 model wwan "$CFG"
t_eq "$(setups)" 1 "one setup"
t_has "$T/netifd" "netifd-idle wwan autostart=1 available=0" "netifd waits for the modem"
t_has "$T/netifd" "netifd_kills_setup wwan" "netifd killed the setup that set it unavailable"
t_eq "$(cat "$T/run/wwan.fails") $(cat "$T/run/wwan.error")" "1 NO_DEVICE" "counted"

fresh "a modem the tty script sees but setup does not: paced all the same"
: >"$T/ports.txt"
echo "$PORTS" >"$T/ports-noprobe.txt"
NM_UNTIL=120 NM_MAX_SETUPS=100 model wwan "$CFG"
n=$(setups)
[ "$n" -le 6 ] && t_pass "$n setups in 2 minutes" || t_fail "$n setups in 2 minutes"
t_eq "$(waits)" "$(waits | cut -d' ' -f1-$((n - 1)))" "a wait before each setup after the first"
t_has "$T/syslog" "waiting 20s" "and the waits grow"
t_eq "$(grep -c 'a modem is there now' "$T/syslog")" "$n" "each teardown found the modem again"

fresh "PIN rejected: one setup, blocked, no count left for the person's ifup"
echo 13 >"$T/prepare.rc"
echo 2 >"$T/run/wwan.fails"
echo MODEM_ERROR >"$T/run/wwan.error"
NM_UNTIL=60 NM_MAX_SETUPS=100 model wwan "$CFG"
t_eq "$(setups)" 1 "one setup"
t_has "$T/netifd" "netifd-idle wwan autostart=0 available=1" "netifd waits for ifup"
t_eq "$(cat "$T/run/wwan.fails")" 0 "count cleared: the ifup will not wait"
[ -e "$T/run/wwan.error" ] && t_fail "last error kept" || t_pass "last error cleared with it"

fresh "ifdown while pppd runs: the count stays, a minute's link clears it"
echo 3 >"$T/run/wwan.fails"
echo NO_CARRIER >"$T/run/wwan.error"
echo 30 >"$T/pppd.secs"
NM_MAX_SETUPS=1 NM_ON_SETUP='netifd_ifdown wwan' model wwan "$CFG"
t_has "$T/netifd" "proto_kill_command wwan" "teardown stopped pppd"
t_has "$T/netifd" "hotplug ifdown wwan" "netifd says ifdown"
t_eq "$(cat "$T/run/wwan.fails")" 3 "a 0 s link does not clear the count"

for f in "$REPO/tests/shell/lib/netifd-model.sh" "$0"; do
	"$BB" ash -n "$f" && t_pass "ash -n ${f##*/}" || t_fail "ash -n $f"
done
t_done
