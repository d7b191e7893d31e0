// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_fmt.c - fuzz the shared text formatter (kmod/nftrace_fmt.c).
 *
 * With clang: a libFuzzer target (make fuzz). Without, -DFUZZ_STANDALONE
 * gives a driver that runs the files named on its command line, or else a
 * seeded stream of random records, most with a plausible header so that
 * the protocol decoders are reached.
 *
 * The input is copied into a buffer of exactly its size (ASan catches a
 * read past the record) and checked for what every line must be.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/nftrace_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[NFTRACE_LINE_MAX], addr[NFTRACE_IP6_STRLEN];
	struct nftrace_record *rec;
	__u32 rec_len = size > 70000 ? 70000 : (__u32)size;
	int n;

	/* malloc is 16-byte aligned, as a record in a ring is 8. */
	rec = malloc(rec_len ? rec_len : 1);
	if (!rec)
		return 0;
	memcpy(rec, data, rec_len);
	n = nftrace_fmt_record(line, sizeof(line), rec, rec_len,
			       rec_len ? (long)data[0] * 3600 - 12 * 3600 : 0);
	if (n <= 0 || n >= NFTRACE_LINE_MAX || strlen(line) != (size_t)n ||
	    line[n - 1] != '\n')
		abort();
	if (rec_len >= 16 && nftrace_fmt_ip6(addr, data) >= NFTRACE_IP6_STRLEN)
		abort();
	free(rec);
	return 0;
}

#ifdef FUZZ_STANDALONE
static int run_file(const char *path)
{
	static uint8_t buf[70000];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[2048];
	unsigned int seed = 1, i, runs = 1000000;
	int ret = 0;

	if (argc > 1) {
		for (i = 1; i < (unsigned int)argc; i++)
			ret |= run_file(argv[i]);
		return ret;
	}
	for (i = 0; i < runs; i++) {
		struct nftrace_record *rec = (struct nftrace_record *)buf;
		size_t len = rand_r(&seed) % 600, j, hdr_len;

		for (j = 0; j < len; j++)
			buf[j] = rand_r(&seed);
		/* Headers from the first modules' length to a later ABI's. */
		hdr_len = NFTRACE_RECORD_V1_LEN +
			  rand_r(&seed) % (sizeof(*rec) + 16 -
					   NFTRACE_RECORD_V1_LEN);
		if (len >= hdr_len && rand_r(&seed) % 8) {
			rec->type = NFTRACE_REC_PACKET;
			rec->hdr_len = hdr_len;
			rec->cap_len = len - hdr_len;
			rec->family = rand_r(&seed) % 2 ? NFTRACE_NFPROTO_IPV4 :
							  NFTRACE_NFPROTO_IPV6;
			if (rec->cap_len)
				buf[hdr_len] = (buf[hdr_len] & 0x0f) |
					(rec->family == NFTRACE_NFPROTO_IPV4 ?
					 0x40 : 0x60);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz_fmt: %u random records formatted\n", runs);
	return 0;
}
#endif
