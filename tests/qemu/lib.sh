# tests/qemu/lib.sh: helpers for the QEMU boot tests.  Source it after
# tests/lib.sh (which sets TOP and T and defines check/pass/fail).
#
#   qemu_arch ARCH              the guest architecture for what follows:
#                               x86_64 (the default), aarch64 or armhf
#                               (sets QEMU_ARCH, QEMU_KDIR, QEMU_BUSYBOX)
#   qemu_ready                  QEMU and the guest kernel are installed
#   qemu_kver                   version of the guest kernel: the newest
#                               installed cloud kernel on x86_64, the one
#                               toolchain/arm-boot-deps.sh unpacked for ARM
#   build_initramfs OUT INIT [build.sh args...]
#                               initramfs for qemu_kver with $QEMU_MODULES;
#                               INIT=busybox: the tests/qemu/busybox-init.sh
#                               scaffold plus the guest's busybox
#   boot_bg IMG INITRD LOG [boot.sh args...]
#                               start tests/qemu/boot.sh in the background;
#                               sets QEMU_PID (`wait $QEMU_PID` gives its rc)
#                               and an EXIT trap that stops QEMU and removes $T
#   qemu_stop                   stop the QEMU started by boot_bg, if running
#   wait_log LOG PATTERN SECS   wait for a line matching PATTERN (grep -E);
#                               fails at the timeout or when QEMU_PID ended
#   clean_log LOG               the console log without CRs
#   identity LOG                the lines between ==IDENTITY-BEGIN/END==
#   identity_section LOG NAME   the lines of section "--- NAME" of the block
#   free_port                   an unused TCP port on 127.0.0.1
#   known_hosts LOG FILE        known_hosts for the host keys the guest
#                               printed, under the alias reseal-guest
#   guest_ssh PORT KEY KH CMD...  run CMD as root in the guest, strict host
#                               key checking against KH
#   guest_poweroff PORT KEY KH  touch /tmp/poweroff in the guest (its init
#                               then shuts down cleanly)
#   part_extract IMG N OUT      copy partition N of IMG into the file OUT
QEMU_DIR=$TOP/tests/qemu
# Modules for virtio disk and net, XFS and vfat (FAT's default iocharset on
# Debian is ascii: nls_ascii).  ext4 and its crc32c, jbd2, mbcache and crc16
# are built into Debian's cloud kernel.
QEMU_MODULES=${QEMU_MODULES:-"virtio_pci virtio_blk virtio_net xfs vfat nls_cp437 nls_ascii nls_iso8859-1"}
GUEST_ALIAS=reseal-guest

# ARM guests boot Debian's own arm64 and armhf kernels, which
# toolchain/arm-boot-deps.sh unpacks with their modules and a static busybox
# into QEMU_KDIR (tests/qemu/boot.sh --arch picks QEMU and the machine).
qemu_arch() {
	QEMU_ARCH=$1 QEMU_KDIR='' QEMU_BUSYBOX=''
	case $1 in
	x86_64) QEMU_BUSYBOX=$(readlink -f "$(command -v busybox)") ;;
	aarch64|armhf)
		QEMU_KDIR=$(sh "$TOP/toolchain/arm-boot-deps.sh" --print-cache)/$([ "$1" = aarch64 ] && echo arm64 || echo armhf)
		QEMU_BUSYBOX=$QEMU_KDIR/busybox ;;
	*) echo "qemu_arch: unknown architecture $1" >&2; return 1 ;;
	esac
	export RESEAL_QEMU_ARCH=$QEMU_ARCH
}
qemu_arch "${QEMU_ARCH:-x86_64}"

qemu_kver() {
	local k
	if [ -n "$QEMU_KDIR" ]; then
		cat "$QEMU_KDIR/kver" 2>/dev/null
		return
	fi
	k=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] || return 1
	echo "${k#/boot/vmlinuz-}"
}

qemu_ready() {
	local q=qemu-system-x86_64
	case $QEMU_ARCH in aarch64) q=qemu-system-aarch64 ;; armhf) q=qemu-system-arm ;; esac
	command -v $q >/dev/null && qemu_kver >/dev/null &&
		[ -f "${QEMU_KDIR:-}/lib/modules/$(qemu_kver)/modules.dep" ] && [ -x "$QEMU_BUSYBOX" ] &&
		{ [ -z "$QEMU_KDIR" ] || [ -f "$QEMU_KDIR/vmlinuz" ]; }
}

build_initramfs() {
	local out=$1 init=$2
	shift 2
	if [ "$init" = busybox ]; then
		"$TOP/initramfs/build.sh" --init "$QEMU_DIR/busybox-init.sh" --out "$out" \
			--kver "$(qemu_kver)" --moddir "${QEMU_KDIR:-}/lib/modules" --modules "$QEMU_MODULES" \
			--extra "$QEMU_BUSYBOX":/bin/busybox --symlink /bin/sh:busybox "$@"
	else
		"$TOP/initramfs/build.sh" --init "$init" --out "$out" \
			--kver "$(qemu_kver)" --moddir "${QEMU_KDIR:-}/lib/modules" --modules "$QEMU_MODULES" "$@"
	fi
}

boot_bg() {
	"$QEMU_DIR/boot.sh" "$@" &
	QEMU_PID=$!
	trap 'qemu_stop; rm -rf "$T"' EXIT   # tests/lib.sh's trap, plus QEMU
}

qemu_stop() {
	[ -n "${QEMU_PID:-}" ] && kill -0 "$QEMU_PID" 2>/dev/null || return 0
	kill -TERM "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	return 0
}

clean_log() { tr -d '\r' <"$1"; }

wait_log() {
	local log=$1 pat=$2 end=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -lt $end ]; do
		tr -d '\r' <"$log" 2>/dev/null | grep -Eq -- "$pat" && return 0
		if [ -n "${QEMU_PID:-}" ] && ! kill -0 "$QEMU_PID" 2>/dev/null; then
			tr -d '\r' <"$log" 2>/dev/null | grep -Eq -- "$pat" && return 0
			echo "QEMU exited before /$pat/ appeared" >&2
			return 1
		fi
		sleep 0.5
	done
	echo "no /$pat/ in $3 s" >&2
	return 1
}

identity() {
	tr -d '\r' <"$1" | sed -n '/^==IDENTITY-BEGIN==$/,/^==IDENTITY-END==$/p' | sed '1d;$d'
}

identity_section() {
	identity "$1" | awk -v s="--- $2" '$0 == s { on = 1; next } /^--- / { on = 0 } on'
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

known_hosts() {
	identity_section "$1" hostkeys | awk -v a="$GUEST_ALIAS" 'NF >= 2 { print a, $1, $2 }' >"$2"
	[ -s "$2" ]
}

guest_ssh() {
	local port=$1 key=$2 kh=$3
	shift 3
	ssh -F /dev/null -p "$port" -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$kh" \
		-o GlobalKnownHostsFile=/dev/null -o HostKeyAlias="$GUEST_ALIAS" \
		-o ConnectTimeout=30 -o LogLevel=ERROR root@127.0.0.1 "$@"
}

guest_poweroff() { guest_ssh "$1" "$2" "$3" touch /tmp/poweroff; }

part_extract() {
	local first last
	first=$(sgdisk -i "$2" "$1" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
	last=$(sgdisk -i "$2" "$1" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
	[ -n "$first" ] && [ -n "$last" ] || return 1
	rm -f "$3"
	dd if="$1" of="$3" bs=1M iflag=skip_bytes,count_bytes skip=$((first * 512)) \
		count=$(( (last - first + 1) * 512 )) conv=sparse status=none
}
