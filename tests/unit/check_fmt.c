// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_fmt.c - the shared text formatter (kmod/nftrace_fmt.c): exact
 * lines for each protocol, truncation, RFC 5952 addresses, and records of
 * random garbage that must never crash nor read past their length.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/nftrace_fmt.h"
#include "pkt.h"
#include "suites.h"

#define V4	NFTRACE_NFPROTO_IPV4
#define V6	NFTRACE_NFPROTO_IPV6
#define PRE	NFTRACE_HOOK_PREROUTING

#define HEAD4 "12:00:01.123456789 cpu1 ipv4 PREROUTING in=eth0 out=- mark=0x0 netns=4026531840 "
#define HEAD6 "12:00:01.123456789 cpu1 ipv6 PREROUTING in=eth0 out=- mark=0x0 netns=4026531840 "

static struct test_rec tr;
static __u8 pkt[2048];
static char line[NFTRACE_LINE_MAX];

/* Format, and check what every line must be. */
static const char *fmt_tz(const struct nftrace_record *rec, __u32 rec_len,
			  long tz)
{
	int n;

	memset(line, 0x55, sizeof(line));
	n = nftrace_fmt_record(line, sizeof(line), rec, rec_len, tz);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, NFTRACE_LINE_MAX);
	ck_assert_uint_eq(strlen(line), (size_t)n);
	ck_assert_int_eq(line[n - 1], '\n');
	return line;
}

static const char *fmt(const struct nftrace_record *rec)
{
	return fmt_tz(rec, rec->len, 0);
}

static size_t tcp4(__u8 flags)
{
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 6, 20);

	return n + pkt_tcp(pkt + n, 22, 49827, 1, 0, flags, 64240);
}

START_TEST(test_ipv4_tcp_syn)
{
	size_t n = tcp4(0x02);

	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 60)),
		HEAD4 "len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n");
}
END_TEST

START_TEST(test_tcp_flags)
{
	static const struct {
		__u8 flags;
		const char *s;
	} t[] = {
		{ 0x12, "[S.]" }, { 0x18, "[P.]" }, { 0x11, "[F.]" },
		{ 0x04, "[R]" }, { 0x14, "[R.]" }, { 0x10, "[.]" },
		{ 0x00, "[none]" }, { 0xc2, "[SEW]" }, { 0xff, "[FSRP.UEW]" },
	};
	char want[NFTRACE_LINE_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = tcp4(t[i].flags);

		snprintf(want, sizeof(want),
			 HEAD4 "len=40 tcp 10.0.0.1:22 > 10.0.0.2:49827 %s seq 1 ack 0 win 64240\n",
			 t[i].s);
		ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 40)), want);
	}
}
END_TEST

START_TEST(test_ipv4_udp)
{
	size_t n = pkt_ipv4(pkt, "192.168.1.10", "224.0.0.251", 17, 8 + 32);

	n += pkt_udp(pkt + n, 5353, 5353, 32);
	memset(pkt + n, 0xab, 32);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 32, n + 32)),
		HEAD4 "len=60 udp 192.168.1.10:5353 > 224.0.0.251:5353 length 32\n");
}
END_TEST

/* A drop record: "dropped" right after the hook. */
START_TEST(test_dropped)
{
	struct nftrace_record *rec;
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);

	n += pkt_udp(pkt + n, 1000, 9, 0);
	rec = rec_make(&tr, V4, PRE, pkt, n, n);
	rec->flags = NFTRACE_REC_F_DROP;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 ipv4 PREROUTING dropped in=eth0 out=- mark=0x0 netns=4026531840 "
		"len=28 udp 10.0.0.1:1000 > 10.0.0.2:9 length 0\n");
	/* Other flag bits, unknown here, change nothing. */
	rec->flags = ~NFTRACE_REC_F_DROP;
	ck_assert_str_eq(fmt(rec), HEAD4 "len=28 udp 10.0.0.1:1000 > 10.0.0.2:9 length 0\n");
}
END_TEST

START_TEST(test_ipv4_icmp)
{
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 1, 8 + 56);

	pkt_icmp(pkt + n, 8, 0, 0x1234, 1);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 8, 84)),
		HEAD4 "len=84 icmp 10.0.0.1 > 10.0.0.2 echo request id 4660 seq 1\n");
	pkt_icmp(pkt + n, 0, 0, 7, 65535);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 8, 84)),
		HEAD4 "len=84 icmp 10.0.0.1 > 10.0.0.2 echo reply id 7 seq 65535\n");
	pkt_icmp(pkt + n, 3, 3, 0, 0);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 8, 84)),
		HEAD4 "len=84 icmp 10.0.0.1 > 10.0.0.2 unreachable code 3\n");
	pkt_icmp(pkt + n, 11, 0, 0, 0);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 8, 84)),
		HEAD4 "len=84 icmp 10.0.0.1 > 10.0.0.2 time exceeded code 0\n");
	pkt_icmp(pkt + n, 42, 9, 0, 0);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 8, 84)),
		HEAD4 "len=84 icmp 10.0.0.1 > 10.0.0.2 type 42 code 9\n");
	/* An echo cut after the type and code. */
	pkt_icmp(pkt + n, 8, 0, 1, 1);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 5, 84)),
		HEAD4 "len=84 icmp 10.0.0.1 > 10.0.0.2 echo request [|icmp]\n");
}
END_TEST

START_TEST(test_ipv4_other_and_fragments)
{
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 47, 24);

	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 24, 44)),
		HEAD4 "len=44 proto 47 10.0.0.1 > 10.0.0.2\n");
	/* Not the first fragment: no ports to read. */
	n = tcp4(0x10);
	pkt[6] = 0x20;	/* MF */
	pkt[7] = 185;	/* 185 * 8 = 1480 */
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 40)),
		HEAD4 "len=40 proto 6 10.0.0.1 > 10.0.0.2 frag off 1480\n");
	/* The first fragment has them. */
	pkt[6] = 0x20;
	pkt[7] = 0;
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 40)),
		HEAD4 "len=40 tcp 10.0.0.1:22 > 10.0.0.2:49827 [.] seq 1 ack 0 win 64240\n");
}
END_TEST

