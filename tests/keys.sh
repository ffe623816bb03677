# tests/keys.sh: oracles for SSH host keys (docs/keys.md §9).
#
# Source it after tests/lib.sh (it uses $T when set).  Every
# function returns 0 when the key passes and 1 otherwise, printing the
# reason on failure.  KEY is an OpenSSH private key with KEY.pub beside it.
# The oracles judge the content of the files, not their modes: each one
# works on a 0600 copy where OpenSSH insists on it.  The exception is
# key_sshd_e2e, which serves KEY in place as sshd in an image would, so a
# group- or world-readable KEY fails there ("bad permissions").
#
#   key_structure KEY             armor, envelope, equal check-ints, padding,
#                                 and python3-cryptography's loader agrees
#   key_ssh_y KEY                 ssh-keygen -y KEY equals KEY.pub
#   key_sign_verify KEY           ssh-keygen -Y sign, -Y verify against KEY.pub
#   key_ed25519_independent KEY   python3-cryptography re-derives pk from seed
#   key_reencode_same KEY         ssh-keygen -p rewrites the same bytes except
#                                 the check-ints
#   key_dropbear_matches DB PUB   dropbear key DB holds the key of PUB
#   key_sshd_e2e KEY PORT         a real sshd serves KEY on 127.0.0.1:PORT

# Debian's interpreter: the python3 first on PATH may be a build without
# the cryptography module.
KEYS_PY=${KEYS_PY:-/usr/bin/python3}
# Our own reader and writer of the key format (python3-cryptography inside).
KEYS_ORACLE=${KEYS_ORACLE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/oracles/sshkey.py}
KEYS_SSHD=${KEYS_SSHD:-/usr/sbin/sshd}
KEYS_WAIT_S=${KEYS_WAIT_S:-10}       # sshd start-up and ssh connection bound

# A fresh scratch directory under $T (removed by lib.sh) or /tmp.
_keys_tmp() {
	mktemp -d "${T:-${TMPDIR:-/tmp}}/keys.XXXXXX"
}

# "type base64" of the first line of a .pub file (or of stdin with -).
_keys_pubfields() {
	awk 'NF >= 2 { print $1, $2; exit }' "$1"
}

# A 0600 copy of KEY (OpenSSH refuses to load group/world-readable keys),
# without KEY.pub beside it, so the tools read the private file itself.
_keys_copy() {
	cp "$1" "$2" && chmod 600 "$2"
}

key_structure() {
	local k=$1 d out rc
	[ -r "$k" ] || { echo "key_structure: cannot read $k"; return 1; }
	d=$(_keys_tmp) || return 1
	# The final-LF and CR checks after the oracle repeat two of its rules.
	out=$("$KEYS_PY" "$KEYS_ORACLE" structure "$k" 2>&1)
	rc=$?
	printf -- '-----END OPENSSH PRIVATE KEY-----\n' >"$d/end"
	tail -c "$(wc -c <"$d/end")" "$k" >"$d/tail"
	if [ $rc -ne 0 ]; then
		echo "key_structure: tests/oracles/sshkey.py structure $k failed (rc=$rc):"
		printf '%s\n' "$out" | tail -n 5
		rc=1
	elif ! cmp -s "$d/end" "$d/tail"; then
		echo "key_structure: $k does not end with the END line and a newline"
		rc=1
	elif grep -q "$(printf '\r')" "$k"; then
		echo "key_structure: $k has CR line endings"
		rc=1
	fi
	rm -rf "$d"
	[ $rc -eq 0 ]
}

key_ssh_y() {
	local k=$1 d got want rc=0
	[ -r "$k.pub" ] || { echo "key_ssh_y: cannot read $k.pub"; return 1; }
	d=$(_keys_tmp) || return 1
	_keys_copy "$k" "$d/key" || { rm -rf "$d"; echo "key_ssh_y: cannot copy $k"; return 1; }
	if ! got=$(ssh-keygen -y -f "$d/key" 2>&1); then
		echo "key_ssh_y: ssh-keygen -y -f $k failed: $got"
		rc=1
	else
		got=$(printf '%s\n' "$got" | _keys_pubfields -)
		want=$(_keys_pubfields "$k.pub")
		if [ -z "$want" ] || [ "$got" != "$want" ]; then
			echo "key_ssh_y: ssh-keygen -y gives '$got' but $k.pub has '$want'"
			rc=1
		fi
	fi
	rm -rf "$d"
	return $rc
}

