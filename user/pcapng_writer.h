/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * pcapng_writer.h - records into a pcapng file (draft-ietf-opsawg-pcapng),
 * written by us: libpcap reads pcapng but cannot write it.
 *
 * One Section Header Block; one Interface Description Block per (netns,
 * hook, family) seen, written before its first packet, named after the
 * hook (if_name "PREROUTING" ...), raw IP (DLT_RAW: see IDB_LINKTYPE),
 * nanosecond timestamps;
 * one Enhanced Packet Block per record, with direction flags, the ring
 * losses just before it (epb_dropcount), the packet id (epb_packetid)
 * and a comment carrying what the IP packet does not, as key=value
 * words:
 *
 *   in=IF in_ifindex=N out=IF out_ifindex=N mark=0xM cpu=C
 *   [id=N] [netns_cookie=N] [ct=STATE[,reply][,snat][,dnat]
 *   [ct_status=0xS] [ct_zone=Z] [ct_mark=0xK]]
 *   [phys_in=IF phys_in_ifindex=N] [phys_out=IF phys_out_ifindex=N]
 *   [dropped]
 *
 * (IF "-" for none, other than printable ASCII and '\' as \xNN; ct= as
 * in the text line, whenever the record header has conntrack, the other
 * bracketed words when not 0 and in the header); one Interface
 * Statistics Block per interface at close.
 *
 * Writes are checked; after the first error nothing more is written, and
 * pcapng_writer_close() cuts a regular file back to its last whole block,
 * so that what is on disk stays a valid capture.
 */
#ifndef _NFTRACE_PCAPNG_WRITER_H
#define _NFTRACE_PCAPNG_WRITER_H

#include <stddef.h>
#include <linux/types.h>

#include "../include/nftrace.h"

/* One IDB: the packets of one hook, in one netns, of one family. */
/*
 * The IDBs' link types, by the record's link: raw IP as DLT_RAW (12;
 * pcapng_writer.c says why not 101), Ethernet, and for ARP on a device
 * without Ethernet Linux's cooked header (LINKTYPE_LINUX_SLL) before it.
 * The reader takes 101 for raw IP too.
 */
#define PCAPNG_LINKTYPE_RAW_DLT		12
#define PCAPNG_LINKTYPE_RAW		101
#define PCAPNG_LINKTYPE_ETHERNET	1
#define PCAPNG_LINKTYPE_LINUX_SLL	113
#define PCAPNG_SLL_HLEN			16

struct pcapng_if {
	__u32 netns;
	__u8 hook;
	__u8 family;
	__u8 link;		/* NFTRACE_LINK_*: the IDB's link type */
	__u64 packets;		/* EPBs written for it */
};

/* A block in buf, not yet written: where it ends, and whether a packet. */
struct pcapng_pending {
	size_t end;
	int packet;
};

struct pcapng_writer {
	int fd;
	int own_fd;		/* not stdout: closed at close */
	unsigned int snaplen;	/* packet bytes kept at most */
	__u8 *buf;		/* whole blocks, not yet written */
	size_t len, size;
	struct pcapng_pending *pending;	/* the blocks in buf */
	size_t nr_pending, max_pending;
	long long good;		/* bytes known to be in the file */
	int error;		/* errno of the first write error, or 0 */
	unsigned long packets;	/* written (into buf or the file) */
	unsigned long good_packets; /* of them, known to be in the file */
	unsigned long bad;	/* records that were no packet, skipped */
	struct pcapng_if *ifs;	/* interface id = index */
	unsigned int nr_ifs, max_ifs;
	unsigned int last_if;	/* where the last lookup hit */
	__u64 *ring_lost;	/* per ring: lost before its next record */
	unsigned int nr_rings;
	__u64 lost;		/* records lost in all, reported */
	__u64 start_ns;		/* CLOCK_REALTIME at open */
};

/*
 * path "-" is stdout. appl names the writing program (shb_userappl), or
 * NULL. On failure returns -1 with a message in err (PCAP_ERRBUF_SIZE).
 */
int pcapng_writer_open(struct pcapng_writer *w, const char *path,
		       unsigned int snaplen, const char *appl, char *err);

/*
 * One record: 0 when written, 1 when it was not a packet and skipped (or
 * an error stopped the writer before).
 */
int pcapng_writer_write(struct pcapng_writer *w,
			const struct nftrace_record *rec, __u32 rec_len);

/* n records of ring (= CPU) lost just before its next record. */
void pcapng_writer_lost(struct pcapng_writer *w, unsigned int ring, __u64 n);

/* Push what was written to the file: 0, or -1 with w->error set. */
int pcapng_writer_flush(struct pcapng_writer *w);

/* The statistics blocks, flush and close: 0, or -1 with w->error set. */
int pcapng_writer_close(struct pcapng_writer *w);

#endif /* _NFTRACE_PCAPNG_WRITER_H */
