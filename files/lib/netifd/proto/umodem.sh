#!/bin/sh
# netifd protocol handler "umodem": a USB 3G/LTE stick, whatever its data path:
# PPP (dialled with pppd), NCM (a data call started with AT, then DHCP) or a
# HiLink stick's network interface (DHCP only).
#
# An old `proto 3g` interface migrates by changing its proto to umodem: every
# option of proto 3g and of its ppp base (ppp.sh) is understood, with the same
# type and meaning, and reaches pppd as ppp.sh passes it. setup finds the modem
# (`umodem ports`), checks the SIM and unlocks it (`umodem prepare`, PIN in the
# environment), then hands the port to pppd, whose connect step is `umodem
# connect`. Secrets never reach an argv: pincode and password are not declared
# options (netifd would put them in the handler's argv) but read from uci by
# setup; the PIN goes by environment to `umodem prepare`, the PPP username and
# password by a 0600 options file that pppd reads with `file`.
#
# How netifd treats a handler (seen running OpenWrt's netifd): when setup ends
# and no proto_run_command process runs, netifd runs teardown at once, with no
# ERROR in its environment, and then setup again at once, without end, unless
# setup called proto_block_restart (no restart until `ifup`) or the interface
# is unavailable. ERROR is set only when the pppd that setup started has exited
# (its exit status). proto_set_available 0 during setup makes netifd kill setup
# (SIGTERM) and run teardown. So nothing but this handler paces a failing modem.
#
# The data path (README "LTE sticks") comes from the stick's interfaces, or
# `option mode`: ecm (HiLink: DHCP on its network interface), ncm (SIM, PIN,
# APN, AT^NDISDUP, then DHCP) or ppp. DHCP runs as netifd's dynamic
# sub-interfaces IFACE_4/IFACE_6, as in OpenWrt's ncm.sh. No usable path: an
# error saying what to do, restart blocked.
#
# How each way out of setup is paced:
# - INVALID_OPTIONS, NO_SIM, PIN_REQUIRED, PIN_FAILED, PIN_ATTEMPTS_LOW,
#   PUK_REQUIRED: proto_block_restart (retrying could lock the SIM or would only
#   spin); the next setup comes from a person's ifup, so the count is cleared;
# - NO_DEVICE (no modem after maxwait, or it went away during prepare): counted,
#   then the interface is unavailable until the tty hotplug script
#   (/etc/hotplug.d/tty/30-umodem) sees a modem again; teardown looks once more,
#   for a modem that came as setup gave up;
# - MODEM_ERROR, SIM_FAILURE, PREPARE_FAILED, INTERNAL_ERROR: counted; netifd
#   restarts setup at once and setup first waits (below);
# - pppd started: a dropped link is redialled by pppd itself (persist, holdoff
#   10 s, maxfail 3 unless configured), then pppd exits and teardown (ERROR set)
#   counts the failure, unless the link lived 60 s: then the count is cleared.
# The count of failed attempts in a row lives in /var/run/umodem/IFACE.fails
# (a number: the daemon's watchdog reads it too), the last error in IFACE.error.
# Setup raises it before it returns or gives up the modem;
# teardown without ERROR never lowers it (that teardown follows a failed setup
# as well as an ifdown), unless pppd had run 60 s. After N failures the next
# setup first waits 5 s, 10, 20, 40, then 60 s: a modem that answers ERROR to
# everything gets 5 setups in its first minute, then one a minute.

[ -n "$INCLUDE_ONLY" ] || {
	NOT_INCLUDED=1
	INCLUDE_ONLY=1

	. ../netifd-proto.sh
	init_proto "$@"
}

UMODEM_RUN="${UMODEM_RUNDIR:-/var/run/umodem}"
# Where `umodem prepare` remembers rejected PINs: on flash, so a reboot does
# not make it try a rejected PIN again.
UMODEM_PIN_STATE="${UMODEM_PIN_STATE:-/etc/umodem}"
UMODEM_APN_TABLE="${UMODEM_APN_TABLE:-/usr/share/umodem/apn.tsv}"
# As ppp.sh: no IPv6 on a kernel without it.
UMODEM_IPV6_PROC="${UMODEM_IPV6_PROC:-/proc/sys/net/ipv6}"
# netifd takes at most 62 words (argv[0] included) for a proto_run_command
# (proto-shell.c: argv[64]); with more it refuses the command and no pppd runs.
UMODEM_ARGV_MAX=62

