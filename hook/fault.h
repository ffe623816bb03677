/* fault.h: power-cut injection for the boot tests (tests/qemu/t-powercut.sh).
 *
 * Every write to persistent storage calls rs_fault_point() first.  In the
 * test-only build (-DRESEAL_FAULT, build/reseal-fault) the kernel command
 * line's reseal.fault=N powers the machine off, with no sync, right before
 * the N-th such write; reseal.fault=count logs how many writes a full run
 * made.  In the product the call compiles to nothing. */
#ifndef RS_FAULT_H
#define RS_FAULT_H

#ifdef RESEAL_FAULT
extern long rs_fault_at;      /* 0 off, -1 count only, N > 0: cut before write N */
extern long rs_fault_count;   /* writes seen so far */
void rs_fault_point(const char *what);
#else
static inline void
rs_fault_point(const char *what)
{
	(void)what;
}
#endif

#endif
