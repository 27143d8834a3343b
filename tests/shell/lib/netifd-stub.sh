# Stand-in for netifd's shell library (netifd-proto.sh, utils.sh, and the parts of
# libubox's jshn.sh a handler uses), for tests on machines without netifd.
#
# Installed by the tests as ROOT/lib/netifd/netifd-proto.sh, so a handler sources
# it the way it sources the real one (`. ../netifd-proto.sh` from the proto dir).
# It follows the documented API: the same function names, arguments, variable
# effects and return codes; where the real library would send a message to netifd
# over ubus, this one appends a line to $NETIFD_LOG:
#   proto_notify_error IFACE CODE...       proto_block_restart IFACE
#   proto_set_available IFACE 0|1          proto_kill_command IFACE [SIGNAL]
#   proto_init_update IFNAME UP [EXT]      proto_send_update IFACE
#   proto_setup_failed IFACE               proto_add_host_dependency IFACE HOST [IF]
#   proto_run_command IFACE                then one "  argv WORD" line per word
#                                          and one "  env NAME=VALUE" per export
#   task_exit IFACE STATUS                 (see NETIFD_RUN below)
# proto_send_update follows netifd's rules for link up and down, and refuses
# updates from teardown, as netifd does (see the function); the jshn builders
# (json_init ... json_dump) make the JSON a handler sends with `ubus call
# network add_dynamic` (ubus-stub.sh, the `ubus` of the tests and the VM guest).
#
# What netifd does with those messages (seen running OpenWrt's netifd 23.05,
# proto-shell.c and interface.c) is kept in $NETIFD_STATE/IFACE.* when
# NETIFD_STATE is set, for the model of netifd's loop (netifd-model.sh):
#   autostart   0 after proto_block_restart (netifd restarts nothing until ifup)
#   available   what proto_set_available said
#   errors      the codes of proto_notify_error (netifd clears them at each setup)
#   task.pid / task.rc   the proto_run_command process and its exit status
# and these surprises are played as netifd plays them:
# - proto_set_available IFACE 0 while setup runs (the handler's own call, or a
#   hotplug script's): netifd tears the interface down at once, which kills the
#   running setup script with SIGTERM (nothing after the call runs);
# - proto_run_command with more than 62 words (argv[0] included; argv[64] in
#   proto-shell.c) or more than 30 exported variables: netifd refuses it (ubus
#   "Invalid argument"), starts nothing, and the call returns non-zero.
#
# proto_run_command: netifd starts the command as its child, with the exported
# variables added to its environment, and goes on; setup returns while it runs.
# With NETIFD_RUN=1 this stand-in starts it the same way, in the background
# (argv[0] looked up by its base name in PATH, so tests can put a fake pppd
# there), logs "task_exit IFACE STATUS" when it ends and keeps the status in
# $NETIFD_STATE/IFACE.task.rc: a test plays netifd's part with netifd-model.sh
# (or waits for the task and runs teardown with ERROR=STATUS itself).
#
# jshn stand-in: json_load takes a flat JSON object whose values are strings,
# numbers, booleans (loaded as 1/0, as jshn does) or arrays of those: the shape
# of the config netifd hands a proto handler. Nested objects are refused
# (json_load returns 1).

NETIFD_MAIN_DIR="${NETIFD_MAIN_DIR:-/lib/netifd}"
NETIFD_LOG="${NETIFD_LOG:-/dev/null}"

_stub_log() {
	echo "$*" >>"$NETIFD_LOG"
}

# --- utils.sh ---------------------------------------------------------------

append() {
	local var="$1" value="$2" sep="${3:- }"
	eval "export -- \"$var=\${$var:+\${$var}\${value:+\$sep}}\$value\""
}

add_default_handler() {
	case "$(type "$1" 2>/dev/null)" in
	*function*) return ;;
	*) eval "$1() { return; }" ;;
	esac
}

# Option declarations, collected for `dump` as [name, blobmsg type] pairs.
_STUB_CONFIG=
_stub_config_add() {
	_STUB_CONFIG="${_STUB_CONFIG:+$_STUB_CONFIG,}[\"$1\",$2]"
}
config_add_int() { _stub_config_add "$1" 5; }
config_add_array() { _stub_config_add "$1" 1; }
config_add_string() { _stub_config_add "$1" 3; }
config_add_boolean() { _stub_config_add "$1" 7; }

