# t-caps.sh: the file operations' fixed limits are bounded and loud
# (docs/operations.md §5.3, docs/formats.md §10.3):
#   - net-rules scans an ifcfg file that fills its 16 KiB buffer (no NUL
#     after it) without reading past it: run under the sanitizer build;
#   - more ifcfg files than net-rules lists, and more entries to rewrite in
#     one directory than references lists (NAMES_MAX), fail the op with a
#     message naming the cap and the first entry left unchanged, instead of
#     leaving them unchanged in silence;
#   - entries that need no change do not count against NAMES_MAX.
# About 2 s.
. "$(dirname "$0")/lib.sh"

OLD=11111111-2222-3333-4444-555555555555
NEW=66666666-7777-8888-9999-aaaaaaaaaaaa

# 1. An ifcfg file of exactly 16384 bytes ending in blanks, no newline.
R=$T/r1
mkdir -p "$R/etc/sysconfig/network-scripts"
f=$R/etc/sysconfig/network-scripts/ifcfg-eth0
printf 'DEVICE=eth0\n  HWADDR=52:54:00:12:34:56\nONBOOT=yes\n' >"$f"
head -c $((16384 - $(stat -c %s "$f"))) /dev/zero | tr '\0' ' ' >>"$f"
printf 'DEVICE=eth0\nONBOOT=yes\n' >"$T/expect"
head -c $((16384 - 50)) /dev/zero | tr '\0' ' ' >>"$T/expect"
check "the ifcfg file fills the buffer" test "$(stat -c %s "$f")" = 16384
check "net-rules on a buffer-filling ifcfg file: no overread (ASan), exit 0" \
	"$RESEAL_ASAN" run --root "$R" --force --only net-rules
check "its HWADDR= line is dropped, the rest kept byte for byte" cmp "$f" "$T/expect"

# 2. 33 ifcfg files, each with a HWADDR= line: one more than net-rules lists.
R=$T/r2
mkdir -p "$R/etc/sysconfig/network-scripts"
for i in $(seq 1 33); do
	printf 'DEVICE=eth%d\nHWADDR=52:54:00:12:34:%02x\n' "$i" "$i" \
		>"$R/etc/sysconfig/network-scripts/ifcfg-eth$i"
done
rc=0
"$RESEAL" run --root "$R" --force --only net-rules >"$T/o2" 2>&1 || rc=$?
left=$(grep -l HWADDR "$R"/etc/sysconfig/network-scripts/ifcfg-* | wc -l)
if [ $rc = 111 ] && [ "$left" = 1 ] &&
   grep -q "ifcfg-eth[0-9]* not checked for HWADDR=: more than 32 ifcfg files" "$T/o2"; then
	pass "33 ifcfg files: the one not handled is named, net-rules fails (exit 111)"
else fail "33 ifcfg files: the one not handled is named, net-rules fails (exit 111)" \
	"rc=$rc, $left left: $(tr '\n' ' ' <"$T/o2")"; fi

# 3. 300 mount units naming OLD: more than NAMES_MAX (256) to rewrite.
R=$T/r3
mkdir -p "$R/etc/systemd/system"
for i in $(seq 1 300); do
	printf '[Mount]\nWhat=/dev/disk/by-uuid/%s\nWhere=/m%d\n' "$OLD" "$i" \
		>"$R/etc/systemd/system/m$i.mount"
done
rc=0
"$RESEAL" references --root "$R" "$OLD=$NEW" >"$T/o3" 2>&1 || rc=$?
left=$(grep -l "$OLD" "$R"/etc/systemd/system/*.mount | wc -l)
if [ $rc = 111 ] && [ "$left" = 44 ] &&
   grep -q "/etc/systemd/system: 44 entries not handled, the first 'm[0-9]*.mount': more than NAMES_MAX (256)" "$T/o3"; then
	pass "300 units to rewrite: the 44 past NAMES_MAX are reported, references fails (exit 111)"
else fail "300 units to rewrite: the 44 past NAMES_MAX are reported, references fails (exit 111)" \
	"rc=$rc, $left left: $(tr '\n' ' ' <"$T/o3" | cut -c1-300)"; fi

# 4. 600 units that need nothing, one whose name carries OLD (and a
# .wants link to it): the one is renamed whatever readdir's order.
R=$T/r4
mkdir -p "$R/etc/systemd/system/swap.target.wants"
for i in $(seq 1 600); do
	printf '[Unit]\n' >"$R/etc/systemd/system/u$i.service"
done
unit="dev-disk-by\\x2duuid-$OLD.swap"
newunit="dev-disk-by\\x2duuid-$NEW.swap"
printf '[Swap]\nWhat=/dev/disk/by-uuid/%s\n' "$OLD" >"$R/etc/systemd/system/$unit"
ln -s "../$unit" "$R/etc/systemd/system/swap.target.wants/$unit"
check "600 units needing nothing do not hide the one to rename" sh -c '
	"$0" references --root "$1" "$2=$3" &&
	grep -q "What=/dev/disk/by-uuid/$3" "$1/etc/systemd/system/$4" &&
	test ! -e "$1/etc/systemd/system/$5" &&
	test "$(readlink "$1/etc/systemd/system/swap.target.wants/$4")" = "../$4"' \
	"$RESEAL" "$R" "$OLD" "$NEW" "$newunit" "$unit"