START_TEST(test_ipv4_options_and_bad)
{
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);

	/* 8 bytes of options: IHL 7. */
	pkt[0] = 0x47;
	memset(pkt + 20, 1, 8);	/* NOPs */
	pkt[3] = 36;
	pkt_udp(pkt + 28, 53, 1024, 0);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 36, 36)),
		HEAD4 "len=36 udp 10.0.0.1:53 > 10.0.0.2:1024 length 0\n");
	/* IHL below 5. */
	pkt[0] = 0x44;
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 36, 36)),
		HEAD4 "len=36 bad ip hlen 16\n");
	/* IHL beyond what was captured. */
	pkt[0] = 0x4f;
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 36, 36)),
		HEAD4 "len=36 ip 10.0.0.1 > 10.0.0.2 [|ip]\n");
	/* An IPv6 packet in an IPv4 record. */
	pkt[0] = 0x60;
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 36, 36)),
		HEAD4 "len=36 bad ip version 6\n");
	/* The UDP length field says less than its header. */
	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);
	pkt_udp(pkt + n, 1, 2, 0);
	pkt[n + 5] = 3;
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n + 8, n + 8)),
		HEAD4 "len=28 udp 10.0.0.1:1 > 10.0.0.2:2 bad length 3\n");
}
END_TEST

/* Cut by the snaplen: print what is there, as tcpdump does. */
START_TEST(test_truncated)
{
	size_t n = tcp4(0x02);

	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 30, 60)),
		HEAD4 "len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [|tcp]\n");
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 22, 60)),
		HEAD4 "len=60 tcp 10.0.0.1 > 10.0.0.2 [|tcp]\n");
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 19, 60)),
		HEAD4 "len=60 [|ip]\n");
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 0, 60)),
		HEAD4 "len=60 [|ip]\n");
	(void)n;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 100);
	pkt_udp(pkt + n, 1000, 2000, 92);
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, 27, 120)),
		HEAD4 "len=120 udp 10.0.0.1:1000 > 10.0.0.2:2000 [|udp]\n");

	n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 6, 20);
	pkt_tcp(pkt + n, 1, 2, 3, 4, 0x02, 5);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, 39, 60)),
		HEAD6 "len=60 [|ip6]\n");
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, 50, 60)),
		HEAD6 "len=60 tcp [2001:db8::1]:1 > [2001:db8::2]:2 [|tcp]\n");
}
END_TEST

/* The IP total length shortens what is decoded, never lengthens it. */
START_TEST(test_ip_length_bounds)
{
	size_t n = tcp4(0x02);

	pkt[3] = 30;	/* total length 30: the TCP header is cut */
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 60)),
		HEAD4 "len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [|tcp]\n");
	pkt[2] = 0xff;	/* larger than captured: what is captured counts */
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 60)),
		HEAD4 "len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n");
	pkt[2] = 0;
	pkt[3] = 0;	/* 0, as with BIG TCP: what is captured counts */
	ck_assert_str_eq(fmt(rec_make(&tr, V4, PRE, pkt, n, 60)),
		HEAD4 "len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n");
}
END_TEST

START_TEST(test_ipv6_tcp_udp)
{
	size_t n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 6, 20);

	n += pkt_tcp(pkt + n, 443, 50000, 100, 200, 0x18, 512);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n, 60)),
		HEAD6 "len=60 tcp [2001:db8::1]:443 > [2001:db8::2]:50000 [P.] seq 100 ack 200 win 512\n");

	n = pkt_ipv6(pkt, "fe80::1", "ff02::fb", 17, 8 + 10);
	n += pkt_udp(pkt + n, 5353, 5353, 10);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n, 58)),
		HEAD6 "len=58 udp [fe80::1]:5353 > [ff02::fb]:5353 length 10\n");
}
END_TEST

START_TEST(test_ipv6_icmp6)
{
	size_t n = pkt_ipv6(pkt, "fe80::1", "ff02::1", 58, 24);
	__u8 *p = pkt + n;

	pkt_icmp(p, 128, 0, 1, 2);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 icmp6 fe80::1 > ff02::1 echo request id 1 seq 2\n");
	pkt_icmp(p, 129, 0, 1, 2);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 icmp6 fe80::1 > ff02::1 echo reply id 1 seq 2\n");
	pkt_icmp(p, 1, 4, 0, 0);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 icmp6 fe80::1 > ff02::1 unreachable code 4\n");
	pkt_icmp(p, 2, 0, 0, 1280);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 icmp6 fe80::1 > ff02::1 packet too big mtu 1280\n");
	pkt_icmp(p, 135, 0, 0, 0);
	inet_pton(AF_INET6, "fe80::abcd:2", p + 8);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 24, 72)),
		HEAD6 "len=72 icmp6 fe80::1 > ff02::1 neighbor solicitation who has fe80::abcd:2\n");
	p[0] = 136;
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 24, 72)),
		HEAD6 "len=72 icmp6 fe80::1 > ff02::1 neighbor advertisement tgt is fe80::abcd:2\n");
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 20, 72)),
		HEAD6 "len=72 icmp6 fe80::1 > ff02::1 neighbor advertisement [|icmp6]\n");
	p[0] = 133;
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 icmp6 fe80::1 > ff02::1 router solicitation\n");
	p[0] = 200;
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 icmp6 fe80::1 > ff02::1 type 200 code 0\n");
	/* ICMP (v4) inside IPv6 is just a protocol number. */
	pkt[6] = 1;
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 8, 48)),
		HEAD6 "len=48 proto 1 fe80::1 > ff02::1\n");
}
END_TEST

/* Hop-by-hop (8), routing (24), dest opts (16), fragment (8): then TCP. */
static size_t ext_chain(int fragoff)
{
	size_t n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 0, 0);
	__u8 *p = pkt + n;

	memset(p, 0, 80);
	p[0] = 43;			/* hop-by-hop -> routing */
	p[1] = 0;
	p += 8;
	p[0] = 60;			/* routing -> dest opts */
	p[1] = 2;
	p += 24;
	p[0] = 44;			/* dest opts -> fragment */
	p[1] = 1;
	p += 16;
	p[0] = 6;			/* fragment -> tcp */
	p[2] = fragoff >> 8;
	p[3] = fragoff & 0xf8;
	p[3] |= 1;			/* M */
	p += 8;
	p += pkt_tcp(p, 80, 1234, 7, 8, 0x10, 9);
	n = p - pkt;
	pkt[4] = (n - 40) >> 8;
	pkt[5] = (n - 40) & 0xff;
	return n;
}

