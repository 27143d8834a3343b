# The test stand-ins behave like the real APIs they replace, on the points the
# other tests rely on: jshn's json_load/json_get_var(s)/json_get_values
# (libubox sh/jshn.sh), the uci CLI (uci cli.c), and netifd's handling of a
# shell proto handler (netifd-stub.sh + netifd-model.sh), as OpenWrt's netifd
# was seen doing it (../shared/OPENWRT-FACTS.md), surprises included, and its
# `ubus call network add_dynamic` with the DHCP proto behind it (ubus-stub.sh,
# dhcp-proto.sh, dhcp-script.sh), as netifd's sources (ubus.c, interface.c,
# alias.c, proto-shell.c) and OpenWrt's dhcp.sh / dhcp.script have it.
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

echo "--- jshn builders, as handlers use them for netifd's messages"
(
	. "$REPO/tests/shell/lib/netifd-stub.sh"
	json_load '{"apn":"x"}'
	json_init
	json_add_string name 'wwan_4'
	json_add_string ifname '@wwan'
	json_add_boolean on 1
	json_add_boolean word true
	json_add_int metric 10
	json_add_array dns
	json_add_string "" 1.1.1.1
	json_close_array
	json_add_object data
	json_add_string q 'a "b"'
	json_close_object
	json_close_object
	json_dump
	json_get_var v apn || echo "json_init forgot the loaded config"
) >"$T/jb.out" 2>&1
t_eq "$(cat "$T/jb.out")" '{"name":"wwan_4","ifname":"@wwan","on":true,"word":false,"metric":10,"dns":["1.1.1.1"],"data":{"q":"a \"b\""}}
json_init forgot the loaded config' "json_dump of a built message; a boolean is a number (\"true\" is false, as jshn's atoi); json_init forgets json_load's values"
(
	. "$REPO/tests/shell/lib/netifd-stub.sh"
	json_load '{"apn":"x"}'
	proto_init_update wwan0 1
	json_get_var v apn || echo "gone after proto_init_update"
) >"$T/jb.out" 2>&1
t_eq "$(cat "$T/jb.out")" "gone after proto_init_update" "proto_init_update starts a message: the handler's config is gone after it"

echo "--- ubus call network add_dynamic (netifd's ubus.c)"
t_stub ubus "UBUS_STUB_PROTO='$REPO/tests/shell/lib/netifd-stub.sh' exec '$BB' ash '$REPO/tests/shell/lib/ubus-stub.sh' \"\$@\""
rm -rf "$T/ns"
out=$(NETIFD_STATE="$T/ns" NETIFD_LOG="$T/netifd" ubus call network add_dynamic '{"proto":"dhcp"}' 2>&1)
t_eq "$?:$out" "2:Command failed: Invalid argument" "no name: Invalid argument (exit 2), nothing made"
t_eq "$(ls "$T/ns" 2>/dev/null)" "" "(no interface)"
out=$(NETIFD_STATE="$T/ns" ubus call network add_dynamic '{"name":' 2>&1)
t_eq "$?:$out" "255:Failed to parse message data" "bad JSON: the CLI's parse error (exit 255)"
out=$(NETIFD_STATE="$T/ns" ubus call network.interface.wwan status 2>&1)
t_eq "$?:$out" "4:Command failed: Not found" "other calls: Not found (exit 4)"

