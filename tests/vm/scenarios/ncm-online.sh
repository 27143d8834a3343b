# Issue 15: the E3372 with stick firmware through what we ship, as OpenWrt runs it:
# the 12d1:1f01 CD-ROM is switched by our usb hotplug script to 12d1:1506 (PCUI and
# modem ports bound by option, an NCM function bound by cdc_ncm); its ttys make wwan
# available; the handler chooses NCM (a network interface with an AT port), checks
# the SIM and enters the PIN (umodem prepare), starts the data call on the PCUI with
# the APN (umodem at: AT^NDISDUP, then AT^NDISSTATQRY? until it is up), brings wwan
# up on wwan0 and hands DHCP to netifd (wwan_4): the operator's lease, default route
# and DNS through it, a ping to the far end. ifdown ends the data call
# (AT^NDISDUP=1,0); ifup starts it again; unplugged, wwan goes unavailable and down;
# plugged in again it comes back by itself, the PIN entered again.
# vm-timeout: 360
. /vm/lib.sh
. /vm/netifd.sh

modprobe cdc_ncm && modprobe huawei_cdc_ncm && modprobe usb_f_ncm || fail "modules"
echo "network.wwan=interface
network.wwan.proto='umodem'
network.wwan.pincode='8328'" >/tmp/uci
umodem-gadget e3372s --pin 8328 --reg-delay-ms 500 --apn internet --control /tmp/stick.ctl \
	--net-cmd "/vm/farend.sh ncm" >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1f01 appears" 30 is_usbdev 12d1 1f01
switch_stick 1f01
wait_for "12d1:1506 appears" 60 is_usbdev 12d1 1506
wait_for "ttyUSB0 (PCUI) and ttyUSB1 (modem) exist" 30 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1
D=$(usbdev 12d1 1506)
PORT=$(basename "$D")
wait_for "cdc_ncm binds the NCM function" 20 sh -c "[ \"\$(basename \"\$(readlink '$D/$PORT:1.2/driver')\")\" = cdc_ncm ]"
NET=$(ls "$D/$PORT:1.2/net")
echo "    network interface $NET"

NM_IDLE_END=200 netifd_up wwan '{"apn":"internet","maxwait":30}' 10 >/tmp/netifd-run.log 2>&1 &
lease_n() { grep -c "^proto_send_update wwan_4 up l3=$NET ipaddr=100.72.13.22/255.255.255.252// route=0.0.0.0/0/100.72.13.21/100.72.13.22 dns=80.251.201.177 80.251.201.178" /tmp/netifd.log; }
wait_for "the operator's lease on wwan_4: 100.72.13.22/30, router 100.72.13.21, its DNS" 120 sh -c "[ \$(grep -c '^proto_send_update wwan_4 up l3=$NET ipaddr=100.72.13.22/' /tmp/netifd.log) -ge 1 ]"
check "exactly that lease" eq 1 lease_n
check "the handler chose NCM" grep -q "umodem: wwan: data path ncm (modem: control /dev/ttyUSB0, data /dev/ttyUSB1, network $NET cdc_ncm 02/0d/00)" /tmp/syslog.log
check "the PIN was entered: the SIM is ready with all 3 attempts" eq 3 pin_left /tmp/stick.ctl
check "the stick got the data call" grep -q "gadget modem: NDIS call up" /tmp/gadget.log
check "the handler saw it come up" grep -q "umodem: wwan: data call up on /dev/ttyUSB0" /tmp/syslog.log
check "wwan up on $NET with the data path in netifd's data" grep -q "^proto_send_update wwan up l3=$NET .*msg={\"data\":{\"datapath\":\"ncm\"}}" /tmp/netifd.log
check "no pppd" not grep -q "^proto_run_command wwan$" /tmp/netifd.log
# The stand-in logs a lease, then puts it on the system: address, routes, and last
# the resolver file; once that has it, the rest is there.
wait_for "DNS: the operator's, for wwan_4, in netifd's resolver file" 20 sh -c \
	'grep -A2 "^# Interface wwan_4$" /tmp/resolv.conf.d/resolv.conf.auto | tr "\n" " " | grep -q "nameserver 80.251.201.177 nameserver 80.251.201.178"'
