# Issue 15: the E3372 with HiLink firmware through what we ship, as OpenWrt runs it:
# netifd (the loop of tests/vm/netifd.sh) brings up `proto umodem` before the stick
# is there; the stick comes as the 12d1:1f01 CD-ROM, our usb hotplug script switches
# it, it returns as 12d1:14dc with an ECM function (RNDIS with HILINK_RNDIS=1) that
# cdc_ether (rndis_host) binds; the handler sees a network interface and no tty,
# chooses the HiLink path (no PIN, no AT), brings the interface up on it and hands
# DHCP to netifd as the dynamic sub-interface wwan_4 (add_dynamic, the DHCP proto on
# busybox udhcpc): the stick's lease, the default route and DNS through it, a ping
# to the far end, a name through the stick's DNS. Unplugged, the net hotplug script
# makes wwan unavailable and netifd takes it down, wwan_4 with it; plugged in again,
# it comes back by itself.
# vm-timeout: 300
. /vm/lib.sh
. /vm/netifd.sh

if [ "${HILINK_RNDIS:-}" = 1 ]; then
	modprobe rndis_host && modprobe usb_f_rndis || fail "modules"
	DRV=rndis_host GADGET="e3372h --rndis"
else
	modprobe cdc_ether && modprobe usb_f_ecm || fail "modules"
	DRV=cdc_ether GADGET=e3372h
fi
echo "network.wwan=interface
network.wwan.proto='umodem'" >/tmp/uci
NM_IDLE_END=200 netifd_up wwan '{"maxwait":30}' 10 >/tmp/netifd-run.log 2>&1 &

umodem-gadget $GADGET --control /tmp/stick.ctl --net-cmd "/vm/farend.sh hilink" \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1f01 appears" 30 is_usbdev 12d1 1f01
switch_stick 1f01
wait_for "12d1:14dc appears" 60 is_usbdev 12d1 14dc
D=$(usbdev 12d1 14dc)
PORT=$(basename "$D")
wait_for "$DRV binds if0" 20 sh -c "[ \"\$(basename \"\$(readlink '$D/$PORT:1.0/driver')\")\" = $DRV ]"
NET=$(ls "$D/$PORT:1.0/net")
echo "    network interface $NET"

up() { grep -q "^proto_send_update wwan up l3=$NET " /tmp/netifd.log; }
lease() { grep -q "^proto_send_update wwan_4 up l3=$NET ipaddr=192.168.8.100/255.255.255.0// route=0.0.0.0/0/192.168.8.1/192.168.8.100 dns=192.168.8.1" /tmp/netifd.log; }
wait_for "wwan up on $NET" 90 up
check "the handler chose the HiLink path" grep -q "umodem: wwan: data path ecm (modem: control -, data -, network $NET $DRV " /tmp/syslog.log
check "with the data path in netifd's interface data" grep -q "^proto_send_update wwan up l3=$NET .*msg={\"data\":{\"datapath\":\"ecm\"}}" /tmp/netifd.log
# The handler hands DHCP over after wwan is up (as ncm.sh): these come a moment later.
wait_for "DHCP handed to netifd as wwan_4 on @wwan" 20 grep -q '^add_dynamic wwan_4 proto=dhcp device=@wwan ' /tmp/netifd.log
wait_for "DHCPv6 as wwan_6 (no handler here: INVALID_PROTO, as netifd without odhcp6c)" 20 \
	grep -q "^dynamic wwan_6: no handler for proto 'dhcpv6': error INVALID_PROTO" /tmp/netifd.log
wait_for "the stick's lease on wwan_4: 192.168.8.100/24, router and DNS 192.168.8.1" 90 lease
# The stand-in logs a lease, then puts it on the system: address, routes, and last
# the resolver file; once that has it, the rest is there.
wait_for "DNS: the stick, for wwan_4, in netifd's resolver file" 20 sh -c \
	'grep -A1 "^# Interface wwan_4$" /tmp/resolv.conf.d/resolv.conf.auto | grep -qx "nameserver 192.168.8.1"'
check "address on $NET" sh -c "ip -4 addr show dev $NET | grep -q 'inet 192.168.8.100/24'"
check "default route through the stick" sh -c "ip route | grep -q '^default via 192.168.8.1 dev $NET'"
check "ping reaches the far end 198.51.100.1" ping -c 1 -W 5 198.51.100.1
check "far.umodem.test resolves through the stick's DNS" sh -c "nslookup far.umodem.test 192.168.8.1 | grep -q 198.51.100.1"
check "no SIM or PIN to handle: the handler never looked for an AT port" not grep -q "umodem: wwan: modem control port" /tmp/syslog.log
check "umodem info: what sysfs and $NET know" sh -c "umodem info >/tmp/info.log 2>&1 && grep -qx 'modem.0.net=$NET' /tmp/info.log && grep -qx 'modem.0.net_driver=$DRV' /tmp/info.log && grep -qx 'modem.0.carrier=true' /tmp/info.log"

echo unplug >/tmp/stick.ctl
wait_for "14dc leaves the bus" 20 not is_usbdev 12d1 14dc
wait_for "the net hotplug script marks wwan unavailable" 30 grep -qx "proto_set_available wwan 0" /tmp/netifd.log
wait_for "and says so" 10 grep -q "umodem: wwan: $NET removed, interface unavailable" /tmp/syslog.log
wait_for "netifd takes wwan_4 away with its device" 30 grep -q "^dynamic wwan_4: device @wwan gone: teardown, removed" /tmp/netifd.log
wait_for "netifd waits for the stick" 30 grep -qx "netifd-idle wwan autostart=1 available=0" /tmp/netifd.log
wait_for "udhcpc stopped" 20 not pgrep -f "udhcpc -p /var/run/udhcpc-$NET.pid"
check "the default route is gone" not sh -c "ip route | grep -q '^default via 192.168.8.1'"
check "no error" not grep -q "^proto_notify_error" /tmp/netifd.log
away=$(grep -c "^setup wwan$" /tmp/netifd.log)
sleep 3
check "no setup while the stick is away ($away in all)" eq "$away" grep -c "^setup wwan$" /tmp/netifd.log

echo plug >/tmp/stick.ctl
wait_for "12d1:1f01 is back" 30 is_usbdev 12d1 1f01
switch_stick 1f01
wait_for "switched again: 12d1:14dc" 60 is_usbdev 12d1 14dc
wait_for "the net hotplug script marks wwan available" 30 sh -c '[ "$(grep -c "^proto_set_available wwan 1$" /tmp/netifd.log)" -ge 2 ]'
wait_for "the lease again" 120 sh -c "[ \"\$(grep -c '^proto_send_update wwan_4 up l3=.* ipaddr=192.168.8.100/' /tmp/netifd.log)\" -ge 2 ]"
check "one setup after the plug" eq $((away + 1)) grep -c "^setup wwan$" /tmp/netifd.log
wait_for "ping reaches the far end again" 30 ping -c 1 -W 2 198.51.100.1
check "restart never blocked" not grep -q "^proto_block_restart" /tmp/netifd.log
