# Shared helpers for the shell tests (sourced; run the tests with busybox ash
# from the repository root: `busybox ash tests/shell/NAME.test.sh`).
#
# t_setup makes a scratch dir $T with:
#   $T/bb    busybox applets only (so the scripts meet OpenWrt's tools, not GNU's)
#   $T/stub  fakes, first in PATH: logger, sleep, date, umodem, pppd, ifup, ifdown, uci
#   $T/calls every fake appends what it was asked to do here
#   $T/syslog  what went to logger
# sleep returns at once; with a simulated clock (t_clock: seconds in $T/clock) it
# moves the clock instead, and `date +%s` tells the clock's time.
# and sets PATH to $T/stub:$T/bb and nothing else.

REPO="${REPO:-$(pwd)}"
# The files the package installs: tests/shell/run sets UMODEM_FILES to them as
# packed (openwrt/tools/strip-sh.sh over files/); alone, a test reads files/.
FILES="${UMODEM_FILES:-$REPO/files}"
BB="$(command -v busybox)"
FAILS=0

t_fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

t_pass() {
	echo "ok: $*"
}

# t_grep FILE PATTERN WHAT: FILE must have a line matching the fixed string.
t_has() {
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		t_pass "$3"
	else
		t_fail "$3: no '$2' in $1:"
		sed 's/^/    /' "$1" 2>/dev/null
	fi
}

t_hasnt() {
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		t_fail "$3: unexpected '$2' in $1:"
		sed 's/^/    /' "$1"
	else
		t_pass "$3"
	fi
}

t_eq() {
	if [ "$1" = "$2" ]; then
		t_pass "$3"
	else
		t_fail "$3: got '$1', want '$2'"
	fi
}

t_done() {
	[ -n "$T" ] && [ -z "$T_KEEP" ] && rm -rf "$T"
	if [ "$FAILS" -eq 0 ]; then
		echo "PASS $0"
		exit 0
	fi
	echo "$FAILS check(s) FAILED in $0"
	exit 1
}

# A fake: t_stub NAME BODY (BODY is ash code; "$@" are the fake's arguments).
t_stub() {
	{
		echo "#!$BB ash"
		echo "T='$T'"
		echo "$2"
	} >"$T/stub/$1"
	chmod +x "$T/stub/$1"
}

t_setup() {
	local a
	T=$(mktemp -d /tmp/umodem-test.XXXXXX) || exit 1
	mkdir -p "$T/bb" "$T/stub"
	for a in sh ash awk sed grep cut tr head tail cat echo printf mkdir rm mv cp \
		ln chmod stat date env sort uniq wc test expr basename dirname readlink stty \
		touch ls find xargs mktemp sleep usleep seq true false kill id hexdump od cmp; do
		ln -s "$BB" "$T/bb/$a"
	done
	: >"$T/calls"
	: >"$T/syslog"
	t_stub logger 'echo "logger $*" >>"$T/syslog"'
	t_stub sleep '
echo "sleep $*" >>"$T/calls"
if [ -f "$T/clock" ]; then
	c=$(cat "$T/clock")
	awk -v c="$c" -v d="$1" "BEGIN { print c + d }" >"$T/clock"
fi
exit 0'
	t_stub date '
if [ "$1" = +%s ] && [ -f "$T/clock" ]; then
	awk -v c="$(cat "$T/clock")" "BEGIN { printf \"%d\\n\", 1700000000 + c }"
	exit 0
fi
exec "$T/bb/date" "$@"'
	export PATH="$T/stub:$T/bb"
	export T
}

# t_clock: start a simulated clock at 0 s (see t_setup).
t_clock() {
	echo 0 >"$T/clock"
}

# A `uci` in PATH backed by tests/shell/lib/uci-stub.sh, with its config in
# $T/etc/config and staged changes in $T/uci-save.
t_uci() {
	mkdir -p "$T/etc/config" "$T/uci-save"
	export UCI_STUB_CONFDIR="$T/etc/config" UCI_STUB_SAVEDIR="$T/uci-save"
	t_stub uci "exec '$BB' ash '$REPO/tests/shell/lib/uci-stub.sh' \"\$@\""
}
