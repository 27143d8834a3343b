# Stand-in for OpenWrt's `uci` command line (uci is not packaged for Debian).
# Run as: busybox ash uci-stub.sh [-q] [-X] [-c CONFDIR] [-t SAVEDIR] COMMAND ARGS
# The tests install a wrapper named `uci` in PATH that runs this file.
#
# Follows uci's cli.c where the scripts under test depend on it:
# - get CONFIG.SECTION[.OPTION]: section type or value; list values joined by a
#   space (a value holding whitespace in single quotes); missing: "uci: Entry
#   not found" on stderr (not with -q), exit 1.
# - set CONFIG.SECTION=TYPE creates (or retypes) a named section;
#   set CONFIG.SECTION.OPTION=VALUE needs the section, replaces a list.
# - add CONFIG TYPE: new anonymous section, prints its name (cfgNNNNNN).
# - add_list / del_list CONFIG.SECTION.OPTION=VALUE, delete CONFIG.SECTION[.OPTION].
# - show [CONFIG[.SECTION[.OPTION]]]: CONFIG.SECTION=TYPE and
#   CONFIG.SECTION.OPTION='VALUE' lines; anonymous sections as @TYPE[N]
#   unless -X; list values each quoted, space separated.
# - SECTION may be @TYPE[N] (N may be negative: from the end).
# - changes made by set/add/... are staged (in SAVEDIR, default $UCI_STUB_SAVEDIR
#   or /tmp/.uci) and seen by later commands, but reach CONFDIR (default
#   $UCI_STUB_CONFDIR or /etc/config) only on `commit [CONFIG]`, written in
#   uci's file syntax. -P DIR stages in DIR and makes commit a no-op.
# Not covered: batch, import, export, rename, reorder, revert, -d, -m, -p.
# Values may not hold a tab or newline.

confdir="${UCI_STUB_CONFDIR:-/etc/config}"
savedir="${UCI_STUB_SAVEDIR:-/tmp/.uci}"
quiet=
ext=1
nocommit=
while [ $# -gt 0 ]; do
	case "$1" in
	-q) quiet=1 ;;
	-X) ext= ;;
	-c) confdir="$2"; shift ;;
	-t) savedir="$2"; shift ;;
	-P) savedir="$2"; nocommit=1; shift ;;
	-*) echo "uci: unsupported option $1" >&2; exit 1 ;;
	*) break ;;
	esac
	shift
done

uci_err() {
	[ -n "$quiet" ] || echo "uci: $1" >&2
	exit 1
}

# Parse CONFDIR/CONFIG into records: S name type anon / O|L name opt value.
uci_parse() {
	[ -f "$confdir/$1" ] || return 0
	awk '
	function word(   c, w, q) {
		while (pos <= n && substr(line, pos, 1) ~ /[ \t]/) pos++
		if (pos > n) return ""
		c = substr(line, pos, 1)
		if (c == "#") { pos = n + 1; return "" }
		w = ""
		if (c == "\047" || c == "\"") {
			q = c; pos++
			while (pos <= n && substr(line, pos, 1) != q) {
				if (q == "\"" && substr(line, pos, 1) == "\\") pos++
				w = w substr(line, pos, 1); pos++
			}
			pos++
			return w
		}
		while (pos <= n && substr(line, pos, 1) !~ /[ \t]/) { w = w substr(line, pos, 1); pos++ }
		return w
	}
	{
		line = $0; n = length(line); pos = 1
		kw = word()
		if (kw == "config") {
			t = word(); nm = word(); anon = 0
			if (nm == "") { seq++; nm = sprintf("cfg%02x%04x", seq, seq * 4099 % 65536); anon = 1 }
			cur = nm
			print "S\t" nm "\t" t "\t" anon
		} else if (kw == "option" || kw == "list") {
			k = word(); v = word()
			print (kw == "option" ? "O" : "L") "\t" cur "\t" k "\t" v
		}
	}' "$confdir/$1"
}

# uci_state CONFIG: path of the working copy, made from the file on first use.
uci_state() {
	local s="$savedir/$1.stub"
	[ -f "$s" ] || {
		mkdir -p "$savedir" || exit 1
		uci_parse "$1" >"$s.new" && mv "$s.new" "$s"
	}
	echo "$s"
}

