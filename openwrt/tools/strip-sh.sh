#!/bin/sh
# Drop the comment lines of the shell scripts in a package tree, in place, as
# luci.mk minifies LuCI's JavaScript when it packs: every file under ROOT whose
# first line is "#!/bin/sh..." loses each line whose first non-blank character is
# "#", except the first line and the lines of a here-document. The comments stay
# in the source (files/); tests/shell/run and tests/vm run the stripped scripts.
# A "#" line inside a multi-line quoted string would go too: write none.
# Usage: strip-sh.sh ROOT...
set -e
for root in "$@"; do
	[ -d "$root" ] || { echo "strip-sh: $root is not a directory" >&2; exit 1; }
	find "$root" -type f | LC_ALL=C sort | while IFS= read -r f; do
		head -n 1 "$f" | grep -q '^#!/bin/sh' || continue
		awk 'NR == 1 { print; next }
			end != "" { print; if ($0 == end || (dash && sub(/^\t+/, "") && $0 == end)) end = ""; next }
			/^[ \t]*#/ { next }
			{ print }
			match($0, /<<-?[ \t]*["\047]?[A-Za-z_][A-Za-z0-9_]*/) {
				w = substr($0, RSTART, RLENGTH); dash = (w ~ /^<<-/)
				sub(/^<<-?[ \t]*["\047]?/, "", w); end = w
			}' "$f" >"$f.strip"
		# keep the mode: the file itself is rewritten, not replaced
		cat "$f.strip" >"$f"
		rm -f "$f.strip"
	done
done