key_sign_verify() {
	local k=$1 d rc=1
	[ -r "$k.pub" ] || { echo "key_sign_verify: cannot read $k.pub"; return 1; }
	d=$(_keys_tmp) || return 1
	echo "reseal key oracle $$" >"$d/msg"
	echo "id $(_keys_pubfields "$k.pub")" >"$d/allowed"
	if ! _keys_copy "$k" "$d/key"; then
		echo "key_sign_verify: cannot copy $k"
	elif ! ssh-keygen -Y sign -f "$d/key" -n file "$d/msg" >"$d/out" 2>&1; then
		echo "key_sign_verify: ssh-keygen -Y sign with $k failed: $(tail -n 3 "$d/out")"
	elif ! ssh-keygen -Y verify -f "$d/allowed" -I id -n file -s "$d/msg.sig" \
	    <"$d/msg" >"$d/out" 2>&1; then
		echo "key_sign_verify: the signature made with $k does not verify against $k.pub: $(tail -n 3 "$d/out")"
	elif ! grep -q '^Good "file" signature' "$d/out"; then
		echo "key_sign_verify: unexpected verify output: $(cat "$d/out")"
	else
		rc=0
	fi
	rm -rf "$d"
	return $rc
}

key_ed25519_independent() {
	local k=$1 out
	[ -r "$k.pub" ] || { echo "key_ed25519_independent: cannot read $k.pub"; return 1; }
	[ "$(awk '{ print $1; exit }' "$k.pub")" = ssh-ed25519 ] ||
		{ echo "key_ed25519_independent: $k.pub is not an ssh-ed25519 key"; return 1; }
	# python3-cryptography reads the seed and derives the public key, which
	# must be the one in KEY.pub, in the envelope and (twice) in the
	# private section.
	out=$("$KEYS_PY" "$KEYS_ORACLE" ed25519 "$k" 2>&1) ||
		{ echo "key_ed25519_independent: tests/oracles/sshkey.py ed25519: $out"; return 1; }
}

key_reencode_same() {
	local k=$1 d out rc=1
	d=$(_keys_tmp) || return 1
	if ! _keys_copy "$k" "$d/key"; then
		echo "key_reencode_same: cannot copy $k"
	elif ! out=$(ssh-keygen -p -P '' -N '' -f "$d/key" 2>&1); then
		echo "key_reencode_same: ssh-keygen -p on $k failed: $out"
	elif ! out=$("$KEYS_PY" - "$k" "$d/key" 2>&1 <<'EOF'
import base64, struct, sys

def decode(path):
    lines = open(path, 'rb').read().splitlines()
    return base64.b64decode(b''.join(lines[1:-1])), [len(l) for l in lines]

(a, la), (b, lb) = decode(sys.argv[1]), decode(sys.argv[2])
if la != lb or len(a) != len(b):
    sys.exit('different layout: %d vs %d bytes, lines %s vs %s' % (len(a), len(b), la, lb))
# The check-ints follow magic(15), cipher(8), kdf(8), kdf options(4),
# key count(4), the public blob (4 + len) and privlen(4).
publen, = struct.unpack('>I', a[39:43])
c = 47 + publen
diff = [i for i in range(len(a)) if a[i] != b[i] and not c <= i < c + 8]
if diff:
    sys.exit('bytes differ at decoded offsets %s' % diff[:8])
EOF
	); then
		echo "key_reencode_same: ssh-keygen -p changed $k: $out"
	else
		rc=0
	fi
	rm -rf "$d"
	return $rc
}

