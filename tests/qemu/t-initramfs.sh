# t-initramfs.sh: initramfs/build.sh on a synthetic module tree (no QEMU, no
# installed kernel needed): dependency order, decompression of .ko.xz,
# .ko.gz and .ko.zst, built-in modules, aliases, softdeps, error exits, and
# byte-identical output across runs.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
B=$TOP/initramfs/build.sh

K=9.9.9-test
M=$T/mods/$K
mkdir -p "$M/kernel/a" "$M/kernel/b"
for n in base mid top gzm zsm other cyc1 cyc2 pre; do
	printf 'ELF-ish module %s\n' "$n" >"$T/$n.ko"
done
cp "$T/base.ko" "$M/kernel/a/base.ko"
xz -c "$T/mid.ko" >"$M/kernel/a/mid.ko.xz"
cp "$T/top.ko" "$M/kernel/b/top-mod.ko"
gzip -n -c "$T/gzm.ko" >"$M/kernel/b/gzm.ko.gz"
zstd -q -c "$T/zsm.ko" >"$M/kernel/b/zsm.ko.zst"
cp "$T/other.ko" "$M/kernel/b/other.ko"
cp "$T/cyc1.ko" "$M/kernel/b/cyc1.ko"
cp "$T/cyc2.ko" "$M/kernel/b/cyc2.ko"
cp "$T/pre.ko" "$M/kernel/b/pre.ko"
# modules.dep lists the whole closure, deepest last (as depmod does).
cat >"$M/modules.dep" <<'EOF'
kernel/a/base.ko:
kernel/a/mid.ko.xz: kernel/a/base.ko
kernel/b/top-mod.ko: kernel/b/zsm.ko.zst kernel/a/mid.ko.xz kernel/a/base.ko
kernel/b/gzm.ko.gz: kernel/a/base.ko
kernel/b/zsm.ko.zst: kernel/b/gzm.ko.gz kernel/a/base.ko
kernel/b/other.ko:
kernel/b/cyc1.ko: kernel/b/cyc2.ko
kernel/b/cyc2.ko: kernel/b/cyc1.ko
kernel/b/pre.ko:
EOF
printf 'kernel/fs/ext4/ext4.ko\n' >"$M/modules.builtin"
printf 'alias fs-other other\nalias pci:v00001AF4d* top_mod\n' >"$M/modules.alias"
printf 'softdep other pre: pre\n' >"$M/modules.softdep"

printf '#!/bin/sh\necho hi\n' >"$T/init.sh"
printf '\177ELF not really\n' >"$T/init.bin"

"$B" --list --moddir "$T/mods" --kver $K --modules "top_mod ext4 fs-other" >"$T/list" 2>&1
check "--list resolves" test -s "$T/list"
check "--list: dependencies first, '-' and '_' alike, built-in as comment" \
	test "$(cut -f1 "$T/list" | tr '\n' ' ')" = \
	"kernel/a/base.ko kernel/a/mid.ko.xz kernel/b/gzm.ko.gz kernel/b/zsm.ko.zst kernel/b/top-mod.ko # ext4: built in (requested) kernel/b/other.ko "
"$B" --list --moddir "$T/mods" --kver $K --modules "other" --softdeps >"$T/list2" 2>&1
check "--softdeps loads pre: modules first" \
	test "$(cut -f1 "$T/list2" | tr '\n' ' ')" = "kernel/b/pre.ko kernel/b/other.ko "
# An alias with two providers, as Debian's armhf kernel has for crc32c
# (crc32_arm_ce, which a Cortex-A15 cannot load, and crc32c_generic): both
# are taken, for a softdep and for a requested alias alike.
K2=9.9.9-alias
mkdir -p "$T/mods/$K2/kernel"
for n in fs crc_ce crc_gen; do cp "$T/base.ko" "$T/mods/$K2/kernel/$n.ko"; done
printf 'kernel/fs.ko:\nkernel/crc_ce.ko:\nkernel/crc_gen.ko:\n' >"$T/mods/$K2/modules.dep"
printf 'alias crypto-crcx crc_ce\nalias crcx crc_ce\nalias crypto-crcx crc_gen\nalias crcx crc_gen\n' \
	>"$T/mods/$K2/modules.alias"
printf 'softdep fs pre: crypto-crcx\n' >"$T/mods/$K2/modules.softdep"
"$B" --list --moddir "$T/mods" --kver $K2 --modules fs --softdeps >"$T/list3" 2>&1
check "a softdep alias brings every provider" \
	test "$(cut -f1 "$T/list3" | tr '\n' ' ')" = "kernel/crc_ce.ko kernel/crc_gen.ko kernel/fs.ko "
"$B" --list --moddir "$T/mods" --kver $K2 --modules crcx >"$T/list4" 2>&1
check "a requested alias brings every provider" \
	test "$(cut -f1 "$T/list4" | tr '\n' ' ')" = "kernel/crc_ce.ko kernel/crc_gen.ko "
# A built-in provider's alias is only in modules.builtin.modinfo.
printf 'kernel/crypto/crc_bi.ko\n' >"$T/mods/$K2/modules.builtin"
printf 'crc_bi.alias=crypto-crcx\0crc_bi.alias=crcx\0crc_bi.license=GPL\0' >"$T/mods/$K2/modules.builtin.modinfo"
"$B" --list --moddir "$T/mods" --kver $K2 --modules crcx >"$T/list5" 2>&1
check "a built-in provider of an alias (modules.builtin.modinfo) counts too" \
	test "$(cut -f1 "$T/list5" | tr '\n' ' ')" = "kernel/crc_ce.ko kernel/crc_gen.ko # crc_bi: built in (requested) "

