#!/bin/sh
# bench/ed25519.sh: instructions per Ed25519 key generation under callgrind.
#
# Ours: rs_ed25519_public_from_seed (crypto/ed25519.c) built with the product
# compiler and flags, taken from the Makefile (PROD_CFLAGS; PROD_LDFLAGS
# without -s, since callgrind needs the symbol).  Reference: libsodium's
# crypto_sign_seed_keypair (gcc -O2, system libsodium).  Both harnesses chain
# N keygens, each seed being the previous public key, and must end on the same
# key.  Goal: ours <= 1.5 x libsodium (both measured by this script;
# docs/keys.md §4.5).  Exits 1 when the goal is missed.
#
# usage: sh bench/ed25519.sh [N]     N keygens per run (default 100)
#        sh bench/ed25519.sh table   regenerate the base table in
#                                    crypto/ed25519.c from gen_table.c
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
W=$(mktemp -d /tmp/reseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

die() {
	echo "bench/ed25519.sh: FATAL: $*" >&2
	exit 1
}

# The table generator includes crypto/ed25519.c whole, so it is built with
# the host compiler and the system BearSSL (libbearssl-dev).
build_gen_table() {
	${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-O1 -Icrypto -o "$W/gen_table" bench/ed25519/gen_table.c \
		-lbearssl || die "unable to build bench/ed25519/gen_table.c"
}

if [ "${1:-}" = table ]; then
	# If ge_niels ever changes shape, first replace the table by
	# "static const ge_niels base[8][8];" so that the generator compiles.
	build_gen_table
	"$W/gen_table" >"$W/table.inc" || die "gen_table failed"
	awk -v inc="$W/table.inc" '
		/BEGIN BASE TABLE/ { while ((getline l < inc) > 0) print l; skip = 1; next }
		/END BASE TABLE/ { skip = 0; next }
		!skip { print }' crypto/ed25519.c >"$W/ed25519.c"
	cat "$W/ed25519.c" >crypto/ed25519.c
	echo "crypto/ed25519.c: base table regenerated"
	exit 0
fi

N=${1:-100}
GOAL=1.5

command -v valgrind >/dev/null 2>&1 ||
	die "valgrind not found: no measurement possible (apt-get install valgrind)"
[ -f /usr/include/sodium.h ] ||
	die "libsodium headers not found (apt-get install libsodium-dev)"

# BearSSL for musl: the first prerequisite of build/reseal.
if ! [ -f build/bearssl/libbearssl.a ]; then
	echo "building build/bearssl (make build/bearssl/libbearssl.a) ..."
	make -s build/bearssl/libbearssl.a >&2 || die "unable to build build/bearssl"
fi

# The product's compiler and flags, as the Makefile computes them.
mkvar() {
	# shellcheck disable=SC2016  # $(...) is for make, not for the shell
	printf 'print-var:\n\t@echo $(%s)\n' "$1" | make -s --no-print-directory -f Makefile -f - print-var
}
MUSL_CC=$(mkvar MUSL_CC)
PROD_CFLAGS=$(mkvar PROD_CFLAGS)
PROD_LDFLAGS=$(mkvar PROD_LDFLAGS)
if [ -z "$MUSL_CC" ] || [ -z "$PROD_CFLAGS" ]; then
	die "unable to read MUSL_CC and PROD_CFLAGS from the Makefile"
fi
LDFLAGS=
for f in $PROD_LDFLAGS; do
	[ "$f" = -s ] || LDFLAGS="$LDFLAGS $f"
done

# shellcheck disable=SC2086  # word splitting of the flag lists is intended
$MUSL_CC $PROD_CFLAGS -c -o "$W/ed25519.o" crypto/ed25519.c ||
	die "unable to compile crypto/ed25519.c with the product flags"
# shellcheck disable=SC2086
$MUSL_CC $PROD_CFLAGS -o "$W/ours" bench/ed25519/ours.c "$W/ed25519.o" \
	build/bearssl/libbearssl.a $LDFLAGS || die "unable to link the reseal harness"
${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$W/sodium" bench/ed25519/sodium.c -lsodium ||
	die "unable to build the libsodium harness"

a=$("$W/ours" "$N") || die "the reseal harness failed"
b=$("$W/sodium" "$N") || die "the libsodium harness failed"
[ "$a" = "$b" ] || die "after $N chained keygens: reseal $a, libsodium $b"

# Ir per keygen: callgrind counts only while FUNC is on the stack.
ir_per_key() {
	valgrind --tool=callgrind --callgrind-out-file="$W/$1.cg" --toggle-collect="$2" \
		"$W/$1" "$N" >/dev/null 2>"$W/$1.log" || { cat "$W/$1.log" >&2; die "valgrind $1 failed"; }
	awk -v n="$N" '/^(summary|totals):/ { printf "%d\n", $2 / n; exit }' "$W/$1.cg"
}
ours=$(ir_per_key ours rs_ed25519_public_from_seed)
sod=$(ir_per_key sodium crypto_sign_seed_keypair)
if ! [ "${ours:-0}" -gt 0 ] || ! [ "${sod:-0}" -gt 0 ]; then
	die "callgrind reported no instructions (ours '$ours', libsodium '$sod')"
fi

# Constant time: memcheck taints the seed and reports any branch or address
# that depends on it (bench/ed25519/ct.c).  musl-gcc's include path has no
# /usr/include, so the valgrind headers come in through a private directory.
mkdir -p "$W/inc" && ln -s /usr/include/valgrind "$W/inc/valgrind"
# shellcheck disable=SC2086
$MUSL_CC $PROD_CFLAGS -I"$W/inc" -o "$W/ct" bench/ed25519/ct.c "$W/ed25519.o" \
	build/bearssl/libbearssl.a $LDFLAGS || die "unable to build bench/ed25519/ct.c"
ctrc=0
valgrind --error-exitcode=9 "$W/ct" >/dev/null 2>"$W/ct.log" || ctrc=$?
cterr=$(awk '/ERROR SUMMARY:/ { print $4; exit }' "$W/ct.log")

size=$(size -A "$W/ed25519.o" | awk '$1 ~ /^\.(text|rodata|data)/ { s += $2 } END { print s }')
sodver=$(dpkg-query -W -f '${Version}' libsodium23 2>/dev/null || echo '?')

echo "Ed25519 keygen, $N chained calls each (final keys agree: $a)"
echo "flags: $MUSL_CC $PROD_CFLAGS$LDFLAGS"
printf '%-52s %12s\n' "" "Ir/keygen"
printf '%-52s %12s\n' "reseal rs_ed25519_public_from_seed (-Os)" "$ours"
printf '%-52s %12s\n' "libsodium $sodver crypto_sign_seed_keypair" "$sod"
if [ "$ctrc" -eq 0 ] && [ "$cterr" = 0 ]; then
	ct="0 (ok)"
else
	ct="${cterr:-?} (FAIL)"
fi
awk -v o="$ours" -v s="$sod" -v g="$GOAL" -v z="$size" -v ct="$ct" 'BEGIN {
	r = o / s
	printf "%-52s %12.2f   (goal <= %.2f: %s)\n", "ratio reseal/libsodium", r, g, r <= g ? "met" : "NOT MET"
	printf "%-52s %12d\n", "ed25519.o code + tables, bytes", z
	printf "%-52s %12s\n", "memcheck errors with the seed tainted", ct
	exit r <= g ? 0 : 1
}' || die "Ir per keygen is above $GOAL x libsodium"
if [ "$ct" != "0 (ok)" ]; then
	grep -B2 -A12 'uninitialised' "$W/ct.log" | head -n 40 >&2
	die "memcheck found secret-dependent branches or addresses (rc $ctrc)"
fi
