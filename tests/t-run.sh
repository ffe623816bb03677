# t-run.sh: seal a realistic template root, clone it twice, `reseal run` each
# clone, and check the result with the real tools.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keys.sh"

OLD_ID=0123456789abcdef0123456789abcdef

make_template() {
	R=$1
	mkdir -p "$R"/etc/ssh "$R"/etc/dropbear "$R"/etc/reseal "$R"/var/lib/dbus \
		"$R"/var/lib/systemd "$R/var/log/journal/$OLD_ID" "$R"/var/lib/dhcp \
		"$R"/var/lib/NetworkManager "$R"/etc/udev/rules.d \
		"$R"/etc/sysconfig/network-scripts "$R"/var/lib/urandom "$R"/etc/iscsi
	echo "$OLD_ID" >"$R/etc/machine-id"
	echo "$OLD_ID" >"$R/var/lib/dbus/machine-id"
	echo "journal" >"$R/var/log/journal/$OLD_ID/system.journal"
	echo "template" >"$R/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\ttemplate\n' >"$R/etc/hosts"
	echo "# sshd" >"$R/etc/ssh/sshd_config"
	echo "# client" >"$R/etc/ssh/ssh_config"
	ssh-keygen -q -A -f "$R"                     # the template's own keys
	dropbearkey -t ed25519 -f "$R/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1
	head -c 512 /dev/urandom >"$R/var/lib/systemd/random-seed"
	head -c 512 /dev/urandom >"$R/var/lib/urandom/random-seed"
	head -c 32 /dev/urandom >"$R/var/lib/systemd/credential.secret"
	head -c 32 /dev/urandom >"$R/var/lib/NetworkManager/secret_key"
	echo lease >"$R/var/lib/NetworkManager/internal-eth0.lease"
	echo lease >"$R/var/lib/dhcp/dhclient.eth0.leases"
	echo 'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56", NAME="eth0"' \
		>"$R/etc/udev/rules.d/70-persistent-net.rules"
	printf 'DEVICE=eth0\nHWADDR=52:54:00:12:34:56\nONBOOT=yes\n' \
		>"$R/etc/sysconfig/network-scripts/ifcfg-eth0"
	echo "InitiatorName=iqn.2004-10.com.example:template" >"$R/etc/iscsi/initiatorname.iscsi"
	cat >"$R/etc/reseal/reseal.conf" <<'CONF'
# test image: every key type, a hostname pattern
[ssh-hostkeys]
types = ed25519 ecdsa rsa
[hostname]
pattern = node-??????
CONF
}

is_v4_id() {
	grep -qxE '[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}' "$1" && [ "$(stat -c %a "$1")" = 444 ]
}

# plant_temps DIR: what a crash between create_temp and the rename leaves
# (hook/rootfs.c names them .NAME.reseal-XXXXXX), one with a private key,
# plus two look-alikes that are not reseal's and must stay.
plant_temps() {
	cp "$1/etc/ssh/ssh_host_ed25519_key" "$1/etc/ssh/.ssh_host_ed25519_key.reseal-Ab3dE9"
	echo 0123456789abcdef0123456789abcdef >"$1/etc/.machine-id.reseal-x1Y2z3"
	head -c 512 /dev/urandom >"$1/var/lib/systemd/.random-seed.reseal-QwErTy"
	echo half >"$1/etc/reseal/.journal.reseal-000000"
	echo mine >"$1/etc/ssh/.notes.reseal-12345"
	echo mine >"$1/etc/ssh/notes.reseal-123456"
}

# temps_gone DIR: every planted temp removed, the look-alikes kept
temps_gone() {
	local left
	left=$(find "$1/etc" "$1/var/lib/systemd" -name '.*.reseal-??????')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
	[ -f "$1/etc/ssh/.notes.reseal-12345" ] && [ -f "$1/etc/ssh/notes.reseal-123456" ]
}

