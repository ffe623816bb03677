# t-crashstates.sh: the crash-state explorer (docs/crash.md).
#
# A sealed clone of the golden image boots once with its disk behind QEMU's
# write logger (tests/qemu/boot.sh --log-writes): every write and flush of
# the boot-time reseal (and of the rest of that boot) is recorded.
# tests/crash/logwrites.py cuts that log into flush epochs and builds the
# crash states a disk may be left in: all writes before the last completed
# flush, plus a prefix or a seeded random subset of the writes after it,
# or a torn 4 KiB write.  Each state chosen is booted with the normal
# initramfs, root= taken from the state's own grub.cfg, and must converge:
# one consistent new identity (clone-lib.sh: consistent), every checker
# clean (fsck_all, FAT dirty bit allowed), and a second boot shows the same
# identity.
#
#   CRASH_SAMPLE=N   states to boot (default 6), spread over the disk's
#                    regions and the kinds of state (make check)
#   CRASH_MAX=N      instead: N states, 0 = every one (make check-crash)
#   CRASH_ONLY=RE    only states whose region (gpt-primary, p3-xfs, ...)
#                    matches the awk regular expression RE
#   CRASH_KIND=RE    only states whose kind (prefix, subset, torn) matches
#                    RE: the two models differ in their torn states only
#   CRASH_SEED=S     seed of the subsets, torn sectors and the sample (1)
#   CRASH_SB_TEARS=0 leave out the two states that are always added: the
#                    root superblock's UUID change with one of its two
#                    512-byte sectors kept (the sample and the 4 KiB model
#                    cannot tear it; docs/crash.md §6)
#   CRASH_STATE=R    boot only the state with recipe R (printed for each
#                    failure; needs the same recording: CRASH_DIR)
#   CRASH_ATOMIC=B   the unit the modelled disk writes whole: 4096 (the
#                    default: 4K-sector disks, most virtual disks and
#                    drives today; a torn write splits at 4 KiB boundaries)
#                    or 512 (old 512-byte-sector disks: make check-crash;
#                    docs/crash.md §6 lists what that model finds)
#   CRASH_DIR=D      keep the recording (golden.img, wlog.bin, plan.txt) in
#                    D and reuse it when it is there; without it, a run
#                    with failures keeps its recording in /var/tmp
# Cost: ~30 s to build, record and check the log, then ~25 s per state (two
# boots under TCG, the checkers) on an idle host; make check (6 sampled
# states and the 2 superblock tears): ~4 min.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

LW="python3 $TOP/tests/crash/logwrites.py"
# Under TCG on a loaded host the kernel's IO-APIC timer check can fail and
# panic the guest before anything of reseal runs; skip that check.
KARGS=no_timer_check
SEED=${CRASH_SEED:-1}
if ! qemu_ready || [ ! -x "$RESEAL" ]; then
	fail "crash-state environment" "needs QEMU (toolchain/qemu-deps.sh) and $RESEAL"
	exit 1
fi

D=${CRASH_DIR:-$T/rec}
mkdir -p "$D"
INITRD=$T/initrd.gz
build_initramfs "$INITRD" "$RESEAL" >/dev/null 2>&1
if [ -s "$D/wlog.bin" ] && [ -s "$D/golden.img" ] && [ -s "$D/golden.img.env" ]; then
	echo "   reusing the recording in $D"
	. "$D/golden.img.env"
else
	"$QEMU_DIR/mkgolden.sh" "$D/golden.img" >/dev/null 2>&1
	. "$D/golden.img.env"
	check "sealed golden image" with_root "$D/golden.img" "$RESEAL" seal --root "$T/mnt"
	cp --sparse=always "$D/golden.img" "$T/rec.img"
	"$QEMU_DIR/boot.sh" "$T/rec.img" "$INITRD" "$T/rec.log" --root "UUID=$ROOT_UUID" --timeout 180 \
		--log-writes "$D/wlog.bin" --append "$KARGS" >/dev/null 2>&1
	check "the recorded boot converged" consistent "$T/rec.log"
	# the reader sees every write: the whole log replayed on the pre-boot
	# disk is the disk the recorded boot left, byte for byte
	cp --sparse=always "$D/golden.img" "$T/replay.img"
	check "the write log replayed gives the recorded disk" \
		sh -c '$1 apply "$2" "$3" all && cmp "$3" "$4"' - "$LW" "$D/wlog.bin" "$T/replay.img" "$T/rec.img"
	rm -f "$T/replay.img" "$T/rec.img"
