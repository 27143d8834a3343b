#!/bin/sh
# The network behind a virtual stick's network function: umodem-gadget's --net-cmd.
#
#   farend.sh hilink|ncm attach|up|down IFNAME
#
# attach: a network namespace of its own (held by a sleeping process), the gadget
#   side's interface IFNAME moved into it, the stick's side of the link, the far end
#   (FAR, a host "on the internet", on the namespace's loopback) and DNS servers
#   (umodem-gadget dns) that know far.umodem.test.
# up: the link passes traffic and a DHCP server (busybox udhcpd) answers on it.
# down: no DHCP server, the link down (nothing crosses).
#
# hilink: the stick is a router: 192.168.8.1/24, leases 192.168.8.100, router and DNS
#   192.168.8.1 (what an E3372 HiLink hands out).
# ncm: the operator's network behind an NDIS call: 100.72.13.22/30, router
#   100.72.13.21, DNS 80.251.201.177 and .178 (the E367 scenarios' operator DNS).
# Every action is logged to /tmp/farend.log; DHCP server to /tmp/udhcpd.log, DNS
# queries to /tmp/dns.log.
set -u
profile=$1
action=$2
ifname=$3
D=/tmp/farend
mkdir -p "$D"
FAR=198.51.100.1
case $profile in
hilink) GW=192.168.8.1 PREFIX=24 MASK=255.255.255.0 LEASE=192.168.8.100 DNS=192.168.8.1 ;;
ncm) GW=100.72.13.21 PREFIX=30 MASK=255.255.255.252 LEASE=100.72.13.22 DNS="80.251.201.177 80.251.201.178" ;;
*)
	echo "farend: unknown profile '$profile'" >&2
	exit 2
	;;
esac
say() { echo "farend $profile $action $ifname: $* @$(cut -d' ' -f1 /proc/uptime)" >>/tmp/farend.log; }
in_ns() { nsenter -t "$(cat "$D/ns.pid")" -n "$@"; }

case $action in
attach)
	unshare -n sleep 100000000 &
	pid=$!
	echo "$pid" >"$D/ns.pid"
	# The link can move only once unshare(2) has run.
	n=0
	while [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/$$/ns/net)" ]; do
		n=$((n + 1))
		[ $n -lt 50 ] || { say "no namespace"; exit 1; }
		usleep 100000
	done
	ip link set "$ifname" netns "$pid" || { say "cannot move $ifname"; exit 1; }
	in_ns ip link set lo up
	in_ns ip addr add "$GW/$PREFIX" dev "$ifname"
	in_ns ip addr add "$FAR/32" dev lo
	for d in $DNS; do
		[ "$d" = "$GW" ] || in_ns ip addr add "$d/32" dev lo
		in_ns umodem-gadget dns --listen "$d" --name "far.umodem.test=$FAR" 2>>/tmp/dns.log &
	done
	say "namespace of pid $pid: $GW/$PREFIX on $ifname, far end $FAR, DNS $DNS"
	;;
up)
	cat >"$D/udhcpd.conf" <<-CONF
		start $LEASE
		end $LEASE
		interface $ifname
		max_leases 1
		lease_file $D/udhcpd.leases
		option subnet $MASK
		option router $GW
		option dns $DNS
		option lease 3600
	CONF
	: >"$D/udhcpd.leases"
	in_ns ip link set "$ifname" up
	in_ns udhcpd -f -a 100 "$D/udhcpd.conf" >>/tmp/udhcpd.log 2>&1 &
	echo $! >"$D/udhcpd.pid"
	say "link up, DHCP server (pid $!) leases $LEASE"
	# The kernel's ECM/NCM function tells the host "connected" when its side opens;
	# under load that notification can reach the host while cdc_ether is still
	# opening its interface, and the host never sees carrier (seen here: 1 boot in 3
	# under TCG). Until the first packet from the host arrives, say it again every
	# 2 s (close and reopen this side), at most 30 times.
	(
		n=0
		while [ $n -lt 30 ] && [ -f "$D/udhcpd.pid" ]; do
			sleep 2
			rx=$(in_ns cat /proc/net/dev | sed -n "s/^ *$ifname: *\([0-9]*\) *\([0-9]*\).*/\2/p")
			[ "${rx:-0}" -gt 0 ] && break
			in_ns ip link set "$ifname" down
			in_ns ip link set "$ifname" up
			n=$((n + 1))
		done
		say "first packet from the host after $n re-announcements"
	) &
	echo $! >"$D/watch.pid"
	;;
down)
	[ -f "$D/watch.pid" ] && kill "$(cat "$D/watch.pid")" 2>/dev/null
	rm -f "$D/watch.pid"
	if [ -f "$D/udhcpd.pid" ]; then
		kill "$(cat "$D/udhcpd.pid")" 2>/dev/null
		rm -f "$D/udhcpd.pid"
	fi
	in_ns ip link set "$ifname" down
	say "link down, no DHCP server"
	;;
*)
	say "unknown action"
	exit 2
	;;
esac
exit 0
