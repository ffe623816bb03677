/* config.c: see config.h.  Table-driven: one row per section/key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "ops.h"
#include "sshkey.h"

typedef int (*setter)(rs_config *c, const char *value);

static int
set_skip(rs_config *c, const char *v)
{
	return rs_config_parse_ops(v, &c->skip);
}

static int
parse_mid(const char *v, enum rs_mid_mode *out, int allow_generate)
{
	if (allow_generate && !strcmp(v, "generate"))
		*out = RS_MID_GENERATE;
	else if (!strcmp(v, "uninitialized"))
		*out = RS_MID_UNINITIALIZED;
	else if (!allow_generate && !strcmp(v, "empty"))
		*out = RS_MID_EMPTY;
	else
		return -EINVAL;
	return 0;
}

static int
set_mid_mode(rs_config *c, const char *v)
{
	return parse_mid(v, &c->machine_id, 1);
}

static int
set_mid_seal(rs_config *c, const char *v)
{
	return parse_mid(v, &c->seal_machine_id, 0);
}

/* Call fn for every comma- or blank-separated word of list; stops at and
 * returns fn's first error.  Words longer than 31 bytes are -EINVAL. */
static int
each_word(const char *list, int (*fn)(const char *word, unsigned *mask), unsigned *mask)
{
	char word[32];
	int r;

	while (*list) {
		size_t n = strcspn(list, " \t,");
		if (n) {
			if (n >= sizeof word) {
				rs_err("unknown name '%.*s'", (int)n, list);
				return -EINVAL;
			}
			memcpy(word, list, n);
			word[n] = 0;
			if ((r = fn(word, mask)) < 0)
				return r;
		}
		list += n;
		list += strspn(list, " \t,");
	}
	return 0;
}

static int
add_key_type(const char *word, unsigned *mask)
{
	int t = rs_keytype_parse(word);

	if (t < 0) {
		rs_err("unknown key type '%s' (known: ed25519 ecdsa rsa)", word);
		return -EINVAL;
	}
	*mask |= 1u << t;
	return 0;
}

static int
add_op(const char *word, unsigned *mask)
{
	int i = rs_op_find(word);

	if (i < 0) {
		rs_err("unknown operation '%s' (see reseal --help)", word);
		return -EINVAL;
	}
	*mask |= 1u << i;
	return 0;
}

static int
set_key_types(rs_config *c, const char *v)
{
	unsigned mask = 0;
	int r = each_word(v, add_key_type, &mask);

	/* An empty list would be read as "not set" (follow the template):
	 * refuse it rather than guess (reseal.conf(5)). */
	if (r == 0 && !mask) {
		rs_err("[ssh-hostkeys] types needs at least one of ed25519 ecdsa rsa");
		r = -EINVAL;
	}
	if (r == 0)
		c->key_types = mask;
	return r;
}

static int
set_dropbear(rs_config *c, const char *v)
{
	if (!strcmp(v, "auto"))
		c->dropbear = RS_AUTO;
	else if (!strcmp(v, "yes"))
		c->dropbear = RS_YES;
	else if (!strcmp(v, "no"))
		c->dropbear = RS_NO;
	else
		return -EINVAL;
	return 0;
}

static int
set_hostname(rs_config *c, const char *v)
{
	if (*v && rs_config_check_hostname(v) < 0)
		return -EINVAL;
	strcpy(c->hostname, v);   /* length checked above */
	return 0;
}

static int
set_remove(rs_config *c, const char *v)
{
	if (c->nremove >= RS_MAX_REMOVE) {
		rs_err("more than %d [remove] paths", RS_MAX_REMOVE);
		return -EINVAL;
	}
	if (v[0] != '/' || strlen(v) >= RS_PATH_MAX || !strcmp(v, "/")) {
		rs_err("[remove] path must be absolute, not /, and shorter than %d", RS_PATH_MAX);
		return -EINVAL;
	}
	strcpy(c->remove[c->nremove++], v);
	return 0;
}

static const struct {
	const char *section, *key;
	setter set;
} keys[] = {
	{ "reseal",       "skip",     set_skip },
	{ "machine-id",   "mode",     set_mid_mode },
	{ "machine-id",   "seal",     set_mid_seal },
	{ "ssh-hostkeys", "types",    set_key_types },
	{ "ssh-hostkeys", "dropbear", set_dropbear },
	{ "hostname",     "pattern",  set_hostname },
	{ "remove",       "path",     set_remove },
};

/* see config.h */
void
rs_config_defaults(rs_config *c)
{
	memset(c, 0, sizeof *c);
	c->machine_id = RS_MID_GENERATE;
	c->seal_machine_id = RS_MID_UNINITIALIZED;
	c->key_types = 0;       /* follow the template (docs/keys.md §10) */
	c->dropbear = RS_AUTO;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trim blanks at both ends of s[0..n) in place; returns the new start. */
static char *
trim(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		*--e = 0;
	return s;
}

static int
known_section(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].section, s))
			return 1;
	return 0;
}

