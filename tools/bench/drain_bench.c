// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * drain_bench - records per second from filled rings to a pcap file: the
 * drain path of nftrace-capture -w, measured without the kernel.
 *
 *   drain_bench [-n RECORDS] [-R RINGS] [-r REPEATS] [-s SNAPLEN]
 *               [-l nflog|raw] [-k KEEP.pcap] OUT.pcap
 *
 * RINGS rings (CPUs) are filled with RECORDS records of the benchmark's
 * 92-byte UDP datagrams, alternating between rings in timestamp order
 * (the merge's worst case), then drained exactly as nftrace-capture
 * drains: nftrace_consumer_run() in batches of 4096 into
 * pcap_writer_write() (libnftrace and the tool's pcap writer, compiled
 * from user/), pcap_writer_flush() after each batch, pcap_writer_close().
 * Only the drain is timed, the close (the last write to the file)
 * included; the filling is not.
 *
 * -k keeps the last output as KEEP.pcap: the same packets for the
 * `tcpdump -r KEEP.pcap -w out.pcap` reference that tools/bench.sh times.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../user/libnftrace.h"
#include "../../user/pcap_writer.h"
#include "bench_packets.h"

#define BATCH	4096	/* nftrace-capture's records between flushes */

static unsigned char *map_twice(size_t size)
{
	unsigned char *base;
	int fd = memfd_create("ring", 0);

	if (fd < 0 || ftruncate(fd, size) < 0)
		return NULL;
	base = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED ||
	    mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED ||
	    mmap(base + size, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return NULL;
	close(fd);
	return base;
}

static int on_record(void *user, const struct nftrace_record *rec,
		     __u32 rec_len)
{
	pcap_writer_write(user, rec, rec_len);
	return 0;
}

static const struct nftrace_handler handler = { .record = on_record };

/* Fill the rings as the module's producers would, from position 0. */
static void fill(struct nftrace_ring *rings, unsigned int nr,
		 unsigned long records, unsigned int snaplen)
{
	uint8_t pkt[160];
	unsigned long i;
	unsigned int r;

	for (r = 0; r < nr; r++) {
		rings[r].prod_pos = rings[r].seq = rings[r].lost = 0;
		memset(rings[r].prod, 0, sizeof(*rings[r].prod));
		memset(rings[r].cons, 0, sizeof(*rings[r].cons));
	}
	for (i = 0; i < records; i++) {
		struct nftrace_ring *ring = &rings[i % nr];
		unsigned int len = bench_packet(pkt, BENCH_UDP4, (unsigned int)i);
		uint32_t cap = len < snaplen ? len : snaplen;
		struct nftrace_record *rec;

		rec = nftrace_ring_reserve(ring, sizeof(*rec) + cap);
		if (!rec) {
			fprintf(stderr, "drain_bench: ring full at %lu\n", i);
			exit(1);
		}
		bench_record(rec, pkt, len, snaplen, NFTRACE_NFPROTO_IPV4,
			     ring->seq, 1790000000000000000ULL + i * 1000);
		nftrace_ring_commit(ring, rec->len);
	}
}

static int drain(struct nftrace_ring *rings, unsigned int nr,
		 const char *path, int linktype, unsigned int snaplen,
		 unsigned long *packets)
{
	char err[PCAP_ERRBUF_SIZE];
	struct nftrace_consumer c;
	struct pcap_writer w;

	if (pcap_writer_open(&w, path, linktype, snaplen, err) < 0) {
		fprintf(stderr, "drain_bench: %s\n", err);
		return -1;
	}
	if (nftrace_consumer_init(&c, rings, nr) < 0) {
		perror("drain_bench: consumer");
		return -1;
	}
	while (nftrace_consumer_run(&c, BATCH, &handler, &w))
		if (pcap_writer_flush(&w) < 0)
			break;
	nftrace_consumer_finish(&c, &handler, &w);
	nftrace_consumer_free(&c);
	*packets = w.packets;
	if (pcap_writer_close(&w) < 0) {
		fprintf(stderr, "drain_bench: %s: %s\n", path,
			strerror(w.error));
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long records = 1000000, packets = 0;
	unsigned int nr = 2, snaplen = NFTRACE_SNAPLEN_DEFAULT, r;
	int repeats = 5, linktype = DLT_NFLOG, opt, i;
	const char *keep = NULL, *out;
	struct nftrace_ring *rings;
	struct nftrace_ring_cons *slots;
	size_t per_ring, size = NFTRACE_RING_MIN;
	double *rates;

	while ((opt = getopt(argc, argv, "n:R:r:s:l:k:")) != -1) {
		switch (opt) {
		case 'n': records = strtoul(optarg, NULL, 0); break;
		case 'R': nr = strtoul(optarg, NULL, 0); break;
		case 'r': repeats = atoi(optarg); break;
		case 's': snaplen = strtoul(optarg, NULL, 0); break;
		case 'l': linktype = !strcmp(optarg, "raw") ? DLT_RAW : DLT_NFLOG; break;
		case 'k': keep = optarg; break;
		default:
			fprintf(stderr, "usage: drain_bench [-n N] [-R RINGS] [-r R] [-s SNAPLEN] [-l nflog|raw] [-k KEEP.pcap] OUT.pcap\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !nr || repeats < 1 || !records) {
		fprintf(stderr, "drain_bench: one OUT.pcap, RINGS and REPEATS > 0\n");
		return 2;
	}
	out = argv[optind];

	/* Rings large enough for their share, as -B would make them. */
	per_ring = (records + nr - 1) / nr *
		   NFTRACE_ALIGN(sizeof(struct nftrace_record) + snaplen);
	while (size < per_ring + per_ring / 8)
		size <<= 1;
	rings = calloc(nr, sizeof(*rings));
	slots = aligned_alloc(4096, ((nr * sizeof(*slots) + 4095) / 4096) * 4096);
	rates = calloc(repeats, sizeof(*rates));
	if (!rings || !slots || !rates)
		return 1;
	for (r = 0; r < nr; r++) {
		rings[r].prod = aligned_alloc(4096, 4096);
		rings[r].cons = &slots[r];
		rings[r].data = map_twice(size);
		rings[r].size = size;
		if (!rings[r].prod || !rings[r].data) {
			perror("drain_bench: ring");
			return 1;
		}
	}

	for (i = 0; i < repeats; i++) {
		double t0, secs;

		fill(rings, nr, records, snaplen);
		t0 = bench_now();
		if (drain(rings, nr, out, linktype, snaplen, &packets) < 0)
			return 1;
		secs = bench_now() - t0;
		if (packets != records) {
			fprintf(stderr, "drain_bench: wrote %lu of %lu\n",
				packets, records);
			return 1;
		}
		rates[i] = records / secs;
		printf("drain linktype=%s rings=%u snaplen=%u run=%d records=%lu secs=%.4f rate=%.4g\n",
		       linktype == DLT_RAW ? "raw" : "nflog", nr, snaplen, i,
		       records, secs, rates[i]);
	}
	qsort(rates, repeats, sizeof(*rates), cmp_double);
	printf("drain linktype=%s rings=%u snaplen=%u median rate=%.4g min=%.4g max=%.4g\n",
	       linktype == DLT_RAW ? "raw" : "nflog", nr, snaplen,
	       rates[repeats / 2], rates[0], rates[repeats - 1]);
	if (keep && rename(out, keep) < 0) {
		perror(keep);
		return 1;
	}
	return 0;
}