# --- jshn -------------------------------------------------------------------

# Loaded values live in _JSV_<key>, types in _JST_<key>, key list in _JSKEYS.
json_cleanup() {
	local k
	for k in $_JSKEYS; do
		unset "_JSV_$k" "_JST_$k"
	done
	_JSKEYS=
}

json_init() {
	json_cleanup
	_JB=
	_JB_SEP=
	_JB_STACK=
}

# Building JSON (json_init, json_add_*, json_dump): what handlers send netifd
# (`ubus call network add_dynamic "$(json_dump)"`, the notify data). As in jshn,
# json_init also forgets what json_load loaded: a handler that builds JSON
# (proto_init_update does) can no longer json_get_var its config afterwards.
# Booleans take a number, as jshn reads them (atoi): 1 is true, "true" is false.
_jb_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}
_jb_put() {
	local k=
	case "$_JB_STACK" in *']') ;; *) k="$(_jb_str "$1"):" ;; esac
	_JB="$_JB$_JB_SEP$k$2"
	_JB_SEP=,
}
_jb_open() {
	_jb_put "$1" "$2"
	_JB_SEP=
	_JB_STACK="$_JB_STACK$3"
}
_jb_close() {
	[ -n "$_JB_STACK" ] || return 0
	_JB="$_JB${_JB_STACK#"${_JB_STACK%?}"}"
	_JB_STACK="${_JB_STACK%?}"
	_JB_SEP=,
}
json_add_string() { _jb_put "$1" "$(_jb_str "$2")"; }
json_add_int() { _jb_put "$1" "$((${2:-0} + 0))"; }
json_add_boolean() {
	case "$2" in [1-9]* | -[1-9]*) _jb_put "$1" true ;; *) _jb_put "$1" false ;; esac
}
json_add_double() { _jb_put "$1" "$2"; }
json_add_null() { _jb_put "$1" null; }
json_add_array() { _jb_open "$1" "[" "]"; }
json_close_array() { _jb_close; }
json_add_object() { _jb_open "$1" "{" "}"; }
# At the top level (no object open) this closes nothing, as handlers such as
# OpenWrt's ncm.sh call it there.
json_close_object() { _jb_close; }
json_dump() {
	while [ -n "$_JB_STACK" ]; do _jb_close; done
	printf '{%s}\n' "$_JB"
}

_stub_json_key() {
	echo "$1" | sed 's/[^a-zA-Z0-9_]/_/g'
}

