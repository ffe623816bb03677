#!/bin/bash
# tests/t-keys.sh: keys written by crypto/sshkey.c, judged by OpenSSH,
# dropbear, python3-cryptography and a real sshd (tests/keys.sh), and
# compared byte for byte with tests/oracles/sshkey.py's writer, plus
# negative controls showing that each oracle can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keys.sh"

TEST1=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
TEST1_FP=SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8
PORT=2260                  # 2260-2263; other tests stay out of this range

if [ ! -x "$RTEST" ]; then
	fail "reseal-test is built" "$RTEST missing: make build/reseal-test"
	exit 1
fi

modes_are() {              # modes_are KEY: 0600 private, 0644 .pub, 0600 dropbear
	local m
	m="$(stat -c %a "$1") $(stat -c %a "$1.pub") $(stat -c %a "$1.dropbear")"
	[ "$m" = "600 644 600" ] || { echo "modes: $m"; return 1; }
}

fingerprint_is() {         # fingerprint_is FILE FP: ssh-keygen -l agrees
	local got
	got=$(ssh-keygen -l -f "$1" | awk '{ print $2 }')
	[ "$got" = "$2" ] || { echo "ssh-keygen -l -f $1: '$got', want '$2'"; return 1; }
}

only_sign_bits() {         # only_sign_bits A B: decoded keys differ in 3 bytes, by 0x80 each
	"$KEYS_PY" - "$1" "$2" <<'EOF'
import base64, sys
a, b = (base64.b64decode(b"".join(open(p, "rb").read().split(b"\n")[1:-2]))
        for p in sys.argv[1:])
diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
if len(a) != len(b) or len(diff) != 3 or any(a[i] ^ b[i] != 0x80 for i in diff):
    sys.exit("lengths %d %d, differing bytes at %s" % (len(a), len(b), diff))
EOF
}

same_fingerprints() {      # ssh-keygen -l of KEY and of KEY.pub agree
	local a b
	a=$(cp "$1" "$T/fp.key" && chmod 600 "$T/fp.key" && ssh-keygen -l -f "$T/fp.key" | awk '{ print $2 }')
	b=$(ssh-keygen -l -f "$1.pub" | awk '{ print $2 }')
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		echo "key: '$a', .pub: '$b'"
		return 1
	fi
}

# --- every key type through every applicable oracle -------------------------
for type in ed25519 ecdsa rsa; do
	k=$T/$type
	check "$type: sshkey_write writes key, .pub and .dropbear" "$RTEST" sshkey_write "$type" "$k"
	check "$type: modes 0600 key, 0644 .pub, 0600 dropbear" modes_are "$k"
	check "$type: structure (tests/oracles/sshkey.py and python3-cryptography's loader, final newline, no CR)" \
	    key_structure "$k"
	check "$type: ssh-keygen -y equals .pub" key_ssh_y "$k"
	check "$type: ssh-keygen -l of key and .pub agree" same_fingerprints "$k"
	check "$type: ssh-keygen -Y sign / -Y verify round trip" key_sign_verify "$k"
	check "$type: ssh-keygen -p re-encodes identically but for the check-ints" key_reencode_same "$k"
	check "$type: dropbear file holds the key (dropbearconvert both ways, dropbearkey -y)" \
	    key_dropbear_matches "$k.dropbear" "$k.pub"
	if [ "$type" = ed25519 ]; then
		check "$type: public key re-derived from the seed by python3-cryptography" \
		    key_ed25519_independent "$k"
	fi
	check "$type: a real sshd serves it (port $PORT)" key_sshd_e2e "$k" "$PORT"
	PORT=$((PORT + 1))
done

# --- known seeds, including the two whose public key has the sign bit set ----
k=$T/test1
check "TEST 1 seed: key written" "$RTEST" sshkey_write ed25519 "$k" "$TEST1"
check "TEST 1 seed: ssh-keygen -l fingerprint of the key" fingerprint_is "$T/test1.pub" "$TEST1_FP"
"$KEYS_PY" "$KEYS_ORACLE" write "$TEST1" "$T/ref" --comment test@reseal
check "TEST 1 seed: .pub equals the oracle writer's" cmp "$k.pub" "$T/ref.pub"
# The check-int is random; given reseal's, the oracle writes the same file.
ci=$(sed '1d;$d' "$k" | tr -d '\n' | base64 -d 2>/dev/null | od -An -tx1 -j 98 -N 4 | tr -d ' \n')
"$KEYS_PY" "$KEYS_ORACLE" write "$TEST1" "$T/same" --comment test@reseal --check "${ci:-none}"
check "TEST 1 seed: private file equals the oracle writer's given reseal's check-int" \
    cmp "$k" "$T/same"
check "TEST 1 seed: key_ed25519_independent" key_ed25519_independent "$k"

