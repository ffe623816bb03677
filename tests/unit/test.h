/* test.h: the unit-test runner's tiny vocabulary.
 *
 * Each suite is a function `void test_<suite>(void)` listed in main.c; it
 * calls CHECK(name, cond) once per behaviour.  `reseal-test all` runs every
 * suite, `reseal-test NAME` one suite; the last line is "N passed, N failed". */
#ifndef RS_TEST_H
#define RS_TEST_H

#include <stddef.h>

void rs_test_check(const char *suite, const char *name, int ok, const char *file, int line);
extern const char *rs_test_suite;

#define CHECK(name, cond) rs_test_check(rs_test_suite, (name), !!(cond), __FILE__, __LINE__)

/* Parse hex into out (exactly n bytes); returns 0 or -1. */
int rs_test_hex(unsigned char *out, size_t n, const char *hex);

#endif
