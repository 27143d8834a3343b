# umodem: build the OpenWrt feed and run the tests.
#
#   make                 cross-build umodem for mips_24kc and write the signed feed
#                        bin/packages/mips_24kc/umodem/: *.ipk + Packages(.gz,.sig) for
#                        opkg (OpenWrt 24.10), *.apk + packages.adb for apk (25.12),
#                        and the public keys umodem-feed.pub (usign), umodem-feed.pem (apk)
#   make KEY_DIR=DIR     sign with a fleet's own keys (key-build + private-key.pem, as in
#                        an OpenWrt buildroot); by default keys/ (made on the first build)
#   make ARCH=x86_64     the same for another OpenWrt arch (see ARCHES below)
#   make test            host tests, shell tests under busybox ash, the mips binary
#                        under qemu-mips-static, and checks of the feed itself
#   make size            size report for every arch built so far
#   make LINK=static     carry libc in the binary (bin/packages-static/; the default,
#                        dynamic, uses the router's musl libc.so: see README "Size");
#                        make test runs a dynamic binary on a musl loader built from
#                        Debian's musl source (tests/musl-loader.sh)
#
# On a fresh Debian 12 machine the first run installs what is missing: the apt packages
# in APT_BUILD/APT_TEST (only when run as root; otherwise it prints the command),
# rustup's rust-src, and zig + cargo-zigbuild from PyPI into build/tools (nothing global).

ARCH ?= mips_24kc
LINK ?= dynamic
ARCHES := mips_24kc mipsel_24kc aarch64_cortex-a53 arm_cortex-a7_neon-vfpv4 x86_64

triple_mips_24kc := mips-unknown-linux-musl
triple_mipsel_24kc := mipsel-unknown-linux-musl
triple_aarch64_cortex-a53 := aarch64-unknown-linux-musl
triple_arm_cortex-a7_neon-vfpv4 := armv7-unknown-linux-musleabihf
triple_x86_64 := x86_64-unknown-linux-musl
TRIPLE := $(triple_$(ARCH))
ifeq ($(TRIPLE),)
$(error unknown ARCH '$(ARCH)'; one of: $(ARCHES))
endif

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
RELEASE := 1
PKGVER := $(VERSION)-$(RELEASE)

# Build tools pinned to the versions this was verified with.
ZIGLANG_VERSION := 0.17.1
ZIGBUILD_VERSION := 0.24.1
APT_BUILD := python3 python3-pip llvm gzip tar zopfli mobile-broadband-provider-info
APT_TEST := busybox qemu-user-static ppp usb-modeswitch-data comgt \
	signify-openbsd openssl

TOP := $(CURDIR)
TOOLS := $(TOP)/build/tools
ZIGENV := PATH="$(TOOLS)/py/bin:$$PATH" PYTHONPATH="$(TOOLS)/py"
# Dynamic by default: the binary uses the router's musl (/lib/libc.so, in every OpenWrt
# image), as OpenWrt's own packages do; static (LINK=static) carries its own libc and
# runs on any Linux. Both are built for a fixed address (-C relocation-model=static): a
# PIC executable calls everything through the GOT (52 KB more on mips). For dynamic
# builds that is a non-PIE executable calling libc through a PLT, what OpenWrt's gcc
# (--with-mips-plt) makes of every program. See README "Size".
# zig builds compiler-rt (and, for static, libc) for the link: -Os makes them 8 KB
# smaller than zig's default (built for speed).
# No machine LICM: in a loop LLVM hoisted the address of every string constant
# (lui+addiu on mips) out of it and kept it on the stack, then loaded it back:
# 7,680 B more on mips_24kc (the daemon's and the commands' main loops). No machine
# sinking either (1,120 B). Both only leave an optimization out.
RELOC := -C relocation-model=static -C link-arg=-Os \
	-C llvm-args=-disable-machine-licm -C llvm-args=-disable-machine-sink
ifeq ($(LINK),static)
# The C .eh_frame of libc is dropped (5 KB: nothing unwinds, panic is abort).
LINKFLAGS := -C target-feature=+crt-static -C link-self-contained=no \
	-C link-arg=-Wl,-T,$(TOP)/openwrt/tools/no-eh-frame.ld
else
LINKFLAGS := -C target-feature=-crt-static -C link-self-contained=no -C link-arg=-dynamic
endif
# On arm the linker aligns segments to 64 KiB by default: the padding more than doubled
# the file (105,176 B -> 43,736 B for the same code with 4 KiB pages, which Linux uses).
ldflags_arm_cortex-a7_neon-vfpv4 := -C link-arg=-Wl,-z,max-page-size=4096
# Size: no panic machinery (immediate-abort), no file/line strings (location-detail), and
# no unwind tables (nothing unwinds; saves ~20 KB of .eh_frame on mips).
RUSTFLAGS_TARGET := $(LINKFLAGS) $(RELOC) -Zunstable-options -Cpanic=immediate-abort \
	-Zlocation-detail=none -Cforce-unwind-tables=no $(ldflags_$(ARCH))
