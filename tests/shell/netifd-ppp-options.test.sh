# Issue 12: proto umodem is a true superset of proto 3g. A 3g config carrying every
# option of OpenWrt's 3g.sh and ppp.sh goes through the handler
# (files/lib/netifd/proto/umodem.sh, on the netifd stand-in); the pppd command line
# it asks netifd to run is checked against the one ppp.sh would build from the same
# config, written out by hand below from a reading of ppp.sh (ppp_generic_setup):
# the same words in the same order, but for two things this handler does on
# purpose:
# - user NAME password SECRET and the `set VAR=VALUE` words go into the 0600
#   options file pppd reads with `file` (secrets off argv; and netifd takes at
#   most 62 words: ppp.sh's line for this config has 69, which netifd refuses);
# - `connect` is the configured one (ppp.sh's meaning for proto ppp; 3g.sh sets
#   its chat script instead), `umodem connect` when none is configured.
# Run: busybox ash tests/shell/netifd-ppp-options.test.sh (from the repo root).

. tests/shell/lib/common.sh
. tests/shell/lib/fakes.sh

t_setup
fakes_install
netifd_root
t_uci
mkdir -p "$T/dev" "$ROOT/lib/functions"
: >"$T/dev/ttyUSB7"
DEV="$T/dev/ttyUSB7"
export FAKE_PIN=8328
# /lib/functions/network.sh, as far as `unnumbered` needs it: the subnets of an
# interface (network_get_subnets VAR IFACE), here lan's.
cat >"$ROOT/lib/functions/network.sh" <<'X'
network_get_subnets() {
	[ "$2" = lan ] || return 1
	eval "$1='10.0.0.1/32 192.168.1.1/24 172.16.0.1/16 192.168.2.1/24'"
}
X
echo 'modem.0.data=/dev/ttyUSB0
modem.0.control=/dev/ttyUSB2' >"$T/ports.txt"

# The interface as it is in /etc/config/network; pincode and password stay in
# uci, where the handler reads them; the rest is what netifd hands setup (every
# declared option, booleans as true/false).
uci_wwan password='pw 1'
ALL="{\"device\":\"$DEV\",\"apn\":\"internet.example\",\"service\":\"umts_only\",\"dialnumber\":\"*99#\",
\"username\":\"bob\",\"keepalive\":\"3,7\",\"keepalive_adaptive\":false,\"demand\":300,
\"pppd_options\":\"debug noipdefault\",\"connect\":\"/etc/ppp/my-connect\",
\"disconnect\":\"/etc/ppp/my-disconnect\",\"ipv6\":\"auto\",\"authfail\":true,\"mtu\":1400,
\"pppname\":\"mob0\",\"unnumbered\":\"lan\",\"reqprefix\":\"56\",\"persist\":true,\"maxfail\":5,
\"holdoff\":20,\"sourcefilter\":false,\"delegate\":false,\"norelease\":true,
\"peerdns\":false,\"ip6table\":\"100\",\"maxwait\":1}"

# argv: the words of the command setup gave netifd, one per line.
argv() { sed -n 's/^  argv //p' "$T/netifd"; }
words() { printf '%s\n' "$@"; }

echo "--- every option of 3g and ppp"
scenario "every option"
echo 'modem.0.data=/dev/ttyUSB0
modem.0.control=/dev/ttyUSB2' >"$T/ports.txt"
handler setup wwan "$(echo "$ALL" | tr -d '\n')"
t_has "$T/netifd" "proto_run_command wwan" "setup asked netifd to run pppd"
t_hasnt "$T/netifd" "proto_notify_error" "no error"

