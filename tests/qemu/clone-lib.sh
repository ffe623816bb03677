# tests/qemu/clone-lib.sh: helpers shared by the clone boot tests and the
# demo (t-boot.sh, t-powercut.sh, t-crashstates.sh, t-arm-boot.sh, t-debian.sh, demo.sh).  Source after tests/qemu/lib.sh.
#
#   part_geom IMG N          "OFFSET SIZE" in bytes of GPT partition N
#   with_root IMG CMD...     run CMD with IMG's root (partition 2) at $T/mnt
#   ro_root IMG CMD...       the same, mounted read-only without journal replay
#   root_from_grub IMG       the root= spec IMG's own grub.cfg boots with
#   fsck_all IMG [crashed]   sgdisk -v, fsck.fat -n, e2fsck -fn, xfs_repair -n; with
#                            "crashed", FAT's dirty bit alone is accepted (see fsck_fat)
#   ids LOG                  the identifiers a booted guest printed, sorted,
#                            one "NAME VALUE" per line
#   consistent LOG           the guest's files name exactly what is on its
#                            disk, with a new identity (needs the golden's
#                            .env sourced: MACHINE_ID, ROOT_UUID); writes LOG.ids
#   template_ids ENV         the same for a golden image's .env file
#   fault_golden NAME        power-cut tests: fault and product initramfs, a
#                            sealed golden image (FAIL + return 1 without them)
#   count_boot LOG           a copy of it boots counting reseal's writes

part_geom() {
	sgdisk -i "$2" "$1" | awk '/^First sector:/ { f = $3 } /^Last sector:/ { l = $3 }
		END { printf "%d %d\n", f * 512, (l - f + 1) * 512 }'
}

# mount_root_run "LOSETUP_OPTS" "MOUNT_OPTS" IMG CMD...: the two below
mount_root_run() {
	local lo=$1 mo=$2 img=$3 off size dev rc
	shift 3
	read -r off size <<EOF2
$(part_geom "$img" 2)
EOF2
	# shellcheck disable=SC2086
	dev=$(losetup -f --show $lo --offset "$off" --sizelimit "$size" "$img") || return 1
	mkdir -p "$T/mnt"
	# shellcheck disable=SC2086
	if ! mount $mo "$dev" "$T/mnt"; then losetup -d "$dev"; return 1; fi
	"$@"; rc=$?
	umount "$T/mnt"; losetup -d "$dev"
	return $rc
}
with_root() { mount_root_run "" "" "$@"; }
# read-only, and without ext4 journal replay: the image is left as it was
ro_root() { mount_root_run -r "-o ro,noload" "$@"; }

root_from_grub() {
	local off size dev spec
	read -r off size <<EOF2
$(part_geom "$1" 2)
EOF2
	dev=$(losetup -f --show -r --offset "$off" --sizelimit "$size" "$1") || return 1
	# -c: without the allocation bitmaps, as GRUB reads; after a crash in
	# the middle of a checkpoint their checksums may not match yet, and
	# debugfs would refuse to open the filesystem at all (docs/crash.md)
	spec=$(debugfs -c -R 'cat /boot/grub/grub.cfg' "$dev" 2>/dev/null |
		grep -o 'root=[^ ]*' | head -n 1 | cut -d= -f2-)
	losetup -d "$dev"
	[ -n "$spec" ] && echo "$spec"
}

# fsck_fat FILE [crashed]: fsck.fat -n is clean.  After a power cut while
# the ESP was mounted read-write, Linux's FAT dirty bit (boot sector offset
# 0x41 on FAT32, 0x25 on FAT16; the backup copy keeps 0) stays set, as after
# any crash; with "crashed" that finding alone is accepted, anything else
# (lost clusters, bad chains, wrong sizes) still fails.
fsck_fat() {
	local out rc rest
	out=$(fsck.fat -n "$1" 2>&1); rc=$?
	[ $rc -eq 0 ] && return 0
	[ "${2:-}" = crashed ] || { echo "$out"; return 1; }
	rest=$(echo "$out" | grep -v -e '^fsck.fat ' -e '^There are differences between boot sector and its backup' \
		-e '^This is mostly harmless' -e '^  Differences: (offset:original/backup)' -e '^  65:01/00$' \
		-e '^  37:01/00$' -e '^  Not automatically fixing this' -e '^Dirty bit is set' \
		-e '^ Automatically removing dirty bit' -e '^Leaving filesystem unchanged' -e ' files, .* clusters$' -e '^$')
	[ -z "$rest" ] || { echo "$out"; return 1; }
	echo "FAT dirty bit set by the interrupted mount; no other finding"
}

