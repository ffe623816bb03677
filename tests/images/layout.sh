# tests/images/layout.sh: the disk both Debian test images share, sourced by
# debian12.sh and debian12-grub.sh (bash; they set IMG, W, R and die()).
#
#   layout_partition SIZE ROOT_MIB [bios]   GPT: p1 ESP 32 MiB, p2 root, p3
#       /srv 300 MiB, p4 swap 64 MiB (with bios: p5, a BIOS boot partition
#       in sectors 34-2047); sets P_FIRST/P_LAST/P_GUID, DISK_GUID,
#       *_PARTUUID, and draws ESP_ID/ESP_UUID, ROOT/SRV/SWAP_UUID, MACHINE_ID
#   layout_filesystems     p1 vfat (with the GRUB stub naming the root),
#                          p3 XFS, p4 swap
#   layout_root_config     machine-id, hostname, hosts, fstab in $R
#   layout_root_fs         p2: ext4 made from $R
#   layout_env VAR...      $IMG.env: the identifiers and the host keys

uuid() { cat /proc/sys/kernel/random/uuid; }
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

layout_partition() {
	local n parts="1 2 3 4"
	truncate -s "$1" "$IMG"
	sgdisk -n1:2048:+32M -t1:EF00 -c1:"EFI System Partition" \
		-n2:0:+"$2"M -t2:8304 -c2:root \
		-n3:0:+300M -t3:8300 -c3:srv \
		-n4:0:+64M -t4:8200 -c4:swap "$IMG" >"$W/sgdisk.log" 2>&1 ||
		{ cat "$W/sgdisk.log" >&2; die "sgdisk failed"; }
	if [ "${3:-}" = bios ]; then
		sgdisk -a 1 -n5:34:2047 -t5:EF02 -c5:bios "$IMG" >>"$W/sgdisk.log" 2>&1 ||
			{ cat "$W/sgdisk.log" >&2; die "sgdisk failed"; }
		parts="$parts 5"
	fi
	declare -gA P_FIRST P_LAST P_GUID
	for n in $parts; do
		sgdisk -i "$n" "$IMG" >"$W/part$n"
		P_FIRST[$n]=$(sed -n 's/^First sector: \([0-9]*\).*/\1/p' "$W/part$n")
		P_LAST[$n]=$(sed -n 's/^Last sector: \([0-9]*\).*/\1/p' "$W/part$n")
		P_GUID[$n]=$(sed -n 's/^Partition unique GUID: //p' "$W/part$n" | tr A-F a-f)
	done
	DISK_GUID=$(sgdisk -p "$IMG" | sed -n 's/^Disk identifier (GUID): //p' | tr A-F a-f)
	# shellcheck disable=SC2034 # written to the .env through ${!v}
	ESP_PARTUUID=${P_GUID[1]} ROOT_PARTUUID=${P_GUID[2]} SRV_PARTUUID=${P_GUID[3]} SWAP_PARTUUID=${P_GUID[4]}
	BIOS_PARTUUID=${P_GUID[5]:-}
	[ -n "$DISK_GUID" ] && [ -n "$SWAP_PARTUUID" ] || die "sgdisk wrote no partition table"
	ESP_ID=$(hex 4 | tr a-f A-F)
	ESP_UUID=${ESP_ID:0:4}-${ESP_ID:4:4}
	ROOT_UUID=$(uuid) SRV_UUID=$(uuid) SWAP_UUID=$(uuid)
	MACHINE_ID=$(hex 16)
}

mkpart() { truncate -s $(( (P_LAST[$1] - P_FIRST[$1] + 1) * 512 )) "$2"; }
putpart() {
	dd if="$2" of="$IMG" bs=1M oflag=seek_bytes seek=$(( P_FIRST[$1] * 512 )) \
		conv=sparse,notrunc status=none
	rm -f "$2"
}

layout_filesystems() {
	mkpart 1 "$W/p1"
	mkfs.vfat -i "$ESP_ID" -n ESP "$W/p1" >/dev/null
	mkdir -p "$W/esp/EFI/debian"
	printf "search.fs_uuid %s root hd0,gpt2\nset prefix=(\$root)'/boot/grub'\nconfigfile \$prefix/grub.cfg\n" \
		"$ROOT_UUID" >"$W/esp/EFI/debian/grub.cfg"
	MTOOLS_SKIP_CHECK=1 mcopy -s -i "$W/p1" "$W/esp/EFI" ::/
	putpart 1 "$W/p1"
	mkpart 3 "$W/p3"
	mkfs.xfs -q -f -m uuid="$SRV_UUID" -L srv "$W/p3"
	putpart 3 "$W/p3"
	mkpart 4 "$W/p4"
	mkswap -U "$SWAP_UUID" -L swap "$W/p4" >"$W/mkswap.log" 2>&1 || { cat "$W/mkswap.log" >&2; die "mkswap failed"; }
	putpart 4 "$W/p4"
}

layout_root_config() {
	echo "$MACHINE_ID" >"$R/etc/machine-id"
	echo debian12-template >"$R/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian12-template\n' >"$R/etc/hosts"
	mkdir -p "$R/boot/efi" "$R/srv"
	cat >"$R/etc/fstab" <<EOF
# /etc/fstab: static file system information.
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
UUID=$ROOT_UUID /               ext4    errors=remount-ro 0       1
UUID=$ESP_UUID  /boot/efi       vfat    umask=0077      0       1
PARTUUID=$SRV_PARTUUID /srv     xfs     defaults        0       2
UUID=$SWAP_UUID none            swap    sw              0       0
EOF
}

layout_root_fs() {
	mkpart 2 "$W/p2"
	mkfs.ext4 -q -F -U "$ROOT_UUID" -L root -d "$R" "$W/p2"
	putpart 2 "$W/p2"
}

layout_env() {
	local v k t
	{
		echo "# identifiers of the Debian 12 template (tests/images/${0##*/})"
		for v in "$@"; do echo "$v=${!v}"; done
		for k in "$R"/etc/ssh/ssh_host_*_key.pub; do
			t=${k##*/ssh_host_}; t=${t%_key.pub}
			echo "HOSTKEY_${t^^}='$(cut -d' ' -f1,2 "$k")'"
		done
	} >"$IMG.env"
}
