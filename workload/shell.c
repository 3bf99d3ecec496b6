/* SPDX-License-Identifier: BSD-2-Clause */
/* The console shell: one command line at a time. */
#include "workload.h"

#include "kern.h"

static int word(const char *line, const char *w, const char **rest)
{
	while (*w && *line == *w) {
		line++;
		w++;
	}
	if (*w || (*line && *line != ' '))
		return 0;
	while (*line == ' ')
		line++;
	*rest = line;
	return 1;
}

static void ps(void)
{
	struct proc *p;

	kprintf("  PID COMMAND\n");
	for (p = allproc; p; p = p->p_next)
		kprintf("%5d %s\n", p->p_pid, p->p_comm);
}

void shell_exec(const char *line)
{
	const char *rest;

	while (*line == ' ')
		line++;
	if (!*line)
		return;
	if (word(line, "mkdir", &rest) && *rest) {
		if (sys_mkdir(rest, 0755))
			kprintf("mkdir: %s: failed\n", rest);
	} else if (word(line, "ktrace", &rest) && rest[0] == '-' &&
		   rest[1] == 'c') {
		kprintf("ktrace: clearing trace points\n");
		sys_ktrace(1);
		kprintf("ktrace: done\n");
	} else if (word(line, "ps", &rest)) {
		ps();
	} else if (word(line, "break", &rest)) {
		kdb_enter("console break");
	} else if (word(line, "halt", &rest)) {
		machine_halt();
	} else {
		kprintf("sh: %s: unknown command (mkdir PATH, ktrace -c, ps, "
			"break, halt)\n", line);
	}
}