export SOURCE_DATE_EPOCH=1234567890
"$B" --init "$T/init.bin" --out "$T/a.cpio.gz" --moddir "$T/mods" --kver $K \
	--modules "top_mod ext4" --extra "$T/init.sh:/usr/share/x/y.sh" --symlink /bin/sh:busybox \
	>"$T/build.out" 2>&1
check "builds" grep -q 'initramfs: .*a.cpio.gz: [0-9]* bytes' "$T/build.out"
touch "$T/init.bin" "$M/kernel/a/base.ko"
"$B" --init "$T/init.bin" --out "$T/b.cpio.gz" --moddir "$T/mods" --kver $K \
	--modules "top_mod ext4" --extra "$T/init.sh:/usr/share/x/y.sh" --symlink /bin/sh:busybox >/dev/null 2>&1
check "two runs are byte-identical" cmp "$T/a.cpio.gz" "$T/b.cpio.gz"
check "gzip header has no name and no time (gzip -n)" \
	test "$(od -An -tx1 -j3 -N5 "$T/a.cpio.gz" | tr -d ' ')" = 0000000000

mkdir "$T/x"
(cd "$T/x" && zcat "$T/a.cpio.gz" | cpio -id --quiet --no-absolute-filenames 2>/dev/null)
check "every module is decompressed to .ko with its original bytes" sh -c "
	cmp '$T/x/lib/modules/$K/kernel/a/mid.ko' '$T/mid.ko' &&
	cmp '$T/x/lib/modules/$K/kernel/b/gzm.ko' '$T/gzm.ko' &&
	cmp '$T/x/lib/modules/$K/kernel/b/zsm.ko' '$T/zsm.ko' &&
	cmp '$T/x/lib/modules/$K/kernel/b/top-mod.ko' '$T/top.ko' &&
	! ls '$T/x/lib/modules/$K/kernel/'*/*.ko.* 2>/dev/null | grep -q ."
check "module list: absolute paths in load order, built-in as a comment" \
	test "$(grep -v '^# [KW]' "$T/x/etc/reseal/modules" | tr '\n' ' ')" = \
	"/lib/modules/$K/kernel/a/base.ko /lib/modules/$K/kernel/a/mid.ko /lib/modules/$K/kernel/b/gzm.ko /lib/modules/$K/kernel/b/zsm.ko /lib/modules/$K/kernel/b/top-mod.ko # ext4: built in (requested) "
check "init is 0755, data files 0644, dirs 0755, all root-owned" sh -c "
	zcat '$T/a.cpio.gz' | cpio -itv --quiet 2>/dev/null | awk '
		\$NF == \"init\" && \$1 != \"-rwxr-xr-x\" { bad = 1 }
		\$NF ~ /\\.ko\$/ && \$1 != \"-rw-r--r--\" { bad = 1 }
		\$1 ~ /^d/ && \$1 != \"drwxr-xr-x\" { bad = 1 }
		\$3 != \"root\" || \$4 != \"root\" { bad = 1 }
		END { exit bad }'"
check "mtimes are SOURCE_DATE_EPOCH" sh -c \
	"zcat '$T/a.cpio.gz' | cpio -itv --quiet 2>/dev/null | grep -v ' Feb 13  2009 ' | grep -q . && exit 1 || exit 0"
check "entries sorted, parents first" sh -c \
	"zcat '$T/a.cpio.gz' | cpio -it --quiet 2>/dev/null >'$T/names' && LC_ALL=C sort -c '$T/names'"
check "API directories and /lib/modules/KVER present" sh -c \
	"cd '$T/x' && test -d dev && test -d proc && test -d sys && test -d run && test -d sysroot && test -d lib/modules/$K"
check "--extra and --symlink land" sh -c \
	"cmp '$T/x/usr/share/x/y.sh' '$T/init.sh' && test \"\$(readlink '$T/x/bin/sh')\" = busybox"
check "no modules: no module list" sh -c "
	'$B' --init '$T/init.bin' --out '$T/c.cpio' >/dev/null &&
	! cpio -it --quiet <'$T/c.cpio' 2>/dev/null | grep -q etc/reseal/modules"

check_fails "a script init without its interpreter is refused" \
	"$B" --init "$T/init.sh" --out "$T/d.cpio.gz"
check "a script init with its interpreter is accepted" \
	"$B" --init "$T/init.sh" --out "$T/d.cpio.gz" --extra "$T/init.bin:/bin/busybox" --symlink /bin/sh:busybox
exit_is() { want=$1; shift; "$@" >/dev/null 2>&1; test $? = "$want"; }
check "unknown module: exit 111" exit_is 111 "$B" --list --moddir "$T/mods" --kver $K --modules nosuch
check "dependency cycle: exit 111" exit_is 111 "$B" --list --moddir "$T/mods" --kver $K --modules cyc1
check "missing modules.dep: exit 111" exit_is 111 "$B" --list --moddir "$T/mods" --kver 0.0 --modules base
check "usage error: exit 100" exit_is 100 "$B" --init "$T/init.bin"
check "--modules without --kver: exit 100" exit_is 100 "$B" --init "$T/init.bin" --out "$T/e.cpio" --modules base
