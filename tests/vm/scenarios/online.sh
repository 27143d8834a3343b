# Issue 7 (1): what we ship, as OpenWrt runs it. Plug -> our hotplug switch ->
# `umodem ports` finds the ports in sysfs -> the netifd handler's setup (on the
# netifd stand-in) runs `umodem prepare` with the PIN from the config, then pppd with
# `connect "umodem connect ..."` -> the link is up with the network's address and
# DNS. The SIM keeps its 3 attempts; the PIN is in no argv and no log.
. /vm/lib.sh
. /vm/netifd.sh

PIN=8328
NET="unshare -n pppd notty passive noauth nodetach nodefaultroute 10.64.64.64:95.209.96.115 ms-dns 80.251.201.177 ms-dns 80.251.201.178 logfile /tmp/ppp-network.log"
# The SIM's PIN reaches the gadget by environment, so a PIN in /proc/*/cmdline is ours.
UMODEM_SIM_PIN=$PIN umodem-gadget e367 --control /tmp/e367.ctl --reg-delay-ms 500 \
	--ppp-cmd "$NET" >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
umodem ports >/tmp/ports.log 2>&1
check "umodem ports: control port ttyUSB2" grep -qx "modem.0.control=/dev/ttyUSB2" /tmp/ports.log
check "umodem ports: data port ttyUSB0" grep -qx "modem.0.data=/dev/ttyUSB0" /tmp/ports.log
check "the SIM has 3 attempts before setup" eq 3 pin_left /tmp/e367.ctl

echo "network.wan=interface
network.wan.proto='umodem'
network.wan.apn='bredband.tre.se'
network.wan.pincode='$PIN'" >/tmp/uci
# The PIN is in uci only, where the handler reads it: netifd's JSON (the
# handler's argv) does not hold it.
netifd_up wan '{"apn":"bredband.tre.se","maxwait":30}' &
up() { ip -4 addr show dev umodem-wan 2>/dev/null | grep -q "inet 95.209.96.115 peer 10.64.64.64/32"; }
n=0
while ! up && [ $n -lt 450 ]; do
	seen_argv
	usleep 200000
	n=$((n + 1))
done
wait_for "umodem-wan up with 95.209.96.115, peer 10.64.64.64" 5 up
seen_argv
check "the handler found the ports" grep -q "umodem: wan: modem control port /dev/ttyUSB2, data port /dev/ttyUSB0" /tmp/syslog.log
check "setup returned no error" not grep -q "^proto_notify_error" /tmp/netifd.log
check "pppd on the data port found in sysfs" grep -qx "  argv /dev/ttyUSB0" /tmp/netifd.log
check "pppd's connect program is umodem connect" grep -qx "  argv umodem connect --dial '\*99\*\*\*1#'" /tmp/netifd.log
check "the APN reaches umodem connect by environment" grep -qx "  env UMODEM_APN=bredband.tre.se" /tmp/netifd.log
check "the stick saw the call come up" grep -q "gadget modem: call up" /tmp/gadget.log
wait_for "ppp-up got the address and the network's DNS" 10 grep -qx "ppp-up wan umodem-wan ip=95.209.96.115 peer=10.64.64.64 dns=80.251.201.177 80.251.201.178" /tmp/netifd.log
check "resolver file has the interface's DNS" grep -qx "nameserver 80.251.201.177" /tmp/resolv.conf.d/resolv.conf.auto
check "the network side answers across the link (ping 10.64.64.64)" ping -c 1 -W 5 10.64.64.64
check "the SIM is unlocked" sh -c '. /vm/netifd.sh; sim_status /tmp/e367.ctl | grep -q " sim=ready "'
check "the SIM still has 3 attempts" eq 3 pin_left /tmp/e367.ctl
# netifd passes the handler its config as argv, as OpenWrt's netifd does; the
# handler does not declare pincode, so no argv, the handler's included, holds it.
check "argv sampled while it came up ($(wc -l </tmp/argv.seen) lines)" grep -q "^/usr/lib/pppd-debian/pppd .*connect umodem connect" /tmp/argv.seen
check "the handler's own argv was sampled" grep -q "^sh ./umodem.sh umodem setup wan " /tmp/argv.seen
check "the PIN is in no process's argv" not grep -q "$PIN" /tmp/argv.seen
check "the PIN is in no log" not grep -rq "$PIN" /tmp/syslog.log /tmp/netifd.log /tmp/hotplug.log /tmp/procd.log /tmp/ports.log

netifd_stop wan
wait_for "the netifd loop ended after ifdown" 30 grep -q "^netifd-loop wan ended" /tmp/netifd.log
check "the link is down" not up
