#!/bin/bash
# t-cross.sh: the cross builds (aarch64, armhf, riscv64: `make cross-test`)
# under qemu-user.  For each arch: the product is a static ELF of that arch;
# its unit tests (build-ARCH/reseal-test) pass; the Ed25519 keys of
# tests/t-ed25519-oracle.sh (RFC 8032 vectors in the unit suite, 10,000
# random seeds against python3-cryptography) match; and the shell suites run
# with RESEAL and RESEAL_ASAN pointing at a wrapper that runs
# build-ARCH/reseal through qemu-ARCH-static.  Every line is prefixed with the
# arch ("ok   armhf/t-run: ...").  Before the arches, the host's sanitizer
# build with crypto/ed25519.c's portable (no __int128) arithmetic forced
# (build/reseal-test-no128) runs the same Ed25519 checks as "x86_64-no128".
#
# CROSS_ARCHES (default "aarch64 armhf riscv64") picks arches; CROSS_SUITES
# the shell suites for every arch (default and "all": every one).
. "$(dirname "$0")/lib.sh"

ARCHES=${CROSS_ARCHES:-aarch64 armhf riscv64}
ALL_SUITES="t-run t-hostile t-references t-blk-ext4 t-blk-xfs t-blk-btrfs t-blk-vfat
	t-blk-gpt t-blk-mbr t-blk-swap"

# make check runs every suite on every arch (about 1.5 to 3 minutes per
# arch on an idle 2-core machine: the block-device suites spend their time in
# mkfs and the checkers, not in the emulated binary).  CROSS_SUITES narrows
# it for a quick look, e.g. CROSS_SUITES="t-run t-blk-ext4".
suites_for() {
	if [ -n "${CROSS_SUITES:-}" ] && [ "$CROSS_SUITES" != all ]; then
		echo $CROSS_SUITES
	else
		echo $ALL_SUITES
	fi
}

qemu_for() {
	case $1 in
	aarch64) echo qemu-aarch64-static ;;
	armhf)   echo qemu-arm-static ;;
	riscv64) echo qemu-riscv64-static ;;
	*)       return 1 ;;
	esac
}

# What file(1) says about a static binary of the arch.
elf_for() {
	case $1 in
	aarch64) echo 'ELF 64-bit LSB executable, ARM aarch64' ;;
	armhf)   echo 'ELF 32-bit LSB executable, ARM, EABI5' ;;
	riscv64) echo 'ELF 64-bit LSB executable, UCB RISC-V' ;;
	esac
}

# sub PREFIX CMD...: run a test program, print its output with PREFIX put in
# front of every test name, and report a program that failed without saying
# so, or said nothing (as tests/run.sh does for whole files).
sub() {
	_p=$1; shift
	"$@" >"$T/sub.out" 2>&1
	_rc=$?
	sed "s#^\(ok  \|FAIL\) #&$_p#" "$T/sub.out"
	grep -q '^\(ok\|FAIL\) ' "$T/sub.out" || fail "$_p: reported nothing (rc=$_rc)"
	[ $_rc -eq 0 ] || grep -q '^FAIL' "$T/sub.out" || fail "$_p: exited $_rc"
}

# The Ed25519 checks on one reseal-test binary: the unit suite (RFC 8032
# vectors, sign-bit vectors) and the random-seed oracle.
ed25519_checks() {
	sub "$1/unit/" "$2" ed25519
	sub "$1/" env RTEST="$2" bash "$TOP/tests/t-ed25519-oracle.sh"
}

if [ -x "$TOP/build/reseal-test-no128" ]; then
	ed25519_checks x86_64-no128 "$TOP/build/reseal-test-no128"
else
	fail "x86_64-no128: build/reseal-test-no128 exists" "make build/reseal-test-no128"
fi

for a in $ARCHES; do
	start=$(date +%s)
	B=$TOP/build-$a
	q=$(qemu_for "$a") || { fail "$a: a known arch"; continue; }
	if ! command -v "$q" >/dev/null; then
		fail "$a: $q is installed" "toolchain/cross-deps.sh"
		continue
	fi
	if ! [ -x "$B/reseal" ] || ! [ -x "$B/reseal-test" ]; then
		fail "$a: build-$a/reseal and build-$a/reseal-test exist" "make cross-test"
		continue
	fi
	check "$a: build-$a/reseal is a static $(elf_for "$a") binary" \
		sh -c "file -b '$B/reseal' | grep -q '^$(elf_for "$a").*statically linked'"

	mkdir -p "$T/$a"
	for b in reseal reseal-test; do
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$q" "$B/$b" >"$T/$a/$b"
		chmod 0755 "$T/$a/$b"
	done
	check "$a: reseal --version under $q" \
		sh -c "'$T/$a/reseal' --version | grep -qx 'reseal $(cat "$TOP/VERSION")'"

	sub "$a/unit/" "$T/$a/reseal-test" all
	sub "$a/" env RTEST="$T/$a/reseal-test" bash "$TOP/tests/t-ed25519-oracle.sh"
	for s in $(suites_for "$a"); do
		s0=$(date +%s)
		sub "$a/" env RESEAL="$T/$a/reseal" RESEAL_ASAN="$T/$a/reseal" \
			bash "$TOP/tests/$s.sh"
		echo "   ($a/$s: $(( $(date +%s) - s0 )) s)"
	done
	echo "   ($a: $(( $(date +%s) - start )) s: unit, ed25519, $(suites_for "$a" | tr '\n' ' '))"
done
