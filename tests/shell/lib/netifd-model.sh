# A model of netifd's loop for one interface with a shell proto handler, for the
# shell tests and the VM guest (sourced). Together with netifd-stub.sh (the
# handler's netifd-proto.sh, which keeps netifd's view of the interface in
# $NETIFD_STATE) it does what OpenWrt's netifd does, as seen running it (23.05:
# proto-shell.c, interface.c; master's proto-ext.c is the same on these points):
#
# - setup runs when the interface is autostart (set by `ifup` and at start,
#   cleared by ifdown and proto_block_restart) and available (at start the
#   handler's dump flag; then proto_set_available); each setup clears the
#   errors the last one reported (interface_set_up);
# - when setup ends, whatever it returned, and no proto_run_command process
#   runs, netifd runs teardown at once, with no ERROR in its environment;
# - when the proto_run_command process exits, teardown runs with ERROR=its exit
#   status (also when it exited before setup ended);
# - after teardown, setup runs again at once if the interface is still
#   autostart and available: there is no delay of netifd's own, ever;
# - an interface that goes unavailable, or an ifdown, tears it down at once:
#   a running setup is killed (SIGTERM; the stub does that for a handler's own
#   proto_set_available 0), teardown runs with no ERROR, and teardown's
#   proto_kill_command (else netifd) stops the process;
# - teardown that runs longer than 5 s is killed (SIGKILL);
# - a setup that sent a link-up update (proto_send_update, see the stub) leaves
#   the interface up when it ends, with or without a proto_run_command process:
#   no teardown then (netifd's proto state is idle, not setting up);
# - dynamic interfaces (`ubus call network add_dynamic`, ubus-stub.sh) whose
#   device is "@IFACE": set up with their proto's handler (NM_PROTO_DIR, default
#   /lib/netifd/proto) on IFACE's layer 3 device once IFACE is up; when IFACE
#   goes down (teardown, or link lost) the alias device goes, and they are torn
#   down (their proto process stopped) and removed, before IFACE's teardown runs.
#   A proto without a handler there: error INVALID_PROTO, nothing runs.
# ifup is "down, then up" (OpenWrt's /sbin/ifup): netifd_ifup / netifd_ifdown
# below, or files the VM's ifup/ifdown stand-ins write, drive it.
#
# netifd_model IFACE JSON runs the loop, with:
#   NM_HANDLER    command run as "NM_HANDLER ACTION IFACE JSON" (default: handler),
#                 with ERROR set for teardown when netifd would set it
#   NETIFD_STATE  the stub's state directory; NETIFD_LOG its log
#   NM_CLOCK      command printing the time in seconds (default: /proc/uptime);
#                 with a simulated clock (NM_SIM=1) nothing here sleeps for real
#                 except to let the background task finish
#   NM_UNTIL      end once the clock passes this many seconds after the start
#   NM_MAX_SETUPS end once this many setups have run and been torn down (a guard:
#                 a storm ends the test)
#   NM_IDLE_END   end after this many seconds with nothing to do (down, and not
#                 autostart or not available); 0: at once. Real netifd waits.
#   NM_ON_SETUP   command run after each setup ends (tests inject events there)
# It logs "netifd-loop IFACE ended: REASON, N setups in S s" and the hotplug
# events netifd would send ("hotplug ifup-failed IFACE", "hotplug ifdown IFACE").
# It ends when $NETIFD_STATE/IFACE.stop exists.

nm_now() {
	eval "${NM_CLOCK:-cut -d' ' -f1 /proc/uptime}"
}

nm_log() {
	echo "$*" >>"${NETIFD_LOG:-/dev/null}"
}

# nm_seconds_since T0: whole seconds from T0 to now.
nm_seconds_since() {
	awk -v a="$1" -v b="$(nm_now)" 'BEGIN { printf "%d", b - a }'
}

# nm_task_running IFACE: the proto_run_command process has not ended.
nm_task_running() {
	[ -s "$NETIFD_STATE/$1.task.pid" ] && [ ! -s "$NETIFD_STATE/$1.task.rc" ]
}

# nm_proto PROTO ACTION IFACE JSON IFNAME: run a proto handler from its folder.
nm_proto() {
	local dir="${NM_PROTO_DIR:-/lib/netifd/proto}"
	[ -f "$dir/$1.sh" ] || return 127
	(cd "$dir" && exec ${NM_SH:-sh} "./$1.sh" "$1" "$2" "$3" "$4" "$5")
}

# nm_dyn_proto NAME: the proto of dynamic interface NAME.
nm_dyn_proto() {
	sed -n 's/.*"proto" *: *"\([^"]*\)".*/\1/p' "$NETIFD_STATE/$1.dynamic"
}

