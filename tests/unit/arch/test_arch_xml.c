// SPDX-License-Identifier: BSD-2-Clause
/*
 * target.xml (regs.c): the same bytes on every call and however the core
 * windows it (qXfer:features:read offsets and lengths), well formed, and
 * naming every register once with its size, number and feature. The
 * real debuggers' view is checked by tests/arch/check_tdesc.sh.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "arch_test.h"

#define DOC_MAX 16384

struct sink {
	char buf[DOC_MAX];
	size_t len;	/* bytes kept */
	size_t pos;	/* bytes seen: position in the document */
	size_t from;	/* window kept: [from, from + max) */
	size_t max;
	unsigned calls;
	unsigned empty_calls;
};

/* Keeps the window [from, from + max) of the stream, as qXfer would. */
static void sink_emit(void *arg, const char *s, size_t len)
{
	struct sink *k = arg;
	size_t i;

	k->calls++;
	if (len == 0)
		k->empty_calls++;
	for (i = 0; i < len; i++, k->pos++)
		if (k->pos >= k->from && k->pos - k->from < k->max &&
		    k->len < sizeof(k->buf))
			k->buf[k->len++] = s[i];
}

static size_t xml_window(char *out, size_t from, size_t max)
{
	static struct sink k;

	memset(&k, 0, sizeof(k));
	k.from = from;
	k.max = max;
	kstub_arch_target_xml(sink_emit, &k);
	ck_assert_uint_eq(k.empty_calls, 0);
	ck_assert_uint_gt(k.calls, 1);	/* pieces, not one literal */
	memcpy(out, k.buf, k.len);
	return k.len;
}

static char doc[DOC_MAX + 1];
static size_t doc_len;