START_TEST(test_ipv6_ext_headers)
{
	size_t n = ext_chain(0);

	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n, n)),
		HEAD6 "len=116 tcp [2001:db8::1]:80 > [2001:db8::2]:1234 [.] seq 7 ack 8 win 9\n");
	n = ext_chain(1448);
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n, n)),
		HEAD6 "len=116 proto 6 2001:db8::1 > 2001:db8::2 frag off 1448\n");
	n = ext_chain(0);
	/* Cut inside the routing header. */
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, 60, n)),
		HEAD6 "len=116 ip6 2001:db8::1 > 2001:db8::2 [|ip6]\n");
	/* Cut right after the chain: the TCP header is missing. */
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, 96, n)),
		HEAD6 "len=116 tcp 2001:db8::1 > 2001:db8::2 [|tcp]\n");
	/* No next header. */
	pkt[6] = 59;
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n, n)),
		HEAD6 "len=116 proto 59 2001:db8::1 > 2001:db8::2\n");
}
END_TEST

/* A loop of hop-by-hop headers stops at the bound. */
START_TEST(test_ipv6_ext_bound)
{
	size_t n = pkt_ipv6(pkt, "::1", "::1", 60, 200);
	unsigned int i;

	for (i = 0; i < 25; i++) {
		memset(pkt + n + 8 * i, 0, 8);
		pkt[n + 8 * i] = 60;
	}
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 200, n + 200)),
		HEAD6 "len=240 ip6 ::1 > ::1 too many extension headers\n");
	/* An extension header claiming more than was captured. */
	pkt[n + 1] = 255;
	ck_assert_str_eq(fmt(rec_make(&tr, V6, PRE, pkt, n + 200, n + 200)),
		HEAD6 "len=240 ip6 ::1 > ::1 [|ip6]\n");
}
END_TEST

/* The decoder behind the text line and --journey, field by field. */
START_TEST(test_parse_ip)
{
	static const __u8 a4[16] = { 10, 0, 0, 1 };
	struct nftrace_ip_info ip;
	unsigned int i;
	__u8 a6[16];
	size_t n = tcp4(0x02);

	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V4, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.version, 4);
	ck_assert_mem_eq(ip.src, a4, 16);
	ck_assert_mem_eq(ip.dst, pkt + 16, 4);
	ck_assert_uint_eq(ip.proto, 6);
	ck_assert_uint_eq(ip.l4_off, 20);
	ck_assert_uint_eq(ip.l4_len, 20);
	ck_assert_uint_eq(ip.fragoff, 0);
	ck_assert_uint_eq(ip.has_ports, 1);
	ck_assert_uint_eq(ip.sport, 22);
	ck_assert_uint_eq(ip.dport, 49827);
	/* The total length shortens what was captured, never lengthens it. */
	ck_assert_int_eq(nftrace_parse_ip(pkt, n + 10, V4, &ip),
			 NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.l4_len, 20);
	/* Ports need 4 bytes of the TCP header. */
	ck_assert_int_eq(nftrace_parse_ip(pkt, 23, V4, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.l4_len, 3);
	ck_assert_uint_eq(ip.has_ports, 0);
	ck_assert_uint_eq(ip.sport, 0);
	/* A later fragment: no ports. */
	pkt[6] = 0x20;
	pkt[7] = 0xb9;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V4, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.fragoff, 185 * 8);
	ck_assert_uint_eq(ip.has_ports, 0);
	pkt[6] = 0x40;
	pkt[7] = 0;
	/* Options: the header is 24 bytes, 22 captured. */
	pkt[0] = 0x46;
	ck_assert_int_eq(nftrace_parse_ip(pkt, 22, V4, &ip), NFTRACE_IP_CUT);
	ck_assert_mem_eq(ip.src, a4, 16);
	ck_assert_uint_eq(ip.l4_len, 0);
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V4, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.l4_off, 24);
	ck_assert_uint_eq(ip.l4_len, 16);
	pkt[0] = 0x43;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V4, &ip),
			 NFTRACE_IP_BAD_HLEN);
	ck_assert_uint_eq(ip.l4_off, 12);
	pkt[0] = 0x65;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V4, &ip),
			 NFTRACE_IP_BAD_VERSION);
	ck_assert_uint_eq(ip.version, 6);
	ck_assert_int_eq(nftrace_parse_ip(pkt, 19, V4, &ip), NFTRACE_IP_SHORT);
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, 7, &ip),
			 NFTRACE_IP_NO_FAMILY);

	/* IPv6 through hop-by-hop, routing, dest opts and fragment. */
	n = ext_chain(0);
	inet_pton(AF_INET6, "2001:db8::2", a6);
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V6, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.version, 6);
	ck_assert_mem_eq(ip.src, pkt + 8, 16);
	ck_assert_mem_eq(ip.dst, a6, 16);
	ck_assert_uint_eq(ip.proto, 6);
	ck_assert_uint_eq(ip.l4_off, 96);
	ck_assert_uint_eq(ip.l4_len, 20);
	ck_assert_uint_eq(ip.fragoff, 0);
	ck_assert_uint_eq(ip.has_ports, 1);
	ck_assert_uint_eq(ip.sport, 80);
	ck_assert_uint_eq(ip.dport, 1234);
	/* Cut right after the chain; inside the routing header. */
	ck_assert_int_eq(nftrace_parse_ip(pkt, 96, V6, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.l4_len, 0);
	ck_assert_uint_eq(ip.has_ports, 0);
	ck_assert_int_eq(nftrace_parse_ip(pkt, 60, V6, &ip), NFTRACE_IP_CUT);
	ck_assert_mem_eq(ip.dst, a6, 16);
	ck_assert_uint_eq(ip.proto, 0);
	n = ext_chain(1448);
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V6, &ip), NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.fragoff, 1448);
	ck_assert_uint_eq(ip.l4_off, 96);
	ck_assert_uint_eq(ip.has_ports, 0);
	/* AH counts its length in 4-byte words, plus 2. */
	n = pkt_ipv6(pkt, "::1", "::2", 51, 32);
	memset(pkt + n, 0, 32);
	pkt[n] = 17;
	pkt[n + 1] = 4;
	pkt_udp(pkt + n + 24, 53, 5353, 0);
	ck_assert_int_eq(nftrace_parse_ip(pkt, n + 32, V6, &ip),
			 NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.proto, 17);
	ck_assert_uint_eq(ip.l4_off, 64);
	ck_assert_uint_eq(ip.l4_len, 8);
	ck_assert_uint_eq(ip.dport, 5353);
	/* The payload length shortens, 0 does not. */
	pkt[5] = 30;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n + 32, V6, &ip),
			 NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.l4_len, 6);
	pkt[5] = 0;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n + 32, V6, &ip),
			 NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.l4_len, 8);
	/* Nine destination options headers: one too many. */
	n = pkt_ipv6(pkt, "::1", "::2", 60, 80);
	memset(pkt + n, 0, 80);
	for (i = 0; i < 9; i++)
		pkt[n + 8 * i] = 60;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n + 80, V6, &ip),
			 NFTRACE_IP_TOO_MANY_EXT);
	ck_assert_uint_eq(ip.version, 6);
	pkt[n + 8 * 7] = 59;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n + 80, V6, &ip),
			 NFTRACE_IP_OK);
	ck_assert_uint_eq(ip.proto, 59);
	ck_assert_uint_eq(ip.l4_off, 104);
	pkt[0] = 0x40;
	ck_assert_int_eq(nftrace_parse_ip(pkt, n, V6, &ip),
			 NFTRACE_IP_BAD_VERSION);
	ck_assert_uint_eq(ip.version, 4);
	ck_assert_int_eq(nftrace_parse_ip(pkt, 39, V6, &ip), NFTRACE_IP_SHORT);
}
END_TEST

