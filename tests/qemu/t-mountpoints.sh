# t-mountpoints.sh: the boot-time reseal's writes to FAT and the mount
# points it resolves inside the image (docs/boot.md §8.1, §8.2).  Two boots
# of the sealed golden image (mkgolden.sh), each ~1 min under TCG:
#
# 1. FAT files: a BLS entry on the ESP longer than one sector (3 KiB, the
#    root's PARTUUID near its end) must be replaced by a complete new copy
#    (new clusters, read with mshowfat before and after), never rewritten
#    in place where a power cut could tear it; the one-sector entry
#    (debian.conf) is still rewritten in place (same clusters).
# 2. A hostile image: /boot -> / and /efi -> /../../run, with fstab mounting
#    the ESP on both (noauto, so the booted system leaves them alone).
#    /boot resolves to the new root itself: refused, left unmounted.  /efi
#    resolves inside the image to its /run (not the initramfs's /run): the
#    ESP is mounted there and resealed.  The boot reaches init.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

if ! qemu_ready; then
	fail "qemu environment" "QEMU, busybox or the cloud kernel is missing: run toolchain/qemu-deps.sh"
	exit 1
fi
export MTOOLS_SKIP_CHECK=1

INITRD=$T/initrd.gz
build_initramfs "$INITRD" "$RESEAL" >/dev/null 2>&1
"$QEMU_DIR/mkgolden.sh" "$T/golden.img" >/dev/null 2>&1
. "$T/golden.img.env"
check "sealed golden image" with_root "$T/golden.img" "$RESEAL" seal --root "$T/mnt"

esp() { echo "$1@@$(part_geom "$1" 1 | cut -d' ' -f1)"; }
clusters() { mshowfat -i "$(esp "$1")" "::/$2" | sed 's/^[^<]*//'; }
esp_cat() { mtype -i "$(esp "$1")" "::/$2"; }

# --- 1. a multi-sector FAT file is replaced, a one-sector one overwritten ---
img=$T/fat.img
cp --sparse=always "$T/golden.img" "$img"
{
	echo "title   Debian GNU/Linux (big entry)"
	i=0
	while [ $i -lt 40 ]; do
		echo "# padding line $i: this entry spans several 512-byte sectors of the ESP"
		i=$((i + 1))
	done
	echo "linux   /vmlinuz"
	echo "options root=PARTUUID=$ROOT_PARTUUID ro quiet"
} >"$T/big.conf"
mcopy -i "$(esp "$img")" "$T/big.conf" ::/loader/entries/big.conf
size=$(stat -c %s "$T/big.conf")
small=$(esp_cat "$img" loader/entries/debian.conf | wc -c)
big0=$(clusters "$img" loader/entries/big.conf)
small0=$(clusters "$img" loader/entries/debian.conf)
check "the big entry spans sectors ($size bytes), the small one does not ($small)" \
	sh -c "[ $size -gt 1024 ] && [ $small -le 512 ]"
"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/fat.log" --root "UUID=$ROOT_UUID" --timeout 240 >/dev/null 2>&1
check "boot 1 resealed and reached init" sh -c \
	"grep -aq 'reseal: info: resealed' '$T/fat.log' && grep -aq '==IDENTITY-END==' '$T/fat.log'"
esp_cat "$img" loader/entries/big.conf >"$T/big.after"
esp_cat "$img" loader/entries/debian.conf >"$T/small.after"
check "the big entry names a new PARTUUID, whole" sh -c \
	"! grep -q '$ROOT_PARTUUID' '$T/big.after' && grep -q 'root=PARTUUID=' '$T/big.after' &&
	 [ \$(wc -c <'$T/big.after') -eq $size ] && grep -q 'padding line 39' '$T/big.after'"
check "the small entry names a new PARTUUID" sh -c \
	"! grep -q '$ROOT_PARTUUID' '$T/small.after' && grep -q 'root=PARTUUID=' '$T/small.after'"
big1=$(clusters "$img" loader/entries/big.conf)
small1=$(clusters "$img" loader/entries/debian.conf)
check "the multi-sector entry is a complete new copy (clusters $big0 -> $big1)" \
	test "$big0" != "$big1"
check "the one-sector entry is rewritten in place (clusters $small0 -> $small1)" \
	test "$small0" = "$small1"
part_extract "$img" 1 "$T/esp1.img"
check "the ESP checks clean" fsck_fat "$T/esp1.img"

# --- 2. /boot -> / and /efi -> /../../run ------------------------------------
img=$T/hostile.img
cp --sparse=always "$T/golden.img" "$img"
hostile() {
	local m=$T/mnt
	mv "$m/boot/grub" "$m/grub" && rmdir "$m/boot/efi" "$m/boot" && ln -s / "$m/boot" &&
		ln -s /../../run "$m/efi" &&
		sed -i "s|^UUID=$ESP_UUID .*|UUID=$ESP_UUID /boot vfat noauto 0 0\nUUID=$ESP_UUID /efi vfat noauto 0 0|" \
			"$m/etc/fstab" &&
		grep -q ' /efi ' "$m/etc/fstab"
}
check "hostile image: /boot -> /, /efi -> /../../run, the ESP on both" with_root "$img" hostile
"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/hostile.log" --root "UUID=$ROOT_UUID" --timeout 240 >/dev/null 2>&1
check "boot 2 refused /boot (the new root itself), left it unmounted" grep -aq \
	'not mounting /dev/vda1 on /boot: it resolves to the root itself or to a mount point' "$T/hostile.log"
check "boot 2 resealed and reached init" sh -c \
	"grep -aq 'reseal: info: resealed' '$T/hostile.log' && grep -aq '==IDENTITY-END==' '$T/hostile.log'"
check "boot 2: the ESP was mounted where /efi resolves in the image, and resealed" sh -c \
	"esp_cat() { mtype -i '$(esp "$img")' \"::/\$1\"; }
	 ! esp_cat loader/entries/debian.conf | grep -q '$ROOT_PARTUUID' &&
	 esp_cat loader/entries/debian.conf | grep -q 'root=PARTUUID=' &&
	 ! esp_cat EFI/debian/grub.cfg | grep -q '$ROOT_UUID'"
identity_section "$T/hostile.log" mounts >"$T/hostile.mounts"
check "boot 2: the booted system has its root mounted and the ESP nowhere" sh -c \
	"grep -q '^/dev/vda2 / ' '$T/hostile.mounts' && ! grep -q '^/dev/vda1 ' '$T/hostile.mounts'"
part_extract "$img" 1 "$T/esp2.img"
check "boot 2: the ESP checks clean" fsck_fat "$T/esp2.img"
# What reseal said about the mounts, for the record.
tr -d '\r' <"$T/hostile.log" | grep -a 'reseal: \(warning\|error\|info: resealed\)' | sed 's/^/   boot 2: /'
