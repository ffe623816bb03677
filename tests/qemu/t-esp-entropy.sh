# t-esp-entropy.sh: two first-boot facts of a clone under QEMU.
#  1. The ESP's partition GUID (docs/formats.md §11.2): a clone whose ESP has
#     no removable-media loader gets a new ESP PARTUUID when it boots
#     through BIOS (SeaBIOS, no firmware boot entries), and through UEFI
#     (OVMF) when no Boot#### variable names the ESP (OVMF's own entries
#     name devices, not HD() partition GUIDs); efivarfs must be read for that.
#  2. Entropy (docs/boot.md §10): under TCG's qemu64 CPU (no RDRAND) reseal
#     waits for the kernel CRNG and says so; with a virtio-rng device there
#     is no wait.  Both reseal completely.  The repeated "still waiting"
#     message needs a wait of 2 s or more, longer than the kernel's own
#     entropy gathering takes here: tests/unit/test_rng.c shows it.
# Cost: about 60 s (golden image 8 s, two BIOS boots 10 s each, one UEFI
# boot 25 s).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
if ! qemu_ready || [ ! -r "$OVMF_CODE" ] || [ ! -r "$OVMF_VARS" ]; then
	fail "qemu environment" "QEMU, busybox, the cloud kernel or OVMF is missing: run toolchain/qemu-deps.sh"
	exit 1
fi

WAIT_MSG='reseal: info: waiting for the kernel random number generator'

# part_uuid LOG DEV: the PARTUUID blkid showed for DEV in the guest
part_uuid() { identity_section "$1" blkid | sed -n "s|^$2: .* PARTUUID=\"\([^\"]*\)\".*|\1|p"; }
# resealed LOG: the reseal finished and the guest printed its identity
resealed() { grep -aq 'reseal: info: resealed' "$1" && grep -aq '==IDENTITY-END==' "$1"; }
# esp_changed LOG: vda1's PARTUUID is a GUID other than the template's
esp_changed() {
	local p
	p=$(part_uuid "$1" /dev/vda1)
	echo "ESP PARTUUID: template $ESP_PARTUUID, clone ${p:-none}"
	[ -n "$p" ] && [ "$p" != "$ESP_PARTUUID" ]
}
# esp_changed_again LOG OTHERLOG: changed, and not to OTHERLOG's value
esp_changed_again() { esp_changed "$1" && [ "$(part_uuid "$1" /dev/vda1)" != "$(part_uuid "$2" /dev/vda1)" ]; }
waited() { grep -aq "$WAIT_MSG" "$1" && grep -aq 'reseal: info: the kernel CRNG is ready after ' "$1"; }

# --- set-up: a sealed golden image whose ESP has no EFI/BOOT/BOOTX64.EFI -----------
INITRD=$T/initrd.gz INITRD_EFI=$T/initrd-efi.gz
QEMU_MODULES="$QEMU_MODULES virtio_rng" build_initramfs "$INITRD" "$RESEAL" >"$T/initrd.out" 2>&1
QEMU_MODULES="$QEMU_MODULES virtio_rng efivarfs" build_initramfs "$INITRD_EFI" "$RESEAL" >>"$T/initrd.out" 2>&1
check "initramfs images (virtio_rng; and efivarfs for UEFI) build" test -s "$INITRD" -a -s "$INITRD_EFI"
"$QEMU_DIR/mkgolden.sh" "$T/golden.img" --reseal "$RESEAL" >"$T/mkgolden.out" 2>&1
check "golden image builds" test -s "$T/golden.img.env"
. "$T/golden.img.env"
check "seal the golden image" with_root "$T/golden.img" "$RESEAL" seal --root "$T/mnt"
read -r esp_off _ <<EOF
$(part_geom "$T/golden.img" 1)
EOF
export MTOOLS_SKIP_CHECK=1
check "remove the ESP's removable-media loader EFI/BOOT/BOOTX64.EFI" \
	mdel -i "$T/golden.img@@$esp_off" ::/EFI/BOOT/BOOTX64.EFI
check_fails "the ESP has no EFI/BOOT/BOOTX64.EFI now" mdir -i "$T/golden.img@@$esp_off" ::/EFI/BOOT/BOOTX64.EFI

# --- BIOS, no virtio-rng: the CRNG wait is logged; the ESP's GUID changes ---------------
cp --sparse=always "$T/golden.img" "$T/bios.img"
"$QEMU_DIR/boot.sh" "$T/bios.img" "$INITRD" "$T/bios.log" --root "UUID=$ROOT_UUID" --timeout 200 >/dev/null 2>&1
check "BIOS: the clone reseals and boots" resealed "$T/bios.log"
check_fails "BIOS: the kernel saw no EFI firmware" grep -aq 'efi: EFI v' "$T/bios.log"
check "BIOS: the ESP's PARTUUID changes although it has no removable-media loader" \
	esp_changed "$T/bios.log"
check "BIOS: the log says a later UEFI boot needs that loader or a boot entry" \
	grep -aq "reseal: info: the ESP has no removable-media loader .* it needs that loader or a new boot entry" "$T/bios.log"
gpt_clean() { sgdisk -v "$1" | grep -q 'No problems found'; }
check "BIOS: the GPT checks clean" gpt_clean "$T/bios.img"
check "no virtio-rng, qemu64 CPU (no RDRAND): reseal waits for the CRNG and says so, then how long" \
	waited "$T/bios.log"

# --- BIOS with virtio-rng: no wait ---------------------------------------------------
cp --sparse=always "$T/golden.img" "$T/rng.img"
"$QEMU_DIR/boot.sh" "$T/rng.img" "$INITRD" "$T/rng.log" --root "UUID=$ROOT_UUID" --timeout 200 \
	--virtio-rng >/dev/null 2>&1
check "virtio-rng: the clone reseals and boots" resealed "$T/rng.log"
check_fails "virtio-rng: no wait for the CRNG" grep -aq -e "$WAIT_MSG" -e 'still waiting for the kernel CRNG' "$T/rng.log"
check "virtio-rng: the ESP's PARTUUID changes too, to another value than the first clone's" \
	esp_changed_again "$T/rng.log" "$T/bios.log"

# --- UEFI (OVMF): efivarfs is read; no Boot#### names the ESP, so it changes ------------
cp --sparse=always "$T/golden.img" "$T/uefi.img"
cp "$OVMF_VARS" "$T/vars.fd"
"$QEMU_DIR/boot.sh" "$T/uefi.img" "$INITRD_EFI" "$T/uefi.log" --root "UUID=$ROOT_UUID" --timeout 300 \
	--virtio-rng --qemu "-drive if=pflash,format=raw,readonly=on,file=$OVMF_CODE -drive if=pflash,format=raw,file=$T/vars.fd" \
	>/dev/null 2>&1
check "UEFI: the kernel booted through OVMF" grep -aq 'efi: EFI v' "$T/uefi.log"
check "UEFI: the clone reseals and boots" resealed "$T/uefi.log"
check "UEFI: the boot entries were read and none names the ESP: its PARTUUID changes" \
	grep -aq "reseal: info: the ESP's PARTUUID $ESP_PARTUUID changes: no firmware boot entry names it" "$T/uefi.log"
check "UEFI: the ESP's PARTUUID is a new one" esp_changed "$T/uefi.log"