# ---- seal ----------------------------------------------------------------
TPL=$T/template
make_template "$TPL"
plant_temps "$TPL"
check "seal exits 0" "$RESEAL" seal --root "$TPL"
check "seal: leftover .*.reseal-XXXXXX temps removed (one held a private key)" temps_gone "$TPL"
rm -f "$TPL/etc/ssh/.notes.reseal-12345" "$TPL/etc/ssh/notes.reseal-123456"
check "seal: machine-id is 'uninitialized'" grep -qx uninitialized "$TPL/etc/machine-id"
check_fails "seal: D-Bus machine-id file removed" test -e "$TPL/var/lib/dbus/machine-id"
check "seal: no ssh_host_* left" sh -c "! ls '$TPL'/etc/ssh/ssh_host_* 2>/dev/null"
check "seal: no dropbear host key left" sh -c "! ls '$TPL'/etc/dropbear/*host_key 2>/dev/null"
check "seal: client config kept" test -f "$TPL/etc/ssh/ssh_config"
for f in var/lib/systemd/random-seed var/lib/urandom/random-seed var/lib/systemd/credential.secret \
	var/lib/NetworkManager/secret_key var/lib/NetworkManager/internal-eth0.lease \
	var/lib/dhcp/dhclient.eth0.leases etc/udev/rules.d/70-persistent-net.rules \
	etc/iscsi/initiatorname.iscsi "var/log/journal/$OLD_ID"; do
	check_fails "seal: /$f removed" test -e "$TPL/$f"
done
check "seal: ifcfg HWADDR= line dropped, rest kept" sh -c \
	"! grep -q HWADDR '$TPL/etc/sysconfig/network-scripts/ifcfg-eth0' && grep -q ONBOOT=yes '$TPL/etc/sysconfig/network-scripts/ifcfg-eth0'"
check "seal: marker written" test -f "$TPL/etc/reseal/template"
check "status on a template says marker present" sh -c \
	"'$RESEAL' status --root '$TPL' | grep -q 'template marker: present'"

# ---- dry run writes nothing ---------------------------------------------
cp -a "$TPL" "$T/dry"
before=$(tree_sum "$T/dry")
"$RESEAL" run --root "$T/dry" --dry-run >"$T/dry.out" 2>&1
check "dry-run exits 0" test $? -eq 0
check "dry-run lists the machine-id write" grep -q "would write /etc/machine-id" "$T/dry.out"
check "dry-run lists the ed25519 key" grep -q "would write /etc/ssh/ssh_host_ed25519_key " "$T/dry.out"
check "dry-run changed no byte, mode or owner" test "$before" = "$(tree_sum "$T/dry")"

# ---- two clones ---------------------------------------------------------
cp -a "$TPL" "$T/a"
cp -a "$TPL" "$T/b"
# seal removed the D-Bus copy; give A a stale regular file (must get the new
# ID) and B the usual symlink (must be left alone)
echo "$OLD_ID" >"$T/a/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$T/b/var/lib/dbus/machine-id"
mkdir -p "$T/a/etc/ssh" && ssh-keygen -q -t ed25519 -N '' -f "$T/a/etc/ssh/ssh_host_ed25519_key"
plant_temps "$T/a"
rm -f "$T/a/etc/ssh/ssh_host_ed25519_key" "$T/a/etc/ssh/ssh_host_ed25519_key.pub"
check "run on clone A (static product) exits 0" "$RESEAL" run --root "$T/a"
check "run on clone A: leftover .*.reseal-XXXXXX temps removed" temps_gone "$T/a"
rm -f "$T/a/etc/ssh/.notes.reseal-12345" "$T/a/etc/ssh/notes.reseal-123456"
check "run on clone B (sanitizer build) exits 0" "$RESEAL_ASAN" run --root "$T/b"

for c in a b; do
	R=$T/$c
	check "$c: machine-id is a fresh v4 id, mode 0444" is_v4_id "$R/etc/machine-id"
	check "$c: marker removed" test ! -e "$R/etc/reseal/template"
	check "$c: old journal gone" test ! -e "$R/var/log/journal/$OLD_ID"
	check "$c: systemd random seed is 512 fresh bytes, mode 0600" sh -c \
		"[ \$(stat -c %s:%a '$R/var/lib/systemd/random-seed') = 512:600 ]"
	check "$c: hostname follows the pattern" grep -qxE 'node-[0-9a-f]{6}' "$R/etc/hostname"
	check "$c: /etc/hosts 127.0.1.1 names the new hostname" \
		grep -qx "127.0.1.1	$(cat "$R/etc/hostname")" "$R/etc/hosts"
	for t in ed25519 ecdsa rsa; do
		K=$R/etc/ssh/ssh_host_${t}_key
		check "$c/$t: private key 0600 root:root, .pub 0644" sh -c \
			"[ \$(stat -c %a:%u:%g '$K') = 600:0:0 ] && [ \$(stat -c %a '$K.pub') = 644 ]"
		check "$c/$t: ssh-keygen -y matches .pub" key_ssh_y "$K"
		check "$c/$t: openssh-key-v1 structure" key_structure "$K"
		check "$c/$t: ssh-keygen -Y sign/verify round trip" key_sign_verify "$K"
		check "$c/$t: dropbear key converts to the same public key" \
			key_dropbear_matches "$R/etc/dropbear/dropbear_${t}_host_key" "$K.pub"
		check "$c/$t: .pub comment is root@<new hostname>" \
			grep -q " root@$(cat "$R/etc/hostname")\$" "$K.pub"
	done
	check "$c/ed25519: public key re-derived independently (python3-cryptography)" \
		key_ed25519_independent "$R/etc/ssh/ssh_host_ed25519_key"
	check "$c: status lists fingerprints, no key material" sh -c \
		"'$RESEAL' status --root '$R' | grep -q 'hostkey ssh-ed25519 SHA256:' &&
		 ! grep -q 'PRIVATE' '$R/etc/reseal/status'"
