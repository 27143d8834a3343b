# A USB disk on the other bus while the E367 is plugged and switched: the disk keeps
# its driver, its device number and its data, and is never sent the switch message
# nor reset. Our hotplug scripts (when files/ has them) see both devices' uevents.
. /vm/lib.sh

umodem-gadget disk --udc dummy_udc.1 --id 0781:5567 >/tmp/disk.out 2>/tmp/disk.log &
wait_for "disk 0781:5567 appears" 30 is_usbdev 0781 5567
D=$(usbdev 0781 5567)
DPORT=$(basename "$D")
DEVNUM=$(cat "$D/devnum")
wait_for "disk is /dev/sda" 30 test -b /dev/sda
check "disk reads back its marker" eq "UMODEM TEST DISK" sh -c "dd if=/dev/sda bs=512 count=1 2>/dev/null | head -n 1"
check "disk interface bound to usb-storage" eq usb-storage sh -c "basename \$(readlink $D/$DPORT:1.0/driver)"
check "the disk's gadget logs the commands it gets" grep -q "disk0: cdb 12 " /tmp/disk.log

umodem-gadget e367 --udc dummy_udc.0 >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "12d1:1506 appears" 60 is_usbdev 12d1 1506
wait_for "ttyUSB2 exists" 20 test -c /dev/ttyUSB2
sleep 2 # let any late hotplug handler act

check "disk still at $DPORT" is_usbdev 0781 5567
check "disk was not re-enumerated (same devnum)" eq "$DEVNUM" cat "$D/devnum"
check "disk interface still bound to usb-storage" eq usb-storage sh -c "basename \$(readlink $D/$DPORT:1.0/driver)"
check "disk still reads back its marker" eq "UMODEM TEST DISK" sh -c "dd if=/dev/sda bs=512 count=1 iflag=direct 2>/dev/null | head -n 1"
check "disk never got a switch message" sh -c "! grep -q 'cdb 11 06' /tmp/disk.log"
check "disk never got a mass-storage reset" sh -c "! grep -q 'type=21 req=ff' /tmp/disk.log"
check "disk got no remove uevent" not grep -q "^remove usb [^ ]*/$DPORT usb_device" /tmp/uevents
check "(the uevent log does hold the disk's add)" grep -q "^add usb [^ ]*/$DPORT usb_device" /tmp/uevents
if ours; then
	check "the hotplug script started nothing for the disk's port $DPORT" not grep -q "umodem-switch.$DPORT" /tmp/procd.log
	check "it did start the switch for the stick" grep -q "^procd: start umodem-switch.1-1:" /tmp/procd.log
fi
