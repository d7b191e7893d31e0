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
/* 2^53 + 1: beyond the integers a double (jq, JavaScript) holds exactly. */
#define PKT_COOKIE	9007199254740993ULL

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

/* An Ethernet header (02:00:00:00:00:01 > ..:02, type) before p's n bytes. */
size_t pkt_ether(__u8 *p, size_t n, __u16 type);

/* An Ethernet/IPv4 ARP packet: op, from 02::01 10.0.0.1, for tpa. */
size_t pkt_arp(__u8 *p, __u16 op, const char *tpa);

/* Room for a record with up to 64k of packet, 8-byte aligned. */
struct test_rec {
	_Alignas(8) __u8 buf[sizeof(struct nftrace_record) + 65536 + 8];
};

/*
 * A packet record of the standard test values (PKT_TSTAMP, cpu 1, in=eth0,
 * netns PKT_NETNS, mark 0) holding cap_len bytes of pkt, orig_len long,
 * with the header of the first modules (NFTRACE_RECORD_V1_LEN bytes: no
 * packet id, no conntrack), so that every line, key and comment the
 * tests expect of it is what such a module's record gave. Returns the
 * record; its len is the rec_len to pass.
 */
struct nftrace_record *rec_make(struct test_rec *t, __u8 family, __u8 hook,
				const __u8 *pkt, __u32 cap_len,
				__u32 orig_len);

/*
 * rec with a header of hdr_len bytes (up to sizeof(*rec) + 8): the packet
 * bytes moved there, header bytes gained zeroed. rec_full(rec) gives it
 * the whole header of this ABI. Returns rec.
 */
struct nftrace_record *rec_hdr_len(struct nftrace_record *rec, __u16 hdr_len);
struct nftrace_record *rec_full(struct nftrace_record *rec);

/*
 * rec_full(rec) with the later fields of a reply in a DNAT'd connection:
 * packet id 7, netns cookie PKT_COOKIE, conntrack established in the
 * reply direction, status 0x12e (SEEN_REPLY, ASSURED, CONFIRMED, DST_NAT,
 * DST_NAT_DONE), zone 3, ct mark 0x2a; no bridge ports. Returns rec.
 */
struct nftrace_record *rec_later_fields(struct nftrace_record *rec);

#endif /* _NFTRACE_TEST_PKT_H */
