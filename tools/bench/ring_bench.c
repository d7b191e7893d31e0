// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ring_bench - the ring of kmod/nftrace_ring.h, compiled in userspace:
 * records per second from a producer thread on one CPU to a consumer
 * thread on the other.
 *
 *   ring_bench [-n RECORDS] [-r REPEATS] [-B RING_BYTES] [-p CPU] [-c CPU]
 *              [-m block|drop] [-C raw|lib] [-i PAUSES] SNAPLEN...
 *
 * The ring is laid out as the module lays it out: data pages mapped twice
 * back to back (a memfd mapped at base and base + size), the producer's
 * head on a page of its own, the consumer's slot on another. The producer
 * does per record what nftrace_capture() does around the ring: reserve,
 * fill the header field by field as nftrace_fill() does, copy SNAPLEN
 * packet bytes, commit. Only the clock read is left out (tstamp_ns is a
 * counter): that is the kernel's ktime_get_real_ns(), not the ring.
 *
 * -m block: the producer waits for room, so every record is delivered and
 *    the rate is the most the pair sustains (the headline figure).
 * -m drop: the producer loses records when the ring is full, as the
 *    kernel does; the line then also says how many were lost, checked
 *    against the sequence gaps the consumer saw.
 * -C raw: the consumer is the ring steps alone (check, read the header
 *    and the first packet word, release every quarter ring).
 * -C lib: the consumer is libnftrace's nftrace_consumer_run(), as
 *    nftrace-capture drains, with a handler that reads the same bytes.
 * -i: pause instructions the consumer spins when it finds the ring empty
 *    (default 256; 0 shows what a consumer polling flat out costs).
 *
 * One line per SNAPLEN and repeat, then the median:
 *   ring snaplen=128 record=216 mode=block consumer=raw rate=24.1e6 ...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../user/libnftrace.h"

#define CACHELINE	64

/*
 * What each thread writes sits on cache lines of its own: a counter that
 * shared a line with the other thread's would be measured instead of the
 * ring.
 */
struct bench {
	/* Set up before the threads start, read-only while they run. */
	unsigned long records;
	unsigned int snaplen;
	int block;
	int lib;
	int prod_cpu, cons_cpu;
	unsigned char pkt[65536];

	/* The producer's: its view of the ring (prod_pos, seq, lost). */
	struct nftrace_ring ring __attribute__((aligned(CACHELINE)));
	unsigned long produced, lost;

	/* The consumer's: the same pages, its own counters. */
	struct nftrace_ring cring __attribute__((aligned(CACHELINE)));
	unsigned long consumed, gaps;
	unsigned long sum;		/* keeps the reads from being dropped */
	double secs;

	volatile int go __attribute__((aligned(CACHELINE)));
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "ring_bench: cannot pin to CPU %d\n", cpu);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * The consumer found the ring empty. Looking again at once would pull the
 * producer's head line away from it on every record it commits (each
 * look makes it shared; each commit must then take it back): wait a
 * little, as the real consumer, asleep until a wakeup, does far longer.
 */
static unsigned int backoff = 256;

static void idle(void)
{
	unsigned int i;

	for (i = 0; i < backoff; i++)
		cpu_relax();
}

