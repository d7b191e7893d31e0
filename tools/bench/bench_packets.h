/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bench_packets.h - synthetic packets and records for the host
 * benchmarks (drain_bench, fmt_bench): real IPv4 and IPv6 headers, so that
 * the formatter takes its real branches and tcpdump can read the pcaps.
 */
#ifndef _NFTRACE_BENCH_PACKETS_H
#define _NFTRACE_BENCH_PACKETS_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../../include/nftrace.h"

enum bench_kind {
	BENCH_UDP4,	/* the benchmark flood: 64-byte payload */
	BENCH_TCP4,	/* an ACK with timestamps */
	BENCH_ICMP4,	/* echo request */
	BENCH_UDP6,
	BENCH_TCP6,
	BENCH_NR_KINDS
};

static const char *const bench_kind_names[BENCH_NR_KINDS] = {
	"udp4", "tcp4", "icmp4", "udp6", "tcp6",
};

static inline void bench_put16(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* One packet of kind k into p; returns its length (at most 160). */
static inline unsigned int bench_packet(uint8_t *p, enum bench_kind k,
					unsigned int i)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 1 };
	unsigned int l4, len, proto;
	uint8_t *t;

	memset(p, 0, 160);
	switch (k) {
	case BENCH_UDP6:
	case BENCH_TCP6:
		l4 = k == BENCH_UDP6 ? 8 + 64 : 32;
		proto = k == BENCH_UDP6 ? 17 : 6;
		len = 40 + l4;
		p[0] = 0x60;
		bench_put16(p + 4, l4);
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, a6, 16);
		memcpy(p + 24, a6, 16);
		p[39] = 2;
		t = p + 40;
		break;
	default:
		l4 = k == BENCH_UDP4 ? 8 + 64 : k == BENCH_TCP4 ? 32 : 8 + 56;
		proto = k == BENCH_UDP4 ? 17 : k == BENCH_TCP4 ? 6 : 1;
		len = 20 + l4;
		p[0] = 0x45;
		bench_put16(p + 2, len);
		bench_put16(p + 4, i & 0xffff);
		p[6] = 0x40;	/* DF */
		p[8] = 64;
		p[9] = proto;
		p[12] = 127; p[15] = 1;
		p[16] = 127; p[19] = 1;
		t = p + 20;
		break;
	}
	switch (proto) {
	case 17:
		bench_put16(t, 40000 + (i & 1023));
		bench_put16(t + 2, 9);
		bench_put16(t + 4, l4);
		memset(t + 8, 'x', l4 - 8);
		break;
	case 6:
		bench_put16(t, 5201);
		bench_put16(t + 2, 55410);
		t[4] = i >> 24; t[5] = i >> 16; t[6] = i >> 8; t[7] = i;
		t[11] = 1;
		t[12] = 8 << 4;		/* 32-byte header */
		t[13] = 0x10;		/* ACK */
		bench_put16(t + 14, 512);
		t[20] = 1; t[21] = 1; t[22] = 8; t[23] = 10;	/* TS option */
		break;
	case 1:
		t[0] = 8;		/* echo request */
		bench_put16(t + 4, 156);
		bench_put16(t + 6, i & 0xffff);
		break;
	}
	return len;
}

/*
 * A record as the module writes it, for packet bytes pkt[0..len) seen at
 * OUTPUT on "lo", at most snaplen of them kept. Returns the record's
 * unpadded length.
 */
static inline uint32_t bench_record(struct nftrace_record *rec,
				    const uint8_t *pkt, unsigned int len,
				    unsigned int snaplen, int family,
				    uint64_t seq, uint64_t tstamp)
{
	uint32_t cap = len < snaplen ? len : snaplen;

	memset(rec, 0, sizeof(*rec));
	rec->len = sizeof(*rec) + cap;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = sizeof(*rec);
	rec->seq = seq;
	rec->tstamp_ns = tstamp;
	rec->netns = 4026531840U;
	rec->ifindex_out = 1;
	rec->orig_len = len;
	rec->cap_len = cap;
	rec->hook = NFTRACE_HOOK_OUTPUT;
	rec->family = family;
	strcpy(rec->ifname_out, "lo");
	memcpy(rec + 1, pkt, cap);
	return rec->len;
}

static inline int bench_family(enum bench_kind k)
{
	return k == BENCH_UDP6 || k == BENCH_TCP6 ? NFTRACE_NFPROTO_IPV6 :
						    NFTRACE_NFPROTO_IPV4;
}

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* _NFTRACE_BENCH_PACKETS_H */
