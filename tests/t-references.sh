# t-references.sh: `reseal references` on a root holding every file of
# docs/formats.md §10.2.  Oracle: the same tree edited with
# sed; after the run the trees must be identical, modes and owners kept, and
# every rewritten file must be a new inode (atomic replacement).
. "$(dirname "$0")/lib.sh"

ROOTU=3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04   NEWROOTU=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
SRVU=77e2b1c4-5a6d-4e8f-a0b1-c2d3e4f5a6b7    NEWSRVU=d0d0d0d0-1111-4222-8333-444455556666
SWAPU=c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f   NEWSWAPU=5ca1ab1e-0000-4000-8000-00000000beef
ESP=1A2B-3C4D                                NEWESP=9F8E-7D6C
PARTU=e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9   NEWPARTU=12121212-3434-4565-8787-909090909090
MBR=0badcafe                                 NEWMBR=feedf00d
OTHER=99999999-8888-4777-a666-555555555555   # not changed: must survive

R=$T/root
mkdir -p "$R"/etc/default "$R"/etc/kernel "$R"/etc/initramfs-tools/conf.d "$R"/boot/grub \
	"$R"/boot/loader/entries "$R"/boot/efi/EFI/debian "$R"/boot/efi/EFI/BOOT "$R"/boot/extlinux \
	"$R"/boot/firmware "$R"/etc/systemd/system/swap.target.wants "$R"/etc/default/grub.d \
	"$R"/etc/dracut.conf.d

cat >"$R/etc/fstab" <<EOF2
# /etc/fstab: static file system information.
UUID=$ROOTU  /          ext4  errors=remount-ro 0 1
UUID=${SRVU^^} /srv     xfs   defaults          0 2
UUID=$ESP    /boot/efi  vfat  umask=0077        0 1
PARTUUID=$PARTU none    swap  sw                0 0
PARTUUID=$MBR-05 /data  ext4  defaults          0 2
UUID=$OTHER  /other     ext4  defaults          0 2
/dev/disk/by-uuid/$SWAPU none swap sw 0 0
EOF2
printf 'cryptdata UUID=%s none luks\n' "$SRVU" >"$R/etc/crypttab"
chmod 0600 "$R/etc/crypttab"
printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet resume=UUID=%s"\nGRUB_CMDLINE_LINUX=""\n' "$SWAPU" >"$R/etc/default/grub"
printf 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX root=PARTUUID=%s"\n' "$PARTU" >"$R/etc/default/grub.d/50-cloud.cfg"
printf 'root=UUID=%s ro quiet\n' "$ROOTU" >"$R/etc/kernel/cmdline"
printf 'RESUME=UUID=%s\n' "$SWAPU" >"$R/etc/initramfs-tools/conf.d/resume"
printf 'kernel_cmdline="root=UUID=%s resume=UUID=%s"\n' "$ROOTU" "$SWAPU" >"$R/etc/dracut.conf.d/90-root.conf"
cat >"$R/boot/grub/grub.cfg" <<EOF2
search --no-floppy --fs-uuid --set=root $ROOTU
menuentry 'Debian GNU/Linux' --class debian \$menuentry_id_option 'gnulinux-simple-$ROOTU' {
	search --no-floppy --fs-uuid --set=root $ROOTU
	linux	/boot/vmlinuz root=UUID=$ROOTU ro resume=UUID=$SWAPU quiet
}
EOF2
chmod 0444 "$R/boot/grub/grub.cfg"
printf 'title Debian\nlinux /vmlinuz\noptions root=PARTUUID=%s rw\n' "$PARTU" >"$R/boot/loader/entries/abc-6.1.conf"
for d in debian BOOT; do
	printf "search.fs_uuid %s root hd0,gpt2\nset prefix=(\$root)'/boot/grub'\nconfigfile \$prefix/grub.cfg\n" \
		"$ROOTU" >"$R/boot/efi/EFI/$d/grub.cfg"
done
printf 'console=serial0,115200 root=PARTUUID=%s-02 rootfstype=ext4 fsck.repair=yes rootwait\n' "$MBR" \
	>"$R/boot/firmware/cmdline.txt"
