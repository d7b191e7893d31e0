/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * pcap_writer.h - records into a pcap file, through libpcap.
 *
 * Link type DLT_NFLOG (each packet behind an NFLOG header carrying hook,
 * prefix, interfaces and mark, see nflog.h) or DLT_RAW (the bare IP
 * packet). Nanosecond timestamps.
 *
 * Writes are checked; after the first error nothing more is written, and
 * pcap_writer_close() cuts a regular file back to its last whole packet,
 * so that what is on disk stays a valid capture.
 */
#ifndef _NFTRACE_PCAP_WRITER_H
#define _NFTRACE_PCAP_WRITER_H

#include <stddef.h>
#include <pcap/pcap.h>
#include <linux/types.h>

#include "../include/nftrace.h"

struct pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	int linktype;		/* DLT_NFLOG or DLT_RAW */
	unsigned int snaplen;	/* packet bytes kept at most */
	__u8 *buf;		/* one NFLOG packet */
	size_t buf_size;
	long long good;		/* bytes known to be in the file */
	int error;		/* errno of the first write error, or 0 */
	unsigned long packets;	/* written */
	unsigned long good_packets; /* of them, known to be in the file */
	unsigned long bad;	/* records that were no packet, skipped */
	/* Sizes of the packets written since the last good flush. */
	unsigned int *pending;
	size_t nr_pending, max_pending;
};

/*
 * path "-" is stdout. On failure returns -1 with a message in err
 * (PCAP_ERRBUF_SIZE bytes).
 */
int pcap_writer_open(struct pcap_writer *w, const char *path, int linktype,
		     unsigned int snaplen, char *err);

/* One record: 0 when written, 1 when it was not a packet and skipped. */
int pcap_writer_write(struct pcap_writer *w, const struct nftrace_record *rec,
		      __u32 rec_len);

/* Push what was written to the file: 0, or -1 with w->error set. */
int pcap_writer_flush(struct pcap_writer *w);

/* Flush and close: 0, or -1 with w->error set. */
int pcap_writer_close(struct pcap_writer *w);

#endif /* _NFTRACE_PCAP_WRITER_H */
