# Issue 7 (6): the stick is pulled while online. pppd loses the modem port and ends;
# netifd's loop (tests/vm/netifd.sh) tears down and sets up again, and the handler's
# setup waits for a modem; the stick comes back (the 1446 CD-ROM again, switched by
# our hotplug script), `umodem ports` finds it and the link comes up again. pppd
# (persist) tries to reopen the gone port maxfail times and exits 7; teardown reports
# NO_DEVICE; the restart is not blocked.
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
netifd_up wan '{"apn":"bredband.tre.se","maxwait":60}' 10 >/tmp/netifd-run.log 2>&1 &
UP="ppp-up wan umodem-wan ip=95.209.96.115 peer=10.64.64.64 dns=80.251.201.177 80.251.201.178"
up() { ip -4 addr show dev umodem-wan 2>/dev/null | grep -q "inet 95.209.96.115 peer 10.64.64.64/32"; }
wait_for "online: umodem-wan up" 90 up
check "ppp-up once" eq 1 grep -c "^$UP$" /tmp/netifd.log

echo unplug >/tmp/e367.ctl
wait_for "12d1:1506 is gone" 30 not is_usbdev 12d1 1506
wait_for "the link goes down" 60 not up
check "ppp-down ran" grep -qx "ppp-down wan umodem-wan" /tmp/netifd.log
wait_for "pppd gave up on the port (exit 7, the device is gone)" 90 grep -qx "task_exit wan 7" /tmp/netifd.log
wait_for "teardown reported NO_DEVICE" 30 grep -qx "proto_notify_error wan NO_DEVICE" /tmp/netifd.log
check "the handler logged pppd's exit" grep -q "umodem: wan: pppd exited with status 7 (NO_DEVICE)" /tmp/syslog.log
wait_for "the next setup waits for a modem" 60 sh -c '[ "$(grep -c "^setup wan$" /tmp/netifd.log)" -ge 2 ]'

echo plug >/tmp/e367.ctl
wait_for "12d1:1446 is back" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 are back" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
wait_for "online again: umodem-wan up" 120 up
wait_for "ppp-up again with the network's DNS" 20 sh -c "[ \"\$(grep -c '^$UP\$' /tmp/netifd.log)\" -eq 2 ]"
check "the stick saw two calls" eq 2 grep -c "gadget modem: call up" /tmp/gadget.log
check "restart never blocked" not grep -q "^proto_block_restart" /tmp/netifd.log
