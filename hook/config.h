/* config.h: /etc/reseal/reseal.conf, the image's own settings.
 *
 * Format (reseal.conf(5), docs/reseal.conf.5.scd): `key = value` lines
 * grouped under `[section]` headers, `#` comments, blank lines.  The parser
 * is strict: an unknown section, key or value is an error naming file:line,
 * so a typo can never silently change what a clone gets. */
#ifndef RS_CONFIG_H
#define RS_CONFIG_H

#include <stddef.h>

#define RS_CONF_PATH      "/etc/reseal/reseal.conf"
#define RS_MARKER_PATH    "/etc/reseal/template"
#define RS_STATUS_PATH    "/etc/reseal/status"
#define RS_JOURNAL_PATH   "/etc/reseal/journal"   /* boot-time plan (docs/boot.md §11) */
#define RS_KEYTYPES_PATH  "/etc/reseal/host-key-types" /* the template's key types (docs/keys.md §10) */
#define RS_CONF_MAX       16384   /* bytes; a larger file is refused */
#define RS_MAX_REMOVE     32      /* [remove] path = lines */
#define RS_PATH_MAX       256

enum rs_mid_mode { RS_MID_GENERATE, RS_MID_UNINITIALIZED, RS_MID_EMPTY };
enum rs_tristate { RS_AUTO = -1, RS_NO = 0, RS_YES = 1 };

typedef struct {
	unsigned skip;                 /* bit i: rs_ops[i] disabled by the image */
	enum rs_mid_mode machine_id;   /* what `run` writes: generate|uninitialized */
	enum rs_mid_mode seal_machine_id; /* what `seal` writes: uninitialized|empty */
	unsigned key_types;            /* bit per enum rs_keytype; 0: follow the template */
	enum rs_tristate dropbear;     /* write dropbear keys: auto = if /etc/dropbear exists */
	char hostname[64];             /* pattern; empty = leave the hostname */
	char remove[RS_MAX_REMOVE][RS_PATH_MAX];
	int nremove;
} rs_config;

/* The defaults: every op on, machine-id generate / seal uninitialized,
 * host key types not set (key_types 0: the template's types, docs/keys.md
 * §10), dropbear auto, hostname kept, nothing extra removed. */
void rs_config_defaults(rs_config *c);

/* Parse text (len bytes) into c, which holds defaults or earlier values.
 * fname is used in messages only.  Returns 0, or -EINVAL after logging
 * "FNAME:LINE: reason" for the first error. */
int rs_config_parse(rs_config *c, const char *text, size_t len, const char *fname);

/* Parse a comma- or space-separated list of op names into a bit mask.
 * Returns 0, or -EINVAL after logging the unknown name. */
int rs_config_parse_ops(const char *list, unsigned *mask);

/* Check a hostname pattern: 1-63 characters of [a-z0-9-?], not starting or
 * ending with '-'.  Returns 0 or -EINVAL. */
int rs_config_check_hostname(const char *pattern);

/* Parse a list of host key type names ("ed25519", "ecdsa", "rsa") separated
 * by blanks, commas or newlines, '#' starting a comment to the end of the
 * line: the format of RS_KEYTYPES_PATH (docs/keys.md §10).  *mask gets one
 * bit per enum rs_keytype.  Returns 0, or -EINVAL after logging an unknown
 * name or a list with no name at all. */
int rs_keytypes_parse(const char *text, size_t len, unsigned *mask);

/* Write mask as RS_KEYTYPES_PATH's text: a comment line, then one name per
 * line in enum order.  Returns the length (NUL appended, not counted), or 0
 * if cap is short. */
size_t rs_keytypes_format(unsigned mask, char *out, size_t cap);

/* The host key types named by the HostKey lines of an sshd_config text
 * (keyword case-insensitive, "HostKey PATH", "HostKey=PATH" or a quoted
 * PATH; comments and blank lines skipped), one bit per enum rs_keytype.
 * Only the paths reseal writes, /etc/ssh/ssh_host_<type>_key, count; any
 * other HostKey path is logged as a warning and ignored (docs/keys.md §10). */
unsigned rs_sshd_hostkey_types(const char *text, size_t len, const char *fname);

#endif
