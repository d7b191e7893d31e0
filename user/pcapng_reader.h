/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * pcapng_reader.h - the records back out of a pcapng file that
 * nftrace-capture wrote (pcapng_writer.c): `nftrace-capture -r FILE`.
 *
 * Each Enhanced Packet Block becomes the record it was written from:
 * hook, family and netns from its interface (IDB: if_name the hook,
 * if_description "netns=N family=F"), the time, lengths and packet from
 * the EPB, interfaces, ifindexes, mark, CPU and "dropped" from its
 * comment, and epb_dropcount as records lost on that CPU before it. What
 * the file does not hold (the ring's sequence number) is 0.
 *
 * The packet id comes from epb_packetid, conntrack, the netns cookie
 * and the bridge ports from the comment's later words (pcapng_writer.h).
 * The record's hdr_len is the header the file shows it had: all of
 * struct nftrace_record with ct=, up to the netns cookie with only an id
 * or a cookie, NFTRACE_RECORD_V1_LEN with neither (a file of an older
 * module, or of an older nftrace-capture): printed, each record reads as
 * the live capture printed it.
 *
 * The file is untrusted: a block whose lengths do not add up, a packet
 * of an interface nftrace did not write, or a comment it cannot parse
 * ends the read with an error that names the block; blocks it does not
 * know (another SHB's, name resolution, custom blocks) are skipped.
 * Both byte orders are read; a file of many sections is one capture.
 */
#ifndef _NFTRACE_PCAPNG_READER_H
#define _NFTRACE_PCAPNG_READER_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"

/* Longest block read: an EPB of the largest snapshot, with its options. */
#define PCAPNG_READER_BLOCK_MAX	(1U << 20)

struct pcapng_reader_if {
	__u32 netns;
	__u8 hook;
	__u8 family;
	__u8 link;	/* NFTRACE_LINK_*, from the link type */
};

struct pcapng_reader {
	FILE *f;
	const char *name;	/* for messages */
	int own;		/* f is ours to close */
	int swap;		/* the section's byte order is not ours */
	__u8 *blk;		/* the block being read */
	struct pcapng_reader_if *ifs;	/* this section's interfaces */
	unsigned int nr_ifs, max_ifs;
	unsigned long block;	/* blocks read, for messages */
	size_t ahead;		/* bytes of the next block already in blk */
	__u8 *out;		/* the record handed out: header, packet */
	__u64 lost;		/* epb_dropcount of the record handed out */
};

/*
 * Start reading f, whose first four bytes (magic) were read already
 * (capture_file.c); name is for messages, own says f is to be closed.
 * -1 with a message in err (PCAP_ERRBUF_SIZE bytes) when it is no pcapng
 * file, f then closed if own.
 */
int pcapng_reader_fopen(struct pcapng_reader *r, FILE *f, const char *name,
			int own, __u32 magic, char *err);

/*
 * The next record: 1 with *rec (valid until the next call) and *rec_len,
 * and *lost the records lost on its CPU just before it; 0 at the end of
 * the file; -1 with a message in err.
 */
int pcapng_reader_next(struct pcapng_reader *r,
		       const struct nftrace_record **rec, __u32 *rec_len,
		       __u64 *lost, char *err);

void pcapng_reader_close(struct pcapng_reader *r);

#endif /* _NFTRACE_PCAPNG_READER_H */
