/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A byte-stream fault injector for modelled links (the UART's cable, a
 * NIC model's wire): corrupts, drops and duplicates bytes with given
 * probabilities, from a seeded generator so that a failing run can be
 * replayed. Pure and single-threaded: each direction of a link owns one
 * struct hs_linkfault and passes its bytes through hs_linkfault_apply()
 * at the one place where they cross the wire.
 */
#ifndef HOSTSIM_LINKFAULT_H
#define HOSTSIM_LINKFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Probabilities per million bytes; all zero = a perfect wire. */
struct hs_linkfault_cfg {
	uint32_t corrupt_ppm;	/* byte replaced by a different value */
	uint32_t drop_ppm;	/* byte lost */
	uint32_t dup_ppm;	/* byte delivered twice */
	uint64_t seed;		/* same seed, same faults */
};

struct hs_linkfault {
	struct hs_linkfault_cfg cfg;
	uint64_t rng;
	uint64_t bytes, corrupted, dropped, duplicated;	/* counters */
};

/* Start a stream. Probabilities above 1000000 are clamped. */
void hs_linkfault_init(struct hs_linkfault *lf,
		       const struct hs_linkfault_cfg *cfg);

/* True if any probability is nonzero (callers may skip the copy). */
bool hs_linkfault_active(const struct hs_linkfault *lf);

/*
 * Pass len bytes through the wire. out must have room for 2 * len bytes
 * (every byte duplicated); in and out must not overlap. Returns the
 * number of bytes written to out. Drop is decided first, then
 * corruption, then duplication (of the possibly corrupted byte).
 */
size_t hs_linkfault_apply(struct hs_linkfault *lf, const uint8_t *in,
			  size_t len, uint8_t *out);

/* The generator (splitmix64), for callers that need more randomness. */
uint64_t hs_linkfault_rand(struct hs_linkfault *lf);

/*
 * Parse "corrupt=P,drop=P,dup=P,seed=N" (any subset, any order; P is a
 * probability 0..1 such as 0.05, N a decimal integer) into cfg, which is
 * zeroed first. Returns 0, or -1 on a malformed string.
 */
int hs_linkfault_parse(struct hs_linkfault_cfg *cfg, const char *s);

#endif /* HOSTSIM_LINKFAULT_H */
