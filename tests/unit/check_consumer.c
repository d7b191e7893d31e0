// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_consumer.c - the library's consumer (user/nftrace_consumer.c)
 * against producers simulated in-process with the module's ring steps:
 * merge order across rings, batches, loss reporting from seq gaps.
 */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/libnftrace.h"
#include "ring_sim.h"
#include "suites.h"

#define NR		3
#define MAX_SEEN	4096

static struct sim_ring sims[NR];
static struct nftrace_ring views[NR];
static struct nftrace_consumer cons;

struct seen {
	unsigned int n;
	__u64 tstamp[MAX_SEEN];
	__u16 cpu[MAX_SEEN];
	__u64 seq[MAX_SEEN];
	unsigned int lost_events;
	__u64 lost[NR];
	unsigned int stop_after;	/* ask for a stop after this many */
};

static struct seen seen;

static int on_record(void *user, const struct nftrace_record *rec,
		     __u32 rec_len)
{
	struct seen *s = user;

	ck_assert_uint_ge(rec_len, SIM_HDR_LEN);
	ck_assert_uint_eq(rec_len, rec->len);
	if (s->n < MAX_SEEN) {
		s->tstamp[s->n] = rec->tstamp_ns;
		s->cpu[s->n] = rec->cpu;
		s->seq[s->n] = rec->seq;
	}
	s->n++;
	return s->stop_after && s->n == s->stop_after;
}

static void on_lost(void *user, unsigned int ring, __u64 n)
{
	struct seen *s = user;

	ck_assert_uint_lt(ring, NR);
	s->lost_events++;
	s->lost[ring] += n;
}

static const struct nftrace_handler handler = {
	.record = on_record,
	.lost = on_lost,
};

static void setup(void)
{
	unsigned int i;

	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < NR; i++) {
		ck_assert_int_eq(sim_ring_init(&sims[i], 4096), 0);
		views[i] = sim_ring_consumer(&sims[i]);
	}
	ck_assert_int_eq(nftrace_consumer_init(&cons, views, NR), 0);
}

static void teardown(void)
{
	unsigned int i;

	nftrace_consumer_free(&cons);
	for (i = 0; i < NR; i++)
		sim_ring_free(&sims[i]);
}

/* Produce on ring cpu a record stamped ts, with 40 bytes of packet. */
static int put(unsigned int cpu, __u64 ts)
{
	struct nftrace_record hdr = { .tstamp_ns = ts, .cpu = cpu };
	__u8 data[400] = { 0x45 };

	return sim_produce(&sims[cpu], &hdr, data, 40);
}

static int put_big(unsigned int cpu, __u64 ts)
{
	struct nftrace_record hdr = { .tstamp_ns = ts, .cpu = cpu };
	__u8 data[400] = { 0x45 };

	return sim_produce(&sims[cpu], &hdr, data, 400);
}

START_TEST(test_merge_order)
{
	/* Per ring in order (as a CPU stamps them), interleaved across. */
	static const __u64 ts[NR][4] = {
		{ 10, 40, 41, 90 },
		{ 5, 40, 60, 61 },
		{ 20, 30, 40, 100 },
	};
	static const __u64 want_ts[12] = {
		5, 10, 20, 30, 40, 40, 40, 41, 60, 61, 90, 100
	};
	/* Equal stamps: the lower ring first. */
	static const __u16 want_cpu[12] = { 1, 0, 2, 2, 0, 1, 2, 0, 1, 1, 0, 2 };
	unsigned int i, j;

	for (i = 0; i < NR; i++)
		for (j = 0; j < 4; j++)
			ck_assert_int_eq(put(i, ts[i][j]), 1);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  12);
	ck_assert_uint_eq(seen.n, 12);
	for (i = 0; i < 12; i++) {
		ck_assert_uint_eq(seen.tstamp[i], want_ts[i]);
		ck_assert_uint_eq(seen.cpu[i], want_cpu[i]);
	}
	ck_assert_uint_eq(seen.lost_events, 0);
	/* Everything was handed back to the producers. */
	for (i = 0; i < NR; i++)
		ck_assert_uint_eq(sims[i].cons->pos, sims[i].r.prod->pos);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  0);
}
END_TEST

START_TEST(test_batch_limit_and_stop)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		ck_assert_int_eq(put(i % NR, 100 + i), 1);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 2, &handler, &seen), 2);
	ck_assert_uint_eq(seen.tstamp[0], 100);
	ck_assert_uint_eq(seen.tstamp[1], 101);
	/* Only what was read is released. */
	ck_assert_uint_eq(sims[0].cons->pos, 128);
	ck_assert_uint_eq(sims[2].cons->pos, 0);

	seen.stop_after = 3;
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  1);
	ck_assert_uint_eq(seen.tstamp[2], 102);
	seen.stop_after = 0;
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  3);
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(seen.tstamp[i], 100 + i);
}
END_TEST