proto_umodem_init_config() {
	no_device=1
	available=1
	# Every option of proto 3g and of ppp.sh (its ppp base), with their types, but
	# not pincode and password: netifd passes every declared option to setup in
	# its argv (/proc/PID/cmdline, readable by anyone), so setup reads those two
	# from uci.
	proto_config_add_string "device:device"
	proto_config_add_string apn
	proto_config_add_string service
	proto_config_add_string dialnumber
	proto_config_add_string username
	proto_config_add_string keepalive
	proto_config_add_boolean keepalive_adaptive
	proto_config_add_int demand
	proto_config_add_string pppd_options
	proto_config_add_string "connect:file"
	proto_config_add_string "disconnect:file"
	proto_config_add_string ipv6
	proto_config_add_boolean authfail
	proto_config_add_int mtu
	proto_config_add_string pppname
	proto_config_add_string unnumbered
	proto_config_add_string reqprefix
	proto_config_add_boolean persist
	proto_config_add_int maxfail
	proto_config_add_int holdoff
	proto_config_add_boolean sourcefilter
	proto_config_add_boolean delegate
	proto_config_add_boolean norelease
	proto_config_add_array dns
	proto_config_add_defaults
	# ... and ours
	proto_config_add_string auth
	proto_config_add_int delay
	proto_config_add_int maxwait
	proto_config_add_array bogus_dns
	proto_config_add_int dns_retries
	proto_config_add_string mode
}

umodem_log() {
	logger -t umodem "$*"
}

# Failed attempts in a row: a number in $UMODEM_RUN/IFACE.fails (read by the
# daemon's watchdog as well), the last one's error code in IFACE.error.
umodem_fails_get() {
	local n
	read -r n 2>/dev/null <"$UMODEM_RUN/$1.fails"
	case "$n" in '' | *[!0-9]*) n=0 ;; esac
	echo "$n"
}

# umodem_fails_set IFACE N [CODE]
umodem_fails_set() {
	mkdir -p "$UMODEM_RUN" && echo "$2" >"$UMODEM_RUN/$1.fails" || return
	if [ -n "$3" ]; then
		echo "$3" >"$UMODEM_RUN/$1.error"
	else
		rm -f "$UMODEM_RUN/$1.error"
	fi
}

# umodem_fails_inc IFACE CODE
umodem_fails_inc() {
	umodem_fails_set "$1" $(($(umodem_fails_get "$1") + 1)) "$2"
}

# umodem_backoff IFACE: after N failed attempts in a row, wait 5 s, 10, 20, 40,
# then 60 s before this one. An ifdown (netifd's SIGTERM) ends the wait.
umodem_backoff() {
	local n code= wait=5 i=1 pid
	n=$(umodem_fails_get "$1")
	[ "$n" -gt 0 ] || return 0
	read -r code 2>/dev/null <"$UMODEM_RUN/$1.error"
	while [ "$i" -lt "$n" ] && [ "$wait" -lt 60 ]; do
		wait=$((wait * 2))
		i=$((i + 1))
	done
	[ "$wait" -le 60 ] || wait=60
	umodem_log "$1: $n failed attempt(s) in a row${code:+ (last: $code)}, waiting ${wait}s"
	sleep "$wait" &
	pid=$!
	trap 'kill "$pid" 2>/dev/null; exit 1' TERM
	wait "$pid"
	trap - TERM
}

# umodem_fail IFACE CODE [block [DATA]]: report a failed setup the netifd way. A
# fault netifd will retry is counted (the next setup waits); a blocked one waits
# for a person's ifup, which should not wait: its count is cleared. DATA goes
# with the code into netifd's errors.
umodem_fail() {
	if [ "$3" = block ]; then
		umodem_fails_set "$1" 0
	else
		umodem_fails_inc "$1" "$2"
	fi
	proto_notify_error "$1" "$2" ${4:+"$4"}
	[ "$3" = block ] && proto_block_restart "$1"
	umodem_log "$1: setup failed: $2${3:+ (not retrying: fix the cause, then ifup $1)}"
	return 1
}

# umodem_invalid IFACE WHY: a configuration error, not retried.
umodem_invalid() {
	umodem_log "$1: $2"
	umodem_fail "$1" INVALID_OPTIONS block
}

# umodem_no_device IFACE WHY: no modem. Counted, then the interface goes
# unavailable: netifd kills this setup right there (SIGTERM) and runs teardown,
# which looks once more (umodem_recheck); the tty hotplug script makes the
# interface available again when a modem comes.
umodem_no_device() {
	umodem_fails_inc "$1" NO_DEVICE
	mkdir -p "$UMODEM_RUN" && : >"$UMODEM_RUN/$1.nodev"
	umodem_log "$1: $2"
	proto_notify_error "$1" NO_DEVICE
	proto_set_available "$1" 0
	return 1
}

# umodem_recheck IFACE DEVICE: after setup gave up the modem, is one there now
# (the tty hotplug script's test: the configured device, or a modem with a data
# port, without AT probes)? Then the interface is available again.
umodem_recheck() {
	local found=
	if [ -n "$2" ]; then
		[ -e "$2" ] && found=1
	else
		umodem ports --no-probe 2>/dev/null | grep -q '^modem\.[0-9]*\.\(data=/dev/\|net=\)' && found=1
	fi
	[ -n "$found" ] || return 0
	umodem_log "$1: a modem is there now: interface available again"
	proto_set_available "$1" 1
}

