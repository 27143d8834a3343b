# Issue 7 (6), issue 12: the stick is pulled while online. The tty hotplug script
# (files/etc/hotplug.d/tty/30-umodem) marks the interface unavailable; netifd (the
# loop of tests/vm/netifd.sh) tears it down at once (or, if pppd saw the port go
# first and exited 7, teardown reports NO_DEVICE and the setup that follows is
# killed as the interface goes unavailable); nothing is set up while the stick is
# away. The stick comes back (the 1446 CD-ROM again, switched by our hotplug
# script), its ttys make the interface available, setup runs, finds the ports,
# and the link is up again.
. /vm/lib.sh
. /vm/netifd.sh

NET="unshare -n pppd notty passive noauth nodetach nodefaultroute 10.64.64.64:95.209.96.115 ms-dns 80.251.201.177 ms-dns 80.251.201.178 logfile /tmp/ppp-network.log"
umodem-gadget e367 --no-pin --control /tmp/e367.ctl --reg-delay-ms 500 --ppp-cmd "$NET" \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2

echo "network.wan=interface
network.wan.proto='umodem'" >/tmp/uci
NM_IDLE_END=120 netifd_up wan '{"apn":"bredband.tre.se","maxwait":60}' 10 >/tmp/netifd-run.log 2>&1 &
UP="ppp-up wan umodem-wan ip=95.209.96.115 peer=10.64.64.64 dns=80.251.201.177 80.251.201.178"
up() { ip -4 addr show dev umodem-wan 2>/dev/null | grep -q "inet 95.209.96.115 peer 10.64.64.64/32"; }
wait_for "online: umodem-wan up" 90 up
check "ppp-up once" eq 1 grep -c "^$UP$" /tmp/netifd.log

echo unplug >/tmp/e367.ctl
wait_for "12d1:1506 is gone" 30 not is_usbdev 12d1 1506
wait_for "the tty hotplug script marks wan unavailable" 30 grep -qx "proto_set_available wan 0" /tmp/netifd.log
wait_for "and says so" 10 grep -q "umodem: wan: ttyUSB0 removed, interface unavailable" /tmp/syslog.log
wait_for "the link goes down" 60 not up
wait_for "netifd waits for the modem" 30 grep -qx "netifd-idle wan autostart=1 available=0" /tmp/netifd.log
check "teardown stopped pppd" grep -qx "proto_kill_command wan" /tmp/netifd.log
check "ppp-down ran" grep -qx "ppp-down wan umodem-wan" /tmp/netifd.log
check "netifd sent ifdown" grep -qx "hotplug ifdown wan" /tmp/netifd.log
check "no error but NO_DEVICE" not sh -c 'grep "^proto_notify_error" /tmp/netifd.log | grep -vqx "proto_notify_error wan NO_DEVICE"' 
away=$(grep -c "^setup wan$" /tmp/netifd.log)
sleep 5
check "no setup while the stick is away ($away in all)" eq "$away" grep -c "^setup wan$" /tmp/netifd.log

avail=$(grep -cx "proto_set_available wan 1" /tmp/netifd.log)
said=$(grep -c "umodem: wan: ttyUSB[0-9]* added, interface available" /tmp/syslog.log)
echo plug >/tmp/e367.ctl
wait_for "12d1:1446 is back" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 are back" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
# The first plug's line is in the log already: wait for a new one.
wait_for "the tty hotplug script marks wan available" 30 sh -c "[ \$(grep -cx 'proto_set_available wan 1' /tmp/netifd.log) -gt $avail ]"
# (which tty says it first depends on the order the hotplug scripts ran in)
wait_for "and says so" 10 sh -c "[ \$(grep -c 'umodem: wan: ttyUSB[0-9]* added, interface available' /tmp/syslog.log) -gt $said ]"
wait_for "online again: umodem-wan up" 120 up
wait_for "ppp-up again with the network's DNS" 20 sh -c "[ \"\$(grep -c '^$UP\$' /tmp/netifd.log)\" -eq 2 ]"
check "one setup after the plug" eq $((away + 1)) grep -c "^setup wan$" /tmp/netifd.log
check "the stick saw two calls" eq 2 grep -c "gadget modem: call up" /tmp/gadget.log
check "restart never blocked" not grep -q "^proto_block_restart" /tmp/netifd.log
