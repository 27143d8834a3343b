#!/bin/sh
# Stand-in for OpenWrt's DHCP proto handler (netifd's /lib/netifd/proto/dhcp.sh),
# installed there in the VM guest and in the shell tests' root: what a dynamic
# sub-interface with `proto dhcp` runs (add_dynamic, see ubus-stub.sh). As the
# real one: setup exports INTERFACE and runs busybox udhcpc in the foreground
# with proto_run_command (-f, -t 0: it never gives up), its script
# /lib/netifd/dhcp.script (dhcp-script.sh here) reports the lease to netifd;
# teardown stops it. The real one's options (hostname, clientid, vendorid,
# reqopts, 6rd, ...) are not modelled: our handler sets none of them.

[ -n "$INCLUDE_ONLY" ] || {
	. ../netifd-proto.sh
	init_proto "$@"
}

proto_dhcp_init_config() {
	renew_handler=1
}

proto_dhcp_setup() {
	local config="$1" iface="$2"
	proto_export "INTERFACE=$config"
	proto_run_command "$config" udhcpc -p "/var/run/udhcpc-$iface.pid" \
		-s "${NETIFD_MAIN_DIR:-/lib/netifd}/dhcp.script" -f -t 0 -i "$iface" -C
}

proto_dhcp_teardown() {
	proto_kill_command "$1"
}

[ -n "$INCLUDE_ONLY" ] || add_protocol dhcp