# umodem_find_ports [DEVICE]: the modem DEVICE (which must exist) is a port of,
# else the first: sets ctl, data (DEVICE if it has none), net, netdrv, netclass
# (its network function) and profile. False when there is none.
umodem_find_ports() {
	local want="$1" out line key val idx= found= first= k
	ctl=
	data=
	net=
	netdrv=
	netclass=
	profile=
	out=$(umodem ports 2>/dev/null)
	while IFS= read -r line; do
		key="${line%%=*}"
		val="${line#*=}"
		case "$key" in
		modem.*.control | modem.*.data | modem.*.net | modem.*.net_driver | modem.*.net_class | \
			modem.*.profile) ;;
		*) continue ;;
		esac
		idx="${key#modem.}"
		idx="${idx%%.*}"
		case "$idx" in '' | *[!0-9]*) continue ;; esac
		[ -n "$first" ] || first="$idx"
		[ -n "$want" ] && [ "$val" = "$want" ] && found="$idx"
		eval "umodem_port_${idx}_${key##*.}=\"\$val\""
	done <<EOF
$out
EOF
	if [ -n "$want" ]; then
		[ -e "$want" ] || return 1
		first="$found"
		data="$want"
		ctl="$want"
	fi
	[ -n "$first" ] || [ -n "$want" ] || return 1
	[ -n "$first" ] || return 0
	for k in control:ctl data:data net:net net_driver:netdrv net_class:netclass profile:profile; do
		eval "val=\"\$umodem_port_${first}_${k%%:*}\""
		[ -n "$val" ] && eval "${k#*:}=\"\$val\""
	done
	return 0
}

# umodem_ready MODE: its network function has a driver, and it has what MODE needs.
umodem_ready() {
	[ -z "$netclass" ] || [ -n "$netdrv" ] || return 1
	case "$1" in
	ecm) [ -n "$net" ] ;;
	ncm) [ -n "$net" ] && [ -n "$ctl" ] ;;
	*) [ -n "$data$ctl$net" ] ;;
	esac
}

# umodem_nopath IFACE CODE WHY [DATA]: no data path: blocked (retrying changes nothing).
umodem_nopath() {
	umodem_log "$1: $3"
	umodem_fail "$1" "$2" block "$4"
}

# umodem_datapath IFACE MODE: sets dp (ppp, ncm, ecm) and the NCM call's AT
# commands for the modem's profile, or reports why there is none.
umodem_datapath() {
	local mode="${2:-auto}" kind= kmod= what
	case "$netdrv" in
	cdc_ether | rndis_host) kind=ecm ;;
	cdc_ncm | huawei_cdc_ncm) kind=ncm ;;
	qmi_wwan) kind=qmi ;;
	cdc_mbim) kind=mbim ;;
	'')
		case "$netclass" in
		02/06/*) kmod=kmod-usb-net-cdc-ether ;;
		02/02/ff | e0/01/03) kmod=kmod-usb-net-rndis ;;
		02/0d/*) kmod=kmod-usb-net-cdc-ncm ;;
		02/0e/*) kmod=kmod-usb-net-cdc-mbim ;;
		ff/*/16 | ff/*/46 | ff/*/76) kmod=kmod-usb-net-huawei-cdc-ncm ;;
		esac
		;;
	*) kind=other ;;
	esac
	ndis_up=
	ndis_down=
	ndis_query=
	case "$profile" in
	huawei)
		ndis_up='AT^NDISDUP=1,1'
		ndis_down='AT^NDISDUP=1,0'
		ndis_query='AT^NDISSTATQRY?'
		;;
	esac
	what="modem: control ${ctl:--}, data ${data:--}, network ${net:--} ${netdrv:--} ${netclass:--}"
	dp=
	case "$mode" in
	auto)
		if [ "$kind" = ecm ]; then
			dp=ecm
		elif [ "$kind" = ncm ] && [ -n "$ctl" ] && [ -n "$ndis_up" ]; then
			dp=ncm
		elif [ -n "$data" ]; then
			dp=ppp
		elif [ "$kind" = qmi ]; then
			umodem_nopath "$1" USE_PROTO_QMI "this stick speaks QMI: use proto qmi ($what)"
		elif [ "$kind" = mbim ]; then
			umodem_nopath "$1" USE_PROTO_MBIM "this stick speaks MBIM: use proto mbim ($what)"
		elif [ "$kind" = ncm ]; then
			umodem_nopath "$1" NO_DATA_PATH "no AT port to start the NCM call: set mode ecm if the stick connects by itself ($what)"
		elif [ -n "$kmod" ]; then
			umodem_nopath "$1" MISSING_KMOD "no driver for the network interface: install $kmod, then ifup $1 ($what)" "$kmod"
		elif [ -n "$ctl" ] && [ -z "$netclass" ]; then
			dp=ppp
		else
			umodem_nopath "$1" NO_DATA_PATH "no PPP port, no network interface ($what)"
		fi
		;;
	ppp) [ -n "$data$ctl" ] && dp=ppp ;;
	ncm) [ "$kind" = ncm ] && [ -n "$ctl" ] && [ -n "$ndis_up" ] && dp=ncm ;;
	ecm) [ "$kind" = ecm ] || [ "$kind" = ncm ] && dp=ecm ;;
	esac
	[ -n "$dp" ] || [ "$mode" = auto ] ||
		umodem_nopath "$1" NO_DATA_PATH "mode $mode: the stick has no such data path ($what)"
	[ -n "$dp" ] || return 1
	# PPP on the AT port when there is no other.
	[ "$dp" = ppp ] && [ -z "$data" ] && data="$ctl"
	[ -n "$ctl" ] || ctl="$data"
	umodem_log "$1: data path $dp ($what)"
}

