#!/bin/sh
# netifd protocol handler "umodem": a USB 3G/LTE stick by PPP, NCM or HiLink,
# with every option of proto 3g and ppp.sh (README "Going online"). netifd
# restarts a setup that ends without pppd at once, for ever, then runs teardown
# without ERROR: the handler paces itself. IFACE.fails counts failures in a row
# (setup raises it; a link that lived 60 s or a blocked error clears it); the
# next setup first waits 5, 10, 20, 40, then 60 s. pincode and password are not
# declared options (netifd puts those in argv): read from uci.

[ -n "$INCLUDE_ONLY" ] || {
	NOT_INCLUDED=1
	INCLUDE_ONLY=1

	. ../netifd-proto.sh
	init_proto "$@"
}

UMODEM_RUN="${UMODEM_RUNDIR:-/var/run/umodem}"
# rejected PINs: on flash
UMODEM_PIN_STATE="${UMODEM_PIN_STATE:-/etc/umodem}"
UMODEM_APN_TABLE="${UMODEM_APN_TABLE:-/usr/share/umodem/apn.tsv}"
UMODEM_IPV6_PROC="${UMODEM_IPV6_PROC:-/proc/sys/net/ipv6}"

proto_umodem_init_config() {
	local o
	no_device=1
	available=1
	proto_config_add_string "device:device"
	proto_config_add_string "connect:file"
	proto_config_add_string "disconnect:file"
	for o in apn service dialnumber username keepalive pppd_options ipv6 pppname \
		unnumbered reqprefix auth mode; do
		proto_config_add_string $o
	done
	for o in demand mtu maxfail holdoff delay maxwait dns_retries; do
		proto_config_add_int $o
	done
	for o in keepalive_adaptive authfail persist sourcefilter delegate norelease; do
		proto_config_add_boolean $o
	done
	proto_config_add_array dns
	proto_config_add_array bogus_dns
	proto_config_add_defaults
}

umodem_log() {
	logger -t umodem "$*"
}

umodem_fails_get() {
	local n
	read -r n 2>/dev/null <"$UMODEM_RUN/$1.fails"
	case "$n" in '' | *[!0-9]*) n=0 ;; esac
	echo "$n"
}

# umodem_fails_set IFACE N [CODE]: a bare number (the daemon's watchdog reads it)
umodem_fails_set() {
	mkdir -p "$UMODEM_RUN" && echo "$2" >"$UMODEM_RUN/$1.fails" || return
	rm -f "$UMODEM_RUN/$1.error"
	[ -z "$3" ] || echo "$3" >"$UMODEM_RUN/$1.error"
}

umodem_fails_inc() {
	umodem_fails_set "$1" $(($(umodem_fails_get "$1") + 1)) "$2"
}

# An ifdown (netifd's SIGTERM) ends the wait.
umodem_backoff() {
	local n code= wait=60 pid
	n=$(umodem_fails_get "$1")
	[ "$n" -gt 0 ] || return 0
	[ "$n" -ge 5 ] || wait=$((5 << (n - 1)))
	read -r code 2>/dev/null <"$UMODEM_RUN/$1.error"
	umodem_log "$1: $n failed attempt(s) in a row${code:+ (last: $code)}, waiting ${wait}s"
	sleep "$wait" &
	pid=$!
	trap 'kill "$pid" 2>/dev/null; exit 1' TERM
	wait "$pid"
	trap - TERM
}

# umodem_fail IFACE CODE [block [DATA]]: counted, or blocked until an ifup
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

umodem_block() {
	umodem_log "$1: $3"
	umodem_fail "$1" "$2" block "$4"
}

umodem_invalid() {
	umodem_block "$1" INVALID_OPTIONS "$2"
}

