/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nflog.h - a record as a LINKTYPE_NFLOG packet.
 *
 * The layout is libpcap's (pcap/nflog.h, and
 * https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html): a 4-byte header
 * (address family, version 0, resource id 0 big-endian), then TLVs whose
 * length (header included) and type are in host byte order, each padded
 * to 4 bytes, values big-endian. Readers on another byte order swap the
 * TLV headers themselves.
 */
#ifndef _NFTRACE_NFLOG_H
#define _NFTRACE_NFLOG_H

#include <stddef.h>
#include <linux/types.h>

#include "../include/nftrace.h"

/*
 * Most bytes nflog_encode() puts in front of the packet bytes: header 4,
 * packet header 8, prefix 44, four ifindexes and the mark 40, the
 * payload's TLV header 4.
 */
#define NFLOG_HDR_MAX		100
/* Most packet bytes a TLV can hold: its 16-bit length covers its header. */
#define NFLOG_PAYLOAD_MAX	(0xffff - 4)

/*
 * Write the NFLOG header and TLVs for rec, the last being NFULA_PAYLOAD
 * holding the cap_len bytes at data (at most NFLOG_PAYLOAD_MAX of them),
 * padded to 4. Returns the bytes written, or 0 when size is too small
 * (NFLOG_HDR_MAX + cap_len + 3 is always enough).
 */
size_t nflog_encode(__u8 *buf, size_t size, const struct nftrace_record *rec,
		    const __u8 *data, __u32 cap_len);

#endif /* _NFTRACE_NFLOG_H */
