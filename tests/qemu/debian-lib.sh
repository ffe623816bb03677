# tests/qemu/debian-lib.sh: checks on the report of a booted Debian test
# image (tests/images/reseal-report), shared by t-debian.sh and
# t-integration.sh.  Source after tests/qemu/lib.sh; TPL_ENV names the
# template's .env file (keys_new, same_key_types).
#
#   field LOG DEV NAME        blkid's NAME="..." for DEV in the report
#   state_running LOG         systemd said running (else prints the failed units)
#   differs LOG DEV NAME OLD  the guest's value is set and not OLD
#   keys_new LOG              host keys exist, none is the template's
#   fstab_ok LOG              every UUID=/PARTUUID= of fstab is on the disk (4)
#   same_key_types LOG        the clone's key types are the template's
#   mounted_as LOG DIR TYPE, swap_on LOG

# field LOG DEV NAME: blkid's NAME="..." for DEV in the guest's blkid section
field() {
	identity_section "$1" blkid | awk -v d="$2:" '$1 == d' | tr ' ' '\n' |
		sed -n "s/^$3=\"\(.*\)\"\$/\1/p"
}
state_running() {   # the failed units are in the output when not
	local s
	s=$(identity_section "$1" system-state)
	[ "$s" = running ] && return 0
	echo "systemctl is-system-running: ${s:-<no report>}; failed units:"
	identity_section "$1" failed-units
	return 1
}
differs() {   # differs LOG DEV NAME OLD: the guest's value is set and not OLD
	local v
	v=$(field "$1" "$2" "$3")
	echo "$2 $3: template $4, clone ${v:-<none>}"
	[ -n "$v" ] && [ "$v" != "$4" ]
}
keys_new() {   # host keys exist, none of them is one of the template's
	local n=0 k
	while read -r _ k; do
		[ -n "$k" ] || continue
		n=$((n + 1))
		if grep -qF "$k" "$TPL_ENV"; then echo "template key kept: ${k:0:40}"; return 1; fi
	done <<EOF2
$(identity_section "$1" hostkeys)
EOF2
	echo "$n host keys: $(identity_section "$1" hostkey-files | tr '\n' ' ')"
	[ $n -ge 1 ]
}
mounted_as() {   # mounted_as LOG DIR TYPE
	identity_section "$1" mounts | awk -v d="$2" -v t="$3" '$2 == d && $3 == t { f = 1 } END { exit !f }'
}
swap_on() {   # the swap partition is active
	identity_section "$1" swaps | grep -q '^/dev/vda4 '
}
fstab_ok() {   # every UUID=/PARTUUID= in fstab is on the disk
	local u n=0
	for u in $(identity_section "$1" fstab | grep -v '^#' | grep -oE '(PART)?UUID=[^ ]*' | cut -d= -f2); do
		identity_section "$1" blkid | grep -q "UUID=\"$u\"" || { echo "fstab names $u, not on the disk"; return 1; }
		n=$((n + 1))
	done
	[ $n -eq 4 ] || { echo "fstab names $n identifiers, not 4"; return 1; }
}
# key_type_set: the sorted key algorithms of .pub lines on stdin, as
# rsa/ecdsa/ed25519
key_type_set() {
	cut -d' ' -f1 | sed 's/^ssh-rsa$/rsa/; s/^ecdsa-sha2-.*/ecdsa/; s/^ssh-ed25519$/ed25519/' |
		grep . | sort -u | tr '\n' ' '
}
same_key_types() {   # the clone has keys of exactly the template's types
	local tpl clone
	tpl=$(grep '^HOSTKEY_' "$TPL_ENV" | cut -d= -f2- | tr -d "'" | key_type_set)
	clone=$(identity_section "$1" hostkeys | key_type_set)
	echo "template: $tpl; clone: $clone"
	[ -n "$tpl" ] && [ "$tpl" = "$clone" ]
}
