# The virtual E3372 with stick firmware, driven by hand: 12d1:1f01 CD-ROM, our hotplug
# script switches it, it comes back as 12d1:1506 with the PCUI (if0, ff/02/12) and the
# modem port (if1, ff/02/01) bound by option as ttyUSB0/1, and an NCM function bound
# by cdc_ncm. The AT ports speak the E3372 dialect (LTE readings); DHCP on the NCM
# interface gets nothing until AT^NDISDUP=1,1,"apn" on the PCUI starts the data call,
# then gets the operator's lease; a ping crosses; AT^NDISDUP=1,0 ends it.
. /vm/lib.sh

modprobe cdc_ncm && modprobe huawei_cdc_ncm && modprobe usb_f_ncm || fail "modules"
ours && hotplug_hold
umodem-gadget e3372s --no-pin --reg-delay-ms 500 --apn internet --control /tmp/stick.ctl \
	--net-cmd "/vm/farend.sh ncm" >/tmp/gadget.out 2>/tmp/gadget.log &

wait_for "12d1:1f01 appears" 30 is_usbdev 12d1 1f01
D=$(usbdev 12d1 1f01)
PORT=$(basename "$D")
cdrom() { for s in /sys/bus/scsi/devices/*/; do [ "$(cat "$s/type" 2>/dev/null)" = 5 ] && echo "$s" && return 0; done; return 1; }
wait_for "usb-storage finds the CD-ROM" 30 cdrom
ours && hotplug_release
T0=$(cut -d' ' -f1 /proc/uptime)
switch_stick 1f01
wait_for "12d1:1506 appears" 60 is_usbdev 12d1 1506
T1=$(cut -d' ' -f1 /proc/uptime)
echo "    1f01 released at $T0 s, 1506 at $T1 s"
check "the stick got the HuaweiNew message" grep -q "cdb 11 06 20 00 00 01 01 00 01 " /tmp/gadget.log
D2=$(usbdev 12d1 1506)
check "1506 is on the same port $PORT" eq "$PORT" basename "$D2"
check "1506: 6 interfaces" eq 6 val "$D2/bNumInterfaces"
check "if0 ff/02/12 (PCUI), if1 ff/02/01 (modem)" eq "ff 02 12 ff 02 01" val \
	"$D2/$PORT:1.0/bInterfaceClass" "$D2/$PORT:1.0/bInterfaceSubClass" "$D2/$PORT:1.0/bInterfaceProtocol" \
	"$D2/$PORT:1.1/bInterfaceClass" "$D2/$PORT:1.1/bInterfaceSubClass" "$D2/$PORT:1.1/bInterfaceProtocol"
check "if2 NCM control 02/0d/00, if3 NCM data 0a/00/01" eq "02 0d 00 0a 00 01" val \
	"$D2/$PORT:1.2/bInterfaceClass" "$D2/$PORT:1.2/bInterfaceSubClass" "$D2/$PORT:1.2/bInterfaceProtocol" \
	"$D2/$PORT:1.3/bInterfaceClass" "$D2/$PORT:1.3/bInterfaceSubClass" "$D2/$PORT:1.3/bInterfaceProtocol"
wait_for "ttyUSB0 and ttyUSB1 exist" 20 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1
check "no ttyUSB2" test ! -e /dev/ttyUSB2
check "ttyUSB0 is if0 (PCUI)" eq 00 tty_iface 0
check "ttyUSB1 is if1 (modem)" eq 01 tty_iface 1
check "both bound by option" eq "option1 option1" sh -c '. /vm/lib.sh; echo $(tty_driver 0) $(tty_driver 1)'
drv() { basename "$(readlink "$1/driver")"; }
wait_for "cdc_ncm binds if2" 20 eq cdc_ncm drv "$D2/$PORT:1.2"
check "cdc_ncm holds if3 (data) too" eq cdc_ncm drv "$D2/$PORT:1.3"
NET=$(ls "$D2/$PORT:1.2/net")
echo "    network interface $NET: $(readlink -f "/sys/class/net/$NET")"
check "/sys/class/net/$NET/device is if2" eq "$PORT:1.2" sh -c "basename \$(readlink /sys/class/net/$NET/device)"
check "$NET's MAC is the stick's" eq 00:1e:10:1f:00:00 cat "/sys/class/net/$NET/address"
# OpenWrt's ncm.sh finds the network interface from the control tty this way.
check "from ttyUSB0, /sys/class/tty/ttyUSB0/device/../../*/net holds only $NET" eq "$NET" sh -c 'ls $(ls -1 -d $(readlink -f /sys/class/tty/ttyUSB0/device)/../../*/net)'
wait_for "the far end is attached (data path still down)" 20 grep -q "farend ncm attach" /tmp/farend.log

check "AT on ttyUSB0 (PCUI) answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT | grep -qx OK'
check "AT+CGMM names the E3372" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT+CGMM | grep -qx E3372'
check "AT on ttyUSB1 (modem) answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB1 AT | grep -qx OK'
wait_for "registered on LTE (^SYSINFOEX)" 20 sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT^SYSINFOEX | grep -qF "^SYSINFOEX:2,3,0,1,0,6,\"LTE\",101,\"LTE\""'
check "^HCSQ gives LTE readings" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT^HCSQ? | grep -q "HCSQ:\"LTE\",[0-9]*,[0-9]*,[0-9]*,[0-9]*$"'
check "+COPS: E-UTRAN (act 7)" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT+COPS? | grep -qx "+COPS: 0,0,\"3 SE\",7"'

ip link set "$NET" up
check "before the data call no DHCP server answers" not udhcpc -i "$NET" -n -q -t 2 -T 1 -s /vm/udhcpc.script
check "AT^NDISDUP=1,1 with the APN answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 "AT^NDISDUP=1,1,\"internet\"" | grep -qx OK'
wait_for "the model brought the data path up" 10 grep -q "farend ncm up .* DHCP server" /tmp/farend.log
check "the gadget logged the NDIS call" grep -q "gadget modem: NDIS call up" /tmp/gadget.log
check "udhcpc gets a lease on $NET" dhcp "$NET"
check "the lease: 100.72.13.22/30, router 100.72.13.21, the operator's DNS" grep -q "udhcpc bound interface=$NET ip=100.72.13.22 mask=30 router=100.72.13.21 dns=80.251.201.177 80.251.201.178 " /tmp/udhcpc.log
check "default route through the stick" sh -c "ip route | grep -q '^default via 100.72.13.21 dev $NET'"
check "ping reaches the far end 198.51.100.1" ping -c 1 -W 5 198.51.100.1
check "far.umodem.test resolves through the stick" sh -c "nslookup far.umodem.test | grep -q 198.51.100.1"
check "^NDISSTATQRY says connected" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT^NDISSTATQRY? | grep -qF "^NDISSTATQRY: 1,"'

check "AT^NDISDUP=1,0 answers OK" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 "AT^NDISDUP=1,0" | grep -qx OK'
wait_for "the model took the data path down" 10 grep -q "farend ncm down" /tmp/farend.log
check "nothing crosses after the data call ended" not ping -c 1 -W 2 198.51.100.1
