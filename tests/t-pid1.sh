# t-pid1.sh: reseal as PID 1 outside its initramfs (docs/boot.md §1.1).
# Being PID 1 alone (a container, `unshare -fp`) must not start the boot
# flow: a command word runs that command; no command is refused, with
# nothing mounted.  The mount tables are compared in a private mount
# namespace (unshare -m), so a regression cannot reach the host's.
# About 1 s.
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || { fail "needs unshare (util-linux)"; exit 0; }
truncate -s 16M "$T/img"
mkfs.ext4 -q -F -U 11111111-2222-3333-4444-555555555555 "$T/img"
mkdir "$T/root"

# Every run is under `timeout 20`: the boot flow would wait 180 s for a
# root= device, so a run still going then has wrongly entered it.
if out=$(timeout 20 unshare -fp --mount-proc "$RESEAL" probe "$T/img" 2>&1) &&
   echo "$out" | grep -qx UUID=11111111-2222-3333-4444-555555555555; then
	pass "probe as PID 1 (unshare -fp --mount-proc) probes"
else fail "probe as PID 1 (unshare -fp --mount-proc) probes" "$out"; fi
if out=$(timeout 20 unshare -fp --mount-proc "$RESEAL" --help 2>&1) &&
   echo "$out" | grep -q '^usage: reseal run'; then pass "--help as PID 1 prints the usage"
else fail "--help as PID 1 prints the usage" "$out"; fi
if out=$(timeout 20 unshare -fp --mount-proc "$RESEAL" run --root "$T/root" 2>&1) &&
   echo "$out" | grep -q 'no template marker'; then pass "run --root as PID 1 runs"
else fail "run --root as PID 1 runs" "$out"; fi

# No command word (none, or a kernel-style word such as "-f") on a root
# that is not an initramfs: refused, exit 100, saying why.
for args in "" "-f"; do
	rc=0
	out=$(timeout 20 unshare -fp --mount-proc "$RESEAL" $args 2>&1) || rc=$?
	if [ $rc = 100 ] && echo "$out" | grep -q 'running as PID 1, but / is not an initramfs' &&
	   echo "$out" | grep -q 'nothing mounted, nothing changed'; then
		pass "PID 1 without a command ('$args') outside an initramfs is refused"
	else fail "PID 1 without a command ('$args') outside an initramfs is refused" "rc=$rc: $out"; fi
done

# The mount table of a second process sharing reseal's mount namespace:
# unchanged by a PID-1 reseal with or without a command.  The outer
# unshare -m (private propagation) keeps all of this off the host; the
# inner unshare -fp makes reseal PID 1 in that same mount namespace.
cat >"$T/mounts.sh" <<'EOF'
set -u
cat /proc/self/mountinfo >"$T/before"
timeout 20 unshare -fp "$RESEAL" probe "$T/img" >/dev/null 2>&1
timeout 20 unshare -fp "$RESEAL" >/dev/null 2>&1
timeout 20 unshare -fp "$RESEAL" -f >/dev/null 2>&1
cat /proc/self/mountinfo >"$T/after"
EOF
T=$T RESEAL=$RESEAL unshare -m --propagation private sh "$T/mounts.sh"
if [ -s "$T/before" ] && cmp -s "$T/before" "$T/after"; then
	pass "mount table unchanged by reseal as PID 1"
else fail "mount table unchanged by reseal as PID 1" \
	"$(diff "$T/before" "$T/after" 2>&1 | head -n 8 | tr '\n' ' ')"; fi

# A ramfs/tmpfs root whose /init is not reseal (a container on tmpfs, or
# another initramfs) is not reseal's initramfs either.
cat >"$T/tmpfs.sh" <<'EOF'
set -u
mount -t tmpfs tmpfs "$T/r" || exit 1
mkdir "$T/r/bin"
cp "$RESEAL" "$T/r/bin/reseal"
printf '#!/bin/sh\n' >"$T/r/init"
chmod 755 "$T/r/init"
timeout 20 unshare -fp chroot "$T/r" /bin/reseal >"$T/tmpfs.out" 2>&1
echo $? >"$T/tmpfs.rc"
ls -A "$T/r" >"$T/tmpfs.ls"
EOF
mkdir "$T/r"
T=$T RESEAL=$RESEAL unshare -m --propagation private sh "$T/tmpfs.sh"
if [ "$(cat "$T/tmpfs.rc" 2>/dev/null)" = 100 ] &&
   grep -q '/init is not this program' "$T/tmpfs.out" &&
   [ "$(tr '\n' ' ' <"$T/tmpfs.ls")" = "bin init " ]; then
	pass "PID 1 on a tmpfs whose /init is another program is refused, nothing created"
else fail "PID 1 on a tmpfs whose /init is another program is refused, nothing created" \
	"rc=$(cat "$T/tmpfs.rc" 2>/dev/null) $(cat "$T/tmpfs.out" "$T/tmpfs.ls" 2>/dev/null | tr '\n' ' ')"; fi
