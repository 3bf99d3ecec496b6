/* SPDX-License-Identifier: BSD-2-Clause */
/* Transcript tables: packet in, exact reply (or ~regex) out. */
#ifndef CORE_TABLE_H
#define CORE_TABLE_H

#include <check.h>
#include <regex.h>
#include <string.h>

#include "core_fixture.h"

struct row {
	const char *send;
	const char *want;	/* exact, or "~" + extended regex */
};

static inline void check_reply(const char *got, const char *want,
			       const char *send)
{
	regex_t re;
	int ok;

	if (want[0] != '~') {
		ck_assert_msg(strcmp(got, want) == 0, "%s -> \"%s\", want \"%s\"",
			      send, got, want);
		return;
	}
	ck_assert_int_eq(regcomp(&re, want + 1, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&re, got, 0, NULL, 0) == 0;
	regfree(&re);
	ck_assert_msg(ok, "%s -> \"%s\", want /%s/", send, got, want + 1);
}

/*
 * One session: every row's packet in order, then "c". Rows whose reply
 * is NULL expect none (resume packets end the table).
 */
static inline void run_rows(struct fx *fx, const struct row *rows, size_t n,
			    uint32_t vector)
{
	size_t i;
	unsigned r = 0;

	for (i = 0; i < n; i++)
		fx_cmd(fx, rows[i].send);
	fx_pkt(fx, "c");
	ck_assert_int_eq(fx_trap(fx, vector), 0);
	ck_assert_uint_eq(fx->tail_used, 0);
	fx_parse(fx);
	for (i = 0; i < n; i++)
		if (rows[i].want)
			check_reply(fx_reply(fx, r++), rows[i].want,
				    rows[i].send);
	ck_assert_uint_eq(fx->nreplies, r);
}

#define RUN_ROWS(fx, rows, vec) run_rows(fx, rows, sizeof(rows) / sizeof(rows[0]), vec)

#endif
