# t-blk-swap.sh: Linux swap probe and UUID change (docs/formats.md
# §5) against blkid, swaplabel, mkswap and the kernel's swapon.
. "$(dirname "$0")/lib.sh"

for tool in mkswap swaplabel blkid losetup; do
	command -v "$tool" >/dev/null || { fail "needs $tool"; exit 0; }
done

LOOPS= SWAPS=
cleanup() {
	for s in $SWAPS; do swapoff "$s" 2>/dev/null; done
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

fields() { grep -E '^(TYPE|UUID|LABEL|VERSION)=' | LC_ALL=C sort; }
same_as_blkid() { # IMG TYPE
	"$RESEAL" probe "$1" | fields >"$T/p.r" && blkid -p -o export "$1" | fields >"$T/p.b" &&
		grep -qx "TYPE=$2" "$T/p.b" && diff "$T/p.b" "$T/p.r"
}
bl_uuid() { blkid -p -o value -s UUID "$1"; }
refused() { # NAME IMG PATTERN: exit 100, a reason, zero bytes written
	_n=$1 _i=$2 _p=$3
	_h=$(sha256sum <"$_i")
	"$RESEAL" setuuid "$_i" 0f0e0d0c-0b0a-4908-8706-050403020100 >"$T/r.out" 2>&1; _rc=$?
	"$RESEAL_ASAN" setuuid "$_i" 0f0e0d0c-0b0a-4908-8706-050403020100 >"$T/r2.out" 2>&1; _rc2=$?
	if [ $_rc -eq 100 ] && [ $_rc2 -eq 100 ] && grep -q -- "$_p" "$T/r.out" &&
		[ "$_h" = "$(sha256sum <"$_i")" ]; then
		pass "$_n"
	else
		fail "$_n" "rc=$_rc/$_rc2"; sed 's/^/    | /' "$T/r.out" "$T/r2.out"
	fi
}
mksw() { # IMG SIZE mkswap-options...
	_i=$1 _s=$2; shift 2
	rm -f "$_i"; truncate -s "$_s" "$_i" && chmod 600 "$_i" && mkswap "$@" "$_i" >/dev/null 2>&1
}

U1=6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
mksw "$T/plain.img" 32M
mksw "$T/lab.img" 32M -L swaplbl
mksw "$T/fix.img" 32M -L fixed -U 11223344-5566-4788-99aa-bbccddeeff00
mksw "$T/p64.img" 32M -p 65536 -L page64
for v in plain lab fix p64; do
	check "$v: probe == blkid (TYPE, UUID, LABEL, VERSION=1)" same_as_blkid "$T/$v.img" swap
done
check "fix: probe shows the -U UUID" sh -c \
	"'$RESEAL' probe '$T/fix.img' | grep -qx UUID=11223344-5566-4788-99aa-bbccddeeff00"

for v in lab fix p64; do
	cp "$T/$v.img" "$T/$v.orig"
	cp "$T/$v.img" "$T/$v.ref"
	swaplabel -U $U1 "$T/$v.ref" >/dev/null 2>&1
	check "$v: setuuid exits 0" "$RESEAL_ASAN" setuuid "$T/$v.img" $U1
	check "$v: blkid shows the new UUID" test "$(bl_uuid "$T/$v.img")" = $U1
	check "$v: swaplabel shows the new UUID and the old label" sh -c \
		"swaplabel '$T/$v.img' | grep -q 'UUID: *$U1' && swaplabel '$T/$v.img' | grep -q 'LABEL: *$("$RESEAL" probe "$T/$v.orig" | sed -n 's/^LABEL=//p')\$'"
	check "$v: byte-identical to swaplabel -U" cmp "$T/$v.ref" "$T/$v.img"
	check "$v: only the 16 bytes at 0x40c changed" sh -c \
		"cmp -l '$T/$v.orig' '$T/$v.img' | awk '\$1 < 1037 || \$1 > 1052 { bad = 1 } END { exit bad || NR == 0 }'"
done
"$RESEAL" setuuid "$T/lab.img" >"$T/o" 2>&1
check "lab: setuuid random writes 16 bytes" grep -q '(16 bytes written)' "$T/o"
check "lab: setuuid random gives a new UUID" test "$(bl_uuid "$T/lab.img")" != $U1
"$RESEAL" setuuid "$T/fix.img" $U1 >"$T/o" 2>&1
check "fix: setuuid to the current UUID writes nothing" grep -q '(0 bytes written)' "$T/o"

# The kernel: swapon through a loop device, and O_EXCL while it is active.
mksw "$T/on.img" 32M -L onswap
"$RESEAL" setuuid "$T/on.img" $U1 >/dev/null 2>&1
l=$(losetup -f --show "$T/on.img") && LOOPS="$LOOPS $l"
if swapon "$l" 2>"$T/swapon.err"; then
	SWAPS="$SWAPS $l"
	check "swapon: the kernel activates the changed swap area" grep -q "^$l " /proc/swaps
	h=$(sha256sum <"$T/on.img")
	"$RESEAL" setuuid "$l" random >"$T/o" 2>&1; rc=$?
	check "swapon: setuuid on the active /dev/loopN is refused with exit 100 (busy)" \
		sh -c "[ $rc -eq 100 ] && grep -qi busy '$T/o'"
	"$RESEAL" setuuid "$T/on.img" random >"$T/o" 2>&1; rc=$?
	check "swapon: setuuid on the image behind it is refused with exit 100" \
		sh -c "[ $rc -eq 100 ] && grep -q attached '$T/o'"
	check "swapon: nothing was written" test "$h" = "$(sha256sum <"$T/on.img")"
	check "swapoff" swapoff "$l"
	SWAPS=
else
	echo "note: swapon $l failed in this sandbox ($(cat "$T/swapon.err")); swapon cases skipped"
fi
losetup -d "$l"; LOOPS=

# A swap file (no loop device): O_EXCL does not apply, /proc/swaps does.
rm -f "$T/file.swap"
if dd if=/dev/zero of="$T/file.swap" bs=1M count=16 status=none && chmod 600 "$T/file.swap" &&
	mkswap "$T/file.swap" >/dev/null 2>&1 && swapon "$T/file.swap" 2>"$T/swapon.err"; then
	SWAPS="$SWAPS $T/file.swap"
	refused "active swap file is refused (in /proc/swaps)" "$T/file.swap" "in use as swap"
	swapoff "$T/file.swap"; SWAPS=
	check "control: the same swap file after swapoff is accepted" \
		"$RESEAL" setuuid "$T/file.swap" $U1
else
	echo "note: swapon of a swap file failed here ($(cat "$T/swapon.err" 2>/dev/null)); skipped"
fi

# Hibernation images: reported like blkid (TYPE=swsuspend), never changed.
for sig in S1SUSPEND S2SUSPEND ULSUSPEND LINHIB0001; do
	cp "$T/fix.orig" "$T/h.img"
	printf '%s' $sig | dd of="$T/h.img" bs=1 seek=4086 conv=notrunc status=none
	check "$sig: probe == blkid (TYPE=swsuspend)" same_as_blkid "$T/h.img" swsuspend
	refused "$sig: setuuid refuses a hibernation image" "$T/h.img" "hibernation"
done
cp "$T/fix.orig" "$T/h.img"
printf '\355\303\002\351\230\126\345\014' | dd of="$T/h.img" conv=notrunc status=none
check "TuxOnIce: probe == blkid (TYPE=swsuspend, VERSION=tuxonice)" same_as_blkid "$T/h.img" swsuspend
refused "TuxOnIce: setuuid refuses it" "$T/h.img" "hibernation"
cp "$T/p64.orig" "$T/h.img"
printf 'S2SUSPEND' | dd of="$T/h.img" bs=1 seek=$((0xfff6)) conv=notrunc status=none
check "64 KiB pages, S2SUSPEND: probe == blkid" same_as_blkid "$T/h.img" swsuspend
refused "64 KiB pages, S2SUSPEND: refused" "$T/h.img" "hibernation"

# Other refusals.
cp "$T/fix.orig" "$T/r.img"
truncate -s 16M "$T/r.img"
refused "truncated swap image is refused" "$T/r.img" "truncated"
cp "$T/fix.orig" "$T/r.img"
printf 'SWAP-SPACE' | dd of="$T/r.img" bs=1 seek=4086 conv=notrunc status=none
check "v0 SWAP-SPACE: probe == blkid (VERSION=0, no UUID)" same_as_blkid "$T/r.img" swap
refused "v0 SWAP-SPACE: setuuid refuses (no UUID field)" "$T/r.img" "v0"
cp "$T/fix.orig" "$T/r.img"
printf '\001' | dd of="$T/r.img" bs=1 seek=$((0x4ac)) conv=notrunc status=none
check "garbage in the header padding: probe == blkid (no UUID, no LABEL)" same_as_blkid "$T/r.img" swap
refused "garbage in the header padding is refused" "$T/r.img" "padding"
