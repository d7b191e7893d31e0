/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nftrace_ring.h - one ring's producer and consumer steps.
 *
 * The layout is drawn in include/nftrace.h. This header is the only code
 * that moves the positions; the module, the userspace library and the unit
 * tests all compile it, so the tests exercise the code the kernel runs.
 *
 * The producer is the CPU's netfilter hooks, serialised by the caller (the
 * module keeps bottom halves off around reserve..commit, so a softirq hook
 * cannot interleave with a process-context one). The consumer is one
 * thread of the reader, or the kernel's read() on the reader's behalf.
 *
 * Nothing the consumer writes is trusted: cons->pos is loaded once per
 * reserve, and a value the producer could not have produced just makes the
 * ring look full, so the producer never writes outside its ring.
 */
#ifndef _NFTRACE_RING_H
#define _NFTRACE_RING_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <asm/barrier.h>
#define nftrace_load_acquire(p)		smp_load_acquire(p)
#define nftrace_store_release(p, v)	smp_store_release(p, v)
#define nftrace_read_once(x)		READ_ONCE(x)
#define nftrace_write_once(x, v)	WRITE_ONCE(x, v)
#else
#include <stddef.h>
#include <linux/types.h>
#define nftrace_load_acquire(p)		__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define nftrace_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define nftrace_read_once(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define nftrace_write_once(x, v)	__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#endif

#include "../include/nftrace.h"

struct nftrace_ring {
	struct nftrace_ring_prod *prod;	/* producer page */
	struct nftrace_ring_cons *cons;	/* consumer slot: userspace-writable */
	unsigned char *data;		/* size bytes, mapped twice */
	__u64 size;			/* a power of two */
	/* Producer-private: never read back from a shared page. */
	__u64 prod_pos;
	__u64 seq;
	__u64 lost;
};

/*
 * Room for a record of len bytes (header included) at the producer's
 * position, or NULL when the ring is full. len must be at most size / 4.
 */
static inline void *nftrace_ring_reserve(struct nftrace_ring *r, __u32 len)
{
	/*
	 * Pairs with the consumer's nftrace_store_release() in
	 * nftrace_ring_release(): it has finished reading everything below
	 * cons before we overwrite it.
	 */
	__u64 cons = nftrace_load_acquire(&r->cons->pos);
	__u64 used = r->prod_pos - cons;

	/* cons ahead of us, or further behind than a ring: treat as full. */
	if (used > r->size || r->size - used < NFTRACE_ALIGN(len))
		return NULL;
	return r->data + (r->prod_pos & (r->size - 1));
}

/* Publish the record written at the reserved place. */
static inline void nftrace_ring_commit(struct nftrace_ring *r, __u32 len)
{
	r->prod_pos += NFTRACE_ALIGN(len);
	r->seq++;
	/*
	 * Pairs with the consumer's nftrace_load_acquire() in
	 * nftrace_ring_produced(): the record's bytes are visible before the
	 * position that covers them.
	 */
	nftrace_store_release(&r->prod->pos, r->prod_pos);
	/*
	 * Pairs with the consumer's acquire in nftrace_ring_next_seq(): a
	 * consumer that sees this seq also sees the position above.
	 */
	nftrace_store_release(&r->prod->seq, r->seq);
}

/* The record that did not fit: it still takes a sequence number. */
static inline void nftrace_ring_lose(struct nftrace_ring *r)
{
	r->seq++;
	r->lost++;
	nftrace_write_once(r->prod->lost, r->lost);
	/* Pairs with the consumer's acquire in nftrace_ring_next_seq(). */
	nftrace_store_release(&r->prod->seq, r->seq);
}

/*
 * Consumer: the sequence number the producer hands out next. Read it
 * before nftrace_ring_produced(): every record numbered below it is then
 * either below the position read next or lost, so once the ring is drained
 * next_seq - (the seq expected next) is exactly the tail's loss.
 */
static inline __u64 nftrace_ring_next_seq(const struct nftrace_ring *r)
{
	/* Pairs with nftrace_store_release() of prod->seq by the producer. */
	return nftrace_load_acquire(&r->prod->seq);
}

/* Consumer: the producer's position, with the records below it visible. */
static inline __u64 nftrace_ring_produced(const struct nftrace_ring *r)
{
	/* Pairs with nftrace_store_release() in nftrace_ring_commit(). */
	return nftrace_load_acquire(&r->prod->pos);
}

/*
 * Consumer: check the record at cons, given prod from
 * nftrace_ring_produced(). Returns its aligned length with *recp set, 0
 * when the ring is empty, or -1 when cons does not point at a record (a
 * consumer that wrote nonsense into its slot: resynchronise at prod; the
 * sequence numbers then show what was skipped).
 */
static inline long nftrace_ring_check(const struct nftrace_ring *r, __u64 cons,
				      __u64 prod,
				      const struct nftrace_record **recp)
{
	const struct nftrace_record *rec;
	__u64 avail = prod - cons;
	__u32 len;

	if (!avail)
		return 0;
	/* An older module's records have a shorter header: V1_LEN at least. */
	if (avail > r->size || (cons & 7) || avail < NFTRACE_RECORD_V1_LEN)
		return -1;
	rec = (const struct nftrace_record *)(r->data + (cons & (r->size - 1)));
	len = nftrace_read_once(rec->len);
	/*
	 * len is whatever lies at cons (payload bytes, if a consumer wrote
	 * such a position): bound it by avail (<= the ring's size) before
	 * aligning it, since NFTRACE_ALIGN() of a __u32 from 0xfffffff9 up
	 * wraps to 0, which would pass as "empty" on a ring with data.
	 */
	if (len < NFTRACE_RECORD_V1_LEN || len > avail ||
	    NFTRACE_ALIGN(len) > avail)
		return -1;
	*recp = rec;
	return NFTRACE_ALIGN(len);
}

/* Consumer: everything below cons has been read and may be overwritten. */
static inline void nftrace_ring_release(struct nftrace_ring *r, __u64 cons)
{
	/* Pairs with nftrace_load_acquire() in nftrace_ring_reserve(). */
	nftrace_store_release(&r->cons->pos, cons);
}

#endif /* _NFTRACE_RING_H */