/* see config.h */
int
rs_config_parse(rs_config *c, const char *text, size_t len, const char *fname)
{
	char line[512], section[32] = "";
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		size_t n = 0, i;
		char *s, *eq, *key, *val, *hash;
		int found = 0;

		lineno++;
		while (pos + n < len && text[pos + n] != '\n')
			n++;
		if (n >= sizeof line) {
			rs_err("%s:%d: line too long", fname, lineno);
			return -EINVAL;
		}
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		if (memchr(line, 0, n)) {
			rs_err("%s:%d: NUL byte in text", fname, lineno);
			return -EINVAL;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		s = trim(line);
		if (!*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || end[1] || end - s - 1 >= (long)sizeof section) {
				rs_err("%s:%d: malformed section header", fname, lineno);
				return -EINVAL;
			}
			*end = 0;
			s = trim(s + 1);
			if (!known_section(s)) {
				rs_err("%s:%d: unknown section [%s]", fname, lineno, s);
				return -EINVAL;
			}
			strcpy(section, s);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			rs_err("%s:%d: expected 'key = value'", fname, lineno);
			return -EINVAL;
		}
		*eq = 0;
		key = trim(s);
		val = trim(eq + 1);
		if (!*section) {
			rs_err("%s:%d: key '%s' outside any [section]", fname, lineno, key);
			return -EINVAL;
		}
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			if (strcmp(keys[i].section, section) || strcmp(keys[i].key, key))
				continue;
			found = 1;
			if (keys[i].set(c, val) < 0) {
				rs_err("%s:%d: invalid value '%s' for %s in [%s]", fname, lineno,
				    val, key, section);
				return -EINVAL;
			}
		}
		if (!found) {
			rs_err("%s:%d: unknown key '%s' in [%s]", fname, lineno, key, section);
			return -EINVAL;
		}
	}
	return 0;
}

/* see config.h */
int
rs_config_parse_ops(const char *list, unsigned *mask)
{
	unsigned m = 0;
	int r = each_word(list, add_op, &m);

	if (r == 0)
		*mask = m;
	return r;
}

/* see config.h */
int
rs_config_check_hostname(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char ch = p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '?'))
			return -EINVAL;
	}
	return 0;
}

/* see config.h */
int
rs_keytypes_parse(const char *text, size_t len, unsigned *mask)
{
	static const char sep[] = " \t\r\n,";
	char word[32];
	unsigned m = 0;
	size_t i = 0;

	while (i < len) {
		size_t n = 0;

		if (text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (strchr(sep, text[i]) && text[i]) {
			i++;
			continue;
		}
		while (i + n < len && text[i + n] && text[i + n] != '#' && !strchr(sep, text[i + n]))
			n++;
		if (n == 0 || n >= sizeof word) {
			rs_err("unknown host key type '%.*s'", n ? (int)(n > 40 ? 40 : n) : 1,
			    n ? text + i : "?");
			return -EINVAL;
		}
		memcpy(word, text + i, n);
		word[n] = 0;
		if (add_key_type(word, &m) < 0)
			return -EINVAL;
		i += n;
	}
	if (!m) {
		rs_err("no host key type in the list");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

/* see config.h */
size_t
rs_keytypes_format(unsigned mask, char *out, size_t cap)
{
	size_t len;
	int t, n;

	n = snprintf(out, cap, "# host key types of this template; written by reseal seal\n");
	if (n < 0 || (size_t)n >= cap)
		return 0;
	len = (size_t)n;
	for (t = 0; t < RS_KEY_NTYPES; t++) {
		if (!(mask & (1u << t)))
			continue;
		n = snprintf(out + len, cap - len, "%s\n", rs_keytype_name((enum rs_keytype)t));
		if (n < 0 || (size_t)n >= cap - len)
			return 0;
		len += (size_t)n;
	}
	return len;
}

/* The enum rs_keytype of path if it is /etc/ssh/ssh_host_<type>_key, else -1. */
static int
hostkey_path_type(const char *path)
{
	char want[64];
	int t;

	for (t = 0; t < RS_KEY_NTYPES; t++) {
		snprintf(want, sizeof want, "/etc/ssh/ssh_host_%s_key",
		    rs_keytype_name((enum rs_keytype)t));
		if (!strcmp(path, want))
			return t;
	}
	return -1;
}

/* see config.h */
unsigned
rs_sshd_hostkey_types(const char *text, size_t len, const char *fname)
{
	char line[512], *s, *arg, *end;
	unsigned mask = 0;
	size_t pos = 0, n;
	int lineno = 0, t;

	while (pos < len) {
		lineno++;
		for (n = 0; pos + n < len && text[pos + n] != '\n'; n++)
			;
		if (n >= sizeof line) {   /* no HostKey line is this long */
			pos += n + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		s = line + strspn(line, " \t\r");
		/* sshd: "Keyword arg", "Keyword=arg", "Keyword = arg". */
		if (strncasecmp(s, "hostkey", 7) || !strchr(" \t=", s[7]) || !s[7])
			continue;
		arg = s + 7;
		arg += strspn(arg, " \t");
		if (*arg == '=')
			arg++;
		arg += strspn(arg, " \t");
		if (*arg == '"') {
			arg++;
			end = strchr(arg, '"');
		} else {
			end = arg + strcspn(arg, " \t\r");
		}
		if (!end || !*arg)
			continue;
		*end = 0;
		t = hostkey_path_type(arg);
		if (t < 0)
			rs_warn("%s:%d: HostKey %s: reseal writes only /etc/ssh/ssh_host_"
			    "{ed25519,ecdsa,rsa}_key; line ignored", fname, lineno, arg);
		else
			mask |= 1u << t;
	}
	return mask;
}
