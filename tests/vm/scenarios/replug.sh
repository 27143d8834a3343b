# Unplug the switched E367 and plug it in again: the ttys go away with the device;
# the stick comes back as the 12d1:1446 CD-ROM (a real stick starts over), switches
# again and gets its ttys back on the same port, with the model powered on afresh
# (the unlocked SIM wants its PIN again).
. /vm/lib.sh

UMODEM_SIM_PIN=8328 umodem-gadget e367 --control /tmp/e367.ctl >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
PORT=$(basename "$(usbdev 12d1 1446)")
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
check "AT on ttyUSB2 answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT | grep -qx OK'
check "the SIM wants its PIN" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT+CPIN? | grep -qx "+CPIN: SIM PIN"'
check "the PIN unlocks it" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT+CPIN=\"8328\" 3 | grep -qx OK'
check "the SIM is ready" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT+CPIN? | grep -qx "+CPIN: READY"'

echo unplug >/tmp/e367.ctl
wait_for "12d1:1506 is gone" 30 not is_usbdev 12d1 1506
wait_for "ttyUSB0..2 are gone" 20 not sh -c 'ls /dev/ttyUSB* >/dev/null 2>&1'
wait_for "remove uevent for the device" 15 grep -q "^remove usb .*/$PORT usb_device 12d1/1506/" /tmp/uevents

echo plug >/tmp/e367.ctl
wait_for "12d1:1446 is back" 30 is_usbdev 12d1 1446
check "on the same port" eq "$PORT" sh -c '. /vm/lib.sh; basename $(usbdev 12d1 1446)'
switch_stick
wait_for "ttyUSB0..2 are back" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
check "ttyUSB2 is if4 again" eq 04 tty_iface 2
check "AT on ttyUSB2 answers OK after the replug" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT | grep -qx OK'
check "the stick powered on afresh: PIN wanted again" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT+CPIN? | grep -qx "+CPIN: SIM PIN"'
check "the gadget switched twice" eq 2 sh -c "grep -c 'switch message: CSW sent (Ok' /tmp/gadget.log"
