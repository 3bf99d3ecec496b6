/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UDP transport's HMAC-SHA-256 (transports/udp/hmac_sha256.c):
 * SHA-256 against FIPS 180-2's examples, HMAC against RFC 4231's test
 * cases 1-7 (case 5 truncated to 128 bits, the tag the link carries),
 * and a message fed in pieces hashing as it does in one.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "kstub_udp_hmac.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void sha_hex(const void *msg, size_t n, char *out)
{
	struct kstub_sha256 c;
	uint8_t d[KSTUB_SHA256_LEN];

	kstub_sha256_init(&c);
	kstub_sha256_update(&c, msg, n);
	kstub_sha256_final(&c, d);
	hex(d, sizeof(d), out);
}

START_TEST(sha256_fips_examples)
{
	static const char two_blocks[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char out[65];

	sha_hex("abc", 3, out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
			      "b00361a396177a9cb410ff61f20015ad");
	sha_hex(two_blocks, strlen(two_blocks), out);
	ck_assert_str_eq(out, "248d6a61d20638b8e5c026930c3e6039"
			      "a33ce45964ff2167f6ecedd419db06c1");
	sha_hex("", 0, out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
}
END_TEST

/* RFC 4231 section 4: key, data and HMAC-SHA-256 of each case. */
struct rfc_case {
	uint8_t key_byte;	/* 0: the key is key_text */
	size_t key_len;
	const char *key_text;
	uint8_t data_byte;	/* 0: the data is data_text */
	size_t data_len;
	const char *data_text;
	const char *mac;	/* hex; case 5 only the first 128 bits */
};

static const struct rfc_case cases[] = {
	{ 0x0b, 20, NULL, 0, 0, "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ 0, 4, "Jefe", 0, 0, "what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ 0xaa, 20, NULL, 0xdd, 50, NULL,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ 0x01, 25, NULL, 0xcd, 50, NULL,	/* key 0x01, 0x02, ... 0x19 */
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ 0x0c, 20, NULL, 0, 0, "Test With Truncation",
	  "a3b6167473100ee06e0c796c2955552b" },
	{ 0xaa, 131, NULL, 0, 0,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ 0xaa, 131, NULL, 0, 0,
	  "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being "
	  "used by the HMAC algorithm.",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

START_TEST(hmac_rfc4231)
{
	const struct rfc_case *t = &cases[_i];
	uint8_t key[131], data[64], mac[KSTUB_SHA256_LEN];
	const uint8_t *d = data;
	struct kstub_hmac m;
	char out[65];
	size_t i, n;

	for (i = 0; i < t->key_len; i++)
		key[i] = t->key_text ? (uint8_t)t->key_text[i]
		       : _i == 3 ? (uint8_t)(i + 1) : t->key_byte;
	if (t->data_text) {
		d = (const uint8_t *)t->data_text;
		n = strlen(t->data_text);
	} else {
		memset(data, t->data_byte, t->data_len);
		n = t->data_len;
	}
	kstub_hmac_init(&m, key, t->key_len);
	kstub_hmac_update(&m, d, n);
	kstub_hmac_final(&m, mac);
	hex(mac, strlen(t->mac) / 2, out);
	ck_assert_str_eq(out, t->mac);
}
END_TEST

/* Every split of a three-block message into two updates: one digest. */
START_TEST(pieces_hash_as_one)
{
	uint8_t msg[3 * KSTUB_SHA256_BLOCK + 7], whole[32], part[32];
	struct kstub_hmac m;
	size_t i, cut;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + 1);
	kstub_hmac_init(&m, (const uint8_t *)"k", 1);
	kstub_hmac_update(&m, msg, sizeof(msg));
	kstub_hmac_final(&m, whole);
	for (cut = 0; cut <= sizeof(msg); cut++) {
		kstub_hmac_init(&m, (const uint8_t *)"k", 1);
		kstub_hmac_update(&m, msg, cut);
		kstub_hmac_update(&m, msg + cut, sizeof(msg) - cut);
		kstub_hmac_final(&m, part);
		ck_assert_mem_eq(part, whole, sizeof(whole));
	}
}
END_TEST

START_TEST(tag_compare)
{
	uint8_t a[KSTUB_UDP_TAG_LEN], b[KSTUB_UDP_TAG_LEN];
	unsigned i;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	ck_assert(kstub_udp_tag_equal(a, b, sizeof(a)));
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		ck_assert(!kstub_udp_tag_equal(a, b, sizeof(a)));
		b[i] ^= 0x80;
	}
}
END_TEST

Suite *udp_hmac_suite(void);
Suite *udp_hmac_suite(void)
{
	Suite *s = suite_create("udp_hmac");
	TCase *tc = tcase_create("hmac");

	tcase_add_test(tc, sha256_fips_examples);
	tcase_add_loop_test(tc, hmac_rfc4231, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, pieces_hash_as_one);
	tcase_add_test(tc, tag_compare);
	suite_add_tcase(s, tc);
	return s;
}
