/* exit.c: the one map from an error to an exit code (cmds.h). */
#include <errno.h>
#include <stddef.h>

#include "cmds.h"

/* Errors that mean "the input was refused": the command stopped before its
 * first write.  Every other errno is a system failure.  The README's "Exit
 * codes" section and reseal(8) describe the same table. */
static const int refused[] = {
	EINVAL,      /* a malformed argument or setting; not a regular file */
	EFBIG,       /* a file over its size limit (reseal.conf) */
	ENOENT,      /* the root, device or file named does not exist; no known format */
	ENOTDIR,     /* the root, or a directory on a path, is not a directory */
	EISDIR,      /* a directory where a file must be */
	ENOTBLK,     /* neither a block device nor an image file */
	EBUSY,       /* the device is mounted, swapped on, attached or claimed */
	ECANCELED,   /* a format refused the change (reason logged) */
	EUCLEAN,     /* a signature whose checksum or structure is wrong */
	EEXIST,      /* more than one signature: ambivalent */
};

/* see cmds.h */
int
rs_exit_code(int neg_errno)
{
	size_t i;

	if (neg_errno >= 0)
		return RS_EXIT_OK;
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (-neg_errno == refused[i])
			return RS_EXIT_REFUSED;
	return RS_EXIT_SYSTEM;
}
