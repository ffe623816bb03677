#!/bin/sh
# toolchain/debsrc.sh PACKAGE DIR: Debian's own source of PACKAGE, unpacked
# into DIR/PACKAGE (DIR must exist; apt's scratch files go into DIR too).
# A private deb-src list derived from the configured main archive is used,
# so the system's apt configuration is never touched.  Used by bearssl.sh
# (BearSSL for every arch) and cross-deps.sh (musl for riscv64).
set -eu

pkg=${1:?usage: debsrc.sh PACKAGE DIR}
work=${2:?usage: debsrc.sh PACKAGE DIR}

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
(cd "$work" && apt-get "$@" -q source --download-only "$pkg" >"$work/source.log" 2>&1) ||
	{ cat "$work/source.log"; exit 1; }
(cd "$work" && dpkg-source --no-check -x "$pkg"_*.dsc "$pkg" >/dev/null)
