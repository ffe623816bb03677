# t-powercut.sh: power cuts during the boot-time reseal (docs/boot.md §11.4).
#
# build/reseal-fault is the product plus hook/fault.h: with reseal.fault=N
# on the kernel command line it powers the VM off, without sync, right
# before its N-th write to persistent storage (block-device writes, file
# creations, renames, unlinks, mkdirs).  reseal.fault=count only counts.
# For each N, a sealed clone is booted with the cut at N, then booted
# normally with root= taken from the image's own grub.cfg (what a bootloader
# would use), and must converge: one consistent new identity (fstab and the
# kernel command-line file name exactly the identifiers on disk, no journal
# or marker left), every filesystem and the GPT check clean, and a further
# boot shows the same identity.
#
# POWERCUT_STRIDE=K tests every K-th N (plus N=1 and the last); `make check`
# uses a stride, `make check-powercut` (POWERCUT_STRIDE=1) every N.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

STRIDE=${POWERCUT_STRIDE:-2}
fault_golden powercut || exit 1

# How many writes does a full reseal make?
count_boot "$T/count.log"
TOTAL=$(tr -d '\r' <"$T/count.log" | sed -n 's/.*reseal: info: fault injection: this reseal made \([0-9]*\) writes.*/\1/p')
check "a full reseal counts its writes (${TOTAL:-?})" sh -c "[ '${TOTAL:-0}' -gt 10 ]"
check "the counting boot itself converged" consistent "$T/count.log"
TOTAL=${TOTAL:-0}

covered=
n=1
while [ "$n" -le "$TOTAL" ]; do
	img=$T/cut.img
	cp --sparse=always "$T/golden.img" "$img"
	"$QEMU_DIR/boot.sh" "$img" "$INITRD_F" "$T/cut$n.log" --root "UUID=$ROOT_UUID" --timeout 180 \
		--append "reseal.fault=$n" >/dev/null 2>&1
	what=$(tr -d '\r' <"$T/cut$n.log" | sed -n "s/.*power cut before write $n (\(.*\))/\1/p")
	if [ -z "$what" ]; then
		fail "N=$n: the cut happened" "no 'power cut before write $n' in the log"
	else
		root=$(root_from_grub "$img")
		"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/rec$n.log" --root "$root" --timeout 180 >/dev/null 2>&1
		check "N=$n ($what): next boot (root=$root) converges to one consistent identity" \
			consistent "$T/rec$n.log"
		check "N=$n: every filesystem and the GPT check clean (FAT dirty bit allowed)" \
			fsck_all "$img" crashed
		root=$(root_from_grub "$img")
		"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/again$n.log" --root "$root" --timeout 180 >/dev/null 2>&1
		ids "$T/again$n.log" >"$T/again$n.ids"
		check "N=$n: a further boot shows the same identity" cmp "$T/rec$n.log.ids" "$T/again$n.ids"
		covered="$covered $n"
	fi
	if [ "$n" -lt "$TOTAL" ] && [ $((n + STRIDE)) -gt "$TOTAL" ]; then
		n=$TOTAL
	else
		n=$((n + STRIDE))
	fi
done
echo "   power cut covered N =$covered (of $TOTAL writes; stride $STRIDE)"
