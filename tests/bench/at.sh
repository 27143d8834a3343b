#!/bin/sh
# Benchmark: port detection and `umodem info` against the virtual E367, and,
# side by side in the same run, Debian's `gcom info` (package comgt) on the
# same PCUI port. Prints mean wall time per run and the info ratio.
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

now() { date +%s%N; }
# time_runs NAME COMMAND...: mean ms over RUNS runs; output of the last run kept in $T/out
time_runs() {
	name=$1; shift
	t0=$(now)
	n=0
	while [ $n -lt "$RUNS" ]; do "$@" >"$T/out" 2>&1 || true; n=$((n + 1)); done
	t1=$(now)
	ms=$(( (t1 - t0) / 1000000 / RUNS ))
	printf '%-34s %6d ms/run\n' "$name" "$ms"
	eval "ms_$(echo "$name" | tr -c 'a-z0-9\n' _)=$ms"
}

echo "== AT benchmarks, $RUNS runs each, virtual E367 at $T/dev"
time_runs "umodem ports (probe, full)" target/release/umodem ports
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
