#!/bin/sh
# Benchmark: `ubus call umodem status` while the modem is silent. The daemon
# (release build) against the virtual E367 and the test's ubusd stand-in
# (tests/daemon.rs): 100 calls in a row while it reads the silent modem.
# usage: tests/bench/daemon.sh     (from the repo root; `make bench` runs it)
set -e
echo "== daemon benchmark (release build)"
cargo test -q --release --test daemon bench_status_with_a_silent_modem -- --ignored --nocapture 2>&1 |
	grep -E '^daemon status|FAILED|panicked' || { echo "daemon benchmark failed" >&2; exit 1; }
