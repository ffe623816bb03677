/* test_scan.c: hook/scan.c's stand-ins for sscanf, strtoull, fnmatch and
 * gmtime_r + strftime, on fixed edge cases and against the libc calls
 * they replace on random inputs (glibc here; musl for the cross builds
 * under qemu-user, the libc the product links). */
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan.h"
#include "test.h"

static unsigned long long seed = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed >> 11);
}

/* Random string of at most max characters from set. */
static void
rnd_str(char *s, size_t max, const char *set)
{
	size_t i, n = rnd() % (max + 1), k = strlen(set);

	for (i = 0; i < n; i++)
		s[i] = set[rnd() % k];
	s[n] = 0;
}

/* "%3s %3s %3s" the scan.h way: the number of words read. */
static int
words3(const char *s, char w[3][4])
{
	int n = 0;

	while (n < 3 && (s = rs_scan_word(s, w[n], 3)))
		n++;
	return n;
}

/* "%u:%u" the scan.h way. */
static int
devnum(const char *s, unsigned *ma, unsigned *mi)
{
	unsigned long long v;

	if (!(s = rs_scan_num(s, &v)))
		return 0;
	*ma = (unsigned)v;
	if (*s != ':' || !(s = rs_scan_num(s + 1, &v)))
		return 1;
	*mi = (unsigned)v;
	return 2;
}

static void
test_words(void)
{
	char w[3][4] = { "", "", "" }, out[8] = "x";
	const char *q;
	int i, bad = 0;

	CHECK("word: empty string is no word", !rs_scan_word("", out, 7) && !strcmp(out, "x"));
	CHECK("word: blanks only are no word", !rs_scan_word(" \t\n\v\f\r", out, 7));
	q = rs_scan_word("  abc def", out, 7);
	CHECK("word: leading blanks skipped", q && !strcmp(out, "abc") && !strcmp(q, " def"));
	q = rs_scan_word("abcdefghij", out, 7);
	CHECK("word: width caps it, the rest is the next word", q && !strcmp(out, "abcdefg") &&
	    !strcmp(q, "hij"));
	CHECK("word: split long word counts as two", words3("abcdef", w) == 2 &&
	    !strcmp(w[0], "abc") && !strcmp(w[1], "def"));
	CHECK("word: vertical tab, form feed, CR are blanks", words3("a\vb\fc\rd", w) == 3 &&
	    !strcmp(w[2], "c"));
	CHECK("word: '#' is an ordinary character", words3("#x y", w) == 2 && !strcmp(w[0], "#x"));
	for (i = 0; i < 200000; i++) {
		char s[24], a[3][4] = { "", "", "" }, b[3][4] = { "", "", "" };
		int f, g;

		rnd_str(s, 20, " \t\n\v\f\rab#-9");
		f = sscanf(s, "%3s %3s %3s", a[0], a[1], a[2]);
		g = words3(s, b);
		if ((f < 0 ? 0 : f) != g || memcmp(a, b, sizeof a))
			bad++;
	}
	CHECK("word: same as sscanf %3s %3s %3s on 200000 random lines", !bad);
}

static void
test_nums(void)
{
	unsigned long long v = 7;
	unsigned ma = 0, mi = 0;
	const char *q;
	int i, bad = 0;

	CHECK("num: empty is no number", !rs_scan_num("", &v) && v == 7);
	CHECK("num: sign alone is no number", !rs_scan_num("+", &v) && !rs_scan_num(" -x", &v) && v == 7);
	CHECK("num: letters are no number", !rs_scan_num("x1", &v));
	q = rs_scan_num(" \t+42:", &v);
	CHECK("num: blanks and '+' skipped", q && v == 42 && !strcmp(q, ":"));
	q = rs_scan_num("12ab", &v);
	CHECK("num: stops at trailing junk", q && v == 12 && !strcmp(q, "ab"));
	q = rs_scan_num("0x10", &v);
	CHECK("num: decimal only (0x10 is 0, then x10)", q && v == 0 && !strcmp(q, "x10"));
	CHECK("num: -1 wraps", rs_scan_num("-1", &v) && v == ULLONG_MAX);
	CHECK("num: 2^64-1 fits", rs_scan_num("18446744073709551615", &v) && v == ULLONG_MAX);
	CHECK("num: -(2^64-1) wraps to 1", rs_scan_num("-18446744073709551615", &v) && v == 1);
	q = rs_scan_num("18446744073709551616:", &v);
	CHECK("num: overflow saturates, digits consumed", q && v == ULLONG_MAX && !strcmp(q, ":"));
	CHECK("num: negative overflow saturates too",
	    rs_scan_num("-99999999999999999999", &v) && v == ULLONG_MAX);
	CHECK("num: %u of 2^32 is 0", devnum("4294967296:1", &ma, &mi) == 2 && ma == 0 && mi == 1);
	CHECK("num: %u:%u of a sysfs dev file", devnum("259:3\n", &ma, &mi) == 2 && ma == 259 && mi == 3);
	CHECK("num: blank before ':' stops %u:%u", devnum("8 :0", &ma, &mi) == 1);
	for (i = 0; i < 200000; i++) {
		char s[32];
		unsigned a1 = 1, a2 = 2, b1 = 1, b2 = 2;
		unsigned long long x;
		int f, g;

		if (i % 50)
			rnd_str(s, 14, " \t\n+-0123456789:x");
		else
			rnd_str(s, 24, "9876543210");     /* near and past 2^64 */
		f = sscanf(s, "%u:%u", &a1, &a2);
		g = devnum(s, &b1, &b2);
		if ((f < 0 ? 0 : f) != g || (g >= 1 && a1 != b1) || (g == 2 && a2 != b2))
			bad++;
		x = strtoull(s, NULL, 10);
		q = rs_scan_num(s, &v);
		if (!x != (!q || !v) || (q && x != v))
			bad++;
	}
	CHECK("num: same as sscanf %u:%u and strtoull on 200000 random strings", !bad);
}