printf 'LABEL linux\n  KERNEL /vmlinuz\n  APPEND root=UUID=%s ro\n' "$ROOTU" >"$R/boot/extlinux/extlinux.conf"
ESC_OLD=$(echo "$SWAPU" | sed 's/-/\\x2d/g'); ESC_NEW=$(echo "$NEWSWAPU" | sed 's/-/\\x2d/g')
UNIT="dev-disk-by\\x2duuid-$ESC_OLD.swap"
printf '[Swap]\nWhat=/dev/disk/by-uuid/%s\n' "$SWAPU" >"$R/etc/systemd/system/$UNIT"
ln -s "/etc/systemd/system/$UNIT" "$R/etc/systemd/system/swap.target.wants/$UNIT"
printf '[Mount]\nWhat=UUID=%s\nWhere=/srv\n' "$SRVU" >"$R/etc/systemd/system/srv.mount"
echo "untouched $ROOTU" >"$R/etc/motd"     # not a reference file: must not change
chown 1234:5678 "$R/etc/default/grub"

# The oracle: the same edits made with sed.
cp -a "$R" "$T/expect"
E=$T/expect
sedall() {
	find "$E" -type f ! -path '*/motd' -print0 | xargs -0 sed -i \
		-e "s/$ROOTU/$NEWROOTU/g" -e "s/${SRVU^^}/${NEWSRVU^^}/g" -e "s/$SRVU/$NEWSRVU/g" \
		-e "s/$ESP/$NEWESP/g" -e "s/$PARTU/$NEWPARTU/g" -e "s/$MBR-0/$NEWMBR-0/g" \
		-e "s/$SWAPU/$NEWSWAPU/g" -e "s/$ESC_OLD/$ESC_NEW/g"
}
sedall
mv "$E/etc/systemd/system/$UNIT" "$E/etc/systemd/system/dev-disk-by\\x2duuid-$ESC_NEW.swap"
rm "$E/etc/systemd/system/swap.target.wants/$UNIT"
ln -s "/etc/systemd/system/dev-disk-by\\x2duuid-$ESC_NEW.swap" \
	"$E/etc/systemd/system/swap.target.wants/dev-disk-by\\x2duuid-$ESC_NEW.swap"

ino_before=$(stat -c %i "$R/etc/fstab")
before=$(tree_sum "$R")
ARGS="$ROOTU=$NEWROOTU $SRVU=$NEWSRVU $ESP=$NEWESP $PARTU=$NEWPARTU $MBR=$NEWMBR $SWAPU=$NEWSWAPU"
# shellcheck disable=SC2086
"$RESEAL" references --root "$R" --dry-run $ARGS >"$T/dry.out" 2>&1
check "dry run lists fstab and the unit rename" sh -c \
	"grep -q 'would write /etc/fstab' '$T/dry.out' && grep -q 'would rename' '$T/dry.out'"
check "dry run wrote nothing" test "$before" = "$(tree_sum "$R")"
# shellcheck disable=SC2086
check "references run exits 0" "$RESEAL_ASAN" references --root "$R" $ARGS
check "result equals the sed oracle (content, names, link targets)" diff -r --no-dereference "$E" "$R"
check "modes and owners kept (0600 crypttab, 0444 grub.cfg, 1234:5678 default/grub)" sh -c \
	"[ \$(stat -c %a '$R/etc/crypttab') = 600 ] && [ \$(stat -c %a '$R/boot/grub/grub.cfg') = 444 ] &&
	 [ \$(stat -c %u:%g '$R/etc/default/grub') = 1234:5678 ]"
check "fstab replaced atomically (new inode)" test "$ino_before" != "$(stat -c %i "$R/etc/fstab")"
check "no old value left in any reference file" sh -c \
	"! grep -rIl -e '$ROOTU' -e '$SWAPU' -e '$PARTU' -e '$ESP' -e '$MBR-0' '$R' | grep -v motd"
check "unchanged UUID survives" grep -q "$OTHER" "$R/etc/fstab"
check "a file outside the list is untouched" grep -q "untouched $ROOTU" "$R/etc/motd"
check "no temporary files left" sh -c "! find '$R' -name '*.reseal*' | grep -q ."
# shellcheck disable=SC2086
"$RESEAL" references --root "$R" $ARGS >/dev/null 2>&1
check "a second run finds nothing left to change" diff -r --no-dereference "$E" "$R"
check_fails "bad pair is refused" "$RESEAL" references --root "$R" "$ROOTU=ABCD-1234"