/* A batch takes what was published when it began, not what comes later. */
static int produce_more(void *user, const struct nftrace_record *rec,
			__u32 rec_len)
{
	put(0, 1000 + rec->tstamp_ns);
	return on_record(user, rec, rec_len);
}

START_TEST(test_batch_is_a_snapshot)
{
	const struct nftrace_handler h = { .record = produce_more };

	ck_assert_int_eq(put(0, 1), 1);
	ck_assert_int_eq(put(0, 2), 1);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &h, &seen), 2);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  2);
	ck_assert_uint_eq(seen.tstamp[2], 1001);
	ck_assert_uint_eq(seen.tstamp[3], 1002);
}
END_TEST

START_TEST(test_loss_from_seq_gaps)
{
	unsigned int i, lost = 0;

	/* Ring 1 full: 8 records of 488 bytes, then 5 lost. */
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(put_big(1, 10 + i), 1);
	for (i = 0; i < 5; i++)
		lost += !put_big(1, 50 + i);
	ck_assert_uint_eq(lost, 5);
	ck_assert_int_eq(put(0, 1), 1);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  9);
	ck_assert_uint_eq(seen.lost_events, 0);	/* not seen yet */

	/* The next record on ring 1 shows the gap: seq 8..12 missing. */
	ck_assert_int_eq(put(1, 100), 1);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  1);
	ck_assert_uint_eq(seen.seq[9], 13);
	ck_assert_uint_eq(seen.lost_events, 1);
	ck_assert_uint_eq(seen.lost[1], 5);
	ck_assert_uint_eq(seen.lost[0], 0);
	ck_assert_uint_eq(cons.lost, 5);

	/* Losses after the last record show once the producer stopped. */
	for (i = 0; i < 8; i++)
		put_big(2, 200 + i);
	ck_assert_int_eq(put_big(2, 300), 0);
	ck_assert_int_eq(put_big(2, 301), 0);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  8);
	ck_assert_uint_eq(seen.lost[2], 0);
	nftrace_consumer_finish(&cons, &handler, &seen);
	ck_assert_uint_eq(seen.lost[2], 2);
	ck_assert_uint_eq(seen.lost[1], 5);
	ck_assert_uint_eq(cons.lost, 7);
	/* Idempotent. */
	nftrace_consumer_finish(&cons, &handler, &seen);
	ck_assert_uint_eq(cons.lost, 7);
	ck_assert_uint_eq(seen.lost_events, 2);
}
END_TEST

/* A ring whose content makes no sense is skipped to its producer. */
START_TEST(test_resync_on_garbage)
{
	struct nftrace_record *rec;

	ck_assert_int_eq(put(0, 1), 1);
	ck_assert_int_eq(put(0, 2), 1);
	ck_assert_int_eq(put(1, 3), 1);
	/* Corrupt ring 0's first record (the test can: it is the producer). */
	rec = (struct nftrace_record *)sims[0].r.data;
	rec->len = 0xffff;
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  1);
	ck_assert_uint_eq(seen.cpu[0], 1);
	ck_assert_uint_eq(cons.resyncs, 1);
	ck_assert_uint_eq(sims[0].cons->pos, sims[0].r.prod->pos);
	/* Ring 0 goes on from there; no record of it was seen: no gap. */
	ck_assert_int_eq(put(0, 4), 1);
	ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler, &seen),
			  1);
	ck_assert_uint_eq(seen.seq[1], 2);
	ck_assert_uint_eq(seen.lost_events, 0);
}
END_TEST

/*
 * A length word that aligns past 2^32 (0xfffffff9..0xffffffff, as a
 * position in a payload of 0xff bytes reads) is corruption like any other:
 * a resync, never a ring that looks empty while it holds data.
 */
START_TEST(test_resync_on_wrapping_len)
{
	struct nftrace_record *rec;
	__u32 len;
	unsigned int n = 0;

	for (len = 0xfffffff9; len != 0; len++) {
		ck_assert_int_eq(put(0, 10 * n + 1), 1);
		ck_assert_int_eq(put(1, 10 * n + 2), 1);
		rec = (struct nftrace_record *)(sims[0].r.data +
			(sims[0].r.prod_pos - 128) % sims[0].r.size);
		rec->len = len;
		ck_assert_uint_eq(nftrace_consumer_run(&cons, 100, &handler,
						       &seen), 1);
		n++;
		ck_assert_uint_eq(seen.n, n);
		ck_assert_uint_eq(seen.cpu[n - 1], 1);
		ck_assert_uint_eq(cons.resyncs, n);
		ck_assert_uint_eq(sims[0].cons->pos, sims[0].r.prod->pos);
	}
}
END_TEST

