# Issue 7 (4): no SIM in the stick. The handler's setup (on the netifd stand-in)
# reports NO_SIM and blocks the restart; pppd is never started.
. /vm/lib.sh
. /vm/netifd.sh

umodem-gadget e367 --no-sim --control /tmp/e367.ctl --reg-delay-ms 500 \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
check "the stick has no SIM" sh -c '. /vm/netifd.sh; sim_status /tmp/e367.ctl | grep -q " sim=absent "'

echo "network.wan=interface
network.wan.proto='umodem'
network.wan.pincode='8328'" >/tmp/uci
netifd_up wan '{"apn":"bredband.tre.se","maxwait":30}' >/tmp/netifd-run.log 2>&1 &
wait_for "the netifd loop ended" 90 grep -q "^netifd-loop wan ended" /tmp/netifd.log
check "setup reported NO_SIM" grep -qx "proto_notify_error wan NO_SIM" /tmp/netifd.log
check "setup blocked the restart" grep -qx "proto_block_restart wan" /tmp/netifd.log
check "one setup, no restart" eq 1 grep -c "^setup wan$" /tmp/netifd.log
check "pppd never started" not grep -q "^proto_run_command" /tmp/netifd.log
check "the handler said why in syslog" grep -q "umodem: wan: setup failed: NO_SIM (not retrying" /tmp/syslog.log
