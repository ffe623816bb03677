# t-boot.sh: reseal as /init under QEMU with Debian's cloud kernel
# (docs/boot.md).  The golden image (mkgolden.sh: GPT with an ESP, an
# ext4 root, XFS /srv and swap) is sealed with `reseal seal`, copied twice,
# and each clone is booted: clones and template must differ in every
# identifier, fstab and the kernel command-line file must name the new
# values, every filesystem must check clean, a second boot by the new root
# UUID must find the same identity without a second reseal, and sshd must
# be reached with strict host key checking against the key the guest printed.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

if ! qemu_ready; then
	fail "qemu environment" "QEMU, busybox or the cloud kernel is missing: run toolchain/qemu-deps.sh"
	exit 1
fi

# boot_clone IMG LOG ROOTSPEC [extra cmdline]: boot with sshd, connect, power off
boot_clone() {
	local img=$1 log=$2 root=$3 port kh=$T/kh.$$
	port=$(free_port)
	boot_bg "$img" "$INITRD" "$log" --root "$root" --ssh-port "$port" --timeout 240 \
		--append "test.sshd=1 test.timeout=150 ${4:-}"
	if ! wait_log "$log" '==SSHD-READY==' 200; then
		kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID"; return 1
	fi
	known_hosts "$log" "$kh" && guest_ssh "$port" "$KEY" "$kh" 'echo E2E-OK' >"$log.ssh" 2>&1
	guest_poweroff "$port" "$KEY" "$kh" >/dev/null 2>&1
	wait "$QEMU_PID"
	grep -q '^E2E-OK$' "$log.ssh"
}

