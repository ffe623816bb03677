# t-debian.sh: a real Debian 12 systemd image (tests/images/debian12.sh:
# debootstrap, GPT with ESP, ext4 root, XFS /srv by PARTUUID, swap, OpenSSH
# host keys of three types) is sealed with `reseal seal`, cloned and booted
# under QEMU with reseal as /init of the initramfs, then systemd.  Checks:
# reseal ran; systemd reached "running" (a degraded boot fails and names its
# failed units); machine-id, host keys, PTUUID and the root, /srv and swap
# UUIDs and PARTUUIDs all differ from the template, the ESP's too (a BIOS
# boot); the clone's host keys are of the template's three types (Debian's
# openssh-server makes rsa, ecdsa and ed25519); /srv (XFS), /boot/efi and
# swap are active under their new identifiers; a second boot by the new root
# UUID shows the same identity without a second reseal.  No virtio-rng: the
# clone gathers its own entropy, as a VM without one does (docs/boot.md).
# About 2-3 minutes with a warm image cache (two systemd boots under TCG).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

if ! qemu_ready || ! command -v debootstrap >/dev/null; then
	fail "qemu environment" "QEMU, the cloud kernel or debootstrap is missing: run toolchain/qemu-deps.sh"
	exit 1
fi

. "$TOP/tests/qemu/debian-lib.sh"

all_active() { mounted_as "$1" /srv xfs && mounted_as "$1" /boot/efi vfat && swap_on "$1"; }
no_second_reseal() {
	! grep -aq 'reseal: info: resealed' "$1" && ! identity_section "$1" reseal-dir | grep -qx template
}

start=$(date +%s)
case " $QEMU_MODULES " in *" virtio_rng "*) ;; *) QEMU_MODULES="$QEMU_MODULES virtio_rng" ;; esac
build_initramfs "$T/initrd.gz" "$RESEAL" >"$T/initrd.out" 2>&1
INITRD=$T/initrd.gz
check "initramfs with reseal as /init builds" test -s "$INITRD"
"$TOP/tests/images/debian12.sh" "$T/tpl.img" >"$T/image.out" 2>&1
check "Debian 12 image (debootstrap; cached under /var/tmp/reseal-cache)" test -s "$T/tpl.img.env"
cat "$T/image.out"
. "$T/tpl.img.env"
TPL_ENV=$T/tpl.img.env
check "reseal seal on the template's root" with_root "$T/tpl.img" "$RESEAL" seal --root "$T/mnt"
cp --sparse=always "$T/tpl.img" "$T/c.img"
rm -f "$T/tpl.img"

# --- first boot: reseal, then systemd ------------------------------------------
"$QEMU_DIR/boot.sh" "$T/c.img" "$INITRD" "$T/log1" --root "UUID=$ROOT_UUID" --append ro --timeout 300 \
	>"$T/boot1.out" 2>&1
check "first boot: powered off after the report" grep -q '==IDENTITY-END==' "$T/log1"
check "first boot: reseal ran (log says resealed)" grep -aq 'reseal: info: resealed' "$T/log1"
check "first boot: systemd is running, no failed unit" state_running "$T/log1"
check "first boot: machine-id is a new v4 id" sh -c "test \"\$1\" != '$MACHINE_ID' &&
	echo \"\$1\" | grep -qE '^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\$'" _ \
	"$(identity_section "$T/log1" machine-id)"
check "first boot: host keys exist, none is the template's" keys_new "$T/log1"
check "first boot: host keys of exactly the template's types (rsa ecdsa ed25519)" same_key_types "$T/log1"
# Booted through SeaBIOS: no firmware entry can name the ESP, whose
# PARTUUID then changes like any other (docs/formats.md §11.2).
check "first boot: the ESP's PARTUUID differs (BIOS boot)" differs "$T/log1" /dev/vda1 PARTUUID "$ESP_PARTUUID"
check "first boot: the ESP's UUID (vfat serial) differs" differs "$T/log1" /dev/vda1 UUID "$ESP_UUID"
check "first boot: sshd is active" test "$(identity_section "$T/log1" sshd)" = active
check "first boot: disk GUID (PTUUID) differs" differs "$T/log1" /dev/vda PTUUID "$DISK_GUID"
for p in "2 ROOT" "3 SRV" "4 SWAP"; do
	set -- $p
	u=${2}_UUID pu=${2}_PARTUUID
	check "first boot: vda$1 UUID differs" differs "$T/log1" "/dev/vda$1" UUID "${!u}"
	check "first boot: vda$1 PARTUUID differs" differs "$T/log1" "/dev/vda$1" PARTUUID "${!pu}"
done
check "first boot: fstab names exactly the 4 identifiers on the disk" fstab_ok "$T/log1"
check "first boot: /srv (XFS by PARTUUID) is mounted" mounted_as "$T/log1" /srv xfs
check "first boot: /boot/efi (vfat) is mounted" mounted_as "$T/log1" /boot/efi vfat
check "first boot: swap is on" swap_on "$T/log1"
ids "$T/log1" >"$T/ids1"

# --- second boot by the new root UUID ----------------------------------------------
new_root=$(field "$T/log1" /dev/vda2 UUID)
"$QEMU_DIR/boot.sh" "$T/c.img" "$INITRD" "$T/log2" --root "UUID=${new_root:-none}" --append ro --timeout 300 \
	>"$T/boot2.out" 2>&1
check "second boot: powered off after the report" grep -q '==IDENTITY-END==' "$T/log2"
check "second boot: no second reseal" no_second_reseal "$T/log2"
check "second boot: systemd is running, no failed unit" state_running "$T/log2"
ids "$T/log2" >"$T/ids2"
check "second boot: the same identity (machine-id, host keys, UUIDs, PARTUUIDs)" cmp "$T/ids1" "$T/ids2"
check "second boot: /srv, /boot/efi and swap active" all_active "$T/log2"
# Facts, not asserted here: what a Debian user sees.
echo "hostname: $(identity_section "$T/log1" hostname); CRNG: $(tr -d '\r' <"$T/log1" | grep -a -m1 -o 'reseal: info: the kernel CRNG is ready.*' || echo 'no wait')"
for n in 1 2; do
	echo "boot $n: hand-over at $(tr -d '\r' <"$T/log$n" | sed -n 's/^\[ *\([0-9.]*\)\] reseal: info: handing over.*/\1/p' | head -n 1) s," \
		"systemd running at $(identity_section "$T/log$n" uptime) s (kernel clock)"
done
echo "t-debian: $(( $(date +%s) - start )) s"
