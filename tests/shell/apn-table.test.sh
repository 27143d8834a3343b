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
t_eq "$(cat "$T/apn.tsv")" "00101${TAB}web.host.example${TAB}user one${TAB}pw
00102${TAB}web.host.example${TAB}user one${TAB}pw
00103${TAB}net.primary.example
00104${TAB}other.example
00105${TAB}other.example
310410${TAB}three.example${TAB}${TAB}only-pw" "table: host over reseller, primary first, internet over untyped, no mms/wap, 3-digit MNC, fields cleaned"

# The handler's lookup, on that table.
lookup() {
	(
		INCLUDE_ONLY=1
		. "$REPO/files/lib/netifd/proto/umodem.sh"
		umodem_apn_lookup "$1" "$T/apn.tsv"
	)
}
t_eq "$(lookup 001011234567890)" "web.host.example${TAB}user one${TAB}pw${TAB}00101" "5-digit match"
t_eq "$(lookup 310410999999999)" "three.example${TAB}${TAB}only-pw${TAB}310410" "6-digit match"
lookup 001091234567890 >/dev/null && t_fail "wap-only network matched" || t_pass "wap-only network has no entry"
lookup '0010*' >/dev/null && t_fail "pattern IMSI accepted" || t_pass "non-digit IMSI refused"
lookup '' >/dev/null && t_fail "empty IMSI accepted" || t_pass "empty IMSI refused"

# The real data, when installed (Debian: mobile-broadband-provider-info).
REAL=/usr/share/mobile-broadband-provider-info/serviceproviders.xml
if [ -r "$REAL" ]; then
	"$PY" "$REPO/openwrt/tools/gen-apn-table.py" "$REAL" >"$T/real.tsv"
	t_eq "$?" 0 "generator runs on the real data"
	t_eq "$(awk -F '\t' 'NF < 2 || NF > 4 || $1 !~ /^[0-9][0-9][0-9][0-9][0-9][0-9]?$/ || $2 == ""' "$T/real.tsv")" "" "every row well formed"
	t_eq "$(cut -f1 "$T/real.tsv" | sort | uniq -d)" "" "one row per network"
	(
		INCLUDE_ONLY=1
		. "$REPO/files/lib/netifd/proto/umodem.sh"
		umodem_apn_lookup 240021234567890 "$T/real.tsv"
	) | grep -q "tre.se" && t_pass "Tre Sweden (240 02) gets a tre.se APN" || t_fail "no tre.se APN for 24002"
	echo "table: $(wc -l <"$T/real.tsv") networks, $(wc -c <"$T/real.tsv") bytes"
fi
t_done
