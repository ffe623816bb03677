/* fuzz_btrfs.c: rs_btrfs_probe and rs_btrfs_set_uuid on arbitrary bytes.
 *
 * A btrfs superblock lives at 64 KiB, so the input is not the device
 * itself: byte 0 steers the layout and the rest is placed at 64 KiB.
 *     ctl & 1   recompute the primary's crc32c (past the checksum test)
 *     ctl & 2   make the device 64 MiB + 4 KiB with a mirror copy there:
 *               the primary's first 4 KiB with bytenr = 64 MiB, crc fixed
 *     ctl & 4   ... then bump the mirror's generation or fsid (ctl & 8)
 *     ctl & 16  with ctl & 2: leave the mirror's crc stale
 *     ctl & 32  set dev_item.total_bytes to the device size (before the
 *               crc is fixed), so that the size check passes
 * Neither call may crash or read or write out of bounds; a set_uuid that
 * claims success must read back as the new UUID, and a refusal must leave
 * the device as it was.  Seeds: tests/fuzz/seeds/btrfs/ (a control byte and
 * a superblock from mkfs.btrfs). */
/* fuzz.h defines _GNU_SOURCE itself; the Makefile already passes it. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SB     0x10000u
#define MIRROR (64u << 20)

static void
seal(unsigned char *sb)
{
	memset(sb, 0, 32);
	rs_put_le32(sb, rs_crc32c(sb + 0x20, 4096 - 0x20));
}

/* CRC of what the device holds where the copies are. */
static uint32_t
snapshot(int fd, uint64_t size)
{
	unsigned char b[4096];
	uint32_t c = 0;

	if (pread(fd, b, sizeof b, SB) == (ssize_t)sizeof b)
		c ^= rs_crc32c(b, sizeof b);
	if (size >= MIRROR + 4096 && pread(fd, b, sizeof b, MIRROR) == (ssize_t)sizeof b)
		c ^= rs_crc32c(b, sizeof b) * 3u;
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char uuid[16] = {
		0x3c, 0x9f, 0x1b, 0x52, 0x7f, 0x0e, 0x4b, 0x6a,
		0x9d, 0x1e, 0x2a, 0x4b, 0x6c, 0x8d, 0x0e, 0x1f,
	};
	unsigned char sb[4096];
	rs_blkdev d;
	rs_fsinfo fi;
	uint32_t before;
	unsigned ctl;
	int r;

	if (size < 1)
		return 0;
	ctl = data[0];
	data++;
	size--;
	if (fuzz_dev(NULL, 0, &d) < 0)
		return 0;
	d.size = SB + (size < 4096 ? 4096 : size);
	if ((ctl & 2) && d.size < MIRROR + 4096)
		d.size = MIRROR + 4096;
	if (ftruncate(d.fd, (off_t)d.size) < 0 ||
	    (size && pwrite(d.fd, data, size, SB) != (ssize_t)size))
		goto out;
	memset(sb, 0, sizeof sb);
	memcpy(sb, data, size < sizeof sb ? size : sizeof sb);
	if (ctl & 32)
		rs_put_le64(sb + 0xD1, d.size);
	if (ctl & 1) {
		seal(sb);
		if (pwrite(d.fd, sb, sizeof sb, SB) != (ssize_t)sizeof sb)
			goto out;
	}
	if (ctl & 2) {
		rs_put_le64(sb + 0x30, MIRROR);
		if (ctl & 4)
			sb[(ctl & 8) ? 0x20 : 0x48] ^= 1;
		if (!(ctl & 16))
			seal(sb);
		if (pwrite(d.fd, sb, sizeof sb, MIRROR) != (ssize_t)sizeof sb)
			goto out;
	}

	memset(&fi, 0, sizeof fi);
	if (rs_btrfs_probe(&d, &fi) == 0 && (strcmp(fi.type, "btrfs") || fi.uuid_len != 16))
		__builtin_trap();
	before = snapshot(d.fd, d.size);
	r = rs_btrfs_set_uuid(&d, uuid);
	if (r == 0) {
		memset(&fi, 0, sizeof fi);
		if (rs_btrfs_probe(&d, &fi) != 0 || memcmp(fi.uuid, uuid, 16))
			__builtin_trap();
	} else if ((r == -ECANCELED || r == -ENOENT) &&
	    (d.bytes_written || snapshot(d.fd, d.size) != before)) {
		__builtin_trap();   /* a refusal writes nothing */
	}
out:
	close(d.fd);
	return 0;
}