# umodem_no_device IFACE WHY: netifd kills setup at proto_set_available 0, then
# teardown looks again (umodem_recheck); hotplug makes it available again.
umodem_no_device() {
	umodem_fails_inc "$1" NO_DEVICE
	mkdir -p "$UMODEM_RUN" && : >"$UMODEM_RUN/$1.nodev"
	umodem_log "$1: $2"
	proto_notify_error "$1" NO_DEVICE
	proto_set_available "$1" 0
	return 1
}

# umodem_recheck IFACE DEVICE: the tty hotplug script's test
umodem_recheck() {
	if [ -n "$2" ]; then
		[ -e "$2" ]
	else
		umodem ports --no-probe 2>/dev/null | grep -q '^modem\.[0-9]*\.\(data=/dev/\|net=\)'
	fi || return 0
	umodem_log "$1: a modem is there now: interface available again"
	proto_set_available "$1" 1
}

# umodem_find_ports [DEVICE]: of `umodem ports` (modem by modem), the one with
# DEVICE (which must exist), else the first: sets ctl, data, net, netdrv,
# netclass, profile; ctl and data default to DEVICE. False: none.
umodem_find_ports() {
	local key val i cur= hit=
	ctl= data= net= netdrv= netclass= profile=
	[ -z "$1" ] || [ -e "$1" ] || return 1
	while IFS== read -r key val; do
		i="${key#modem.}"
		i="${i%%.*}"
		[ "$i" = "$cur" ] || {
			[ -n "$hit" ] && break
			cur="$i"
			ctl= data= net= netdrv= netclass= profile=
		}
		case "${key#modem.$i.}" in
		control) ctl="$val" ;;
		data) data="$val" ;;
		net) net="$val" ;;
		net_driver) netdrv="$val" ;;
		net_class) netclass="$val" ;;
		profile) profile="$val" ;;
		*) continue ;;
		esac
		[ "$val" = "${1:-$val}" ] && hit=1
	done <<EOF
$(umodem ports 2>/dev/null)
EOF
	[ -n "$1" ] || {
		[ -n "$hit" ]
		return
	}
	[ -n "$hit" ] || ctl= data= net= netdrv= netclass= profile=
	ctl="${ctl:-$1}"
	data="${data:-$1}"
}

# umodem_ready MODE: a network driver bound, and what MODE needs
umodem_ready() {
	[ -z "$netclass" ] || [ -n "$netdrv" ] || return 1
	case "$1" in
	ecm) [ -n "$net" ] ;;
	ncm) [ -n "$net" ] && [ -n "$ctl" ] ;;
	*) [ -n "$data$ctl$net" ] ;;
	esac
}

# umodem_datapath IFACE MODE: sets dp and the NCM commands, or says why not
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
	ndis_up= ndis_down= ndis_query=
	[ "$profile" = huawei ] && ndis_up='AT^NDISDUP=1,1' ndis_down='AT^NDISDUP=1,0' \
		ndis_query='AT^NDISSTATQRY?'
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
			umodem_block "$1" USE_PROTO_QMI "this stick speaks QMI: use proto qmi ($what)"
		elif [ "$kind" = mbim ]; then
			umodem_block "$1" USE_PROTO_MBIM "this stick speaks MBIM: use proto mbim ($what)"
		elif [ "$kind" = ncm ]; then
			umodem_block "$1" NO_DATA_PATH "no AT port to start the NCM call: set mode ecm if the stick connects by itself ($what)"
		elif [ -n "$kmod" ]; then
			umodem_block "$1" MISSING_KMOD "no driver for the network interface: install $kmod, then ifup $1 ($what)" "$kmod"
		elif [ -n "$ctl" ] && [ -z "$netclass" ]; then
			dp=ppp
		else
			umodem_block "$1" NO_DATA_PATH "no PPP port, no network interface ($what)"
		fi
		;;
	ppp) [ -n "$data$ctl" ] && dp=ppp ;;
	ncm) [ "$kind" = ncm ] && [ -n "$ctl" ] && [ -n "$ndis_up" ] && dp=ncm ;;
	ecm) [ "$kind" = ecm ] || [ "$kind" = ncm ] && dp=ecm ;;
	esac
	[ -n "$dp" ] || [ "$mode" = auto ] ||
		umodem_block "$1" NO_DATA_PATH "mode $mode: the stick has no such data path ($what)"
	[ -n "$dp" ] || return 1
	# PPP on the AT port when there is no other.
	[ "$dp" = ppp ] && [ -z "$data" ] && data="$ctl"
	[ -n "$ctl" ] || ctl="$data"
	umodem_log "$1: data path $dp ($what)"
}