echo "--- a handler that hands DHCP to netifd (as OpenWrt's ncm.sh), under the model"
# The dhcp proto stand-in on the fake udhcpc below, from the proto folder.
cp "$REPO/tests/shell/lib/dhcp-proto.sh" "$T/root/lib/netifd/proto/dhcp.sh"
cp "$REPO/tests/shell/lib/dhcp-script.sh" "$T/root/lib/netifd/dhcp.script"
t_stub udhcpc '
while [ $# -gt 0 ]; do case "$1" in -i) shift; i="$1" ;; -s) shift; s="$1" ;; esac; shift; done
echo "udhcpc -i $i INTERFACE=$INTERFACE" >>"$T/calls"
interface="$i" "$BB" ash "$s" deconfig
interface="$i" ip=10.0.0.2 subnet=255.255.255.252 router=10.0.0.1 dns="10.0.0.53 10.0.0.54" "$BB" ash "$s" bound
trap "echo udhcpc-stopped >>\"$T/calls\"; exit 0" TERM
while :; do "$BB" usleep 20000; done'
cat >"$T/root/lib/netifd/proto/dyn.sh" <<'X'
#!/bin/sh
[ -n "$INCLUDE_ONLY" ] || { . ../netifd-proto.sh; init_proto "$@"; }
proto_dyn_init_config() { no_device=1; available=1; proto_config_add_defaults; }
proto_dyn_setup() {
	local defaultroute peerdns metric $PROTO_DEFAULT_OPTIONS
	json_get_vars $PROTO_DEFAULT_OPTIONS
	case "$(cat "$T/dyn.mode")" in
	star) proto_init_update "*" 1; proto_send_update "$1" || echo "star refused" >>"$T/dyn.log"; return 0 ;;
	esac
	proto_init_update eth9 1
	proto_send_update "$1"
	json_init
	json_add_string name "${1}_4"
	json_add_string ifname "@$1"
	json_add_string proto "$(cat "$T/dyn.proto")"
	proto_add_dynamic_defaults
	json_close_object
	ubus call network add_dynamic "$(json_dump)"
	echo "setup ended" >>"$T/dyn.log"
}
proto_dyn_teardown() {
	proto_init_update "*" 0
	proto_send_update "$1" || echo "teardown update refused: $?" >>"$T/dyn.log"
	echo "teardown" >>"$T/dyn.log"
}
[ -n "$INCLUDE_ONLY" ] || add_protocol dyn
X
dyn_handler() {
	(cd "$T/root/lib/netifd/proto" && exec "$BB" ash ./dyn.sh dyn "$1" "$2" "$3" "")
}
# dyn MODE PROTO: run the model for interface "dyn" in the background
dyn() {
	rm -rf "$T/ns" "$T/netifd" "$T/dyn.log"
	: >"$T/calls"
	echo "$1" >"$T/dyn.mode"
	echo "$2" >"$T/dyn.proto"
	echo 0 >"$T/clock"
	(
		export NETIFD_RUN=1 NM_SIM=1 NM_CLOCK="cat '$T/clock'" NETIFD_LOG="$T/netifd" NETIFD_STATE="$T/ns" \
			NM_HANDLER=dyn_handler NM_PROTO_DIR="$T/root/lib/netifd/proto" NM_SH="$BB ash" \
			NETIFD_MAIN_DIR="$T/root/lib/netifd" NM_MAX_SETUPS=1 T="$T" BB="$BB"
		. "$REPO/tests/shell/lib/netifd-model.sh"
		netifd_model dyn '{"defaultroute":false,"metric":5}'
	) >/dev/null 2>&1 &
	DYN_PID=$!
}
dyn_stop() {
	(
		NETIFD_STATE="$T/ns"
		. "$REPO/tests/shell/lib/netifd-model.sh"
		netifd_ifdown dyn
		touch "$T/ns/dyn.stop"
	)
	n=0
	while kill -0 "$DYN_PID" 2>/dev/null && [ $n -lt 200 ]; do usleep 50000; n=$((n + 1)); done
}
wait_file() { n=0; while ! grep -q "$2" "$1" 2>/dev/null && [ $n -lt 200 ]; do usleep 50000; n=$((n + 1)); done; }

dyn ok dhcp
wait_file "$T/netifd" "proto_send_update dyn_4 up"
t_has "$T/dyn.log" "setup ended" "setup sent link up on eth9 and ended"
t_hasnt "$T/netifd" "teardown dyn" "no teardown after it ended: the interface is up without a proto process"
t_has "$T/netifd" 'add_dynamic dyn_4 proto=dhcp device=@dyn {"name":"dyn_4","ifname":"@dyn","proto":"dhcp","defaultroute":false,"metric":5}' \
	"add_dynamic: name, @parent, proto, and the defaults the handler passed on"
t_has "$T/netifd" "dynamic dyn_4: device @dyn (eth9) present: setup (proto dhcp)" "the sub-interface is set up on the parent's device"
t_has "$T/calls" "udhcpc -i eth9 INTERFACE=dyn_4" "the dhcp proto runs udhcpc on it, INTERFACE exported"
t_has "$T/netifd" "proto_send_update dyn_4 down (ignored: not up)" "udhcpc's deconfig before a lease: ignored (not up)"
t_has "$T/netifd" "proto_send_update dyn_4 up l3=eth9 ipaddr=10.0.0.2/255.255.255.252// route=0.0.0.0/0/10.0.0.1/10.0.0.2 dns=10.0.0.53 10.0.0.54" \
	"the lease reaches netifd: address, default route, DNS (dhcp.script)"
t_has "$T/netifd" "hotplug ifup dyn_4" "hotplug ifup for the sub-interface"
dyn_stop
t_has "$T/calls" "udhcpc-stopped" "ifdown of the parent stops the sub-interface's udhcpc"
t_eq "$(grep -n 'dynamic dyn_4: device @dyn gone: teardown, removed\|^teardown dyn$' "$T/netifd" | cut -d: -f2- | tr '\n' ,)" \
	"dynamic dyn_4: device @dyn gone: teardown, removed,teardown dyn," "the sub-interface goes (and is removed) before the parent's teardown"
t_eq "$(ls "$T/ns" | grep -c '^dyn_4\.')" 0 "nothing of it is left (dynamic: removed, not restarted)"
t_has "$T/netifd" "proto_send_update_refused dyn (Permission denied: in teardown)" "proto_init_update \"*\" 0 in teardown: refused, as netifd does"
t_has "$T/dyn.log" "teardown update refused: 6" "(ubus status 6)"

dyn ok nosuchproto
wait_file "$T/netifd" "INVALID_PROTO"
t_has "$T/netifd" "dynamic dyn_4: no handler for proto 'nosuchproto': error INVALID_PROTO" "a proto without a handler: INVALID_PROTO, nothing runs"
dyn_stop

dyn star dhcp
wait_file "$T/dyn.log" "star"
t_has "$T/dyn.log" "star refused" "an interface without a device of its own (no_device) cannot say \"*\" for it: refused"
t_has "$T/netifd" "proto_send_update_refused dyn (Invalid argument: no device)" "(Invalid argument)"
dyn_stop

t_done
