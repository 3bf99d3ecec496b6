/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A fault injector for modelled links, from a seeded generator so that a
 * failing run can be replayed. Two faces on one state:
 *  - bytes (the UART's cable): each byte may be corrupted, dropped or
 *    doubled, hs_linkfault_apply();
 *  - frames (a NIC model's wire, one datagram at a time): each frame may
 *    be dropped, doubled, have one byte inside it corrupted, or be held
 *    back and delivered after the next one, hs_linkfault_frame().
 * Pure and single-threaded: each direction of a link owns one struct
 * hs_linkfault and passes what crosses the wire through it at the one
 * place where it does. No heap: a frame held for reordering lives in a
 * buffer the caller lends.
 */
#ifndef HOSTSIM_LINKFAULT_H
#define HOSTSIM_LINKFAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Probabilities per million, per byte for the byte face and per frame
 * for the frame face; all zero = a perfect wire. Reordering means
 * nothing to a byte stream and is ignored there.
 */
struct hs_linkfault_cfg {
	uint32_t corrupt_ppm;	/* a byte (one byte of a frame) changed */
	uint32_t drop_ppm;	/* byte or frame lost */
	uint32_t dup_ppm;	/* byte or frame delivered twice */
	uint64_t seed;		/* same seed, same faults */
	uint32_t reorder_ppm;	/* frame delivered after the next one */
};

struct hs_linkfault {
	struct hs_linkfault_cfg cfg;
	uint64_t rng;
	/* Counters: bytes in; bytes or frames hit by each fault. */
	uint64_t bytes, corrupted, dropped, duplicated;
	uint64_t frames, reordered;		/* frame face only */
	/* The frame held back: buffer lent by hs_linkfault_frame_init. */
	uint8_t *held;
	size_t held_cap, held_len;
	unsigned held_copies;			/* 0: nothing held */
};

/* Start a byte stream. Probabilities above 1000000 are clamped. */
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
 * Called once for each frame that comes out of the wire, in order; frame
 * is valid only during the call.
 */
typedef void hs_linkfault_deliver_fn(void *ctx, const uint8_t *frame,
				     size_t len);

/*
 * Start a datagram wire. hold (hold_cap bytes, kept by the caller for the
 * life of lf) stores the one frame that may be held back; frames longer
 * than hold_cap, or any frame if hold is NULL, are never reordered.
 */
void hs_linkfault_frame_init(struct hs_linkfault *lf,
			     const struct hs_linkfault_cfg *cfg,
			     uint8_t *hold, size_t hold_cap);

/*
 * Pass one frame through the wire: deliver() sees what arrives now.
 * Decided in this order: drop (nothing arrives; a frame held before stays
 * held), corrupt (one byte at a random offset, changed in place in
 * frame), duplicate (two copies), reorder (held back, if nothing is held
 * yet: it arrives after the next frame that gets through). A held frame
 * is delivered right after the frame that overtakes it. Returns the
 * number of deliver() calls.
 */
size_t hs_linkfault_frame(struct hs_linkfault *lf, uint8_t *frame, size_t len,
			  hs_linkfault_deliver_fn *deliver, void *ctx);

/*
 * Deliver a held frame now, for a wire that has gone quiet (a frame late
 * is reordered; one never delivered would be a drop the counters do not
 * show). Returns the number of deliver() calls.
 */
size_t hs_linkfault_frame_flush(struct hs_linkfault *lf,
				hs_linkfault_deliver_fn *deliver, void *ctx);

/*
 * Parse "corrupt=P,drop=P,dup=P,reorder=P,seed=N" (any subset, any
 * order; P is a probability 0..1 such as 0.05, N a decimal integer) into
 * cfg, which is zeroed first. Returns 0, or -1 on a malformed string.
 */
int hs_linkfault_parse(struct hs_linkfault_cfg *cfg, const char *s);

/*
 * A leading "dir=to-kernel|from-kernel|both," of an option's value: the
 * directions it names (both when absent), and *s moved past it. Returns
 * 0, or -1 with *s left at the direction it does not know.
 */
int hs_linkfault_parse_dir(const char **s, bool *to_kernel,
			   bool *from_kernel);

#endif /* HOSTSIM_LINKFAULT_H */