START_TEST(test_fmt_tcp_flags)
{
	char s[NFTRACE_TCP_FLAGS_STRLEN];

	ck_assert_int_eq(nftrace_fmt_tcp_flags(s, 0x12), 2);
	ck_assert_str_eq(s, "S.");
	ck_assert_int_eq(nftrace_fmt_tcp_flags(s, 0), 4);
	ck_assert_str_eq(s, "none");
	ck_assert_int_eq(nftrace_fmt_tcp_flags(s, 0xff), 8);
	ck_assert_str_eq(s, "FSRP.UEW");
}
END_TEST

START_TEST(test_header_fields)
{
	static const char *const hooks[] = {
		"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
		"hook5", "hook255",
	};
	static const __u8 hook_nr[] = { 0, 1, 2, 3, 4, 5, 255 };
	char want[NFTRACE_LINE_MAX];
	struct nftrace_record *rec;
	unsigned int i;
	size_t n = tcp4(0x02);

	for (i = 0; i < sizeof(hook_nr); i++) {
		rec = rec_make(&tr, V4, hook_nr[i], pkt, n, 60);
		rec->cpu = 65535;
		rec->mark = 0xdeadbeef;
		rec->netns = 4294967295U;
		strcpy(rec->ifname_out, "veth-a1");
		snprintf(want, sizeof(want),
			 "12:00:01.123456789 cpu65535 ipv4 %s in=eth0 out=veth-a1 mark=0xdeadbeef netns=4294967295 len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n",
			 hooks[i]);
		ck_assert_str_eq(fmt(rec), want);
	}
	/* No interfaces; a name filling all 16 bytes with no NUL; odd bytes. */
	rec = rec_make(&tr, V4, PRE, pkt, n, 60);
	rec->ifname_in[0] = '\0';
	memcpy(rec->ifname_out, "abcdefghijklmnop", 16);
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 ipv4 PREROUTING in=- out=abcdefghijklmnop mark=0x0 netns=4026531840 len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n");
	memcpy(rec->ifname_in, "a b\nc\xff", 7);
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 ipv4 PREROUTING in=a?b?c? out=abcdefghijklmnop mark=0x0 netns=4026531840 len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n");
	/* An unknown family: the header, and nothing decoded. */
	rec = rec_make(&tr, 99, PRE, pkt, n, 60);
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 family99 PREROUTING in=eth0 out=- mark=0x0 netns=4026531840 len=60\n");
}
END_TEST

#define BR_HEAD "12:00:01.123456789 cpu1 bridge FORWARD in=br0 phys_in=p1 out=br0 phys_out=p2 mark=0x0 netns=4026531840 ct=none "

/* The bridge and ARP families: names, ports, Ethernet, ARP, links. */
START_TEST(test_families)
{
	struct nftrace_record *rec;
	size_t n;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 1, 8);
	n += pkt_icmp(pkt + n, 8, 0, 7, 1);
	n = pkt_ether(pkt, n, 0x0800);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_BRIDGE,
				NFTRACE_HOOK_FORWARD, pkt, n, n));
	rec->link = NFTRACE_LINK_ETHERNET;
	memcpy(rec->ifname_in, "br0", 4);
	memcpy(rec->ifname_out, "br0", 4);
	memcpy(rec->phys_ifname_in, "p1", 3);
	memcpy(rec->phys_ifname_out, "p2", 3);
	ck_assert_str_eq(fmt(rec), BR_HEAD
		"len=42 ether 02:00:00:00:00:01 > 02:00:00:00:00:02 icmp 10.0.0.1 > 10.0.0.2 echo request id 7 seq 1\n");
	/* Cut inside the Ethernet header; an ethertype not decoded. */
	rec->cap_len = 13;
	rec->len = rec->hdr_len + 13;
	ck_assert_str_eq(fmt(rec), BR_HEAD "len=42 [|ether]\n");
	rec->cap_len = (__u32)n;
	rec->len = rec->hdr_len + (__u32)n;
	((__u8 *)rec + rec->hdr_len)[12] = 0x88;
	((__u8 *)rec + rec->hdr_len)[13] = 0xcc;
	ck_assert_str_eq(fmt(rec), BR_HEAD
		"len=42 ether 02:00:00:00:00:01 > 02:00:00:00:00:02 ethertype 0x88cc\n");

	/* ARP: a request in, behind Ethernet; a reply out. */
	n = pkt_ether(pkt, pkt_arp(pkt, 1, "10.0.0.254"), 0x0806);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_IN,
				pkt, n, n));
	rec->link = NFTRACE_LINK_ETHERNET;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 arp INPUT in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=42 ether 02:00:00:00:00:01 > 02:00:00:00:00:02 arp who-has 10.0.0.254 tell 10.0.0.1\n");
	n = pkt_arp(pkt, 2, "10.0.0.9");
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_OUT,
				pkt, n, n));
	rec->link = NFTRACE_LINK_ARP;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 arp OUTPUT in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=28 arp reply 10.0.0.1 is-at 02:00:00:00:00:01\n");
	/* Not Ethernet and IPv4; cut; another op; an unknown link. */
	((__u8 *)rec + rec->hdr_len)[1] = 32;
	ck_assert_str_eq(strstr(fmt(rec), "len=28"), "len=28 arp hrd 32 pro 0x800 op 2\n");
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_FORWARD,
				pkt, 20, 28));
	rec->link = NFTRACE_LINK_ARP;
	ck_assert_str_eq(strstr(fmt(rec), " arp FORWARD"),
		" arp FORWARD in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=28 arp [|arp]\n");
	rec->link = 7;
	ck_assert_str_eq(strstr(fmt(rec), "len=28"), "len=28 link 7\n");
	rec->hook = 3;
	ck_assert_str_eq(strstr(fmt(rec), " arp "), " arp hook3 in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=28 link 7\n");
	/* An old header: no link field, so IP, whatever the family. */
	rec = rec_make(&tr, NFTRACE_NFPROTO_BRIDGE, NFTRACE_HOOK_INPUT, pkt, 28, 28);
	ck_assert_str_eq(strstr(fmt(rec), " bridge "), " bridge INPUT in=eth0 out=- mark=0x0 netns=4026531840 len=28\n");
}
END_TEST

