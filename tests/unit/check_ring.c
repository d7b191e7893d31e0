// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_ring.c - kmod/nftrace_ring.h, producer and consumer, on a ring
 * mapped the way the module maps it (ring_sim.c).
 */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "ring_sim.h"
#include "suites.h"

#define REC		SIM_HDR_LEN	/* 88 */
#define SMALL_RING	4096

static struct sim_ring sr;

static void setup_small(void)
{
	ck_assert_int_eq(sim_ring_init(&sr, SMALL_RING), 0);
}

static void teardown(void)
{
	sim_ring_free(&sr);
}

static void fill(__u8 *p, __u32 n, __u64 seed)
{
	__u32 i;

	for (i = 0; i < n; i++)
		p[i] = (__u8)(seed * 7 + i);
}

static int produce(__u32 cap_len, __u64 seed)
{
	struct nftrace_record hdr = { .tstamp_ns = seed };
	__u8 data[1024];

	fill(data, cap_len, seed);
	return sim_produce(&sr, &hdr, data, cap_len);
}

/* The record at cons must be the one produce(cap_len, seed) wrote. */
static void expect_record(const struct nftrace_record *rec, __u64 seq,
			  __u32 cap_len, __u64 seed)
{
	__u8 want[1024];

	ck_assert_uint_eq(rec->seq, seq);
	ck_assert_uint_eq(rec->len, REC + cap_len);
	ck_assert_uint_eq(rec->cap_len, cap_len);
	ck_assert_uint_eq(rec->tstamp_ns, seed);
	fill(want, cap_len, seed);
	ck_assert_mem_eq((const __u8 *)rec + REC, want, cap_len);
}

/* Wherever a pointer into the ring lands, the access stays inside it. */
static void expect_in_ring(const void *p, __u64 len)
{
	const __u8 *b = p;

	ck_assert_ptr_nonnull(p);
	ck_assert(b >= sr.r.data);
	ck_assert(b + len <= sr.r.data + 2 * sr.r.size);
}

START_TEST(test_empty)
{
	const struct nftrace_record *rec = NULL;

	ck_assert_int_eq(nftrace_ring_check(&sr.r, 0, 0, &rec), 0);
	ck_assert_uint_eq(nftrace_ring_produced(&sr.r), 0);
	ck_assert_ptr_null(rec);
}
END_TEST

START_TEST(test_one_record)
{
	const struct nftrace_record *rec;

	ck_assert_int_eq(produce(12, 5), 1);
	ck_assert_uint_eq(sr.r.prod->pos, NFTRACE_ALIGN(REC + 12));
	ck_assert_uint_eq(sr.r.prod->pos, 104);
	ck_assert_uint_eq(sr.r.prod->seq, 1);
	ck_assert_uint_eq(sr.r.prod->lost, 0);
	ck_assert_int_eq(nftrace_ring_check(&sr.r, 0, 104, &rec), 104);
	ck_assert_ptr_eq(rec, sr.r.data);
	expect_record(rec, 0, 12, 5);
	nftrace_ring_release(&sr.r, 104);
	ck_assert_uint_eq(sr.cons->pos, 104);
	ck_assert_int_eq(nftrace_ring_check(&sr.r, 104, 104, &rec), 0);
}
END_TEST