json_load() {
	local assignments
	json_cleanup
	assignments=$(printf '%s' "$1" | awk '
		function fail(why) { print "json_load: " why > "/dev/stderr"; bad = 1; exit 1 }
		function ws() { while (pos <= n && substr(s, pos, 1) ~ /[ \t\r\n]/) pos++ }
		function q(v) { gsub(/\047/, "\047\\\047\047", v); return "\047" v "\047" }
		function str(   c, out, h) {
			if (substr(s, pos, 1) != "\"") fail("string expected at " pos)
			pos++; out = ""
			while (pos <= n) {
				c = substr(s, pos, 1)
				if (c == "\"") { pos++; return out }
				if (c == "\\") {
					pos++; c = substr(s, pos, 1)
					if (c == "n") c = "\n"; else if (c == "t") c = "\t"
					else if (c == "r") c = "\r"; else if (c == "b") c = "\b"
					else if (c == "f") c = "\f"
					else if (c == "u") {
						h = substr(s, pos + 1, 4); pos += 4
						if (h !~ /^00[0-7][0-9a-fA-F]$/) fail("non-ASCII \\u escape")
						c = sprintf("%c", hex(substr(h, 3, 2)))
					}
				}
				out = out c; pos++
			}
			fail("unterminated string")
		}
		function hex(h,   i, v) {
			v = 0
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
			return v
		}
		# scalar: sets T (type) and returns the value as jshn stores it
		function scalar(   c, m) {
			c = substr(s, pos, 1)
			if (c == "\"") { T = "string"; return str() }
			if (substr(s, pos, 4) == "true") { pos += 4; T = "boolean"; return 1 }
			if (substr(s, pos, 5) == "false") { pos += 5; T = "boolean"; return 0 }
			if (substr(s, pos, 4) == "null") { pos += 4; T = "null"; return "" }
			if (match(substr(s, pos), /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
				m = substr(s, pos, RLENGTH); pos += RLENGTH
				T = (m ~ /[.eE]/) ? "double" : "int"; return m
			}
			fail("unexpected " c " at " pos)
		}
		{ s = s (NR > 1 ? "\n" : "") $0 }
		END {
			if (bad) exit 1
			n = length(s); pos = 1; ws()
			if (substr(s, pos, 1) != "{") fail("object expected")
			pos++; ws()
			if (substr(s, pos, 1) == "}") { pos++; ws(); if (pos <= n) fail("trailing data"); exit 0 }
			while (1) {
				ws(); key = str(); ws()
				if (substr(s, pos, 1) != ":") fail(": expected")
				pos++; ws()
				k = key; gsub(/[^a-zA-Z0-9_]/, "_", k)
				if (substr(s, pos, 1) == "[") {
					pos++; ws(); vals = ""; first = 1
					if (substr(s, pos, 1) == "]") pos++
					else while (1) {
						ws(); v = scalar(); ws()
						vals = vals (first ? "" : " ") v; first = 0
						c = substr(s, pos, 1); pos++
						if (c == "]") break
						if (c != ",") fail(", or ] expected")
					}
					print "_JSV_" k "=" q(vals) "; _JST_" k "=array; _JSKEYS=\"$_JSKEYS " k "\""
				} else if (substr(s, pos, 1) == "{") {
					fail("nested objects are not supported by this stand-in")
				} else {
					v = scalar()
					print "_JSV_" k "=" q(v) "; _JST_" k "=" T "; _JSKEYS=\"$_JSKEYS " k "\""
				}
				ws(); c = substr(s, pos, 1); pos++
				if (c == "}") break
				if (c != ",") fail(", or } expected")
			}
			ws(); if (pos <= n) fail("trailing data")
		}') || return 1
	eval "$assignments"
}

# json_get_var DEST KEY [DEFAULT]: DEST=value (or DEFAULT when unset or empty);
# true if KEY exists or a default was given. Arrays give their internal handle
# in real jshn; use json_get_values for them.
json_get_var() {
	local __k __v
	__k=$(_stub_json_key "$2")
	eval "__v=\"\${_JSV_$__k:-\$3}\""
	export -- "$1=$__v"
	eval "[ -n \"\${_JSV_$__k+x}\${3+x}\" ]"
}

# json_get_vars NAME[:DEFAULT]...
json_get_vars() {
	local _var
	while [ "$#" -gt 0 ]; do
		_var="$1"
		shift
		if [ "$_var" != "${_var#*:}" ]; then
			json_get_var "${_var%%:*}" "${_var%%:*}" "${_var#*:}"
		else
			json_get_var "$_var" "$_var"
		fi
	done
}

json_get_type() {
	local __k
	__k=$(_stub_json_key "$2")
	eval "export -- \"$1=\${_JST_$__k}\"; [ -n \"\${_JST_$__k+x}\" ]"
}

# json_get_values DEST ARRAYKEY: the array's values, space separated.
json_get_values() {
	local __k __t
	unset "$1"
	__k=$(_stub_json_key "$2")
	eval "__t=\"\${_JST_$__k}\""
	[ "$__t" = array ] || return 1
	eval "export -- \"$1=\${_JSV_$__k}\""
}

json_select() {
	# Only the flat top level exists here.
	[ -z "$1" ] || [ "$1" = .. ]
}

# --- netifd-proto.sh ----------------------------------------------------------

PROTO_DEFAULT_OPTIONS="defaultroute peerdns metric"

proto_config_add_int() { config_add_int "$@"; }
proto_config_add_string() { config_add_string "$@"; }
proto_config_add_boolean() { config_add_boolean "$@"; }
proto_config_add_array() { config_add_array "$@"; }
proto_config_add_defaults() {
	proto_config_add_boolean defaultroute
	proto_config_add_boolean peerdns
	proto_config_add_boolean renew
	proto_config_add_int metric
}

proto_add_dynamic_defaults() {
	[ -n "$defaultroute" ] && json_add_boolean defaultroute "$defaultroute"
	[ -n "$peerdns" ] && json_add_boolean peerdns "$peerdns"
	[ -n "$metric" ] && json_add_int metric "$metric"
}

# As the real one, this starts a JSON message (json_init): what json_load
# loaded is gone after it.
proto_init_update() {
	PROTO_IFNAME="$1"
	PROTO_UP="$2"
	PROTO_DNS=
	PROTO_IPADDR=
	PROTO_ROUTE=
	json_init
	_stub_log "proto_init_update $*"
}
proto_add_dns_server() { append PROTO_DNS "$1"; }
proto_add_dns_search() { :; }
proto_add_ipv4_address() { append PROTO_IPADDR "$1/$2/$3/$4"; }
proto_add_ipv4_route() { append PROTO_ROUTE "$1/$2/$3/$4"; }
proto_add_ipv6_address() { :; }
proto_add_ipv6_prefix() { :; }
proto_add_ipv6_route() { :; }

# proto_send_update IFACE: netifd's notify_proto with what proto_init_update
# and the proto_add_* calls gathered (proto-shell.c proto_shell_update_link,
# interface.c interface_proto_event_cb):
# - from teardown (netifd is tearing the interface down): refused with
#   "Permission denied" (ubus status 6); nothing changes. OpenWrt's ncm.sh
#   sends `proto_init_update "*" 0` there: it does nothing;
# - link up: the interface is up, its layer 3 device the IFNAME given, or for
#   "*" (or none) its own device (an interface without one, no_device=1 like
#   ours, must name it: else "Invalid argument"). netifd's proto state is idle
#   then, so when the setup that sent it ends nothing is torn down;
# - link down: an interface that is up has lost the connection: it goes down
#   (hotplug ifdown, its addresses gone, its dynamic sub-interfaces torn down
#   with its device) and waits for the next link up; it is not torn down. One
#   that is not up ignores it.
# Kept in $NETIFD_STATE: IFACE.up, IFACE.l3 (device), IFACE.ipaddr/.route/.dns.
# With NETIFD_APPLY=1 (the VM guest, which has no netifd) the addresses,
# routes and DNS servers are also put on the system as netifd would
# (_stub_apply).
proto_send_update() {
	local ifc="$1" l3="$PROTO_IFNAME"
	if [ "$cmd" = teardown ]; then
		_stub_log "proto_send_update_refused $ifc (Permission denied: in teardown)"
		echo "Command failed: Permission denied" >&2
		return 6
	fi
	if [ "$PROTO_UP" != 1 ]; then
		[ "$(_stub_state "$ifc" up)" = 1 ] || {
			_stub_log "proto_send_update $ifc down (ignored: not up)"
			return 0
		}
		_stub_log "proto_send_update $ifc down: link lost"
		[ "$NETIFD_APPLY" = 1 ] && _stub_unapply "$ifc"
		[ -n "$NETIFD_STATE" ] && rm -f "$NETIFD_STATE/$ifc.up"
		_stub_log "hotplug ifdown $ifc"
		return 0
	fi
	case "$l3" in '' | '*') l3=$(_stub_state "$ifc" dev) ;; esac
	[ -n "$l3" ] || {
		_stub_log "proto_send_update_refused $ifc (Invalid argument: no device)"
		echo "Command failed: Invalid argument" >&2
		return 2
	}
	_stub_log "proto_send_update $ifc up l3=$l3 ipaddr=$PROTO_IPADDR route=$PROTO_ROUTE dns=$PROTO_DNS$(
		[ -n "$_JB" ] && echo " msg=$(json_dump)")"
	[ -n "$NETIFD_STATE" ] || return 0
	_stub_state "$ifc" l3 "$l3"
	_stub_state "$ifc" ipaddr "$PROTO_IPADDR"
	_stub_state "$ifc" route "$PROTO_ROUTE"
	_stub_state "$ifc" dns "$PROTO_DNS"
	[ "$(_stub_state "$ifc" up)" = 1 ] || _stub_log "hotplug ifup $ifc"
	_stub_state "$ifc" up 1
	[ "$NETIFD_APPLY" = 1 ] && _stub_apply "$ifc"
	return 0
}

