#!/bin/sh
# toolchain/foreign-arch.sh PKG:ARCH...: make Debian's packages of other
# architectures installable or downloadable here.  Adds every ARCH that dpkg
# does not know yet as a foreign architecture and runs `apt-get update` when
# it added one or when apt does not know one of the PKG:ARCH names yet (their
# package lists only exist after an update that knows the architecture).
# Idempotent; used by cross-deps.sh and arm-boot-deps.sh.  Run as root.
set -eu

added=
for p in "$@"; do
	a=${p#*:}
	dpkg --print-foreign-architectures | grep -qx "$a" || { dpkg --add-architecture "$a"; added=1; }
done
if [ -n "$added" ] || ! apt-cache show "$@" >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get update -q
fi