# uci_run OP CONFIG PATH VALUE: apply OP to the working copy. Prints output;
# exit 1 = not found, 2 = invalid.
uci_run() {
	local st out rc ro
	case "$2" in '' | *[!a-zA-Z0-9_-]*) uci_err "Invalid argument" ;; esac
	[ -f "$confdir/$2" ] || [ -f "$savedir/$2.stub" ] || [ "$1" = commit ] ||
		uci_err "Entry not found"
	ro=
	case "$1" in get | show | export)
		[ -f "$savedir/$2.stub" ] || ro="$(mktemp)" || exit 1
		;;
	esac
	if [ -n "$ro" ]; then
		uci_parse "$2" >"$ro"
		st="$ro"
	else
		st=$(uci_state "$2")
	fi
	# VALUE by environment: awk -v would turn its backslashes into escapes.
	out=$(UCI_STUB_VAL="$4" awk -v op="$1" -v cfg="$2" -v path="$3" -v ext="$ext" -v newf="$st.new" '
	function q(v) { gsub(/\047/, "\047\\\047\047", v); return "\047" v "\047" }
	function lq(v) { return (v ~ /[ \t\r\n]/) ? q(v) : v }
	# resolve a section reference to its name ("" if none)
	function sect(ref,   t, i, k, cnt) {
		if (ref ~ /^@[A-Za-z0-9_-]+\[-?[0-9]+\]$/) {
			t = ref; sub(/^@/, "", t); sub(/\[.*/, "", t)
			i = ref; sub(/^[^[]*\[/, "", i); sub(/\]$/, "", i); i += 0
			cnt = 0
			for (k = 1; k <= ns; k++) if (stype[sname[k]] == t) idxs[cnt++] = sname[k]
			if (i < 0) i += cnt
			return (i >= 0 && i < cnt) ? idxs[i] : ""
		}
		return (ref in stype) ? ref : ""
	}
	function ref(s,   k, c) {
		if (!ext || !sanon[s]) return s
		c = 0
		for (k = 1; k <= ns; k++) {
			if (sname[k] == s) return "@" stype[s] "[" c "]"
			if (stype[sname[k]] == stype[s]) c++
		}
	}
	function showval(s, o,   i, r) {
		if (okind[s, o] == "O") return q(oval[s, o, 1])
		r = ""
		for (i = 1; i <= ocnt[s, o]; i++) r = r (i > 1 ? " " : "") q(oval[s, o, i])
		return r
	}
	function getval(s, o,   i, r) {
		if (okind[s, o] == "O") return oval[s, o, 1]
		r = ""
		for (i = 1; i <= ocnt[s, o]; i++) r = r (i > 1 ? " " : "") lq(oval[s, o, i])
		return r
	}
	function addsec(nm, t, anon) { sname[++ns] = nm; stype[nm] = t; sanon[nm] = anon; nopt[nm] = 0 }
	function addopt(s, o, kind, v) {
		if (!((s, o) in okind)) { opts[s, ++nopt[s]] = o }
		if (kind == "O" || okind[s, o] != "L") { ocnt[s, o] = 0 }
		okind[s, o] = kind; oval[s, o, ++ocnt[s, o]] = v
	}
	function delopt(s, o,   i, j) {
		delete okind[s, o]
		for (i = 1; i <= nopt[s]; i++) if (opts[s, i] == o) {
			for (j = i; j < nopt[s]; j++) opts[s, j] = opts[s, j + 1]
			nopt[s]--; break
		}
	}
	function showsec(s,   i, o) {
		print cfg "." ref(s) "=" stype[s]
		for (i = 1; i <= nopt[s]; i++) { o = opts[s, i]; print cfg "." ref(s) "." o "=" showval(s, o) }
	}
	BEGIN { FS = "\t" }
	$1 == "S" { addsec($2, $3, $4 + 0) }
	$1 == "O" || $1 == "L" { addopt($2, $3, $1, $4) }
	END {
		val = ENVIRON["UCI_STUB_VAL"]
		np = split(path, p, ".")
		s = (np >= 1) ? sect(p[1]) : ""
		o = (np >= 2) ? p[2] : ""
		if (np > 2) exit 2
		changed = 0
		if (op == "get") {
			if (s == "") exit 1
			if (o == "") { print stype[s]; exit 0 }
			if (!((s, o) in okind)) exit 1
			print getval(s, o); exit 0
		} else if (op == "show") {
			if (np == 0) { for (k = 1; k <= ns; k++) showsec(sname[k]); exit 0 }
			if (s == "") exit 1
			if (o == "") { showsec(s); exit 0 }
			if (!((s, o) in okind)) exit 1
			print cfg "." ref(s) "." o "=" showval(s, o); exit 0
		} else if (op == "set") {
			if (o == "") {
				if (p[1] !~ /^[A-Za-z0-9_]+$/ || val !~ /^[A-Za-z0-9_]+$/) exit 2
				if (s == "") addsec(p[1], val, 0); else stype[s] = val
			} else {
				if (s == "") exit 1
				if (o !~ /^[A-Za-z0-9_]+$/) exit 2
				addopt(s, o, "O", val)
			}
			changed = 1
		} else if (op == "add") {
			nm = sprintf("cfg%02x%04x", ns + 1, (ns + 1) * 4099 % 65536)
			while (nm in stype) nm = nm "0"
			addsec(nm, val, 1); print nm; changed = 1
		} else if (op == "add_list") {
			if (s == "" || o == "") exit 1
			if (((s, o) in okind) && okind[s, o] == "O") okind[s, o] = "L"
			addopt(s, o, "L", val); changed = 1
		} else if (op == "del_list") {
			if (s == "" || o == "" || !((s, o) in okind) || okind[s, o] != "L") exit 1
			j = 0
			for (i = 1; i <= ocnt[s, o]; i++) if (oval[s, o, i] != val) oval[s, o, ++j] = oval[s, o, i]
			ocnt[s, o] = j; changed = 1
		} else if (op == "delete") {
			if (s == "") exit 1
			if (o == "") {
				for (k = 1; k <= ns; k++) if (sname[k] == s) {
					for (j = k; j < ns; j++) sname[j] = sname[j + 1]
					ns--; break
				}
				delete stype[s]
			} else {
				if (!((s, o) in okind)) exit 1
				delopt(s, o)
			}
			changed = 1
		} else if (op == "export") {
			for (k = 1; k <= ns; k++) {
				s = sname[k]
				print ""
				print "config " stype[s] (sanon[s] ? "" : " " q(s))
				for (i = 1; i <= nopt[s]; i++) {
					o = opts[s, i]
					if (okind[s, o] == "O") print "\toption " o " " q(oval[s, o, 1])
					else for (j = 1; j <= ocnt[s, o]; j++) print "\tlist " o " " q(oval[s, o, j])
				}
			}
			print ""
			exit 0
		} else exit 2
		if (changed) {
			for (k = 1; k <= ns; k++) {
				s = sname[k]
				print "S\t" s "\t" stype[s] "\t" sanon[s] > newf
				for (i = 1; i <= nopt[s]; i++) {
					o = opts[s, i]
					for (j = 1; j <= ocnt[s, o]; j++) print okind[s, o] "\t" s "\t" o "\t" oval[s, o, j] > newf
				}
			}
			close(newf)
		}
	}' "$st")
	rc=$?
	[ -f "$st.new" ] && mv "$st.new" "$st"
	[ -n "$ro" ] && rm -f "$ro"
	case "$rc" in
	0) [ -n "$out" ] && printf '%s\n' "$out" ;;
	1) uci_err "Entry not found" ;;
	*) uci_err "Invalid argument" ;;
	esac
	return 0
}

