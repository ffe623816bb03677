#!/bin/sh
# Install, by Debian package name, what the cross builds and their qemu-user
# tests need (`make ARCH=aarch64|armhf|riscv64`, `make cross`,
# tests/t-cross.sh): the GNU cross compilers, musl for arm64 and armhf from
# Debian's multiarch packages, and qemu-user-static.  Debian 12 has no riscv64
# port, so musl for riscv64 is built from Debian's own musl source package
# into a cache under /var/tmp/reseal-cache keyed by this script's hash.
# Idempotent and quick when warm.  Run as root.
#
# usage: toolchain/cross-deps.sh    (prints nothing when all is in place)
set -eu

here=$(cd "$(dirname "$0")" && pwd)

# One run at a time: apt and the cache below are not safe to share.
mkdir -p /var/tmp/reseal-cache
exec 9>/var/tmp/reseal-cache/.cross-deps.lock
flock 9

# Foreign architectures first (their package lists need an update).
sh "$here/foreign-arch.sh" musl-dev:arm64 musl-dev:armhf

sh "$here/apt-install.sh" \
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu \
	qemu-user-static musl-dev:arm64 musl-dev:armhf \
	linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-riscv64-cross \
	dpkg-dev make

# riscv64 musl: from Debian's musl source, with the GNU cross compiler.
# The cache is keyed by this script, so editing the recipe rebuilds it.
key=$(sha256sum "$0" | cut -c1-16)
dir=/var/tmp/reseal-cache/musl-riscv64-$key
[ -x "$dir/bin/riscv64-linux-musl-gcc" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sh "$here/debsrc.sh" musl "$work"

echo "cross-deps: building musl for riscv64 into $dir"
# Earlier recipes' builds are stale: drop them.
for old in /var/tmp/reseal-cache/musl-riscv64-*; do
	[ "$old" = "$dir" ] || rm -rf "$old"
done
stage=$work/stage
(cd "$work/musl" &&
	./configure --target=riscv64-linux-gnu --prefix="$dir" --disable-shared \
		CROSS_COMPILE=riscv64-linux-gnu- CC=riscv64-linux-gnu-gcc CFLAGS=-Os \
		>"$work/configure.log" 2>&1 &&
	make -j"$(nproc)" >"$work/make.log" 2>&1 &&
	make DESTDIR="$stage" install >>"$work/make.log" 2>&1) ||
	{ tail -n 30 "$work/configure.log" "$work/make.log" 2>/dev/null; exit 1; }
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" && cp -a "$stage$dir/." "$dir.tmp/"

# The compiler wrapper, as Debian's musl-dev does it for arm64 and armhf:
# a gcc specs file that swaps glibc's headers, start files and libraries for
# musl's.
cat >"$dir.tmp/lib/musl-gcc.specs" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $dir/include -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $dir/include -isystem include%s

*link_libgcc:
-L$dir/lib -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: $dir/lib/Scrt1.o} $dir/lib/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $dir/lib/crtn.o

*link:
-dynamic-linker /lib/ld-musl-riscv64.so.1 -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}
EOF
mkdir -p "$dir.tmp/bin"
cat >"$dir.tmp/bin/riscv64-linux-musl-gcc" <<EOF
#!/bin/sh
exec "\${REALGCC:-riscv64-linux-gnu-gcc}" "\$@" -specs "$dir/lib/musl-gcc.specs"
EOF
chmod 0755 "$dir.tmp/bin/riscv64-linux-musl-gcc"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "cross-deps: musl for riscv64 ready"