# Checks on a boot log (functions, so `check` can call them directly).
fstab_ok() {   # fstab_ok LOG IDS: every UUID=/PARTUUID= in fstab is on the disk
	local u n=0
	for u in $(identity_section "$1" fstab | grep -v '^#' | grep -oE '(PART)?UUID=[^ ]*' | cut -d= -f2); do
		grep -q " $u\$" "$2" || { echo "fstab names $u, not on the disk"; return 1; }
		n=$((n + 1))
	done
	[ $n -ge 3 ] || { echo "fstab names only $n identifiers"; return 1; }
}
cmdline_ok() {   # cmdline_ok LOG NEWROOT
	identity_section "$1" kernel-cmdline | grep -q "root=UUID=$2" &&
		identity_section "$1" grub.cfg | grep -q "root=UUID=$2" &&
		! identity_section "$1" grub.cfg | grep -q "$ROOT_UUID"
}
esp_ok() {   # esp_ok LOG NEWROOT
	identity_section "$1" 'esp EFI/debian/grub.cfg' | grep -q "$2" &&
		identity_section "$1" 'esp EFI/BOOT/grub.cfg' | grep -q "$2"
}
all_differ() {   # all_differ WHAT: template, c1 and c2 have different values
	local a b c
	a=$(grep "^$1 " "$T/template.ids"); b=$(grep "^$1 " "$T/c1.ids"); c=$(grep "^$1 " "$T/c2.ids")
	[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" != "$b" ] && [ "$a" != "$c" ] && [ "$b" != "$c" ]
}
none_shared() {
	! cat "$T/template.ids" "$T/c1.ids" "$T/c2.ids" | grep -E '^(UUID|PARTUUID) ' | sort | uniq -d | grep .
}
no_second_reseal() {
	! grep -aq 'reseal: info: resealed' "$1" && ! identity_section "$1" reseal-dir | grep -qx template &&
		identity_section "$1" reseal-dir | grep -qx status
}
noroot_ok() {
	grep -aq 'reseal: info: waiting for root=UUID=00000000' "$1" &&
		grep -aq 'reseal: error: block devices seen' "$1" &&
		grep -aq 'reseal: error: fatal: root device not found' "$1" &&
		grep -aq 'Attempted to kill init' "$1"
}
badconf_kept() {
	identity_section "$1" reseal-dir | grep -qx template &&
		identity_section "$1" blkid | grep -q "$ROOT_UUID"
}
noinit_ok() {
	grep -aq 'reseal: error: init=/sbin/no-such-init is not executable in the new root' "$1" &&
		grep -aq 'fatal: no usable init in the new root' "$1"
}

# --- set-up ---------------------------------------------------------------------
INITRD=$T/initrd.gz
build_initramfs "$INITRD" "$RESEAL" >"$T/initrd.out" 2>&1
check "initramfs with reseal as /init builds" test -s "$INITRD"
# An ESP serial of digits only: its fstab line shows no case, and the new
# serial must still be written in blkid's uppercase form (refs.h).
"$QEMU_DIR/mkgolden.sh" "$T/golden.img" --reseal "$RESEAL" \
	--esp-serial "$(shuf -i 10000000-99999999 -n 1)" \
	>"$T/mkgolden.out" 2>&1
check "golden image builds" test -s "$T/golden.img.env"
. "$T/golden.img.env"
check "seal the golden image (reseal seal on its root)" with_root "$T/golden.img" "$RESEAL" seal --root "$T/mnt"
template_ids "$T/golden.img.env" >"$T/template.ids"
cp --sparse=always "$T/golden.img" "$T/c1.img"
cp --sparse=always "$T/golden.img" "$T/c2.img"

# --- item 1: first boot of each clone -----------------------------------------------
for c in c1 c2; do
	check "$c: first boot reseals, reaches sshd with the printed key (E2E-OK)" \
		boot_clone "$T/$c.img" "$T/$c.log1" "UUID=$ROOT_UUID"
	ids "$T/$c.log1" >"$T/$c.ids"
	check "$c: the boot log says it resealed" grep -aq 'reseal: info: resealed' "$T/$c.log1"
	check "$c: the root is handed over read-only, as the command line asks" \
		grep -aq 'golden-init: root at hand-over: ro' "$T/$c.log1"
	check "$c: machine-id is a fresh v4 id" sh -c \
		"grep -qE '^machine-id [0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\$' '$T/$c.ids'"
	check "$c: 12 identifiers printed (machine-id, 2 host keys, PTUUID, 4 UUIDs, 4 PARTUUIDs)" \
		test "$(wc -l <"$T/$c.ids")" -eq 12
	new_root=$(identity_section "$T/$c.log1" blkid | sed -n 's|^/dev/vda2: .* UUID="\([^"]*\)".*|\1|p')
	echo "$new_root" >"$T/$c.rootuuid"
	check "$c: fstab names only identifiers that are on the disk" fstab_ok "$T/$c.log1" "$T/$c.ids"
	check "$c: kernel command-line file and grub.cfg name the new root UUID" \
		cmdline_ok "$T/$c.log1" "$new_root"
	check "$c: both ESP grub.cfg stubs name the new root UUID" esp_ok "$T/$c.log1" "$new_root"
	check "$c: every filesystem and the GPT check clean" fsck_all "$T/$c.img"
done
for what in machine-id hostkey-ssh-ed25519 hostkey-ecdsa-sha2-nistp256 PTUUID; do
	check "template, c1, c2 all differ: $what" all_differ "$what"
done
check "template, c1, c2 share no filesystem UUID or PARTUUID" none_shared

# --- item 2: second boot by the new root UUID --------------------------------------
for c in c1 c2; do
	check "$c: second boot by root=UUID=<new> reaches sshd with the same key" \
		boot_clone "$T/$c.img" "$T/$c.log2" "UUID=$(cat "$T/$c.rootuuid")"
	cp "$T/kh.$$" "$T/$c.kh2" 2>/dev/null
	ids "$T/$c.log2" >"$T/$c.ids2"
	check "$c: second boot shows the same identity" cmp "$T/$c.ids" "$T/$c.ids2"
	check "$c: no second reseal (nothing logged, no marker, status kept)" no_second_reseal "$T/$c.log2"
done

# --- item 4: no marker: the disk is not touched ---------------------------------------
"$QEMU_DIR/mkgolden.sh" "$T/plain.img" --no-marker >/dev/null 2>&1
sum=$(sha256sum <"$T/plain.img")
"$QEMU_DIR/boot.sh" "$T/plain.img" "$INITRD" "$T/plain.log" --root "UUID=$(. "$T/plain.img.env"; echo "$ROOT_UUID")" \
	--timeout 120 --append "init=/sbin/poweroff -f" >/dev/null 2>&1
check "no marker: hands off to init (init=/sbin/poweroff ran)" grep -aq 'reboot: Power down' "$T/plain.log"
check "no marker: image checksum unchanged" test "$sum" = "$(sha256sum <"$T/plain.img")"

# --- item 5: bad boot inputs -------------------------------------------------------
"$QEMU_DIR/boot.sh" "$T/plain.img" "$INITRD" "$T/noroot.log" --root UUID=00000000-0000-4000-8000-000000000000 \
	--timeout 120 --append "reseal.timeout=7" >/dev/null 2>&1
check "missing root: waits, says so, lists the devices it saw, then panics on purpose" \
	noroot_ok "$T/noroot.log"

cp --sparse=always "$T/golden.img" "$T/badconf.img"
with_root "$T/badconf.img" sh -c "printf '[ssh-hostkeys]\ntypes = ed25519 dsa\n' >'$T/mnt/etc/reseal/reseal.conf'"
"$QEMU_DIR/boot.sh" "$T/badconf.img" "$INITRD" "$T/badconf.log" --root "UUID=$ROOT_UUID" --timeout 120 >/dev/null 2>&1
check "garbage config: clear message naming file and line" \
	grep -aq "reseal: error: /etc/reseal/reseal.conf:2: invalid value" "$T/badconf.log"
check "garbage config: the boot continues to the real init" grep -aq '==IDENTITY-END==' "$T/badconf.log"
check "garbage config: marker kept, identity untouched" badconf_kept "$T/badconf.log"

"$QEMU_DIR/boot.sh" "$T/plain.img" "$INITRD" "$T/noinit.log" --root "UUID=$(. "$T/plain.img.env"; echo "$ROOT_UUID")" \
	--timeout 120 --append "init=/sbin/no-such-init" >/dev/null 2>&1
check "missing init: detected before the initramfs is deleted, clear message, deliberate panic" \
	noinit_ok "$T/noinit.log"
