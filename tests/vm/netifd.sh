# netifd's part in the VM guest, for scenarios that bring up an interface with our
# proto handler: source with `. /vm/netifd.sh` after /vm/lib.sh.
#
# The handler (/lib/netifd/proto/umodem.sh from files/) runs on the netifd stand-in
# of the shell tests (tests/shell/lib/netifd-stub.sh, installed as
# /lib/netifd/netifd-proto.sh) with NETIFD_RUN=1: proto_run_command runs pppd in the
# foreground and logs "task_exit IFACE STATUS"; every call netifd would get is a line
# in /tmp/netifd.log. The stand-ins from tests/vm/openwrt/ (ppp-up, ppp-down, uci,
# ifup, ifdown) play the rest of netifd and OpenWrt.

# handler ACTION IFACE JSON: run the handler as netifd does, from its folder.
handler() {
	(cd /lib/netifd/proto && NETIFD_LOG=/tmp/netifd.log NETIFD_RUN=1 sh ./umodem.sh umodem "$1" "$2" "$3" "")
}

# netifd_up IFACE JSON [ROUNDS]: what netifd does for an interface with
# `option proto umodem`: setup; when it returns (pppd exited, or setup failed),
# teardown with ERROR=pppd's exit status, and setup again unless the handler
# blocked restarts or ifdown was called (then wait for ifup). Ends after ROUNDS (5)
# setups or when /tmp/vm-netifd/IFACE.stop exists. Run it in the background.
netifd_up() {
	nu_if=$1
	nu_rounds=${3:-5}
	mkdir -p /tmp/vm-netifd
	echo up >"/tmp/vm-netifd/$nu_if.want"
	while [ "$nu_rounds" -gt 0 ] && [ ! -f "/tmp/vm-netifd/$nu_if.stop" ]; do
		nu_rounds=$((nu_rounds - 1))
		nu_before=$(grep -c "^task_exit $nu_if " /tmp/netifd.log 2>/dev/null)
		handler setup "$nu_if" "$2"
		grep -q "^proto_block_restart $nu_if$" /tmp/netifd.log && break
		nu_err=
		[ "$(grep -c "^task_exit $nu_if " /tmp/netifd.log)" -gt "${nu_before:-0}" ] &&
			nu_err=$(grep "^task_exit $nu_if " /tmp/netifd.log | tail -n 1 | cut -d' ' -f3)
		ERROR=$nu_err handler teardown "$nu_if" "$2"
		while [ "$(cat "/tmp/vm-netifd/$nu_if.want")" = down ] && [ ! -f "/tmp/vm-netifd/$nu_if.stop" ]; do
			usleep 200000
		done
	done
	echo "netifd-loop $nu_if ended" >>/tmp/netifd.log
}

# netifd_stop IFACE: end the loop and the interface's pppd.
netifd_stop() {
	touch "/tmp/vm-netifd/$1.stop"
	/usr/sbin/ifdown "$1" >/dev/null
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
