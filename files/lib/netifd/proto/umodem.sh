#!/bin/sh
# netifd protocol handler "umodem": a USB 3G stick dialled with pppd.
#
# An old `proto 3g` interface migrates by changing its proto to umodem: every 3g
# option is understood. setup finds the modem (`umodem ports`), checks the SIM and
# unlocks it (`umodem prepare`, PIN in the environment), then hands the port to
# pppd, whose connect step is `umodem connect`. Secrets never reach an argv:
# pincode and password are not declared options (netifd would put them in the
# handler's argv) but read from uci by setup; the PIN goes by environment to
# `umodem prepare`, the PPP username/password by a 0600 options file that pppd
# reads with `file`.
#
# Restart policy (netifd restarts a failed setup at once, without end):
# - faults only a person can fix (PIN, PUK, no SIM, bad options) call
#   proto_block_restart: retrying could lock the SIM or would only spin;
# - a missing modem sets the interface unavailable; the tty hotplug script
#   (/etc/hotplug.d/tty/30-umodem) makes it available again on plug;
# - transient faults (modem silent, SIM busy, pppd gave up) return 1 and netifd
#   retries; each consecutive quick failure makes the next setup wait longer
#   (5 s more each time, at most 60 s), so a broken modem cannot make netifd spin;
# - a dropped link is redialled by pppd itself (persist, holdoff 10 s) up to
#   maxfail 3 times, then pppd exits and netifd starts over from the SIM check.

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

proto_umodem_init_config() {
	no_device=1
	available=1
	# the options of proto 3g (and its ppp base) ... but not pincode and
	# password: netifd passes every declared option to setup in its argv
	# (/proc/PID/cmdline, readable by anyone), so setup reads those two from uci.
	proto_config_add_string "device:device"
	proto_config_add_string apn
	proto_config_add_string service
	proto_config_add_string dialnumber
	proto_config_add_string username
	proto_config_add_string auth
	proto_config_add_int delay
	proto_config_add_int maxwait
	proto_config_add_string keepalive
	proto_config_add_int demand
	proto_config_add_int mtu
	proto_config_add_boolean ipv6
	proto_config_add_string pppd_options
	proto_config_add_array dns
	proto_config_add_defaults
	# ... and ours
	proto_config_add_array bogus_dns
	proto_config_add_int dns_retries
}

umodem_log() {
	logger -t umodem "$*"
}

# umodem_fail IFACE CODE [block]: report an error the netifd way.
umodem_fail() {
	proto_notify_error "$1" "$2"
	[ "$3" = block ] && proto_block_restart "$1"
	umodem_log "$1: setup failed: $2${3:+ (not retrying: fix the cause, then ifup $1)}"
	return 1
}

# Consecutive quick failures of IFACE, kept in the run dir.
umodem_fails_get() {
	local n
	read -r n 2>/dev/null <"$UMODEM_RUN/$1.fails"
	case "$n" in '' | *[!0-9]*) n=0 ;; esac
	echo "$n"
}

umodem_fails_set() {
	mkdir -p "$UMODEM_RUN" && echo "$2" >"$UMODEM_RUN/$1.fails"
}

umodem_fails_inc() {
	umodem_fails_set "$1" $(($(umodem_fails_get "$1") + 1))
}

# Wait before a retry: 5 s per consecutive failure, at most 60 s.
umodem_backoff() {
	local n wait
	n=$(umodem_fails_get "$1")
	[ "$n" -gt 0 ] || return 0
	wait=$((n * 5))
	[ "$wait" -le 60 ] || wait=60
	umodem_log "$1: $n failed attempt(s) in a row, waiting ${wait}s"
	sleep "$wait"
}

# umodem_find_ports DEVICE: set $ctl and $data from `umodem ports`.
# With DEVICE set, take the modem owning it (or the device alone).
umodem_find_ports() {
	local want="$1" out line key val idx=
	local found_ctl= found_data= first=
	ctl=
	data=
	out=$(umodem ports 2>/dev/null)
	while IFS= read -r line; do
		key="${line%%=*}"
		val="${line#*=}"
		case "$key" in
		modem.*.control | modem.*.data) ;;
		*) continue ;;
		esac
		idx="${key#modem.}"
		idx="${idx%%.*}"
		case "$idx" in '' | *[!0-9]*) continue ;; esac
		[ -n "$first" ] || first="$idx"
		[ -n "$want" ] && [ "$val" = "$want" ] && found_ctl="$idx"
		eval "umodem_port_${idx}_${key##*.}=\"\$val\""
	done <<EOF
$out
EOF
	if [ -n "$want" ]; then
		[ -e "$want" ] || return 1
		data="$want"
		ctl="$want"
		[ -n "$found_ctl" ] && {
			eval "found_data=\"\$umodem_port_${found_ctl}_data\""
			eval "ctl=\"\${umodem_port_${found_ctl}_control:-\$want}\""
			[ -n "$found_data" ] && data="$found_data"
		}
		return 0
	fi
	[ -n "$first" ] || return 1
	eval "data=\"\$umodem_port_${first}_data\""
	eval "ctl=\"\$umodem_port_${first}_control\""
	[ -n "$data" ] || data="$ctl"
	[ -n "$ctl" ] || ctl="$data"
	[ -n "$data" ]
}

