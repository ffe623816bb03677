/* main.c: the unit-test runner (see test.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define SUITES(X) \
	X(ed25519) X(base64) X(sshkey) X(rng) X(rootfs) X(config) X(ops) X(crc) X(refs) X(boot) X(io) X(scan)

/* Helper programs for the shell tests: `reseal-test NAME args...`. */
#define TOOLS(X) X(ed25519_pub) X(sshkey_write) X(gpt_resume) X(ext4_mend) X(ext4_backup_sb) X(ext4_mend_plan)

#define DECLARE(n) void test_##n(void);
SUITES(DECLARE)
#define DECLARE_TOOL(n) int tool_##n(int argc, char **argv);
TOOLS(DECLARE_TOOL)

static const struct { const char *name; int (*fn)(int, char **); } tools[] = {
#define TOOL_ROW(n) { #n, tool_##n },
	TOOLS(TOOL_ROW)
};

static const struct { const char *name; void (*fn)(void); } suites[] = {
#define ROW(n) { #n, test_##n },
	SUITES(ROW)
};

const char *rs_test_suite;
static int passed, failed;

void
rs_test_check(const char *suite, const char *name, int ok, const char *file, int line)
{
	if (ok) {
		passed++;
		printf("ok   %s: %s\n", suite, name);
	} else {
		failed++;
		printf("FAIL %s: %s (%s:%d)\n", suite, name, file, line);
	}
	fflush(stdout);
}

int
rs_test_hex(unsigned char *out, size_t n, const char *hex)
{
	size_t i;

	if (strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;
	int ran = 0;
	const char *want = argc > 1 ? argv[1] : "all";

	for (i = 0; i < sizeof tools / sizeof tools[0]; i++)
		if (!strcmp(want, tools[i].name))
			return tools[i].fn(argc - 1, argv + 1);

	for (i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (strcmp(want, "all") && strcmp(want, suites[i].name))
			continue;
		rs_test_suite = suites[i].name;
		suites[i].fn();
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "reseal-test: no suite named %s\n", want);
		return 100;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
