#!/bin/sh
# reseal-dracut.sh [--find]: `reseal initrd` with the root as dracut sees
# it.  A host-only image may name root= only in /etc/cmdline.d, which
# reseal (reading /proc/cmdline) does not see: dracut's getarg does.
# Prints what reseal prints (the root's node).
. /lib/dracut-lib.sh

root=$(getarg root=)
case $root in
block:*) root=${root#block:} ;;
LABEL=* | UUID=* | PARTUUID=* | PARTLABEL=* | /dev/*) ;;
*) root='' ;;   # none, or one reseal does not handle (nfs:, zfs:, ...)
esac
fstype=$(getarg rootfstype=)
rflags=$(getarg rootflags=)
if [ "$1" = --find ]; then
    [ -n "$root" ] || exit 0
    exec /usr/sbin/reseal initrd --find --root "$root" --wait 0
fi
exec /usr/sbin/reseal initrd ${root:+--root "$root"} --fstype "${fstype:-auto}" --rootflags "$rflags"
