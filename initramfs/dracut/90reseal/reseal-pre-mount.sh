#!/bin/sh
# reseal in dracut's shell initramfs (docs/integrations.md §3): sourced by
# init in its own shell once the root device exists and before
# mount-root.sh checks and mounts it.  The whole reseal on a private mount;
# the root keeps its name (root=UUID=OLD stays valid through reseal's udev
# alias).  reseal exits 0 on every failure: the boot goes on.
if [ -x /usr/sbin/reseal ] && [ "$(getarg reseal=)" != off ]; then
    # reseal has udev settle after its partition re-read itself
    /bin/sh /usr/lib/reseal/reseal-dracut.sh >/dev/null
fi
