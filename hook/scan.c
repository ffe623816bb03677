/* scan.c: see scan.h. */
#include <limits.h>
#include <stdio.h>

#include "scan.h"

/* isspace() in the C locale, which is the only locale reseal runs in. */
static int
space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* see scan.h */
const char *
rs_scan_word(const char *s, char *out, size_t width)
{
	size_t n = 0;

	while (space(*s))
		s++;
	if (!*s)
		return NULL;
	while (n < width && *s && !space(*s))
		out[n++] = *s++;
	out[n] = 0;
	return s;
}

/* see scan.h */
const char *
rs_scan_num(const char *s, unsigned long long *v)
{
	unsigned long long y = 0;
	int neg = 0, over = 0;

	while (space(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (y > (ULLONG_MAX - d) / 10)
			over = 1;
		else
			y = y * 10 + d;
	}
	/* musl's scanf: an overflow gives the limit, whatever the sign. */
	*v = over ? ULLONG_MAX : neg ? 0 - y : y;
	return s;
}

/* see scan.h */
int
rs_glob_match(const char *p, const char *n)
{
	const char *star = NULL, *back = NULL;

	if (*n == '.' && *p != '.')
		return 0;
	while (*n) {
		if (*p == '*') {
			star = ++p;
			back = n;
		} else if (*p && (*p == '?' || *p == *n)) {
			p++;
			n++;
		} else if (star) {
			/* Let the last '*' take one more character, retry. */
			p = star;
			n = ++back;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

/* see scan.h */
char *
rs_utc_stamp(time_t t, char *out)
{
	/* Days since 1970-01-01 to a proleptic Gregorian date, counting in
	 * 400-year eras (146097 days) that start on March 1st so that the
	 * leap day falls at the end of each year. */
	long long days = (long long)t / 86400, sec = (long long)t % 86400;
	long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	long long m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);

	/* musl's strftime writes years past 9999 as "+YYYYY". */
	snprintf(out, 32, y >= 10000 ? "+%lld-%02lld-%02lldT%02lld:%02lld:%02lldZ" :
	    "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
	return out;
}