/*
 * The netdev family: INGRESS with its device in=, EGRESS with out=; an
 * Ethernet device's frames, a tun device's IP packets by their version.
 */
START_TEST(test_netdev)
{
	struct nftrace_record *rec;
	size_t n;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 1, 8);
	n += pkt_icmp(pkt + n, 8, 0, 7, 1);
	n = pkt_ether(pkt, n, 0x0800);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_NETDEV,
				NFTRACE_NETDEV_HOOK_INGRESS, pkt, n, n));
	rec->link = NFTRACE_LINK_ETHERNET;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 netdev INGRESS in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=42 ether 02:00:00:00:00:01 > 02:00:00:00:00:02 icmp 10.0.0.1 > 10.0.0.2 echo request id 7 seq 1\n");

	n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 17, 8);
	n += pkt_udp(pkt + n, 51820, 51820, 0);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_NETDEV,
				NFTRACE_NETDEV_HOOK_EGRESS, pkt, n, n));
	rec->link = NFTRACE_LINK_IP;
	rec->ifindex_in = 0;
	memset(rec->ifname_in, 0, sizeof(rec->ifname_in));
	rec->ifindex_out = 7;
	memcpy(rec->ifname_out, "wg0", 4);
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 netdev EGRESS in=- out=wg0 mark=0x0 netns=4026531840 ct=none len=48 udp [2001:db8::1]:51820 > [2001:db8::2]:51820 length 0\n");
	/* IPv4 on the IP link; a version of neither; nothing captured. */
	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 1, 8);
	n += pkt_icmp(pkt + n, 0, 0, 7, 1);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_NETDEV,
				NFTRACE_NETDEV_HOOK_INGRESS, pkt, n, n));
	ck_assert_str_eq(strstr(fmt(rec), " netdev "),
		" netdev INGRESS in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=28 icmp 10.0.0.1 > 10.0.0.2 echo reply id 7 seq 1\n");
	((__u8 *)rec + rec->hdr_len)[0] = 0x55;
	ck_assert_str_eq(strstr(fmt(rec), "len=28"), "len=28 bad ip version 5\n");
	rec->cap_len = 0;
	rec->len = rec->hdr_len;
	ck_assert_str_eq(strstr(fmt(rec), "len=28"), "len=28 [|ip]\n");
	rec->hook = 2;
	ck_assert_str_eq(strstr(fmt(rec), " netdev "),
		" netdev hook2 in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=28 [|ip]\n");
	ck_assert_str_eq(nftrace_family_name(NFTRACE_NFPROTO_NETDEV), "netdev");
	ck_assert_str_eq(nftrace_family_hook_name(NFTRACE_NFPROTO_NETDEV,
						  NFTRACE_NETDEV_HOOK_EGRESS),
			 "EGRESS");
	ck_assert_ptr_null(nftrace_family_hook_name(NFTRACE_NFPROTO_NETDEV, 2));
}
END_TEST

START_TEST(test_time_of_day)
{
	size_t n = tcp4(0x02);
	struct nftrace_record *rec = rec_make(&tr, V4, PRE, pkt, n, 60);

	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, 3600),
				 "13:00:01.123456789 ", 19), 0);
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, -13 * 3600),
				 "23:00:01.123456789 ", 19), 0);
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, 12 * 3600 - 1),
				 "00:00:00.123456789 ", 19), 0);
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, 5 * 3600 + 1800),
				 "17:30:01.123456789 ", 19), 0);
	/* Offsets of more than a day still give a time of day. */
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, 3 * 86400 + 60),
				 "12:01:01.123456789 ", 19), 0);
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, -3 * 86400 - 60),
				 "11:59:01.123456789 ", 19), 0);
	rec->tstamp_ns = 0;
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, 0),
				 "00:00:00.000000000 ", 19), 0);
	rec->tstamp_ns = ~0ULL;
	ck_assert_int_eq(strncmp(fmt_tz(rec, rec->len, 0),
				 "23:34:33.709551615 ", 19), 0);
}
END_TEST

START_TEST(test_bad_records)
{
	size_t n = tcp4(0x02);
	struct nftrace_record *rec = rec_make(&tr, V4, PRE, pkt, n, 60);

	ck_assert_str_eq(fmt_tz(rec, 40, 0), "bad record: 40 bytes\n");
	ck_assert_str_eq(fmt_tz(rec, 0, 0), "bad record: 0 bytes\n");
	ck_assert_str_eq(fmt_tz(NULL, 100, 0), "bad record: 100 bytes\n");
	/* Packet bytes beyond what the ring delivered. */
	ck_assert_str_eq(fmt_tz(rec, rec->len - 1, 0),
		"12:00:01.123456789 bad record: type 1 len 127 hdr_len 88 cap_len 40\n");
	rec->hdr_len = 60;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 bad record: type 1 len 128 hdr_len 60 cap_len 40\n");
	rec->hdr_len = 200;
	rec->cap_len = 0;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 bad record: type 1 len 128 hdr_len 200 cap_len 0\n");
	rec->hdr_len = 88;
	rec->cap_len = 0xfffffff0;	/* hdr_len + cap_len wraps */
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 bad record: type 1 len 128 hdr_len 88 cap_len 4294967280\n");
	rec->cap_len = 40;
	rec->type = 7;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 bad record: type 7 len 128 hdr_len 88 cap_len 40\n");
	/* A longer header (a later ABI): the packet is where hdr_len says. */
	rec = rec_hdr_len(rec_make(&tr, V4, PRE, pkt, n, 60),
			  sizeof(*rec) + 8);
	memset(rec + 1, 0xff, 8);	/* fields not known here */
	ck_assert_str_eq(fmt(rec),
		HEAD4 "ct=none len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n");
	/* Shorter than the first modules' header: no record of ours. */
	rec = rec_hdr_len(rec_make(&tr, V4, PRE, pkt, n, 60),
			  NFTRACE_RECORD_V1_LEN - 8);
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 bad record: type 1 len 120 hdr_len 80 cap_len 40\n");
	ck_assert_str_eq(fmt_tz(rec, NFTRACE_RECORD_V1_LEN - 1, 0),
			 "bad record: 87 bytes\n");
	/* A full header the ring delivered only part of. */
	rec = rec_full(rec_make(&tr, V4, PRE, pkt, 0, 60));
	ck_assert_str_eq(fmt_tz(rec, sizeof(*rec) - 8, 0),
		"12:00:01.123456789 bad record: type 1 len 152 hdr_len 160 cap_len 0\n");
	ck_assert_str_eq(fmt_tz(rec, NFTRACE_RECORD_V1_LEN, 0),
		"12:00:01.123456789 bad record: type 1 len 88 hdr_len 160 cap_len 0\n");
}
END_TEST

