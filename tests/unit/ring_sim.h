/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ring_sim.h - a ring laid out as the module lays it out (producer page,
 * then the data pages mapped twice back to back, see include/nftrace.h),
 * built in userspace from a memfd, with a producer that writes records
 * the way the module's hooks do: nftrace_ring_reserve(), fill,
 * nftrace_ring_commit(), or nftrace_ring_lose() when full.
 */
#ifndef _NFTRACE_RING_SIM_H
#define _NFTRACE_RING_SIM_H

#include <stddef.h>
#include <linux/types.h>

#include "../../kmod/nftrace_ring.h"

struct sim_ring {
	struct nftrace_ring r;		/* the producer's ring */
	struct nftrace_ring_cons *cons;	/* own page: the consumer slot */
	unsigned char *base;		/* producer page + 2 * size */
	size_t base_len;
	size_t page;
};

/* size: a power of two, a multiple of the page size. 0 or -1 (errno). */
int sim_ring_init(struct sim_ring *s, __u64 size);
void sim_ring_free(struct sim_ring *s);

/*
 * A consumer's view of the same ring: prod, cons, data and size set, the
 * producer-private fields zero.
 */
struct nftrace_ring sim_ring_consumer(const struct sim_ring *s);

/*
 * The header of the records sim_produce() writes: the first modules'. The
 * ring takes any header from this length on; the ring and consumer tests
 * count in its sizes (records of the full header go through the ring in
 * the tool's tests, fake_nftrace.c).
 */
#define SIM_HDR_LEN	NFTRACE_RECORD_V1_LEN

/*
 * Produce one packet record: hdr's first SIM_HDR_LEN bytes (tstamp, hook,
 * family, ...) with len, type, hdr_len, seq and cap_len filled in,
 * followed by cap_len bytes of data. Returns 1 when written, 0 when the
 * ring was full (lost).
 */
int sim_produce(struct sim_ring *s, const struct nftrace_record *hdr,
		const void *data, __u32 cap_len);

#endif /* _NFTRACE_RING_SIM_H */