# ppp.sh, for this config: ifname from pppname; the local address from lan's
# subnets (the non-/32 one with the longest mask, the first of equals); keepalive
# FAILURES,INTERVAL without lcp-echo-adaptive (keepalive_adaptive off); ipv6 auto:
# +ipv6, AUTOIPV6, and then REQPREFIX and NORELEASE; IP6TABLE, PEERDNS,
# NOSOURCEFILTER (sourcefilter off), DELEGATE=0 (delegate off); demand with the
# precompiled filter; persist with its maxfail and holdoff; the credentials; the
# connect and disconnect scripts; the ip-up scripts, IPv6 ones included; mtu and
# mru; proto 3g's serial words and the device; pppd_options last, split.
PPPSH=$(words /usr/sbin/pppd nodetach ipparam wwan ifname mob0 192.168.1.1: \
	lcp-echo-interval 7 lcp-echo-failure 3 +ipv6 set AUTOIPV6=1 set REQPREFIX=56 \
	set NORELEASE=1 set IP6TABLE=100 set PEERDNS=0 set NOSOURCEFILTER=1 set DELEGATE=0 \
	nodefaultroute usepeerdns precompiled-active-filter /etc/ppp/filter demand idle 300 \
	persist maxfail 5 holdoff 20 user bob password 'pw 1' connect /etc/ppp/my-connect \
	disconnect /etc/ppp/my-disconnect ip-up-script /lib/netifd/ppp-up \
	ipv6-up-script /lib/netifd/ppp6-up ip-down-script /lib/netifd/ppp-down \
	ipv6-down-script /lib/netifd/ppp-down mtu 1400 mru 1400 noaccomp nopcomp novj \
	nobsdcomp noauth lock crtscts 115200 "$DEV" debug noipdefault)
t_eq "$(echo "$PPPSH" | wc -l)" 69 "(ppp.sh's line: 69 words, more than netifd's 62)"
# The same line with the credentials and the set words moved to the options file.
OPTFILE="$T/run/wwan.pppd"
WANT=$(echo "$PPPSH" | awk -v f="$OPTFILE" '
	skip { skip--; next }
	$0 == "set" { skip = 1; next }
	$0 == "user" { print "file"; print f; skip = 3; next }
	{ print }')
t_eq "$(argv)" "$WANT" "pppd's words: ppp.sh's, credentials and variables in the options file"
t_eq "$(argv | wc -l)" 53 "53 words: netifd takes them"
t_eq "$(cat "$OPTFILE")" 'user "bob"
password "pw 1"
set AUTOIPV6=1
set REQPREFIX=56
set NORELEASE=1
set IP6TABLE=100
set PEERDNS=0
set NOSOURCEFILTER=1
set DELEGATE=0' "the options file: ppp.sh's user, password and set words"
t_eq "$(stat -c %a "$OPTFILE")" 600 "options file 0600"
t_has "$T/netifd" "  env EXTENDPREFIX=1" "EXTENDPREFIX for ppp6-up, as proto 3g exports it"
t_has "$T/netifd" "  env UMODEM_APN=internet.example" "the APN for umodem connect"
t_has "$T/calls" "umodem prepare --port $DEV --service umts_only" "service and device reach the modem"
t_has "$T/calls" "prepare pin ok" "the PIN from uci reaches prepare by environment"
t_has "$T/netifd" "proto_add_host_dependency wwan  lan" "unnumbered: netifd told of the dependency on lan"
t_has "$T/syslog" "pppd's connect step is the configured one" "a configured connect is said in the log"
for f in "$T/netifd" "$T/handler.argv" "$T/calls" "$T/syslog"; do
	t_hasnt "$f" "8328" "no PIN in ${f##*/}"
	t_hasnt "$f" "pw 1" "no password in ${f##*/}"
done
# teardown: authfail turns an authentication failure into a blocked restart.
: >"$T/netifd"
ERROR=19 handler teardown wwan "$(echo "$ALL" | tr -d '\n')"
t_has "$T/netifd" "proto_notify_error wwan AUTH_FAILED" "auth failure reported"
t_has "$T/netifd" "proto_block_restart wwan" "authfail: not retried"

# One option changed at a time: the words ppp.sh's rules give.
# opt JSON_ADDITION: setup with the base config plus these options.
BASE="\"device\":\"$DEV\",\"apn\":\"a\",\"maxwait\":1"
opt() {
	scenario "$1"
	handler setup wwan "{$BASE${1:+,$1}}"
	ARGS=" $(argv | tr '\n' ' ')"
	FILE=$(cat "$OPTFILE" 2>/dev/null | tr '\n' ';')
}
has() { case "$ARGS" in *" $1 "*) t_pass "$2" ;; *) t_fail "$2: no '$1' in$ARGS" ;; esac; }
hasnt() { case "$ARGS" in *" $1 "*) t_fail "$2: '$1' in$ARGS" ;; *) t_pass "$2" ;; esac; }

