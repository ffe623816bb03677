#!/bin/sh
# initramfs/build.sh: write reseal's initramfs, a reproducible newc cpio.gz.
#
#   initramfs/build.sh --init BIN --out OUT.cpio.gz [--kver KVER]
#       [--modules "virtio_pci virtio_blk ..."] [--extra SRC:DEST]...
#   initramfs/build.sh --list --kver KVER --modules "..."
#
# The work is done by mkinitramfs.py beside this file (Python standard
# library only); `build.sh --help` lists every option.  See README.md.
exec python3 "$(dirname "$0")/mkinitramfs.py" "$@"
