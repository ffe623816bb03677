#!/bin/sh
# Build BearSSL's static library from Debian's own source package with musl-gcc.
#
# Debian's libbearssl.a is compiled with glibc's _FORTIFY_SOURCE and calls
# __memcpy_chk & co., which musl lacks (docs/keys.md §6).
# Rebuilding the same source with musl-gcc needs no shim, and the same recipe
# works for cross targets.
#
# usage: toolchain/bearssl.sh OUTDIR    -> OUTDIR/libbearssl.a, OUTDIR/inc/
set -eu

out=${1:?usage: bearssl.sh OUTDIR}
[ -f "$out/libbearssl.a" ] && [ -d "$out/inc" ] && exit 0

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A private deb-src list, derived from the configured main archive, so the
# system's apt configuration is never touched.
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ]; then
	mirror=$(awk '$1=="URIs:" {print $2; exit}' "$src")
	suite=$(awk '$1=="Suites:" {print $2; exit}' "$src")
else
	mirror=$(awk '$1=="deb" {print $2; exit}' /etc/apt/sources.list)
	suite=$(awk '$1=="deb" {print $3; exit}' /etc/apt/sources.list)
fi
echo "deb-src $mirror $suite main" >"$work/sources.list"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
set -- -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
apt-get "$@" -q update >"$work/update.log" 2>&1 || { cat "$work/update.log"; exit 1; }
(cd "$work" && apt-get "$@" -q source --download-only bearssl >"$work/source.log" 2>&1) ||
	{ cat "$work/source.log"; exit 1; }
(cd "$work" && dpkg-source --no-check -x bearssl_*.dsc bearssl >/dev/null)

make -s -C "$work/bearssl" CONF=Unix CC=musl-gcc LD=musl-gcc AR=ar \
	CFLAGS="-W -Wall -Os -fPIC -ffunction-sections -fdata-sections" \
	TOOLS=no TESTS=no DLL=no build/libbearssl.a
cp "$work/bearssl/build/libbearssl.a" "$out/libbearssl.a.tmp"
rm -rf "$out/inc" && cp -r "$work/bearssl/inc" "$out/inc"
mv "$out/libbearssl.a.tmp" "$out/libbearssl.a"
