# openwrt/tools/gen-apn-table.py (build-time APN table) and the handler's lookup.
# Run: busybox ash tests/shell/apn-table.test.sh (from the repo root; needs python3,
# as the build does).

. tests/shell/lib/common.sh
PY=$(python3 -c "import sys; print(sys.executable)" 2>/dev/null)
t_setup
[ -n "$PY" ] || {
	t_fail "python3 not found (the build needs it for the APN table)"
	t_done
}

TAB=$(printf '\t')
"$PY" "$REPO/openwrt/tools/gen-apn-table.py" "$REPO/tests/fixtures/apn/serviceproviders.xml" >"$T/apn.tsv"
t_eq "$?" 0 "generator runs"
t_eq "$(cat "$T/apn.tsv")" ":001
01${TAB}web.host.example${TAB}user one${TAB}pw
02
03${TAB}net.primary.example
04${TAB}other.example
05
:310
410${TAB}three.example${TAB}${TAB}only-pw" "table: host over reseller, primary first, internet over untyped, no mms/wap, 3-digit MNC, fields cleaned, by country, a row like the one above bare"

# The handler's lookup, on that table.
lookup() {
	(
		INCLUDE_ONLY=1
		. "$FILES/lib/netifd/proto/umodem.sh"
		umodem_apn_lookup "$1" "${2:-$T/apn.tsv}"
	)
}
t_eq "$(lookup 001011234567890)" "00101
web.host.example
user one
pw" "5-digit match"
t_eq "$(lookup 001021234567890)" "00102
web.host.example
user one
pw" "a bare row: the row above's APN and login"
t_eq "$(lookup 001051234567890 | head -n 2 | tr '\n' ' ')" "00105 other.example " "a bare row after a full one"
t_eq "$(lookup 310410999999999)" "310410
three.example

only-pw" "6-digit match"
printf ':310\n41\tfive.example\n410\tsix.example\n' >"$T/mnc.tsv"
t_eq "$(lookup 310410999999999 "$T/mnc.tsv" | sed -n 2p)" six.example "a 3-digit MNC row wins over the 2-digit one"
t_eq "$(lookup 310419999999999 "$T/mnc.tsv" | sed -n 2p)" five.example "else the 2-digit one"
printf '31041\tfive.example\n310410\tsix.example\tu\n' >"$T/flat.tsv"
t_eq "$(lookup 310410999999999 "$T/flat.tsv" | tr '\n' ' ')" "310410 six.example u  " "a flat MCCMNC table reads the same"
lookup 001091234567890 >/dev/null && t_fail "wap-only network matched" || t_pass "wap-only network has no entry"
lookup 002011234567890 >/dev/null && t_fail "another country's MNC matched" || t_pass "an MNC counts only in its country"
lookup '0010*' >/dev/null && t_fail "pattern IMSI accepted" || t_pass "non-digit IMSI refused"
lookup '' >/dev/null && t_fail "empty IMSI accepted" || t_pass "empty IMSI refused"

# The real data, when installed (Debian: mobile-broadband-provider-info).
REAL=/usr/share/mobile-broadband-provider-info/serviceproviders.xml
if [ -r "$REAL" ]; then
	"$PY" "$REPO/openwrt/tools/gen-apn-table.py" "$REAL" >"$T/real.tsv"
	t_eq "$?" 0 "generator runs on the real data"
	t_eq "$(awk -F '\t' '/^:[0-9][0-9][0-9]$/ { next } NF > 4 || $1 !~ /^[0-9][0-9][0-9]?$/ || (NF > 1 && $2 == "")' "$T/real.tsv")" "" "every row well formed"
	t_eq "$(awk '/^:/ { c = $0; next } { print c, $1 }' "$T/real.tsv" | sort | uniq -d)" "" "one row per network"
	(
		INCLUDE_ONLY=1
		. "$FILES/lib/netifd/proto/umodem.sh"
		umodem_apn_lookup 240021234567890 "$T/real.tsv"
	) | sed -n 2p | grep -q "tre.se" && t_pass "Tre Sweden (240 02) gets a tre.se APN" || t_fail "no tre.se APN for 24002"
	echo "table: $(grep -vc "^:" "$T/real.tsv") networks, $(wc -c <"$T/real.tsv") bytes"
fi
t_done
