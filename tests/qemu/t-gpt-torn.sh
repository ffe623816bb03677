# t-gpt-torn.sh: a GPT change cut between its two copies, then the primary
# copy torn, converges at the next boot (docs/formats.md §6.6).
#
# The boot-time change writes the backup copy (array sectors, header), then
# flushes, then the primary copy.  A sealed clone boots with build/reseal-fault
# and the power cut right before the first primary write (N found from a
# reseal.fault=count boot's debug log: the block writes between the last
# filesystem change and the partition table line, half of them the backup's);
# then the primary header is torn on purpose (the new disk GUID over the old
# one without its CRC, and the primary array's first sector from the backup):
# the kernel falls back to the backup, reseal finds no readable table.  The
# next boot (root=PARTUUID= of the template, what the image's loader entry
# still says) must rebuild the primary from the intact backup and converge:
# PTUUID and PARTUUIDs new, sgdisk -v and every fsck clean, fstab consistent.
# Cost: three boots, ~90 s.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"

fault_golden gpt-torn || exit 1

# 1. Count, with the debug log naming every write.
count_boot "$T/count.log"
# the GPT's writes: after the last "TYPE on DEV: UUID a -> b", before "partition table on"
tr -d '\r' <"$T/count.log" | awk '
	/reseal: info: [a-z0-9]+ on \/dev\/[a-z0-9]+: UUID / { first = 0; n = 0 }
	/reseal: debug: write [0-9]+: block write/ { w = $0; sub(/.*write /, "", w); sub(/:.*/, "", w)
		if (!n++) first = w }
	/reseal: info: partition table on / { print first, n; exit }' >"$T/gptw"
read -r FIRST NW <"$T/gptw" || FIRST=
check "the count boot shows the GPT's block writes (first ${FIRST:-?}, ${NW:-?} of them, even)" \
	sh -c "[ -n '$FIRST' ] && [ '${NW:-0}' -ge 2 ] && [ \$(( ${NW:-1} % 2 )) -eq 0 ]"
[ -n "$FIRST" ] || exit 1
N=$((FIRST + NW / 2))

# 2. Cut right before the first primary write: the backup copy is new and flushed.
img=$T/cut.img
cp --sparse=always "$T/golden.img" "$img"
"$QEMU_DIR/boot.sh" "$img" "$INITRD_F" "$T/cut.log" --root "UUID=$ROOT_UUID" --timeout 180 \
	--append "reseal.fault=$N" >/dev/null 2>&1
check "the cut happened before write $N" grep -q "power cut before write $N" "$T/cut.log"
L=$(( $(stat -c %s "$img") / 512 - 1 ))
bguid=$(dd if="$img" bs=1 skip=$((L * 512 + 0x38)) count=16 status=none | od -An -tx1 | tr -d ' \n')
pguid=$(dd if="$img" bs=1 skip=$((512 + 0x38)) count=16 status=none | od -An -tx1 | tr -d ' \n')
check "after the cut: the backup header has a new disk GUID, the primary the old one" \
	sh -c "[ -n '$bguid' ] && [ '$bguid' != '$pguid' ]"
# 3. Tear the primary: the backup's disk GUID over the primary's (old CRC), and
# the backup array's first sector as the primary array's.
dd if="$img" of="$img" bs=1 skip=$((L * 512 + 0x38)) seek=$((512 + 0x38)) count=16 conv=notrunc status=none
ent=$(dd if="$img" bs=1 skip=$((L * 512 + 0x48)) count=8 status=none | od -An -tu8 | tr -d ' ')
dd if="$img" of="$img" bs=512 skip="$ent" seek=2 count=1 conv=notrunc status=none
check "negative control: sgdisk -v finds the primary header torn" \
	grep -q '^Main header: ERROR' <(sgdisk -v "$img" 2>&1)

# 4. The next boot, root= as the template's loader entry names it.
"$QEMU_DIR/boot.sh" "$img" "$INITRD" "$T/rec.log" --root "PARTUUID=$ROOT_PARTUUID" --timeout 180 \
	>/dev/null 2>&1
check "the next boot rebuilt the primary GPT from the backup" \
	grep -q 'rebuilding the primary copy from the intact backup copy' "$T/rec.log"
check "the next boot converges to one consistent identity (fstab = disk, new ids)" \
	consistent "$T/rec.log"
check "PTUUID and every PARTUUID differ from the template's" sh -c "
	grep -q '^PTUUID ' '$T/rec.log.ids' && ! grep -qi -e ' $DISK_GUID\$' -e ' $ESP_PARTUUID\$' \
		-e ' $ROOT_PARTUUID\$' -e ' $SRV_PARTUUID\$' -e ' $SWAP_PARTUUID\$' '$T/rec.log.ids' ||
	{ cat '$T/rec.log.ids'; exit 1; }"
check "sgdisk -v and every filesystem check clean (FAT dirty bit allowed)" fsck_all "$img" crashed
# sgdisk -v says "No problems found" of the table it loaded, even when that
# is the backup because the primary is broken: it warns above that line.
check "sgdisk -v: both copies intact (no ERROR, warning or CRC line)" \
	sh -c "! sgdisk -v '$img' 2>&1 | grep -E 'ERROR|Caution|Warning|CRC'"
