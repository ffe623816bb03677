#!/bin/sh
# Build BearSSL's static library from Debian's own source package with musl-gcc.
#
# Debian's libbearssl.a is compiled with glibc's _FORTIFY_SOURCE and calls
# __memcpy_chk & co., which musl lacks (docs/keys.md §6).
# Rebuilding the same source with musl-gcc needs no shim, and the same recipe
# works for cross targets.
#
# usage: toolchain/bearssl.sh OUTDIR [CC [AR]]  -> OUTDIR/libbearssl.a, OUTDIR/inc/
#   CC: the musl compiler wrapper (default musl-gcc; a cross target's, e.g.
#   aarch64-linux-musl-gcc, from the Makefile's ARCH); AR: its archiver
#   (default ar; the cross binutils' for a cross target, whose symbol index
#   the host's ar may not be able to write).
set -eu

out=${1:?usage: bearssl.sh OUTDIR [CC [AR]]}
cc=${2:-musl-gcc}
ar=${3:-ar}
[ -f "$out/libbearssl.a" ] && [ -d "$out/inc" ] && exit 0

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sh "$(dirname "$0")/debsrc.sh" bearssl "$work"

# -fno-{asynchronous-,}unwind-tables: nothing unwinds C code here; the
# tables were ~5 KB of .eh_frame in the product (bench/size.sh), and
# aarch64's gcc emits them unless both are given.
# Called from our Makefile: its command-line variables (BUILD=…, ARCH=…)
# reach a sub-make through MAKEFLAGS and would override BearSSL's own.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL
make -s -C "$work/bearssl" CONF=Unix CC="$cc" LD="$cc" AR="$ar" \
	CFLAGS="-W -Wall -Os -fPIC -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables" \
	TOOLS=no TESTS=no DLL=no build/libbearssl.a
cp "$work/bearssl/build/libbearssl.a" "$out/libbearssl.a.tmp"
rm -rf "$out/inc" && cp -r "$work/bearssl/inc" "$out/inc"
mv "$out/libbearssl.a.tmp" "$out/libbearssl.a"
