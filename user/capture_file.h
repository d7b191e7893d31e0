/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * capture_file.h - the records of a file nftrace-capture wrote, whatever
 * its format: `nftrace-capture -r FILE`. Its first four bytes say which
 * reader reads it: pcapng (pcapng_reader.c: every field of the record) or
 * pcap with the NFLOG link type (pcap_reader.c: what NFLOG holds).
 */
#ifndef _NFTRACE_CAPTURE_FILE_H
#define _NFTRACE_CAPTURE_FILE_H

#include <linux/types.h>

#include "../include/nftrace.h"
#include "pcap_reader.h"
#include "pcapng_reader.h"

struct capture_file {
	int pcap;		/* which of the two reads it */
	struct pcapng_reader ng;
	struct pcap_reader pc;
};

/*
 * Open path ("-": stdin) and read its file or section header. -1 with a
 * message in err (PCAP_ERRBUF_SIZE bytes) when it cannot be read, or is
 * no file nftrace-capture wrote.
 */
int capture_file_open(struct capture_file *cf, const char *path, char *err);

/*
 * The next record: 1 with *rec (valid until the next call) and *rec_len,
 * and *lost the records lost on its CPU just before it (pcapng's
 * epb_dropcount; 0 in pcap); 0 at the end of the file; -1 with a message
 * in err.
 */
int capture_file_next(struct capture_file *cf,
		      const struct nftrace_record **rec, __u32 *rec_len,
		      __u64 *lost, char *err);

void capture_file_close(struct capture_file *cf);

#endif /* _NFTRACE_CAPTURE_FILE_H */
