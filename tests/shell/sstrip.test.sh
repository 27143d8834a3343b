#!/bin/sh
# openwrt/tools/sstrip.py: what the loader reads stays, the section headers go; a file
# that is not a well-formed ELF is refused with a message and left as it was.
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "not ok - $*"; fail=1; }
ok() { echo "ok - $*"; }
tool=openwrt/tools/sstrip.py

# A 64-bit little-endian executable of this machine: smaller, no sections, still runs.
cp /bin/true "$tmp/true"
before=$(wc -c < "$tmp/true")
python3 "$tool" "$tmp/true" && ok "sstrip on /bin/true" || no "sstrip failed on /bin/true"
after=$(wc -c < "$tmp/true")
[ "$after" -lt "$before" ] && ok "smaller: $before -> $after B" || no "not smaller: $before -> $after B"
"$tmp/true" && ok "still runs" || no "does not run after sstrip"
[ -x "$tmp/true" ] && ok "mode kept" || no "mode lost"
shnum=$(od -An -tu2 -j 60 -N 2 "$tmp/true" | tr -d ' ')
[ "$shnum" = 0 ] && ok "e_shnum 0" || no "e_shnum $shnum"
cp "$tmp/true" "$tmp/again" && python3 "$tool" "$tmp/again" && cmp -s "$tmp/true" "$tmp/again" &&
	ok "a second pass changes nothing" || no "a second pass changed the file"

# A 32-bit big-endian ELF (mips), made by hand: header, one PT_LOAD of 16 bytes at
# offset 84, then 40 bytes of section junk that must go.
be32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
be16() { printf "\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
{
	printf '\177ELF\001\002\001'; printf '\000\000\000\000\000\000\000\000\000'
	be16 2; be16 8; be32 1; be32 0x400000; be32 52; be32 100; be32 0
	be16 52; be16 32; be16 1; be16 40; be16 1; be16 0
	be32 1; be32 84; be32 0x400000; be32 0x400000; be32 16; be32 16; be32 5; be32 4096
	printf '0123456789abcdef'
	printf 'SECTIONSSECTIONSSECTIONSSECTIONSSECTIONS'
} > "$tmp/mips"
python3 "$tool" "$tmp/mips" && ok "sstrip on a 32-bit big-endian ELF" || no "sstrip failed on the 32-bit ELF"
[ "$(wc -c < "$tmp/mips")" = 100 ] && ok "cut at the end of the last segment (100 B)" || no "size $(wc -c < "$tmp/mips"), want 100"
grep -q SECTIONS "$tmp/mips" && no "section junk left" || ok "section junk gone"
[ "$(od -An -tx1 -j 32 -N 4 "$tmp/mips" | tr -d ' ')$(od -An -tx1 -j 46 -N 6 "$tmp/mips" | tr -d ' ')" = 00000000000000000000 ] &&
	ok "e_shoff, e_shentsize, e_shnum, e_shstrndx zeroed" || no "section fields not zeroed"

# Refused, with a message, file untouched.
for bad in text short segment; do
	case $bad in
	text) echo "not an elf" > "$tmp/bad" ;;
	short) head -c 40 /bin/true > "$tmp/bad" ;;
	segment) head -c 90 "$tmp/mips" > "$tmp/bad" ;; # the segment ends at 100
	esac
	cp "$tmp/bad" "$tmp/bad.orig"
	msg=$(python3 "$tool" "$tmp/bad" 2>&1)
	rc=$?
	[ "$rc" = 1 ] && echo "$msg" | grep -q "^sstrip: $tmp/bad: " && cmp -s "$tmp/bad" "$tmp/bad.orig" &&
		ok "$bad: refused ($msg)" || no "$bad: rc $rc, '$msg'"
done
python3 "$tool" >/dev/null 2>&1; [ $? = 2 ] && ok "no argument: usage, exit 2" || no "no argument: not exit 2"
exit $fail
