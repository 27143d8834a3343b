# files/etc/uci-defaults/95-umodem-tl-wr1043nd against the uci stand-in:
# creates wwan once, joins the wan zone, is idempotent, overwrites nothing.
# Run: busybox ash tests/shell/uci-defaults.test.sh (from the repo root).

. tests/shell/lib/common.sh

SCRIPT="$FILES/etc/uci-defaults/95-umodem-tl-wr1043nd"

t_setup
t_uci

# A stock ath79 TL-WR1043ND v1 config, as its board files generate it.
stock() {
	rm -rf "$T/etc/config" "$T/uci-save"
	mkdir -p "$T/etc/config"
	cat >"$T/etc/config/network" <<'X'

config interface 'loopback'
	option device 'lo'
	option proto 'static'
	option ipaddr '127.0.0.1'
	option netmask '255.0.0.0'

config interface 'lan'
	option device 'br-lan'
	option proto 'static'
	option ipaddr '192.168.1.1'
	option netmask '255.255.255.0'

config interface 'wan'
	option device 'eth0.2'
	option proto 'dhcp'

config interface 'wan6'
	option device 'eth0.2'
	option proto 'dhcpv6'
X
	cat >"$T/etc/config/firewall" <<'X'

config defaults
	option input 'ACCEPT'
	option output 'ACCEPT'
	option forward 'REJECT'

config zone
	option name 'lan'
	list network 'lan'
	option input 'ACCEPT'

config zone
	option name 'wan'
	list network 'wan'
	list network 'wan6'
	option input 'REJECT'
	option masq '1'

config forwarding
	option src 'lan'
	option dest 'wan'
X
}

run() {
	"$BB" ash "$SCRIPT"
	rc=$?
	t_eq "$rc" 0 "$1: exit 0"
	[ -z "$(ls "$T/uci-save" 2>/dev/null)" ] && t_pass "$1: nothing left uncommitted" ||
		t_fail "$1: uncommitted changes: $(ls "$T/uci-save")"
}

echo "--- fresh router"
stock
run first
t_eq "$(cat "$T/syslog")" "logger -t umodem uci-defaults: added interface wwan (proto umodem) to the wan zone; set its apn and pincode" "one message"
t_eq "$(uci get network.wwan)" interface "wwan created"
t_eq "$(uci get network.wwan.proto)" umodem "proto umodem"
t_eq "$(uci get network.wan.proto)" dhcp "wired wan untouched"
t_eq "$(uci get 'firewall.@zone[1].network')" "wan wan6 wwan" "wwan in the wan zone"
t_eq "$(uci get 'firewall.@zone[0].network')" "lan" "lan zone untouched"
grep -q "^config interface 'wwan'" "$T/etc/config/network" && t_pass "written to the file" ||
	t_fail "network file lacks wwan"
cp "$T/etc/config/network" "$T/net.1"
cp "$T/etc/config/firewall" "$T/fw.1"

echo "--- second run"
run second
cmp -s "$T/net.1" "$T/etc/config/network" && t_pass "network unchanged" || t_fail "network changed on rerun"
cmp -s "$T/fw.1" "$T/etc/config/firewall" && t_pass "firewall unchanged" || t_fail "firewall changed on rerun"

echo "--- user took wwan out of the zone and set an APN"
uci del_list 'firewall.@zone[1].network=wwan'
uci set network.wwan.apn=bredband.tre.se
uci commit
run third
t_eq "$(uci get 'firewall.@zone[1].network')" "wan wan6" "zone choice kept"
t_eq "$(uci get network.wwan.apn)" bredband.tre.se "APN kept"

echo "--- user's own wwan of another proto"
stock
uci set network.wwan=interface
uci set network.wwan.proto=3g
uci set network.wwan.device=/dev/ttyUSB0
uci commit
cp "$T/etc/config/network" "$T/net.2"
cp "$T/etc/config/firewall" "$T/fw.2"
run "own wwan"
cmp -s "$T/net.2" "$T/etc/config/network" && t_pass "user's wwan untouched" || t_fail "user's wwan changed"
cmp -s "$T/fw.2" "$T/etc/config/firewall" && t_pass "firewall untouched" || t_fail "firewall changed"

echo "--- user's own umodem interface under another name"
stock
uci set network.mobile=interface
uci set network.mobile.proto=umodem
uci commit
cp "$T/etc/config/network" "$T/net.3"
run "own umodem"
cmp -s "$T/net.3" "$T/etc/config/network" && t_pass "no second umodem interface" || t_fail "network changed"

echo "--- old style zone: option network 'wan wan6'"
stock
sed -i "s/^\tlist network 'wan'\$/\toption network 'wan wan6'/; /^\tlist network 'wan6'\$/d" "$T/etc/config/firewall"
run "option network"
t_eq "$(uci show 'firewall.@zone[1].network')" "firewall.@zone[1].network='wan wan6 wwan'" "string extended, not turned into a list"

echo "--- no firewall"
stock
rm "$T/etc/config/firewall"
: >"$T/syslog"
run "no firewall"
t_eq "$(uci get network.wwan.proto)" umodem "interface still created"
t_has "$T/syslog" "no firewall zone 'wan'" "and the missing zone logged"
t_eq "$(grep -c 'uci-defaults' "$T/syslog")" 1 "in one message"
t_hasnt "$T/syslog" "to the wan zone" "which does not claim a zone"

echo "--- a firewall without a wan zone"
stock
sed -i "s/option name 'wan'/option name 'outside'/" "$T/etc/config/firewall"
cp "$T/etc/config/firewall" "$T/fw.4"
: >"$T/syslog"
run "no wan zone"
t_eq "$(uci get network.wwan.proto)" umodem "interface created"
cmp -s "$T/fw.4" "$T/etc/config/firewall" && t_pass "firewall untouched" || t_fail "firewall changed"
t_eq "$(cat "$T/syslog")" "logger -t umodem uci-defaults: added interface wwan (proto umodem); no firewall zone 'wan': add wwan to a zone yourself; set its apn and pincode" \
	"one message, saying what was and was not done"

"$BB" ash -n "$SCRIPT" && t_pass "ash -n" || t_fail "ash -n"
"$BB" ash -n "$REPO/tests/shell/lib/uci-stub.sh" && t_pass "ash -n uci-stub" || t_fail "ash -n uci-stub"
t_done
