/* test_config.c: reseal.conf and op-list parsing. */
#include <string.h>

#include "config.h"
#include "log.h"
#include "ops.h"
#include "sshkey.h"
#include "test.h"

void test_config(void);

static int
parse(rs_config *c, const char *text)
{
	rs_config_defaults(c);
	return rs_config_parse(c, text, strlen(text), "reseal.conf");
}

void
test_config(void)
{
	rs_config c;
	unsigned mask;
	int saved = rs_log_level;

	rs_log_level = 0;   /* the error cases log on purpose */

	rs_config_defaults(&c);
	CHECK("defaults: generate machine-id, seal uninitialized, ed25519 only, dropbear auto",
	    c.machine_id == RS_MID_GENERATE && c.seal_machine_id == RS_MID_UNINITIALIZED &&
	    c.key_types == 1u << RS_KEY_ED25519 && c.dropbear == RS_AUTO && !c.skip &&
	    !c.hostname[0] && !c.nremove);

	CHECK("empty file and comments only are accepted",
	    parse(&c, "") == 0 && parse(&c, "# nothing\n\n   # more\n") == 0);

	CHECK("full example parses",
	    parse(&c,
	        "[reseal]\nskip = hostname, lvm-devices\n"
	        "[machine-id]\nmode = uninitialized   # systemd makes it\nseal = empty\n"
	        "[ssh-hostkeys]\ntypes = ed25519 ecdsa rsa\ndropbear = no\n"
	        "[hostname]\npattern = node-????\n"
	        "[remove]\npath = /var/lib/foo\npath = /etc/bar.conf\n") == 0 &&
	    c.skip == ((1u << rs_op_find("hostname")) | (1u << rs_op_find("lvm-devices"))) &&
	    c.machine_id == RS_MID_UNINITIALIZED && c.seal_machine_id == RS_MID_EMPTY &&
	    c.key_types == 7 && c.dropbear == RS_NO && !strcmp(c.hostname, "node-????") &&
	    c.nremove == 2 && !strcmp(c.remove[1], "/etc/bar.conf"));

	CHECK("CRLF line endings and blanks around = are accepted",
	    parse(&c, "[ssh-hostkeys]\r\n  types=ecdsa  \r\n") == 0 &&
	    c.key_types == 1u << RS_KEY_ECDSA_P256);

	CHECK("unknown key is an error",
	    parse(&c, "[machine-id]\nmdoe = generate\n") < 0);
	CHECK("unknown section is an error", parse(&c, "[machineid]\nmode = generate\n") < 0);
	CHECK("key outside a section is an error", parse(&c, "mode = generate\n") < 0);
	CHECK("line without = is an error", parse(&c, "[machine-id]\ngenerate\n") < 0);
	CHECK("bad value is an error", parse(&c, "[machine-id]\nmode = random\n") < 0);
	CHECK("seal cannot be generate", parse(&c, "[machine-id]\nseal = generate\n") < 0);
	CHECK("unknown key type is an error", parse(&c, "[ssh-hostkeys]\ntypes = dsa\n") < 0);
	CHECK("unknown op in skip is an error", parse(&c, "[reseal]\nskip = fs-uuid\n") < 0);
	CHECK("relative remove path is an error", parse(&c, "[remove]\npath = etc/x\n") < 0);
	CHECK("remove / is an error", parse(&c, "[remove]\npath = /\n") < 0);
	CHECK("malformed section header is an error", parse(&c, "[hostname\n") < 0);
	CHECK("hostname pattern with uppercase or dots is an error",
	    parse(&c, "[hostname]\npattern = Web.1\n") < 0);
	CHECK("empty hostname pattern means keep",
	    parse(&c, "[hostname]\npattern =\n") == 0 && !c.hostname[0]);
	{
		char big[700];
		memset(big, 'a', sizeof big);
		memcpy(big, "[remove]\npath = /", 17);
		big[sizeof big - 1] = 0;
		CHECK("overlong line is an error", parse(&c, big) < 0);
	}

	CHECK("op list: commas and spaces",
	    rs_config_parse_ops("machine-id, ssh-hostkeys random-seed", &mask) == 0 &&
	    mask == ((1u << rs_op_find("machine-id")) | (1u << rs_op_find("ssh-hostkeys")) |
	        (1u << rs_op_find("random-seed"))));
	CHECK("op list: unknown name is an error", rs_config_parse_ops("machine-id,bogus", &mask) < 0);

	CHECK("hostname check", rs_config_check_hostname("web-??1") == 0 &&
	    rs_config_check_hostname("-web") < 0 && rs_config_check_hostname("web-") < 0 &&
	    rs_config_check_hostname("") < 0);

	rs_log_level = saved;
}
