/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The only error words kstub uses. Every function that can fail returns
 * int 0 (or a count >= 0) on success and one of these negative values on
 * failure. The values are the negated Linux/BSD errno numbers, so an "E"
 * reply to gdb is "E%02x" of -err and reads the same as gdbserver's.
 */
#ifndef KSTUB_ERRNO_H
#define KSTUB_ERRNO_H

#define KSTUB_EPERM	(-1)	/* operation refused (read-only register) */
#define KSTUB_ENOENT	(-2)	/* no such breakpoint / end of a list */
#define KSTUB_ESRCH	(-3)	/* no such thread */
#define KSTUB_EIO	(-5)	/* link or device error */
#define KSTUB_E2BIG	(-7)	/* packet or request larger than the buffer */
#define KSTUB_EAGAIN	(-11)	/* nothing to read yet (polled links) */
#define KSTUB_EFAULT	(-14)	/* address not mapped or not accessible */
#define KSTUB_EBUSY	(-16)	/* resource in use (session already active) */
#define KSTUB_EEXIST	(-17)	/* breakpoint already present */
#define KSTUB_EINVAL	(-22)	/* malformed request or bad configuration */
#define KSTUB_ENOSPC	(-28)	/* no free slot (debug register, table) */
#define KSTUB_EROFS	(-30)	/* text cannot be patched */
#define KSTUB_ERANGE	(-34)	/* value out of range (wrapping address) */
#define KSTUB_EBADMSG	(-74)	/* bad hex, bad escape, bad syntax */
#define KSTUB_ENOTSUP	(-95)	/* feature not implemented: empty reply */
#define KSTUB_ENOTCONN	(-107)	/* no debugger on the link */
#define KSTUB_ETIMEDOUT	(-110)	/* a CPU or the debugger did not answer */

/*
 * Not an errno: kstub_trap() returns it when the trap is not the
 * debugger's to consume and the kernel must handle it as if no debugger
 * were present (a fault gdb passed back with "C"/"vCont;C", or a #DB the
 * stub did not cause). It never reaches the wire.
 */
#define KSTUB_EPASS	(-1000)

#endif /* KSTUB_ERRNO_H */