done
check "a: sshd on 127.0.0.1 with the new ed25519 key is reached (E2E)" \
	key_sshd_e2e "$T/a/etc/ssh/ssh_host_ed25519_key" 2231
check "b: sshd on 127.0.0.1 with the new ecdsa key is reached (E2E)" \
	key_sshd_e2e "$T/b/etc/ssh/ssh_host_ecdsa_key" 2232

# ---- nothing identical between the clones --------------------------------
for f in etc/machine-id var/lib/systemd/random-seed etc/hostname \
	etc/ssh/ssh_host_ed25519_key etc/ssh/ssh_host_ed25519_key.pub \
	etc/ssh/ssh_host_ecdsa_key etc/ssh/ssh_host_ecdsa_key.pub \
	etc/ssh/ssh_host_rsa_key etc/ssh/ssh_host_rsa_key.pub \
	etc/dropbear/dropbear_ed25519_host_key; do
	check "clones differ: /$f" sh -c "! cmp -s '$T/a/$f' '$T/b/$f' && test -s '$T/a/$f'"
done
check "a: regular-file D-Bus machine-id now equals /etc/machine-id" \
	cmp "$T/a/etc/machine-id" "$T/a/var/lib/dbus/machine-id"
check "b: D-Bus machine-id symlink left alone" \
	sh -c "[ \"\$(readlink '$T/b/var/lib/dbus/machine-id')\" = /etc/machine-id ]"

# ---- a second run without the marker is a no-op -------------------------
before=$(tree_sum "$T/a")
check "second run without marker exits 0" "$RESEAL" run --root "$T/a"
check "second run without marker changed nothing" test "$before" = "$(tree_sum "$T/a")"

# ---- refusals -------------------------------------------------------------
cp -a "$TPL" "$T/bad"
printf '[machine-id]\nmdoe = generate\n' >"$T/bad/etc/reseal/reseal.conf"
before=$(tree_sum "$T/bad")
"$RESEAL" run --root "$T/bad" >"$T/bad.out" 2>&1
check "garbage config: exit 100" test $? -eq 100
check "garbage config: message names file and line" \
	grep -q "reseal.conf:2: unknown key 'mdoe' in \[machine-id\]" "$T/bad.out"
check "garbage config: nothing written, marker kept" test "$before" = "$(tree_sum "$T/bad")"
"$RESEAL" run --root "$T/nonexistent" >/dev/null 2>&1
check "missing root: exit 100" test $? -eq 100
"$RESEAL" run >/dev/null 2>&1
check "run without --root: exit 100" test $? -eq 100
"$RESEAL" frobnicate >/dev/null 2>&1
check "unknown command: exit 100" test $? -eq 100
"$RESEAL" run --root "$T/bad" --only bogus >/dev/null 2>&1
check "unknown op in --only: exit 100" test $? -eq 100
check "--version prints the version" sh -c "'$RESEAL' --version | grep -qx 'reseal $(cat "$TOP/VERSION")'"
check "--help lists every operation" sh -c "'$RESEAL' --help | grep -q ssh-hostkeys"

# ---- --only runs a subset and keeps the marker ---------------------------
cp -a "$TPL" "$T/only"
check "--only machine-id exits 0" "$RESEAL" run --root "$T/only" --only machine-id
check "--only: machine-id changed" is_v4_id "$T/only/etc/machine-id"
check "--only: no host keys made, marker kept" sh -c \
	"! ls '$T/only'/etc/ssh/ssh_host_* 2>/dev/null && test -f '$T/only/etc/reseal/template'"

