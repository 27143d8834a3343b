# Plug the virtual E367: it comes up as the 12d1:1446 CD-ROM, usb-storage talks to it,
# the switch (our hotplug script and umodem switch; with UMODEM_VM_SWITCH=reference,
# Debian's usb_modeswitch) makes it re-appear as 12d1:1506 on the same port, `option` binds
# if0/if3/if4 to ttyUSB0..2 by itself, and the ports speak as umodem-sim's E367.
. /vm/lib.sh

# Our hotplug script would switch the stick at once, racing usb-storage's INQUIRY:
# hold it until the CD-ROM phase has been looked at.
ours && hotplug_hold
umodem-gadget e367 --udc dummy_udc.0 >/tmp/gadget.out 2>/tmp/gadget.log &

wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
D=$(usbdev 12d1 1446)
PORT=$(basename "$D")
DEVNUM=$(cat "$D/devnum")
echo "    at $PORT, devnum $DEVNUM"
check "1446 has 2 interfaces" eq 2 val "$D/bNumInterfaces"
check "manufacturer string" eq "Huawei Technologies" cat "$D/manufacturer"
check "product string" eq "HUAWEI Mobile" cat "$D/product"
check "if0 is mass storage 08/06/50" eq "08 06 50" val "$D/$PORT:1.0/bInterfaceClass" "$D/$PORT:1.0/bInterfaceSubClass" "$D/$PORT:1.0/bInterfaceProtocol"
check "if1 is mass storage 08/06/50" eq "08 06 50" val "$D/$PORT:1.1/bInterfaceClass" "$D/$PORT:1.1/bInterfaceSubClass" "$D/$PORT:1.1/bInterfaceProtocol"

cdrom() { for s in /sys/bus/scsi/devices/*/; do [ "$(cat "$s/type" 2>/dev/null)" = 5 ] && echo "$s" && return 0; done; return 1; }
wait_for "usb-storage finds a SCSI CD-ROM (INQUIRY answered)" 30 cdrom
S=$(cdrom)
check "INQUIRY vendor HUAWEI" eq HUAWEI val "$S/vendor"
check "INQUIRY model Mass Storage" eq "Mass Storage" val "$S/model"
check "INQUIRY revision 2.31" eq "2.31" val "$S/rev"
check "gadget saw TEST UNIT READY" grep -q "cdb 00 00 00" /tmp/gadget.log
check "gadget saw READ CAPACITY" grep -q "cdb 25 " /tmp/gadget.log

ours && hotplug_release
switch_stick
wait_for "12d1:1506 appears" 60 is_usbdev 12d1 1506
if ours; then
	check "the hotplug script started umodem switch for port $PORT" grep -q "^procd: start umodem-switch.$PORT: /usr/sbin/umodem switch" /tmp/procd.log
	wait_for "umodem switch exited 0" 20 grep -q "^procd: umodem-switch.$PORT exited with 0" /tmp/procd.log
fi
check "gadget recognised the switch message" grep -q "switch message: CSW sent (Ok" /tmp/gadget.log
check "12d1:1446 is gone" not is_usbdev 12d1 1446
D2=$(usbdev 12d1 1506)
check "1506 is on the same port $PORT" eq "$PORT" basename "$D2"
check "1506 is a new device number" sh -c "[ $(cat "$D2/devnum") != $DEVNUM ]"
check "1506 has 7 interfaces" eq 7 val "$D2/bNumInterfaces"
check "1506 device class ef/02/01" eq "ef 02 01" val "$D2/bDeviceClass" "$D2/bDeviceSubClass" "$D2/bDeviceProtocol"

wait_for "ttyUSB0..2 exist" 20 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
check "no ttyUSB3" test ! -e /dev/ttyUSB3
check "ttyUSB0 is if0 (modem)" eq 00 tty_iface 0
check "ttyUSB1 is if3 (diag)" eq 03 tty_iface 1
check "ttyUSB2 is if4 (PCUI)" eq 04 tty_iface 2
check "ttyUSB0 bound by option" eq option1 tty_driver 0
check "if4 is ff/01/02" eq "ff 01 02" val "$D2/$PORT:1.4/bInterfaceClass" "$D2/$PORT:1.4/bInterfaceSubClass" "$D2/$PORT:1.4/bInterfaceProtocol"
check "no new_id was needed" eq "" cat /sys/bus/usb-serial/drivers/option1/new_id

check "AT on ttyUSB2 answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT | grep -qx OK'
check "AT+CGMM on ttyUSB2 names the E367" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT+CGMM | grep -qx E367'
check "AT on ttyUSB0 (modem port) answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT | grep -qx OK'
check "ttyUSB1 (diagnostics) does not answer AT" sh -c '. /vm/lib.sh; ! at /dev/ttyUSB1 AT 1 | grep -q OK'
check "opening the port set DTR/RTS (SET_CONTROL_LINE_STATE)" grep -q "e367m4: setup type=21 req=22 value=0003" /tmp/gadget.log
