#!/bin/sh
# Stand-in for OpenWrt's `ubus` CLI, for what a proto handler asks netifd with it:
#
#   ubus [-S] [-t SECONDS] call network add_dynamic JSON
#
# as netifd answers it (ubus.c netifd_add_dynamic, interface.c interface_alloc,
# __interface_add, alias.c): the message must hold a string "name" (else
# "Command failed: Invalid argument", exit 2, and nothing is made); JSON the CLI
# cannot parse is "Failed to parse message data" (exit 255). netifd makes a
# dynamic interface of it with the given proto, device and options (defaultroute,
# peerdns, metric, zone, ...); a name that exists already gets the new config. Its
# device "@PARENT" (key ifname or device) is an alias of PARENT's layer 3 device:
# present while PARENT is up, gone when PARENT goes down, and then the dynamic
# interface is torn down and removed. A proto netifd has no handler for leaves it
# with the error INVALID_PROTO and nothing runs. The model of netifd's loop
# (netifd-model.sh) plays that part from what this writes to $NETIFD_STATE:
# NAME.dynamic (the JSON), NAME.parent; each call is a line in $NETIFD_LOG.
#
# Any other call: "Command failed: Not found", exit 4 (UBUS_STATUS_NOT_FOUND).
# The netifd stand-in's jshn (json_load) reads the message: UBUS_STUB_PROTO names
# it (default /lib/netifd/netifd-proto.sh, where the VM guest has it).

. "${UBUS_STUB_PROTO:-/lib/netifd/netifd-proto.sh}"

while [ $# -gt 0 ]; do
	case "$1" in
	-S | -v) shift ;;
	-t | -s) shift 2 ;;
	*) break ;;
	esac
done

if [ "$1 $2 $3" != "call network add_dynamic" ]; then
	echo "Command failed: Not found" >&2
	exit 4
fi
msg="$4"
[ -n "$msg" ] || msg="{}"
json_load "$msg" 2>/dev/null || {
	echo "Failed to parse message data" >&2
	exit 255
}
json_get_type t name
json_get_var name name
[ "$t" = string ] && [ -n "$name" ] || {
	_stub_log "add_dynamic refused (Invalid argument: no name) $msg"
	echo "Command failed: Invalid argument" >&2
	exit 2
}
json_get_var proto proto
json_get_var dev device || json_get_var dev ifname
parent=
case "$dev" in @?*) parent="${dev#@}" ;; esac
mkdir -p "$NETIFD_STATE"
if [ -f "$NETIFD_STATE/$name.dynamic" ]; then
	_stub_log "add_dynamic $name (exists: config updated) $msg"
else
	_stub_log "add_dynamic $name proto=${proto:-none} device=${dev:--} $msg"
fi
printf '%s\n' "$msg" >"$NETIFD_STATE/$name.dynamic"
echo "$parent" >"$NETIFD_STATE/$name.parent"
exit 0
