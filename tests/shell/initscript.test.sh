# files/etc/init.d/umodem under a procd stand-in: the functions rc.common and
# procd.sh give an init script (procd_open_instance, procd_set_param, ...)
# record their calls, one line each; `uci -q get` reads a config file in uci
# syntax. The script is sourced as rc.common would source it.
# Run: busybox ash tests/shell/initscript.test.sh

REPO=$(pwd)
FILES="${UMODEM_FILES:-$REPO/files}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

# --- stand-ins ---------------------------------------------------------------
CONF="$T/umodem"
CALLS="$T/calls"
procd_open_instance() { echo "open_instance $*" >>"$CALLS"; }
procd_close_instance() { echo "close_instance" >>"$CALLS"; }
procd_set_param() { echo "set_param $*" >>"$CALLS"; }
procd_add_reload_trigger() { echo "reload_trigger $*" >>"$CALLS"; }
# uci -q get umodem.SECTION.OPTION from $CONF (named sections only); lists
# joined by spaces as uci does; missing: exit 1.
uci() {
	[ "$1" = -q ] && shift
	[ "$1" = get ] || return 2
	local key="$2" conf sec opt
	conf=${key%%.*}
	key=${key#*.}
	sec=${key%%.*}
	opt=${key#*.}
	[ "$conf" = umodem ] || return 1
	awk -v sec="$sec" -v opt="$opt" '
		function unq(s) { gsub(/^'\''|'\''$/, "", s); return s }
		$1 == "config" { cur = unq($3); next }
		cur == sec && ($1 == "option" || $1 == "list") && $2 == opt {
			v = $0; sub(/^[ \t]*(option|list)[ \t]+[^ \t]+[ \t]+/, "", v)
			out = out (n++ ? " " : "") unq(v)
		}
		END { if (!n) exit 1; print out }' "$CONF" 2>/dev/null
}

run() {
	: >"$CALLS"
	(
		. "$FILES/etc/init.d/umodem"
		start_service
		service_triggers
	)
}

# --- the script as a file ----------------------------------------------------
head -n 1 "$FILES/etc/init.d/umodem" | grep -qx '#!/bin/sh /etc/rc.common' || no "not an rc.common script"
[ -x "$FILES/etc/init.d/umodem" ] || no "init script not executable"
vars=$(sed -n 's/^\(START\|STOP\|USE_PROCD\)=//p' "$FILES/etc/init.d/umodem" | tr '\n' ' ')
set -- $vars
[ "$1" -gt 20 ] || no "START=$1 is not after network (20)"
[ "$2" -lt 90 ] || no "STOP=$2 is not before network (90)"
[ "$3" = 1 ] || no "USE_PROCD=$3"

# --- the config is a conffile in the SDK package too (our packer does it itself)
for f in files/etc/config/*; do
	grep -qx "${f#files}" openwrt/umodem/Makefile || no "${f#files} not in Package/umodem/conffiles"
done

# --- shipped defaults ----------------------------------------------------------
cp "$FILES/etc/config/umodem" "$CONF"
run
grep -qx 'set_param command /usr/sbin/umodem daemon --interval 30 --log-level info --watchdog 600 --watchdog-failures 3' "$CALLS" ||
	no "default command: $(cat "$CALLS")"
grep -qx 'set_param respawn 3600 5 0' "$CALLS" || no "no respawn: $(cat "$CALLS")"
grep -qx 'reload_trigger umodem' "$CALLS" || no "no reload trigger on config umodem"
[ "$(sed -n 1p "$CALLS")" = "open_instance " ] || no "first call is not procd_open_instance"
[ "$(sed -n '$p' "$CALLS")" = "reload_trigger umodem" ] || no "calls out of order: $(cat "$CALLS")"
grep -c close_instance "$CALLS" | grep -qx 1 || no "instance not closed once"
# the DNS guard defaults are there under the names the guard reads
[ "$(uci -q get umodem.dnsguard.bogus_dns)" = "10.11.12.13 10.11.12.14" ] || no "dnsguard.bogus_dns"
[ "$(uci -q get umodem.dnsguard.dns_retries)" = 3 ] || no "dnsguard.dns_retries"

# --- options given -------------------------------------------------------------
cat >"$CONF" <<'X'
config daemon 'daemon'
	option poll_interval '10'
	option log_level 'debug'
	option watchdog '1800'
	option watchdog_failures '5'
X
run
grep -qx 'set_param command /usr/sbin/umodem daemon --interval 10 --log-level debug --watchdog 1800 --watchdog-failures 5' "$CALLS" ||
	no "configured command: $(cat "$CALLS")"
printf "config daemon 'daemon'\n\toption watchdog '0'\n" >"$CONF"
run
grep -q -- ' --watchdog 0 ' "$CALLS" || no "watchdog off: $(cat "$CALLS")"

# --- bad values fall back to the defaults, nothing odd reaches argv -----------
cat >"$CONF" <<'X'
config daemon 'daemon'
	option poll_interval '5; reboot'
	option log_level 'loud'
	option watchdog '30'
	option watchdog_failures 'x; reboot'
X
run
grep -qx 'set_param command /usr/sbin/umodem daemon --interval 30 --log-level info --watchdog 600 --watchdog-failures 3' "$CALLS" ||
	no "bad values: $(cat "$CALLS")"
printf 'config daemon daemon\n\toption poll_interval 0\n' >"$CONF"
run
grep -q -- '--interval 30 ' "$CALLS" || no "interval 0 accepted: $(cat "$CALLS")"

# --- no config file at all: defaults ------------------------------------------
rm -f "$CONF"
run
grep -qx 'set_param command /usr/sbin/umodem daemon --interval 30 --log-level info --watchdog 600 --watchdog-failures 3' "$CALLS" ||
	no "no config: $(cat "$CALLS")"

# --- disabled: no instance, the trigger stays (enabling it reloads) -------------
printf "config daemon 'daemon'\n\toption enabled '0'\n" >"$CONF"
run
grep -q open_instance "$CALLS" && no "disabled but started: $(cat "$CALLS")"
grep -qx 'reload_trigger umodem' "$CALLS" || no "disabled: no reload trigger"

[ "$fail" = 0 ] && echo "init script: ok"
exit $fail
