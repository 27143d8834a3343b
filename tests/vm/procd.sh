# Stand-in for OpenWrt's /lib/functions/procd.sh in the VM guest (installed there
# unless files/ brings one): just what hotplug scripts use to start a one-shot
# instance. procd_close_service starts each instance's command in the background
# unless the same service+instance is still running (as procd does), with its output
# in /tmp/procd.log.
_procd_service=
_procd_instance=
_procd_cmd=
_procd_list=
procd_open_service() {
	_procd_service=$1
	_procd_list=
}
procd_open_instance() {
	_procd_instance=${1:-instance1}
	_procd_cmd=
}
procd_set_param() {
	case $1 in
	command)
		shift
		_procd_cmd="$*"
		;;
	esac
}
procd_close_instance() {
	_procd_list="$_procd_list$_procd_instance=$_procd_cmd
"
}
procd_close_service() {
	mkdir -p /tmp/procd
	printf '%s' "$_procd_list" | while IFS= read -r l; do
		inst=${l%%=*}
		cmd=${l#*=}
		pidf=/tmp/procd/$_procd_service.$inst.pid
		if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
			echo "procd: $_procd_service.$inst still running, not started again" >>/tmp/procd.log
			continue
		fi
		echo "procd: start $_procd_service.$inst: $cmd (at $(cut -d" " -f1 /proc/uptime) s)" >>/tmp/procd.log
		(
			# shellcheck disable=SC2086
			sh -c "exec $cmd" >>/tmp/procd.log 2>&1
			echo "procd: $_procd_service.$inst exited with $? (at $(cut -d" " -f1 /proc/uptime) s)" >>/tmp/procd.log
		) &
		echo $! >"$pidf"
	done
}
