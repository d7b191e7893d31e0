// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * capture_file.c - a file nftrace-capture wrote, read by the reader of
 * its format (see capture_file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>

#include "capture_file.h"

int capture_file_open(struct capture_file *cf, const char *path, char *err)
{
	const char *name = path;
	__u32 magic;
	int own = 0;
	FILE *f;

	memset(cf, 0, sizeof(*cf));
	if (!strcmp(path, "-")) {
		f = stdin;
		name = "stdin";
	} else {
		f = fopen(path, "rb");
		if (!f) {
			snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s", path,
				 strerror(errno));
			return -1;
		}
		own = 1;
	}
	/* The first four bytes say what the file is: no seek (a pipe). */
	if (fread(&magic, 1, 4, f) != 4) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s", name,
			 ferror(f) ? strerror(errno) :
				     "empty, or shorter than any capture file");
		if (own)
			fclose(f);
		return -1;
	}
	cf->pcap = pcap_reader_magic(magic);
	if (cf->pcap)
		return pcap_reader_fopen(&cf->pc, f, name, own, magic, err);
	return pcapng_reader_fopen(&cf->ng, f, name, own, magic, err);
}

int capture_file_next(struct capture_file *cf,
		      const struct nftrace_record **rec, __u32 *rec_len,
		      __u64 *lost, char *err)
{
	if (cf->pcap) {
		*lost = 0;
		return pcap_reader_next(&cf->pc, rec, rec_len, err);
	}
	return pcapng_reader_next(&cf->ng, rec, rec_len, lost, err);
}

void capture_file_close(struct capture_file *cf)
{
	if (cf->pcap)
		pcap_reader_close(&cf->pc);
	else
		pcapng_reader_close(&cf->ng);
}
