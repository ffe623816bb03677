/* efivars.c: may the ESP's partition GUID change?  The rule and why:
 * docs/formats.md §11.2.  Contracts in boot.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "log.h"
#include "uuid.h"

/* efivarfs names a variable NAME-VENDORGUID; Boot#### belongs to the EFI
 * global variable GUID (UEFI 2.10 §3.3). */
#define EFI_GLOBAL "-8be4df61-93ca-11d2-aa0d-00e098032b8c"
/* Load options are a few hundred bytes; NVRAM stores at most a few tens of
 * KiB per variable.  Past this the rest of a variable is not read. */
#define EFIVAR_READ_MAX (64 * 1024)

/* "Boot" + 4 hex digits + the global GUID: a load option variable. */
static int
is_boot_var(const char *name)
{
	int i;

	if (strncmp(name, "Boot", 4))
		return 0;
	for (i = 4; i < 8; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'A' && name[i] <= 'F') ||
		        (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return !strcasecmp(name + 8, EFI_GLOBAL);
}

/* Does the file (4 attribute bytes, then the EFI_LOAD_OPTION) hold the 16
 * bytes g anywhere?  Read in pieces; a match across two reads is kept by
 * carrying the last 15 bytes over.  1, 0, or -errno. */
static int
file_holds(int dirfd, const char *name, const unsigned char g[16])
{
	unsigned char buf[4096];
	size_t have = 0, total = 0, i;
	int fd, found = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (!found && total < EFIVAR_READ_MAX) {
		ssize_t n = read(fd, buf + have, sizeof buf - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		total += (size_t)n;
		for (i = 0; i + 16 <= have; i++)
			if (!memcmp(buf + i, g, 16)) {
				found = 1;
				break;
			}
		if (have >= 15) {
			memmove(buf, buf + have - 15, 15);
			have = 15;
		}
	}
	close(fd);
	return found;
}

/* see boot.h */
int
rs_efi_boot_entry_naming(const char *efivars, const unsigned char g[16], char *name, size_t cap)
{
	struct dirent *de;
	int dirfd, files = 0, r = 0;
	DIR *d;

	dirfd = open(efivars, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	d = fdopendir(dirfd);
	if (!d) {
		r = -errno;
		close(dirfd);
		return r;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		if (!is_boot_var(de->d_name))
			continue;
		r = file_holds(dirfd, de->d_name, g);
		if (r > 0 && cap)
			snprintf(name, cap, "%.8s", de->d_name);
		else if (r < 0)
			rs_warn("cannot read the firmware variable %s: %s", de->d_name, rs_strerr(r));
	}
	closedir(d);
	/* An empty directory is efivarfs not mounted (firmware always has some
	 * variables): nothing was read, so nothing may be concluded. */
	if (r == 0 && files == 0)
		return -ENODATA;
	return r;
}

/* see boot.h */
int
rs_esp_rule(const char *fwdir, const char *partuuid, int fallback)
{
	char path[256], entry[16] = "";
	unsigned char t[16], g[16];
	struct stat st;
	int r;

	if (stat(fwdir, &st) < 0) {
		/* Booted through BIOS: no NVRAM entry of this machine can name
		 * the ESP, so it changes like every other partition. */
		if (!fallback)
			rs_info("the ESP has no removable-media loader (EFI/BOOT/BOOT<arch>.EFI): "
			    "should this clone ever boot through UEFI, it needs that loader or "
			    "a new boot entry (its PARTUUID changes now)");
		return 1;
	}
	if (fallback)
		return 1;   /* the firmware falls back to that loader */
	if (rs_uuid_parse(t, partuuid) < 0) {
		rs_info("keeping the ESP's PARTUUID %s (not a GUID)", partuuid);
		return 0;
	}
	/* The HD() device-path node stores the GUID as GPT does on disk:
	 * the first three fields little-endian (docs/formats.md §6.3). */
	g[0] = t[3], g[1] = t[2], g[2] = t[1], g[3] = t[0];
	g[4] = t[5], g[5] = t[4], g[6] = t[7], g[7] = t[6];
	memcpy(g + 8, t + 8, 8);
	snprintf(path, sizeof path, "%s/efivars", fwdir);
	r = rs_efi_boot_entry_naming(path, g, entry, sizeof entry);
	if (r > 0) {
		rs_info("keeping the ESP's PARTUUID %s: the firmware entry %s names it, and "
		    "there is no removable-media loader to fall back to", partuuid, entry);
		return 0;
	}
	if (r < 0) {
		rs_info("keeping the ESP's PARTUUID %s: the firmware's boot entries are "
		    "unreadable (%s; is efivarfs in the initramfs?)", partuuid,
		    r == -ENODATA ? "no variables" : rs_strerr(r));
		return 0;
	}
	/* No Boot#### names it: no entry of the firmware's goes stale. */
	rs_info("the ESP's PARTUUID %s changes: no firmware boot entry names it", partuuid);
	return 1;
}