static void load_doc(void)
{
	doc_len = xml_window(doc, 0, DOC_MAX);
	ck_assert_uint_lt(doc_len, DOC_MAX);	/* it all fit */
	doc[doc_len] = '\0';
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

START_TEST(same_every_call)
{
	static char again[DOC_MAX];

	load_doc();
	ck_assert_uint_eq(xml_window(again, 0, DOC_MAX), doc_len);
	ck_assert_mem_eq(again, doc, doc_len);
}
END_TEST

/* Rebuilding the document window by window gives it back unchanged. */
static const size_t chunks[] = { 1, 2, 7, 64, 255, 256, 1000, 4095 };

START_TEST(same_any_window)
{
	static char whole[DOC_MAX], part[DOC_MAX];
	size_t chunk = chunks[_i], off = 0, got;

	load_doc();
	do {
		got = xml_window(part, off, chunk);
		ck_assert_uint_le(off + got, doc_len);
		memcpy(whole + off, part, got);
		off += got;
	} while (got == chunk);
	ck_assert_uint_eq(off, doc_len);
	ck_assert_mem_eq(whole, doc, doc_len);
}
END_TEST

START_TEST(header)
{
	load_doc();
	/* No declaration, DOCTYPE or newline: every byte crosses the line at attach. */
	ck_assert_int_eq(strncmp(doc, "<target><architecture>", 22), 0);
	ck_assert_ptr_null(strchr(doc, '\n'));
	ck_assert_uint_eq(count(doc, "<architecture>i386:x86-64"
				     "</architecture>"), 1);
	ck_assert_uint_eq(count(doc, "<target"), 1);
	ck_assert_uint_eq(count(doc, "xi:include"), 0);
	ck_assert_uint_eq(count(doc, "<reg "), KSTUB_NREGS);
	ck_assert(strstr(doc, "</target>") == doc + doc_len - 9);
}
END_TEST

/*
 * Every element closes, in order: a stack of open element names (the
 * document nests four deep at most), declarations skipped, quotes even.
 */
START_TEST(tags_balance)
{
	char stack[8][32];
	unsigned depth = 0, roots = 0;
	const char *p = doc;

	load_doc();
	while ((p = strchr(p, '<')) != NULL) {
		const char *end = strchr(p, '>');
		size_t n, quotes = 0;
		const char *q;

		ck_assert_ptr_nonnull(end);
		for (q = p; q < end; q++)
			quotes += *q == '"';
		ck_assert_uint_eq(quotes % 2, 0);
		if (p[1] == '?' || p[1] == '!') {
			p = end;
			continue;
		}
		if (p[1] == '/') {
			n = strcspn(p + 2, " >");
			ck_assert_uint_gt(depth, 0);
			depth--;
			ck_assert_uint_eq(strlen(stack[depth]), n);
			ck_assert_int_eq(strncmp(stack[depth], p + 2, n), 0);
		} else if (end[-1] != '/') {
			n = strcspn(p + 1, " />");
			ck_assert_uint_lt(depth, NELEM(stack));
			ck_assert_uint_lt(n, sizeof(stack[0]));
			memcpy(stack[depth], p + 1, n);
			stack[depth][n] = '\0';
			roots += depth == 0;
			depth++;
		}
		p = end;
	}
	ck_assert_uint_eq(depth, 0);
	ck_assert_uint_eq(roots, 1);
}
END_TEST

static const char *const features[] = {
	"org.gnu.gdb.i386.core",
	"org.gnu.gdb.i386.sse",
	"org.gnu.gdb.i386.segments",
	"org.kstub.x86.system",
};

START_TEST(features_in_order)
{
	const char *prev = doc;
	char want[64];
	size_t i;

	load_doc();
	ck_assert_uint_eq(count(doc, "<feature "), NELEM(features));
	for (i = 0; i < NELEM(features); i++) {
		const char *at;

		snprintf(want, sizeof(want), "<feature name=\"%s\">",
			 features[i]);
		at = strstr(doc, want);
		ck_assert_ptr_nonnull(at);
		ck_assert(at > prev);
		prev = at;
	}
}
END_TEST

/* The feature element a position in the document lies in. */
static int feature_at(const char *at)
{
	int found = -1;
	size_t i;

	for (i = 0; i < NELEM(features); i++) {
		const char *f = strstr(doc, features[i]);

		if (f != NULL && f < at)
			found = (int)i;
	}
	return found;
}

/* Each register: named once, with its size, number, group and feature. */
START_TEST(reg_element)
{
	const struct kstub_reg_desc *d = &kstub_arch_regs[_i];
	char want[256];
	const char *at;

	load_doc();
	snprintf(want, sizeof(want), "name=\"%s\"", d->name);
	ck_assert_uint_eq(count(doc, want), 1);
	/*
	 * Numbered by position: the regnum gdb and lldb imply, unwritten;
	 * so are type "int" and group "general", both readers' defaults.
	 */
	snprintf(want, sizeof(want), "<reg name=\"%s\" bitsize=\"%u\"%s%s%s%s%s%s%s%s/>",
		 d->name, kstub_arch_reg_size(_i) * 8,
		 strcmp(d->type, "int") ? " type=\"" : "",
		 strcmp(d->type, "int") ? d->type : "",
		 strcmp(d->type, "int") ? "\"" : "",
		 strcmp(d->group, "general") ? " group=\"" : "",
		 strcmp(d->group, "general") ? d->group : "",
		 strcmp(d->group, "general") ? "\"" : "",
		 _i == KSTUB_REG_EFLAGS ? " altname=\"rflags\"" : "",
		 d->flags & KSTUB_REG_RO ? " save-restore=\"no\"" : "");
	at = strstr(doc, want);
	ck_assert_msg(at != NULL, "no %s", want);
	ck_assert_uint_eq(count(doc, "regnum="), 0);
	ck_assert_int_eq(feature_at(at), d->feature);
	/* Registers follow each other in regnum order. */
	if (_i > 0) {
		snprintf(want, sizeof(want), "name=\"%s\"",
			 kstub_arch_regs[_i - 1].name);
		ck_assert(strstr(doc, want) < at);
	}
}
END_TEST

/* A type is defined before the first register that uses it. */
static const struct {
	const char *def;
	const char *user;
} type_rows[] = {
	{ "<flags id=\"i386_eflags\" size=\"4\">", "name=\"eflags\"" },
	{ "<union id=\"vec128\">", "name=\"xmm0\"" },
	{ "<flags id=\"i386_mxcsr\" size=\"4\">", "name=\"mxcsr\"" },
	{ "<vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v8h\" type=\"ieee_half\" count=\"8\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>",
	  "<union id=\"vec128\">" },
	{ "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>",
	  "<union id=\"vec128\">" },
	{ "<field name=\"IF\" start=\"9\" end=\"9\"/>", "name=\"eflags\"" },
	{ "<field name=\"RF\" start=\"16\" end=\"16\"/>", "name=\"eflags\"" },
	{ "<field name=\"FZ\" start=\"15\" end=\"15\"/>", "name=\"mxcsr\"" },
};

START_TEST(types_defined_first)
{
	const char *def, *user;

	load_doc();
	def = strstr(doc, type_rows[_i].def);
	user = strstr(doc, type_rows[_i].user);
	ck_assert_msg(def != NULL, "no %s", type_rows[_i].def);
	ck_assert_ptr_nonnull(user);
	ck_assert(def < user);
	ck_assert_uint_eq(count(doc, type_rows[_i].def), 1);
}
END_TEST

/* The union's members, in gdb's order. */
START_TEST(vec128_fields)
{
	static const char *const fields[] = {
		"<field name=\"v8_bfloat16\" type=\"v8bf16\"/>",
		"<field name=\"v8_half\" type=\"v8h\"/>",
		"<field name=\"v4_float\" type=\"v4f\"/>",
		"<field name=\"v2_double\" type=\"v2d\"/>",
		"<field name=\"v16_int8\" type=\"v16i8\"/>",
		"<field name=\"v8_int16\" type=\"v8i16\"/>",
		"<field name=\"v4_int32\" type=\"v4i32\"/>",
		"<field name=\"v2_int64\" type=\"v2i64\"/>",
		"<field name=\"uint128\" type=\"uint128\"/>",
		"</union>",
	};
	const char *prev;
	size_t i;

	load_doc();
	prev = strstr(doc, "<union id=\"vec128\">");
	ck_assert_ptr_nonnull(prev);
	for (i = 0; i < NELEM(fields); i++) {
		const char *at = strstr(prev, fields[i]);

		ck_assert_msg(at != NULL, "no %s", fields[i]);
		prev = at;
	}
}
END_TEST

Suite *arch_xml_suite(void)
{
	Suite *s = suite_create("arch_xml");
	TCase *tc = tcase_create("document");

	tcase_add_test(tc, same_every_call);
	tcase_add_loop_test(tc, same_any_window, 0, NELEM(chunks));
	tcase_add_test(tc, header);
	tcase_add_test(tc, tags_balance);
	tcase_add_test(tc, features_in_order);
	tcase_add_loop_test(tc, reg_element, 0, KSTUB_NREGS);
	tcase_add_loop_test(tc, types_defined_first, 0, NELEM(type_rows));
	tcase_add_test(tc, vec128_fields);
	suite_add_tcase(s, tc);
	return s;
}
