#!/bin/bash
# t-ed25519-oracle.sh: seed -> public key through `reseal-test ed25519_pub`
# for 10,000 random seeds (plus edge cases), each compared with an
# independent derivation by python3-cryptography (docs/keys.md
# §9).  A negative control proves the comparison can fail,
# and the embedded base table is checked against its generator.
. "$(dirname "$0")/lib.sh"

# Debian's interpreter: the python3 first on PATH may lack the module.
PY=/usr/bin/python3
N=10000

if ! "$PY" -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null; then
	fail "python3-cryptography is importable by $PY" "apt-get install python3-cryptography"
	exit 1
fi
if ! [ -x "$RTEST" ]; then
	fail "$RTEST exists" "make build/reseal-test"
	exit 1
fi

# seeds: fixed edge cases, then random ones; want: cryptography's keys.
"$PY" - "$T/seeds" "$T/want" "$N" <<'EOF' || { fail "python3-cryptography derives $N keys"; exit 1; }
import os, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

seeds = [bytes(32), b"\xff" * 32, bytes(range(32)), b"\x01" + bytes(31),
         bytes(31) + b"\x80", b"\x80" * 32, b"\x7f" * 32]
seeds += [os.urandom(32) for _ in range(int(sys.argv[3]))]
with open(sys.argv[1], "w") as s, open(sys.argv[2], "w") as w:
    for seed in seeds:
        pub = Ed25519PrivateKey.from_private_bytes(seed).public_key()
        s.write(seed.hex() + "\n")
        w.write(pub.public_bytes(Encoding.Raw, PublicFormat.Raw).hex() + "\n")
EOF
total=$(wc -l <"$T/want")

# compare GOT WANT: silent and 0 when both have $total lines and all agree;
# otherwise prints the mismatch count and the first mismatching lines.
compare() {
	awk -v total="$total" '
		NR == FNR { want[FNR] = $0; next }
		{ n++; if ($0 != want[FNR]) { bad++; if (bad <= 3) print "line " FNR ": got " $0 ", want " want[FNR] } }
		END {
			if (n != total) { print "got " n " lines, want " total; exit 1 }
			if (bad) { print bad " mismatches"; exit 1 }
		}' "$2" "$1"
}

if "$RTEST" ed25519_pub <"$T/seeds" >"$T/got" 2>"$T/err"; then
	pass "ed25519_pub derives $total keys"
else
	fail "ed25519_pub derives $total keys" "rc=$?: $(head -c 200 "$T/err")"
fi
check "all $total keys equal python3-cryptography's" compare "$T/got" "$T/want"

# Both values of the x sign bit (bit 7 of the last byte) must be exercised.
neg=$(grep -c '[89a-f].$' "$T/got")
if [ "$neg" -gt $((total * 45 / 100)) ] && [ "$neg" -lt $((total * 55 / 100)) ]; then
	pass "the x sign bit is set in about half the keys ($neg of $total)"
else
	fail "the x sign bit is set in about half the keys" "$neg of $total"
fi

# Negative control: flip the sign bit of one key, the error a y-only
# derivation makes.  The comparison must report exactly that line.
awk 'NR == 5000 { c = substr($0, 63, 1); h = index("0123456789abcdef", c) - 1
	$0 = substr($0, 1, 62) substr("0123456789abcdef", (h < 8 ? h + 8 : h - 8) + 1, 1) substr($0, 64) }
	{ print }' "$T/got" >"$T/bad"
if compare "$T/bad" "$T/want" >"$T/cmp.out"; then
	fail "a key with a flipped sign bit is reported as a mismatch" "comparison passed"
elif grep -q '^line 5000: ' "$T/cmp.out" && grep -q '^1 mismatches$' "$T/cmp.out"; then
	pass "a key with a flipped sign bit is reported as a mismatch"
else
	fail "a key with a flipped sign bit is reported as a mismatch" "$(tr '\n' ' ' <"$T/cmp.out")"
fi

# refused NAME LINE: the tool must exit 100 on LINE.
refused() {
	printf '%s\n' "$2" | "$RTEST" ed25519_pub >/dev/null 2>&1
	_rc=$?
	if [ $_rc -eq 100 ]; then pass "$1"; else fail "$1" "rc=$_rc"; fi
}
refused "a 63-digit seed line is refused with 100" \
	9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f6
refused "a seed line with a non-hex digit is refused with 100" \
	9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f6g

# The table in crypto/ed25519.c is exactly what its generator prints.
gen_table() {
	${CC:-cc} -std=c11 -O1 -I"$TOP/crypto" -o "$T/gen_table" \
		"$TOP/bench/ed25519/gen_table.c" -lbearssl &&
	"$T/gen_table" >"$T/table.gen" &&
	sed -n '/BEGIN BASE TABLE/,/END BASE TABLE/p' "$TOP/crypto/ed25519.c" >"$T/table.src" &&
	diff -u "$T/table.gen" "$T/table.src"
}
check "the base table in crypto/ed25519.c matches bench/ed25519/gen_table.c" gen_table
