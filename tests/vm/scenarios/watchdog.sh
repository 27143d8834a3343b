# Issue 12's watchdog on a real kernel's USB stack: the daemon reads the switched
# E367; its firmware hangs (AT dead on every port); after three readings without an
# answer the daemon resets the stick's USB port through usbfs (USBDEVFS_RESET); the
# kernel resets the port, the stick restarts (the gadget sees the host disable and
# enable it), its ttys come back and the daemon reads it again; one reset only (the
# bound: once in 10 minutes). No ubusd here: the daemon reads and guards the modems
# all the same, trying ubus every 2 s.
. /vm/lib.sh

umodem-gadget e367 --no-pin --control /tmp/e367.ctl >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
DEV=$(usbdev 12d1 1506)
PORT=$(basename "$DEV")
DEVNUM=$(cat "$DEV/devnum")

mkdir -p /tmp/umodem-run /tmp/umodem-state
UMODEM_RUNDIR=/tmp/umodem-run umodem daemon --interval 2 --watchdog 600 \
	--state-dir /tmp/umodem-state --stderr --log-level debug 2>/tmp/daemon.log &
wait_for "the daemon reads the modem" 60 grep -q "modem $PORT: registration home" /tmp/daemon.log

echo "fault hang" >/tmp/e367.ctl
wait_for "the daemon sees it stopped answering" 60 grep -q "modem $PORT: stopped answering" /tmp/daemon.log
wait_for "the watchdog decides on a USB reset" 60 grep -q "watchdog: modem $PORT (12d1:1506): it stopped answering: reset (usb)" /tmp/daemon.log
wait_for "the USB reset went through usbfs" 30 grep -q "watchdog: modem $PORT: USB reset done" /tmp/daemon.log
check "the kernel reset the port" sh -c "dmesg | grep -q 'reset .*USB device number $DEVNUM'"
check "the stick saw the reset and restarted" grep -q "USB reset by the host: the stick restarts" /tmp/gadget.log
wait_for "ttyUSB2 is back" 30 test -c /dev/ttyUSB2
wait_for "the daemon reads it again" 60 grep -q "modem $PORT: answering again" /tmp/daemon.log
check "the same stick on the same port, the same device number (a reset, not a replug)" \
	eq "12d1:1506 $DEVNUM" sh -c "echo \$(cat $DEV/idVendor):\$(cat $DEV/idProduct) \$(cat $DEV/devnum)"
check "the watchdog remembers the reset in the run dir" grep -q "^$PORT " /tmp/umodem-run/watchdog

# The bound: the stick hangs again at once; more readings without an answer, no
# second reset (the next is allowed 10 minutes after the first).
echo "fault hang" >/tmp/e367.ctl
n=$(grep -c "at > ATQ0V1" /tmp/daemon.log)
wait_for "six more readings" 90 sh -c "[ \$(grep -c 'at > ATQ0V1' /tmp/daemon.log) -ge $((n + 6)) ]"
check "the watchdog held back" grep -q "the last one was less than 600 s ago" /tmp/daemon.log
check "one USB reset only" eq 1 grep -c "reset (usb)" /tmp/daemon.log
check "the stick restarted once" eq 1 grep -c "USB reset by the host" /tmp/gadget.log
