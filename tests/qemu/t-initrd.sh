# t-initrd.sh: `reseal initrd`, the whole boot-time reseal as one step of
# another initramfs (docs/boot.md §16).  The host initramfs here is
# busybox-init.sh (it finds root=, runs `reseal initrd --device DEV` with
# /usr/sbin/reseal in the image, mounts the node that prints and
# switch_roots): the distribution generators themselves are issue 7's
# Debian-image tests.  Checked: a clone converges as in PID-1 mode (the
# same journaled code path) and every checker is clean; a second boot
# changes nothing; reseal=off and a hibernation image leave the disk
# byte-identical (init=/sbin/poweroff -f: nothing but the initramfs runs).
# Cost: four boots, ~100 s.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

if ! qemu_ready || [ ! -x "$RESEAL" ]; then
	fail "initrd environment" "needs QEMU (toolchain/qemu-deps.sh) and $RESEAL"
	exit 1
fi
INITRD=$T/host-initrd.gz
build_initramfs "$INITRD" busybox --extra "$RESEAL":/usr/sbin/reseal >/dev/null 2>&1 ||
	{ fail "host initramfs with reseal"; exit 1; }
"$QEMU_DIR/mkgolden.sh" "$T/golden.img" >/dev/null 2>&1
. "$T/golden.img.env"
check "sealed golden image" with_root "$T/golden.img" "$RESEAL" seal --root "$T/mnt"

# 1. A clone's first boot through the host initramfs.
img=$T/clone.img
cp --sparse=always "$T/golden.img" "$img"
"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/b1.log" --root "UUID=$ROOT_UUID" --timeout 180 >/dev/null 2>&1
check "reseal initrd ran between finding and mounting the root" \
	grep -q 'busybox-init: reseal initrd: the root is /dev/vda2' "$T/b1.log"
check "it resealed the clone" grep -q 'reseal: info: resealed: ' "$T/b1.log"
check "the host's boot went on to the image's init" grep -q 'busybox-init: switch_root' "$T/b1.log"
check "one consistent new identity" consistent "$T/b1.log"
check "every checker clean" fsck_all "$img"
check "nothing of the template's identity is left" sh -c '! comm -12 "$0" "$1" | grep .' \
	"$T/b1.log.ids" <(template_ids "$T/golden.img.env")

# 2. The second boot, root= as the clone's grub.cfg now says.
root=$(root_from_grub "$img")
"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/b2.log" --root "$root" --timeout 180 >/dev/null 2>&1
ids "$T/b2.log" >"$T/b2.ids"
check "second boot ($root): nothing to do" sh -c '! grep -q "reseal: info: resealed" "$0" &&
	grep -q "no template marker: nothing to do" "$0"' "$T/b2.log"
check "second boot: the same identity" cmp "$T/b1.log.ids" "$T/b2.ids"

# 3. reseal=off, and 4. a hibernation image on the swap: not one byte written.
untouched_boot() {
	local img=$1 log=$2
	shift 2
	sum=$(sha256sum "$img" | cut -d' ' -f1)
	"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$log" --root "UUID=$ROOT_UUID" --timeout 180 \
		--append "init=/sbin/poweroff -f $*" >/dev/null 2>&1
	[ "$sum" = "$(sha256sum "$img" | cut -d' ' -f1)" ]
}
img=$T/off.img
cp --sparse=always "$T/golden.img" "$img"
check "reseal=off: the disk is byte-identical" untouched_boot "$img" "$T/off.log" reseal=off
check "reseal=off: said so, and the host went on" sh -c 'grep -q "reseal=off" "$0" &&
	grep -q "busybox-init: reseal initrd: the root is" "$0"' "$T/off.log"
img=$T/hib.img
cp --sparse=always "$T/golden.img" "$img"
# swsuspend's signature where the swap header's is (the page's last 10 bytes)
off=$(( $(part_geom "$img" 4 | cut -d' ' -f1) + 4086 ))
printf 'S1SUSPEND\0' | dd of="$img" bs=1 seek=$off conv=notrunc status=none
check "hibernation image: the disk is byte-identical" untouched_boot "$img" "$T/hib.log"
check "hibernation image: said so" grep -q 'holds a hibernation image: no reseal on this boot' "$T/hib.log"
