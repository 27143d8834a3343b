# The SDK feed's Makefiles and the top-level build agree on what they ship.
fail=0
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
for mk in openwrt/*/Makefile; do
	v=$(sed -n 's/^PKG_VERSION:=//p' "$mk")
	[ "$v" = "$version" ] || { echo "$mk: PKG_VERSION $v, Cargo.toml says $version"; fail=1; }
	name=$(sed -n 's/^PKG_NAME:=//p' "$mk")
	[ "openwrt/$name/Makefile" = "$mk" ] || { echo "$mk: PKG_NAME $name does not match its folder"; fail=1; }
	if grep -q '^include \$(TOPDIR)/feeds/luci/luci.mk$' "$mk"; then
		# LuCI packages: luci.mk calls BuildPackage and packs htdocs/ and root/
		d=$(dirname "$mk")
		[ -d "$d/htdocs" ] || [ -d "$d/root" ] || { echo "$mk: luci.mk package without htdocs/ or root/"; fail=1; }
		grep -q '^LUCI_PKGARCH:=all$' "$mk" || { echo "$mk: a LuCI package is arch all"; fail=1; }
	else
		grep -q '^\$(eval \$(call BuildPackage,'"$name"'))' "$mk" || { echo "$mk: no BuildPackage for $name"; fail=1; }
	fi
done
# The defaults package's files: the same list in the top Makefile and both SDK Makefiles.
top=$(sed -n 's/^DEFAULTS_FILES := //p' Makefile)
for f in $top; do
	grep -q "$f" openwrt/umodem/Makefile || { echo "openwrt/umodem/Makefile does not leave out $f"; fail=1; }
	grep -q "$f" openwrt/umodem-defaults-tl-wr1043nd/Makefile || { echo "defaults Makefile lacks $f"; fail=1; }
done
# Depends: the names the SDK Makefile gives are the ones the feed's control carries.
for dep in kmod-usb-serial-option ppp; do
	grep -q "+$dep" openwrt/umodem/Makefile || { echo "SDK Makefile lacks +$dep"; fail=1; }
	grep -q "^DEPENDS := .*$dep" Makefile || { echo "Makefile lacks $dep"; fail=1; }
done
# The SDK copies every workspace member, or cargo cannot read the manifest there.
for m in $(sed -n 's/^members = \[\(.*\)\]/\1/p' Cargo.toml | tr -d '",'); do
	[ "$m" = "." ] && continue
	grep -q "(UMODEM_TOP)/$m" openwrt/umodem/Makefile || { echo "SDK Makefile does not copy workspace member $m"; fail=1; }
done
# One Makefile for both SDKs: 24.10 packs it with ipkg-build (opkg), 25.12 with apk mkpkg.
# Nothing opkg-only (control files, ipkg scripts, opkg calls); values apk accepts.
for mk in openwrt/*/Makefile; do
	if grep -n -i -E 'opkg|ipkg-build|CONTROL/|IPKG_|/usr/lib/opkg|\.ipk' "$mk"; then
		echo "$mk: opkg-only lines (above): the 25.12 SDK packs apk"; fail=1
	fi
	r=$(sed -n 's/^PKG_RELEASE:=//p' "$mk")
	case "$r" in ''|*[!0-9]*) echo "$mk: PKG_RELEASE '$r' is not a number (apk's -rN)"; fail=1 ;; esac
	v=$(sed -n 's/^PKG_VERSION:=//p' "$mk")
	echo "$v" | grep -qE '^[0-9]+(\.[0-9]+)*$' || { echo "$mk: PKG_VERSION '$v' is not an apk version"; fail=1; }
	# OpenWrt's apk refuses descriptions over 256 bytes; the SDK joins the lines with spaces.
	# One per package the Makefile builds (variants have their own).
	pkgs=$(sed -n 's/^\$(eval \$(call BuildPackage,\(.*\)))$/\1/p' "$mk")
	[ -n "$pkgs" ] || pkgs=$(sed -n 's/^PKG_NAME:=//p' "$mk") # luci.mk calls BuildPackage
	for p in $pkgs; do
		d=$(awk -v p="$p" '$0 == "define Package/" p "/description" {on=1; next} /^endef/{on=0} on' "$mk" | sed 's/^[[:space:]]*//' | tr '\n' ' ' | sed 's/ $//')
		# LuCI packages: luci.mk makes the description from LUCI_DESCRIPTION
		[ -n "$d" ] || d=$(sed -n 's/^LUCI_DESCRIPTION:=//p' "$mk")
		[ "${#d}" -le 256 ] || { echo "$mk: $p: description is ${#d} bytes (apk: at most 256)"; fail=1; }
		[ -n "$d" ] || { echo "$mk: $p: no description"; fail=1; }
	done
done
# Two variants from one source, as OpenWrt's dnsmasq / dnsmasq-full: umodem (the default,
# no SMS/USSD) and umodem-full (the Cargo feature sms), which provides umodem and
# conflicts with it, in the SDK Makefile and in the top-level build alike.
mk=openwrt/umodem/Makefile
for v in basic full; do
	grep -q "^  VARIANT:=$v$" "$mk" || { echo "$mk: no VARIANT:=$v"; fail=1; }
done
pkg_block() { awk -v p="$1" '$0 == "define Package/" p {on=1; next} /^endef/{on=0} on' "$mk"; }
pkg_block umodem | grep -q '^  DEFAULT_VARIANT:=1$' || { echo "$mk: umodem is not the DEFAULT_VARIANT"; fail=1; }
pkg_block umodem | grep -q -e PROVIDES -e CONFLICTS && { echo "$mk: umodem provides/conflicts"; fail=1; }
for want in 'VARIANT:=full' 'PROVIDES:=umodem' 'CONFLICTS:=umodem'; do
	pkg_block umodem-full | grep -q "^  $want$" || { echo "$mk: umodem-full lacks $want"; fail=1; }
done
grep -q '^\$(eval \$(call BuildPackage,umodem-full))$' "$mk" || { echo "$mk: no BuildPackage for umodem-full"; fail=1; }
grep -q '^Package/umodem-full/install = \$(Package/umodem/install)$' "$mk" || { echo "$mk: umodem-full installs other files than umodem"; fail=1; }
grep -q '^Package/umodem-full/conffiles = \$(Package/umodem/conffiles)$' "$mk" || { echo "$mk: umodem-full's conffiles differ"; fail=1; }
grep -q 'Build/Compile/Cargo,,--bin umodem \$(if \$(filter basic,\$(BUILD_VARIANT)),--no-default-features))' "$mk" ||
	{ echo "$mk: the basic variant is not built without default features"; fail=1; }
grep -q '^FEATURES_umodem := --no-default-features$' Makefile || { echo "Makefile: umodem not built with --no-default-features"; fail=1; }
grep -q '^FEATURES_umodem-full :=$' Makefile || { echo "Makefile: umodem-full not built with the default features"; fail=1; }
grep -q '^default = \["sms"\]$' Cargo.toml || { echo "Cargo.toml: sms is not a default feature (cargo test would skip the SMS tests)"; fail=1; }
grep -A 2 'umodem-full $(PKGVER)' Makefile | grep -q '^		umodem umodem$' ||
	{ echo "Makefile: umodem-full is not packed with PROVIDES umodem and CONFLICTS umodem"; fail=1; }
exit $fail