# umodem_net_up IFACE DATAPATH: up on $net (the data path in netifd's data),
# DHCP and DHCPv6 (unless ipv6 is 0) as sub-interfaces IFACE_4, IFACE_6.
umodem_net_up() {
	local zone v6
	date +%s >"$UMODEM_RUN/$1.start"
	proto_init_update "$net" 1
	proto_add_data
	json_add_string datapath "$2"
	proto_close_data
	proto_send_update "$1"
	zone=$(fw3 -q network "$1" 2>/dev/null)
	for v6 in '' ${ipv6:+1}; do
		json_init
		if [ -z "$v6" ]; then
			json_add_string name "${1}_4"
			json_add_string ifname "@$1"
			json_add_string proto dhcp
		else
			json_add_string name "${1}_6"
			json_add_string ifname "@$1"
			json_add_string proto dhcpv6
			json_add_string extendprefix 1
			[ -n "$reqprefix" ] && json_add_string reqprefix "$reqprefix"
			[ "$norelease" = 1 ] && json_add_boolean norelease 1
			[ "$sourcefilter" = 0 ] && json_add_boolean sourcefilter 0
			[ "$delegate" = 0 ] && json_add_boolean delegate 0
			[ -n "$ip6table" ] && json_add_string ip6table "$ip6table"
		fi
		proto_add_dynamic_defaults
		[ -n "$zone" ] && json_add_string zone "$zone"
		json_close_object
		ubus call network add_dynamic "$(json_dump)" ||
			umodem_log "$1: netifd refused the DHCP sub-interface ${1}_${v6:+6}${v6:-4}"
	done
	umodem_log "$1: up on $net ($2), DHCP as ${1}_4${ipv6:+ and ${1}_6}"
}

# umodem_ndis IFACE: the NCM data call on $ctl, then wait (20 s at most) until
# it is up. The commands (password too) reach `umodem at` on stdin, not argv.
umodem_ndis() {
	local pdp=IP n=0 rc out st cause a=2
	[ -n "$ipv6" ] && pdp=IPV4V6
	case "$auth" in pap) a=1 ;; none) a=0 ;; esac
	echo "$ctl $ndis_down" >"$UMODEM_RUN/$1.ndis"
	{
		[ -n "$apn" ] && printf 'AT+CGDCONT=1,"%s","%s"\n' "$pdp" "$apn"
		if [ -n "$username" ] && [ "$auth" != none ]; then
			printf '%s,"%s","%s","%s",%s\n' "$ndis_up" "$apn" "$username" "$password" "$a"
		else
			printf '%s%s\n' "$ndis_up" "${apn:+,\"$apn\"}"
		fi
	} | umodem at --port "$ctl" >/dev/null 2>&1
	rc=$?
	case "$rc" in
	0) ;;
	10)
		umodem_no_device "$1" "modem gone"
		return 1
		;;
	*)
		umodem_log "$1: the modem refused to start the data call (umodem at exit $rc)"
		umodem_fail "$1" CONNECT_FAILED
		return 1
		;;
	esac
	while :; do
		out=$(echo "$ndis_query" | umodem at --port "$ctl" --timeout 2 2>/dev/null)
		rc=$?
		[ "$rc" = 10 ] && {
			umodem_no_device "$1" "modem gone"
			return 1
		}
		# ^NDISSTATQRY: <stat>,<cause>,...: 1 up; 0 with a cause: refused.
		st=$(echo "$out" | sed -n 's/^^NDISSTATQRY: *\([0-9]*\),\([0-9]*\).*/\1 \2/p' | head -n 1)
		cause="${st#* }"
		case "$rc:$st" in
		0:1\ *) break ;;
		17:*)
			umodem_log "$1: no call state from the modem; trying DHCP"
			break
			;;
		0:0\ [0-9]*)
			umodem_log "$1: the network refused the data call (cause $cause)"
			case "$cause" in 27 | 33) cause=APN_REFUSED ;; *) cause=CONNECT_FAILED ;; esac
			umodem_fail "$1" "$cause"
			return 1
			;;
		esac
		if [ "$n" -ge 20 ]; then
			umodem_log "$1: the data call did not come up in 20 s"
			umodem_fail "$1" CONNECT_FAILED
			return 1
		fi
		sleep 1
		n=$((n + 1))
	done
	umodem_log "$1: data call up on $ctl"
}