# umodem_net_up IFACE DATAPATH: up on $net, DHCP(v6) as IFACE_4 (_6), as ncm.sh
umodem_net_up() {
	local zone v6 name
	date +%s >"$UMODEM_RUN/$1.start"
	proto_init_update "$net" 1
	proto_add_data
	json_add_string datapath "$2"
	proto_close_data
	proto_send_update "$1"
	zone=$(fw3 -q network "$1" 2>/dev/null)
	for v6 in 4 ${ipv6:+6}; do
		name="${1}_$v6"
		json_init
		json_add_string name "$name"
		json_add_string ifname "@$1"
		if [ "$v6" = 4 ]; then
			json_add_string proto dhcp
		else
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
			umodem_log "$1: netifd refused the DHCP sub-interface $name"
	done
	umodem_log "$1: up on $net ($2), DHCP as ${1}_4${ipv6:+ and ${1}_6}"
}

# umodem_ndis IFACE: the NCM call (commands on stdin: no password in argv)
umodem_ndis() {
	local pdp=IP n=0 rc out st a=2
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
	while [ "$rc" = 0 ]; do
		out=$(echo "$ndis_query" | umodem at --port "$ctl" --timeout 2 2>/dev/null)
		rc=$?
		# ^NDISSTATQRY: <stat>,<cause>,...: 1 up; 0 with a cause: refused.
		st=$(echo "$out" | sed -n 's/^^NDISSTATQRY: *\([0-9]*\),\([0-9]*\).*/\1 \2/p' | head -n 1)
		case "$rc:$st" in
		0:1\ *) ;;
		17:*) umodem_log "$1: no call state from the modem; trying DHCP" ;;
		0:0\ [0-9]*)
			st="${st#* }"
			umodem_log "$1: the network refused the data call (cause $st)"
			case "$st" in 27 | 33) st=APN_REFUSED ;; *) st=CONNECT_FAILED ;; esac
			umodem_fail "$1" "$st"
			return
			;;
		10:*) break ;;
		*)
			[ "$n" -lt 20 ] || {
				umodem_log "$1: the data call did not come up in 20 s"
				umodem_fail "$1" CONNECT_FAILED
				return
			}
			sleep 1
			n=$((n + 1))
			rc=0
			continue
			;;
		esac
		umodem_log "$1: data call up on $ctl"
		return 0
	done
	if [ "$rc" = 10 ]; then
		umodem_no_device "$1" "modem gone"
	else
		umodem_log "$1: the modem refused to start the data call (umodem at exit $rc)"
		umodem_fail "$1" CONNECT_FAILED
	fi
}

