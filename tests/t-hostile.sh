# t-hostile.sh: a hostile image whose every path reseal writes to is a
# symlink (absolute or ../) pointing outside the root.  After `reseal seal`
# and `reseal run`, nothing outside the root may have changed (hook/rootfs.h).
. "$(dirname "$0")/lib.sh"

H=$T/h
R=$H/root
O=$H/outside          # what a naive resolver would reach
mkdir -p "$R" "$O"

# Bait outside the root, at the real host paths the links name.
for f in machine-id dbus-id random-seed credential.secret secret_key hostname hosts \
	status template reseal.conf ifcfg-eth0 seed; do
	echo "outside $f" >"$O/$f"
done
for d in ssh dropbear journal dhcp nm etc-reseal netscripts; do
	mkdir -p "$O/$d"
	echo "outside $d" >"$O/$d/file"
done
echo 'HWADDR=52:54:00:00:00:01' >"$O/netscripts/ifcfg-eth0"
ssh-keygen -q -t ed25519 -N '' -f "$O/ssh/ssh_host_ed25519_key"
before=$(tree_sum "$O")

# depth of $R: relative links climb this many levels and then some
UP=$(echo "$R" | sed 's|[^/]*|..|g; s|^/||')/..

build_root() {
	rm -rf "$R"; mkdir -p "$R"
	mkdir -p "$R"/etc/reseal "$R"/var/lib/dbus "$R"/var/lib/systemd "$R"/var/log/journal \
		"$R"/var/lib/NetworkManager "$R"/etc/udev/rules.d "$R"/etc/sysconfig "$R"/var/lib/urandom
	# absolute links (a naive resolver follows them on the host)
	ln -s "$O/machine-id"        "$R/etc/machine-id"
	ln -s "$O/random-seed"       "$R/var/lib/systemd/random-seed"
	ln -s "$O/credential.secret" "$R/var/lib/systemd/credential.secret"
	ln -s "$O/hostname"          "$R/etc/hostname"
	ln -s "$O/ssh"               "$R/etc/ssh"
	ln -s "$O/journal"           "$R/var/log/journal/0123456789abcdef0123456789abcdef"
	ln -s "$O/netscripts"        "$R/etc/sysconfig/network-scripts"
	ln -s "$O/seed"              "$R/var/lib/urandom/random-seed"
	# relative links climbing out
	ln -s "../../../$UP/$O/dbus-id"   "$R/var/lib/dbus/machine-id"
	ln -s "../../../$UP/$O/secret_key" "$R/var/lib/NetworkManager/secret_key"
	ln -s "../$UP/$O/dropbear"        "$R/etc/dropbear"
	ln -s "../../$UP/$O/dhcp"         "$R/var/lib/dhcp"
	ln -s "../$UP/$O/hosts"           "$R/etc/hosts"
	ln -s "../../../../$UP/$O/status"  "$R/etc/reseal/status"
	ln -s "../../../../$UP/$O/reseal.conf" "$R/etc/reseal/reseal.conf.off"
	ln -s "../../../$UP/$O/nm"        "$R/etc/udev/rules.d/70-persistent-net.rules"
	# leftover-temp look-alikes that are links out: the sweep removes the
	# link, never what it points to (the bait below stays byte-identical)
	ln -s "$O/machine-id"        "$R/etc/.machine-id.reseal-AAAAAA"
	ln -s "../$UP/$O/ssh"        "$R/etc/.ssh.reseal-BBBBBB"
	echo "0123456789abcdef0123456789abcdef" >"$R/etc/machine-id.real"
	printf '[hostname]\npattern = evil-??\n[ssh-hostkeys]\ntypes = ed25519 ecdsa\ndropbear = yes\n' \
		>"$R/etc/reseal/reseal.conf"
	touch "$R/etc/reseal/template"
}

build_root
check "the host itself follows the absolute links out (bait reachable)" \
	grep -q "outside machine-id" "$R/etc/machine-id"
check "the host itself follows the relative links out (bait reachable)" \
	grep -q "outside dbus-id" "$R/var/lib/dbus/machine-id"

for bin in "$RESEAL" "$RESEAL_ASAN"; do
	name=$(basename "$bin")
	build_root
	"$bin" run --root "$R" >"$T/run.out" 2>&1
	rc=$?
	check "$name run on the hostile root finishes with a defined exit code ($rc)" \
		sh -c "[ $rc -eq 0 ] || [ $rc -eq 111 ]"
	check "$name run: nothing outside the root changed" test "$before" = "$(tree_sum "$O")"
	check "$name run: the temp-named links out are removed, not followed" sh -c \
		"[ ! -e '$R/etc/.machine-id.reseal-AAAAAA' ] && [ ! -L '$R/etc/.machine-id.reseal-AAAAAA' ] &&
		 [ ! -L '$R/etc/.ssh.reseal-BBBBBB' ]"
	"$bin" seal --root "$R" >"$T/seal.out" 2>&1
	check "$name seal: nothing outside the root changed" test "$before" = "$(tree_sum "$O")"
	"$bin" run --root "$R" --force >"$T/run2.out" 2>&1
	check "$name forced run: nothing outside the root changed" test "$before" = "$(tree_sum "$O")"
done
