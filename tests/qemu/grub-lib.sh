# tests/qemu/grub-lib.sh: the real Debian 12 GRUB image
# (tests/images/debian12-grub.sh) as t-integration.sh and
# bench/integrations.sh use it.  Source after tests/lib.sh,
# tests/qemu/lib.sh and clone-lib.sh, with the image's .env sourced (KVER);
# RESEAL is the product, FAULT the fault build (hook/fault.h).
#
#   in_chroot CMD...          CMD in the image root at $T/mnt (with /proc, /sys, /dev)
#   prepare_root GEN [noalias|fault]
#                             at $T/mnt: make install, reseal seal, the
#                             refresh unit, the initramfs of GEN
#                             (initramfs-tools, dracut-systemd, dracut-shell)
#   boot_grub IMG LOG [TIMEOUT [STOP]]
#                             boot through SeaBIOS and GRUB, wait for the
#                             report, scan sshd's key, wait for the power-off
#   grubenv_set IMG [ARGS]    IMG's next boots get the kernel arguments ARGS
#                             (GRUB's environment block, written in place)
# BOOT_DIRECT="KERNEL INITRD APPEND" makes boot_grub boot that kernel and
# initramfs instead (reseal's own initramfs; APPEND may hold spaces).

FAULT=${FAULT:-${RESEAL_FAULT_BIN:-$TOP/build/reseal-fault}}

# in_chroot CMD...: CMD in the image root at $T/mnt, with /proc, /sys, /dev
in_chroot() {
	local m rc
	for m in proc sys dev; do mount --bind "/$m" "$T/mnt/$m"; done
	chroot "$T/mnt" "$@"; rc=$?
	for m in dev sys proc; do umount "$T/mnt/$m"; done
	return $rc
}

# prepare_root GEN [noalias|fault]: at $T/mnt, install reseal, seal, build
# the initramfs with GEN; it must carry reseal.  Every linux line of
# grub.cfg ends in $reseal_test_args, a GRUB variable from
# /boot/grub/grubenv (what grub-reboot uses; empty unless grubenv_set puts
# one there), so a test can give one clone's next boot more kernel
# arguments.  fault: the fault build (hook/fault.h) as /usr/sbin/reseal.
prepare_root() {
	local gen=$1 extra=''
	make -s -C "$TOP" -o build/reseal install DESTDIR="$T/mnt" PREFIX=/usr MAN_DIR="$T/man" \
		>"$T/install.out" 2>&1 || { echo "make install failed"; cat "$T/install.out"; return 1; }
	[ "${2:-}" != fault ] || install -m 0755 "$FAULT" "$T/mnt/usr/sbin/reseal" || return 1
	sed -i 's|^\(\s*linux\s.*\)$|\1 $reseal_test_args|' "$T/mnt/boot/grub/grub.cfg"
	grep -q 'linux.* \$reseal_test_args$' "$T/mnt/boot/grub/grub.cfg" || { echo "grub.cfg: no linux line"; return 1; }
	[ -s "$T/mnt/boot/grub/grubenv" ] || in_chroot grub-editenv /boot/grub/grubenv create || return 1
	"$RESEAL" seal --root "$T/mnt" >"$T/seal.out" 2>&1 || { echo "seal failed"; cat "$T/seal.out"; return 1; }
	systemctl --root="$T/mnt" enable reseal-initramfs-refresh.service >/dev/null 2>&1 || return 1
	if [ "${2:-}" = noalias ]; then
		: >"$T/mnt/tmp/empty.rules"
		extra="--include /tmp/empty.rules /etc/udev/rules.d/90-reseal-alias.rules"
	fi
	case $gen in
	initramfs-tools) set -- update-initramfs -u -k "$KVER" ;;
	dracut-systemd) set -- dracut --force $extra --kver "$KVER" ;;
	dracut-shell) set -- dracut --force --omit "systemd systemd-initrd dracut-systemd" --kver "$KVER" ;;
	esac
	in_chroot "$@" >"$T/build.out" 2>&1 || { echo "$* failed"; tail -n 20 "$T/build.out"; return 1; }
	rm -f "$T/mnt/tmp/empty.rules"
	in_chroot lsinitramfs "/boot/initrd.img-$KVER" >"$T/lsinitramfs.out" 2>&1
	grep -qx 'usr/sbin/reseal' "$T/lsinitramfs.out" || { echo "the initramfs has no usr/sbin/reseal"; return 1; }
	[ -s "$T/mnt/etc/reseal/initramfs-refresh" ] || { echo "no /etc/reseal/initramfs-refresh"; return 1; }
	echo "initramfs: $(du -k "$T/mnt/boot/initrd.img-$KVER" | cut -f1) KiB, refresh flag: $(cat "$T/mnt/etc/reseal/initramfs-refresh")"
}

