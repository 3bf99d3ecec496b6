// SPDX-License-Identifier: BSD-2-Clause
/* Seeded fault injection for byte streams and datagrams: see linkfault.h. */
#include "linkfault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PPM 1000000u

void hs_linkfault_init(struct hs_linkfault *lf,
		       const struct hs_linkfault_cfg *cfg)
{
	memset(lf, 0, sizeof(*lf));
	if (cfg)
		lf->cfg = *cfg;
	if (lf->cfg.corrupt_ppm > PPM)
		lf->cfg.corrupt_ppm = PPM;
	if (lf->cfg.drop_ppm > PPM)
		lf->cfg.drop_ppm = PPM;
	if (lf->cfg.dup_ppm > PPM)
		lf->cfg.dup_ppm = PPM;
	if (lf->cfg.reorder_ppm > PPM)
		lf->cfg.reorder_ppm = PPM;
	lf->rng = lf->cfg.seed;
}

bool hs_linkfault_active(const struct hs_linkfault *lf)
{
	return lf->cfg.corrupt_ppm || lf->cfg.drop_ppm || lf->cfg.dup_ppm ||
	       lf->cfg.reorder_ppm;
}

uint64_t hs_linkfault_rand(struct hs_linkfault *lf)
{
	uint64_t z = (lf->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One draw per decision keeps the three faults independent. */
static bool hit(struct hs_linkfault *lf, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	return hs_linkfault_rand(lf) % PPM < ppm;
}

size_t hs_linkfault_apply(struct hs_linkfault *lf, const uint8_t *in,
			  size_t len, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t b = in[i];

		lf->bytes++;
		if (hit(lf, lf->cfg.drop_ppm)) {
			lf->dropped++;
			continue;
		}
		if (hit(lf, lf->cfg.corrupt_ppm)) {
			/* XOR with 1..255: the byte always changes. */
			b ^= (uint8_t)(1 + hs_linkfault_rand(lf) % 255);
			lf->corrupted++;
		}
		out[n++] = b;
		if (hit(lf, lf->cfg.dup_ppm)) {
			out[n++] = b;
			lf->duplicated++;
		}
	}
	return n;
}

void hs_linkfault_frame_init(struct hs_linkfault *lf,
			     const struct hs_linkfault_cfg *cfg,
			     uint8_t *hold, size_t hold_cap)
{
	hs_linkfault_init(lf, cfg);
	lf->held = hold;
	lf->held_cap = hold ? hold_cap : 0;
}

size_t hs_linkfault_frame_flush(struct hs_linkfault *lf,
				hs_linkfault_deliver_fn *deliver, void *ctx)
{
	size_t n = lf->held_copies;

	lf->held_copies = 0;
	for (size_t i = 0; i < n; i++)
		deliver(ctx, lf->held, lf->held_len);
	return n;
}

/*
 * The same draws for every frame, in a fixed order and whatever is
 * configured, so that a frame's fate depends only on the seed and its
 * place in the stream: not on the lengths or fates of the frames before
 * it, and turning one fault on or off leaves the others where they were.
 */
static bool draw(struct hs_linkfault *lf, uint32_t ppm)
{
	return hs_linkfault_rand(lf) % PPM < ppm;
}

size_t hs_linkfault_frame(struct hs_linkfault *lf, uint8_t *frame, size_t len,
			  hs_linkfault_deliver_fn *deliver, void *ctx)
{
	bool drop = draw(lf, lf->cfg.drop_ppm);
	bool bad = draw(lf, lf->cfg.corrupt_ppm);
	uint64_t where = hs_linkfault_rand(lf), flip = hs_linkfault_rand(lf);
	unsigned copies = draw(lf, lf->cfg.dup_ppm) ? 2 : 1;
	bool hold = draw(lf, lf->cfg.reorder_ppm);

	lf->frames++;
	lf->bytes += len;
	if (drop) {
		lf->dropped++;
		return 0;
	}
	if (bad && len) {
		frame[where % len] ^= (uint8_t)(1 + flip % 255);
		lf->corrupted++;
	}
	if (copies == 2)
		lf->duplicated++;
	if (hold && !lf->held_copies && len <= lf->held_cap) {
		memcpy(lf->held, frame, len);
		lf->held_len = len;
		lf->held_copies = copies;
		lf->reordered++;
		return 0;
	}
	for (unsigned i = 0; i < copies; i++)
		deliver(ctx, frame, len);
	return copies + hs_linkfault_frame_flush(lf, deliver, ctx);
}

static int parse_prob(const char *s, const char **end, uint32_t *ppm)
{
	char *e;
	double p;

	errno = 0;
	p = strtod(s, &e);
	if (e == s || errno || !(p >= 0.0 && p <= 1.0))
		return -1;
	*ppm = (uint32_t)(p * PPM + 0.5);
	*end = e;
	return 0;
}

int hs_linkfault_parse(struct hs_linkfault_cfg *cfg, const char *s)
{
	memset(cfg, 0, sizeof(*cfg));
	while (*s) {
		const char *e = s;
		int err = 0;

		if (!strncmp(s, "corrupt=", 8))
			err = parse_prob(s + 8, &e, &cfg->corrupt_ppm);
		else if (!strncmp(s, "drop=", 5))
			err = parse_prob(s + 5, &e, &cfg->drop_ppm);
		else if (!strncmp(s, "dup=", 4))
			err = parse_prob(s + 4, &e, &cfg->dup_ppm);
		else if (!strncmp(s, "reorder=", 8))
			err = parse_prob(s + 8, &e, &cfg->reorder_ppm);
		else if (!strncmp(s, "seed=", 5)) {
			char *ee;

			errno = 0;
			if (s[5] < '0' || s[5] > '9')
				return -1;
			cfg->seed = strtoull(s + 5, &ee, 10);
			if (errno)
				return -1;
			e = ee;
		} else
			return -1;
		if (err)
			return -1;
		if (*e == ',')
			e++;
		else if (*e)
			return -1;
		s = e;
	}
	return 0;
}

int hs_linkfault_parse_dir(const char **s, bool *to_kernel, bool *from_kernel)
{
	static const char *const dirs[] = { "to-kernel", "from-kernel",
					    "both" };
	const char *p = *s;
	size_t n;
	unsigned d;

	*to_kernel = *from_kernel = true;
	if (strncmp(p, "dir=", 4) != 0)
		return 0;
	n = strcspn(p + 4, ",");
	for (d = 0; d < 3; d++)
		if (strlen(dirs[d]) == n && !strncmp(p + 4, dirs[d], n))
			break;
	if (d == 3) {
		*s = p + 4;
		return -1;
	}
	*to_kernel = d != 1;
	*from_kernel = d != 0;
	*s = p + 4 + n + (p[4 + n] == ',');
	return 0;
}
