#!/bin/bash
# tests/probe/mkimages.sh [OUTDIR]: makes the small images in
# tests/probe/images/ with the real tools (mke2fs, mkfs.xfs, mkfs.fat,
# mkswap, sgdisk, sfdisk).  Run once, by hand (bash tests/probe/mkimages.sh),
# when an image is added; the results are committed, and
# tests/t-probe-golden.sh probes them next to the fuzz seeds.  Needs no root
# and no loop device: every filesystem is made in a file of its partition's
# size and copied into the disk image at the partition's offset.
#
# Identifiers, hash seeds and mke2fs/mkfs.fat times are fixed (-U, -i,
# hash_seed, E2FSPROGS_FAKE_TIME, --invariant, sgdisk -U/-u, sfdisk
# label-id), so a regenerated image probes the same.  After a change,
# `UPDATE=1 bash tests/t-probe-golden.sh` rewrites the expected output, and
# the test says where blkid disagrees (tests/probe/blkid-differs).
#
# Storage: each image is xz-compressed.  An XFS image keeps only its first
# 4 KiB (both `reseal probe` and blkid read only the primary superblock); the
# test extends it, sparse, to the size that superblock declares.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/images}
w=$(mktemp -d /tmp/reseal-mkimages.XXXXXX)
trap 'rm -rf "$w"' EXIT
export E2FSPROGS_FAKE_TIME=1700000000

for tool in mke2fs mkfs.xfs mkfs.fat mkswap sgdisk sfdisk xz; do
	command -v "$tool" >/dev/null || { echo "mkimages: needs $tool" >&2; exit 1; }
done

# save FMT NAME FILE [BYTES]: FILE (or its first BYTES) as $out/FMT/NAME.xz
save() {
	mkdir -p "$out/$1"
	if [ -n "${4:-}" ]; then head -c "$4" "$3"; else cat "$3"; fi |
		xz -9e -c >"$out/$1/$2.xz"
	echo "$out/$1/$2.xz: $(stat -c %s "$out/$1/$2.xz") bytes"
}
# put IMAGE SECTOR FILE: FILE into IMAGE at 512-byte SECTOR
put() { dd if="$3" of="$1" bs=512 seek="$2" conv=notrunc status=none; }
fresh() { rm -f "$1"; truncate -s "$2" "$1"; }

# ext3 (journal, no extents) whose label needs blkid's export escaping
fresh "$w/ext3" 4M
u=3e1a2b3c-4d5e-4f60-8172-8394a5b6c7d8
mke2fs -q -F -t ext3 -b 1024 -L 'root fs <1>' -U $u -E hash_seed=$u,root_owner=0:0 "$w/ext3"
save ext4 ext3-label-escape "$w/ext3"

# XFS v5 with a label (300 MiB is mkfs.xfs's minimum; only the head is kept)
fresh "$w/xfs" 300M
mkfs.xfs -q -f -L 'xfs vol' -m uuid=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d "$w/xfs"
save xfs label "$w/xfs" 4096

# FAT32 with its label in the root directory (a head without the root
# directory cluster, as the fuzz seed fat32-head is, has no LABEL for blkid)
fresh "$w/f32" 34M
mkfs.fat -F 32 -s 1 -n 'MY ESP' --invariant -i 1a2b3c4d "$w/f32" >/dev/null
save vfat fat32-label "$w/f32"

# FAT12 without a label: the boot sector says "NO NAME", which is no label
fresh "$w/f12" 64K
mkfs.fat -F 12 --invariant -i 0000c0de "$w/f12" >/dev/null
save vfat fat12-nolabel "$w/f12"

# swap v1 with a label that needs escaping
fresh "$w/swap" 64K
mkswap -q -L "swap 'b'" -U 7c6b5a49-3827-4160-a5b4-c3d2e1f00112 "$w/swap"
save swap label-quote "$w/swap"

# GPT, 512-byte sectors, named partitions (blanks, quotes, non-ASCII) with
# filesystems in three of them and an empty fourth
fresh "$w/gpt" 512K
sgdisk -a 8 -U 9d8c7b6a-5f4e-4d3c-8b2a-19f807e6d5c4 \
	-n 1:40:167   -t 1:ef00 -c 1:'EFI System Partition' -u 1:c12a7328-f81f-11d2-ba4b-00a0c93ec93b \
	-n 2:168:295  -t 2:8300 -c 2:'root fs'              -u 2:4f68bce3-e8cd-4db1-96e7-fbcaf984b709 \
	-n 3:296:391  -t 3:8200 -c 3:'données'              -u 3:0657fd6d-a4ab-43c4-84e5-0933c84b4f4f \
	-n 4:392:399  -t 4:8300 -c 4:'it"s'                 -u 4:11223344-5566-4778-899a-abbccddeeff0 \
	"$w/gpt" >/dev/null
fresh "$w/p1" 64K
mkfs.fat -F 12 -n ESP --invariant -i 0e5f0e5f "$w/p1" >/dev/null
fresh "$w/p2" 64K
u=2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901
mke2fs -q -F -t ext4 -O ^has_journal -b 1024 -N 32 -L root -U $u -E hash_seed=$u,root_owner=0:0 "$w/p2"
fresh "$w/p3" 48K
mkswap -q -L sw -U 6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098 "$w/p3"
put "$w/gpt" 40 "$w/p1"
put "$w/gpt" 168 "$w/p2"
put "$w/gpt" 296 "$w/p3"
save gpt named-fs "$w/gpt"

# MBR: a primary FAT12 (bootable), an extended partition with two logicals
# (ext2 with a label, swap), one empty primary slot
fresh "$w/mbr" 384K
sfdisk -q "$w/mbr" <<'EOF'
label: dos
label-id: 0x5eed0123
start=8, size=128, type=1, bootable
start=136, size=504, type=5
start=144, size=128, type=83
start=280, size=96, type=82
EOF
fresh "$w/l5" 64K
u=8a9b0c1d-2e3f-4051-8263-748596a7b8c9
mke2fs -q -F -t ext2 -b 1024 -N 32 -L 'logical 5' -U $u -E hash_seed=$u,root_owner=0:0 "$w/l5"
fresh "$w/l6" 48K
mkswap -q -L swap6 -U 1f2e3d4c-5b6a-4798-8877-665544332211 "$w/l6"
put "$w/mbr" 8 "$w/p1"
put "$w/mbr" 144 "$w/l5"
put "$w/mbr" 280 "$w/l6"
save mbr logicals-fs "$w/mbr"

du -cb "$out"/*/*.xz | tail -n 1