/* Reading starts where the consumer slot says. */
START_TEST(test_starts_at_slot)
{
	struct nftrace_consumer c2;

	ck_assert_int_eq(put(0, 1), 1);
	ck_assert_int_eq(put(0, 2), 1);
	nftrace_ring_release(&views[0], 128);
	ck_assert_int_eq(nftrace_consumer_init(&c2, views, NR), 0);
	ck_assert_uint_eq(nftrace_consumer_run(&c2, 100, &handler, &seen), 1);
	ck_assert_uint_eq(seen.tstamp[0], 2);
	nftrace_consumer_free(&c2);
}
END_TEST

/*
 * Producer threads, one per ring, stamping from a shared clock and
 * dropping when full, against the consumer in batches. Per ring, records
 * arrive in seq order and delivered + lost = produced; within a batch the
 * stamps never go backwards.
 */
#define STRESS_PER_RING	300000

static __u64 stress_clock;
static int stress_done;

struct stress_seen {
	__u64 per_ring[NR];
	__u64 next_seq[NR];
	__u64 lost[NR];
	__u64 batch_last;
	int bad;
};

static void *stress_producer(void *arg)
{
	unsigned int cpu = (unsigned int)(unsigned long)arg;
	struct sim_ring *s = &sims[cpu];
	__u8 data[64] = { 0x45 };
	unsigned int i;

	for (i = 0; i < STRESS_PER_RING; i++) {
		struct nftrace_record hdr = { .cpu = cpu };

		/* Stamp and publish in one step per ring, as a CPU does. */
		hdr.tstamp_ns = __atomic_add_fetch(&stress_clock, 1,
						   __ATOMIC_RELAXED);
		sim_produce(s, &hdr, data, i % 64);
		if (!(i % 1024))
			sched_yield();
	}
	__atomic_add_fetch(&stress_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int stress_record(void *user, const struct nftrace_record *rec,
			 __u32 rec_len)
{
	struct stress_seen *s = user;

	(void)rec_len;
	if (rec->cpu >= NR || rec->seq < s->next_seq[rec->cpu] ||
	    rec->tstamp_ns < s->batch_last)
		s->bad++;
	s->batch_last = rec->tstamp_ns;
	s->next_seq[rec->cpu] = rec->seq + 1;
	s->per_ring[rec->cpu]++;
	return 0;
}

static void stress_lost(void *user, unsigned int ring, __u64 n)
{
	struct stress_seen *s = user;

	s->lost[ring] += n;
}

START_TEST(test_stress_threads)
{
	const struct nftrace_handler h = {
		.record = stress_record,
		.lost = stress_lost,
	};
	struct stress_seen s = { 0 };
	pthread_t t[NR];
	unsigned long i;

	stress_clock = 0;
	stress_done = 0;
	for (i = 0; i < NR; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, stress_producer,
						(void *)i), 0);
	for (;;) {
		int done = __atomic_load_n(&stress_done, __ATOMIC_ACQUIRE) == NR;

		s.batch_last = 0;
		if (!nftrace_consumer_run(&cons, 512, &h, &s) && done)
			break;
	}
	for (i = 0; i < NR; i++)
		pthread_join(t[i], NULL);
	nftrace_consumer_finish(&cons, &h, &s);
	ck_assert_int_eq(s.bad, 0);
	for (i = 0; i < NR; i++) {
		ck_assert_uint_eq(s.per_ring[i] + s.lost[i], STRESS_PER_RING);
		ck_assert_uint_eq(s.lost[i], sims[i].r.lost);
	}
}
END_TEST

Suite *consumer_suite(void)
{
	Suite *s = suite_create("consumer");
	TCase *tc = tcase_create("merge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_merge_order);
	tcase_add_test(tc, test_batch_limit_and_stop);
	tcase_add_test(tc, test_batch_is_a_snapshot);
	tcase_add_test(tc, test_loss_from_seq_gaps);
	tcase_add_test(tc, test_resync_on_garbage);
	tcase_add_test(tc, test_resync_on_wrapping_len);
	tcase_add_test(tc, test_starts_at_slot);
	tcase_add_test(tc, test_stress_threads);
	suite_add_tcase(s, tc);
	return s;
}