opt ''
has "+ipv6" "ipv6 unset is auto: +ipv6"
t_eq "$FILE" "set AUTOIPV6=1;" "... with AUTOIPV6"
has "ipv6-up-script /lib/netifd/ppp6-up ip-down-script /lib/netifd/ppp-down ipv6-down-script /lib/netifd/ppp-down" "... and the IPv6 scripts"
has "ifname umodem-wwan" "ifname umodem-IFACE (ppp.sh's PROTO-IFACE)"
has "lcp-echo-interval 30 lcp-echo-failure 4 lcp-echo-adaptive" "keepalive default 4 misses 30 s apart, adaptive"
has "persist maxfail 3 holdoff 10" "persist unset: pppd redials 3 times, 10 s apart"
has "connect umodem connect --dial '*99***1#'" "umodem connect dials"
hasnt "demand" "no demand"
hasnt "disconnect" "no disconnect"

opt '"ipv6":"0","reqprefix":"56","norelease":true'
hasnt "+ipv6" "ipv6 0: no +ipv6"
hasnt "ipv6-up-script" "... no IPv6 scripts"
t_eq "$FILE" "" "... no AUTOIPV6, and REQPREFIX and NORELEASE only go with it"
opt '"ipv6":"1","reqprefix":"56","norelease":true'
has "+ipv6" "ipv6 1: +ipv6"
t_eq "$FILE" "" "... without the DHCPv6 client (no AUTOIPV6, REQPREFIX, NORELEASE)"
scenario "no IPv6 in the kernel"
UMODEM_IPV6_PROC="$T/no-such-dir" handler setup wwan "{$BASE,\"ipv6\":\"auto\"}"
ARGS=" $(argv | tr '\n' ' ')"
hasnt "+ipv6" "a kernel without IPv6: off, as ppp.sh"

opt '"keepalive":"0"'
hasnt "lcp-echo-interval" "keepalive 0: no LCP echo"
opt '"keepalive":"6"'
has "lcp-echo-interval 5 lcp-echo-failure 6 lcp-echo-adaptive" "keepalive N: N misses 5 s apart"
opt '"keepalive":"2 9","keepalive_adaptive":true'
has "lcp-echo-interval 9 lcp-echo-failure 2 lcp-echo-adaptive" "keepalive 'F I', adaptive"
opt '"keepalive":"x"'
t_has "$T/netifd" "proto_notify_error wwan INVALID_OPTIONS" "a keepalive that is not numbers: INVALID_OPTIONS (pppd would exit 2)"

opt '"persist":false'
has "nopersist maxfail 1" "persist off: nopersist, maxfail 1"
hasnt "holdoff" "... no holdoff unless set"
opt '"persist":true'
has "persist maxfail 0" "persist on: maxfail 0 (redial for ever)"
opt '"maxfail":7'
has "persist maxfail 7 holdoff 10" "maxfail alone"
opt '"demand":60'
has "precompiled-active-filter /etc/ppp/filter demand idle 60 persist" "demand"
opt '"pppname":"a-very-long-name0"'
t_has "$T/netifd" "proto_notify_error wwan INVALID_OPTIONS" "pppname over 15 characters: INVALID_OPTIONS"
opt '"unnumbered":"guest"'
t_has "$T/syslog" "unnumbered: interface 'guest' has no IPv4 address" "unnumbered without an address: not retried, as ppp.sh"
t_has "$T/netifd" "proto_block_restart wwan" "... blocked"
opt '"pppd_options":"debug *"'
has "debug *" "pppd_options split, never globbed"
opt '"dns":["9.9.9.9"],"peerdns":true,"metric":5,"defaultroute":false'
t_eq "$FILE" "set AUTOIPV6=1;set PEERDNS=1;" "peerdns reaches ppp-up as PEERDNS"

t_done
