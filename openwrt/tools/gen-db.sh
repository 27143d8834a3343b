#!/bin/sh
# Regenerate files/usr/share/umodem/usb-mode.txt from Debian's usb-modeswitch-data.
#   openwrt/tools/gen-db.sh          write the file
#   openwrt/tools/gen-db.sh --check  fail if the committed file differs from a fresh build
# Needs the Debian package usb-modeswitch-data (apt-get install usb-modeswitch-data).
set -e
cd "$(dirname "$0")/../.."
out=files/usr/share/umodem/usb-mode.txt
pack=${USB_MODESWITCH_PACK:-/usr/share/usb_modeswitch/configPack.tar.gz}
if [ ! -f "$pack" ]; then
	echo "gen-db: $pack missing: apt-get install usb-modeswitch-data" >&2
	exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cargo run -q -p umodem-dbgen -- --pack "$pack" --extra openwrt/tools/dbgen/extra.conf "$@" >"$tmp"
if [ "$1" = "--check" ]; then
	cmp -s "$tmp" "$out" || { echo "gen-db: $out is stale: run openwrt/tools/gen-db.sh" >&2; exit 1; }
	echo "gen-db: $out is up to date"
else
	mkdir -p "$(dirname "$out")"
	cat "$tmp" >"$out"
	echo "gen-db: wrote $out"
fi
