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

/* The host key type record (docs/keys.md §10) and sshd_config's HostKey
 * lines. */
static void
test_keytypes(void)
{
	static const char debian[] =
	    "Include /etc/ssh/sshd_config.d/*.conf\n"
	    "#Port 22\n"
	    "#HostKey /etc/ssh/ssh_host_rsa_key\n"
	    "#HostKey /etc/ssh/ssh_host_ecdsa_key\n"
	    "#HostKey /etc/ssh/ssh_host_ed25519_key\n"
	    "KbdInteractiveAuthentication no\n";
	static const char forms[] =
	    "HostKey /etc/ssh/ssh_host_rsa_key\n"
	    "  hostkey\t/etc/ssh/ssh_host_ed25519_key   # trailing\r\n"
	    "HOSTKEY=\"/etc/ssh/ssh_host_ecdsa_key\"\n";
	static const char others[] =
	    "HostKey /etc/ssh/keys/ssh_host_rsa_key\n"
	    "HostKeyAlgorithms ssh-rsa\n"
	    "HostKey /etc/ssh/ssh_host_dsa_key\n"
	    "HostKey\n"
	    "HostKeyAgent /etc/ssh/ssh_host_ed25519_key\n";
	char text[256];
	unsigned m = 0, k, ok = 1;
	size_t n;

	CHECK("record: one type per line, comments and blanks",
	    rs_keytypes_parse("# c\nrsa\n\n  ed25519  \n", 21, &m) == 0 &&
	    m == ((1u << RS_KEY_RSA3072) | (1u << RS_KEY_ED25519)));
	CHECK("record: commas and spaces too, duplicates harmless",
	    rs_keytypes_parse("ecdsa, ecdsa rsa", 16, &m) == 0 &&
	    m == ((1u << RS_KEY_ECDSA_P256) | (1u << RS_KEY_RSA3072)));
	m = 99;
	CHECK("record: unknown name is an error, mask untouched",
	    rs_keytypes_parse("ed25519\ndsa\n", 12, &m) < 0 && m == 99);
	CHECK("record: empty or comments only is an error",
	    rs_keytypes_parse("", 0, &m) < 0 && rs_keytypes_parse("# x\n\n", 5, &m) < 0);
	CHECK("record: NUL byte is an error", rs_keytypes_parse("rsa\0", 4, &m) < 0);
	n = rs_keytypes_format(7, text, sizeof text);
	CHECK("record: format writes a comment then one name per line in enum order",
	    n > 0 && text[0] == '#' && strstr(text, "\ned25519\necdsa\nrsa\n") &&
	    text[n - 1] == '\n' && strlen(text) == n);
	for (k = 1; k < 8; k++) {
		n = rs_keytypes_format(k, text, sizeof text);
		ok &= n > 0 && rs_keytypes_parse(text, n, &m) == 0 && m == k;
	}
	CHECK("record: format and parse round-trip every mask", ok);
	CHECK("record: format refuses a short buffer", rs_keytypes_format(7, text, 20) == 0);

	CHECK("sshd_config: Debian's default (commented HostKey lines) names no type",
	    rs_sshd_hostkey_types(debian, sizeof debian - 1, "sshd_config") == 0);
	CHECK("sshd_config: HostKey PATH, any case, HostKey=\"PATH\", CRLF",
	    rs_sshd_hostkey_types(forms, sizeof forms - 1, "sshd_config") == 7);
	CHECK("sshd_config: other paths, prefixes and DSA are ignored",
	    rs_sshd_hostkey_types(others, sizeof others - 1, "x") == 0);
	CHECK("sshd_config: a last line without newline counts",
	    rs_sshd_hostkey_types("HostKey /etc/ssh/ssh_host_ecdsa_key", 35, "x") ==
	    1u << RS_KEY_ECDSA_P256);
}

void
test_config(void)
{
	rs_config c;
	unsigned mask;
	int saved = rs_log_level;

	rs_log_level = 0;   /* the error cases log on purpose */

	rs_config_defaults(&c);
	CHECK("defaults: generate machine-id, seal uninitialized, key types follow the template, "
	    "dropbear auto",
	    c.machine_id == RS_MID_GENERATE && c.seal_machine_id == RS_MID_UNINITIALIZED &&
	    c.key_types == 0 && c.dropbear == RS_AUTO && !c.skip &&
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
	CHECK("empty types = is an error, not 'follow the template'",
	    parse(&c, "[ssh-hostkeys]\ntypes =\n") < 0 && parse(&c, "[ssh-hostkeys]\ntypes = ,\n") < 0);
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

	test_keytypes();
	rs_log_level = saved;
}