#define ID_LINE	"12:00:01.123456789 cpu1 ipv4 PREROUTING id=7 in=eth0 out=- mark=0x0 netns=4026531840 "
#define SYN	"len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] seq 1 ack 0 win 64240\n"

/* The fields past NFTRACE_RECORD_V1_LEN, each word exactly. */
START_TEST(test_new_fields)
{
	static const struct {
		__u8 state, dir;
		__u32 status;
		const char *s;
	} ct[] = {
		{ NFTRACE_CT_NONE, 0, 0, "ct=none" },
		/* No entry: the direction means nothing, and is not shown. */
		{ NFTRACE_CT_NONE, NFTRACE_CT_DIR_REPLY, 0, "ct=none" },
		{ NFTRACE_CT_UNTRACKED, NFTRACE_CT_DIR_REPLY, 0,
		  "ct=untracked" },
		{ NFTRACE_CT_NEW, 0, 0, "ct=new" },
		{ NFTRACE_CT_NEW, NFTRACE_CT_DIR_REPLY, 0, "ct=new,reply" },
		{ NFTRACE_CT_ESTABLISHED, 0, 0, "ct=established" },
		{ NFTRACE_CT_ESTABLISHED, NFTRACE_CT_DIR_REPLY, 0x12e,
		  "ct=established,reply,dnat" },
		{ NFTRACE_CT_RELATED, 0, 0x190, "ct=related,snat" },
		{ NFTRACE_CT_ESTABLISHED, 0, ~0U, "ct=established,snat,dnat" },
		{ NFTRACE_CT_ESTABLISHED, 9, 0x20, "ct=established,dir9,dnat" },
		{ 9, 1, 0x10, "ct=state9,snat" },
		{ 255, 0, 0, "ct=state255" },
	};
	char want[NFTRACE_LINE_MAX];
	struct nftrace_record *rec;
	size_t n = tcp4(0x02);
	unsigned int i;

	/* The header of the first modules: the line they printed. */
	rec = rec_make(&tr, V4, PRE, pkt, n, 60);
	ck_assert_str_eq(fmt(rec), HEAD4 SYN);

	/* The whole header, all zero: conntrack knew nothing. */
	rec = rec_full(rec_make(&tr, V4, PRE, pkt, n, 60));
	ck_assert_str_eq(fmt(rec), HEAD4 "ct=none " SYN);

	/* The netns cookie is not in the text. */
	rec_later_fields(rec);
	ck_assert_str_eq(fmt(rec), ID_LINE
		"ct=established,reply,dnat ct_zone=3 ct_mark=0x2a " SYN);
	rec->flags = NFTRACE_REC_F_DROP;
	rec->packet_id = ~0ULL;
	rec->ct_zone = 65535;
	rec->ct_mark = 0xffffffff;
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 ipv4 PREROUTING dropped id=18446744073709551615 in=eth0 out=- mark=0x0 netns=4026531840 "
		"ct=established,reply,dnat ct_zone=65535 ct_mark=0xffffffff " SYN);

	/* Each state, direction and NAT bit. */
	rec = rec_full(rec_make(&tr, V4, PRE, pkt, n, 60));
	rec->packet_id = 7;
	for (i = 0; i < sizeof(ct) / sizeof(ct[0]); i++) {
		rec->ct_state = ct[i].state;
		rec->ct_dir = ct[i].dir;
		rec->ct_status = ct[i].status;
		snprintf(want, sizeof(want), ID_LINE "%s " SYN, ct[i].s);
		ck_assert_str_eq(fmt(rec), want);
	}

	/* Bridge ports, next to the device they are under. */
	rec = rec_full(rec_make(&tr, V4, NFTRACE_HOOK_FORWARD, pkt, n, 60));
	strcpy(rec->ifname_in, "br0");
	strcpy(rec->ifname_out, "br0");
	rec->phys_ifindex_in = 4;
	strcpy(rec->phys_ifname_in, "veth1");
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 ipv4 FORWARD in=br0 phys_in=veth1 out=br0 mark=0x0 netns=4026531840 ct=none " SYN);
	rec->phys_ifindex_out = 5;	/* an index with no name */
	memcpy(rec->phys_ifname_in, "a b\xff" "cdefghijklmnop", 16);
	ck_assert_str_eq(fmt(rec),
		"12:00:01.123456789 cpu1 ipv4 FORWARD in=br0 phys_in=a?b?cdefghijklmn out=br0 phys_out=- mark=0x0 netns=4026531840 ct=none " SYN);
}
END_TEST

/*
 * A header that ends inside the fields past NFTRACE_RECORD_V1_LEN: what
 * it holds is printed, what it does not is absent (the bytes there are
 * the packet's), wherever it ends.
 */