# umodem_apn_lookup IMSI [TABLE]: print the IMSI's network in the APN table as
# lines: MCCMNC, APN, user, password. Table rows (gen-apn-table.py): ":MCC"
# starts a country, then "MNC<TAB>APN[<TAB>USER[<TAB>PASSWORD]]"; a bare "MNC"
# has the row above's APN, user and password. The MNC is 2 or 3 digits and the
# IMSI does not say which: a 6-digit MCCMNC wins over a 5-digit one.
umodem_apn_lookup() {
	case "$1" in '' | *[!0-9]*) return 1 ;; esac
	[ ${#1} -ge 6 ] || return 1
	awk -F '\t' -v i="$1" 'sub(/^:/, "") { c = $0; next }
		NF > 1 { a = $2 "\n" $3 "\n" $4 }
		c $1 == substr(i, 1, 6) { r = c $1 "\n" a; exit }
		c $1 == substr(i, 1, 5) && r == "" { r = c $1 "\n" a }
		END { if (r == "") exit 1; print r }' "${2:-$UMODEM_APN_TABLE}" 2>/dev/null
}

# umodem_pppd_quote VALUE: VALUE as one word of a pppd options file.
umodem_pppd_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

# umodem_pick_localip SUBNETS: the address for `unnumbered`, chosen as ppp.sh
# does: of "ADDR/MASK" words, the non-/32 one with the longest mask (the first
# of equals), else the first.
umodem_pick_localip() {
	local s best= bestmask=
	for s in $1; do
		if [ -z "$best" ]; then
			best="${s%%/*}"
			bestmask="${s#*/}"
		elif [ "${s#*/}" != 32 ] && { [ "$bestmask" = 32 ] || [ "${s#*/}" -gt "$bestmask" ]; }; then
			best="${s%%/*}"
			bestmask="${s#*/}"
		fi
	done
	echo "$best"
}

proto_umodem_setup() {
	local interface="$1"
	local device apn service pincode dialnumber username password auth delay maxwait
	local keepalive keepalive_adaptive demand mtu ipv6 pppd_options connect disconnect
	local pppname unnumbered reqprefix persist maxfail holdoff sourcefilter delegate
	local norelease peerdns ip6table mode defaultroute metric
	local ctl data net netdrv netclass profile dp ndis_up ndis_down ndis_query
	local waited rc imsi row u p ifname optfile i subnets
	local autoipv6= localip= lcp_failure lcp_interval lcp_adaptive= nl='
'

	json_get_vars device apn service dialnumber username auth delay maxwait \
		keepalive keepalive_adaptive demand mtu ipv6 pppd_options connect disconnect \
		pppname unnumbered reqprefix persist maxfail holdoff sourcefilter delegate \
		norelease peerdns ip6table mode defaultroute metric
	# Secrets from uci, not from netifd's JSON (see proto_umodem_init_config).
	pincode=$(uci -q get "network.$interface.pincode" 2>/dev/null)
	password=$(uci -q get "network.$interface.password" 2>/dev/null)
	rm -f "$UMODEM_RUN/$interface.start" "$UMODEM_RUN/$interface.nodev" "$UMODEM_RUN/$interface.ndis"
	# /var/run is a tmpfs: after a boot nothing may have made our folder yet, and
	# teardown needs the call record (IFACE.ndis) to end an NCM call.
	mkdir -p "$UMODEM_RUN"

	# Bad options are refused here, with the reason, rather than by pppd.
	for i in "$delay" "$maxwait" "$demand" "$mtu" "$maxfail" "$holdoff"; do
		case "$i" in *[!0-9]*)
			umodem_invalid "$interface" "a number option holds '$i'"
			return 1
			;;
		esac
	done
	case "$keepalive" in *[!0-9\ ,]*)
		umodem_invalid "$interface" "keepalive must be FAILURES [INTERVAL]"
		return 1
		;;
	esac
	case "$dialnumber" in *[!0-9*#+,]*)
		umodem_invalid "$interface" "dialnumber may hold only 0-9 * # + ,"
		return 1
		;;
	esac
	case "${auth:-auto}" in auto | pap | chap | none) ;; *)
		umodem_invalid "$interface" "auth must be pap, chap or none"
		return 1
		;;
	esac
	case "$pppname" in *[!A-Za-z0-9_.-]*)
		umodem_invalid "$interface" "pppname may hold only A-Z a-z 0-9 _ . -"
		return 1
		;;
	esac
	[ ${#pppname} -le 15 ] || {
		umodem_invalid "$interface" "pppname is longer than 15 characters"
		return 1
	}
	case "$unnumbered$ip6table" in *[!A-Za-z0-9_-]*)
		umodem_invalid "$interface" "unnumbered and ip6table name an interface or table"
		return 1
		;;
	esac
	case "$reqprefix" in *[!A-Za-z0-9:/.]*)
		umodem_invalid "$interface" "reqprefix must be auto, no, a length or a prefix"
		return 1
		;;
	esac
	case "$username$password" in *"$nl"*)
		umodem_invalid "$interface" "username or password holds a line break"
		return 1
		;;
	esac
	case "${mode:-auto}" in auto | ppp | ncm | ecm) ;; *)
		umodem_invalid "$interface" "mode must be auto, ppp, ncm or ecm"
		return 1
		;;
	esac
	ifname="${pppname:-umodem-$interface}"
	[ ${#ifname} -le 15 ] || ifname="ppp-$(echo "$interface" | cut -c1-11)"

	# IPv6 as ppp.sh: unset or auto = +ipv6 and a DHCPv6 client on the link
	# (AUTOIPV6; NCM and HiLink: IFACE_6), 0 = off, anything else = +ipv6 alone.
	[ -e "$UMODEM_IPV6_PROC" ] || ipv6=0
	case "$ipv6" in
	0) ipv6= ;;
	'' | auto) ipv6=1 autoipv6=1 ;;
	*) ipv6=1 ;;
	esac
	[ -n "$autoipv6" ] || {
		reqprefix=
		norelease=
	}

	umodem_backoff "$interface"
	[ "${delay:-0}" -gt 0 ] && sleep "$delay"

	# Wait for the modem (switching mode, booting, its network function's
	# driver binding), then decide on what is there.
	waited=0
	while ! { umodem_find_ports "$device" && umodem_ready "$mode"; }; do
		if [ "$waited" -ge "${maxwait:-20}" ]; then
			[ -n "$data$ctl$net$netclass" ] && break
			umodem_no_device "$interface" "no modem ${device:+at $device }after ${waited}s"
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
	umodem_datapath "$interface" "$mode" || return 1
	if [ "$dp" = ecm ]; then
		umodem_net_up "$interface" ecm
		return 0
	fi
	umodem_log "$interface: modem control port $ctl, data port $data"

	UMODEM_PIN="$pincode" umodem prepare --port "$ctl" ${service:+--service "$service"} \
		--state-dir "$UMODEM_PIN_STATE"
	rc=$?
	case "$rc" in
	0) ;;
	2) umodem_fail "$interface" INVALID_OPTIONS block ;;
	10) umodem_no_device "$interface" "modem gone" ;;
	11) umodem_fail "$interface" NO_SIM block ;;
	12) umodem_fail "$interface" PIN_REQUIRED block ;;
	13) umodem_fail "$interface" PIN_FAILED block ;;
	14) umodem_fail "$interface" PIN_ATTEMPTS_LOW block ;;
	15) umodem_fail "$interface" PUK_REQUIRED block ;;
	16) umodem_fail "$interface" SIM_FAILURE ;;
	17) umodem_fail "$interface" MODEM_ERROR ;;
	*) umodem_fail "$interface" PREPARE_FAILED ;;
	esac
	[ "$rc" = 0 ] || return 1

	if [ -n "$apn" ]; then
		umodem_log "$interface: using the configured apn '$apn'"
	else
		imsi=$(umodem info --port "$ctl" 2>/dev/null | sed -n 's/^\([a-z0-9_]*\.\)*imsi=\([0-9]*\)$/\2/p' | head -n 1)
		if row=$(umodem_apn_lookup "$imsi"); then
			{
				read -r i
				read -r apn
				read -r u
				read -r p
			} <<EOF
