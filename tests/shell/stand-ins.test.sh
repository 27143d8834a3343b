# The test stand-ins behave like the real APIs they replace, on the points the
# other tests rely on: jshn's json_load/json_get_var(s)/json_get_values
# (libubox sh/jshn.sh), the uci CLI (uci cli.c), and netifd's handling of a
# shell proto handler (netifd-stub.sh + netifd-model.sh), as OpenWrt's netifd
# was seen doing it (../shared/OPENWRT-FACTS.md), surprises included.
# Run: busybox ash tests/shell/stand-ins.test.sh (from the repo root).

. tests/shell/lib/common.sh
t_setup
t_uci

echo "--- jshn stand-in"
(
	. "$REPO/tests/shell/lib/netifd-stub.sh"
	json_load '{"apn":"a b","maxwait":5,"ipv6":true,"demand":false,"dns":["1.1.1.1","9.9.9.9"],"e":"","odd-key":"x","q":"it'"'"'s \"q\" \\ \u0041"}' || echo "load failed"
	json_get_var v apn && echo "apn=$v"
	json_get_var v maxwait && echo "maxwait=$v"
	json_get_var v ipv6 && echo "ipv6=$v"
	json_get_var v demand && echo "demand=$v"
	json_get_var v missing || echo "missing: false, v='$v'"
	json_get_var v missing dflt && echo "default: $v"
	json_get_var v e dflt && echo "empty with default: $v"
	json_get_var v odd-key && echo "odd-key=$v"
	json_get_var v q && echo "q=$v"
	json_get_values v dns && echo "dns=$v"
	json_get_values v apn || echo "values of a string: false"
	json_get_vars apn maxwait nothere:zz && echo "vars: $apn/$maxwait/$nothere"
	json_get_type t dns && echo "type dns=$t"
	json_load '{"a":' 2>/dev/null || echo "malformed: false"
	json_load '{"a":{"b":1}}' 2>/dev/null || echo "nested: false"
	json_load '{}' && json_get_var v apn || echo "after reload: apn gone"
) >"$T/jshn.out" 2>&1
t_eq "$(cat "$T/jshn.out")" "apn=a b
maxwait=5
ipv6=1
demand=0
missing: false, v=''
default: dflt
empty with default: dflt
odd-key=x
q=it's \"q\" \\ A
dns=1.1.1.1 9.9.9.9
values of a string: false
vars: a b/5/zz
type dns=array
malformed: false
nested: false
after reload: apn gone" "jshn semantics"

echo "--- uci stand-in"
cat >"$T/etc/config/test" <<'X'
# comment
config sect 'named'
	option plain value
	option quoted 'two words'
	option dq "it's"
	list l 'a'
	list l 'b c'

config sect
	option n '1'

config other
X
t_eq "$(uci get test.named.plain)" value "bare value"
t_eq "$(uci get test.named.quoted)" "two words" "quoted value"
t_eq "$(uci get test.named.dq)" "it's" "double quotes"
t_eq "$(uci get test.named.l)" "a 'b c'" "list: space separated, element with blank quoted"
t_eq "$(uci show test.named.l)" "test.named.l='a' 'b c'" "show list"
t_eq "$(uci get test.named)" sect "section type"
t_eq "$(uci get 'test.@sect[1].n')" 1 "@type[1]"
t_eq "$(uci get 'test.@sect[-1].n')" 1 "@type[-1]"
t_eq "$(uci show 'test.@sect[1]')" "test.@sect[1]=sect
test.@sect[1].n='1'" "show anonymous"
out=$(uci get test.named.nope 2>&1)
t_eq "$?:$out" "1:uci: Entry not found" "missing option: exit 1 and message"
out=$(uci -q get test.named.nope 2>&1)
t_eq "$?:$out" "1:" "-q: silent"
uci set test.named.plain=changed
t_eq "$(uci get test.named.plain)" changed "set seen before commit"
uci set 'test.named.bs=a\tb"c'
t_eq "$(uci get test.named.bs)" 'a\tb"c' "set keeps backslashes and quotes"
grep -q "option plain value" "$T/etc/config/test" && t_pass "file unchanged before commit" || t_fail "set wrote the file"
uci set test.nosuch.opt=1 2>/dev/null && t_fail "option on missing section accepted" || t_pass "option needs its section"
name=$(uci add test other)
case "$name" in cfg*) t_pass "add prints a cfg name" ;; *) t_fail "add printed '$name'" ;; esac
t_eq "$(uci get "test.$name")" other "added section reachable by name"
uci commit test
t_eq "$(uci get test.named.plain)" changed "committed"
grep -q "option plain 'changed'" "$T/etc/config/test" && t_pass "written in uci syntax" || t_fail "file: $(cat "$T/etc/config/test")"
t_eq "$(ls "$T/uci-save")" "" "nothing staged after commit"
t_eq "$(uci get test.named.l)" "a 'b c'" "list survives the round trip"