check "address on $NET" sh -c "ip -4 addr show dev $NET | grep -q 'inet 100.72.13.22/30'"
check "default route through the stick" sh -c "ip route | grep -q '^default via 100.72.13.21 dev $NET'"
check "ping reaches the far end 198.51.100.1" ping -c 1 -W 5 198.51.100.1
check "far.umodem.test resolves through the operator's DNS" sh -c "nslookup far.umodem.test 80.251.201.177 | grep -q 198.51.100.1"
check "the PIN is in no log" not grep -rq 8328 /tmp/syslog.log /tmp/netifd.log /tmp/hotplug.log

netifd_ifdown wwan
wait_for "ifdown: the handler ends the data call" 30 grep -q "umodem: wwan: data call ended" /tmp/syslog.log
wait_for "the stick's call is down" 10 grep -q "gadget modem: NDIS call down" /tmp/gadget.log
wait_for "wwan_4 went with wwan" 20 grep -q "^dynamic wwan_4: device @wwan gone: teardown, removed" /tmp/netifd.log
check "nothing crosses now" not ping -c 1 -W 2 198.51.100.1
netifd_ifup wwan
wait_for "ifup: the lease again" 120 sh -c "[ \$(grep -c '^proto_send_update wwan_4 up l3=$NET ipaddr=100.72.13.22/' /tmp/netifd.log) -ge 2 ]"
wait_for "ping again" 30 ping -c 1 -W 2 198.51.100.1

echo unplug >/tmp/stick.ctl
wait_for "1506 leaves the bus" 20 not is_usbdev 12d1 1506
wait_for "wwan unavailable" 30 grep -qx "proto_set_available wwan 0" /tmp/netifd.log
wait_for "netifd waits for the stick" 30 grep -qx "netifd-idle wwan autostart=1 available=0" /tmp/netifd.log
check "the default route is gone" not sh -c "ip route | grep -q '^default via 100.72.13.21'"
away=$(grep -c "^setup wwan$" /tmp/netifd.log)
refused=$(grep -c "^proto_notify_error wwan CONNECT_FAILED$" /tmp/netifd.log)
sleep 3
check "no setup while the stick is away ($away in all)" eq "$away" grep -c "^setup wwan$" /tmp/netifd.log

echo plug >/tmp/stick.ctl
wait_for "12d1:1f01 is back" 30 is_usbdev 12d1 1f01
switch_stick 1f01
wait_for "switched again: 12d1:1506" 60 is_usbdev 12d1 1506
wait_for "the lease after the replug" 150 sh -c "[ \$(grep -c '^proto_send_update wwan_4 up l3=.* ipaddr=100.72.13.22/' /tmp/netifd.log) -ge 3 ]"
# The handler starts the data call right after the PIN; a stick just powered on may
# not be registered yet and refuses it (cause 38): counted, paced, set up again.
# So: one setup after the plug, plus one per call refused that way.
again=$(($(grep -c "^proto_notify_error wwan CONNECT_FAILED$" /tmp/netifd.log) - refused))
check "one setup after the plug, plus one per refused call ($again)" eq $((away + 1 + again)) grep -c "^setup wwan$" /tmp/netifd.log
check "each refusal: not registered yet (cause 38)" eq "$(grep -c "^proto_notify_error wwan CONNECT_FAILED$" /tmp/netifd.log)" \
	grep -c "umodem: wwan: the network refused the data call (cause 38)" /tmp/syslog.log
check "the PIN entered again (the stick powered on afresh): all 3 attempts left" eq 3 pin_left /tmp/stick.ctl
check "three data calls in all (seen: $(grep -c "gadget modem: NDIS call up" /tmp/gadget.log), setups: $(grep -c "^setup wwan$" /tmp/netifd.log))" \
	eq 3 grep -c "gadget modem: NDIS call up" /tmp/gadget.log
wait_for "ping reaches the far end again" 30 ping -c 1 -W 2 198.51.100.1
check "restart never blocked, no error but those refusals" not sh -c \
	'grep -qE "^proto_block_restart" /tmp/netifd.log || grep "^proto_notify_error" /tmp/netifd.log | grep -vqx "proto_notify_error wwan CONNECT_FAILED"'