# umodem_apn_lookup IMSI [TABLE]: print "apn<TAB>user<TAB>password<TAB>mccmnc"
# for the IMSI's network. Table rows: MCCMNC<TAB>APN[<TAB>USER[<TAB>PASSWORD]].
# The MNC is 2 or 3 digits and the IMSI does not say which: a 6-digit MCCMNC
# row wins over a 5-digit one.
umodem_apn_lookup() {
	local imsi="$1" table="${2:-$UMODEM_APN_TABLE}" key
	case "$imsi" in '' | *[!0-9]*) return 1 ;; esac
	[ ${#imsi} -ge 6 ] && [ -r "$table" ] || return 1
	for key in "$(echo "$imsi" | cut -c1-6)" "$(echo "$imsi" | cut -c1-5)"; do
		awk -F '\t' -v k="$key" '$1 == k { print $2 "\t" $3 "\t" $4 "\t" $1; found = 1; exit }
			END { exit !found }' "$table" && return 0
	done
	return 1
}

# umodem_pppd_quote VALUE: VALUE as one word of a pppd options file.
umodem_pppd_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

proto_umodem_setup() {
	local interface="$1"
	local device apn service pincode dialnumber username password auth delay maxwait
	local keepalive demand mtu ipv6 pppd_options
	local ctl data waited rc imsi row ifname optfile connect auth_opts persist echo_opts
	local ipv6_opt=
	local i

	json_get_vars device apn service dialnumber username auth \
		delay maxwait keepalive demand mtu ipv6 pppd_options
	# Secrets from uci, not from netifd's JSON (see proto_umodem_init_config).
	pincode=$(uci -q get "network.$interface.pincode" 2>/dev/null)
	password=$(uci -q get "network.$interface.password" 2>/dev/null)

	for i in "$delay" "$maxwait" "$demand" "$mtu"; do
		case "$i" in *[!0-9]*)
			umodem_fail "$interface" INVALID_OPTIONS block
			return 1
			;;
		esac
	done
	case "$dialnumber" in *[!0-9*#+,]*)
		umodem_log "$interface: dialnumber may hold only 0-9 * # + ,"
		umodem_fail "$interface" INVALID_OPTIONS block
		return 1
		;;
	esac
	case "${auth:-auto}" in auto | pap | chap | none) ;; *)
		umodem_log "$interface: auth must be pap, chap or none"
		umodem_fail "$interface" INVALID_OPTIONS block
		return 1
		;;
	esac
	[ "$ipv6" = 1 ] && ipv6_opt=+ipv6
	ifname="umodem-$interface"
	[ ${#ifname} -le 15 ] || ifname="ppp-$(echo "$interface" | cut -c1-11)"

	umodem_backoff "$interface"
	[ "${delay:-0}" -gt 0 ] && sleep "$delay"

	# Wait for the modem: it may still be switching mode or booting.
	waited=0
	while ! umodem_find_ports "$device"; do
		if [ "$waited" -ge "${maxwait:-20}" ]; then
			umodem_log "$interface: no modem ${device:+at $device }after ${waited}s"
			proto_notify_error "$interface" NO_DEVICE
			proto_set_available "$interface" 0
			# The modem may have come just now, its hotplug event already
			# spent: look once more so it is not left unavailable.
			umodem_find_ports "$device" && proto_set_available "$interface" 1
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
	umodem_log "$interface: modem control port $ctl, data port $data"

	UMODEM_PIN="$pincode" umodem prepare --port "$ctl" ${service:+--service "$service"} \
		--state-dir "$UMODEM_PIN_STATE"
	rc=$?
	case "$rc" in
	0) ;;
	2) umodem_fail "$interface" INVALID_OPTIONS block ;;
	10)
		proto_notify_error "$interface" NO_DEVICE
		proto_set_available "$interface" 0
		umodem_log "$interface: modem gone"
		;;
	11) umodem_fail "$interface" NO_SIM block ;;
	12) umodem_fail "$interface" PIN_REQUIRED block ;;
	13) umodem_fail "$interface" PIN_FAILED block ;;
	14) umodem_fail "$interface" PIN_ATTEMPTS_LOW block ;;
	15) umodem_fail "$interface" PUK_REQUIRED block ;;
	16) umodem_fail "$interface" SIM_FAILURE ;;
	17) umodem_fail "$interface" MODEM_ERROR ;;
	*) umodem_fail "$interface" PREPARE_FAILED ;;
	esac
	[ "$rc" = 0 ] || {
		umodem_fails_inc "$interface"
		return 1
	}

	if [ -z "$apn" ]; then
		imsi=$(umodem info --port "$ctl" 2>/dev/null | sed -n 's/^\([a-z0-9_]*\.\)*imsi=\([0-9]*\)$/\2/p' | head -n 1)
		if row=$(umodem_apn_lookup "$imsi"); then
			apn=$(printf '%s' "$row" | cut -f1)
			[ -n "$username" ] || username=$(printf '%s' "$row" | cut -f2)
			[ -n "$password" ] || password=$(printf '%s' "$row" | cut -f3)
			umodem_log "$interface: no apn set; using '$apn', the provider table's entry for network $(printf '%s' "$row" | cut -f4)"
		else
			umodem_log "$interface: no apn set and none known for this SIM${imsi:+ (network $(echo "$imsi" | cut -c1-6)...)}; dialling with the modem's default context"
		fi
	else
		umodem_log "$interface: using the configured apn '$apn'"
	fi

	# Username and password reach pppd through a 0600 file, never its argv.
	optfile=
	[ -n "$username" ] && [ "$auth" != none ] && {
		optfile="$UMODEM_RUN/$interface.pppd"
		(
			umask 077
			mkdir -p "$UMODEM_RUN" || exit 1
			rm -f "$optfile"
			{
				echo "user $(umodem_pppd_quote "$username")"
				echo "password $(umodem_pppd_quote "$password")"
			} >"$optfile"
		) || {
			umodem_fail "$interface" INTERNAL_ERROR
			return 1
		}
	}
	case "$auth" in
	pap) auth_opts="refuse-chap refuse-mschap refuse-mschap-v2 refuse-eap" ;;
	chap) auth_opts="refuse-pap refuse-eap" ;;
	*) auth_opts= ;;
	esac

	if [ "${demand:-0}" -gt 0 ]; then
		persist="demand idle $demand persist maxfail 3 holdoff 10"
	else
		persist="persist maxfail 3 holdoff 10"
	fi
	# keepalive "FAILURES [INTERVAL]" as in proto 3g; default 4 misses 30 s apart.
	keepalive="${keepalive:-4 30}"
	case "$keepalive" in
	0 | "0 "*) echo_opts= ;;
	*[!0-9,\ ]*) echo_opts= ;;
	*[\ ,]*) echo_opts="lcp-echo-failure ${keepalive%%[ ,]*} lcp-echo-interval ${keepalive##*[ ,]}" ;;
	*) echo_opts="lcp-echo-failure $keepalive lcp-echo-interval 5" ;;
	esac

	# pppd gets these in its environment and passes them on to `umodem connect`.
	[ -n "$apn" ] && proto_export "UMODEM_APN=$apn"
	proto_export "UMODEM_STATUS=$UMODEM_RUN/$interface.connect"
	rm -f "$UMODEM_RUN/$interface.connect"
	mkdir -p "$UMODEM_RUN"
	date +%s >"$UMODEM_RUN/$interface.start"

	connect="umodem connect --dial '${dialnumber:-*99***1#}'"
	# shellcheck disable=SC2086 # word splitting of option lists is intended
	proto_run_command "$interface" /usr/sbin/pppd \
		nodetach ipparam "$interface" ifname "$ifname" \
		$echo_opts $ipv6_opt \
		nodefaultroute usepeerdns \
		$persist \
		${optfile:+file "$optfile"} $auth_opts \
		connect "$connect" \
		ip-up-script /lib/netifd/ppp-up ipv6-up-script /lib/netifd/ppp-up \
		ip-down-script /lib/netifd/ppp-down ipv6-down-script /lib/netifd/ppp-down \
		${mtu:+mtu "$mtu" mru "$mtu"} \
		noaccomp nopcomp novj nobsdcomp noauth lock crtscts 115200 "$data" \
		$pppd_options
	return 0
}

proto_umodem_teardown() {
	local interface="$1" start now code=

	# netifd passes pppd's exit status as ERROR (see pppd(8), EXIT STATUS).
	read -r code 2>/dev/null <"$UMODEM_RUN/$interface.connect"
	case "$ERROR" in
	'' | 0 | 5) code= ;;
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
		esac
		umodem_log "$interface: pppd exited with status $ERROR ($code)"
		# A link that lived a minute was a success: start counting afresh.
		read -r start 2>/dev/null <"$UMODEM_RUN/$interface.start"
		now=$(date +%s)
		case "$start" in
		'' | *[!0-9]*) umodem_fails_inc "$interface" ;;
		*) if [ $((now - start)) -ge 60 ]; then
			umodem_fails_set "$interface" 0
		else
			umodem_fails_inc "$interface"
		fi ;;
		esac
	else
		umodem_fails_set "$interface" 0
	fi
	rm -f "$UMODEM_RUN/$interface.pppd" "$UMODEM_RUN/$interface.start"
	proto_kill_command "$interface"
}

[ -z "$NOT_INCLUDED" ] || add_protocol umodem
