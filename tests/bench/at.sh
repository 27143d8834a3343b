#!/bin/sh
# Benchmark: port detection and `umodem info` against the virtual E367, and,
# side by side in the same run, Debian's `gcom info` (package comgt) on the
# same PCUI port; then how long `info` and `prepare` take in the worst case, a
# modem that falls silent. Prints mean wall time per run and the info ratio.
# usage: tests/bench/at.sh [RUNS]     (from the repo root; `make bench` runs it)
set -e
RUNS=${1:-5}
cargo build -q --release -p umodem -p umodem-sim
T=$(mktemp -d)
trap 'kill $SIM 2>/dev/null; wait $SIM 2>/dev/null; rm -rf "$T"' EXIT INT TERM
target/release/umodem-sim --dir "$T/dev" --sysfs "$T/root" --no-pin --reg-delay-ms 0 >"$T/sim.out" &
SIM=$!
i=0
until grep -q ready "$T/sim.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "sim did not start" >&2; exit 1; }
	sleep 0.1
done
export UMODEM_SYSFS="$T/root" UMODEM_DEV="$T/dev"
ctl() { target/release/umodem-sim ctl "$T/dev" "$@" >/dev/null; }

now() { date +%s%N; }
# time_runs NAME COMMAND...: mean ms over RUNS runs; output of the last run kept in $T/out
time_runs() {
	name=$1; shift
	t0=$(now)
	n=0
	while [ $n -lt "$RUNS" ]; do "$@" >"$T/out" 2>&1 || true; n=$((n + 1)); done
	t1=$(now)
	ms=$(( (t1 - t0) / 1000000 / RUNS ))
	printf '%-44s %6d ms/run\n' "$name" "$ms"
	eval "ms_$(echo "$name" | tr -c 'a-z0-9\n' _)=$ms"
}
# time_once NAME SETUP COMMAND...: one run after the sim control command SETUP
# (then the sim's faults are cleared); its wall time and exit status
time_once() {
	name=$1; setup=$2; shift 2
	ctl clear all; ctl error off
	[ -z "$setup" ] || ctl "$setup"
	t0=$(now)
	rc=0
	"$@" >"$T/out" 2>&1 || rc=$?
	t1=$(now)
	printf '%-44s %6d ms (exit %s)\n' "$name" $(( (t1 - t0) / 1000000 )) "$rc"
	ctl clear all
}

echo "== AT benchmarks, $RUNS runs each, virtual E367 at $T/dev"
time_runs "umodem ports (probe)" target/release/umodem ports
# The probe's own figures: when the PCUI answered AT, when the probe returned.
target/release/umodem ports --stderr --log-level debug >/dev/null 2>"$T/probe"
p=$(sed -n 's/.*ports probe: first answer after \([0-9-]*\) ms, done after \([0-9]*\) ms.*/\1 \2/p' "$T/probe")
set -- $p
echo "port probe: AT answered after ${1:-?} ms, probe returned after ${2:-?} ms ($(( ${2:-0} - ${1:-0} )) ms after the answer)"
time_runs "umodem info (finds the port)" target/release/umodem info --json
grep -q '"model":"E367"' "$T/out" || { echo "umodem info output wrong: $(cat "$T/out")" >&2; exit 1; }
time_runs "umodem info --port" target/release/umodem info --port "$T/dev/ttyUSB2"
if command -v comgt >/dev/null; then
	time_runs "gcom info (comgt)" comgt -d "$T/dev/ttyUSB2" info
	u=$ms_umodem_info__finds_the_port_
	g=$ms_gcom_info__comgt_
	[ "$u" -gt 0 ] || u=1
	echo "gcom info / umodem info = $g / $u ms = $((g / u))x"
else
	echo "comgt not installed (apt-get install comgt): no comparison"
fi

echo "== a modem that falls silent (worst cases: issue 13 asks info <= 5 s, prepare <= 10 s)"
S="$T/state"
time_once "info, silent from the start" "fault silence" target/release/umodem info
time_once "info, silent after 5 commands" "silent-after 5" target/release/umodem info
time_once "info --port, silent from the start" "fault silence" target/release/umodem info --port "$T/dev/ttyUSB2"
time_once "prepare, silent from the start" "fault silence" target/release/umodem prepare --state-dir "$S"
time_once "prepare, silent at the SIM query" "silent-at AT+CPIN?" target/release/umodem prepare --state-dir "$S"
time_once "prepare, silent at the service mode" "silent-at AT^SYSCFG" target/release/umodem prepare --state-dir "$S" --service umts_only
