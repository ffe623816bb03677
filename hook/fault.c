/* fault.c: see fault.h.  Only the fault-injection test build has code. */
#ifdef RESEAL_FAULT
#include <sys/reboot.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"

long rs_fault_at;
long rs_fault_count;

/* see fault.h */
void
rs_fault_point(const char *what)
{
	rs_fault_count++;
	if (rs_fault_at > 0 && rs_fault_count == rs_fault_at) {
		rs_log(RS_ERR, "fault injection: power cut before write %ld (%s)", rs_fault_count, what);
		reboot(RB_POWER_OFF);   /* no sync: whatever is not on disk is lost */
		_exit(1);
	}
	if (rs_fault_at)
		rs_debug("write %ld: %s", rs_fault_count, what);
}
#else
typedef int rs_fault_c_is_empty_without_RESEAL_FAULT;
#endif
