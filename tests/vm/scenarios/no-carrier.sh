# Issue 7 (5): the network refuses every call (the model's `fault refuse`: ATD gives
# NO CARRIER). pppd, started by the handler's setup with `umodem connect`, tries
# maxfail 3 times with its holdoff between tries and exits 8; teardown reports
# NO_CARRIER (from umodem connect's status file); the next setup waits (backoff)
# before dialling again: no tight loop.
. /vm/lib.sh
. /vm/netifd.sh

umodem-gadget e367 --no-pin --fault refuse --control /tmp/e367.ctl --reg-delay-ms 500 \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2

echo "network.wan=interface
network.wan.proto='umodem'" >/tmp/uci
netifd_up wan '{"apn":"bredband.tre.se","maxwait":30}' >/tmp/netifd-run.log 2>&1 &
wait_for "pppd gave up (exit 8, connect failed)" 120 grep -qx "task_exit wan 8" /tmp/netifd.log
check "pppd's connect program was umodem connect" grep -qx "  argv umodem connect --dial '\*99\*\*\*1#'" /tmp/netifd.log
check "umodem connect saw NO CARRIER" grep -q "NO_CARRIER" /var/run/umodem/wan.connect
check "pppd dialled maxfail (3) times, no more" eq 3 grep -c "Connect script failed" /tmp/syslog.log
sed -n 's/^  argv //p' /tmp/netifd.log | tr '\n' ' ' >/tmp/pppd-args
check "pppd was told to try 3 times, 10 s apart" grep -q " persist maxfail 3 holdoff 10 " /tmp/pppd-args
wait_for "teardown reported NO_CARRIER" 30 grep -qx "proto_notify_error wan NO_CARRIER" /tmp/netifd.log
check "the handler logged pppd's exit" grep -q "umodem: wan: pppd exited with status 8 (NO_CARRIER)" /tmp/syslog.log
check "restart not blocked (the network may come back)" not grep -q "^proto_block_restart" /tmp/netifd.log
wait_for "the next setup backs off before dialling" 60 grep -q "umodem: wan: 1 failed attempt(s) in a row (last: NO_CARRIER), waiting 5s" /tmp/syslog.log