# _stub_cfg IFACE KEY: a value of a dynamic interface's config (add_dynamic).
_stub_cfg() {
	(json_load "$(cat "$NETIFD_STATE/$1.dynamic" 2>/dev/null)" 2>/dev/null && json_get_var v "$2" && echo "$v")
}

NETIFD_RESOLV="${NETIFD_RESOLV:-/tmp/resolv.conf.d/resolv.conf.auto}"

# _stub_resolv: netifd's resolver file, one "# Interface NAME" block per
# interface that is up and has DNS servers (peerdns not off).
_stub_resolv() {
	local f n d
	mkdir -p "${NETIFD_RESOLV%/*}"
	for f in "$NETIFD_STATE"/*.dns; do
		[ -s "$f" ] || continue
		n="${f##*/}"
		n="${n%.dns}"
		[ "$(_stub_state "$n" up)" = 1 ] || continue
		[ "$(_stub_cfg "$n" peerdns)" = 0 ] && continue
		echo "# Interface $n"
		for d in $(cat "$f"); do echo "nameserver $d"; done
	done >"$NETIFD_RESOLV"
}

# _stub_apply IFACE: what netifd does with an interface that came up: its
# device up, the addresses (dotted masks as prefix lengths), the routes (a
# default route only unless defaultroute is 0, with metric), the resolver file.
_stub_apply() {
	local l3 a r m gw metric
	l3=$(_stub_state "$1" l3)
	metric=$(_stub_cfg "$1" metric)
	ip link set "$l3" up
	for a in $(_stub_state "$1" ipaddr); do
		m=$(echo "${a#*/}" | cut -d/ -f1)
		case "$m" in *.*) m=$(echo "$m" | awk -F. '{ n = 0; for (i = 1; i <= 4; i++) for (b = 128; b >= 1; b /= 2) if ($i >= b) { $i -= b; n++ } print n }') ;; esac
		ip addr replace "${a%%/*}/$m" dev "$l3"
	done
	for r in $(_stub_state "$1" route); do
		gw=$(echo "$r" | cut -d/ -f3)
		case "$r" in
		0.0.0.0/0/*)
			[ "$(_stub_cfg "$1" defaultroute)" = 0 ] && continue
			ip route replace default via "$gw" dev "$l3" ${metric:+metric "$metric"}
			;;
		*) ip route replace "$(echo "$r" | cut -d/ -f1-2)" ${gw:+via "$gw"} dev "$l3" ;;
		esac
	done
	_stub_resolv
}

# _stub_unapply IFACE: the interface went down: its addresses (and with them
# its routes) and its DNS servers go.
_stub_unapply() {
	local l3
	l3=$(_stub_state "$1" l3)
	[ -n "$l3" ] && ip -4 addr flush dev "$l3" 2>/dev/null
	rm -f "$NETIFD_STATE/$1.dns"
	_stub_resolv
}

proto_add_data() { json_add_object data; }
proto_close_data() { json_close_object; }
proto_set_keep() { :; }

# _stub_state IFACE KEY [VALUE]: netifd's view of IFACE (see the top).
_stub_state() {
	[ -n "$NETIFD_STATE" ] || return 0
	mkdir -p "$NETIFD_STATE"
	if [ $# -ge 3 ]; then
		echo "$3" >"$NETIFD_STATE/$1.$2"
	else
		cat "$NETIFD_STATE/$1.$2" 2>/dev/null
	fi
}

proto_export() {
	local var="VAR${_EXPORT_VAR:-0}"
	_EXPORT_VAR=$((${_EXPORT_VAR:-0} + 1))
	export -- "$var=$1"
	append _EXPORT_VARS "$var"
}

proto_run_command() {
	local interface="$1" var a bin n=0
	shift
	_stub_log "proto_run_command $interface"
	for a in "$@"; do
		_stub_log "  argv $a"
	done
	for var in $_EXPORT_VARS; do
		eval "_stub_log \"  env \${$var}\""
		n=$((n + 1))
	done
	if [ $# -gt 62 ] || [ "$n" -gt 30 ]; then
		_stub_log "proto_run_command_refused $interface ($# words, $n variables)"
		return 1
	fi
	[ "$NETIFD_RUN" = 1 ] || return 0
	bin=$(command -v "${1##*/}") || {
		_stub_log "task_exit $interface 127"
		_stub_state "$interface" task.rc 127
		return 0
	}
	shift
	rm -f "$NETIFD_STATE/$interface.task.rc" 2>/dev/null
	(
		for var in $_EXPORT_VARS; do
			eval "export -- \"\${$var}\""
		done
		"$bin" "$@" </dev/null >>"${NETIFD_TASK_LOG:-/dev/null}" 2>&1 &
		a=$!
		_stub_state "$interface" task.pid "$a"
		wait "$a"
		a=$?
		_stub_log "task_exit $interface $a"
		_stub_state "$interface" task.rc "$a"
	) </dev/null >/dev/null 2>&1 &
	# Once netifd has been told, the process exists: wait for its pid.
	n=0
	while [ -n "$NETIFD_STATE" ] && [ ! -s "$NETIFD_STATE/$interface.task.pid" ] &&
		[ ! -s "$NETIFD_STATE/$interface.task.rc" ] && [ "$n" -lt 100 ]; do
		usleep 20000
		n=$((n + 1))
	done
	return 0
}

