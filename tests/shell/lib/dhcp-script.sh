#!/bin/sh
# Stand-in for netifd's /lib/netifd/dhcp.script (busybox udhcpc's script under
# OpenWrt's DHCP proto, dhcp-proto.sh): a lease is reported to netifd as the real
# script does (proto_init_update "*" 1, the address with its mask, a default route
# per router, the DNS servers, proto_send_update), deconfig as link down. The
# real one's extras (classless static routes, a host route to an off-link router,
# 6rd) are not modelled. Each event is also a line in $NETIFD_LOG.
[ -n "$1" ] || exit 1
. "${NETIFD_MAIN_DIR:-/lib/netifd}/netifd-proto.sh"
_stub_log "dhcp.script $1 $INTERFACE interface=$interface ip=${ip:-} subnet=${subnet:-} router=${router:-} dns=${dns:-}"
case "$1" in
deconfig)
	proto_init_update "*" 0
	proto_send_update "$INTERFACE"
	;;
bound | renew)
	proto_init_update "*" 1
	proto_add_ipv4_address "$ip" "${subnet:-255.255.255.0}"
	for r in $router; do
		proto_add_ipv4_route 0.0.0.0 0 "$r" "$ip"
	done
	for d in $dns; do
		proto_add_dns_server "$d"
	done
	proto_send_update "$INTERFACE"
	;;
esac
exit 0