/* A record written across the end reads as one run, and is really split. */
START_TEST(test_wraparound)
{
	const struct nftrace_record *rec;
	__u64 cons = 0, seq;
	__u32 i;

	/* 8 records of 488 bytes end at 3904: the 9th spans 3904..4392. */
	for (seq = 0; seq < 8; seq++) {
		ck_assert_int_eq(produce(400, seq), 1);
		ck_assert_int_eq(nftrace_ring_check(&sr.r, cons,
						    sr.r.prod->pos, &rec), 488);
		expect_record(rec, seq, 400, seq);
		cons += 488;
		nftrace_ring_release(&sr.r, cons);
	}
	ck_assert_uint_eq(cons, 3904);
	ck_assert_int_eq(produce(400, 8), 1);
	ck_assert_uint_eq(sr.r.prod->pos, 4392);
	ck_assert_int_eq(nftrace_ring_check(&sr.r, cons, 4392, &rec), 488);
	ck_assert_ptr_eq(rec, sr.r.data + 3904);
	expect_record(rec, 8, 400, 8);
	/* The 296 bytes past the end are the ring's first 296 bytes. */
	ck_assert_mem_eq(sr.r.data, (const __u8 *)rec + 192, 296);
	cons += 488;
	nftrace_ring_release(&sr.r, cons);

	/* Many laps with every size, checked record by record. */
	for (i = 0; i < 20000; i++, seq++) {
		__u32 cap = (i * 37) % 900;

		ck_assert_int_eq(produce(cap, seq + 1), 1);
		ck_assert_int_eq(nftrace_ring_check(&sr.r, cons,
						    sr.r.prod->pos, &rec),
				 NFTRACE_ALIGN(REC + cap));
		expect_record(rec, seq + 1, cap, seq + 1);
		expect_in_ring(rec, NFTRACE_ALIGN(REC + cap));
		cons += NFTRACE_ALIGN(REC + cap);
		nftrace_ring_release(&sr.r, cons);
	}
	ck_assert_uint_gt(cons, 100 * SMALL_RING);
}
END_TEST

/* Full: reserve refuses, the loss takes a seq, the consumer sees the gap. */
START_TEST(test_full)
{
	const struct nftrace_record *rec;
	__u64 cons = 0, seq;

	for (seq = 0; seq < 8; seq++)
		ck_assert_int_eq(produce(400, seq), 1);
	ck_assert_uint_eq(sr.r.prod->pos, 3904);
	/* 192 bytes left: not enough for 488. */
	ck_assert_ptr_null(nftrace_ring_reserve(&sr.r, REC + 400));
	ck_assert_int_eq(produce(400, 100), 0);
	ck_assert_int_eq(produce(400, 101), 0);
	ck_assert_int_eq(produce(400, 102), 0);
	ck_assert_uint_eq(sr.r.prod->seq, 11);
	ck_assert_uint_eq(sr.r.prod->lost, 3);
	ck_assert_uint_eq(sr.r.lost, 3);
	ck_assert_uint_eq(sr.r.prod->pos, 3904);
	/* A record that fits in 192 bytes still goes in. */
	ck_assert_int_eq(produce(104, 103), 1);
	ck_assert_uint_eq(sr.r.prod->pos, 4096);
	ck_assert_int_eq(produce(0, 104), 0);
	ck_assert_uint_eq(sr.r.prod->seq, 13);

	/* Read one record and free its room: the next one fits again. */
	ck_assert_int_eq(nftrace_ring_check(&sr.r, 0, 4096, &rec), 488);
	expect_record(rec, 0, 400, 0);
	cons = 488;
	nftrace_ring_release(&sr.r, cons);
	ck_assert_int_eq(produce(400, 105), 1);
	ck_assert_uint_eq(sr.r.prod->pos, 4584);

	for (seq = 1; seq < 8; seq++) {
		ck_assert_int_eq(nftrace_ring_check(&sr.r, cons,
						    sr.r.prod->pos, &rec), 488);
		expect_record(rec, seq, 400, seq);
		cons += 488;
	}
	ck_assert_int_eq(nftrace_ring_check(&sr.r, cons, sr.r.prod->pos, &rec),
			 192);
	expect_record(rec, 11, 104, 103);	/* seq 8, 9, 10 lost */
	cons += 192;
	ck_assert_int_eq(nftrace_ring_check(&sr.r, cons, sr.r.prod->pos, &rec),
			 488);
	expect_record(rec, 13, 400, 105);	/* seq 12 lost */
	cons += 488;
	ck_assert_uint_eq(cons, sr.r.prod->pos);
	ck_assert_uint_eq(sr.r.prod->seq, 14);
	ck_assert_uint_eq(sr.r.prod->lost, 4);
}
END_TEST

