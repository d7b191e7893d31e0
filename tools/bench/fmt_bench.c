// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fmt_bench - the per-record cost of the text formatter,
 * nftrace_fmt_record() of kmod/nftrace_fmt.c (the module's read() and
 * nftrace-capture without -w both print with it).
 *
 *   fmt_bench [-n RECORDS] KIND...     KIND: udp4 tcp4 icmp4 udp6 tcp6
 *
 * For each KIND, RECORDS records of that kind are built first, then
 * formatted one after the other; one line per KIND with the time per
 * record. Under `valgrind --tool=callgrind
 * --toggle-collect=nftrace_fmt_record` the instruction count of the
 * formatting alone is collected: divided by RECORDS, it is the figure
 * BENCHMARKS.md reports (instruction counts, unlike time, do not move
 * with the machine's load). Run it once per KIND for per-kind counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kmod/nftrace_fmt.h"
#include "bench_packets.h"

#define SLOT	NFTRACE_ALIGN(sizeof(struct nftrace_record) + 160)

int main(int argc, char **argv)
{
	unsigned long n = 100000, i;
	unsigned char *recs;
	char line[NFTRACE_LINE_MAX];
	int opt, a, k;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "usage: fmt_bench [-n RECORDS] KIND...\n");
			return 2;
		}
		n = strtoul(optarg, NULL, 0);
	}
	recs = aligned_alloc(8, n * SLOT);
	if (!recs || optind == argc) {
		fprintf(stderr, "fmt_bench: no memory, or no KIND\n");
		return 2;
	}
	for (a = optind; a < argc; a++) {
		unsigned long bytes = 0;
		double t0, secs;

		for (k = 0; k < BENCH_NR_KINDS; k++)
			if (!strcmp(argv[a], bench_kind_names[k]))
				break;
		if (k == BENCH_NR_KINDS) {
			fprintf(stderr, "fmt_bench: unknown kind %s\n", argv[a]);
			return 2;
		}
		for (i = 0; i < n; i++) {
			uint8_t pkt[160];
			unsigned int len = bench_packet(pkt, k, (unsigned int)i);

			bench_record((struct nftrace_record *)(recs + i * SLOT),
				     pkt, len, NFTRACE_SNAPLEN_DEFAULT,
				     bench_family(k), i,
				     1790000000000000000ULL + i * 1234567);
		}
		t0 = bench_now();
		for (i = 0; i < n; i++) {
			const struct nftrace_record *rec =
				(const void *)(recs + i * SLOT);

			bytes += nftrace_fmt_record(line, sizeof(line), rec,
						    rec->len, 0);
		}
		secs = bench_now() - t0;
		printf("fmt kind=%s records=%lu ns_per_record=%.1f bytes_per_line=%.1f\n",
		       argv[a], n, secs * 1e9 / n, (double)bytes / n);
		if (a == optind)
			printf("fmt example: %s", line);
	}
	free(recs);
	return 0;
}
