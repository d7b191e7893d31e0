/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libnftrace.h - reading /dev/nftrace from userspace.
 *
 * Two layers:
 *
 *  - struct nftrace_consumer: takes records out of a set of rings (one per
 *    CPU) with the steps of kmod/nftrace_ring.h, merges them in timestamp
 *    order and tells lost records from sequence gaps. It knows nothing of
 *    the device, so the unit tests drive it against rings they produce
 *    into themselves.
 *
 *  - struct nftrace: one open /dev/nftrace (a reader): configure, filter,
 *    map the rings, start, poll, dispatch, stop, statistics.
 *
 * Functions that can fail return -1 with errno set and a message for
 * nftrace_geterr(), as libpcap does with pcap_geterr().
 */
#ifndef _LIBNFTRACE_H
#define _LIBNFTRACE_H

#include <stddef.h>
#include <linux/filter.h>
#include <linux/types.h>

#include "../include/nftrace.h"
#include "../kmod/nftrace_ring.h"

#define NFTRACE_ERRBUF_SIZE	256

/* What the consumer hands records and losses to. */
struct nftrace_handler {
	/*
	 * One record, rec_len bytes readable at rec, valid until the
	 * callback returns. Non-zero ends the batch after this record.
	 */
	int (*record)(void *user, const struct nftrace_record *rec,
		      __u32 rec_len);
	/* n records of ring (= CPU) lost before its next record. */
	void (*lost)(void *user, unsigned int ring, __u64 n);
};

/* The consumer's view of one ring. */
struct nftrace_cursor {
	__u64 cons;		/* next record to read */
	__u64 released;		/* what the producer was last told */
	__u64 prod;		/* the producer's position, this batch */
	__u64 next_seq;		/* seq the next record should carry */
	const struct nftrace_record *head;	/* at cons, when queued */
	__u64 head_len;		/* its aligned length */
	__u64 head_tstamp;
	int seq_known;		/* a record was seen: next_seq holds */
};

struct nftrace_consumer {
	struct nftrace_ring *rings;
	struct nftrace_cursor *cur;
	unsigned int *heap;	/* rings with a record ready, oldest first */
	unsigned int nr_rings;
	unsigned int heap_len;
	__u64 lost;		/* records lost, from sequence gaps */
	__u64 resyncs;		/* rings skipped for making no sense */
};

/*
 * rings[i].prod, .cons, .data and .size must be set (the producer-private
 * fields are not used); the rings are not copied and must outlive c.
 * Reading starts at each ring's consumer slot.
 */
int nftrace_consumer_init(struct nftrace_consumer *c,
			  struct nftrace_ring *rings, unsigned int nr_rings);
void nftrace_consumer_free(struct nftrace_consumer *c);

/*
 * One batch: what the producers have published now, merged across rings
 * in timestamp order (ties: lower ring first), at most max records.
 * Returns the number of records handed to h->record.
 */
unsigned long nftrace_consumer_run(struct nftrace_consumer *c,
				   unsigned long max,
				   const struct nftrace_handler *h, void *user);

/*
 * After the producers have stopped and the rings are drained: report the
 * records lost after each ring's last delivered record.
 */
void nftrace_consumer_finish(struct nftrace_consumer *c,
			     const struct nftrace_handler *h, void *user);

struct nftrace;

/*
 * Open path (NULL: /dev/nftrace). On failure returns NULL with a message
 * in errbuf (NFTRACE_ERRBUF_SIZE bytes) saying what to do about it.
 */
struct nftrace *nftrace_open(const char *path, char *errbuf);
void nftrace_close(struct nftrace *t);
const char *nftrace_geterr(const struct nftrace *t);
int nftrace_fd(const struct nftrace *t);

/* While stopped and before nftrace_map(). */
int nftrace_set_config(struct nftrace *t, const struct nftrace_config *cfg);
int nftrace_set_filter(struct nftrace *t, const struct sock_filter *insns,
		       unsigned int len);
/* The filter of one link's packets (NFTRACE_LINK_*); the above: IP's. */
int nftrace_set_filter_link(struct nftrace *t, unsigned int link,
			    const struct sock_filter *insns, unsigned int len);
int nftrace_clear_filter(struct nftrace *t);
/*
 * Record only packets with one of these count devices (by name, at most
 * NFTRACE_MAX_DEVICES) as input or output device or bridge port; count
 * 0: every device. ENOTTY: a module from before devices.
 */
int nftrace_set_devices(struct nftrace *t,
			const char (*names)[NFTRACE_IFNAMSIZ], unsigned int count);

int nftrace_get_info(struct nftrace *t, struct nftrace_info *info);

/* Map the consumer slots and the rings as the config in force sized them. */
int nftrace_map(struct nftrace *t);
/* The info nftrace_map() mapped with. */
const struct nftrace_info *nftrace_info(const struct nftrace *t);

int nftrace_start(struct nftrace *t);
int nftrace_stop(struct nftrace *t);

/*
 * Totals, and per CPU into cpus[0 .. nr_cpus) when cpus is not NULL
 * (*nr_cpus is then set to the number of rings the kernel has).
 */
int nftrace_get_stats(struct nftrace *t, struct nftrace_cpu_stats *total,
		      struct nftrace_cpu_stats *cpus, unsigned int *nr_cpus);

/*
 * Wait up to timeout_ms (-1: forever) for records. Returns 1 when some
 * are ready (or the capture was stopped), 0 on timeout or a signal, -1 on
 * error.
 */
int nftrace_poll(struct nftrace *t, int timeout_ms);

/* nftrace_consumer_run() over the mapped rings. */
unsigned long nftrace_dispatch(struct nftrace *t, unsigned long max,
			       const struct nftrace_handler *h, void *user);
/* nftrace_consumer_finish() over the mapped rings: after STOP and a drain. */
void nftrace_finish(struct nftrace *t, const struct nftrace_handler *h,
		    void *user);
/* Records lost so far, from sequence gaps. */
__u64 nftrace_lost(const struct nftrace *t);

#endif /* _LIBNFTRACE_H */