/* Move the producer to pos (records of 488, consumed as they come). */
static void advance_to(__u64 pos)
{
	__u64 seq = sr.r.seq;

	while (sr.r.prod_pos + 488 <= pos) {
		ck_assert_int_eq(produce(400, seq++), 1);
		nftrace_ring_release(&sr.r, sr.r.prod_pos);
	}
}

START_TEST(test_hostile_cons_ahead)
{
	const struct nftrace_record *rec;

	advance_to(10000);
	sr.cons->pos = sr.r.prod_pos + 8;
	ck_assert_ptr_null(nftrace_ring_reserve(&sr.r, REC));
	ck_assert_int_eq(produce(0, 1), 0);
	ck_assert_int_eq(nftrace_ring_check(&sr.r, sr.r.prod_pos + 8,
					    sr.r.prod_pos, &rec), -1);
	/* A consumer far ahead, wrapping the 64-bit counter: still full. */
	sr.cons->pos = sr.r.prod_pos + (1ULL << 63);
	ck_assert_ptr_null(nftrace_ring_reserve(&sr.r, REC));
}
END_TEST

START_TEST(test_hostile_cons_far_behind)
{
	const struct nftrace_record *rec;
	__u64 prod;

	advance_to(3 * SMALL_RING);
	prod = sr.r.prod_pos;
	sr.cons->pos = prod - SMALL_RING - 8;
	ck_assert_ptr_null(nftrace_ring_reserve(&sr.r, REC));
	ck_assert_int_eq(nftrace_ring_check(&sr.r, prod - SMALL_RING - 8, prod,
					    &rec), -1);
	/* Exactly one ring behind is a full ring, not an error. */
	sr.cons->pos = prod - SMALL_RING;
	ck_assert_ptr_null(nftrace_ring_reserve(&sr.r, REC));
	ck_assert_int_eq(nftrace_ring_check(&sr.r, 0, prod, &rec), -1);
}
END_TEST

START_TEST(test_hostile_cons_unaligned)
{
	const struct nftrace_record *rec;
	void *p;

	advance_to(5000);
	ck_assert_int_eq(produce(100, 1), 1);
	/* The consumer cannot read from an unaligned position... */
	ck_assert_int_eq(nftrace_ring_check(&sr.r, sr.r.prod_pos - 188 + 4,
					    sr.r.prod_pos, &rec), -1);
	/* ...and the producer stays inside the ring whatever it says. */
	sr.cons->pos = sr.r.prod_pos - 3;
	p = nftrace_ring_reserve(&sr.r, REC + 100);
	expect_in_ring(p, NFTRACE_ALIGN(REC + 100));
	sr.cons->pos = sr.r.prod_pos - SMALL_RING + 5;
	ck_assert_ptr_null(nftrace_ring_reserve(&sr.r, REC));
}
END_TEST

/* A consumer position inside a record reads payload as a header. */
START_TEST(test_hostile_cons_mid_record)
{
	struct nftrace_record hdr = { 0 };
	const struct nftrace_record *rec;
	__u8 payload[200] = { 0 };
	__u32 huge = 0xfffffff0, fake = 96;
	__u64 start, prod;
	long n;

	advance_to(6000);
	start = sr.r.prod_pos;
	memcpy(payload, &huge, sizeof(huge));		/* at start + 88 */
	memcpy(payload + 96, &fake, sizeof(fake));	/* at start + 184 */
	ck_assert_int_eq(sim_produce(&sr, &hdr, payload, sizeof(payload)), 1);
	prod = sr.r.prod_pos;

	/* At the seq field: len reads 0. */
	ck_assert_int_eq(nftrace_ring_check(&sr.r, start + 8, prod, &rec), -1);
	/* At a huge "len". */
	ck_assert_int_eq(nftrace_ring_check(&sr.r, start + 88, prod, &rec), -1);
	/* Too close to prod for even a header. */
	ck_assert_int_eq(nftrace_ring_check(&sr.r, prod - 8, prod, &rec), -1);
	/* A plausible fake header: taken, but inside what was produced. */
	n = nftrace_ring_check(&sr.r, start + 184, prod, &rec);
	ck_assert_int_eq(n, 96);
	expect_in_ring(rec, n);
	ck_assert_uint_le(start + 184 + n, prod);
}
END_TEST

