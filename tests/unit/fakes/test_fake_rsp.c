// SPDX-License-Identifier: BSD-2-Clause
/*
 * The fakes' reading of the wire (tests/fakes/fake_rsp.c): every suite
 * and fuzz harness trusts it to reject what gdb would reject, so a
 * checker that let a bad frame through would hide a stub bug.
 */
#include <check.h>
#include <string.h>

#include "fake_machine.h"

Suite *fake_rsp_suite(void);

/* Only the checks on the bytes run here: no machine, so no fx_fail. */
static const struct {
	const char *wire;
	int kind;		/* '+', '-', '$' or 0: rejected */
	const char *body;	/* for '$' */
} units[] = {
	{ "+", '+', NULL },
	{ "-", '-', NULL },
	{ "$OK#9a", '$', "OK" },
	{ "$OK#9A", '$', "OK" },	/* gdb takes either case */
	{ "$#00", '$', "" },
	{ "$OK#9b", 0, NULL },		/* wrong sum */
	{ "$OK#9", 0, NULL },		/* cut short */
	{ "$OK#g0", 0, NULL },		/* not hex */
	{ "$O$K#9a", 0, NULL },		/* raw '$' inside */
	{ "OK", 0, NULL },		/* junk outside a packet */
};

START_TEST(each_wire_unit_is_read_or_rejected)
{
	const char *w = units[_i].wire, *why = NULL;
	const uint8_t *body = NULL;
	size_t pos = 0, n = 0;
	int kind = fx_rsp_next((const uint8_t *)w, strlen(w), &pos, &body, &n,
			       &why);

	ck_assert_int_eq(kind, units[_i].kind);
	if (!kind) {
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(pos, 0);
		return;
	}
	ck_assert_uint_eq(pos, strlen(w));
	if (kind == '$') {
		ck_assert_uint_eq(n, strlen(units[_i].body));
		ck_assert(memcmp(body, units[_i].body, n) == 0);
	}
}
END_TEST

static const struct {
	const char *in;
	long len;		/* -1: rejected */
	const char *out;
} runs[] = {
	{ "a*\"", 6, "aaaaaa" },	/* '"' is 34: 5 more */
	{ "ab* c", 6, "abbbbc" },	/* ' ' is 32: 3 more */
	{ "*\"", -1, NULL },		/* nothing to repeat */
	{ "a*", -1, NULL },		/* no count */
	{ "a*#", -1, NULL },		/* counts are never '#' or '$' */
	{ "a*$", -1, NULL },
	{ "a*\x1f", -1, NULL },		/* nor below ' ' */
};

START_TEST(each_run_length_row_decodes_or_is_rejected)
{
	char out[32];
	long n = fx_rle_decode(runs[_i].in, strlen(runs[_i].in), out,
			       sizeof(out));

	ck_assert_int_eq(n, runs[_i].len);
	if (n >= 0)
		ck_assert(memcmp(out, runs[_i].out, (size_t)n) == 0);
}
END_TEST

Suite *fake_rsp_suite(void)
{
	Suite *s = suite_create("fake_rsp");
	TCase *tc = tcase_create("wire");

	tcase_add_loop_test(tc, each_wire_unit_is_read_or_rejected, 0,
			    sizeof(units) / sizeof(units[0]));
	tcase_add_loop_test(tc, each_run_length_row_decodes_or_is_rejected, 0,
			    sizeof(runs) / sizeof(runs[0]));
	suite_add_tcase(s, tc);
	return s;
}