START_TEST(test_partial_headers)
{
	static const struct {
		__u16 hdr_len;
		const char *s;
	} t[] = {
		{ 88, HEAD4 SYN },
		{ 95, HEAD4 SYN },
		{ 96, ID_LINE SYN },
		{ 104, ID_LINE SYN },
		{ 115, ID_LINE SYN },
		{ 116, ID_LINE "ct=new,reply,snat ct_zone=3 ct_mark=0x9 " SYN },
		{ 136, ID_LINE "ct=new,reply,snat ct_zone=3 ct_mark=0x9 " SYN },
		{ 140, "12:00:01.123456789 cpu1 ipv4 PREROUTING id=7 in=eth0 phys_in=p1 out=- mark=0x0 netns=4026531840 ct=new,reply,snat ct_zone=3 ct_mark=0x9 " SYN },
		{ 156, "12:00:01.123456789 cpu1 ipv4 PREROUTING id=7 in=eth0 phys_in=p1 out=- phys_out=p2 mark=0x0 netns=4026531840 ct=new,reply,snat ct_zone=3 ct_mark=0x9 " SYN },
		{ 160, "12:00:01.123456789 cpu1 ipv4 PREROUTING id=7 in=eth0 phys_in=p1 out=- phys_out=p2 mark=0x0 netns=4026531840 ct=new,reply,snat ct_zone=3 ct_mark=0x9 " SYN },
	};
	struct nftrace_record full, *rec;
	size_t n = tcp4(0x02);
	unsigned int i;

	rec = rec_later_fields(rec_make(&tr, V4, PRE, pkt, n, 60));
	rec->ct_state = NFTRACE_CT_NEW;
	rec->ct_status = NFTRACE_IPS_SRC_NAT;
	rec->ct_mark = 9;
	rec->phys_ifindex_in = 11;
	rec->phys_ifindex_out = 12;
	strcpy(rec->phys_ifname_in, "p1");
	strcpy(rec->phys_ifname_out, "p2");
	full = *rec;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec = rec_hdr_len(rec_make(&tr, V4, PRE, pkt, n, 60),
				  t[i].hdr_len);
		memcpy((__u8 *)rec + NFTRACE_RECORD_V1_LEN,
		       (const __u8 *)&full + NFTRACE_RECORD_V1_LEN,
		       t[i].hdr_len - NFTRACE_RECORD_V1_LEN);
		ck_assert_msg(!strcmp(fmt(rec), t[i].s), "hdr_len %u: %s",
			      t[i].hdr_len, line);
	}
}
END_TEST

START_TEST(test_small_buffers)
{
	size_t n = tcp4(0x02);
	struct nftrace_record *rec = rec_make(&tr, V4, PRE, pkt, n, 60);
	char buf[NFTRACE_LINE_MAX];
	size_t size;

	for (size = 0; size < 40; size++) {
		int len;

		memset(buf, 'x', sizeof(buf));
		len = nftrace_fmt_record(buf, size, rec, rec->len, 0);
		if (size < 2) {
			ck_assert_int_eq(len, 0);
			if (size)
				ck_assert_int_eq(buf[0], '\0');
			ck_assert_int_eq(buf[size], 'x');
			continue;
		}
		ck_assert_int_eq(len, (int)size - 1);
		ck_assert_int_eq(buf[len - 1], '\n');
		ck_assert_int_eq(buf[len], '\0');
		ck_assert_int_eq(buf[size], 'x');
		ck_assert_int_eq(strncmp(buf, HEAD4, len - 1), 0);
	}
	ck_assert_int_eq(nftrace_fmt_lost(buf, 10, 3, 42), 9);
	ck_assert_str_eq(buf, "lost 42 \n");
}
END_TEST

START_TEST(test_lost)
{
	char buf[NFTRACE_LINE_MAX];

	ck_assert_int_eq(nftrace_fmt_lost(buf, sizeof(buf), 3, 42), 23);
	ck_assert_str_eq(buf, "lost 42 records (cpu3)\n");
	nftrace_fmt_lost(buf, sizeof(buf), 65535, ~0ULL);
	ck_assert_str_eq(buf,
		"lost 18446744073709551615 records (cpu65535)\n");
}
END_TEST

/*
 * The longest lines the formatter can make still fit NFTRACE_LINE_MAX:
 * as nftrace_fmt.h says, of a V1 header and of a whole one.
 */
#define V1_LINE_LONGEST	295
#define LINE_LONGEST	(V1_LINE_LONGEST + 140)

START_TEST(test_longest_lines)
{
	static const char *const full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
	struct nftrace_record *rec;
	size_t n;
	int len;

	n = pkt_ipv6(pkt, full, full, 58, 24);
	pkt_icmp(pkt + n, 136, 255, 0, 0);
	inet_pton(AF_INET6, full, pkt + n + 8);
	rec = rec_make(&tr, V6, NFTRACE_HOOK_POSTROUTING, pkt, n + 24, ~0U);
	rec->cpu = 65535;
	rec->flags = NFTRACE_REC_F_DROP;
	rec->mark = 0xffffffff;
	rec->netns = 0xffffffff;
	memset(rec->ifname_in, 'i', 16);
	memset(rec->ifname_out, 'o', 16);
	len = strlen(fmt(rec));
	ck_assert_int_lt(len, NFTRACE_LINE_MAX);

	n = pkt_ipv6(pkt, full, full, 6, 20);
	pkt_tcp(pkt + n, 65535, 65535, ~0U, ~0U, 0xff, 65535);
	memcpy((__u8 *)rec + rec->hdr_len, pkt, n + 20);
	rec->cap_len = n + 20;
	rec->len = rec->hdr_len + n + 20;
	len = strlen(fmt(rec));
	ck_assert_int_eq(len, V1_LINE_LONGEST);
	ck_assert_int_eq(strcmp(line + len - 41,
				" seq 4294967295 ack 4294967295 win 65535\n"), 0);

	/* Every field past NFTRACE_RECORD_V1_LEN at its longest. */
	rec_full(rec);
	rec->packet_id = ~0ULL;
	rec->ct_state = NFTRACE_CT_ESTABLISHED;
	rec->ct_dir = 255;
	rec->ct_status = ~0U;
	rec->ct_zone = 65535;
	rec->ct_mark = ~0U;
	rec->phys_ifindex_in = -1;
	rec->phys_ifindex_out = -1;
	memset(rec->phys_ifname_in, 'p', 16);
	memset(rec->phys_ifname_out, 'q', 16);
	len = strlen(fmt(rec));
	ck_assert_int_eq(len, LINE_LONGEST);
	ck_assert_int_lt(len, NFTRACE_LINE_MAX);
	ck_assert_int_eq(strcmp(line + len - 41,
				" seq 4294967295 ack 4294967295 win 65535\n"), 0);
}
END_TEST

static const char *ip6(const char *in)
{
	static char out[NFTRACE_IP6_STRLEN];
	__u8 a[16];
	int n;

	ck_assert_int_eq(inet_pton(AF_INET6, in, a), 1);
	n = nftrace_fmt_ip6(out, a);
	ck_assert_uint_eq(strlen(out), (size_t)n);
	return out;
}

