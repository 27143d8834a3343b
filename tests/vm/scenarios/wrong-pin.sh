# Issue 7 (3): the configured PIN is wrong. The handler's setup (on the netifd
# stand-in) has `umodem prepare` send it once: the SIM rejects it, one attempt is
# spent (3 -> 2), the handler reports PIN_FAILED and blocks the restart. A second
# setup sends nothing: the SIM still has 2 attempts.
. /vm/lib.sh
. /vm/netifd.sh

UMODEM_SIM_PIN=1111 umodem-gadget e367 --control /tmp/e367.ctl --reg-delay-ms 500 \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
check "the SIM has 3 attempts before setup" eq 3 pin_left /tmp/e367.ctl

echo "network.wan=interface
network.wan.proto='umodem'
network.wan.pincode='8328'" >/tmp/uci
CFG='{"apn":"bredband.tre.se","maxwait":30}'
netifd_up wan "$CFG" >/tmp/netifd-run.log 2>&1 &
wait_for "the netifd loop ended" 90 grep -q "^netifd-loop wan ended" /tmp/netifd.log
check "setup reported PIN_FAILED" grep -qx "proto_notify_error wan PIN_FAILED" /tmp/netifd.log
check "setup blocked the restart" grep -qx "proto_block_restart wan" /tmp/netifd.log
check "one setup, no restart" eq 1 grep -c "^setup wan$" /tmp/netifd.log
check "pppd never started" not grep -q "^proto_run_command" /tmp/netifd.log
check "the handler said why in syslog" grep -q "umodem: wan: setup failed: PIN_FAILED (not retrying: fix the cause, then ifup wan)" /tmp/syslog.log
check "exactly one attempt spent (2 left)" eq 2 pin_left /tmp/e367.ctl
check "the SIM still wants its PIN" sh -c '. /vm/netifd.sh; sim_status /tmp/e367.ctl | grep -q " sim=pin "'

# Someone runs ifup again without fixing the PIN: the rejected PIN is not sent again.
: >/tmp/netifd.log
handler setup wan "$CFG" >>/tmp/netifd-run.log 2>&1
check "second setup: PIN_FAILED again" grep -qx "proto_notify_error wan PIN_FAILED" /tmp/netifd.log
check "second setup: restart blocked again" grep -qx "proto_block_restart wan" /tmp/netifd.log
check "nothing sent: still 2 attempts left" eq 2 pin_left /tmp/e367.ctl
check "the PIN is in no log" not grep -rq 8328 /tmp/syslog.log /tmp/netifd.log /tmp/netifd-run.log