/* size bytes of data mapped twice back to back, as the module's vmap. */
static unsigned char *map_twice(size_t size)
{
	unsigned char *base;
	int fd = memfd_create("ring", 0);

	if (fd < 0 || ftruncate(fd, size) < 0)
		return NULL;
	base = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED ||
	    mmap(base + size, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return NULL;
	close(fd);
	/* Fault every page in now, not in the first timed lap. */
	memset(base, 0, size);
	return base;
}

static int ring_init(struct bench *b, size_t size)
{
	void *prod = aligned_alloc(4096, 4096), *cons = aligned_alloc(4096, 4096);
	unsigned char *data = map_twice(size);

	if (!prod || !cons || !data)
		return -1;
	memset(prod, 0, 4096);
	memset(cons, 0, 4096);
	memset(&b->ring, 0, sizeof(b->ring));
	b->ring.prod = prod;
	b->ring.cons = cons;
	b->ring.data = data;
	b->ring.size = size;
	b->cring = b->ring;
	return 0;
}

static void ring_reset(struct bench *b)
{
	b->ring.prod_pos = b->ring.seq = b->ring.lost = 0;
	memset(b->ring.prod, 0, sizeof(*b->ring.prod));
	memset(b->ring.cons, 0, sizeof(*b->ring.cons));
	b->produced = b->lost = b->consumed = b->gaps = b->sum = 0;
}

/* nftrace_fill()'s stores, for a packet seen at OUTPUT on "lo". */
static inline void fill(struct nftrace_record *rec, __u32 len, __u32 cap,
			__u64 tstamp)
{
	static const char lo[NFTRACE_IFNAMSIZ] = "lo";

	rec->len = len;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = sizeof(*rec);
	rec->tstamp_ns = tstamp;
	rec->netns = 4026531840U;
	rec->mark = 0;
	rec->ifindex_in = 0;
	rec->ifindex_out = 1;
	rec->orig_len = 1500;
	rec->cap_len = cap;
	rec->hook = NFTRACE_HOOK_OUTPUT;
	rec->family = NFTRACE_NFPROTO_IPV4;
	rec->cpu = 0;
	rec->flags = 0;
	memset(rec->ifname_in, 0, NFTRACE_IFNAMSIZ);
	memcpy(rec->ifname_out, lo, NFTRACE_IFNAMSIZ);
}

static void *producer(void *arg)
{
	struct bench *b = arg;
	struct nftrace_ring *r = &b->ring;
	__u32 cap = b->snaplen, len = sizeof(struct nftrace_record) + cap;
	unsigned long i, lost = 0;

	pin(b->prod_cpu);
	while (!b->go)
		cpu_relax();
	for (i = 0; i < b->records; i++) {
		struct nftrace_record *rec = nftrace_ring_reserve(r, len);

		while (!rec) {
			if (!b->block) {
				nftrace_ring_lose(r);
				lost++;
				goto next;
			}
			cpu_relax();
			rec = nftrace_ring_reserve(r, len);
		}
		fill(rec, len, cap, i);
		rec->seq = r->seq;
		memcpy(rec + 1, b->pkt, cap);
		nftrace_ring_commit(r, len);
next:
		;
	}
	b->produced = i;
	b->lost = lost;
	return NULL;
}

/* What a consumer does with a record at the least: its seq, one word. */
static inline void take(struct bench *b, const struct nftrace_record *rec,
			__u64 *next_seq)
{
	__u64 seq = rec->seq;
	__u64 word;

	if (seq != *next_seq)
		b->gaps += seq - *next_seq;
	*next_seq = seq + 1;
	memcpy(&word, rec + 1, sizeof(word));
	b->sum += word + rec->cap_len;
	b->consumed++;
}

/* Everything up to the producer's seq is accounted for: done. */
static int finished(struct bench *b, __u64 next_seq)
{
	return b->consumed + b->gaps >= b->records ||
	       (!b->block && next_seq == b->records &&
		nftrace_ring_next_seq(&b->cring) == b->records);
}

static void consume_raw(struct bench *b)
{
	struct nftrace_ring *r = &b->cring;
	__u64 cons = 0, released = 0, next_seq = 0;

	while (!finished(b, next_seq)) {
		__u64 seq_end = nftrace_ring_next_seq(r);
		__u64 prod = nftrace_ring_produced(r);
		const struct nftrace_record *rec;
		long len;

		if (prod == cons) {
			/*
			 * Drained, and seq_end was read before prod: every
			 * record numbered below it that we did not see is lost.
			 */
			if (seq_end > next_seq) {
				b->gaps += seq_end - next_seq;
				next_seq = seq_end;
			}
			idle();
			continue;
		}
		while ((len = nftrace_ring_check(r, cons, prod, &rec)) > 0) {
			take(b, rec, &next_seq);
			cons += len;
			if (cons - released >= r->size / 4) {
				nftrace_ring_release(r, cons);
				released = cons;
			}
		}
		if (len < 0) {
			fprintf(stderr, "ring_bench: corrupt ring at %llu\n",
				(unsigned long long)cons);
			exit(1);
		}
		nftrace_ring_release(r, cons);
		released = cons;
	}
}

struct lib_ctx {
	struct bench *b;
	__u64 next_seq;
};

static int lib_record(void *user, const struct nftrace_record *rec, __u32 len)
{
	struct lib_ctx *c = user;

	(void)len;
	take(c->b, rec, &c->next_seq);
	return 0;
}

static void lib_lost(void *user, unsigned int ring, __u64 n)
{
	(void)user;
	(void)ring;
	(void)n;	/* take() sees the same gap in seq */
}

static void consume_lib(struct bench *b)
{
	static const struct nftrace_handler h = {
		.record = lib_record,
		.lost = lib_lost,
	};
	struct nftrace_consumer c;
	struct lib_ctx ctx = { .b = b };

	if (nftrace_consumer_init(&c, &b->cring, 1) < 0) {
		perror("nftrace_consumer_init");
		exit(1);
	}
	while (!finished(b, ctx.next_seq)) {
		__u64 end = nftrace_ring_next_seq(&b->cring);

		if (nftrace_consumer_run(&c, 4096, &h, &ctx))
			continue;
		/* As in consume_raw(): drained after reading end. */
		if (c.cur[0].cons == nftrace_ring_produced(&b->cring) &&
		    end > ctx.next_seq) {
			b->gaps += end - ctx.next_seq;
			ctx.next_seq = end;
		}
		idle();
	}
	nftrace_consumer_free(&c);
}

static void *consumer(void *arg)
{
	struct bench *b = arg;
	double t0;

	pin(b->cons_cpu);
	t0 = now();
	b->go = 1;
	if (b->lib)
		consume_lib(b);
	else
		consume_raw(b);
	b->secs = now() - t0;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct bench b;
	unsigned long records = 10000000;
	size_t ring_size = NFTRACE_RING_DEFAULT;
	int repeats = 5, opt, i, a, status = 0;
	double *rates;

	b.prod_cpu = 0;
	b.cons_cpu = 1;
	b.block = 1;
	while ((opt = getopt(argc, argv, "n:r:B:p:c:m:C:i:")) != -1) {
		switch (opt) {
		case 'i': backoff = strtoul(optarg, NULL, 0); break;
		case 'n': records = strtoul(optarg, NULL, 0); break;
		case 'r': repeats = atoi(optarg); break;
		case 'B': ring_size = strtoul(optarg, NULL, 0); break;
		case 'p': b.prod_cpu = atoi(optarg); break;
		case 'c': b.cons_cpu = atoi(optarg); break;
		case 'm': b.block = !strcmp(optarg, "block"); break;
		case 'C': b.lib = !strcmp(optarg, "lib"); break;
		default:
			fprintf(stderr, "usage: ring_bench [-n N] [-r R] [-B BYTES] [-p CPU] [-c CPU] [-m block|drop] [-C raw|lib] SNAPLEN...\n");
			return 2;
		}
	}
	if (optind == argc || repeats < 1 || (ring_size & (ring_size - 1))) {
		fprintf(stderr, "ring_bench: need SNAPLEN..., a power-of-two ring\n");
		return 2;
	}
	if (ring_init(&b, ring_size) < 0) {
		perror("ring_bench: ring");
		return 1;
	}
	for (i = 0; i < (int)sizeof(b.pkt); i++)
		b.pkt[i] = (unsigned char)i;
	rates = calloc(repeats, sizeof(*rates));

	for (a = optind; a < argc; a++) {
		unsigned int snaplen = strtoul(argv[a], NULL, 0);
		__u32 reclen = NFTRACE_ALIGN(sizeof(struct nftrace_record) + snaplen);

		if (reclen > ring_size / 4) {
			fprintf(stderr, "ring_bench: snaplen %u: record over a quarter ring\n",
				snaplen);
			return 2;
		}
		for (i = 0; i < repeats; i++) {
			pthread_t pt, ct;

			ring_reset(&b);
			b.records = records;
			b.snaplen = snaplen;
			b.go = 0;
			pthread_create(&pt, NULL, producer, &b);
			pthread_create(&ct, NULL, consumer, &b);
			pthread_join(pt, NULL);
			pthread_join(ct, NULL);
			rates[i] = b.consumed / b.secs;
			printf("ring snaplen=%u record=%u mode=%s consumer=%s idle=%u run=%d records=%lu delivered=%lu lost=%lu gaps=%lu secs=%.4f rate=%.4g MB/s=%.0f\n",
			       snaplen, reclen, b.block ? "block" : "drop",
			       b.lib ? "lib" : "raw", backoff, i, b.produced, b.consumed,
			       b.lost, b.gaps, b.secs, rates[i],
			       rates[i] * reclen / 1e6);
			/* Every record delivered or counted lost, exactly. */
			if (b.consumed + b.lost != b.produced || b.gaps != b.lost) {
				fprintf(stderr, "ring_bench: accounting: delivered %lu + lost %lu != %lu, gaps %lu\n",
					b.consumed, b.lost, b.produced, b.gaps);
				status = 1;
			}
		}
		qsort(rates, repeats, sizeof(*rates), cmp_double);
		printf("ring snaplen=%u record=%u mode=%s consumer=%s idle=%u median rate=%.4g min=%.4g max=%.4g\n",
		       snaplen, reclen, b.block ? "block" : "drop",
		       b.lib ? "lib" : "raw", backoff, rates[repeats / 2], rates[0],
		       rates[repeats - 1]);
		fflush(stdout);
	}
	free(rates);
	return status;
}
