/* refs.c: see refs.h */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "refs.h"

static int
is_word(char c)
{
	return isalnum((unsigned char)c);
}

static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Classify a textual identifier; -1 if it has none of the three forms. */
static int
classify(const char *s)
{
	size_t n = strlen(s);

	if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
	    all_hex(s, 8) && all_hex(s + 9, 4) && all_hex(s + 14, 4) && all_hex(s + 19, 4) &&
	    all_hex(s + 24, 12))
		return RS_REF_UUID;
	if (n == 9 && s[4] == '-' && all_hex(s, 4) && all_hex(s + 5, 4))
		return RS_REF_SERIAL;
	if (n == 8 && all_hex(s, 8))
		return RS_REF_MBR;
	return -1;
}

static void
lower_copy(char *dst, const char *src)
{
	while ((*dst++ = (char)tolower((unsigned char)*src++)))
		;
}

/* see refs.h */
int
rs_refs_add(rs_refs *refs, const char *old, const char *new)
{
	int k = classify(old);

	if (k < 0 || classify(new) != k)
		return -EINVAL;
	if (refs->n >= RS_REFS_MAX)
		return -ENOSPC;
	refs->ref[refs->n].kind = (enum rs_ref_kind)k;
	lower_copy(refs->ref[refs->n].old, old);
	lower_copy(refs->ref[refs->n].new, new);
	refs->n++;
	return 0;
}

/* Match old at p (n bytes left) with literal dashes, or with every dash
 * written "\x2d" (esc: systemd unit names).  Returns the text length
 * matched or 0; counts letters and uppercase letters seen. */
static size_t
match_form(const char *o, const char *p, size_t n, int esc, int *letters, int *uppers)
{
	size_t i = 0;

	*letters = *uppers = 0;
	for (; *o; o++) {
		if (*o == '-' && esc) {
			if (i + 4 > n || memcmp(p + i, "\\x2d", 4))
				return 0;
			i += 4;
			continue;
		}
		if (i >= n || tolower((unsigned char)p[i]) != *o)
			return 0;
		if (isalpha((unsigned char)p[i])) {
			(*letters)++;
			*uppers += isupper((unsigned char)p[i]) != 0;
		}
		i++;
	}
	return i;
}

/* Does ref's old value occur as a whole token at p?  Returns the matched
 * length or 0; *esc and *upper report the form found. */
static size_t
match_at(const rs_ref *ref, const char *p, size_t n, int *esc, int *upper)
{
	int letters, uppers;
	size_t i;

	*esc = 0;
	i = match_form(ref->old, p, n, 0, &letters, &uppers);
	if (!i && strchr(ref->old, '-')) {
		*esc = 1;
		i = match_form(ref->old, p, n, 1, &letters, &uppers);
	}
	if (!i)
		return 0;
	if (ref->kind == RS_REF_MBR) {
		/* only as a PARTUUID: "-NN" (two hex digits) must follow */
		if (i + 3 > n || p[i] != '-' || !isxdigit((unsigned char)p[i + 1]) ||
		    !isxdigit((unsigned char)p[i + 2]) || (i + 3 < n && is_word(p[i + 3])))
			return 0;
	} else if (i < n && is_word(p[i])) {
		return 0;
	}
	/* An occurrence without letters ("1234-5678") shows no case style:
	 * the kind's own then, as blkid prints it (vfat serials uppercase).
	 * Lowercase there would name a /dev/disk/by-uuid link that does not
	 * exist, and mount would not find the ESP. */
	*upper = letters ? uppers == letters : ref->kind == RS_REF_SERIAL;
	return i;
}

/* see refs.h */
int
rs_refs_rewrite(const rs_refs *refs, const char *in, size_t len, char *out, size_t cap,
    size_t *outlen)
{
	size_t i = 0, o = 0;
	int count = 0, k;

	while (i < len) {
		int done = 0;

		if (i == 0 || !is_word(in[i - 1])) {
			for (k = 0; k < refs->n && !done; k++) {
				const char *nv = refs->ref[k].new;
				int esc, upper;
				size_t m = match_at(&refs->ref[k], in + i, len - i, &esc, &upper), j;

				if (!m)
					continue;
				for (j = 0; nv[j]; j++) {
					if (esc && nv[j] == '-') {
						if (o + 4 > cap)
							return -ENOSPC;
						memcpy(out + o, "\\x2d", 4);
						o += 4;
						continue;
					}
					if (o + 1 > cap)
						return -ENOSPC;
					out[o++] = upper ? (char)toupper((unsigned char)nv[j]) : nv[j];
				}
				i += m;
				count++;
				done = 1;
			}
		}
		if (done)
			continue;
		if (o + 1 > cap)
			return -ENOSPC;
		out[o++] = in[i++];
	}
	*outlen = o;
	return count;
}
