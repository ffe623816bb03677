/* scan.h: the few text parsers and formatters reseal needs from libc,
 * written out so that the static binary does not carry musl's general
 * ones (sscanf pulls in the whole scanf and float-parsing machinery,
 * fnmatch the Unicode class tables, gmtime/strftime the time-zone code:
 * ~35 KB of a ~200 KB binary; bench/size.sh shows the contributors).
 *
 * Each one behaves exactly as the libc call it replaces for the inputs
 * its callers give it; the contracts below name the call, and
 * tests/unit/test_scan.c checks each against it. */
#ifndef RS_SCAN_H
#define RS_SCAN_H

#include <stddef.h>
#include <time.h>

/* One sscanf "%Ns" conversion (N = width >= 1): skip white space (C
 * locale isspace), then copy at most width non-space characters to out
 * (which holds width + 1 bytes) and NUL-terminate.  Returns where the
 * scan stopped (the rest of the line, for the next conversion), or NULL
 * if the string ended before a word began (out is then untouched). */
const char *rs_scan_word(const char *s, char *out, size_t width);

/* One sscanf "%u" (or, value unused, "%d") conversion as musl does it:
 * skip white space, an optional sign, then at least one decimal digit.
 * *v gets the value modulo 2^64 (negated for '-'), or ULLONG_MAX if the
 * digits overflow 64 bits, whatever the sign; the "%u" result is that
 * truncated to unsigned int.  Returns the first character after the
 * digits, or NULL (no digits; *v untouched). */
const char *rs_scan_num(const char *s, unsigned long long *v);

/* fnmatch(pattern, name, FNM_PERIOD) == 0 for the patterns reseal uses,
 * which are constants made of '*', '?' and plain characters: no bracket
 * expressions, no backslash escapes (both are taken literally here).  A
 * leading '.' of name only matches a literal '.'.  Returns 1 on a match,
 * else 0. */
int rs_glob_match(const char *pattern, const char *name);

/* gmtime_r + strftime("%Y-%m-%dT%H:%M:%SZ") of t >= 0 into out (at least
 * 32 bytes, the status file's stamp).  Returns out. */
char *rs_utc_stamp(time_t t, char *out);

#endif