cmd="$1"
[ $# -gt 0 ] && shift
case "$cmd" in
get | set | add_list | del_list | delete | del)
	[ $# -eq 1 ] || uci_err "Invalid argument"
	arg="$1"
	val=
	case "$arg" in *=*) val="${arg#*=}"; arg="${arg%%=*}" ;; esac
	case "$cmd" in
	set | add_list | del_list) case "$1" in *=*) ;; *) uci_err "Invalid argument" ;; esac ;;
	esac
	[ "$cmd" = del ] && cmd=delete
	case "$val" in *"	"*) uci_err "the stand-in cannot store tabs" ;; esac
	config="${arg%%.*}"
	rest=
	case "$arg" in *.*) rest="${arg#*.}" ;; esac
	[ -n "$rest" ] || [ "$cmd" = delete ] || uci_err "Invalid argument"
	uci_run "$cmd" "$config" "$rest" "$val"
	;;
add)
	[ $# -eq 2 ] || uci_err "Invalid argument"
	uci_run add "$1" "" "$2"
	;;
show)
	if [ $# -eq 0 ]; then
		for f in "$confdir"/* "$savedir"/*.stub; do
			[ -f "$f" ] || continue
			f="${f##*/}"
			echo "${f%.stub}"
		done | sort -u | while read -r c; do uci_run show "$c" "" ""; done
	else
		config="${1%%.*}"
		rest=
		case "$1" in *.*) rest="${1#*.}" ;; esac
		uci_run show "$config" "$rest" ""
	fi
	;;
export)
	uci_run export "$1" "" ""
	;;
changes)
	# Only whether a config has staged changes (real uci lists each change).
	for f in "$savedir"/*.stub; do
		[ -f "$f" ] || continue
		c="${f##*/}"
		c="${c%.stub}"
		[ -z "$1" ] || [ "$1" = "$c" ] || continue
		uci_parse "$c" | cmp -s - "$f" || echo "$c: changed"
	done
	;;
commit)
	[ -n "$nocommit" ] && exit 0
	for f in "$savedir"/*.stub; do
		[ -f "$f" ] || continue
		c="${f##*/}"
		c="${c%.stub}"
		[ -z "$1" ] || [ "$1" = "$c" ] || continue
		out=$(uci_run export "$c" "" "") || exit 1
		mkdir -p "$confdir" && printf '%s\n' "$out" >"$confdir/$c.new" &&
			mv "$confdir/$c.new" "$confdir/$c" && rm -f "$f" || exit 1
	done
	;;
*)
	uci_err "unknown command '$cmd'"
	;;
esac
exit 0
