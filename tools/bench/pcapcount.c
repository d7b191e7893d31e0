// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pcapcount - the packets in pcap files, exactly and fast: one line per
 * file, "packets=N", or "packets=N truncated" when the last record is cut
 * short. capinfos rounds to thousands and tcpdump -r decodes every packet,
 * which under TCG takes longer than the benchmark run it counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int count(const char *path)
{
	uint32_t hdr[6], rec[4];
	unsigned long n = 0;
	int swap, trunc = 0;
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (fread(hdr, sizeof(hdr), 1, f) != 1) {
		fprintf(stderr, "%s: no pcap header\n", path);
		fclose(f);
		return 1;
	}
	/* Microsecond or nanosecond magic, either byte order. */
	if (hdr[0] == 0xa1b2c3d4 || hdr[0] == 0xa1b23c4d) {
		swap = 0;
	} else if (hdr[0] == 0xd4c3b2a1 || hdr[0] == 0x4d3cb2a1) {
		swap = 1;
	} else {
		fprintf(stderr, "%s: not a pcap file\n", path);
		fclose(f);
		return 1;
	}
	while (fread(rec, sizeof(rec), 1, f) == 1) {
		uint32_t caplen = swap ? __builtin_bswap32(rec[2]) : rec[2];

		if (fseek(f, caplen, SEEK_CUR) < 0) {
			trunc = 1;
			break;
		}
		n++;
	}
	/* fseek past the end succeeds: check the last record is whole. */
	if (!trunc && ftell(f) > 0) {
		long pos = ftell(f);

		fseek(f, 0, SEEK_END);
		if (ftell(f) < pos) {
			trunc = 1;
			n--;
		}
	}
	printf("packets=%lu%s\n", n, trunc ? " truncated" : "");
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pcapcount FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		ret |= count(argv[i]);
	return ret;
}
