#!/bin/sh
# Build a real musl dynamic loader (= libc.so) for a router's ABI, so that a LINK=dynamic
# binary (the default) can be run under qemu-user here:
#   tests/musl-loader.sh ARCH DIR      (ARCH: one of the Makefile's ARCHES)
# writes DIR/lib/ld-musl-<arch>.so.1 (OpenWrt's name); then run with QEMU_LD_PREFIX=DIR.
#
# Debian has no big-endian mips port, and its mipsel musl is hard-float (qemu refuses
# to load a soft-float program with it: "Can't find a matching FPU mode"). So this
# takes Debian's musl source (apt-get source, from the Debian mirror this machine is
# configured with) and builds it with zig cc for the router's ABI. Debian's musl is
# 1.2.3; OpenWrt ships 1.2.4/1.2.5: the symbols umodem imports exist in all of them.
set -eu
arch=$1 out=$2
case $arch in
	mips_24kc) zt=mips-linux-musleabi cpu=-mcpu=mips32r2 musl=mips sub=-sf loader=ld-musl-mips-sf.so.1 ;;
	mipsel_24kc) zt=mipsel-linux-musleabi cpu=-mcpu=mips32r2 musl=mipsel sub=-sf loader=ld-musl-mipsel-sf.so.1 ;;
	aarch64_cortex-a53) zt=aarch64-linux-musl cpu=-mcpu=cortex_a53 musl=aarch64 sub= loader=ld-musl-aarch64.so.1 ;;
	arm_cortex-a7_neon-vfpv4) zt=arm-linux-musleabihf cpu=-mcpu=cortex_a7 musl=arm sub=hf loader=ld-musl-armhf.so.1 ;;
	x86_64) zt=x86_64-linux-musl cpu= musl=x86_64 sub= loader=ld-musl-x86_64.so.1 ;;
	*) echo "musl-loader: no loader recipe for $arch" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
zig=$top/build/tools/py/ziglang/zig
[ -x "$zig" ] || { echo "musl-loader: run make first (zig in build/tools)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -f "$out/lib/$loader" ] && exit 0
w=$top/build/musl-$arch
rm -rf "$w" && mkdir -p "$w/apt/lists/partial" "$w/apt/cache/archives/partial" "$w/apt/sp" "$w/src"

# deb-src for the Debian archive apt already uses here (first deb822 or one-line entry).
uri=$(sed -n 's/^URIs: *\([^ ]*debian\)\/* *$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*debian\)\/* .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
[ -n "$uri" ] || { echo "musl-loader: no Debian archive in apt's sources" >&2; exit 1; }
. /etc/os-release
printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n' "$uri" "$VERSION_CODENAME" > "$w/apt/sp/src.sources"
apt="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$w/apt/sp -o Dir::State::Lists=$w/apt/lists -o Dir::Cache=$w/apt/cache -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get -qq $apt update
# shellcheck disable=SC2086
(cd "$w/src" && apt-get -qq $apt source --download-only musl 2>/dev/null)
tar -xzf "$w"/src/musl_*.orig.tar.gz -C "$w/src"
m=$(echo "$w"/src/musl-*/)

# zig cc for the router's ABI; its own cache, so the compiler-rt it builds is found below.
export ZIG_GLOBAL_CACHE_DIR="$w/zig-cache" ZIG_LOCAL_CACHE_DIR="$w/zig-cache"
printf '#!/bin/sh\nexec "%s" cc -target %s %s "$@"\n' "$zig" "$zt" "$cpu" > "$w/cc"
printf '#!/bin/sh\nexec "%s" ar "$@"\n' "$zig" > "$w/ar"
printf '#!/bin/sh\nexec "%s" ranlib "$@"\n' "$zig" > "$w/ranlib"
chmod +x "$w/cc" "$w/ar" "$w/ranlib"
cd "$m"
./configure --target="$musl-linux-musl" CC="$w/cc" AR="$w/ar" RANLIB="$w/ranlib" \
	--disable-static --prefix=/ > "$w/configure.log"
# The float ABI must be the router's (mips: soft-float, arm: hard-float).
[ -z "$sub" ] || grep -q "^SUBARCH = .*$sub\$" config.mak || { echo "musl-loader: not the $sub ABI" >&2; exit 1; }
make -j2 lib/libc.so > "$w/make.log" 2>&1
# zig links its compiler-rt for -lgcc, and its weak hidden memcpy/memset/... make musl's
# own hidden too: relink with the clashing compiler-rt symbols made local.
rt=$(find "$w/zig-cache" -name libcompiler_rt.a | head -n 1)
mkdir -p "$w/rt" && (cd "$w/rt" && "$zig" ar x "$rt")
objs=$(sed -n 's/^.* -o lib\/libc\.so \(.*\)$/\1/p' "$w/make.log" | sed 's/ -lgcc.*//')
[ -n "$objs" ] || { echo "musl-loader: musl's link line not found" >&2; exit 1; }
# shellcheck disable=SC2086
llvm-nm --defined-only -g $objs 2>/dev/null | awk 'NF==3{print $3}' | sort -u > "$w/musl.syms"
llvm-nm --defined-only -g "$w"/rt/*.o | awk 'NF==3{print $3}' | sort -u > "$w/rt.syms"
comm -12 "$w/musl.syms" "$w/rt.syms" > "$w/clash.syms"
llvm-objcopy --localize-symbols="$w/clash.syms" "$w"/rt/*.o "$w/rt-local.o"
# shellcheck disable=SC2086
"$zig" ld.lld -shared -e _dlstart --gc-sections --hash-style=sysv --no-undefined \
	--sort-common --dynamic-list=./dynamic.list -o "$w/libc.so" $objs "$w/rt-local.o"
mkdir -p "$out/lib"
cp "$w/libc.so" "$out/lib/$loader"
echo "musl-loader: $out/lib/$loader (musl $(cat VERSION), $zt)"