# std built for size (smaller formatting and collection paths; same behaviour).
BUILD_STD := -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
# Router packages umodem needs (names as in OpenWrt's package/kernel/linux/modules/usb.mk
# and package/network/services/ppp).
DEPENDS := kmod-usb-serial-option, ppp
ifeq ($(LINK),dynamic)
DEPENDS := libc, $(DEPENDS)
endif
CARGO_TARGET_DIR := $(TOP)/target/$(LINK)
ELF := $(CARGO_TARGET_DIR)/$(TRIPLE)/release/umodem
# Two packages from one source, as OpenWrt's dnsmasq / dnsmasq-full: `umodem` (built
# with --no-default-features: everything that brings a stick online) and `umodem-full`
# (the default features: + text messages and USSD). umodem-full provides umodem and
# conflicts with it, so what depends on umodem (LuCI, the board defaults) takes either.
FEATURES_umodem := --no-default-features
FEATURES_umodem-full :=

OUT := $(TOP)/build/$(ARCH)-$(LINK)
FEED := $(TOP)/bin/$(if $(filter dynamic,$(LINK)),packages,packages-$(LINK))/$(ARCH)/umodem
# Facts for the APN table (MCC/MNC -> APN), from Debian's mobile-broadband-provider-info.
APN_XML ?= /usr/share/mobile-broadband-provider-info/serviceproviders.xml
# Files of the board defaults package; everything else under files/ goes to umodem.
DEFAULTS_FILES := etc/uci-defaults/95-umodem-tl-wr1043nd
# LuCI packages (arch all): openwrt/NAME/htdocs lands in /www, openwrt/NAME/root in /,
# as luci.mk installs them in the SDK.
LUCI_PKGS := luci-proto-umodem luci-app-umodem

# The feed's signing keys: usign (Packages.sig) and ECDSA P-256 (packages.adb). Made in
# keys/ (gitignored) on the first build; KEY_DIR=... takes a fleet's own, never made.
ifeq ($(origin KEY_DIR),undefined)
KEY_DIR := $(TOP)/keys
KEY_CREATE := --create
endif
# The host tool that writes the .apk files and packages.adb and signs both indexes.
FEEDTOOL := $(TOP)/target/debug/umodem-feed
# Packs one payload tree as .ipk and .apk into the staged feed: one line per package.
STAGE := $(OUT)/feed
PACK = UMODEM_FEED=$(FEEDTOOL) openwrt/mkpkg.sh

.PHONY: all feed feedtool deps tools binary test test-host test-shell test-target size bench clean db check-db vm-test
all: feed

deps:
	@$(TOP)/openwrt/ensure-deps.sh $(APT_BUILD)

tools: deps $(TOOLS)/.stamp
$(TOOLS)/.stamp:
	@echo "== installing zig $(ZIGLANG_VERSION) and cargo-zigbuild $(ZIGBUILD_VERSION) into build/tools"
	PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check \
		--target $(TOOLS)/py ziglang==$(ZIGLANG_VERSION) cargo-zigbuild==$(ZIGBUILD_VERSION)
	@test -d "$$(rustc --print sysroot)/lib/rustlib/src/rust/library" || rustup component add rust-src
	@touch $@

# Both variants, one after the other in the same target dir: std is built once, and
# each variant keeps its own artifacts (switching does not rebuild the other).
# Stripped as OpenWrt's buildroot strips by default (strip, then sstrip: no section
# headers, nothing behind the last segment; openwrt/tools/sstrip.py): -964 B on mips_24kc.
define build_variant
	@echo "== cross-building $(1) for $(ARCH) ($(TRIPLE), $(LINK))"
	$(ZIGENV) RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(CARGO_TARGET_DIR) \
		RUSTFLAGS="$(RUSTFLAGS_TARGET)" \
		cargo zigbuild --locked --release --target $(TRIPLE) \
		$(BUILD_STD) -p umodem --bin umodem $(FEATURES_$(1))
	llvm-strip --strip-all --remove-section=.pdr --remove-section=.comment \
		--remove-section=.note.gnu.build-id -o $(OUT)/$(1) $(ELF)
	python3 openwrt/tools/sstrip.py $(OUT)/$(1)
endef

binary: tools
	@mkdir -p $(OUT)
	$(call build_variant,umodem)
	$(call build_variant,umodem-full)

feedtool:
	cargo build --locked -q -p umodem-feed