fi
$LW dump "$D/wlog.bin" >"$T/dump.txt" || { fail "the write log reads back"; exit 1; }
nflush=$(grep -c flush "$T/dump.txt")
check "the write log holds the boot's writes and flushes ($(grep -c write "$T/dump.txt") writes, $nflush flushes)" \
	test "$nflush" -gt 10
$LW plan "$D/wlog.bin" "$D/golden.img" --seed "$SEED" --atomic "${CRASH_ATOMIC:-4096}" >"$D/plan.txt" || { fail "the crash states are planned"; exit 1; }
sed -n 's/^# /   /p' "$D/plan.txt"

# the states to boot: "ID KIND EPOCH REGION RECIPE" lines
awk -v r="${CRASH_ONLY:-.}" -v k="${CRASH_KIND:-.}" '!/^#/ && $4 ~ r && $2 ~ k' "$D/plan.txt" >"$T/states"
if [ -n "${CRASH_STATE:-}" ]; then
	echo "- manual - - $CRASH_STATE" >"$T/chosen"
elif [ -n "${CRASH_MAX:-}" ] && [ "$CRASH_MAX" = 0 ]; then
	cp "$T/states" "$T/chosen"
else
	$LW pick "$T/states" "${CRASH_MAX:-${CRASH_SAMPLE:-6}}" "$SEED" >"$T/chosen"
fi
# Always, but for CRASH_STATE or CRASH_SB_TEARS=0: the two states of a
# 512-byte-sector disk that kept one sector only of the root superblock's
# UUID change, which the next boot must rebuild (docs/crash.md §6).
if [ -z "${CRASH_STATE:-}" ] && [ "${CRASH_SB_TEARS:-1}" != 0 ]; then
	rootreg=$(sed -n 's/^# region \(p[0-9]*-ext4\) .*/\1/p' "$D/plan.txt" | head -n 1)
	$LW sbtears "$D/wlog.bin" "$D/golden.img" "$rootreg" >"$T/sbtears" ||
		{ fail "the root superblock's torn states are found"; exit 1; }
	check "the root's superblock UUID change is in the log ($(wc -l <"$T/sbtears") torn states)" \
		test "$(wc -l <"$T/sbtears")" -ge 2
	while read -r line; do
		grep -qF " ${line##* }" "$T/chosen" || echo "$line"
	done <"$T/sbtears" >>"$T/chosen"
fi

# why LOG: the lines of a boot log that tell what went wrong
why() {
	clean_log "$1" | grep -E 'reseal: (error|warning)|XFS \(|EXT4-fs (error|warning)|FAT-fs|GPT|[Pp]anic|VFS: (Cannot|Unable)|mount:|fsck' |
		grep -v 'Mounting V5 Filesystem\|Ending clean mount' | head -n 8
}

# root_replayed IMG: the root= of IMG's grub.cfg once the ext4 journal is
# replayed (on a copy of the root; e2fsck -E journal_only does nothing else)
root_replayed() {
	local spec
	part_extract "$1" 2 "$T/r2" || return 1
	e2fsck -E journal_only -y "$T/r2" >/dev/null 2>&1
	spec=$(debugfs -c -R 'cat /boot/grub/grub.cfg' "$T/r2" 2>/dev/null |
		grep -o 'root=[^ ]*' | head -n 1 | cut -d= -f2-)
	rm -f "$T/r2"
	[ -n "$spec" ] && echo "$spec"
}