# umodem_apn_lookup IMSI [TABLE]: lines MCCMNC, APN, user, password. Table
# (gen-apn-table.py): ":MCC", then "MNC<TAB>APN[<TAB>USER[<TAB>PASSWORD]]" rows;
# a bare "MNC" has the row above's. A 3-digit MNC wins over a 2-digit one.
umodem_apn_lookup() {
	case "$1" in '' | *[!0-9]*) return 1 ;; esac
	[ ${#1} -ge 6 ] || return 1
	awk -F '\t' -v i="$1" 'sub(/^:/, "") { c = $0; next }
		NF > 1 { a = $2 "\n" $3 "\n" $4 }
		c $1 == substr(i, 1, 6) { r = c $1 "\n" a; exit }
		c $1 == substr(i, 1, 5) && r == "" { r = c $1 "\n" a }
		END { if (r == "") exit 1; print r }' "${2:-$UMODEM_APN_TABLE}" 2>/dev/null
}

umodem_pppd_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

# umodem_pick_localip SUBNETS: as ppp.sh, the non-/32 with the longest mask
umodem_pick_localip() {
	local s best= mask=
	for s in $1; do
		[ -z "$best" ] || { [ "${s#*/}" != 32 ] && { [ "$mask" = 32 ] || [ "${s#*/}" -gt "$mask" ]; }; } || continue
		best="${s%%/*}"
		mask="${s#*/}"
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
	local waited rc imsi row u p ifname optfile i subnets why=
	local autoipv6= localip= lcp_failure lcp_interval lcp_adaptive= nl='
'

	json_get_vars device apn service dialnumber username auth delay maxwait \
		keepalive keepalive_adaptive demand mtu ipv6 pppd_options connect disconnect \
		pppname unnumbered reqprefix persist maxfail holdoff sourcefilter delegate \
		norelease peerdns ip6table mode defaultroute metric
	pincode=$(uci -q get "network.$interface.pincode" 2>/dev/null)
	password=$(uci -q get "network.$interface.password" 2>/dev/null)
	rm -f "$UMODEM_RUN/$interface.start" "$UMODEM_RUN/$interface.nodev" "$UMODEM_RUN/$interface.ndis"
	mkdir -p "$UMODEM_RUN"

	for i in "$delay" "$maxwait" "$demand" "$mtu" "$maxfail" "$holdoff"; do
		case "$i" in *[!0-9]*) why="a number option holds '$i'" ;; esac
	done
	case "$keepalive" in *[!0-9\ ,]*) why="keepalive must be FAILURES [INTERVAL]" ;; esac
	case "$dialnumber" in *[!0-9*#+,]*) why="dialnumber may hold only 0-9 * # + ," ;; esac
	case "${auth:-auto}" in auto | pap | chap | none) ;; *) why="auth must be pap, chap or none" ;; esac
	case "$pppname" in *[!A-Za-z0-9_.-]*) why="pppname may hold only A-Z a-z 0-9 _ . -" ;; esac
	[ ${#pppname} -le 15 ] || why="pppname is longer than 15 characters"
	case "$unnumbered$ip6table" in *[!A-Za-z0-9_-]*) why="unnumbered and ip6table name an interface or table" ;; esac
	case "$reqprefix" in *[!A-Za-z0-9:/.]*) why="reqprefix must be auto, no, a length or a prefix" ;; esac
	case "$username$password" in *"$nl"*) why="username or password holds a line break" ;; esac
	case "${mode:-auto}" in auto | ppp | ncm | ecm) ;; *) why="mode must be auto, ppp, ncm or ecm" ;; esac
	[ -z "$why" ] || {
		umodem_invalid "$interface" "$why"
		return 1
	}
	ifname="${pppname:-umodem-$interface}"
	[ ${#ifname} -le 15 ] || ifname="ppp-$(echo "$interface" | cut -c1-11)"

	# ipv6 as ppp.sh: auto (unset) = +ipv6 and DHCPv6, 0 = off, else +ipv6
	[ -e "$UMODEM_IPV6_PROC" ] || ipv6=0
	case "$ipv6" in
	0) ipv6= ;;
	'' | auto) ipv6=1 autoipv6=1 ;;
	*) ipv6=1 ;;
	esac
	[ -n "$autoipv6" ] || reqprefix= norelease=

	umodem_backoff "$interface"
	[ "${delay:-0}" -gt 0 ] && sleep "$delay"

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
	10) umodem_no_device "$interface" "modem gone" ;;
	2) umodem_fail "$interface" INVALID_OPTIONS block ;;
	11) umodem_fail "$interface" NO_SIM block ;;
	12) umodem_fail "$interface" PIN_REQUIRED block ;;
	13) umodem_fail "$interface" PIN_FAILED block ;;
	14) umodem_fail "$interface" PIN_ATTEMPTS_LOW block ;;
	15) umodem_fail "$interface" PUK_REQUIRED block ;;
	16) umodem_fail "$interface" SIM_FAILURE ;;
	17) umodem_fail "$interface" MODEM_ERROR ;;
	*) umodem_fail "$interface" PREPARE_FAILED ;;
	esac || return 1

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

	# PPP login and `set` variables: off argv (secret, and netifd's limit)
	optfile="$UMODEM_RUN/$interface.pppd"
	(
		umask 077
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

	# keepalive as ppp.sh, but "4 30" by default, not "5 1"
	keepalive="${keepalive:-4 30}"
	lcp_failure="${keepalive%%[, ]*}"
	lcp_interval="${keepalive##*[, ]}"
	[ "$lcp_interval" != "$keepalive" ] || lcp_interval=5
	[ "${lcp_failure:-0}" -ge 1 ] || lcp_failure=
	[ "${keepalive_adaptive:-1}" = 0 ] || lcp_adaptive=lcp-echo-adaptive

	# persist unset: pppd redials, paced (ppp.sh: one try)
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

	# for `umodem connect`; EXTENDPREFIX as proto 3g
	[ -n "$apn" ] && proto_export "UMODEM_APN=$apn"
	proto_export "UMODEM_STATUS=$UMODEM_RUN/$interface.connect"
	proto_export "EXTENDPREFIX=1"
	rm -f "$UMODEM_RUN/$interface.connect"

	# ppp.sh's order, then proto 3g's serial options
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
	set -f
	set -- "$@" noaccomp nopcomp novj nobsdcomp noauth lock crtscts 115200 "$data" \
		$pppd_options
	set +f
	# netifd refuses more than 62 words (proto-shell.c)
	[ $# -le 62 ] || {
		umodem_invalid "$interface" "pppd would get $# words, netifd takes at most 62: shorten pppd_options"
		return 1
	}

	date +%s >"$UMODEM_RUN/$interface.start"
	proto_run_command "$interface" "$@" || {
		rm -f "$UMODEM_RUN/$interface.start"
		umodem_log "$interface: netifd did not start pppd"
		umodem_fail "$interface" INTERNAL_ERROR
		return 1
	}
}

