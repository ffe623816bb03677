#!/bin/bash
# t-integration.sh: the whole reseal inside the distribution's own
# initramfs (docs/integrations.md), on a real Debian 12 image booted
# through GRUB by SeaBIOS (tests/images/debian12-grub.sh: no -kernel).
# tests/run.sh runs it beside the other tests (one QEMU at a time).
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
#     through QEMU's user network (127.0.0.1) shows the new key; c1's
#     initramfs was rebuilt (no reseal in it, the refresh flag gone);
#   second boot of the first clone: the same identity, no reseal, no
#     "Gave up waiting" on the console, the rebuilt initramfs in use.
# Then per generator, interrupted first boots: a template whose initramfs
# carries the fault build (hook/fault.h); each clone's first boot loses
# power before write N (reseal.fault=N on the kernel command line, through
# GRUB's environment block: grub-lib.sh), its next boot must finish the
# reseal and reach the same clean state.
# The rebuild of the initramfs (reseal-initramfs-refresh.service) runs on
# c1 only: c2 and the interrupted clones boot with it masked
# (systemd.mask= on their command line), as under TCG dracut alone takes
# about 4 minutes there; c1 checks it, and its second boot uses it.
# Then the negative control: a dracut systemd-mode clone whose initramfs
# masks reseal's udev alias rule (an empty /etc/udev/rules.d file of the
# same name) must not reach a running system: the test sees the pitfall
# the alias exists for.
#   INTEGRATION_GENS="..."   the generators (default: all three)
#   INTEGRATION_NEGATIVE=0   leave out the negative control
#   INTEGRATION_CUTS=0       leave out the interrupted boots
#   INTEGRATION_CUTS_INITRAMFS_TOOLS, INTEGRATION_CUTS_DRACUT: their write
#                            numbers (see cuts below)
# Times under TCG: docs/integrations.md §7.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"
. "$TOP/tests/qemu/debian-lib.sh"
. "$TOP/tests/qemu/grub-lib.sh"

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

# reseal's "resealed" in the journal under the identifier reseal (what
# `journalctl -t reseal` shows: docs/integrations.md §2, §3)
resealed() {
	identity_section "$1" journal-reseal | grep -Eq '^\[ *[0-9.]+\] [^ ]+ reseal(\[[0-9]+\])?: (reseal: )?info: resealed'
}
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

NO_REBUILD=systemd.mask=reseal-initramfs-refresh.service
for gen in $GENS; do
	g0=$(date +%s)
	tpl=$T/tpl-$gen.img
	cp --sparse=always "$T/base.img" "$tpl"
	check "$gen: template: make install, reseal seal, initramfs with reseal" with_root "$tpl" prepare_root "$gen"
	for c in c1 c2; do
		cp --sparse=always "$tpl" "$T/$gen-$c.img"
		[ $c = c1 ] || grubenv_set "$T/$gen-$c.img" "$NO_REBUILD"
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
		[ $c != c1 ] || check "$gen $c: the initramfs was rebuilt without reseal" initrd_rebuilt "$log"
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

# --- interrupted first boots ---------------------------------------------------
# cuts GEN: the writes before which a first boot loses power (the write
# numbers of hook/fault.h; `reseal.fault=count reseal.debug` lists them).
# On this image: 1-2 open the journal and write the udev alias rule's
# plan, 3-22 are the block stage (3-9 vfat and XFS, 10 swap, 11-16 the
# ext4 root, 17-22 the GPT), then the files (23 fstab ... 30 machine-id,
# keys, status, journal, marker).  Before write 17 the root already has
# its new UUID while the kernel command line names the old one: the
# finder's case; 30 is in the file stage.
cuts() {
	case $1 in
	initramfs-tools) echo "${INTEGRATION_CUTS_INITRAMFS_TOOLS:-17 30}" ;;
	*) echo "${INTEGRATION_CUTS_DRACUT:-17}" ;;
	esac
}

cut_at() { tr -d '\r' <"$1" | grep -aq "fault injection: power cut before write $2 "; }

for gen in $GENS; do
	[ "${INTEGRATION_CUTS:-1}" != 0 ] || break
	g0=$(date +%s)
	tpl=$T/tpl-$gen-fault.img
	cp --sparse=always "$T/base.img" "$tpl"
	check "$gen: power-cut template (the fault build in the initramfs)" with_root "$tpl" prepare_root "$gen" fault
	for n in $(cuts "$gen"); do
		img=$T/$gen-cut$n.img log=$T/$gen-cut$n
		cp --sparse=always "$tpl" "$img"
		grubenv_set "$img" "reseal.fault=$n $NO_REBUILD"
		boot_grub "$img" "$log.cut" 600
		what=$(tr -d '\r' <"$log.cut" | grep -ao "power cut before write $n ([^)]*)" | head -n 1)
		check "$gen: first boot loses power before write $n ${what#power cut before write $n }" cut_at "$log.cut" "$n"
		grubenv_set "$img" "$NO_REBUILD"
		boot_grub "$img" "$log.next"
		check "$gen cut $n: the next boot reached the report" grep -q '==IDENTITY-END==' "$log.next"
		check "$gen cut $n: reseal finished it (journal)" resealed "$log.next"
		check "$gen cut $n: systemd is running, no failed unit" state_running "$log.next"
		check "$gen cut $n: no wait given up, no emergency" nothing_waited "$log.next"
		check "$gen cut $n: every identifier new" all_differ "$log.next"
		check "$gen cut $n: fstab names exactly the identifiers on the disk" fstab_ok "$log.next"
		check "$gen cut $n: /srv, /boot/efi and swap active" all_active "$log.next"
		rm -f "$img"
	done
	rm -f "$tpl"
	echo "   $gen: power cuts: $(( $(date +%s) - g0 )) s"
done

if [ "${INTEGRATION_NEGATIVE:-1}" != 0 ]; then
	tpl=$T/tpl-negative.img
	cp --sparse=always "$T/base.img" "$tpl"
	check "negative control: dracut systemd-mode template with the alias rule masked" \
		with_root "$tpl" prepare_root dracut-systemd noalias
	boot_grub "$tpl" "$T/negative.log" 420 'Dependency failed for|emergency mode|Entering emergency'
	check "negative control: reseal ran" said_resealed "$T/negative.log"
	check "negative control: without the alias the boot does not reach a running system" \
		not_running "$T/negative.log"
	tr -d '\r' <"$T/negative.log" | grep -aE 'Bound to unit|Dependency failed|emergency|Timed out' | head -n 3 | sed 's/^/   negative: /'
	rm -f "$tpl"
fi
echo "integration: $(( $(date +%s) - start )) s"
