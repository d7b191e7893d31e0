/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * journey_writer.h - one text line per packet when its way through the
 * hooks ends (--journey): the records of one packet id gathered, e.g.
 *
 * 12:00:01.123456789 id=7 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  \
 *	PREROUTING eth0 (DNAT -> 10.1.0.5:8080) -> FORWARD -> POSTROUTING eth1
 *
 * The time and the packet are its first record's; then each hook it was
 * seen at, with the interface it came in by (PREROUTING, INPUT) or goes
 * out by (FORWARD, OUTPUT, POSTROUTING), left out where the hop beside it
 * names the same; "(DNAT -> A)" or "(SNAT -> A)" after the hook in which
 * its destination or source changed (as the next record shows it), and
 * "dropped" after the hook that dropped it (a drop record). A journey that
 * ended neither there nor at the last hook it can reach ends in
 * " -> (not seen again)". A record without a packet id (a module before
 * them, or id 0) is a journey of its own, "id=-".
 *
 * When a journey ends, from its records' times (tstamp_ns) alone, so that
 * a file read back (-r) prints what the live capture printed, line for
 * line and in the same order:
 *  - at a drop record: at once;
 *  - at the last hook it can reach (INPUT, POSTROUTING, or the last of
 *    those captured, see journey_final()): once the records reach
 *    JOURNEY_DROP_WAIT_NS past it, the time a drop record at that hook
 *    could still take to come;
 *  - elsewhere: once the records reach JOURNEY_TIMEOUT_NS past its last
 *    record, as "not seen again";
 *  - when JOURNEY_TABLE_SIZE journeys are under way, the one that would
 *    end first ends now; at close, all of them, in that order.
 * Live, journey_writer_clock() lets wall time pass when no record comes.
 */
#ifndef _NFTRACE_JOURNEY_WRITER_H
#define _NFTRACE_JOURNEY_WRITER_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"

#define JOURNEY_TABLE_SIZE	4096		/* journeys under way */
#define JOURNEY_TIMEOUT_NS	1000000000ULL	/* 1 s without a record */
#define JOURNEY_DROP_WAIT_NS	100000000ULL	/* 100 ms for a drop record */
#define JOURNEY_MAX_HOPS	6	/* 3 in a traversal; more: a new line */

struct journey;

/* A list of journeys in the order they were last touched. */
struct journey_list {
	int head, tail;		/* slot numbers, -1: empty */
};

struct journey_writer {
	FILE *f;
	unsigned int hooks;	/* 1 << NFTRACE_HOOK_*: those captured */
	struct journey *slots;	/* size of them */
	int *buckets;		/* packet id hash: first slot, -1: none */
	unsigned int size, nr_buckets, used;
	int free;		/* first free slot, -1: none */
	/* Under way (JOURNEY_TIMEOUT_NS), at their last hook (DROP_WAIT). */
	struct journey_list lists[2];
	struct journey *one;	/* for a record without an id */
	__u64 now;		/* the latest record time, or clock time */
	long tz_offset;		/* seconds east of UTC, for tz_minute */
	long long tz_minute;
	int error;		/* errno of the first write error, or 0 */
	unsigned long records;	/* taken */
	unsigned long lines;	/* journeys printed */
	unsigned long bad;	/* records that were no packet, skipped */
};

/*
 * Up to size journeys under way at once; hooks: those captured (0: all).
 * 0, or -1 with errno set (ENOMEM).
 */
int journey_writer_init(struct journey_writer *w, FILE *f, unsigned int hooks,
			unsigned int size);
/* 0 when taken, 1 when skipped (no packet, or after an error). */
int journey_writer_write(struct journey_writer *w,
			 const struct nftrace_record *rec, __u32 rec_len);
/*
 * No record stamped before now_ns is still to come: the journeys that
 * would end by then end. Records stamped earlier that come all the same
 * start journeys of their own.
 */
void journey_writer_clock(struct journey_writer *w, __u64 now_ns);
/* 0, or -1 with w->error set. */
int journey_writer_flush(struct journey_writer *w);
/* Every journey under way ends, then a flush; frees what init took. */
int journey_writer_close(struct journey_writer *w);

/*
 * Whether hook is the last of hooks (the captured ones) that a packet can
 * pass: INPUT and POSTROUTING always; PREROUTING when neither INPUT,
 * FORWARD nor POSTROUTING is captured; FORWARD and OUTPUT when
 * POSTROUTING is not.
 */
int journey_final(unsigned int hook, unsigned int hooks);

#endif /* _NFTRACE_JOURNEY_WRITER_H */
