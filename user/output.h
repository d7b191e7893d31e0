/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * output.h - where nftrace-capture's records go: one interface, one
 * writer per format behind it (as Wireshark's wiretap keeps one dumper per
 * file format). The capture loop knows this file only.
 *
 *   text    one line per record on a stream (text_writer.c)
 *   pcap    a pcap file through libpcap, NFLOG or RAW (pcap_writer.c)
 *   pcapng  a pcapng file of our own making, RAW (pcapng_writer.c)
 *   json    one JSON object per record on a stream (json_writer.c)
 *   journey one line per packet when its way through the hooks ends
 *           (journey_writer.c)
 *
 * Every writer checks its writes: after the first error it writes
 * nothing more and output_error() says what it was. The file writers then
 * leave the file valid up to its last whole packet or block.
 */
#ifndef _NFTRACE_OUTPUT_H
#define _NFTRACE_OUTPUT_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"
#include "journey_writer.h"
#include "json_writer.h"
#include "pcap_writer.h"
#include "pcapng_writer.h"
#include "text_writer.h"

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_PCAP,
	OUTPUT_PCAPNG,
	OUTPUT_JSON,
	OUTPUT_JOURNEY,
};

/* What output_open() needs; each format uses what applies to it. */
struct output_params {
	enum output_format format;
	const char *path;	/* pcap, pcapng: a file, "-": stdout */
	FILE *stream;		/* text, json, journey */
	int linktype;		/* pcap: DLT_NFLOG or DLT_RAW */
	unsigned int snaplen;	/* pcap, pcapng */
	const char *appl;	/* pcapng: the SHB's shb_userappl */
	/* journey: what is captured (where one ends); families 0: inet */
	unsigned int hooks;	/* 1 << NFTRACE_HOOK_* */
	unsigned int families;	/* NFTRACE_FAMILY_* */
	unsigned int hooks_netdev;	/* 1 << NFTRACE_NETDEV_HOOK_* */
};

struct output_stats {
	int error;		/* errno of the first write error, or 0 */
	unsigned long written;	/* records written (or handed to stdio) */
	/*
	 * Of them, those known to be whole in the file after an error cut
	 * it back; -1 when the format does not cut (a stream).
	 */
	long whole;
	unsigned long bad;	/* records that were no packet, skipped */
};

struct output;

struct output_ops {
	/* 0 when written, 1 when not (skipped, or after an error). */
	int (*write)(struct output *out, const struct nftrace_record *rec,
		     __u32 rec_len);
	/* n records of ring (= CPU) lost before its next record; optional. */
	void (*lost)(struct output *out, unsigned int ring, __u64 n);
	/*
	 * Live, between two reads of the rings: no record stamped before
	 * now_ns is still to come. For a writer that holds records; optional.
	 */
	void (*clock)(struct output *out, __u64 now_ns);
	int (*flush)(struct output *out);	/* 0, or -1: error set */
	int (*close)(struct output *out);	/* 0, or -1: error set */
	void (*stats)(const struct output *out, struct output_stats *st);
	/* For the banner: ", link-type RAW"; "" when nothing to say. */
	const char *(*describe)(const struct output *out);
};

struct output {
	const struct output_ops *ops;
	union {
		struct text_writer text;
		struct pcap_writer pcap;
		struct pcapng_writer pcapng;
		struct json_writer json;
		struct journey_writer journey;
	} w;
};

/* On failure returns -1 with a message in err (PCAP_ERRBUF_SIZE bytes). */
int output_open(struct output *out, const struct output_params *p, char *err);

static inline int output_write(struct output *out,
			       const struct nftrace_record *rec, __u32 rec_len)
{
	return out->ops->write(out, rec, rec_len);
}

static inline void output_lost(struct output *out, unsigned int ring, __u64 n)
{
	if (out->ops->lost)
		out->ops->lost(out, ring, n);
}

static inline void output_clock(struct output *out, __u64 now_ns)
{
	if (out->ops->clock)
		out->ops->clock(out, now_ns);
}

static inline int output_flush(struct output *out)
{
	return out->ops->flush(out);
}

static inline int output_close(struct output *out)
{
	return out->ops->close(out);
}

static inline void output_stats(const struct output *out,
				struct output_stats *st)
{
	out->ops->stats(out, st);
}

static inline int output_error(const struct output *out)
{
	struct output_stats st;

	output_stats(out, &st);
	return st.error;
}

static inline const char *output_describe(const struct output *out)
{
	return out->ops->describe(out);
}

#endif /* _NFTRACE_OUTPUT_H */
