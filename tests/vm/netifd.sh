# netifd's part in the VM guest, for scenarios that bring up an interface with our
# proto handler: source with `. /vm/netifd.sh` after /vm/lib.sh.
#
# The handler (/lib/netifd/proto/umodem.sh from files/) runs on the netifd stand-in
# of the shell tests (tests/shell/lib/netifd-stub.sh, installed as
# /lib/netifd/netifd-proto.sh) with NETIFD_RUN=1: proto_run_command starts pppd in
# the background as netifd does and logs "task_exit IFACE STATUS" when it ends;
# every call netifd would get is a line in /tmp/netifd.log, and netifd's view of
# the interface is in /tmp/netifd-state. netifd's loop is the shell tests' model
# (tests/shell/lib/netifd-model.sh, /vm/netifd-model.sh), in real time. The
# stand-ins from tests/vm/openwrt/ (ppp-up, ppp-down, uci, ifup, ifdown) play the
# rest of netifd and OpenWrt.

# NETIFD_APPLY: the guest has no netifd, so the stand-in puts what an interface
# reports (a DHCP lease on a dynamic sub-interface) on the system as netifd would:
# address, default route, /tmp/resolv.conf.d/resolv.conf.auto. `ubus call network
# add_dynamic` is the shell tests' ubus stand-in (/usr/bin/ubus), the DHCP proto
# theirs too (/lib/netifd/proto/dhcp.sh, /lib/netifd/dhcp.script, on busybox udhcpc).
export NETIFD_LOG=/tmp/netifd.log NETIFD_STATE=/tmp/netifd-state NETIFD_RUN=1 NETIFD_APPLY=1
. /vm/netifd-model.sh

# handler ACTION IFACE JSON: run the handler as netifd does, from its folder.
handler() {
	(cd /lib/netifd/proto && exec sh ./umodem.sh umodem "$1" "$2" "$3" "")
}

# netifd_up IFACE JSON [ROUNDS]: what netifd does for an interface with
# `option proto umodem` (netifd_model): setup; teardown when setup ends without
# pppd (no ERROR) or when pppd exits (ERROR=its status); setup again at once
# unless restarts are blocked or the interface is unavailable or down (then it
# waits for ifup or the tty hotplug script). Ends after ROUNDS (5) setups, on
# netifd_stop, or after NM_IDLE_END (10) seconds with nothing to do, logging
# "netifd-loop IFACE ended: ...". Run it in the background.
netifd_up() {
	NM_MAX_SETUPS=${3:-5} NM_IDLE_END=${NM_IDLE_END:-10} netifd_model "$1" "$2"
}

# netifd_stop IFACE: end the loop; a running setup is killed, the interface is
# torn down (pppd stopped).
netifd_stop() {
	mkdir -p "$NETIFD_STATE"
	touch "$NETIFD_STATE/$1.stop"
	[ -s "$NETIFD_STATE/$1.setup.pid" ] && kill -TERM "$(cat "$NETIFD_STATE/$1.setup.pid")" 2>/dev/null
	return 0
}

# sim_status FIFO: the model's status line (gadget --control FIFO), e.g. for pin_left=.
sim_status() {
	n=$(grep -c 'control: status ->' /tmp/gadget.log)
	echo status >"$1"
	i=0
	while [ "$(grep -c 'control: status ->' /tmp/gadget.log)" -le "$n" ] && [ $i -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	grep 'control: status ->' /tmp/gadget.log | tail -n 1
}

# pin_left FIFO: attempts the SIM has left, as the model says.
pin_left() { sim_status "$1" | sed -n 's/.* pin_left=\([0-9]*\).*/\1/p'; }

# seen_argv: every process's argv now, one line each (appended to /tmp/argv.seen).
seen_argv() {
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null
		echo
	done >>/tmp/argv.seen
}
