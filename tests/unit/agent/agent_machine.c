// SPDX-License-Identifier: BSD-2-Clause
/* The two fake machines the captured gdb expressions run on. */
#include <string.h>

#include "agent_test.h"

/* The captured table's symbol addresses (its rows are not used here). */
#define AGENT_GDB_CASE(name, type, cmd, tail)
#include "agent_gdb_cases.h"
#undef AGENT_GDB_CASE

/* Machine A makes most of the conditions true, machine B most false,
 * with values chosen so that a sign or width mistake flips a result
 * (511 < -1 is false only when compared signed). */
void agent_machine(struct fake_machine *m, int b)
{
	const char *path = b ? "/x" : "/tmp/kstub";
	const char *comm = b ? "init" : "swapper";

	memset(m, 0, sizeof(*m));
	fake_map(m, RSP - 48, 64);
	fake_poke(m, RSP - 36, b ? 1 : 0755, 4);
	fake_poke(m, RSP - 32, STR, 8);
	memcpy(fake_map(m, STR, 32)->bytes, path, strlen(path));
	fake_map(m, AGENT_GDB_SYM_ticks, 8);
	fake_poke(m, AGENT_GDB_SYM_ticks, b ? 15 : 101, 8);
	fake_map(m, AGENT_GDB_SYM_watch_me, 4);
	fake_poke(m, AGENT_GDB_SYM_watch_me, b ? 0xfffffffe : 511, 4);
	fake_map(m, AGENT_GDB_SYM_made_count, 4);
	fake_poke(m, AGENT_GDB_SYM_made_count, b ? 0 : 2, 4);
	fake_map(m, AGENT_GDB_SYM_allproc, 8);
	fake_poke(m, AGENT_GDB_SYM_allproc, PROC1, 8);
	/* struct proc: p_pid at 0, p_comm at 4, p_next at 32 */
	memcpy(fake_map(m, PROC1, 40)->bytes + 4, comm, strlen(comm));
	fake_poke(m, PROC1, b ? 7 : 1, 4);
	fake_poke(m, PROC1 + 32, PROC2, 8);
	fake_map(m, PROC2, 40);
	fake_poke(m, PROC2, 2, 4);
	fake_poke(m, PROC2 + 32, b ? PROC1 : 0, 8);
	m->regs[7] = RSP;
	m->regs[16] = b ? 0 : 0x2d2bf;
	m->reg_valid = 1u << 7 | 1u << 16;
}
