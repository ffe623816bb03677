/* refs.h: rewriting textual references to changed identifiers
 * (docs/formats.md §10).
 *
 * A pair maps one old identifier to its new value, in one of three forms:
 *   RS_REF_UUID     36-character UUID/GUID (filesystem UUID, GPT PARTUUID,
 *                   LUKS UUID): matched as a whole token, either case
 *   RS_REF_SERIAL   vfat "XXXX-XXXX": matched as a whole token, either case
 *   RS_REF_MBR      8-hex MBR disk id: matched only as the PARTUUID prefix
 *                   "xxxxxxxx-NN" (every partition of that disk at once)
 * A token is whole when the characters around it are not [0-9A-Za-z]; for
 * systemd unit names the escaped form (dashes as "\x2d") is matched too.
 * The replacement keeps the case style of each occurrence (an all-uppercase
 * occurrence gets an uppercase value), so fstab's "UUID=ABCD-1234" stays in
 * the form blkid and mount expect; an occurrence without letters gets the
 * kind's blkid form: uppercase for vfat serials, lowercase otherwise. */
#ifndef RS_REFS_H
#define RS_REFS_H

#include <stddef.h>

enum rs_ref_kind { RS_REF_UUID, RS_REF_SERIAL, RS_REF_MBR };

#define RS_REFS_MAX 64

typedef struct {
	enum rs_ref_kind kind;
	char old[40], new[40];    /* lowercase canonical text */
} rs_ref;

typedef struct {
	rs_ref ref[RS_REFS_MAX];
	int n;
} rs_refs;

/* Add the pair "OLD=NEW" (forms as above, kind inferred from OLD; both must
 * have the same form).  Returns 0 or -EINVAL (bad form) / -ENOSPC (full). */
int rs_refs_add(rs_refs *refs, const char *old, const char *new);

/* Rewrite in[0..len) into out (cap bytes).  Returns the number of
 * replacements made (0: out holds a copy of in), *outlen set, or -ENOSPC
 * (out too small for the result, even with nothing replaced). */
int rs_refs_rewrite(const rs_refs *refs, const char *in, size_t len, char *out, size_t cap,
    size_t *outlen);

#endif