/*
 * A length word of 0xfffffff9 or more (payload bytes read as a header)
 * must not align to 0 and pass as "empty" while the ring holds data: the
 * kernel's read() and the library would spin on it.
 */
START_TEST(test_hostile_len_wraps)
{
	struct nftrace_record hdr = { 0 };
	const struct nftrace_record *rec;
	__u8 payload[200];
	__u64 start, prod;
	__u32 len;

	advance_to(2000);
	for (len = 0xfffffff9; len != 0; len++) {
		start = sr.r.prod_pos;
		memset(payload, 0, sizeof(payload));
		memcpy(payload, &len, sizeof(len));	/* at start + 88 */
		ck_assert_int_eq(sim_produce(&sr, &hdr, payload,
					     sizeof(payload)), 1);
		prod = sr.r.prod_pos;
		ck_assert_int_eq(nftrace_ring_check(&sr.r, start + REC, prod,
						    &rec), -1);
		nftrace_ring_release(&sr.r, prod);
	}
}
END_TEST

/* Random consumer positions: never a pointer outside the ring. */
START_TEST(test_hostile_cons_random)
{
	const struct nftrace_record *rec;
	unsigned int seed = 12345, i;

	advance_to(7 * SMALL_RING + 1000);
	for (i = 0; i < 200000; i++) {
		__u64 r = (__u64)rand_r(&seed) << 33 ^ (__u64)rand_r(&seed) << 10 ^
			  rand_r(&seed);
		__u64 cons = i & 1 ? r : sr.r.prod_pos - (r % (3 * SMALL_RING)) +
				      SMALL_RING;
		__u32 len = REC + rand_r(&seed) % 900;
		void *p;
		long n;

		sr.cons->pos = cons;
		p = nftrace_ring_reserve(&sr.r, len);
		if (p) {
			expect_in_ring(p, NFTRACE_ALIGN(len));
			/* And never over what the consumer has not read. */
			ck_assert_uint_le(sr.r.prod_pos + NFTRACE_ALIGN(len) -
					  cons, SMALL_RING);
		}
		n = nftrace_ring_check(&sr.r, cons, sr.r.prod_pos, &rec);
		if (n > 0) {
			expect_in_ring(rec, n);
			ck_assert_uint_le(n, sr.r.prod_pos - cons);
			ck_assert_uint_ge(rec->len, REC);
		}
	}
}
END_TEST

/*
 * Two threads, a big ring of the minimum size and millions of records of
 * every size. Lossless: the producer waits for room; every record must
 * arrive, in order, intact. Lossy: the producer drops as the module does;
 * the gaps in seq must add up to the ring's lost count.
 */
struct stress {
	struct sim_ring *s;
	__u64 records;
	int lossy;
	int done;		/* producer finished */
	__u64 received;
	__u64 gaps;
	int bad;
};

static __u32 stress_cap(__u64 seq)
{
	return (__u32)((seq * 2654435761U) % 601);
}

