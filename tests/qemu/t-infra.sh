# t-infra.sh: the QEMU boot-test infrastructure works end to end,
# independently of reseal's boot mode: initramfs/build.sh output is
# reproducible and lists modules dependencies first; mkgolden.sh builds the
# golden disk; with the busybox scaffold as /init (tests/qemu/busybox-init.sh)
# the Debian cloud kernel boots it under TCG, the golden init mounts the fstab
# filesystems (XFS /srv, vfat ESP, swap by PARTUUID=), prints the identity
# block, and sshd answers through the forwarded port with strict host key
# checking against the key the guest printed; the guest then powers off
# cleanly and the root filesystem checks clean.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"

if ! qemu_ready; then
	fail "qemu environment" "QEMU, busybox or the cloud kernel is missing: run toolchain/qemu-deps.sh"
	exit 1
fi
KVER=$(qemu_kver)

# --- initramfs/build.sh -------------------------------------------------------
"$TOP/initramfs/build.sh" --list --kver "$KVER" --modules "$QEMU_MODULES ext4" >"$T/list" 2>&1
check "build.sh --list resolves the module set" test -s "$T/list"
order_ok() {   # every module after its modules.dep dependencies
	awk -v dep="/lib/modules/$KVER/modules.dep" '
		BEGIN { while ((getline l < dep) > 0) { split(l, a, ":"); d[a[1]] = a[2] } }
		/^#/ { next }
		{ for (i = 1; i <= split(d[$1], x, " "); i++) if (!(x[i] in seen)) { print "out of order: " $1 " before " x[i]; bad = 1 }
		  seen[$1] = 1 }
		END { exit bad }' "$T/list"
}
check "module order: dependencies first" order_ok
check "ext4 is built into the cloud kernel" grep -q '^# ext4: built in' "$T/list"
check "virtio_ring loads before virtio_pci" sh -c \
	"[ \$(grep -n 'virtio_ring.ko' '$T/list' | cut -d: -f1) -lt \$(grep -n '/virtio_pci.ko' '$T/list' | cut -d: -f1) ]"

t0=$(date +%s)
build_initramfs "$T/a.cpio.gz" busybox >"$T/build.out" 2>&1
check "initramfs builds" test -s "$T/a.cpio.gz"
# The second build skips gzip (-n -9 is deterministic by itself): same cpio?
SOURCE_DATE_EPOCH=0 build_initramfs "$T/b.cpio" busybox >/dev/null 2>&1
same_cpio() { zcat "$T/a.cpio.gz" | cmp - "$T/b.cpio"; }
check "initramfs is reproducible (two builds byte-identical)" same_cpio
zcat "$T/a.cpio.gz" | (cd "$T" && mkdir x && cd x && cpio -id --quiet 2>/dev/null)
check "cpio holds /init, the API dirs and the module list" sh -c \
	"cd '$T/x' && test -x init && test -d sysroot && test -d proc && test -d lib/modules/$KVER &&
	 grep -q '^/lib/modules/$KVER/kernel/fs/xfs/xfs.ko$' etc/reseal/modules &&
	 grep -v '^#' etc/reseal/modules | while read -r m; do test -f \".\$m\" || exit 1; done"
check "cpio entries are root-owned, dated SOURCE_DATE_EPOCH" sh -c \
	"zcat '$T/a.cpio.gz' | cpio -itv --quiet 2>/dev/null | awk '\$3 != \"root\" || \$4 != \"root\" || \$0 !~ / 1970 / { bad = 1; print } END { exit bad }'"
echo "   $(cat "$T/build.out") ($(( $(date +%s) - t0 )) s for two builds)"

# --- golden image --------------------------------------------------------------
t0=$(date +%s)
"$QEMU_DIR/mkgolden.sh" "$T/golden.img" >"$T/mkgolden.out" 2>&1
check "mkgolden.sh builds the golden image" sh -c "test -s '$T/golden.img.env' && test -s '$T/golden.img.key'"
echo "   $(tail -n 1 "$T/mkgolden.out") ($(( $(date +%s) - t0 )) s)"
. "$T/golden.img.env"

# --- boot: busybox scaffold -> golden init -> sshd -------------------------------
PORT=$(free_port)
LOG=$T/boot.log
t0=$(date +%s)
boot_bg "$T/golden.img" "$T/a.cpio.gz" "$LOG" --ssh-port "$PORT" --timeout 150 --append "test.sshd=1 test.timeout=100"
if wait_log "$LOG" '^==SSHD-READY==$' 120 2>"$T/wait.err"; then
	pass "guest boots to sshd ($(( $(date +%s) - t0 )) s after QEMU start)"
else
	fail "guest boots to sshd" "$(cat "$T/wait.err")"
	clean_log "$LOG" | tail -n 30 | sed 's/^/    | /'
fi