# boot_grub IMG LOG [TIMEOUT [STOP]]: boot IMG through SeaBIOS and GRUB; once
# the report is out, scan sshd's ed25519 key through the forwarded port into
# LOG.keyscan while the guest holds (REPORT_HOLD), then wait for it to
# power itself off.  Returns 1 when no report came within TIMEOUT (default
# 900 s), or when the console showed the extended regex STOP first (the
# guest is stopped at once then: a boot that failed need not be waited for).
boot_grub() {
	local img=$1 log=$2 to=${3:-900} stop=${4:-} port i rc=0 k a
	local -a direct=()
	if [ -n "${BOOT_DIRECT:-}" ]; then
		read -r k i a <<<"$BOOT_DIRECT"
		direct=(-kernel "$k" -initrd "$i" -append "$a")
	fi
	port=$(free_port)
	rm -f "$log.keyscan"
	qemu-system-x86_64 -accel tcg -m 1024 -display none -no-reboot \
		-serial "file:$log" -drive "file=$img,format=raw,if=virtio" "${direct[@]}" \
		-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22" \
		</dev/null >"$log.qemu" 2>&1 &
	QEMU_PID=$!
	wait_log "$log" "^==IDENTITY-END==${stop:+|$stop}" "$to" 2>>"$log.qemu" || rc=1
	grep -aq '^==IDENTITY-END==' "$log" || rc=1
	if [ $rc = 0 ]; then
		for i in 1 2 3 4 5; do
			ssh-keyscan -T 10 -t ed25519 -p "$port" 127.0.0.1 2>/dev/null | grep -v '^#' >"$log.keyscan" &&
				[ -s "$log.keyscan" ] && break
			sleep 2
		done
	fi
	for i in $(seq 1 $(( rc == 0 ? 120 : 0 ))); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
	if kill -0 "$QEMU_PID" 2>/dev/null; then
		echo "no report or no power-off in 120 s: stopped" >>"$log.qemu"
		qemu_stop
	fi
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=''
	return $rc
}

# grubenv_set IMG [ARGS]: IMG's next boots get the kernel arguments ARGS
# (reseal_test_args=ARGS alone in IMG's /boot/grub/grubenv, written in
# place over the file's one block as GRUB's own save_env does: no mount,
# the filesystem may be in a crashed state)
grubenv_set() {
	local img=$1 off size dev blk bs
	read -r off size <<EOF2
$(part_geom "$img" 2)
EOF2
	dev=$(losetup -f --show -r --offset "$off" --sizelimit "$size" "$img") || return 1
	blk=$(debugfs -c -R 'bmap /boot/grub/grubenv 0' "$dev" 2>/dev/null)
	bs=$(dumpe2fs -h "$dev" 2>/dev/null | sed -n 's/^Block size: *//p')
	losetup -d "$dev"
	[ -n "$blk" ] && [ "$blk" -gt 0 ] && [ -n "$bs" ] || { echo "grubenv: no data block"; return 1; }
	{ echo '# GRUB Environment Block'; [ -z "${2:-}" ] || echo "reseal_test_args=$2"; } >"$T/grubenv"
	head -c $(( 1024 - $(stat -c %s "$T/grubenv") )) /dev/zero | tr '\0' '#' >>"$T/grubenv"
	dd if="$T/grubenv" of="$img" bs=1024 seek=$(( (off + blk * bs) / 1024 )) conv=notrunc status=none
}
