/* uuid.h: UUIDs and 4-byte ids as text, shared by the block formats
 * (hook/blk/), the boot plan and the machine-id operation. */
#ifndef RS_UUID_H
#define RS_UUID_H

/* "01234567-89ab-cdef-0123-456789abcdef" (lowercase) into out[37]. */
void rs_uuid_fmt(char out[37], const unsigned char u[16]);
/* Parse the 36-character form (either case).  Returns 0 or -EINVAL. */
int rs_uuid_parse(unsigned char u[16], const char *s);
/* Stamp 16 random bytes as an RFC 4122 version-4 UUID (systemd does the
 * same for machine-ids). */
void rs_uuid_v4(unsigned char u[16]);
/* A 4-byte id (vfat serial, MBR disk id) from 8 hex digits or "XXXX-XXXX",
 * into on-disk (little-endian) order.  0 is refused: blkid shows no id for
 * it.  Returns 0 or -EINVAL. */
int rs_id4_parse(unsigned char out[4], const char *s);

#endif
