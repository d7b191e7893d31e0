// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pkt.c - packets and records for the tests (see pkt.h).
 */
#include <arpa/inet.h>
#include <string.h>

#include "pkt.h"

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

size_t pkt_ipv4(__u8 *p, const char *src, const char *dst, __u8 proto,
		size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, 20 + l4len);
	put16(p + 4, 0x1234);
	put16(p + 6, 0x4000);	/* DF */
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	return 20;
}

size_t pkt_ipv6(__u8 *p, const char *src, const char *dst, __u8 nh,
		size_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, plen);
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	return 40;
}

size_t pkt_tcp(__u8 *p, __u16 sport, __u16 dport, __u32 seq, __u32 ack,
	       __u8 flags, __u16 win)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	p[12] = 5 << 4;
	p[13] = flags;
	put16(p + 14, win);
	return 20;
}

size_t pkt_udp(__u8 *p, __u16 sport, __u16 dport, __u16 len)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, 8 + len);
	put16(p + 6, 0);
	return 8;
}

size_t pkt_icmp(__u8 *p, __u8 type, __u8 code, __u16 id, __u16 seq)
{
	p[0] = type;
	p[1] = code;
	put16(p + 2, 0);
	put16(p + 4, id);
	put16(p + 6, seq);
	return 8;
}

struct nftrace_record *rec_make(struct test_rec *t, __u8 family, __u8 hook,
				const __u8 *pkt, __u32 cap_len,
				__u32 orig_len)
{
	struct nftrace_record *rec = (struct nftrace_record *)t->buf;

	memset(rec, 0, sizeof(*rec));
	rec->len = NFTRACE_RECORD_V1_LEN + cap_len;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = NFTRACE_RECORD_V1_LEN;
	rec->tstamp_ns = PKT_TSTAMP;
	rec->netns = PKT_NETNS;
	rec->ifindex_in = 2;
	rec->orig_len = orig_len;
	rec->cap_len = cap_len;
	rec->hook = hook;
	rec->family = family;
	rec->cpu = 1;
	strcpy(rec->ifname_in, "eth0");
	memcpy((__u8 *)rec + NFTRACE_RECORD_V1_LEN, pkt, cap_len);
	return rec;
}

struct nftrace_record *rec_hdr_len(struct nftrace_record *rec, __u16 hdr_len)
{
	__u8 *b = (__u8 *)rec;

	memmove(b + hdr_len, b + rec->hdr_len, rec->cap_len);
	if (hdr_len > rec->hdr_len)
		memset(b + rec->hdr_len, 0, hdr_len - rec->hdr_len);
	rec->hdr_len = hdr_len;
	rec->len = hdr_len + rec->cap_len;
	return rec;
}

struct nftrace_record *rec_full(struct nftrace_record *rec)
{
	return rec_hdr_len(rec, sizeof(*rec));
}

struct nftrace_record *rec_later_fields(struct nftrace_record *rec)
{
	rec_full(rec);
	rec->packet_id = 7;
	rec->netns_cookie = PKT_COOKIE;
	rec->ct_state = NFTRACE_CT_ESTABLISHED;
	rec->ct_dir = NFTRACE_CT_DIR_REPLY;
	rec->ct_status = 0x12e;
	rec->ct_zone = 3;
	rec->ct_mark = 0x2a;
	return rec;
}

/* An Ethernet header before p's n bytes: dst 02::02, src 02::01. */
size_t pkt_ether(__u8 *p, size_t n, __u16 type)
{
	static const __u8 mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memmove(p + 14, p, n);
	memcpy(p, mac, 12);
	p[12] = type >> 8;
	p[13] = type & 0xff;
	return n + 14;
}

/* An Ethernet/IPv4 ARP packet: op, sender 02::01 10.0.0.1, target. */
size_t pkt_arp(__u8 *p, __u16 op, const char *tpa)
{
	static const __u8 head[8] = { 0, 1, 8, 0, 6, 4 };
	static const __u8 sha[6] = { 2, 0, 0, 0, 0, 1 };

	memcpy(p, head, 8);
	p[7] = op;
	memcpy(p + 8, sha, 6);
	inet_pton(AF_INET, "10.0.0.1", p + 14);
	memset(p + 18, 0, 6);
	inet_pton(AF_INET, tpa, p + 24);
	return 28;
}
