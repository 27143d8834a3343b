# One-line checks for tests/target.sh and tests/feed.sh (sourced): each prints
# PASS/FAIL NAME; checks_done prints the closing "LABEL: N passed, N failed" line and
# returns non-zero when any failed.
pass=0 fail=0
ok() { pass=$((pass + 1)); printf "PASS %s\n" "$1"; }
no() { fail=$((fail + 1)); printf "FAIL %s\n" "$1"; }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else no "$name"; fi
}
refuse() { # refuse NAME COMMAND...: passes when COMMAND fails
	name=$1; shift
	if "$@" >/dev/null 2>&1; then no "$name (accepted)"; else ok "$name"; fi
}
checks_done() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
