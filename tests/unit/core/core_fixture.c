/* SPDX-License-Identifier: BSD-2-Clause */
/* The core suites' fixture: see core_fixture.h. */
#include "core_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fake machine's failures fail the running test, with the reason. */
void fx_fail(const char *why)
{
	ck_abort_msg("fake machine: %s", why);
	abort();	/* not reached: Check ends the test */
}

const struct fx_opts fx_reliable = { .link_flags = KSTUB_LINK_RELIABLE };

char *fx_g_image(void)
{
	struct fx *fx = fx_new(NULL);
	char *g;

	fx_cmd(fx, "g");
	fx_pkt(fx, "c");
	fx_trap(fx, KSTUB_TRAP_BREAKIN);
	fx_parse(fx);
	g = malloc(strlen(fx_reply(fx, 0)) + 2);
	ck_assert_ptr_nonnull(g);
	sprintf(g, "G%s", fx_reply(fx, 0));
	fx_free(fx);
	return g;
}

void *fx_cpu_park_once(void *arg)
{
	struct fx_cpu *c = arg;

	while ((c->ret = kstub_cpu_park(&c->fx->ks, 1, &c->frame)) ==
	       KSTUB_EPASS)
		;
	return NULL;
}