# tests/unit/test_sshkey.c embeds the TEST 1 file (check-int deadbeef) and
# .pub line; the oracle writer must reproduce them byte for byte.
c_string() {               # c_string NAME: the C string literal NAME, decoded
	sed -n "/^static const char $1\[\] =/,/;\$/p" "$TOP/tests/unit/test_sshkey.c" |
	    sed -n 's/^ *BEGIN$/-----BEGIN OPENSSH PRIVATE KEY-----/p
		s/^ *END;$/-----END OPENSSH PRIVATE KEY-----/p
		s/^ *"\(.*\)\\n";\{0,1\}$/\1/p'
}
c_string test1_golden >"$T/unit.key"
c_string test1_golden_pub >"$T/unit.key.pub"
"$KEYS_PY" "$KEYS_ORACLE" write "$TEST1" "$T/unit.oracle" --comment test@reseal --check deadbeef
check "test_sshkey.c's TEST 1 vector has 7 lines and a .pub line" sh -c \
    "[ \$(wc -l <'$T/unit.key') = 7 ] && [ \$(wc -l <'$T/unit.key.pub') = 1 ]"
check "the oracle writer reproduces test_sshkey.c's TEST 1 file byte for byte" \
    cmp "$T/unit.oracle" "$T/unit.key"
check "the oracle writer reproduces test_sshkey.c's TEST 1 .pub line" \
    cmp "$T/unit.oracle.pub" "$T/unit.key.pub"
for seed in ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff \
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f; do
	k=$T/sign-$seed
	check "sign-bit seed ${seed:0:8}...: key written" "$RTEST" sshkey_write ed25519 "$k" "$seed"
	check "sign-bit seed ${seed:0:8}...: key_ed25519_independent" key_ed25519_independent "$k"
	check "sign-bit seed ${seed:0:8}...: key_sign_verify" key_sign_verify "$k"
done

# --- negative controls: each oracle rejects a key that is wrong --------------
# A deliberately wrong Ed25519 key: the public key's sign bit flipped, as a
# y-only implementation would write it, consistently in every copy.  Its
# layout is right; only a derivation from the seed (python3-cryptography
# inside key_structure and key_ed25519_independent, a signature, sshd)
# sees it.
c=$T/corrupt
chmod 600 "$T/ref"
"$KEYS_PY" "$KEYS_ORACLE" write "$TEST1" "$c" --comment test@reseal --corrupt-pub
check "control: the oracle writer's good key passes key_structure" key_structure "$T/ref"
check "control: the oracle writer's good key passes key_reencode_same" key_reencode_same "$T/ref"
check "control: the oracle writer's good key passes sign/verify" key_sign_verify "$T/ref"
check "control: the oracle writer's good key passes key_ed25519_independent" \
    key_ed25519_independent "$T/ref"
check "control: the corrupt-pub key differs from the good one in 3 sign bits, nothing else" \
    only_sign_bits "$c" "$T/ref"
check_fails "control: corrupt-pub key fails key_structure" key_structure "$c"
check_fails "control: corrupt-pub key fails key_sign_verify" key_sign_verify "$c"
check_fails "control: corrupt-pub key fails key_ed25519_independent" key_ed25519_independent "$c"
check_fails "control: corrupt-pub key fails key_sshd_e2e (port $PORT)" key_sshd_e2e "$c" "$PORT"

head -c -1 "$T/ref" >"$T/nonl" && cp "$T/ref.pub" "$T/nonl.pub"
check_fails "control: no final newline fails key_structure" key_structure "$T/nonl"
sed 's/$/\r/' "$T/ref" >"$T/crlf" && cp "$T/ref.pub" "$T/crlf.pub"
check_fails "control: CRLF line endings fail key_structure" key_structure "$T/crlf"

cp "$T/ed25519" "$T/swap" && cp "$T/ecdsa.pub" "$T/swap.pub"
check_fails "control: another key's .pub fails key_ssh_y" key_ssh_y "$T/swap"
check_fails "control: another key's .pub fails key_sign_verify" key_sign_verify "$T/swap"
check_fails "control: another key's .pub fails key_dropbear_matches" \
    key_dropbear_matches "$T/ed25519.dropbear" "$T/ecdsa.pub"

# Seed byte flipped in the dropbear file: dropbear reads it fine and prints
# the stored public key; only the comparison with the OpenSSH key sees it.
cp "$T/ed25519.dropbear" "$T/flip.dropbear"
"$KEYS_PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[19] ^= 1
open(sys.argv[1], "wb").write(b)' "$T/flip.dropbear"
cp "$T/ed25519" "$T/flip" && cp "$T/ed25519.pub" "$T/flip.pub"
check_fails "control: a changed seed in the dropbear file fails key_dropbear_matches" \
    key_dropbear_matches "$T/flip.dropbear" "$T/flip.pub"

# Armor at 64 columns loads everywhere, but ssh-keygen rewrites it at 70.
{ head -n 1 "$T/ref"; sed '1d;$d' "$T/ref" | tr -d '\n' | fold -w 64; echo; tail -n 1 "$T/ref"; } >"$T/wrap64"
chmod 600 "$T/wrap64" && cp "$T/ref.pub" "$T/wrap64.pub"
check "control: the 64-column key is still a loadable key" key_sign_verify "$T/wrap64"
check_fails "control: 64-column armor fails key_reencode_same" key_reencode_same "$T/wrap64"
check_fails "control: 64-column armor fails key_structure" key_structure "$T/wrap64"
