/* cmds.h: subcommands implemented outside main.c.  Each takes the argv
 * starting at its own name and returns an exit code (see main.c). */
#ifndef RS_CMDS_H
#define RS_CMDS_H

int rs_cmd_probe(int argc, char **argv);
int rs_cmd_setuuid(int argc, char **argv);

#endif
