#!/bin/bash
# dracut module of reseal (docs/integrations.md §3).  Two modes, as dracut
# builds the image:
#   systemd (the systemd module is in the image): reseal-initrd.service, a
#     oneshot after udev's trigger, cryptsetup and hibernate-resume and
#     before the root device target, the root's fsck and sysroot.mount;
#   shell: a pre-mount hook (the reseal) and an initqueue "settled" job
#     (the finder after an interrupted reseal).
# Included only while the system that builds the image is a template
# (/etc/reseal/template); RESEAL_INITRAMFS=always includes it regardless
# (image builders, tests), RESEAL_INITRAMFS=never leaves it out.

# called by dracut
check() {
    require_binaries @SBINDIR@/reseal || return 1
    case ${RESEAL_INITRAMFS:-auto} in
    always) return 0 ;;
    never) return 1 ;;
    esac
    if [[ ! -e $dracutsysrootdir/etc/reseal/template ]]; then
        # Not a template: the refresh (reseal-initramfs-refresh.service)
        # is done with as soon as an image without reseal is built.
        [[ $dracutsysrootdir ]] || rm -f /etc/reseal/initramfs-refresh
        return 1
    fi
    return 0
}

# called by dracut
depends() {
    echo rootfs-block
    return 0
}

# called by dracut
installkernel() {
    # the block stage rewrites an ESP (vfat) too
    hostonly='' instmods vfat nls_cp437 nls_ascii nls_iso8859-1
}

# called by dracut
install() {
    inst_simple @SBINDIR@/reseal /usr/sbin/reseal
    inst_script "$moddir/reseal-dracut.sh" /usr/lib/reseal/reseal-dracut.sh
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/reseal-initrd.service" "$systemdsystemunitdir/reseal-initrd.service"
        $SYSTEMCTL -q --root "$initdir" add-wants initrd.target reseal-initrd.service
    else
        inst_hook pre-mount 10 "$moddir/reseal-pre-mount.sh"
        inst_hook initqueue/settled 90 "$moddir/reseal-find.sh"
    fi
    # This image carries reseal: once the clone's identity is made, the
    # booted system must build one without it (and with the new identity).
    if [[ ${RESEAL_INITRAMFS:-auto} == auto && -d $dracutsysrootdir/etc/reseal && ! $dracutsysrootdir ]]; then
        echo dracut >/etc/reseal/initramfs-refresh
    fi
    return 0
}
