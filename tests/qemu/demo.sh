#!/bin/bash
# tests/qemu/demo.sh: `make demo`.  Builds the golden test image (GPT: ESP,
# ext4 root, XFS /srv, swap), seals it with `reseal seal`, copies it twice,
# boots each copy under QEMU with reseal as /init, and prints the template
# and the two clones side by side.  Artifacts stay in build/demo/.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RESEAL=$TOP/build/reseal
T=$TOP/build/demo
rm -rf "$T"; mkdir -p "$T"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

step() { printf '== %s\n' "$*"; }
qemu_ready || { echo "demo: QEMU or the cloud kernel is missing (make deps)" >&2; exit 111; }

step "initramfs: /init = build/reseal, modules for $(qemu_kver)"
build_initramfs "$T/initrd.gz" "$RESEAL" | tail -n 1
step "golden image (tests/qemu/mkgolden.sh)"
"$QEMU_DIR/mkgolden.sh" "$T/golden.img" --reseal "$RESEAL" | tail -n 1
step "reseal seal --root <golden root>"
with_root "$T/golden.img" "$RESEAL" seal --root "$T/mnt"
for c in clone1 clone2; do
	cp --sparse=always "$T/golden.img" "$T/$c.img"
done
. "$T/golden.img.env"
template_ids "$T/golden.img.env" >"$T/template.ids"
for c in clone1 clone2; do
	step "boot $c (QEMU, TCG, root=UUID=$ROOT_UUID)"
	"$QEMU_DIR/boot.sh" "$T/$c.img" "$T/initrd.gz" "$T/$c.log" --root "UUID=$ROOT_UUID" --timeout 180
	tr -d '\r' <"$T/$c.log" | grep -a 'reseal: ' | sed 's/^\[ *[0-9.]*\] /   /'
	ids "$T/$c.log" >"$T/$c.ids"
done

fp() {   # fp TYPE KEY: SHA256 fingerprint
	[ -n "$2" ] && echo "$1 $2" | ssh-keygen -lf - 2>/dev/null | awk '{ print $2 }'
}
val() { grep "^$2 " "$1" | sed -n "${3:-1}p" | cut -d' ' -f2-; }
row() { printf '%-18s %-51s %-51s %-51s\n' "$@"; }
echo
row "" template clone1 clone2
row "machine-id" "$(val "$T/template.ids" machine-id)" "$(val "$T/clone1.ids" machine-id)" "$(val "$T/clone2.ids" machine-id)"
for k in ssh-ed25519 ecdsa-sha2-nistp256; do
	row "${k%%-*} host key" "$(fp "$k" "$(val "$T/template.ids" "hostkey-$k")")" \
		"$(fp "$k" "$(val "$T/clone1.ids" "hostkey-$k")")" "$(fp "$k" "$(val "$T/clone2.ids" "hostkey-$k")")"
done
row "PTUUID (GPT)" "$(val "$T/template.ids" PTUUID)" "$(val "$T/clone1.ids" PTUUID)" "$(val "$T/clone2.ids" PTUUID)"
blk() {   # blk LOG DEV FIELD
	identity_section "$1" blkid | sed -n "s|^$2: .* $3=\"\\([^\"]*\\)\".*|\\1|p"
}
for p in 1:ESP 2:root 3:srv 4:swap; do
	n=${p%%:*} name=${p#*:}
	case $n in 1) tu=$ESP_UUID tp=$ESP_PARTUUID ;; 2) tu=$ROOT_UUID tp=$ROOT_PARTUUID ;;
		3) tu=$SRV_UUID tp=$SRV_PARTUUID ;; 4) tu=$SWAP_UUID tp=$SWAP_PARTUUID ;; esac
	row "$name UUID" "$tu" "$(blk "$T/clone1.log" /dev/vda$n UUID)" "$(blk "$T/clone2.log" /dev/vda$n UUID)"
	row "$name PARTUUID" "$tp" "$(blk "$T/clone1.log" /dev/vda$n PARTUUID)" "$(blk "$T/clone2.log" /dev/vda$n PARTUUID)"
done
echo
for c in clone1 clone2; do
	echo "$c /etc/fstab:"
	identity_section "$T/$c.log" fstab | grep -v '^#' | sed 's/^/   /'
	echo "$c /etc/kernel/cmdline: $(identity_section "$T/$c.log" kernel-cmdline)"
done
echo
echo "logs and images: $T"
