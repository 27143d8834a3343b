# The committed database equals a fresh build from usb-modeswitch-data + openwrt/tools/dbgen/extra.conf.
# Run: busybox ash tests/shell/db-generated.test.sh (from the repo root). Exit 0 = pass.
# Needs cargo and the Debian package usb-modeswitch-data.
busybox ash openwrt/tools/gen-db.sh --check
