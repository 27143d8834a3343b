# The virtual E3372 with HiLink firmware, driven by hand: it comes up as the
# 12d1:1f01 CD-ROM, our hotplug script switches it (HuaweiNew), it comes back on the
# same port as 12d1:14dc with an ECM function that the kernel's cdc_ether binds; DHCP
# over that interface gets the stick's lease, the default route and DNS point into
# the stick, a ping reaches the far end behind it and a name resolves through it.
# Unplugged, the interface goes; plugged in again, it is switched again and DHCP works
# again. (The netifd handler drives this in later scenarios.)
. /vm/lib.sh

# A router with kmod-usb-net-cdc-ether; the gadget side's ECM function.
modprobe cdc_ether && modprobe usb_f_ecm || fail "modules"
ours && hotplug_hold
umodem-gadget e3372h --control /tmp/stick.ctl --net-cmd "/vm/farend.sh hilink" \
	>/tmp/gadget.out 2>/tmp/gadget.log &

wait_for "12d1:1f01 appears" 30 is_usbdev 12d1 1f01
D=$(usbdev 12d1 1f01)
PORT=$(basename "$D")
DEVNUM=$(cat "$D/devnum")
check "1f01: 2 mass storage interfaces" eq "2 08 08" val "$D/bNumInterfaces" "$D/$PORT:1.0/bInterfaceClass" "$D/$PORT:1.1/bInterfaceClass"
check "1f01 strings HUAWEI_MOBILE" eq "HUAWEI_MOBILE HUAWEI_MOBILE" val "$D/manufacturer" "$D/product"
check "umodem's database switches 12d1:1f01 with HuaweiNew to 14db/14dc" sh -c 'umodem db lookup 12d1:1f01 >/tmp/db.log && grep -qx "entries.0.method=HuaweiNew" /tmp/db.log && grep -qx "entries.0.target_products.1=14dc" /tmp/db.log'
cdrom() { for s in /sys/bus/scsi/devices/*/; do [ "$(cat "$s/type" 2>/dev/null)" = 5 ] && echo "$s" && return 0; done; return 1; }
wait_for "usb-storage finds the CD-ROM (INQUIRY answered)" 30 cdrom
ours && hotplug_release
T0=$(cut -d' ' -f1 /proc/uptime)
switch_stick 1f01
wait_for "12d1:14dc appears" 60 is_usbdev 12d1 14dc
T1=$(cut -d' ' -f1 /proc/uptime)
echo "    1f01 released at $T0 s, 14dc at $T1 s"
if ours; then
	wait_for "umodem switch exited 0" 20 grep -q "^procd: umodem-switch.$PORT exited with 0" /tmp/procd.log
fi
check "the stick got the HuaweiNew message (CDB 11 06 20 00 00 01 01 00 01)" grep -q "cdb 11 06 20 00 00 01 01 00 01 " /tmp/gadget.log
D2=$(usbdev 12d1 14dc)
check "14dc is on the same port $PORT" eq "$PORT" basename "$D2"
check "14dc is a new device number" sh -c "[ $(cat "$D2/devnum") != $DEVNUM ]"
check "14dc: ECM control 02/06/00, data 0a/00/00, storage 08/06/50" eq "3 02 06 00 0a 00 00 08 06 50" val "$D2/bNumInterfaces" \
	"$D2/$PORT:1.0/bInterfaceClass" "$D2/$PORT:1.0/bInterfaceSubClass" "$D2/$PORT:1.0/bInterfaceProtocol" \
	"$D2/$PORT:1.1/bInterfaceClass" "$D2/$PORT:1.1/bInterfaceSubClass" "$D2/$PORT:1.1/bInterfaceProtocol" \
	"$D2/$PORT:1.2/bInterfaceClass" "$D2/$PORT:1.2/bInterfaceSubClass" "$D2/$PORT:1.2/bInterfaceProtocol"
drv() { basename "$(readlink "$1/driver")"; }
wait_for "cdc_ether binds if0" 20 eq cdc_ether drv "$D2/$PORT:1.0"
check "cdc_ether holds if1 (data) too" eq cdc_ether drv "$D2/$PORT:1.1"
check "no tty on a HiLink stick" not ls /sys/bus/usb-serial/devices/ttyUSB0
NET=$(ls "$D2/$PORT:1.0/net")
echo "    network interface $NET: $(readlink -f "/sys/class/net/$NET")"
check "one interface under if0's net/" eq 1 sh -c "ls '$D2/$PORT:1.0/net' | wc -l"
check "no interface under if1" not ls "$D2/$PORT:1.1/net"
check "/sys/class/net/$NET/device is if0" eq "$PORT:1.0" sh -c "basename \$(readlink /sys/class/net/$NET/device)"
check "$NET's MAC is the stick's (host_addr)" eq 0c:5b:8f:27:9a:64 cat "/sys/class/net/$NET/address"
check "$NET's driver is cdc_ether (uevent)" grep -qx "DRIVER=cdc_ether" "/sys/class/net/$NET/device/uevent"
wait_for "the far end is up behind the stick" 20 grep -q "farend hilink up .* DHCP server" /tmp/farend.log

ip link set "$NET" up
wait_for "$NET has carrier (the stick's NETWORK_CONNECTION)" 30 eq 1 cat "/sys/class/net/$NET/carrier"
check "udhcpc gets a lease on $NET" dhcp "$NET"
check "the lease: 192.168.8.100/24, router and DNS 192.168.8.1" grep -q "udhcpc bound interface=$NET ip=192.168.8.100 mask=24 router=192.168.8.1 dns=192.168.8.1 " /tmp/udhcpc.log
check "address on $NET" sh -c "ip -4 addr show dev $NET | grep -q 'inet 192.168.8.100/24'"
check "default route through the stick" sh -c "ip route | grep -q '^default via 192.168.8.1 dev $NET'"
check "resolver is the stick" grep -qx "nameserver 192.168.8.1" /etc/resolv.conf
check "ping reaches the far end 198.51.100.1" ping -c 1 -W 5 198.51.100.1
check "far.umodem.test resolves through the stick" sh -c "nslookup far.umodem.test | grep -q 198.51.100.1"
check "the stick's DNS server saw the query" grep -q "query far.umodem.test from 192.168.8.100" /tmp/dns.log

echo unplug >/tmp/stick.ctl
wait_for "14dc leaves the bus" 20 not is_usbdev 12d1 14dc
wait_for "$NET is gone" 10 not test -e "/sys/class/net/$NET"
wait_for "the far end is down while unplugged" 10 grep -q "farend hilink down" /tmp/farend.log
echo plug >/tmp/stick.ctl
wait_for "12d1:1f01 is back" 30 is_usbdev 12d1 1f01
switch_stick 1f01
wait_for "switched again: 12d1:14dc" 60 is_usbdev 12d1 14dc
D3=$(usbdev 12d1 14dc)
wait_for "cdc_ether binds if0 again" 20 eq cdc_ether drv "$D3/$PORT:1.0"
NET2=$(ls "$D3/$PORT:1.0/net")
echo "    network interface after the replug: $NET2"
ip link set "$NET2" up
wait_for "$NET2 has carrier" 30 eq 1 cat "/sys/class/net/$NET2/carrier"
check "udhcpc gets the lease again" dhcp "$NET2"
check "ping reaches the far end again" ping -c 1 -W 5 198.51.100.1
