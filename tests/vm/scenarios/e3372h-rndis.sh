# The virtual E3372 HiLink with an RNDIS network function (--rndis) instead of ECM,
# as some HiLink firmwares have: after the switch, rndis_host binds it, DHCP gets the
# stick's lease, a ping reaches the far end.
. /vm/lib.sh

modprobe rndis_host && modprobe usb_f_rndis || fail "modules"
umodem-gadget e3372h --rndis --net-cmd "/vm/farend.sh hilink" >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1f01 appears" 30 is_usbdev 12d1 1f01
PORT=$(basename "$(usbdev 12d1 1f01)")
switch_stick 1f01
wait_for "12d1:14dc appears" 60 is_usbdev 12d1 14dc
D2=$(usbdev 12d1 14dc)
check "14dc: RNDIS control 02/02/ff, data 0a/00/00" eq "02 02 ff 0a 00 00" val \
	"$D2/$PORT:1.0/bInterfaceClass" "$D2/$PORT:1.0/bInterfaceSubClass" "$D2/$PORT:1.0/bInterfaceProtocol" \
	"$D2/$PORT:1.1/bInterfaceClass" "$D2/$PORT:1.1/bInterfaceSubClass" "$D2/$PORT:1.1/bInterfaceProtocol"
drv() { basename "$(readlink "$1/driver")"; }
wait_for "rndis_host binds if0" 20 eq rndis_host drv "$D2/$PORT:1.0"
check "rndis_host holds if1 too" eq rndis_host drv "$D2/$PORT:1.1"
NET=$(ls "$D2/$PORT:1.0/net")
echo "    network interface $NET: $(readlink -f "/sys/class/net/$NET")"
check "$NET's driver is rndis_host (uevent)" grep -qx "DRIVER=rndis_host" "/sys/class/net/$NET/device/uevent"
wait_for "the far end is up behind the stick" 20 grep -q "farend hilink up .* DHCP server" /tmp/farend.log
ip link set "$NET" up
wait_for "$NET has carrier" 30 eq 1 cat "/sys/class/net/$NET/carrier"
check "udhcpc gets the stick's lease on $NET" dhcp "$NET"
check "the lease: 192.168.8.100/24" grep -q "udhcpc bound interface=$NET ip=192.168.8.100 mask=24 router=192.168.8.1 " /tmp/udhcpc.log
check "ping reaches the far end 198.51.100.1" ping -c 1 -W 5 198.51.100.1