sec() { identity_section "$LOG" "$1"; }
has() { sec "$1" | grep -q -- "$2"; }      # has SECTION REGEX
hasx() { sec "$1" | grep -qx -- "$2"; }    # hasx SECTION LINE (regex, whole line)
logx() { clean_log "$LOG" | grep -qx -- "$1"; }
idlines() { [ "$(identity "$LOG" | wc -l)" -gt 20 ]; }
check "identity block printed" idlines
check "identity: machine-id is the template's" hasx machine-id "$MACHINE_ID"
check "identity: ed25519 host key is the template's" has hostkeys "^$HOSTKEY_ED25519 "
check "identity: fstab names /srv by UUID=" has fstab "^UUID=$SRV_UUID .* /srv "
check "identity: fstab names the ESP by UUID=XXXX-XXXX" has fstab "^UUID=$ESP_UUID .* /boot/efi "
check "identity: fstab names swap by PARTUUID=" has fstab "^PARTUUID=$SWAP_PARTUUID .* swap "
check "identity: blkid sees the GPT" has blkid "^/dev/vda: PTUUID=\"$DISK_GUID\""
check "identity: blkid sees root UUID and PARTUUID" has blkid \
	"^/dev/vda2: .* UUID=\"$ROOT_UUID\".* PARTUUID=\"$ROOT_PARTUUID\""
check "identity: blkid sees the ESP serial" has blkid "^/dev/vda1: .* UUID=\"$ESP_UUID\""
check "identity: /etc/kernel/cmdline names root=UUID=" hasx kernel-cmdline "root=UUID=$ROOT_UUID ro quiet"
check "identity: grub.cfg names root=UUID=" has grub.cfg "root=UUID=$ROOT_UUID "
check "identity: ESP EFI/debian/grub.cfg stub" hasx "esp EFI/debian/grub.cfg" "search.fs_uuid $ROOT_UUID root hd0,gpt2"
check "identity: ESP EFI/BOOT/grub.cfg stub" hasx "esp EFI/BOOT/grub.cfg" "search.fs_uuid $ROOT_UUID root hd0,gpt2"
check "identity: ESP BLS entry names root=PARTUUID=" has "esp loader/entries/debian.conf" "root=PARTUUID=$ROOT_PARTUUID "
check "identity: template marker present" hasx reseal-dir template
check "identity: /proc/cmdline has test.sshd=1" has proc-cmdline "test.sshd=1"
check "fstab mount: /srv is XFS on vda3" has mounts "^/dev/vda3 /srv xfs "
check "fstab mount: /boot/efi is vfat on vda1" has mounts "^/dev/vda1 /boot/efi vfat "
check "fstab swap by PARTUUID=: vda4 is active" has swaps "^/dev/vda4 "
check "mount -a succeeded" logx "golden-init: mount -a: rc=0"
check "swapon -a succeeded" logx "golden-init: swapon -a: rc=0"

known_hosts "$LOG" "$T/known_hosts"
check "known_hosts built from the printed host keys" test -s "$T/known_hosts"
if guest_ssh "$PORT" "$KEY" "$T/known_hosts" 'echo E2E-$(cat /etc/machine-id)' >"$T/ssh.out" 2>&1 &&
	[ "$(cat "$T/ssh.out")" = "E2E-$MACHINE_ID" ]; then
	pass "E2E-OK: ssh with StrictHostKeyChecking=yes against the printed key"
else
	fail "E2E-OK: ssh with StrictHostKeyChecking=yes against the printed key" "$(cat "$T/ssh.out")"
fi
# The check has teeth: a known_hosts with another key must be refused.
ssh-keygen -q -t ed25519 -N '' -f "$T/other" && awk -v a="$GUEST_ALIAS" '{ print a, $1, $2 }' "$T/other.pub" >"$T/kh.wrong"
check_fails "ssh refuses a host key that the guest did not print" \
	guest_ssh "$PORT" "$KEY" "$T/kh.wrong" true
if guest_poweroff "$PORT" "$KEY" "$T/known_hosts" >"$T/off.out" 2>&1; then
	pass "poweroff requested over ssh"
else
	fail "poweroff requested over ssh" "$(cat "$T/off.out")"
	qemu_stop
fi

wait "$QEMU_PID"
rc=$?
check "QEMU exits 0 (not the timeout's 124)" test "$rc" = 0
echo "   boot to poweroff: $(( $(date +%s) - t0 )) s; kernel reached /init at $(clean_log "$LOG" | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p') s"
clean_off() { clean_log "$LOG" | sed -n '/^==POWEROFF==$/,$p' | grep -q 'reboot: Power down'; }
check "clean poweroff: ==POWEROFF== then reboot: Power down" clean_off
check_fails "no kernel panic" grep -q 'Kernel panic' "$LOG"
part_extract "$T/golden.img" 2 "$T/root.img"
check "root filesystem is clean after the guest's shutdown (e2fsck -fn)" e2fsck -fn "$T/root.img"
[ -z "${QEMU_KEEP_LOG:-}" ] || cp "$LOG" "$QEMU_KEEP_LOG"   # keep the console log for a look
rm -f "$T/root.img" "$T/golden.img"