static void *stress_producer(void *arg)
{
	struct stress *st = arg;
	struct sim_ring *s = st->s;
	__u64 seq;

	for (seq = 0; seq < st->records; seq++) {
		__u32 cap = stress_cap(seq), len = REC + cap, i;
		struct nftrace_record *rec;

		while (!(rec = nftrace_ring_reserve(&s->r, len))) {
			if (st->lossy)
				break;
			sched_yield();
		}
		if (!rec) {
			nftrace_ring_lose(&s->r);
			continue;
		}
		memset(rec, 0, REC);
		rec->len = len;
		rec->type = NFTRACE_REC_PACKET;
		rec->hdr_len = REC;
		rec->seq = s->r.seq;
		rec->tstamp_ns = seq;
		rec->cap_len = cap;
		for (i = 0; i < cap; i++)
			((__u8 *)rec + REC)[i] = (__u8)(seq + i);
		nftrace_ring_commit(&s->r, len);
	}
	__atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *stress_consumer(void *arg)
{
	struct stress *st = arg;
	struct nftrace_ring r = sim_ring_consumer(st->s);
	__u64 cons = 0, next = 0;

	for (;;) {
		int done = __atomic_load_n(&st->done, __ATOMIC_ACQUIRE);
		__u64 prod = nftrace_ring_produced(&r);
		const struct nftrace_record *rec;
		long n;

		while ((n = nftrace_ring_check(&r, cons, prod, &rec)) > 0) {
			__u64 seq = rec->seq;
			__u32 cap = stress_cap(rec->tstamp_ns), i;
			const __u8 *d = (const __u8 *)rec + REC;

			if (seq < next || (!st->lossy && seq != next) ||
			    rec->tstamp_ns != seq || rec->cap_len != cap ||
			    rec->len != REC + cap)
				st->bad++;
			for (i = 0; i < cap && i < rec->cap_len; i++)
				if (d[i] != (__u8)(seq + i))
					st->bad++;
			st->gaps += seq - next;
			next = seq + 1;
			st->received++;
			cons += n;
			nftrace_ring_release(&r, cons);
		}
		if (n < 0) {
			st->bad++;
			break;
		}
		if (done && cons == nftrace_ring_produced(&r))
			break;
		if (!n)
			sched_yield();
	}
	return NULL;
}

static __u64 stress_records(void)
{
	const char *s = getenv("NFTRACE_STRESS_RECORDS");

	return s ? strtoull(s, NULL, 0) : 4000000;
}

static void run_stress(int lossy)
{
	struct stress st = { .s = &sr, .lossy = lossy };
	pthread_t p, c;

	ck_assert_int_eq(sim_ring_init(&sr, NFTRACE_RING_MIN), 0);
	st.records = stress_records();
	ck_assert_int_eq(pthread_create(&c, NULL, stress_consumer, &st), 0);
	ck_assert_int_eq(pthread_create(&p, NULL, stress_producer, &st), 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);

	ck_assert_int_eq(st.bad, 0);
	ck_assert_uint_eq(sr.r.seq, st.records);
	ck_assert_uint_eq(st.received + sr.r.lost, st.records);
	/* Gaps count the losses before the last record; the rest trail it. */
	ck_assert_uint_le(st.gaps, sr.r.lost);
	ck_assert_uint_eq(sr.r.prod->lost, sr.r.lost);
	if (!lossy)
		ck_assert_uint_eq(sr.r.lost, 0);
}

START_TEST(test_stress_lossless)
{
	run_stress(0);
}
END_TEST

START_TEST(test_stress_lossy)
{
	run_stress(1);
}
END_TEST

Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("steps");
	TCase *hostile = tcase_create("hostile");
	TCase *stress = tcase_create("stress");

	tcase_add_checked_fixture(tc, setup_small, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_one_record);
	tcase_add_test(tc, test_wraparound);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(hostile, setup_small, teardown);
	tcase_add_test(hostile, test_hostile_cons_ahead);
	tcase_add_test(hostile, test_hostile_cons_far_behind);
	tcase_add_test(hostile, test_hostile_cons_unaligned);
	tcase_add_test(hostile, test_hostile_cons_mid_record);
	tcase_add_test(hostile, test_hostile_len_wraps);
	tcase_add_test(hostile, test_hostile_cons_random);
	suite_add_tcase(s, hostile);

	tcase_add_checked_fixture(stress, NULL, teardown);
	tcase_set_timeout(stress, 300);
	tcase_add_test(stress, test_stress_lossless);
	tcase_add_test(stress, test_stress_lossy);
	suite_add_tcase(s, stress);
	return s;
}
