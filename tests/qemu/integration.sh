#!/bin/bash
# integration.sh: the whole reseal inside the distribution's own
# initramfs (docs/integrations.md), on a real Debian 12 image booted
# through GRUB by SeaBIOS (tests/images/debian12-grub.sh: no -kernel).
# For each generator, GEN = initramfs-tools, dracut-systemd, dracut-shell:
#   template: `make install DESTDIR=<root> PREFIX=/usr`, `reseal seal`,
#     reseal-initramfs-refresh.service enabled, the initramfs built by the
#     image's own generator in a chroot (it carries reseal: the marker is
#     there);
#   two clones, first boot of each: reseal said "resealed" in the journal;
#     systemd running with no failed unit; nothing in the journal gave up
#     waiting or fell into emergency; every fstab mount and the swap
#     active; machine-id, host keys, every UUID and PARTUUID and the PTUUID
#     differ from the template's and between the clones; sshd reached
#     through QEMU's user network (127.0.0.1) shows the new key; the
#     initramfs was rebuilt (no reseal in it, the refresh flag gone);
#   second boot of the first clone: the same identity, no reseal, no
#     "Gave up waiting" on the console, the rebuilt initramfs in use.
# Then the negative control: a dracut systemd-mode clone whose initramfs
# masks reseal's udev alias rule (an empty /etc/udev/rules.d file of the
# same name) must not reach a running system: the test sees the pitfall
# the alias exists for.
#   INTEGRATION_GENS="..."   the generators (default: all three)
#   INTEGRATION_NEGATIVE=0   leave out the negative control
# About 4 minutes per generator under TCG, plus the image when the cache
# is cold (debian12-grub.sh).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"
. "$TOP/tests/qemu/debian-lib.sh"

GENS=${INTEGRATION_GENS:-initramfs-tools dracut-systemd dracut-shell}
if ! qemu_ready || ! command -v debootstrap >/dev/null || [ ! -x "$RESEAL" ]; then
	fail "integration environment" "QEMU, debootstrap or $RESEAL is missing: run toolchain/qemu-deps.sh, make"
	exit 1
fi
start=$(date +%s)
"$TOP/tests/images/debian12-grub.sh" "$T/base.img" >"$T/image.out" 2>&1
check "Debian 12 GRUB image (debootstrap; cached under /var/tmp/reseal-cache)" test -s "$T/base.img.env"
cat "$T/image.out"
[ -s "$T/base.img.env" ] || exit 1
. "$T/base.img.env"
TPL_ENV=$T/base.img.env

# in_chroot CMD...: CMD in the image root at $T/mnt, with /proc, /sys, /dev
in_chroot() {
	local m rc
	for m in proc sys dev; do mount --bind "/$m" "$T/mnt/$m"; done
	chroot "$T/mnt" "$@"; rc=$?
	for m in dev sys proc; do umount "$T/mnt/$m"; done
	return $rc
}

# prepare_root GEN [noalias]: at $T/mnt, install reseal, seal, build the
# initramfs with GEN; it must carry reseal.
prepare_root() {
	local gen=$1 extra=''
	make -s -C "$TOP" -o build/reseal install DESTDIR="$T/mnt" PREFIX=/usr MAN_DIR="$T/man" \
		>"$T/install.out" 2>&1 || { echo "make install failed"; cat "$T/install.out"; return 1; }
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

# boot_grub IMG LOG [TIMEOUT]: boot IMG through SeaBIOS and GRUB; once the
# report is out, scan sshd's ed25519 key through the forwarded port into
# LOG.keyscan and power the guest off (ACPI, through QEMU's monitor).
# Returns 1 when no report came within TIMEOUT (default 900 s).
boot_grub() {
	local img=$1 log=$2 to=${3:-900} port mon=$T/monitor.sock i rc=0
	port=$(free_port)
	rm -f "$mon" "$log.keyscan"
	qemu-system-x86_64 -accel tcg -m 1024 -display none -no-reboot \
		-serial "file:$log" -monitor "unix:$mon,server,nowait" \
		-drive "file=$img,format=raw,if=virtio" \
		-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22" \
		</dev/null >"$log.qemu" 2>&1 &
	QEMU_PID=$!
	wait_log "$log" '^==IDENTITY-END==' "$to" 2>>"$log.qemu" || rc=1
	if [ $rc = 0 ]; then
		for i in 1 2 3 4 5; do
			ssh-keyscan -T 20 -t ed25519 -p "$port" 127.0.0.1 2>/dev/null | grep -v '^#' >"$log.keyscan" &&
				[ -s "$log.keyscan" ] && break
			sleep 3
		done
	fi
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"system_powerdown\n")' "$mon" 2>/dev/null
	for i in $(seq 1 120); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
	if kill -0 "$QEMU_PID" 2>/dev/null; then
		echo "no clean power-off in 120 s: stopped" >>"$log.qemu"
		qemu_stop
	fi
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=''
	return $rc
}