# nm_dyn IFACE: the dynamic interfaces on "@IFACE": set up those not yet set up
# while IFACE is up; tear down and remove them all when it is not.
nm_dyn() {
	local f name proto l3
	for f in "$NETIFD_STATE"/*.dynamic; do
		[ -f "$f" ] || continue
		name="${f##*/}"
		name="${name%.dynamic}"
		[ "$(cat "$NETIFD_STATE/$name.parent" 2>/dev/null)" = "$1" ] || continue
		if [ ! -f "$NETIFD_STATE/$1.up" ]; then
			[ -f "$NETIFD_STATE/$name.dev" ] && nm_dyn_stop "$name" "device @$1 gone"
			continue
		fi
		[ -f "$NETIFD_STATE/$name.dev" ] && continue
		l3=$(cat "$NETIFD_STATE/$1.l3" 2>/dev/null)
		echo "$l3" >"$NETIFD_STATE/$name.dev"
		proto=$(nm_dyn_proto "$name")
		if [ -f "${NM_PROTO_DIR:-/lib/netifd/proto}/$proto.sh" ]; then
			nm_log "dynamic $name: device @$1 ($l3) present: setup (proto $proto)"
			nm_proto "$proto" setup "$name" "$(cat "$f")" "$l3"
		else
			nm_log "dynamic $name: no handler for proto '$proto': error INVALID_PROTO"
			echo INVALID_PROTO >"$NETIFD_STATE/$name.errors"
		fi
	done
}

# nm_dyn_stop NAME WHY: tear dynamic interface NAME down and remove it.
nm_dyn_stop() {
	local proto l3 n=0
	proto=$(nm_dyn_proto "$1")
	l3=$(cat "$NETIFD_STATE/$1.dev")
	nm_log "dynamic $1: $2: teardown, removed"
	nm_proto "$proto" teardown "$1" "$(cat "$NETIFD_STATE/$1.dynamic")" "$l3"
	if nm_task_running "$1"; then
		kill -TERM "$(cat "$NETIFD_STATE/$1.task.pid")" 2>/dev/null
		while nm_task_running "$1" && [ "$n" -lt 100 ]; do
			usleep 50000
			n=$((n + 1))
		done
	fi
	[ -f "$NETIFD_STATE/$1.up" ] && nm_log "hotplug ifdown $1"
	[ "$NETIFD_APPLY" = 1 ] && (
		. "${NETIFD_MAIN_DIR:-/lib/netifd}/netifd-proto.sh"
		_stub_unapply "$1"
	)
	rm -f "$NETIFD_STATE/$1".*
}

# nm_teardown IFACE JSON ERROR REQUESTED
nm_teardown() {
	local ifc="$1" t0 pid n
	# IFACE going down takes its device, and the dynamic interfaces on it, first.
	rm -f "$NETIFD_STATE/$ifc.up.was"
	[ -f "$NETIFD_STATE/$ifc.up" ] && mv "$NETIFD_STATE/$ifc.up" "$NETIFD_STATE/$ifc.up.was"
	nm_dyn "$ifc"
	[ -f "$NETIFD_STATE/$ifc.up.was" ] && mv "$NETIFD_STATE/$ifc.up.was" "$NETIFD_STATE/$ifc.up"
	t0=$(nm_now)
	if [ "$NM_SIM" = 1 ]; then
		if [ -n "$3" ]; then
			ERROR="$3" ${NM_HANDLER:-handler} teardown "$ifc" "$2"
		else
			(unset ERROR; ${NM_HANDLER:-handler} teardown "$ifc" "$2")
		fi
		[ "$(nm_seconds_since "$t0")" -le 5 ] || nm_log "teardown_killed $ifc (ran over 5 s)"
	else
		if [ -n "$3" ]; then
			(ERROR="$3" ${NM_HANDLER:-handler} teardown "$ifc" "$2") &
		else
			(unset ERROR; ${NM_HANDLER:-handler} teardown "$ifc" "$2") &
		fi
		pid=$!
		n=0
		while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 50 ]; do
			usleep 100000
			n=$((n + 1))
		done
		kill -0 "$pid" 2>/dev/null && {
			nm_log "teardown_killed $ifc (ran over 5 s)"
			kill -KILL "$pid"
		}
		wait "$pid"
	fi
	# netifd stops a proto process that teardown left running.
	if nm_task_running "$ifc"; then
		kill -TERM "$(cat "$NETIFD_STATE/$ifc.task.pid")" 2>/dev/null
		n=0
		while nm_task_running "$ifc" && [ "$n" -lt 100 ]; do
			usleep 50000
			n=$((n + 1))
		done
	fi
	if [ -n "$4" ] || [ -f "$NETIFD_STATE/$ifc.up" ]; then
		nm_log "hotplug ifdown $ifc"
	else
		nm_log "hotplug ifup-failed $ifc"
	fi
	rm -f "$NETIFD_STATE/$ifc.task.pid" "$NETIFD_STATE/$ifc.task.rc" "$NETIFD_STATE/$ifc.up" \
		"$NETIFD_STATE/$ifc.l3"
}