# ---- host key types follow the template (docs/keys.md §10) ---------------
# Without [ssh-hostkeys] types a clone gets exactly the template's types:
# recorded by seal, or read from sshd_config's HostKey lines and the key
# files of an image sealed by hand; ed25519 when there are none.  About 3 s
# (two RSA-3072 draws).
kt_root() {                # kt_root DIR KEYTYPE...: a small template with those keys
	mkdir -p "$1/etc/ssh" "$1/etc/reseal"
	echo tpl >"$1/etc/hostname"
	printf '# Debian-like: no active HostKey line\n#HostKey /etc/ssh/ssh_host_rsa_key\n' \
		>"$1/etc/ssh/sshd_config"
	local d=$1 t; shift
	for t in "$@"; do   # the template's RSA key is small: only its type matters
		ssh-keygen -q -t "$t" $([ "$t" = rsa ] && echo -b 1024) -N '' -C root@tpl \
			-f "$d/etc/ssh/ssh_host_${t}_key"
	done
	mkdir -p "$d.old" && cp "$d"/etc/ssh/ssh_host_*_key.pub "$d.old/" 2>/dev/null
	true
}
types_are() {              # types_are DIR "T1 T2...": exactly these private keys and .pubs
	local got want=$2
	got=$(cd "$1/etc/ssh" && ls ssh_host_* 2>/dev/null | sed -n 's/^ssh_host_\(.*\)_key$/\1/p' | sort | xargs)
	[ "$got" = "$want" ] || { echo "key types: '$got', want '$want'"; return 1; }
	got=$(cd "$1/etc/ssh" && ls ssh_host_* 2>/dev/null | sed -n 's/^ssh_host_\(.*\)_key\.pub$/\1/p' | sort | xargs)
	[ "$got" = "$want" ] || { echo ".pub types: '$got', want '$want'"; return 1; }
}
fresh_valid() {            # fresh_valid DIR TYPE: loads, signs, verifies; not the template's
	local k=$1/etc/ssh/ssh_host_$2_key blob
	ssh-keygen -l -f "$k.pub" >/dev/null || { echo "ssh-keygen -l -f $k.pub failed"; return 1; }
	key_sign_verify "$k" || return 1
	blob=$(awk '{ print $2 }' "$k.pub")
	! grep -qF "$blob" "$1.old"/*.pub 2>/dev/null || { echo "$k.pub is the template's key"; return 1; }
}

kt_root "$T/k3" rsa ecdsa ed25519
"$RESEAL" seal --root "$T/k3" >"$T/k3.seal" 2>&1
check "types: seal of an rsa+ecdsa+ed25519 template exits 0" test $? -eq 0
check "types: seal records the three types in /etc/reseal/host-key-types" sh -c \
	"[ \"\$(grep -v '^#' '$T/k3/etc/reseal/host-key-types' | sort | xargs)\" = 'ecdsa ed25519 rsa' ]"
check "types: seal summary names the clones' key types" \
	grep -q "clones get new SSH host keys: ed25519 ecdsa rsa" "$T/k3.seal"
check "types: a second seal keeps the record (the keys are gone by then)" sh -c \
	"'$RESEAL' seal --root '$T/k3' >/dev/null 2>&1 &&
	 [ \"\$(grep -v '^#' '$T/k3/etc/reseal/host-key-types' | sort | xargs)\" = 'ecdsa ed25519 rsa' ]"
cp -a "$T/k3" "$T/k3c" && cp -a "$T/k3.old" "$T/k3c.old"
check "types: run on the clone exits 0" "$RESEAL" run --root "$T/k3c"
check "types: the clone has exactly rsa, ecdsa and ed25519 keys" types_are "$T/k3c" "ecdsa ed25519 rsa"
for t in rsa ecdsa ed25519; do
	check "types: clone's $t key is valid (ssh-keygen -l, -Y sign/verify) and fresh" \
		fresh_valid "$T/k3c" "$t"
done
check "types: the run removed the record with the marker" sh -c \
	"! test -e '$T/k3c/etc/reseal/host-key-types' && ! test -e '$T/k3c/etc/reseal/template'"

printf '[ssh-hostkeys]\ntypes = ecdsa\n' >"$T/k3/etc/reseal/reseal.conf"
cp -a "$T/k3" "$T/k3o" && cp -a "$T/k3.old" "$T/k3o.old"
check "types: run with types = ecdsa exits 0" "$RESEAL" run --root "$T/k3o"
check "types: types = ecdsa overrides the record" types_are "$T/k3o" "ecdsa"
check "types: that ecdsa key is valid and fresh" fresh_valid "$T/k3o" ecdsa

printf '[ssh-hostkeys]\ntypes =\n' >"$T/k3/etc/reseal/reseal.conf"
before=$(tree_sum "$T/k3")
"$RESEAL" run --root "$T/k3" >"$T/k3e.out" 2>&1
check "types: an empty types = is a config error (exit 100)" test $? -eq 100
check "types: ... naming the line" grep -q "reseal.conf:2: invalid value '' for types" "$T/k3e.out"
check "types: ... and nothing written" test "$before" = "$(tree_sum "$T/k3")"

kt_root "$T/k1" ed25519
check "types: seal of an ed25519-only template exits 0" "$RESEAL" seal --root "$T/k1"
check "types: run on its clone exits 0" "$RESEAL" run --root "$T/k1"
check "types: ed25519-only template -> only ed25519" types_are "$T/k1" "ed25519"
check "types: that ed25519 key is valid and fresh" fresh_valid "$T/k1" ed25519

# Sealed by hand: the marker touched, no record.  HostKey lines and the key
# files present (here only ed25519's) together decide.
kt_root "$T/h" ed25519
printf 'Port 22\nHostKey /etc/ssh/ssh_host_rsa_key\nhostkey=/etc/ssh/ssh_host_ed25519_key\n' \
	>"$T/h/etc/ssh/sshd_config"
touch "$T/h/etc/reseal/template"
check "types: run on a hand-sealed image exits 0" "$RESEAL" run --root "$T/h"
check "types: HostKey lines for rsa and ed25519 -> rsa and ed25519" types_are "$T/h" "ed25519 rsa"
for t in rsa ed25519; do
	check "types: hand-sealed image's $t key is valid and fresh" fresh_valid "$T/h" "$t"
done

kt_root "$T/d"
printf 'Include /etc/ssh/sshd_config.d/*.conf\n#HostKey /etc/ssh/ssh_host_rsa_key\n' \
	>"$T/d/etc/ssh/sshd_config"
mkdir -p "$T/d/etc/ssh/sshd_config.d"
echo 'HostKey "/etc/ssh/ssh_host_ecdsa_key"' >"$T/d/etc/ssh/sshd_config.d/10-keys.conf"
echo 'HostKey /etc/ssh/ssh_host_rsa_key' >"$T/d/etc/ssh/sshd_config.d/20-off.conf.disabled"
touch "$T/d/etc/reseal/template"
check "types: run with a HostKey line in sshd_config.d exits 0" "$RESEAL" run --root "$T/d"
check "types: sshd_config.d/*.conf HostKey ecdsa -> ecdsa only" types_are "$T/d" "ecdsa"

kt_root "$T/n"
touch "$T/n/etc/reseal/template"
check "types: run on an image with no keys and no HostKey line exits 0" "$RESEAL" run --root "$T/n"
check "types: no keys, no HostKey line -> ed25519" types_are "$T/n" "ed25519"
check "types: that ed25519 key is valid" fresh_valid "$T/n" ed25519

# An interrupted hand-sealed run: the old keys are gone, one new key is
# written, then a write fails (a read-only /etc/dropbear).  The next run
# must still make the template's types, not just the one key left.
kt_root "$T/i" ecdsa ed25519
mkdir -p "$T/i/etc/dropbear"
touch "$T/i/etc/reseal/template"
mount --bind "$T/i/etc/dropbear" "$T/i/etc/dropbear" && mount -o remount,bind,ro "$T/i/etc/dropbear"
"$RESEAL" run --root "$T/i" >"$T/i.out" 2>&1
rc=$?
umount "$T/i/etc/dropbear"
check "types: run with a read-only /etc/dropbear fails, marker kept" sh -c \
	"[ $rc = 111 ] && test -e '$T/i/etc/reseal/template' && ! test -e '$T/i/etc/ssh/ssh_host_ecdsa_key'"
check "types: the rerun exits 0" "$RESEAL" run --root "$T/i"
check "types: the rerun still makes the template's ecdsa and ed25519" types_are "$T/i" "ecdsa ed25519"
check "types: the rerun's ecdsa key is valid and fresh" fresh_valid "$T/i" ecdsa

# ---- seal says what happens to the hostname (docs/operations.md §7.2) ----
kt_root "$T/hn"
"$RESEAL" seal --root "$T/hn" >"$T/hn.out" 2>&1
check "hostname: seal without a pattern says clones keep 'tpl' and names [hostname] pattern" \
	grep -q "clones keep the template's hostname 'tpl'; set \[hostname\] pattern" "$T/hn.out"
printf '[hostname]\npattern = web-????\n' >"$T/hn/etc/reseal/reseal.conf"
"$RESEAL" seal --root "$T/hn" >"$T/hn.out" 2>&1
check "hostname: seal with a pattern names it" \
	grep -q "clones get their hostname from \[hostname\] pattern = web-????" "$T/hn.out"
check_fails "hostname: ... and does not say the hostname is kept" grep -q "keep the template's hostname" "$T/hn.out"