key_dropbear_matches() {
	local db=$1 pub=$2 k d want got rc=1
	k=${pub%.pub}
	want=$(_keys_pubfields "$pub")
	[ -n "$want" ] || { echo "key_dropbear_matches: no key in $pub"; return 1; }
	d=$(_keys_tmp) || return 1
	if ! dropbearconvert dropbear openssh "$db" "$d/conv" >"$d/out" 2>&1; then
		echo "key_dropbear_matches: dropbearconvert cannot read $db: $(tail -n 2 "$d/out")"
	elif ! chmod 600 "$d/conv" || ! got=$(ssh-keygen -y -f "$d/conv" 2>&1); then
		echo "key_dropbear_matches: ssh-keygen -y on the converted $db failed: $got"
	elif [ "$(printf '%s\n' "$got" | _keys_pubfields -)" != "$want" ]; then
		echo "key_dropbear_matches: $db holds '$(printf '%s\n' "$got" | _keys_pubfields -)', $pub has '$want'"
	elif ! got=$(dropbearkey -y -f "$db" 2>&1); then
		echo "key_dropbear_matches: dropbearkey -y -f $db failed: $got"
	elif [ "$(printf '%s\n' "$got" | grep -v '^Public key\|^Fingerprint' | _keys_pubfields -)" != "$want" ]; then
		echo "key_dropbear_matches: dropbearkey -y $db does not print $pub's key"
	elif [ "$pub" != "$k" ] && [ -r "$k" ] &&
	    ! dropbearconvert openssh dropbear "$k" "$d/db" >"$d/out" 2>&1; then
		echo "key_dropbear_matches: dropbearconvert cannot read $k: $(tail -n 2 "$d/out")"
	elif [ "$pub" != "$k" ] && [ -r "$k" ] && ! cmp -s "$d/db" "$db"; then
		# dropbear's own conversion of the OpenSSH key must give the
		# same bytes (checked for the ed25519, ecdsa and rsa keys that
		# reseal writes: both formats are canonical).  This also sees a
		# wrong seed, which dropbear itself never checks.
		echo "key_dropbear_matches: $db differs from dropbearconvert openssh dropbear $k: $(cmp "$d/db" "$db" 2>&1)"
	else
		rc=0
	fi
	rm -rf "$d"
	return $rc
}

key_sshd_e2e() {
	local k=$1 port=$2 d hk type alg pid i out rc=1
	[ -r "$k.pub" ] || { echo "key_sshd_e2e: cannot read $k.pub"; return 1; }
	hk=$(readlink -f "$k")
	type=$(awk '{ print $1; exit }' "$k.pub")
	case $type in
	ssh-ed25519|ecdsa-sha2-nistp256) alg=$type ;;
	ssh-rsa) alg=rsa-sha2-512 ;;   # OpenSSH 8.8+ refuses ssh-rsa (SHA-1) signatures
	*) echo "key_sshd_e2e: unsupported key type '$type' in $k.pub"; return 1 ;;
	esac
	d=$(_keys_tmp) || return 1
	mkdir -p /run/sshd                 # Debian's privilege-separation directory
	ssh-keygen -q -t ed25519 -N '' -C e2e-client -f "$d/client" || { rm -rf "$d"; return 1; }
	cp "$d/client.pub" "$d/authorized_keys"
	cat >"$d/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $hk
HostKeyAlgorithms $alg
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel VERBOSE
CFG
	echo "[127.0.0.1]:$port $(_keys_pubfields "$k.pub")" >"$d/known_hosts"
	if ! out=$("$KEYS_SSHD" -t -f "$d/sshd_config" 2>&1); then
		echo "key_sshd_e2e: sshd -t refuses $k: $out"
		rm -rf "$d"
		return 1
	fi
	# timeout: even if this shell dies, the daemon does not outlive the test.
	timeout $((KEYS_WAIT_S * 3)) "$KEYS_SSHD" -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
	pid=$!
	i=0
	while [ $i -lt $((KEYS_WAIT_S * 10)) ] && kill -0 $pid 2>/dev/null &&
	    ! grep -q "Server listening on 127.0.0.1 port $port" "$d/sshd.log"; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! kill -0 $pid 2>/dev/null; then
		echo "key_sshd_e2e: sshd exited at start-up: $(tail -n 3 "$d/sshd.log")"
	elif ! grep -q "Server listening on 127.0.0.1 port $port" "$d/sshd.log"; then
		echo "key_sshd_e2e: sshd not listening on port $port after ${KEYS_WAIT_S}s"
	elif ! out=$(timeout $((KEYS_WAIT_S * 2)) ssh -F none -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$d/known_hosts" \
	    -o GlobalKnownHostsFile=/dev/null -o HostKeyAlgorithms="$alg" \
	    -o IdentitiesOnly=yes -o ConnectTimeout="$KEYS_WAIT_S" -i "$d/client" \
	    -p "$port" root@127.0.0.1 'echo E2E-OK' 2>"$d/ssh.err"); then
		echo "key_sshd_e2e: ssh to sshd with host key $k failed: $(tail -n 2 "$d/ssh.err")"
		echo "  sshd log: $(tail -n 3 "$d/sshd.log")"
	elif [ "$out" != E2E-OK ]; then
		echo "key_sshd_e2e: unexpected output '$out'"
	else
		rc=0
	fi
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf "$d"
	return $rc
}