proto_umodem_teardown() {
	local interface="$1" device authfail start lived= code= ctl down
	local r="$UMODEM_RUN/$interface"

	json_get_vars device authfail
	# netifd kills a teardown after 5 s
	read -r ctl down 2>/dev/null <"$r.ndis" &&
		[ -n "$down" ] && echo "$down" | umodem at --port "$ctl" --timeout 1 >/dev/null 2>&1 &&
		umodem_log "$interface: data call ended"
	read -r start 2>/dev/null <"$r.start"
	case "$start" in
	'' | *[!0-9]*) ;;
	*) [ $(($(date +%s) - start)) -ge 60 ] && lived=1 ;;
	esac

	if [ -n "$ERROR" ]; then
		# pppd's exit status
		read -r code 2>/dev/null <"$r.connect"
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
		fi
		if [ -n "$code" ] && [ -z "$lived" ]; then
			umodem_fails_inc "$interface" "$code"
		else
			umodem_fails_set "$interface" 0
		fi
	else
		# a failed setup (counted) or an ifdown/unplug
		[ -n "$lived" ] && umodem_fails_set "$interface" 0
		[ -f "$r.nodev" ] && umodem_recheck "$interface" "$device"
	fi
	rm -f "$r.pppd" "$r.start" "$r.nodev" "$r.ndis"
	proto_kill_command "$interface"
}

[ -z "$NOT_INCLUDED" ] || add_protocol umodem