resealed() { identity_section "$1" journal-reseal | grep -q 'reseal: info: resealed'; }
no_problems() {
	local p
	p=$(identity_section "$1" journal-problems)
	[ -z "$p" ] || { echo "$p"; return 1; }
}
ssh_new_key() {   # sshd's key over the network is the report's, not the template's
	local k
	k=$(awk '{ print $3 }' "$1.keyscan" 2>/dev/null)
	echo "sshd: ${k:0:32}..."
	[ -n "$k" ] && identity_section "$1" hostkeys | grep -q "^ssh-ed25519 $k\$" && ! grep -qF "$k" "$TPL_ENV"
}
initrd_rebuilt() {   # the initramfs /boot now holds carries no reseal; the flag is gone
	! identity_section "$1" initrd-files | grep -q 'usr/sbin/reseal' &&
		! identity_section "$1" reseal-dir | grep -qx initramfs-refresh &&
		[ -n "$(identity_section "$1" initrd-sum)" ]
}
all_differ() {   # every identifier of the clone differs from the template's
	local p
	differs "$1" /dev/vda PTUUID "$DISK_GUID" || return 1
	for p in "1 ESP" "2 ROOT" "3 SRV" "4 SWAP"; do
		set -- "$1" $p
		u=${3}_UUID pu=${3}_PARTUUID
		differs "$1" "/dev/vda$2" UUID "${!u}" >/dev/null || { echo "vda$2 UUID kept"; return 1; }
		differs "$1" "/dev/vda$2" PARTUUID "${!pu}" >/dev/null || { echo "vda$2 PARTUUID kept"; return 1; }
		set -- "$1"
	done
	differs "$1" /dev/vda5 PARTUUID "$BIOS_PARTUUID" >/dev/null || { echo "vda5 PARTUUID kept"; return 1; }
	[ "$(identity_section "$1" machine-id)" != "$MACHINE_ID" ] || { echo "machine-id kept"; return 1; }
	keys_new "$1"
}
clones_differ() {   # two clones share no identifier
	local common
	common=$(comm -12 <(ids "$1") <(ids "$2"))
	[ -z "$common" ] || { echo "shared: $common"; return 1; }
}
console_clean() {   # the console log of the boot: no wait given up, no emergency
	! tr -d '\r' <"$1" | grep -aE 'Gave up waiting|emergency mode|Dependency failed for' | head -n 5 | grep .
}
all_active() { mounted_as "$1" /srv xfs && mounted_as "$1" /boot/efi vfat && swap_on "$1"; }
nothing_waited() { console_clean "$1" && no_problems "$1"; }
no_reseal() { ! tr -d '\r' <"$1" | grep -aE 'reseal: (info|warning|error|debug): ' | head -n 5 | grep .; }
said_resealed() { tr -d '\r' <"$1" | grep -aq 'reseal: info: resealed'; }
not_running() { [ "$(identity_section "$1" system-state)" != running ]; }

for gen in $GENS; do
	g0=$(date +%s)
	tpl=$T/tpl-$gen.img
	cp --sparse=always "$T/base.img" "$tpl"
	check "$gen: template: make install, reseal seal, initramfs with reseal" with_root "$tpl" prepare_root "$gen"
	for c in c1 c2; do
		cp --sparse=always "$tpl" "$T/$gen-$c.img"
		boot_grub "$T/$gen-$c.img" "$T/$gen-$c.log1"
		log=$T/$gen-$c.log1
		check "$gen $c: first boot through GRUB reached the report" grep -q '==IDENTITY-END==' "$log"
		check "$gen $c: reseal reported in the journal" resealed "$log"
		check "$gen $c: systemd is running, no failed unit" state_running "$log"
		check "$gen $c: no wait given up, no emergency, no unbound unit" no_problems "$log"
		check "$gen $c: machine-id, host keys, every UUID/PARTUUID and PTUUID new" all_differ "$log"
		check "$gen $c: fstab names exactly the 4 identifiers on the disk" fstab_ok "$log"
		check "$gen $c: /srv (XFS by PARTUUID), /boot/efi and swap active" all_active "$log"
		check "$gen $c: sshd reached on 127.0.0.1 with the new key" ssh_new_key "$log"
		check "$gen $c: the initramfs was rebuilt without reseal" initrd_rebuilt "$log"
		echo "   $gen $c: systemd running at $(identity_section "$log" uptime) s; $(identity_section "$log" analyze)"
	done
	check "$gen: the two clones share no identifier" clones_differ "$T/$gen-c1.log1" "$T/$gen-c2.log1"
	rm -f "$T/$gen-c2.img" "$tpl"
	boot_grub "$T/$gen-c1.img" "$T/$gen-c1.log2"
	log=$T/$gen-c1.log2
	check "$gen c1: second boot reached the report" grep -q '==IDENTITY-END==' "$log"
	check "$gen c1: second boot: systemd is running, no failed unit" state_running "$log"
	check "$gen c1: second boot: the same identity" cmp <(ids "$T/$gen-c1.log1") <(ids "$log")
	check "$gen c1: second boot: no reseal" no_reseal "$log"
	check "$gen c1: second boot: nothing waited in vain (console, journal)" nothing_waited "$log"
	check "$gen c1: second boot: the rebuilt initramfs (no reseal in it)" initrd_rebuilt "$log"
	check "$gen c1: second boot: sshd with the same key" ssh_new_key "$log"
	echo "   $gen c1: second boot: systemd running at $(identity_section "$log" uptime) s; $(identity_section "$log" analyze)"
	rm -f "$T/$gen-c1.img"
	echo "   $gen: $(( $(date +%s) - g0 )) s"
done

if [ "${INTEGRATION_NEGATIVE:-1}" != 0 ]; then
	tpl=$T/tpl-negative.img
	cp --sparse=always "$T/base.img" "$tpl"
	check "negative control: dracut systemd-mode template with the alias rule masked" \
		with_root "$tpl" prepare_root dracut-systemd noalias
	boot_grub "$tpl" "$T/negative.log" 420
	check "negative control: reseal ran" said_resealed "$T/negative.log"
	check "negative control: without the alias the boot does not reach a running system" \
		not_running "$T/negative.log"
	tr -d '\r' <"$T/negative.log" | grep -aE 'Bound to unit|Dependency failed|emergency|Timed out' | head -n 3 | sed 's/^/   negative: /'
	rm -f "$tpl"
fi
echo "integration: $(( $(date +%s) - start )) s"
