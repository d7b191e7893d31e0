// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nftrace_consumer.c - records out of the per-CPU rings, in time order.
 *
 * Each batch snapshots every ring's producer position, then repeatedly
 * hands out the oldest record at the head of any ring (a binary heap keyed
 * on the head's timestamp) until the snapshot is used up. Records published
 * during the batch wait for the next one, so a batch always ends.
 *
 * Positions come only from our own cursor, never read back from the
 * (writable) consumer slot, and every record is checked with
 * nftrace_ring_check() before it is touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libnftrace.h"

static int cur_before(const struct nftrace_consumer *c, unsigned int a,
		      unsigned int b)
{
	__u64 ta = c->cur[a].head_tstamp, tb = c->cur[b].head_tstamp;

	return ta < tb || (ta == tb && a < b);
}

static void heap_push(struct nftrace_consumer *c, unsigned int ring)
{
	unsigned int i = c->heap_len++;

	while (i) {
		unsigned int parent = (i - 1) / 2;

		if (!cur_before(c, ring, c->heap[parent]))
			break;
		c->heap[i] = c->heap[parent];
		i = parent;
	}
	c->heap[i] = ring;
}

static unsigned int heap_pop(struct nftrace_consumer *c)
{
	unsigned int top = c->heap[0];
	unsigned int last = c->heap[--c->heap_len];
	unsigned int i = 0;

	for (;;) {
		unsigned int child = 2 * i + 1;

		if (child >= c->heap_len)
			break;
		if (child + 1 < c->heap_len &&
		    cur_before(c, c->heap[child + 1], c->heap[child]))
			child++;
		if (!cur_before(c, c->heap[child], last))
			break;
		c->heap[i] = c->heap[child];
		i = child;
	}
	if (c->heap_len)
		c->heap[i] = last;
	return top;
}

int nftrace_consumer_init(struct nftrace_consumer *c,
			  struct nftrace_ring *rings, unsigned int nr_rings)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	if (!nr_rings) {
		errno = EINVAL;
		return -1;
	}
	c->cur = calloc(nr_rings, sizeof(*c->cur));
	c->heap = calloc(nr_rings, sizeof(*c->heap));
	if (!c->cur || !c->heap) {
		nftrace_consumer_free(c);
		errno = ENOMEM;
		return -1;
	}
	c->rings = rings;
	c->nr_rings = nr_rings;
	for (i = 0; i < nr_rings; i++) {
		c->cur[i].cons = nftrace_read_once(rings[i].cons->pos);
		c->cur[i].released = c->cur[i].cons;
	}
	return 0;
}

void nftrace_consumer_free(struct nftrace_consumer *c)
{
	free(c->cur);
	free(c->heap);
	c->cur = NULL;
	c->heap = NULL;
}

static void release(struct nftrace_consumer *c, unsigned int i)
{
	struct nftrace_cursor *cur = &c->cur[i];

	if (cur->released != cur->cons) {
		nftrace_ring_release(&c->rings[i], cur->cons);
		cur->released = cur->cons;
	}
}

/* Queue ring i if it holds a record below this batch's snapshot. */
static void queue_head(struct nftrace_consumer *c, unsigned int i)
{
	struct nftrace_cursor *cur = &c->cur[i];
	const struct nftrace_record *rec;
	long len;

	len = nftrace_ring_check(&c->rings[i], cur->cons, cur->prod, &rec);
	if (len < 0) {
		/*
		 * Not a record where one should start: skip to the producer.
		 * The next record's seq tells what went with it.
		 */
		cur->cons = cur->prod;
		release(c, i);
		c->resyncs++;
		return;
	}
	if (!len)
		return;
	cur->head = rec;
	cur->head_len = len;
	cur->head_tstamp = nftrace_read_once(rec->tstamp_ns);
	heap_push(c, i);
}

static void account_seq(struct nftrace_consumer *c, unsigned int i,
			__u64 seq, const struct nftrace_handler *h, void *user)
{
	struct nftrace_cursor *cur = &c->cur[i];

	/* A seq that went backwards is a producer restart, not a loss. */
	if (cur->seq_known && seq > cur->next_seq) {
		c->lost += seq - cur->next_seq;
		if (h->lost)
			h->lost(user, i, seq - cur->next_seq);
	}
	cur->next_seq = seq + 1;
	cur->seq_known = 1;
}

unsigned long nftrace_consumer_run(struct nftrace_consumer *c,
				   unsigned long max,
				   const struct nftrace_handler *h, void *user)
{
	unsigned long done = 0;
	unsigned int i;
	int stop = 0;

	c->heap_len = 0;
	for (i = 0; i < c->nr_rings; i++) {
		c->cur[i].prod = nftrace_ring_produced(&c->rings[i]);
		queue_head(c, i);
	}

	while (c->heap_len && done < max && !stop) {
		const struct nftrace_record *rec;
		struct nftrace_cursor *cur;
		struct nftrace_ring *r;
		__u32 len;

		i = heap_pop(c);
		cur = &c->cur[i];
		r = &c->rings[i];
		rec = cur->head;
		/* Hand out no more than nftrace_ring_check() vouched for. */
		len = nftrace_read_once(rec->len);
		if (NFTRACE_ALIGN(len) != cur->head_len)
			len = (__u32)cur->head_len;

		account_seq(c, i, nftrace_read_once(rec->seq), h, user);
		stop = h->record(user, rec, len);
		done++;
		cur->cons += cur->head_len;
		/* Give the producer room back well before the batch ends. */
		if (cur->cons - cur->released >= r->size / 4)
			release(c, i);
		queue_head(c, i);
	}

	for (i = 0; i < c->nr_rings; i++)
		release(c, i);
	return done;
}

void nftrace_consumer_finish(struct nftrace_consumer *c,
			     const struct nftrace_handler *h, void *user)
{
	unsigned int i;

	for (i = 0; i < c->nr_rings; i++) {
		struct nftrace_ring *r = &c->rings[i];
		struct nftrace_cursor *cur = &c->cur[i];
		/* In this order: see nftrace_ring_next_seq(). */
		__u64 next = nftrace_ring_next_seq(r);
		__u64 n;

		if (cur->cons != nftrace_ring_produced(r))
			continue;	/* not drained: no tail known */
		if (cur->seq_known) {
			n = next > cur->next_seq ? next - cur->next_seq : 0;
		} else {
			/* Nothing came through: whatever was lost, was. */
			n = nftrace_read_once(r->prod->lost);
			cur->seq_known = 1;
		}
		cur->next_seq = next;
		if (n) {
			c->lost += n;
			if (h->lost)
				h->lost(user, i, n);
		}
	}
}