START_TEST(test_ip6_rfc5952)
{
	ck_assert_str_eq(ip6("::1"), "::1");
	ck_assert_str_eq(ip6("::"), "::");
	ck_assert_str_eq(ip6("2001:0db8:0000:0000:0000:0000:0000:0001"),
			 "2001:db8::1");
	ck_assert_str_eq(ip6("2001:db8::"), "2001:db8::");
	ck_assert_str_eq(ip6("1:0:0:0:0:0:0:0"), "1::");
	ck_assert_str_eq(ip6("0:0:0:0:0:0:0:1"), "::1");
	ck_assert_str_eq(ip6("0:0:1:0:0:0:0:0"), "0:0:1::");
	/* The longest run wins; on a tie, the first. */
	ck_assert_str_eq(ip6("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
	ck_assert_str_eq(ip6("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
	/* A single 0 is not compressed. */
	ck_assert_str_eq(ip6("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
	ck_assert_str_eq(ip6("1:2:3:4:5:6:7:0"), "1:2:3:4:5:6:7:0");
	ck_assert_str_eq(ip6("0:1:2:3:4:5:6:7"), "0:1:2:3:4:5:6:7");
	/* Lower case, no leading zeros. */
	ck_assert_str_eq(ip6("2001:DB8:00AB:0C00:000D:e:F00F:1"),
			 "2001:db8:ab:c00:d:e:f00f:1");
	ck_assert_str_eq(ip6("fe80::1:2"), "fe80::1:2");
	/* As %pI6c: IPv4-mapped and ISATAP in dotted quad, the rest not. */
	ck_assert_str_eq(ip6("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
	ck_assert_str_eq(ip6("::ffff:0.0.0.0"), "::ffff:0.0.0.0");
	ck_assert_str_eq(ip6("fe80::5efe:c000:201"), "fe80::5efe:192.0.2.1");
	ck_assert_str_eq(ip6("fe80::200:5efe:c000:201"),
			 "fe80::200:5efe:192.0.2.1");
	ck_assert_str_eq(ip6("2001:db8:1:2:0:5efe:a00:1"),
			 "2001:db8:1:2:0:5efe:10.0.0.1");
	ck_assert_str_eq(ip6("::1.2.3.4"), "::102:304");
	ck_assert_str_eq(ip6("::fffe:1.2.3.4"), "::fffe:102:304");
	ck_assert_str_eq(ip6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}
END_TEST

/* Random addresses, rich in zero groups, against glibc's inet_ntop. */
START_TEST(test_ip6_vs_inet_ntop)
{
	unsigned int seed = 5952, i, j;

	for (i = 0; i < 200000; i++) {
		char ours[NFTRACE_IP6_STRLEN], libc[INET6_ADDRSTRLEN];
		__u8 a[16];

		for (j = 0; j < 8; j++) {
			unsigned int r = rand_r(&seed);
			unsigned int w = r & 1 ? 0 : r >> 8 & (r & 2 ? 0xf : 0xffff);

			a[2 * j] = w >> 8;
			a[2 * j + 1] = w;
		}
		/* Where %pI6c and inet_ntop differ by design: dotted quads. */
		if (!(a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7] |
		      a[8] | a[9]) ||
		    (!(a[8] & ~2) && !a[9] && a[10] == 0x5e && a[11] == 0xfe))
			continue;
		nftrace_fmt_ip6(ours, a);
		inet_ntop(AF_INET6, a, libc, sizeof(libc));
		ck_assert_str_eq(ours, libc);
	}
}
END_TEST

/*
 * Records of random garbage, in buffers of exactly their length (so that
 * ASan and valgrind catch a read past it): never a crash, always a line.
 */
START_TEST(test_garbage)
{
	unsigned int seed = 20240101, i;

	for (i = 0; i < 50000; i++) {
		__u32 rec_len = rand_r(&seed) % 400, j, hdr_len;
		struct nftrace_record *rec;
		__u8 *b;

		/* Heap blocks are 16-byte aligned, as records must be. */
		b = malloc(rec_len ? rec_len : 1);
		ck_assert_ptr_nonnull(b);
		for (j = 0; j < rec_len; j++)
			b[j] = rand_r(&seed);
		rec = (struct nftrace_record *)b;
		/*
		 * Mostly plausible headers, so the decoders get exercised:
		 * of any length from the first modules' to a later ABI's.
		 */
		hdr_len = NFTRACE_RECORD_V1_LEN +
			  rand_r(&seed) % (sizeof(*rec) + 16 -
					   NFTRACE_RECORD_V1_LEN);
		if (rec_len >= hdr_len && rand_r(&seed) % 8) {
			rec->type = NFTRACE_REC_PACKET;
			rec->hdr_len = hdr_len;
			rec->cap_len = rec_len - hdr_len - rand_r(&seed) % 2;
			if (rec->cap_len > rec_len - hdr_len)
				rec->cap_len = 0;
			rec->family = rand_r(&seed) % 2 ? V4 : V6;
			if (rec->cap_len)
				b[hdr_len] = (b[hdr_len] & 0x0f) |
					(rec->family == V4 ? 0x40 : 0x60);
		}
		fmt_tz(rec, rec_len, (long)(rand_r(&seed) % 200000) - 100000);
		free(b);
	}
}
END_TEST

Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("lines");
	TCase *addr = tcase_create("ip6");
	TCase *garbage = tcase_create("garbage");

	tcase_add_test(tc, test_ipv4_tcp_syn);
	tcase_add_test(tc, test_families);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_tcp_flags);
	tcase_add_test(tc, test_ipv4_udp);
	tcase_add_test(tc, test_dropped);
	tcase_add_test(tc, test_ipv4_icmp);
	tcase_add_test(tc, test_ipv4_other_and_fragments);
	tcase_add_test(tc, test_ipv4_options_and_bad);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_ip_length_bounds);
	tcase_add_test(tc, test_ipv6_tcp_udp);
	tcase_add_test(tc, test_ipv6_icmp6);
	tcase_add_test(tc, test_ipv6_ext_headers);
	tcase_add_test(tc, test_ipv6_ext_bound);
	tcase_add_test(tc, test_parse_ip);
	tcase_add_test(tc, test_fmt_tcp_flags);
	tcase_add_test(tc, test_header_fields);
	tcase_add_test(tc, test_time_of_day);
	tcase_add_test(tc, test_bad_records);
	tcase_add_test(tc, test_new_fields);
	tcase_add_test(tc, test_partial_headers);
	tcase_add_test(tc, test_small_buffers);
	tcase_add_test(tc, test_lost);
	tcase_add_test(tc, test_longest_lines);
	suite_add_tcase(s, tc);

	tcase_add_test(addr, test_ip6_rfc5952);
	tcase_add_test(addr, test_ip6_vs_inet_ntop);
	suite_add_tcase(s, addr);

	tcase_set_timeout(garbage, 120);
	tcase_add_test(garbage, test_garbage);
	suite_add_tcase(s, garbage);
	return s;
}
