/* test_ops.c: the op table. Behaviour on real trees is in tests/t-run.sh. */
#include <string.h>

#include "ops.h"
#include "test.h"

void test_ops(void);

void
test_ops(void)
{
	int i, j, unique = 1, complete = 1;

	for (i = 0; i < rs_nops; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(rs_ops[i].name, rs_ops[j].name))
				unique = 0;
		if (!rs_ops[i].run || !rs_ops[i].summary || rs_op_find(rs_ops[i].name) != i)
			complete = 0;
	}
	CHECK("op names are unique", unique);
	CHECK("every op has a run function, a summary and is found by name", complete);
	CHECK("op masks fit in an unsigned", rs_nops <= 32);
	CHECK("host keys run last (they use the final hostname)",
	    !strcmp(rs_ops[rs_nops - 1].name, "ssh-hostkeys"));
	CHECK("references are rewritten before any identity file is touched",
	    !strcmp(rs_ops[0].name, "references"));
	CHECK("unknown op is not found", rs_op_find("fs-uuids") == -1);
}