netifd_model() {
	local ifc="$1" json="$2" setups=0 t0 state=down err reason= idle= pid n
	mkdir -p "$NETIFD_STATE"
	rm -f "$NETIFD_STATE/$ifc.stop" "$NETIFD_STATE/$ifc.down" "$NETIFD_STATE/$ifc.task.pid" \
		"$NETIFD_STATE/$ifc.task.rc" "$NETIFD_STATE/$ifc.up" "$NETIFD_STATE/$ifc.errors"
	[ -f "$NETIFD_STATE/$ifc.autostart" ] || echo 1 >"$NETIFD_STATE/$ifc.autostart"
	[ -f "$NETIFD_STATE/$ifc.available" ] || echo "${NM_AVAILABLE:-1}" >"$NETIFD_STATE/$ifc.available"
	t0=$(nm_now)
	while :; do
		if [ -f "$NETIFD_STATE/$ifc.stop" ]; then
			reason=stopped
		elif [ -n "$NM_UNTIL" ] && [ "$(nm_seconds_since "$t0")" -ge "$NM_UNTIL" ]; then
			reason="time up"
		elif [ -n "$NM_MAX_SETUPS" ] && [ "$setups" -ge "$NM_MAX_SETUPS" ] && [ "$state" = down ]; then
			reason="$setups setups"
		fi
		[ -z "$reason" ] || break
		# ifdown (or the down half of ifup)
		if [ -f "$NETIFD_STATE/$ifc.down" ]; then
			rm -f "$NETIFD_STATE/$ifc.down"
			if [ "$state" = running ]; then
				nm_teardown "$ifc" "$json" "" requested
				state=down
			fi
			continue
		fi
		case "$state" in
		down)
			if [ "$(cat "$NETIFD_STATE/$ifc.autostart")" = 1 ] &&
				[ "$(cat "$NETIFD_STATE/$ifc.available")" = 1 ]; then
				idle=
				setups=$((setups + 1))
				rm -f "$NETIFD_STATE/$ifc.errors" "$NETIFD_STATE/$ifc.task.pid" \
					"$NETIFD_STATE/$ifc.task.rc"
				${NM_HANDLER:-handler} setup "$ifc" "$json" &
				pid=$!
				wait "$pid"
				rm -f "$NETIFD_STATE/$ifc.setup.pid"
				[ -n "$NM_ON_SETUP" ] && eval "$NM_ON_SETUP"
				if [ -f "$NETIFD_STATE/$ifc.down" ]; then
					# an ifdown or an unavailable interface killed setup
					rm -f "$NETIFD_STATE/$ifc.down"
					nm_teardown "$ifc" "$json" "" requested
				elif [ "$(cat "$NETIFD_STATE/$ifc.available")" != 1 ]; then
					nm_teardown "$ifc" "$json" "" requested
				elif nm_task_running "$ifc" ||
					{ [ -f "$NETIFD_STATE/$ifc.up" ] && [ ! -s "$NETIFD_STATE/$ifc.task.rc" ]; }; then
					state=running
				else
					nm_teardown "$ifc" "$json" "$(cat "$NETIFD_STATE/$ifc.task.rc" 2>/dev/null)"
				fi
				continue
			fi
			# nothing to do until ifup or the interface is available
			[ -n "$idle" ] || {
				idle=$(nm_now)
				nm_log "netifd-idle $ifc autostart=$(cat "$NETIFD_STATE/$ifc.autostart") available=$(cat "$NETIFD_STATE/$ifc.available")"
			}
			if [ "$(nm_seconds_since "$idle")" -ge "${NM_IDLE_END:-0}" ]; then
				reason=idle
				break
			fi
			[ "$NM_SIM" = 1 ] && sleep 1 || usleep 200000
			;;
		running)
			if [ -s "$NETIFD_STATE/$ifc.task.rc" ]; then
				err=$(cat "$NETIFD_STATE/$ifc.task.rc")
				nm_teardown "$ifc" "$json" "$err"
				state=down
			elif [ "$(cat "$NETIFD_STATE/$ifc.available")" != 1 ]; then
				nm_teardown "$ifc" "$json" "" requested
				state=down
			else
				nm_dyn "$ifc"
				usleep 50000
			fi
			;;
		esac
	done
	[ "$state" = running ] && nm_teardown "$ifc" "$json" "" requested
	nm_log "netifd-loop $ifc ended: $reason, $setups setups in $(nm_seconds_since "$t0") s"
	NM_SETUPS=$setups
}

# netifd_ifdown IFACE: `ifdown IFACE`: not autostart, torn down (a running setup
# is killed).
netifd_ifdown() {
	echo 0 >"$NETIFD_STATE/$1.autostart"
	: >"$NETIFD_STATE/$1.down"
	[ -s "$NETIFD_STATE/$1.setup.pid" ] && kill -TERM "$(cat "$NETIFD_STATE/$1.setup.pid")" 2>/dev/null
	return 0
}

# netifd_ifup IFACE: `ifup IFACE`: down, then up.
netifd_ifup() {
	: >"$NETIFD_STATE/$1.down"
	[ -s "$NETIFD_STATE/$1.setup.pid" ] && kill -TERM "$(cat "$NETIFD_STATE/$1.setup.pid")" 2>/dev/null
	echo 1 >"$NETIFD_STATE/$1.autostart"
}
