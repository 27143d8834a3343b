# The test stand-ins behave like the real APIs they replace, on the points the
# other tests rely on: jshn's json_load/json_get_var(s)/json_get_values
# (libubox sh/jshn.sh) and the uci CLI (uci cli.c).
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

t_done
