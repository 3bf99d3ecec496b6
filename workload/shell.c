/* SPDX-License-Identifier: BSD-2-Clause */
/* The console shell: one command line at a time. */
#include "workload.h"

#include "kern.h"

/* In .rodata, where tests look for a known kernel string. */
static const char shell_usage[] =
	"mkdir PATH, ktrace -c, ps, sum, calls N, break, halt, trap fpe|ill, "
	"sleep TICKS";

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

/* A decimal number and nothing after it. */
static int number(const char *s, unsigned long *n)
{
	if (*s < '0' || *s > '9')
		return 0;
	for (*n = 0; *s >= '0' && *s <= '9'; s++)
		*n = *n * 10 + (unsigned long)(*s - '0');
	return *s == 0;
}

void shell_exec(const char *line)
{
	const char *rest;
	unsigned long n, i;

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
	} else if (word(line, "sum", &rest)) {
		kprintf("sum: %lx\n", bench_sum());
	} else if (word(line, "calls", &rest) && number(rest, &n)) {
		for (i = 0; i < n; i++)
			hot_call(i, i * 7);
		kprintf("calls: %lu done\n", n);
	} else if (word(line, "break", &rest)) {
		kdb_enter("console break");
	} else if (word(line, "halt", &rest)) {
		machine_halt();
	} else if (word(line, "trap", &rest) && word(rest, "fpe", &rest)) {
		kprintf("trap: divide by zero\n");
		kprintf("trap: %d\n", trap_divide(1));
	} else if (word(line, "trap", &rest) && word(rest, "ill", &rest)) {
		kprintf("trap: invalid opcode\n");
		trap_illegal();
	} else if (word(line, "sleep", &rest) && number(rest, &n)) {
		clock_sleep(n);
		kprintf("sleep: %lu ticks\n", n);
	} else if (machine_command && machine_command(line)) {
		return;
	} else {
		kprintf("sh: %s: unknown command (%s)\n", line, shell_usage);
	}
}
