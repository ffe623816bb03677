/* log.h: reseal's one logging sink.
 *
 * Messages have one shape (docs/style.md §3):
 *     reseal: <level>: <text>
 * On a terminal or in hook mode they go to stderr; as PID 1 (docs/boot.md
 * §6) the sink is /dev/kmsg with a <N> priority prefix; `reseal initrd`
 * outside a systemd unit writes both.  Never pass secrets. */
#ifndef RS_LOG_H
#define RS_LOG_H

enum rs_level { RS_ERR = 3, RS_WARN = 4, RS_INFO = 6, RS_DEBUG = 7 };

/* Messages above this level are dropped.  Default RS_INFO. */
extern int rs_log_level;

/* printf-style; a trailing newline is added. */
void rs_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rs_err(...)   rs_log(RS_ERR, __VA_ARGS__)
#define rs_warn(...)  rs_log(RS_WARN, __VA_ARGS__)
#define rs_info(...)  rs_log(RS_INFO, __VA_ARGS__)
#define rs_debug(...) rs_log(RS_DEBUG, __VA_ARGS__)

/* Send messages to /dev/kmsg as "<N>reseal: ..." (boot mode), or back to
 * stderr with fd < 0.  Returns the previous fd. */
int rs_log_set_kmsg(int fd);

/* Send messages to /dev/kmsg from now on, with its rate limit lifted
 * (printk_devkmsg=on) until rs_log_kmsg_close() puts the knob back; with
 * tee, to stderr too (`reseal initrd`: the console, and the journal later
 * reads the kernel's buffer).  Without /dev/kmsg: nothing changes. */
void rs_log_kmsg_open(int tee);
/* (rs_log_kmsg_close: the knob back; messages keep going to /dev/kmsg.) */
void rs_log_kmsg_close(void);

/* strerror() of a -errno (or errno) value; where musl has no text, the
 * kernel's meaning for EUCLEAN, or "errno N" (never "No error information"). */
const char *rs_strerr(int neg_errno);

#endif
