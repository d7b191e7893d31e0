/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * pkt.h - packets and records for the tests, built byte by byte.
 */
#ifndef _NFTRACE_TEST_PKT_H
#define _NFTRACE_TEST_PKT_H

#include <stddef.h>
#include <linux/types.h>

#include "../../include/nftrace.h"

/* 12:00:01.123456789 UTC on 2024-01-01. */
#define PKT_TSTAMP	(1704110401ULL * 1000000000ULL + 123456789ULL)
#define PKT_NETNS	4026531840U

/* IPv4 header (20 bytes) for an l4len-byte payload; returns 20. */
size_t pkt_ipv4(__u8 *p, const char *src, const char *dst, __u8 proto,
		size_t l4len);
/* IPv6 header (40 bytes); returns 40. */
size_t pkt_ipv6(__u8 *p, const char *src, const char *dst, __u8 nh,
		size_t plen);
/* TCP header (20 bytes), flags as in byte 13; returns 20. */
size_t pkt_tcp(__u8 *p, __u16 sport, __u16 dport, __u32 seq, __u32 ack,
	       __u8 flags, __u16 win);
/* UDP header (8 bytes) for a payload of len bytes; returns 8. */
size_t pkt_udp(__u8 *p, __u16 sport, __u16 dport, __u16 len);
/* ICMP/ICMPv6 header with id and seq (8 bytes); returns 8. */
size_t pkt_icmp(__u8 *p, __u8 type, __u8 code, __u16 id, __u16 seq);

/* Room for a record with up to 64k of packet, 8-byte aligned. */
struct test_rec {
	_Alignas(8) __u8 buf[sizeof(struct nftrace_record) + 65536 + 8];
};

/*
 * A packet record of the standard test values (PKT_TSTAMP, cpu 1, in=eth0,
 * netns PKT_NETNS, mark 0) holding cap_len bytes of pkt, orig_len long.
 * Returns the record; its len is the rec_len to pass.
 */
struct nftrace_record *rec_make(struct test_rec *t, __u8 family, __u8 hook,
				const __u8 *pkt, __u32 cap_len,
				__u32 orig_len);

#endif /* _NFTRACE_TEST_PKT_H */