$row
EOF
			[ -n "$username" ] || username="$u"
			[ -n "$password" ] || password="$p"
			umodem_log "$interface: no apn set; using '$apn', the provider table's entry for network $i"
		else
			umodem_log "$interface: no apn set and none known for this SIM${imsi:+ (network $(echo "$imsi" | cut -c1-6)...)}; dialling with the modem's default context"
		fi
	fi

	if [ "$dp" = ncm ]; then
		case "$apn$username$password" in *'"'*)
			umodem_invalid "$interface" "apn, username and password cannot hold \" for an NCM data call"
			return 1
			;;
		esac
		umodem_ndis "$interface" || return 1
		umodem_net_up "$interface" ncm
		return 0
	fi

	# unnumbered: the local address from another interface, as ppp.sh takes it.
	[ -n "$unnumbered" ] && {
		[ -f ../../functions/network.sh ] || {
			umodem_invalid "$interface" "unnumbered needs /lib/functions/network.sh"
			return 1
		}
		(proto_add_host_dependency "$interface" "" "$unnumbered")
		. ../../functions/network.sh
		network_get_subnets subnets "$unnumbered"
		localip=$(umodem_pick_localip "$subnets")
		[ -n "$localip" ] || {
			umodem_invalid "$interface" "unnumbered: interface '$unnumbered' has no IPv4 address"
			return 1
		}
	}


	# The PPP username and password, and pppd's `set` variables for the ip-up
	# scripts, reach pppd in a 0600 options file: secrets off argv, and argv
	# short enough for netifd.
	optfile="$UMODEM_RUN/$interface.pppd"
	(
		umask 077
		mkdir -p "$UMODEM_RUN" || exit 1
		rm -f "$optfile"
		{
			[ -n "$username" ] && [ "$auth" != none ] && {
				echo "user $(umodem_pppd_quote "$username")"
				echo "password $(umodem_pppd_quote "$password")"
			}
			[ -n "$autoipv6" ] && echo "set AUTOIPV6=1"
			[ -n "$reqprefix" ] && echo "set REQPREFIX=$reqprefix"
			[ "$norelease" = 1 ] && echo "set NORELEASE=1"
			[ -n "$ip6table" ] && echo "set IP6TABLE=$ip6table"
			[ -n "$peerdns" ] && echo "set PEERDNS=$peerdns"
			[ "$sourcefilter" = 0 ] && echo "set NOSOURCEFILTER=1"
			[ "$delegate" = 0 ] && echo "set DELEGATE=0"
			:
		} >"$optfile"
	) || {
		umodem_fail "$interface" INTERNAL_ERROR
		return 1
	}

	# keepalive "FAILURES [INTERVAL]" (or FAILURES,INTERVAL) as ppp.sh; an
	# interval 5 s when left out; 0 failures = no LCP echo. Our default is 4
	# misses 30 s apart (ppp.sh's "5 1" costs a metered SIM an echo a second).
	keepalive="${keepalive:-4 30}"
	lcp_failure="${keepalive%%[, ]*}"
	lcp_interval="${keepalive##*[, ]}"
	[ "$lcp_interval" != "$keepalive" ] || lcp_interval=5
	[ "${lcp_failure:-0}" -ge 1 ] || lcp_failure=
	[ "${keepalive_adaptive:-1}" = 0 ] || lcp_adaptive=lcp-echo-adaptive

	# persist/maxfail/holdoff as ppp.sh when persist is set; unset, pppd redials
	# by itself, paced: persist maxfail 3 holdoff 10 (ppp.sh: one try, then exit).
	if [ -z "$persist" ]; then
		persist=persist
		maxfail="${maxfail:-3}"
		holdoff="${holdoff:-10}"
	elif [ "$persist" = 0 ]; then
		persist=nopersist
		maxfail="${maxfail:-1}"
	else
		persist=persist
		maxfail="${maxfail:-0}"
	fi

	if [ -n "$connect" ]; then
		umodem_log "$interface: pppd's connect step is the configured one, not umodem connect"
	else
		connect="umodem connect --dial '${dialnumber:-*99***1#}'"
	fi

	# pppd gets these in its environment and passes them on to `umodem connect`.
	[ -n "$apn" ] && proto_export "UMODEM_APN=$apn"
	proto_export "UMODEM_STATUS=$UMODEM_RUN/$interface.connect"
	# As proto 3g: ppp6-up asks DHCPv6 for a prefix to extend (RFC 7278).
	proto_export "EXTENDPREFIX=1"
	rm -f "$UMODEM_RUN/$interface.connect"

	# pppd's words in ppp.sh's order, then proto 3g's serial options.
	set -- /usr/sbin/pppd nodetach ipparam "$interface" ifname "$ifname"
	[ -n "$localip" ] && set -- "$@" "$localip:"
	[ -n "$lcp_failure" ] && set -- "$@" lcp-echo-interval "$lcp_interval" \
		lcp-echo-failure "$lcp_failure" $lcp_adaptive
	[ -n "$ipv6" ] && set -- "$@" +ipv6
	set -- "$@" nodefaultroute usepeerdns
	[ "${demand:-0}" -gt 0 ] && set -- "$@" precompiled-active-filter /etc/ppp/filter \
		demand idle "$demand"
	set -- "$@" "$persist" maxfail "$maxfail"
	[ -n "$holdoff" ] && set -- "$@" holdoff "$holdoff"
	set -- "$@" file "$optfile"
	case "$auth" in
	pap) set -- "$@" refuse-chap refuse-mschap refuse-mschap-v2 refuse-eap ;;
	chap) set -- "$@" refuse-pap refuse-eap ;;
	esac
	set -- "$@" connect "$connect"
	[ -n "$disconnect" ] && set -- "$@" disconnect "$disconnect"
	set -- "$@" ip-up-script /lib/netifd/ppp-up
	[ -n "$ipv6" ] && set -- "$@" ipv6-up-script /lib/netifd/ppp6-up
	set -- "$@" ip-down-script /lib/netifd/ppp-down
	[ -n "$ipv6" ] && set -- "$@" ipv6-down-script /lib/netifd/ppp-down
	[ -n "$mtu" ] && set -- "$@" mtu "$mtu" mru "$mtu"
	# pppd_options is a list of words, as in ppp.sh (split, never globbed).
	set -f
	# shellcheck disable=SC2086
	set -- "$@" noaccomp nopcomp novj nobsdcomp noauth lock crtscts 115200 "$data" \
		$pppd_options
	set +f
	[ $# -le "$UMODEM_ARGV_MAX" ] || {
		umodem_invalid "$interface" "pppd would get $# words, netifd takes at most $UMODEM_ARGV_MAX: shorten pppd_options"
		return 1
	}

	mkdir -p "$UMODEM_RUN"
	date +%s >"$UMODEM_RUN/$interface.start"
	proto_run_command "$interface" "$@" || {
		rm -f "$UMODEM_RUN/$interface.start"
		umodem_log "$interface: netifd did not start pppd"
		umodem_fail "$interface" INTERNAL_ERROR
		return 1
	}
	return 0
}