fsck_all() {
	local img=$1 n rc=0
	# sgdisk -v also says "No problems found" after silently loading the
	# backup of a torn primary copy: its ERROR/Caution lines tell.
	sgdisk -v "$img" >"$T/sgdisk.out" 2>&1
	grep -q 'No problems found' "$T/sgdisk.out" && ! grep -qE 'ERROR|Caution|Warning|CRC' "$T/sgdisk.out" ||
		{ echo "sgdisk -v: problems"; grep -E 'ERROR|Caution|Warning|CRC|problem' "$T/sgdisk.out" | head -n 5; rc=1; }
	rm -f "$T/sgdisk.out"
	for n in 1 2 3; do part_extract "$img" $n "$T/p$n" || return 1; done
	fsck_fat "$T/p1" "${2:-}" || { echo "fsck.fat: not clean"; rc=1; }
	# on a finding, its first lines (the progress lines left out)
	e2fsck -fn "$T/p2" >"$T/fsck.out" 2>&1 ||
		{ echo "e2fsck: rc=$?"; grep -v '^Pass \|^e2fsck [0-9]' "$T/fsck.out" | head -n 5; rc=1; }
	xfs_repair -n "$T/p3" >"$T/fsck.out" 2>&1 ||
		{ echo "xfs_repair -n: rc=$?"; grep -v '^Phase \|^ *- \|host filesystem\|^Repair may fail\|^the image and' "$T/fsck.out" | head -n 5; rc=1; }
	rm -f "$T/fsck.out"
	rm -f "$T/p1" "$T/p2" "$T/p3"
	return $rc
}

ids() {
	{
		echo "machine-id $(identity_section "$1" machine-id)"
		identity_section "$1" hostkeys | awk '{ print "hostkey-" $1, $2 }'
		identity_section "$1" blkid | tr ' ' '\n' | sed -n \
			's/^\(PTUUID\|UUID\|PARTUUID\)="\(.*\)"$/\1 \2/p'
	} | sort
}

# consistent LOG: the booted system's files name exactly what is on its disk,
# with an identity other than the template's (t-powercut.sh, t-crashstates.sh)
consistent() {
	local log=$1 u root
	ids "$log" >"$log.ids"
	grep -qE '^machine-id [0-9a-f]{32}$' "$log.ids" || { echo "no machine-id"; return 1; }
	grep -q "^machine-id $MACHINE_ID\$" "$log.ids" && { echo "template machine-id"; return 1; }
	[ "$(grep -c '^hostkey-' "$log.ids")" -ge 1 ] || { echo "no host key"; return 1; }
	for u in $(identity_section "$log" fstab | grep -v '^#' | grep -oE '(PART)?UUID=[^ ]*' | cut -d= -f2); do
		grep -q " $u\$" "$log.ids" || { echo "fstab names $u, not on the disk"; return 1; }
	done
	root=$(identity_section "$log" blkid | sed -n 's|^/dev/vda2: .* UUID="\([^"]*\)".*|\1|p')
	identity_section "$log" kernel-cmdline | grep -q "root=UUID=$root" || { echo "cmdline file"; return 1; }
	identity_section "$log" reseal-dir | grep -qxE 'template|journal' && { echo "marker or journal left"; return 1; }
	grep -q "$ROOT_UUID" "$log.ids" && { echo "template root UUID still there"; return 1; }
	return 0
}

template_ids() {
	(
		. "$1"
		echo "machine-id $MACHINE_ID"
		echo "hostkey-ssh-ed25519 $(echo "$HOSTKEY_ED25519" | cut -d' ' -f2)"
		echo "hostkey-ecdsa-sha2-nistp256 $(echo "$HOSTKEY_ECDSA" | cut -d' ' -f2)"
		echo "PTUUID $DISK_GUID"
		for v in "$ESP_UUID" "$ROOT_UUID" "$SRV_UUID" "$SWAP_UUID"; do echo "UUID $v"; done
		for v in "$ESP_PARTUUID" "$ROOT_PARTUUID" "$SRV_PARTUUID" "$SWAP_PARTUUID"; do echo "PARTUUID $v"; done
	) | sort
}

# fault_golden NAME: the start of the power-cut tests: the fault build
# ($RESEAL_FAULT_BIN, else build/reseal-fault) in $INITRD_F, the product in
# $INITRD, the golden image $T/golden.img sealed and its .env sourced.
# Without QEMU or the fault build: a FAIL line naming NAME, return 1.
fault_golden() {
	FAULT=${RESEAL_FAULT_BIN:-$TOP/build/reseal-fault}
	if ! qemu_ready || [ ! -x "$FAULT" ]; then
		fail "$1 environment" "needs QEMU (toolchain/qemu-deps.sh) and build/reseal-fault"
		return 1
	fi
	INITRD_F=$T/initrd-fault.gz
	INITRD=$T/initrd.gz
	build_initramfs "$INITRD_F" "$FAULT" >/dev/null 2>&1
	build_initramfs "$INITRD" "$RESEAL" >/dev/null 2>&1
	"$QEMU_DIR/mkgolden.sh" "$T/golden.img" >/dev/null 2>&1
	. "$T/golden.img.env"
	check "sealed golden image" with_root "$T/golden.img" "$RESEAL" seal --root "$T/mnt"
}

# count_boot LOG: a copy of the sealed golden image ($T/count.img) boots the
# fault build with reseal.fault=count and the debug log naming every write.
count_boot() {
	cp --sparse=always "$T/golden.img" "$T/count.img"
	"$QEMU_DIR/boot.sh" "$T/count.img" "$INITRD_F" "$1" --root "UUID=$ROOT_UUID" --timeout 180 \
		--append "reseal.fault=count reseal.debug loglevel=8" >/dev/null 2>&1
}