proto_kill_command() {
	local pid
	_stub_log "proto_kill_command $*"
	pid=$(_stub_state "$1" task.pid)
	[ -n "$pid" ] && [ -z "$(_stub_state "$1" task.rc)" ] && kill "-${2:-TERM}" "$pid" 2>/dev/null
	return 0
}

proto_notify_error() {
	local interface="$1"
	_stub_log "proto_notify_error $*"
	shift
	[ -n "$NETIFD_STATE" ] && mkdir -p "$NETIFD_STATE" && echo "$*" >>"$NETIFD_STATE/$interface.errors"
	return 0
}

proto_block_restart() {
	_stub_log "proto_block_restart $1"
	_stub_state "$1" autostart 0
}

proto_set_available() {
	local was pid
	_stub_log "proto_set_available $1 $2"
	was=$(_stub_state "$1" available)
	_stub_state "$1" available "$2"
	# netifd tears down an interface that goes unavailable, killing its setup
	# (the handler's own, or one running while a hotplug script says so).
	[ "$2" = 0 ] && [ "$was" != 0 ] || return 0
	pid=$(_stub_state "$1" setup.pid)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	_stub_log "netifd_kills_setup $1 (SIGTERM: unavailable)"
	kill -TERM "$pid"
	return 0
}

proto_setup_failed() {
	_stub_log "proto_setup_failed $1"
}