# run_state RECIPE: build the state, boot it twice, check it.  A state
# whose grub.cfg is readable only with the ext4 journal replayed (a crash
# in the middle of a journal checkpoint: GRUB, which does not replay it,
# would not find its menu) is booted with the replayed root= and noted in
# $T/notes: that is ext4 and GRUB, not a write of reseal's (docs/crash.md).
run_state() {
	local img=$T/state.img root rc=0
	cp --sparse=always "$D/golden.img" "$img"
	$LW apply "$D/wlog.bin" "$img" "$1" || { echo "cannot build the state"; return 1; }
	if ! root=$(root_from_grub "$img" 2>/dev/null); then
		root=$(root_replayed "$img") || { echo "the state's grub.cfg names no root=, even with the journal replayed"; return 1; }
		echo "$1: grub.cfg readable only with the ext4 journal replayed" >>"$T/notes"
	fi
	"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/b1.log" --root "$root" --timeout 120 --append "$KARGS" >/dev/null 2>&1
	if ! consistent "$T/b1.log"; then
		echo "first boot (root=$root) did not converge; its log says:"
		why "$T/b1.log"
		rc=1
	fi
	if ! fsck_all "$img" crashed 2>/dev/null; then
		sgdisk -v "$img" 2>&1 | grep -E '^(Problem|Warning|Caution|Main|Backup|Identified)' | awk '!seen[$0]++' | head -n 6
		rc=1
	fi
	[ $rc = 0 ] || return 1
	root=$(root_from_grub "$img" 2>/dev/null) || { echo "after the boot, grub.cfg names no root="; return 1; }
	"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/b2.log" --root "$root" --timeout 120 --append "$KARGS" >/dev/null 2>&1
	ids "$T/b2.log" >"$T/b2.ids"
	cmp -s "$T/b1.log.ids" "$T/b2.ids" ||
		{ echo "the second boot (root=$root) shows another identity:"; diff "$T/b1.log.ids" "$T/b2.ids" | head; why "$T/b2.log"; return 1; }
}

start=$(date +%s) n=0 bad=0
: >"$T/failed"
while read -r id kind epoch region recipe; do
	n=$((n + 1))
	name="state $id ($kind, epoch $epoch, $region) $recipe converges"
	if run_state "$recipe" </dev/null >"$T/state.out" 2>&1; then
		pass "$name"
		echo "$kind $region ok" >>"$T/done"
	else
		fail "$name"
		sed 's/^/    | /' "$T/state.out" | head -n 25
		bad=$((bad + 1))
		echo "$kind $region FAIL" >>"$T/done"
		echo "$id $kind $epoch $region $recipe" >>"$T/failed"
	fi
done <"$T/chosen"
echo "   crash states booted: $n of $(grep -vc '^#' "$D/plan.txt") in $(( $(date +%s) - start )) s (seed $SEED), $bad failed"
[ ! -s "$T/done" ] || awk '{ k[$2 " " $1]++; if ($3 == "FAIL") f[$2 " " $1]++ }
	END { for (x in k) printf "   %-24s %3d states, %d failed\n", x, k[x], f[x] }' "$T/done" | sort
[ ! -s "$T/notes" ] || { echo "   states GRUB could not read its menu from (mid-checkpoint):"; sed 's/^/     /' "$T/notes"; }
if [ -s "$T/failed" ]; then
	if [ -z "${CRASH_DIR:-}" ]; then
		keep=$(mktemp -d /var/tmp/reseal-crash.XXXXXX)
		cp --sparse=always "$D/golden.img" "$D/golden.img.env" "$D/wlog.bin" "$D/plan.txt" "$keep/"
		D=$keep
	fi
	echo "   failing states; replay one with:"
	while read -r id kind epoch region recipe; do
		echo "     CRASH_DIR=$D CRASH_STATE='$recipe' bash tests/qemu/t-crashstates.sh   # $kind, $region"
	done <"$T/failed"
fi