proto_umodem_teardown() {
	local interface="$1" device authfail start now lived= code= ctl down

	json_get_vars device authfail
	# The NCM call ends (1 s bound: netifd kills a teardown after 5 s).
	read -r ctl down 2>/dev/null <"$UMODEM_RUN/$interface.ndis" &&
		[ -n "$down" ] && echo "$down" | umodem at --port "$ctl" --timeout 1 >/dev/null 2>&1 &&
		umodem_log "$interface: data call ended"
	read -r start 2>/dev/null <"$UMODEM_RUN/$interface.start"
	case "$start" in
	'' | *[!0-9]*) start= ;;
	*)
		now=$(date +%s)
		[ $((now - start)) -ge 60 ] && lived=1
		;;
	esac

	if [ -n "$ERROR" ]; then
		# pppd exited; ERROR is its exit status (pppd(8), EXIT STATUS).
		read -r code 2>/dev/null <"$UMODEM_RUN/$interface.connect"
		case "$ERROR" in
		0 | 5) code= ;;
		2) code=INVALID_OPTIONS ;;
		4) code=NO_PPP_SUPPORT ;;
		6) code=DEVICE_LOCKED ;;
		7) code=NO_DEVICE ;;
		8) case "$code" in '' | *[!A-Z_]* | CONNECTED) code=CONNECT_FAILED ;; esac ;;
		10) code=PPP_NEGOTIATION_FAILED ;;
		11 | 19) code=AUTH_FAILED ;;
		15 | 16) code=LINK_LOST ;;
		*) code=PPP_FAILED ;;
		esac
		if [ -n "$code" ]; then
			proto_notify_error "$interface" "$code"
			case "$code" in
			INVALID_OPTIONS | NO_PPP_SUPPORT) proto_block_restart "$interface" ;;
			AUTH_FAILED) [ "$authfail" = 1 ] && proto_block_restart "$interface" ;;
			esac
			umodem_log "$interface: pppd exited with status $ERROR ($code)"
			# A link that lived a minute was a success: start counting afresh.
			if [ -n "$lived" ]; then
				umodem_fails_set "$interface" 0
			else
				umodem_fails_inc "$interface" "$code"
			fi
		else
			umodem_fails_set "$interface" 0
		fi
	else
		# No ERROR: setup failed by itself (it counted that), or the interface
		# was taken down (ifdown, unavailable) with pppd still running. Only a
		# pppd that ran a minute clears the count.
		[ -n "$lived" ] && umodem_fails_set "$interface" 0
		[ -f "$UMODEM_RUN/$interface.nodev" ] && umodem_recheck "$interface" "$device"
	fi
	rm -f "$UMODEM_RUN/$interface.pppd" "$UMODEM_RUN/$interface.start" \
		"$UMODEM_RUN/$interface.nodev" "$UMODEM_RUN/$interface.ndis"
	proto_kill_command "$interface"
}

[ -z "$NOT_INCLUDED" ] || add_protocol umodem
