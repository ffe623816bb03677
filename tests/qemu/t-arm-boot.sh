# t-arm-boot.sh: reseal as /init on ARM, with Debian's own kernels under QEMU
# (TCG): aarch64 (linux-image-*-cloud-arm64, qemu-system-aarch64 -M virt
# -cpu cortex-a57) and armhf (linux-image-*-armmp-lpae, qemu-system-arm -M
# virt -cpu cortex-a15, where ext4 and crc32c are modules).  For each arch:
# the golden image of mkgolden.sh (GPT, ESP, ext4 root, XFS /srv, swap) with
# that arch's busybox as its init's shell, sealed by that arch's reseal
# under qemu-user, is cloned and booted with build-ARCH/reseal as PID 1;
# afterwards the host reads the clone's disk: every UUID, PARTUUID, the
# PTUUID, the machine-id and the host keys must differ from the template's,
# the new host keys must be valid, the marker gone, every filesystem clean;
# a second boot by the new root UUID must change nothing.  The boot times
# (kernel start -> reseal's hand-over, from the kmsg timestamps) are printed.
# Packages: toolchain/arm-boot-deps.sh; binaries: make cross (make check).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

# Only what reseal itself needs to reach and reseal the root: the virtio
# disk, ext4, and vfat for the ESP's files; no network, and no XFS (reseal
# rewrites XFS unmounted; loading xfs.ko costs about 2 s of each TCG boot,
# so the guest leaves /srv unmounted and the host checks it).  --softdeps
# brings crc32c for ext4 on armhf: every provider, as the ARMv8 CE one
# fails on a Cortex-A15 and the generic one must be there too.
QEMU_MODULES="virtio_pci virtio_blk ext4 vfat nls_cp437 nls_ascii nls_iso8859-1"
# The kernel's crypto self-tests (crypto_algapi_init) take 2.5 s of an
# armhf TCG boot before /init; reseal uses no kernel crypto but ext4's crc32c.
APPEND=cryptomgr.notests

# root_ids: machine-id and host keys of the root at $T/mnt ("NAME VALUE")
root_ids() {
	echo "machine-id $(cat "$T/mnt/etc/machine-id")"
	cat "$T/mnt"/etc/ssh/ssh_host_*_key.pub | awk '{ print "hostkey-" $1, $2 }'
}

# disk_ids IMG: the identifiers on IMG as read from the host, in the format
# of clone-lib.sh's ids/template_ids
disk_ids() {
	local img=$1 n off size
	{
		echo "PTUUID $(sgdisk -p "$img" | sed -n 's/^Disk identifier (GUID): //p' | tr A-F a-f)"
		for n in 1 2 3 4; do
			echo "PARTUUID $(sgdisk -i $n "$img" | sed -n 's/^Partition unique GUID: //p' | tr A-F a-f)"
			read -r off size <<EOF2
$(part_geom "$img" $n)
EOF2
			echo "UUID $(blkid -p -o value -s UUID -O "$off" -S "$size" "$img")"
		done
		ro_root "$img" root_ids
	} | sort
}

# hostkeys_valid: every private host key at $T/mnt parses and matches its .pub
hostkeys_valid() {
	local k n=0
	for k in "$T/mnt"/etc/ssh/ssh_host_*_key; do
		ssh-keygen -l -f "$k" || return 1
		[ "$(ssh-keygen -y -f "$k" | cut -d' ' -f1,2)" = "$(cut -d' ' -f1,2 "$k.pub")" ] ||
			{ echo "$k does not match $k.pub"; return 1; }
		n=$((n + 1))
	done
	[ $n -ge 2 ] || { echo "only $n host keys"; return 1; }
}

# resealed_root NEWROOT: marker gone, status written, fstab names the new root
resealed_root() {
	[ ! -e "$T/mnt/etc/reseal/template" ] || { echo "marker still there"; return 1; }
	[ -e "$T/mnt/etc/reseal/status" ] || { echo "no status file"; return 1; }
	grep -q "^UUID=$1 " "$T/mnt/etc/fstab" || { echo "fstab does not name UUID=$1"; return 1; }
}

# none_kept A B: no line of A (the template's ids) is in B, and B has 12
none_kept() {
	[ "$(wc -l <"$2")" -eq 12 ] || { echo "$(wc -l <"$2") identifiers, not 12:"; cat "$2"; return 1; }
	! comm -12 "$1" "$2" | grep .
}

handover() {   # kmsg seconds of reseal's hand-over line in LOG
	tr -d '\r' <"$1" | sed -n 's/^\[ *\([0-9.]*\)\] reseal: info: handing over.*/\1/p' | head -n 1
}
run_init() {   # kmsg seconds of the kernel starting /init in LOG
	tr -d '\r' <"$1" | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' | head -n 1
}