echo "--- netifd stand-in: what netifd does with a proto handler"
# A probe handler: what setup does is in $T/probe.mode; every run is logged
# with the ERROR it got and the simulated time.
mkdir -p "$T/root/lib/netifd/proto"
cp "$REPO/tests/shell/lib/netifd-stub.sh" "$T/root/lib/netifd/netifd-proto.sh"
cat >"$T/root/lib/netifd/proto/probe.sh" <<'X'
#!/bin/sh
[ -n "$INCLUDE_ONLY" ] || { . ../netifd-proto.sh; init_proto "$@"; }
log() { echo "$* at $(cat "$T/clock")" >>"$T/probe.log"; }
proto_probe_init_config() { no_device=1; available=1; }
proto_probe_setup() {
	log "setup ERROR=${ERROR-unset}"
	case "$(cat "$T/probe.mode")" in
	fail) proto_notify_error "$1" FAILED; return 1 ;;
	ok-no-command) return 0 ;;
	command) proto_run_command "$1" /bin/sh -c "exit $(cat "$T/probe.rc")"; return 0 ;;
	block) proto_notify_error "$1" BLOCKED; proto_block_restart "$1"; return 1 ;;
	unavailable) proto_set_available "$1" 0; log "setup went on after proto_set_available 0"; return 1 ;;
	hotplug-unavailable) # a hotplug script (another process) says so while setup runs
		"$BB" ash -c ". ../netifd-proto.sh; proto_set_available $1 0"
		log "setup went on after the hotplug script"; return 1 ;;
	words) set -- /bin/true; while [ $# -lt "$(cat "$T/probe.rc")" ]; do set -- "$@" x; done
		proto_run_command probe "$@" || log "proto_run_command refused"; return 0 ;;
	old-policy) # the handler before issue 12: count in setup, cleared by a teardown without ERROR
		n=$(cat "$T/probe.count" 2>/dev/null || echo 0)
		[ "$n" -gt 0 ] && sleep $((n * 5 > 60 ? 60 : n * 5))
		echo $((n + 1)) >"$T/probe.count"; return 1 ;;
	esac
}
proto_probe_teardown() {
	log "teardown ERROR=${ERROR-unset}"
	[ "$(cat "$T/probe.mode")" = old-policy ] && [ -z "$ERROR" ] && echo 0 >"$T/probe.count"
	proto_kill_command "$1"
}
[ -n "$INCLUDE_ONLY" ] || add_protocol probe
X
probe_handler() {
	(cd "$T/root/lib/netifd/proto" && NETIFD_LOG="$T/netifd" NETIFD_STATE="$T/ns" BB="$BB" \
		exec "$BB" ash ./probe.sh probe "$1" "$2" "$3" "")
}
probe() {
	rm -rf "$T/ns" "$T/probe.log" "$T/netifd" "$T/probe.count"
	echo "$1" >"$T/probe.mode"
	echo "${2:-0}" >"$T/probe.rc"
	echo 0 >"$T/clock"
	t_stub sleep 'c=$(cat "$T/clock"); awk -v c="$c" -v d="$1" "BEGIN { print c + d }" >"$T/clock"'
	(
		export NETIFD_RUN=1 NM_SIM=1 NM_CLOCK="cat '$T/clock'" NETIFD_LOG="$T/netifd" \
			NETIFD_STATE="$T/ns" NM_HANDLER=probe_handler NM_MAX_SETUPS="${3:-3}" NM_UNTIL=60
		. "$REPO/tests/shell/lib/netifd-model.sh"
		netifd_model probe '{}'
	) 2>/dev/null
}
runs() { sed 's/ at .*//' "$T/probe.log" | tr '\n' ',' | sed 's/,$//'; }

probe fail
t_eq "$(runs)" "setup ERROR=unset,teardown ERROR=unset,setup ERROR=unset,teardown ERROR=unset,setup ERROR=unset,teardown ERROR=unset" \
	"a setup that fails by itself: teardown with no ERROR, then setup again"
t_eq "$(sed 's/.* at //' "$T/probe.log" | sort -u)" 0 "and again at once: netifd never waits"
t_eq "$(grep -c 'hotplug ifup-failed probe' "$T/netifd")" 3 "hotplug ifup-failed after each"
t_eq "$(cat "$T/ns/probe.errors")" FAILED "errors: only the last setup's (netifd clears them at each setup)"

probe ok-no-command
t_eq "$(runs)" "setup ERROR=unset,teardown ERROR=unset,setup ERROR=unset,teardown ERROR=unset,setup ERROR=unset,teardown ERROR=unset" \
	"setup's exit code is ignored: 0 without a command is torn down the same"

probe command 8
t_eq "$(runs)" "setup ERROR=unset,teardown ERROR=8,setup ERROR=unset,teardown ERROR=8,setup ERROR=unset,teardown ERROR=8" \
	"the command's exit status is teardown's ERROR, then setup again"

probe block
t_eq "$(runs)" "setup ERROR=unset,teardown ERROR=unset" "proto_block_restart: no setup after teardown"
t_has "$T/netifd" "netifd-idle probe autostart=0 available=1" "until ifup (autostart off)"

probe unavailable
t_eq "$(runs)" "setup ERROR=unset,teardown ERROR=unset" "proto_set_available 0: setup killed at once, teardown, no restart"
t_has "$T/netifd" "netifd_kills_setup probe" "(netifd's SIGTERM)"
t_has "$T/netifd" "hotplug ifdown probe" "hotplug ifdown (not ifup-failed)"
t_has "$T/netifd" "netifd-idle probe autostart=1 available=0" "until the interface is available"

probe hotplug-unavailable
t_eq "$(runs)" "setup ERROR=unset,teardown ERROR=unset" "a hotplug script's proto_set_available 0 kills a running setup too"

probe words 62 1
t_hasnt "$T/probe.log" "refused" "62 words: netifd starts the command"
probe words 63 1
t_has "$T/probe.log" "proto_run_command refused" "63 words: netifd refuses it, the call fails"
t_has "$T/netifd" "proto_run_command_refused probe" "and starts nothing"

# The storm the real netifd showed (issue 12): a teardown without ERROR that
# clears the count undoes the backoff; the stand-in shows it as netifd did.
probe old-policy 0 100
n=$(grep -c '^setup ' "$T/probe.log")
t_eq "$(cat "$T/clock")" 0 "old policy: no setup ever waits ..."
[ "$n" -ge 100 ] && t_pass "... while netifd runs setup $n times: the storm" || t_fail "old policy: only $n setups"

t_done