proto_add_host_dependency() {
	_stub_log "proto_add_host_dependency $*"
}

init_proto() {
	proto="$1"
	shift
	cmd="$1"
	shift
	case "$cmd" in
	dump)
		add_protocol() {
			no_device=0
			no_device_config=0
			no_proto_task=0
			available=0
			renew_handler=0
			add_default_handler "proto_$1_init_config"
			_STUB_CONFIG=
			eval "proto_$1_init_config"
			echo "{\"name\":\"$1\",\"config\":[$_STUB_CONFIG],\"no-device\":$no_device,\"available\":$available,\"no-proto-task\":$no_proto_task}"
		}
		;;
	setup | teardown | renew)
		interface="$1"
		shift
		data="$1"
		shift
		ifname="$1"
		shift
		add_protocol() {
			[ "$proto" = "$1" ] || return 0
			json_load "$data" || {
				_stub_log "bad_config $interface"
				return 1
			}
			_stub_log "$cmd $interface"
			# the script netifd would kill on ifdown (netifd-model.sh)
			[ "$cmd" = setup ] && _stub_state "$interface" setup.pid $$
			eval "proto_$1_$cmd \"\$interface\" \"\$ifname\""
			_stub_log "${cmd}_return $interface $?"
		}
		;;
	esac
}