esp_mounted() {   # esp_mounted LOG: the guest's mount -a mounted the ESP
	identity_section "$1" mounts | grep -q '^/dev/vda1 /boot/efi vfat '
}

booted() {   # booted LOG: reseal handed over and the guest powered off cleanly
	[ -n "$(handover "$1")" ] && grep -aq '==POWEROFF==' "$1"
}

no_reseal() {   # no_reseal LOG: a boot that handed over without resealing
	booted "$1" && ! grep -aq 'reseal: info: resealed' "$1"
}

arm_boot() {
	local arch=$1 qu bin new_root
	case $arch in aarch64) qu=qemu-aarch64-static ;; armhf) qu=qemu-arm-static ;; esac
	bin=$TOP/build-$arch/reseal
	qemu_arch "$arch"
	if ! qemu_ready; then
		fail "$arch: qemu environment" "qemu-system, the $arch kernel or busybox is missing: run toolchain/arm-boot-deps.sh"
		return 1
	fi
	if [ ! -x "$bin" ] || ! command -v $qu >/dev/null; then
		fail "$arch: reseal binary" "$bin or $qu is missing: run make cross (toolchain/cross-deps.sh)"
		return 1
	fi
	local D=$T/$arch
	mkdir -p "$D"
	build_initramfs "$D/initrd.gz" "$bin" --softdeps >"$D/initrd.out" 2>&1
	check "$arch: initramfs with reseal($arch) as /init builds" test -s "$D/initrd.gz"
	"$QEMU_DIR/mkgolden.sh" "$D/golden.img" --guest-busybox "$QEMU_BUSYBOX" >"$D/mkgolden.out" 2>&1
	check "$arch: golden image builds" test -s "$D/golden.img.env"
	. "$D/golden.img.env"
	check "$arch: seal the golden image (reseal($arch) seal under qemu-user)" \
		with_root "$D/golden.img" $qu "$bin" seal --root "$T/mnt"
	template_ids "$D/golden.img.env" >"$D/template.ids"
	cp --sparse=always "$D/golden.img" "$D/c.img"

	# First boot: reseal runs.
	"$QEMU_DIR/boot.sh" "$D/c.img" "$D/initrd.gz" "$D/log1" --root "UUID=$ROOT_UUID" --timeout 240 --append "$APPEND" >/dev/null 2>&1
	check "$arch: first boot reseals and hands over to the image's init" \
		sh -c "grep -aq 'reseal: info: resealed' '$D/log1' && grep -aq '==POWEROFF==' '$D/log1'"
	disk_ids "$D/c.img" >"$D/ids1"
	check "$arch: no identifier kept: 4 UUIDs, 4 PARTUUIDs, PTUUID, machine-id, 2 host keys" \
		none_kept "$D/template.ids" "$D/ids1"
	check "$arch: machine-id is a fresh v4 id" \
		grep -qE '^machine-id [0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$' "$D/ids1"
	check "$arch: the guest saw the machine-id the host reads" \
		test "machine-id $(identity_section "$D/log1" machine-id)" = "$(grep '^machine-id ' "$D/ids1")"
	check "$arch: the guest mounted the resealed ESP by its new UUID (fstab)" esp_mounted "$D/log1"
	check "$arch: new host keys are valid and match their .pub" ro_root "$D/c.img" hostkeys_valid
	new_root=$(read -r off size <<EOF2
$(part_geom "$D/c.img" 2)
EOF2
		blkid -p -o value -s UUID -O "$off" -S "$size" "$D/c.img")
	check "$arch: marker gone, status written, fstab names the new root" \
		ro_root "$D/c.img" resealed_root "$new_root"
	check "$arch: every filesystem and the GPT check clean" fsck_all "$D/c.img"

	# Second boot, by the new root UUID: nothing changes.
	"$QEMU_DIR/boot.sh" "$D/c.img" "$D/initrd.gz" "$D/log2" --root "UUID=$new_root" --timeout 240 --append "$APPEND" >/dev/null 2>&1
	check "$arch: second boot by root=UUID=<new> hands over" booted "$D/log2"
	check "$arch: second boot does not reseal" no_reseal "$D/log2"
	disk_ids "$D/c.img" >"$D/ids2"
	check "$arch: second boot leaves the identity as it was" cmp "$D/ids1" "$D/ids2"

	printf '     %s (%s): kernel start -> hand-over %.2f s on the first boot (/init at %.2f s), %.2f s on the second (/init at %.2f s)\n' \
		"$arch" "$(qemu_kver)" "$(handover "$D/log1")" "$(run_init "$D/log1")" "$(handover "$D/log2")" "$(run_init "$D/log2")"
}

start=$(date +%s)
arm_boot aarch64
arm_boot armhf
echo "     t-arm-boot: $(( $(date +%s) - start )) s"
