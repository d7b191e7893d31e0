/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * pcap_reader.h - the records back out of a pcap file that
 * nftrace-capture wrote with the NFLOG link type (pcap_writer.c, nflog.c):
 * `nftrace-capture -r FILE` of a `-F pcap` capture.
 *
 * Each packet becomes the record it was written from, as far as NFLOG
 * holds it: the hook from the packet header TLV, the netns and "dropped"
 * from the prefix ("FORWARD netns=4026531840 dropped"), the interfaces'
 * indexes, the mark and the IP packet; the time from the packet header;
 * the packet's length from its IP header (the record length is the NFLOG
 * message's). NFLOG has no interface names: a record read back names an
 * interface by its index, "#3", and has the header of the first modules
 * (NFTRACE_RECORD_V1_LEN): no packet id, conntrack or CPU, which only
 * pcapng files (the default of -w) keep. A raw-IP pcap file (--linktype
 * raw) has no hook: it is refused, with a message saying so.
 *
 * The file is untrusted: a packet whose lengths do not add up, or TLVs
 * that are not nftrace's, end the read with an error that names the
 * packet. Both byte orders, microsecond and nanosecond files are read.
 */
#ifndef _NFTRACE_PCAP_READER_H
#define _NFTRACE_PCAP_READER_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"

struct pcap_reader {
	FILE *f;
	const char *name;	/* for messages */
	int own;		/* f is ours to close */
	int swap;		/* the file's byte order is not ours */
	int nsec;		/* timestamps in nanoseconds, not microseconds */
	__u32 snaplen;		/* the file header's */
	unsigned long packet;	/* packets read, for messages */
	__u8 *pkt;		/* the packet being read */
	__u8 *out;		/* the record handed out: header, packet */
};

/*
 * Read the rest of the file header of f, whose first four bytes (magic)
 * were read already; name is for messages, own says f is to be closed.
 * -1 with a message in err (PCAP_ERRBUF_SIZE bytes), f then closed if
 * own.
 */
int pcap_reader_fopen(struct pcap_reader *r, FILE *f, const char *name,
		      int own, __u32 magic, char *err);

/* Whether magic, a file's first four bytes, is a pcap file's. */
int pcap_reader_magic(__u32 magic);

/*
 * The next record: 1 with *rec (valid until the next call) and
 * *rec_len; 0 at the end of the file; -1 with a message in err.
 */
int pcap_reader_next(struct pcap_reader *r,
		     const struct nftrace_record **rec, __u32 *rec_len,
		     char *err);

void pcap_reader_close(struct pcap_reader *r);

#endif /* _NFTRACE_PCAP_READER_H */
