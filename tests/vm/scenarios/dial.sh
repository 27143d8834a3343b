# The data path end to end over USB: the router's pppd (with Debian's chat as the
# connect script, the reference until `umodem connect` is wired in) dials the virtual
# E367 on ttyUSB0; after CONNECT the stick's model hands the call's bytes to a
# `pppd passive` in its own network namespace playing the network. ppp0 comes up with
# the write-up's addresses and DNS; hanging up ends the call on both sides.
. /vm/lib.sh

NET="unshare -n pppd notty passive noauth nodetach nodefaultroute 10.64.64.64:95.209.96.115 ms-dns 80.251.201.177 ms-dns 80.251.201.178 logfile /tmp/ppp-network.log debug"
umodem-gadget e367 --no-pin --reg-delay-ms 500 --ppp-cmd "$NET" >/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0 exists" 60 test -c /dev/ttyUSB0
check "ttyUSB0 is if0, the modem port" eq 00 tty_iface 0
wait_for "registered on the network" 30 sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT+CREG? | grep -q "^+CREG: 0,[15]$"'

mkdir -p /etc/ppp
pppd /dev/ttyUSB0 115200 nodetach noauth noipdefault usepeerdns defaultroute \
	nodeflate nobsdcomp novj lcp-echo-interval 0 debug logfile /tmp/ppp-router.log \
	connect "chat -v '' AT OK 'AT+CGDCONT=1,\"IP\",\"bredband.tre.se\"' OK 'ATD*99***1#' CONNECT" \
	>/dev/null 2>&1 &
PPPD=$!
has_ip() { ip -4 addr show | grep -q "inet 95.209.96.115 peer 10.64.64.64/32"; }
wait_for "ppp interface up with 95.209.96.115, peer 10.64.64.64" 30 has_ip
check "primary DNS from the network" grep -qx "nameserver 80.251.201.177" /etc/ppp/resolv.conf
check "secondary DNS from the network" grep -qx "nameserver 80.251.201.178" /etc/ppp/resolv.conf
check "default route through the link" sh -c 'ip route | grep -q "^default dev ppp"'
check "the network side answers across the link (ping 10.64.64.64)" ping -c 1 -W 5 10.64.64.64
check "the stick saw the call come up" grep -q "gadget modem: call up" /tmp/gadget.log

kill "$PPPD"
wait_for "router pppd has hung up" 30 not kill -0 "$PPPD"
wait_for "the network side ended too" 30 not pidof pppd
check "ppp interface is gone" not has_ip
check "modem port answers AT again (back in command mode)" sh -c '. /vm/lib.sh; at /dev/ttyUSB0 AT 3 | grep -qx OK'
check "the stick saw the call end" grep -q "gadget modem: CallDown" /tmp/gadget.log