# The feed is staged in build/ and moved to bin/ only when complete and signed: a failed
# build leaves no feed (and no stale one) in bin/.
feed: binary feedtool
	@rm -rf $(FEED) $(STAGE) $(OUT)/pkg && mkdir -p $(OUT)/pkg/umodem/usr/sbin $(OUT)/pkg/defaults $(STAGE)
	cp $(OUT)/umodem $(OUT)/pkg/umodem/usr/sbin/umodem
	[ ! -d files ] || cp -R files/. $(OUT)/pkg/umodem/
	openwrt/tools/strip-sh.sh $(OUT)/pkg/umodem
	mkdir -p $(OUT)/pkg/umodem/usr/share/umodem
	python3 openwrt/tools/gen-apn-table.py $(APN_XML) > $(OUT)/pkg/umodem/usr/share/umodem/apn.tsv
	@for f in $(DEFAULTS_FILES); do \
		if [ -e $(OUT)/pkg/umodem/$$f ]; then \
			mkdir -p $(OUT)/pkg/defaults/$$(dirname $$f); \
			mv $(OUT)/pkg/umodem/$$f $(OUT)/pkg/defaults/$$f; \
		fi; \
	done
	find $(OUT)/pkg/umodem -type d -empty -delete
	rm -rf $(OUT)/pkg/umodem-full && cp -R $(OUT)/pkg/umodem $(OUT)/pkg/umodem-full
	cp $(OUT)/umodem-full $(OUT)/pkg/umodem-full/usr/sbin/umodem
	$(PACK) $(OUT)/pkg/umodem $(STAGE) umodem $(PKGVER) $(ARCH) "$(DEPENDS)" \
		"Makes a USB 3G/LTE stick work: mode switch, AT port detection, SIM PIN, PPP/NCM/HiLink dial, ubus status, watchdog. Text messages and USSD: umodem-full."
	SOURCENAME=umodem $(PACK) $(OUT)/pkg/umodem-full $(STAGE) umodem-full $(PKGVER) $(ARCH) "$(DEPENDS)" \
		"umodem with text messages and USSD: umodem sms, umodem ussd, the ubus sms/ussd methods (LuCI's Text messages page). Install it instead of umodem." \
		umodem umodem
	$(PACK) $(OUT)/pkg/defaults $(STAGE) umodem-defaults-tl-wr1043nd $(PKGVER) all "umodem" \
		"Defaults for a TP-Link TL-WR1043ND with a Huawei E367: a wwan interface in the wan zone."
	@for p in $(LUCI_PKGS); do \
		rm -rf $(OUT)/pkg/$$p && mkdir -p $(OUT)/pkg/$$p/www && \
		cp -R openwrt/$$p/root/. $(OUT)/pkg/$$p/ && \
		cp -R openwrt/$$p/htdocs/. $(OUT)/pkg/$$p/www/ || exit 1; \
	done
	$(PACK) $(OUT)/pkg/luci-proto-umodem $(STAGE) luci-proto-umodem $(PKGVER) all "luci-base, umodem" \
		"LuCI support for umodem: the interface form of proto umodem (modem, APN, PIN, service mode, PPP login, every handler option)."
	$(PACK) $(OUT)/pkg/luci-app-umodem $(STAGE) luci-app-umodem $(PKGVER) all "luci-base, umodem" \
		"LuCI status page of umodem: signal and its last hour, operator, SIM and PIN attempts, the interface and its last error, connect/disconnect; text messages and USSD (with umodem-full)."
	UMODEM_FEED=$(FEEDTOOL) openwrt/mkindex.sh $(STAGE) $(KEY_DIR) $(KEY_CREATE)
	@mkdir -p $(dir $(FEED)) && mv $(STAGE) $(FEED)
	@$(MAKE) --no-print-directory size-one ARCH=$(ARCH) LINK=$(LINK)

# What users feel on their flash: the binary, then per package the download and the
# installed size for each package manager (openwrt/size.sh: one column per figure).
size-one:
	@UMODEM_FEED=$(FEEDTOOL) openwrt/size.sh $(ARCH) $(LINK) $(OUT)/umodem $(FEED)

size:
	@for d in build/*-static build/*-dynamic; do \
		[ -f $$d/umodem ] || continue; \
		n=$${d#build/}; a=$${n%-*}; l=$${n##*-}; \
		$(MAKE) --no-print-directory size-one ARCH=$$a LINK=$$l 2>/dev/null || true; \
	done

test: feed
	@$(TOP)/openwrt/ensure-deps.sh $(APT_TEST)
	cargo test --locked --workspace
	tests/shell/run
	tests/luci/run
ifeq ($(LINK),dynamic)
	tests/musl-loader.sh $(ARCH) $(TOP)/build/musl-root-$(ARCH)
	QEMU_LD_PREFIX=$(TOP)/build/musl-root-$(ARCH) tests/target.sh $(ARCH) $(OUT)/umodem $(FEED) $(OUT)/umodem-full
else
	tests/target.sh $(ARCH) $(OUT)/umodem $(FEED) $(OUT)/umodem-full
endif
	UMODEM_FEED=$(FEEDTOOL) KEY_DIR=$(KEY_DIR) tests/feed.sh $(FEED) $(LINK)

bench:
	@for b in tests/bench/*.sh; do [ -f "$$b" ] && busybox ash "$$b" || exit 1; done

# The mode-switch database, generated from Debian's usb-modeswitch-data (committed;
# `make check-db` proves the committed file is what the generator makes).
db:
	openwrt/tools/gen-db.sh

check-db:
	openwrt/tools/gen-db.sh --check

# Boots Debian's kernel under QEMU (TCG) with a virtual E367 on dummy_hcd: see tests/vm.
vm-test:
	@$(TOP)/openwrt/ensure-deps.sh $(APT_TEST)
	tests/vm/run.sh

clean:
	rm -rf build/*-static build/*-dynamic build/musl-* bin target