static void
test_glob(void)
{
	int i, bad = 0;

	CHECK("glob: * matches all but dot files", rs_glob_match("*", "a") && rs_glob_match("*", "") &&
	    !rs_glob_match("*", ".a") && !rs_glob_match("?a", ".a"));
	CHECK("glob: a literal dot matches a dot file", rs_glob_match(".*", ".a") &&
	    rs_glob_match(".a", ".a"));
	CHECK("glob: suffix", rs_glob_match("*.conf", "x.conf") && !rs_glob_match("*.conf", "x.conf~") &&
	    rs_glob_match("*.conf", "a.conf.conf") && !rs_glob_match("*.conf", ".conf"));
	CHECK("glob: prefix", rs_glob_match("ssh_host_*", "ssh_host_ed25519_key.pub") &&
	    !rs_glob_match("ssh_host_*", "ssh_config"));
	CHECK("glob: infix", rs_glob_match("dropbear_*_host_key", "dropbear_rsa_host_key") &&
	    !rs_glob_match("dropbear_*_host_key", "dropbear_rsa_host_key.bak"));
	CHECK("glob: ? is one character", rs_glob_match("a?c", "abc") && !rs_glob_match("a?c", "ac"));
	for (i = 0; i < 400000; i++) {
		char p[8], n[8];

		rnd_str(p, 6, "ab.*?");
		rnd_str(n, 6, "ab.");
		if (rs_glob_match(p, n) != !fnmatch(p, n, FNM_PERIOD))
			bad++;
		/* net_rules passes no FNM_PERIOD; with a literal first
		 * character the flag changes nothing. */
		if (p[0] && p[0] != '*' && p[0] != '?' && rs_glob_match(p, n) != !fnmatch(p, n, 0))
			bad++;
	}
	CHECK("glob: same as fnmatch(FNM_PERIOD) on 400000 random pairs", !bad);
}

static void
test_stamp(void)
{
	char a[64], b[32];
	int i, bad = 0;

	CHECK("stamp: epoch", !strcmp(rs_utc_stamp(0, b), "1970-01-01T00:00:00Z"));
	CHECK("stamp: leap day 2000", !strcmp(rs_utc_stamp(951868799, b), "2000-02-29T23:59:59Z"));
	CHECK("stamp: 2100 is no leap year", !strcmp(rs_utc_stamp(4107542400, b), "2100-03-01T00:00:00Z"));
	CHECK("stamp: 2038 rollover", !strcmp(rs_utc_stamp(2147483648, b), "2038-01-19T03:14:08Z"));
	CHECK("stamp: last second of 9999", !strcmp(rs_utc_stamp(253402300799, b), "9999-12-31T23:59:59Z"));
	/* musl's %Y (the product's libc); glibc writes "10000" here. */
	CHECK("stamp: year 10000 as musl writes it",
	    !strcmp(rs_utc_stamp(253402300800, b), "+10000-01-01T00:00:00Z"));
	for (i = 0; i < 200000; i++) {
		time_t t = (time_t)((((unsigned long long)rnd() << 21) ^ rnd()) % 253402300800ULL);
		struct tm tm;

		if (i < 3000)
			t = (time_t)i * 86399 * 47;     /* ~380 years, the hour shifting */
		gmtime_r(&t, &tm);
		strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (strcmp(a, rs_utc_stamp(t, b)))
			bad++;
	}
	CHECK("stamp: same as gmtime_r + strftime on 200000 times up to year 9999", !bad);
}

void test_scan(void);

void
test_scan(void)
{
	test_words();
	test_nums();
	test_glob();
	test_stamp();
}
