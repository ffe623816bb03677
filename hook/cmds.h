/* cmds.h: the exit codes, and the subcommands implemented outside main.c.
 * Each subcommand takes the argv starting at its own name and returns an
 * exit code. */
#ifndef RS_CMDS_H
#define RS_CMDS_H

/* Exit codes (README "Exit codes"; fixed, scripts depend on them). */
#define RS_EXIT_OK      0     /* done, or nothing to do */
#define RS_EXIT_REFUSED 100   /* usage error or refused input; nothing written */
#define RS_EXIT_SYSTEM  111   /* system failure (I/O or syscall error) */

/* The exit code for a command that stopped with neg_errno (0: success)
 * before its first write: RS_EXIT_REFUSED for the errors that mean the
 * input was refused (the table in exit.c), RS_EXIT_SYSTEM for the rest.
 * A failure after the first write must be RS_EXIT_SYSTEM whatever the
 * errno: main.c returns that directly there, and the block formats return
 * only I/O errors once they have written (blk.h). */
int rs_exit_code(int neg_errno);

int rs_cmd_probe(int argc, char **argv);
int rs_cmd_setuuid(int argc, char **argv);
/* boot/initrd.c: `reseal initrd` (docs/boot.md §16). */
int rs_cmd_initrd(int argc, char **argv);

#endif
