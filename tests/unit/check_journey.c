// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_journey.c - the journey writer (user/journey_writer.c): exact
 * lines for forwarded, delivered, sent and dropped packets, NAT seen
 * between hops, journeys interleaved, ended by time, by a full table, by
 * close, records without ids, cut packets, and the same lines whether
 * the clock is moved between records (live) or not (-r).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../user/journey_writer.h"
#include "../../user/output.h"
#include "pkt.h"
#include "suites.h"

#define US	1000ULL
#define MS	1000000ULL
#define SEC	1000000000ULL

#define PRE	NFTRACE_HOOK_PREROUTING
#define IN	NFTRACE_HOOK_INPUT
#define FWD	NFTRACE_HOOK_FORWARD
#define OUT	NFTRACE_HOOK_OUTPUT
#define POST	NFTRACE_HOOK_POSTROUTING

/* 12:00:01.123456789 UTC: PKT_TSTAMP, the time of every first record. */
#define T0	"12:00:01.123456789"

static struct test_rec trs[8];
static struct journey_writer w;
static FILE *f;
static char *buf;
static size_t len;

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
}

static void teardown(void)
{
	fclose(f);
	free(buf);
}

static void jw_open(unsigned int hooks, unsigned int size)
{
	ck_assert_int_eq(journey_writer_init(&w, f, hooks, size), 0);
}

/* What has been printed so far. */
static const char *printed(void)
{
	fflush(f);
	return buf;
}

static void put(const struct nftrace_record *rec)
{
	ck_assert_int_eq(journey_writer_write(&w, rec, rec->len), 0);
}

static const char *closed(void)
{
	ck_assert_int_eq(journey_writer_close(&w), 0);
	return printed();
}

/*
 * rec_make()'s record with the whole header: of id, with in and out, at
 * PKT_TSTAMP + dt.
 */
static struct nftrace_record *finish(struct nftrace_record *rec, __u64 id,
				     const char *in, const char *out, __u64 dt)
{
	rec_full(rec);
	rec->packet_id = id;
	/* Names of up to 15 bytes here: NUL-terminated. */
	snprintf(rec->ifname_in, sizeof(rec->ifname_in), "%s", in);
	snprintf(rec->ifname_out, sizeof(rec->ifname_out), "%s", out);
	rec->tstamp_ns = PKT_TSTAMP + dt;
	return rec;
}

/* A TCP/IPv4 packet in record slot i. */
static struct nftrace_record *tcp4(unsigned int i, __u64 id, __u8 hook,
				   const char *in, const char *out,
				   const char *src, __u16 sport,
				   const char *dst, __u16 dport, __u8 flags,
				   __u64 dt)
{
	__u8 pkt[40];
	size_t n;

	n = pkt_ipv4(pkt, src, dst, 6, 20);
	n += pkt_tcp(pkt + n, sport, dport, 1, 0, flags, 64240);
	return finish(rec_make(&trs[i], NFTRACE_NFPROTO_IPV4, hook, pkt, n, n),
		      id, in, out, dt);
}

static struct nftrace_record *udp4(unsigned int i, __u64 id, __u8 hook,
				   const char *in, const char *out,
				   const char *src, __u16 sport,
				   const char *dst, __u16 dport, __u64 dt)
{
	__u8 pkt[40];
	size_t n;

	n = pkt_ipv4(pkt, src, dst, 17, 12);
	n += pkt_udp(pkt + n, sport, dport, 4);
	memset(pkt + n, 'x', 4);
	n += 4;
	return finish(rec_make(&trs[i], NFTRACE_NFPROTO_IPV4, hook, pkt, n, n),
		      id, in, out, dt);
}

static struct nftrace_record *drop(struct nftrace_record *rec)
{
	rec->flags |= NFTRACE_REC_F_DROP;
	return rec;
}

/* A forwarded SYN, DNAT'd at PREROUTING: FORWARD has the new address. */
START_TEST(test_forward_dnat)
{
	static const char want[] = T0 " id=7 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  PREROUTING eth0 (DNAT -> 10.1.0.5:8080) -> FORWARD -> POSTROUTING eth1\n";

	jw_open(0, 0);
	put(tcp4(0, 7, PRE, "eth0", "", "10.0.0.1", 40000, "10.0.0.9", 80,
		 0x02, 0));
	put(tcp4(0, 7, FWD, "eth0", "eth1", "10.0.0.1", 40000, "10.1.0.5",
		 8080, 0x02, 10 * US));
	put(tcp4(0, 7, POST, "", "eth1", "10.0.0.1", 40000, "10.1.0.5", 8080,
		 0x02, 20 * US));
	/* At its last hook, it waits a while for a drop record. */
	ck_assert_str_eq(printed(), "");
	journey_writer_clock(&w, PKT_TSTAMP + 20 * US + JOURNEY_DROP_WAIT_NS);
	ck_assert_str_eq(printed(), "");
	journey_writer_clock(&w, PKT_TSTAMP + 20 * US +
				 JOURNEY_DROP_WAIT_NS + 1);
	ck_assert_str_eq(printed(), want);
	ck_assert_str_eq(closed(), want);
	ck_assert_uint_eq(w.records, 3);
	ck_assert_uint_eq(w.lines, 1);
}
END_TEST

START_TEST(test_delivered)
{
	jw_open(0, 0);
	put(udp4(0, 8, PRE, "eth0", "", "10.0.0.1", 5000, "10.0.0.2", 53, 0));
	put(udp4(0, 8, IN, "eth0", "", "10.0.0.1", 5000, "10.0.0.2", 53,
		 5 * US));
	ck_assert_str_eq(closed(), T0 " id=8 udp 10.0.0.1:5000 > 10.0.0.2:53  PREROUTING eth0 -> INPUT\n");
}
END_TEST

/* Sent: OUTPUT names no interface that POSTROUTING names after it. */
START_TEST(test_sent)
{
	__u8 pkt[64];
	size_t n;

	jw_open(0, 0);
	n = pkt_ipv4(pkt, "10.0.0.2", "10.0.0.1", 1, 8);
	n += pkt_icmp(pkt + n, 8, 0, 5, 1);
	put(finish(rec_make(&trs[0], NFTRACE_NFPROTO_IPV4, OUT, pkt, n, n),
		   9, "", "eth0", 0));
	put(finish(rec_make(&trs[0], NFTRACE_NFPROTO_IPV4, POST, pkt, n, n),
		   9, "", "eth0", 3 * US));

	n = pkt_ipv6(pkt, "2001:db8::2", "2001:db8::1", 6, 20);
	n += pkt_tcp(pkt + n, 40000, 443, 1, 0, 0x02, 64240);
	put(finish(rec_make(&trs[0], NFTRACE_NFPROTO_IPV6, OUT, pkt, n, n),
		   10, "", "e\001th", 10 * US));
	put(finish(rec_make(&trs[0], NFTRACE_NFPROTO_IPV6, POST, pkt, n, n),
		   10, "", "eth0", 13 * US));
	ck_assert_str_eq(closed(),
		T0 " id=9 icmp 10.0.0.2 > 10.0.0.1 echo request id 5 seq 1  OUTPUT -> POSTROUTING eth0\n"
		"12:00:01.123466789 id=10 tcp [2001:db8::2]:40000 > [2001:db8::1]:443 [S]  OUTPUT e?th -> POSTROUTING eth0\n");
}
END_TEST

/* A drop record ends the journey at once, at the hop it was dropped. */
START_TEST(test_dropped)
{
	jw_open(0, 0);
	put(tcp4(0, 11, PRE, "eth0", "", "10.0.0.1", 40000, "10.0.0.9", 22,
		 0x02, 0));
	put(tcp4(0, 11, FWD, "eth0", "eth1", "10.0.0.1", 40000, "10.0.0.9",
		 22, 0x02, 10 * US));
	ck_assert_str_eq(printed(), "");
	put(drop(tcp4(0, 11, FWD, "eth0", "eth1", "10.0.0.1", 40000,
		      "10.0.0.9", 22, 0x02, 12 * US)));
	ck_assert_str_eq(printed(), T0 " id=11 tcp 10.0.0.1:40000 > 10.0.0.9:22 [S]  PREROUTING eth0 -> FORWARD eth1 dropped\n");

	/* At INPUT: held for the drop record, which comes. */
	put(tcp4(0, 12, PRE, "eth0", "", "10.0.0.1", 40001, "10.0.0.2", 22,
		 0x02, 0));
	put(tcp4(0, 12, IN, "eth0", "", "10.0.0.1", 40001, "10.0.0.2", 22,
		 0x02, 10 * US));
	put(drop(tcp4(0, 12, IN, "eth0", "", "10.0.0.1", 40001, "10.0.0.2",
		      22, 0x02, 50 * MS)));
	/* At PREROUTING, after DNAT there: the drop record shows it. */
	put(tcp4(0, 13, PRE, "eth0", "", "10.0.0.1", 40002, "10.0.0.9", 80,
		 0x02, 0));
	put(drop(tcp4(0, 13, PRE, "eth0", "", "10.0.0.1", 40002, "10.1.0.5",
		      8080, 0x02, 10 * US)));
	ck_assert_str_eq(closed(),
		T0 " id=11 tcp 10.0.0.1:40000 > 10.0.0.9:22 [S]  PREROUTING eth0 -> FORWARD eth1 dropped\n"
		T0 " id=12 tcp 10.0.0.1:40001 > 10.0.0.2:22 [S]  PREROUTING eth0 -> INPUT dropped\n"
		T0 " id=13 tcp 10.0.0.1:40002 > 10.0.0.9:80 [S]  PREROUTING eth0 (DNAT -> 10.1.0.5:8080) dropped\n");
}
END_TEST

/*
 * Two CPUs' journeys interleaved: a reply whose destination PREROUTING
 * restores (masquerade's un-SNAT, a DNAT as the packet sees it), and a
 * packet whose source changed after OUTPUT.
 */
START_TEST(test_interleaved)
{
	jw_open(0, 0);
	put(tcp4(0, 21, PRE, "eth1", "", "198.51.100.7", 443, "192.0.2.1",
		 5000, 0x12, 0));
	put(tcp4(1, 22, OUT, "", "eth0", "10.0.0.2", 40000, "10.0.0.1", 22,
		 0x10, 1 * US));
	put(tcp4(0, 21, FWD, "eth1", "eth0", "198.51.100.7", 443,
		 "10.0.0.5", 40000, 0x12, 2 * US));
	put(tcp4(1, 22, POST, "", "eth0", "192.0.2.1", 5000, "10.0.0.1", 22,
		 0x10, 3 * US));
	put(tcp4(0, 21, POST, "", "eth0", "198.51.100.7", 443, "10.0.0.5",
		 40000, 0x12, 4 * US));
	/* Both at their last hook: they end in the order they got there. */
	ck_assert_str_eq(closed(),
		"12:00:01.123457789 id=22 tcp 10.0.0.2:40000 > 10.0.0.1:22 [.]  OUTPUT (SNAT -> 192.0.2.1:5000) -> POSTROUTING eth0\n"
		T0 " id=21 tcp 198.51.100.7:443 > 192.0.2.1:5000 [S.]  PREROUTING eth1 (DNAT -> 10.0.0.5:40000) -> FORWARD -> POSTROUTING eth0\n");
}
END_TEST

/* No record for a second: not seen again; by the records or the clock. */
START_TEST(test_timeout)
{
	jw_open(0, 0);
	put(tcp4(0, 31, PRE, "eth0", "", "10.0.0.1", 40000, "10.0.0.9", 80,
		 0x02, 0));
	put(tcp4(0, 31, FWD, "eth0", "eth1", "10.0.0.1", 40000, "10.0.0.9",
		 80, 0x02, 1 * US));
	put(tcp4(0, 32, PRE, "eth0", "", "10.0.0.1", 40001, "10.0.0.9", 80,
		 0x02, 1 * US + JOURNEY_TIMEOUT_NS));
	ck_assert_str_eq(printed(), "");
	put(tcp4(0, 33, PRE, "eth0", "", "10.0.0.1", 40002, "10.0.0.9", 80,
		 0x02, 1 * US + JOURNEY_TIMEOUT_NS + 1));
	ck_assert_str_eq(printed(), T0 " id=31 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  PREROUTING eth0 -> FORWARD eth1 -> (not seen again)\n");
	journey_writer_clock(&w, PKT_TSTAMP + 3 * SEC);
	ck_assert_str_eq(closed(),
		T0 " id=31 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  PREROUTING eth0 -> FORWARD eth1 -> (not seen again)\n"
		"12:00:02.123457789 id=32 tcp 10.0.0.1:40001 > 10.0.0.9:80 [S]  PREROUTING eth0 -> (not seen again)\n"
		"12:00:02.123457790 id=33 tcp 10.0.0.1:40002 > 10.0.0.9:80 [S]  PREROUTING eth0 -> (not seen again)\n");
}
END_TEST

/* Where a journey can end depends on the hooks captured. */
START_TEST(test_hooks_captured)
{
	ck_assert_int_eq(journey_final(IN, NFTRACE_HOOKS_ALL), 1);
	ck_assert_int_eq(journey_final(POST, 1U << POST), 1);
	ck_assert_int_eq(journey_final(PRE, NFTRACE_HOOKS_ALL), 0);
	ck_assert_int_eq(journey_final(PRE, 1U << PRE | 1U << OUT), 1);
	ck_assert_int_eq(journey_final(PRE, 1U << PRE | 1U << POST), 0);
	ck_assert_int_eq(journey_final(FWD, 1U << PRE | 1U << FWD), 1);
	ck_assert_int_eq(journey_final(OUT, NFTRACE_HOOKS_ALL), 0);
	ck_assert_int_eq(journey_final(7, NFTRACE_HOOKS_ALL), 0);

	/* --hooks forward: each packet ends there, no "not seen again". */
	jw_open(1U << FWD, 0);
	put(tcp4(0, 41, FWD, "eth0", "eth1", "10.0.0.1", 40000, "10.0.0.9",
		 80, 0x02, 0));
	journey_writer_clock(&w, PKT_TSTAMP + JOURNEY_DROP_WAIT_NS + 1);
	ck_assert_str_eq(printed(), T0 " id=41 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  FORWARD eth1\n");
	ck_assert_int_eq(journey_writer_close(&w), 0);
}
END_TEST

/* A full table ends the journey that would end first. */
START_TEST(test_table_full)
{
	unsigned int i;

	jw_open(0, 3);
	put(udp4(0, 1, PRE, "eth0", "", "10.0.0.1", 1, "10.0.0.2", 53, 0));
	put(udp4(0, 2, PRE, "eth0", "", "10.0.0.1", 2, "10.0.0.2", 53, 1 * US));
	put(udp4(0, 2, IN, "eth0", "", "10.0.0.1", 2, "10.0.0.2", 53, 2 * US));
	put(udp4(0, 3, PRE, "eth0", "", "10.0.0.1", 3, "10.0.0.2", 53, 3 * US));
	ck_assert_str_eq(printed(), "");
	/* 2 waits 100 ms for a drop, 1 a second: 2 ends first. */
	put(udp4(0, 4, PRE, "eth0", "", "10.0.0.1", 4, "10.0.0.2", 53, 4 * US));
	ck_assert_str_eq(printed(), "12:00:01.123457789 id=2 udp 10.0.0.1:2 > 10.0.0.2:53  PREROUTING eth0 -> INPUT\n");
	put(udp4(0, 5, PRE, "eth0", "", "10.0.0.1", 5, "10.0.0.2", 53, 5 * US));
	ck_assert_str_eq(closed(),
		"12:00:01.123457789 id=2 udp 10.0.0.1:2 > 10.0.0.2:53  PREROUTING eth0 -> INPUT\n"
		T0 " id=1 udp 10.0.0.1:1 > 10.0.0.2:53  PREROUTING eth0 -> (not seen again)\n"
		"12:00:01.123459789 id=3 udp 10.0.0.1:3 > 10.0.0.2:53  PREROUTING eth0 -> (not seen again)\n"
		"12:00:01.123460789 id=4 udp 10.0.0.1:4 > 10.0.0.2:53  PREROUTING eth0 -> (not seen again)\n"
		"12:00:01.123461789 id=5 udp 10.0.0.1:5 > 10.0.0.2:53  PREROUTING eth0 -> (not seen again)\n");

	/* The tool's table: JOURNEY_TABLE_SIZE under way, then one more. */
	fclose(f);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	jw_open(0, 0);
	for (i = 1; i <= JOURNEY_TABLE_SIZE; i++)
		put(udp4(0, i, PRE, "eth0", "", "10.0.0.1", 1, "10.0.0.2", 53,
			 i));
	ck_assert_uint_eq(w.used, JOURNEY_TABLE_SIZE);
	ck_assert_str_eq(printed(), "");
	put(udp4(0, i, PRE, "eth0", "", "10.0.0.1", 1, "10.0.0.2", 53, i));
	ck_assert_str_eq(printed(), "12:00:01.123456790 id=1 udp 10.0.0.1:1 > 10.0.0.2:53  PREROUTING eth0 -> (not seen again)\n");
	ck_assert_int_eq(journey_writer_close(&w), 0);
	ck_assert_uint_eq(w.lines, JOURNEY_TABLE_SIZE + 1);
}
END_TEST

/* An old module's record (88-byte header), or id 0: a line each, at once. */
START_TEST(test_no_id)
{
	struct nftrace_record *rec;
	__u8 pkt[40];
	size_t n;

	jw_open(0, 0);
	rec = tcp4(0, 0, FWD, "eth0", "eth1", "10.0.0.1", 40000, "10.0.0.9",
		   80, 0x02, 0);
	put(rec);
	put(drop(rec));
	ck_assert_str_eq(printed(),
		T0 " id=- tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  FORWARD eth1\n"
		T0 " id=- tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  FORWARD eth1 dropped\n");

	/* A first module's: the packet where packet_id is in a longer one. */
	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.9", 6, 20);
	n += pkt_tcp(pkt + n, 40000, 80, 1, 0, 0x02, 64240);
	rec = rec_make(&trs[0], NFTRACE_NFPROTO_IPV4, PRE, pkt, n, n);
	ck_assert_uint_eq(rec->hdr_len, NFTRACE_RECORD_V1_LEN);
	ck_assert(!NFTRACE_REC_HAS(rec, packet_id));
	put(rec);
	put(rec);
	ck_assert_str_eq(closed(),
		T0 " id=- tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  FORWARD eth1\n"
		T0 " id=- tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  FORWARD eth1 dropped\n"
		T0 " id=- tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  PREROUTING eth0\n"
		T0 " id=- tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  PREROUTING eth0\n");
	ck_assert_uint_eq(w.records, 4);
}
END_TEST

/* Cut packets: what is there, and the mark where the cut is. */
START_TEST(test_truncated)
{
	struct nftrace_record *rec;

	jw_open(0, 0);
	rec = tcp4(0, 51, PRE, "eth0", "", "10.0.0.1", 40000, "10.0.0.9", 80,
		   0x02, 0);
	rec->cap_len = 30;
	rec->len = rec->hdr_len + 30;
	put(rec);
	/* Ports cut off here: the address alone is compared. */
	rec = tcp4(0, 51, FWD, "eth0", "eth1", "10.0.0.1", 40000, "10.1.0.5",
		   8080, 0x02, 1 * US);
	rec->cap_len = 22;
	rec->len = rec->hdr_len + 22;
	put(rec);
	put(drop(rec));
	rec = tcp4(0, 52, PRE, "eth0", "", "10.0.0.1", 40000, "10.0.0.9", 80,
		   0x02, 0);
	rec->cap_len = 10;
	rec->len = rec->hdr_len + 10;
	put(drop(rec));
	/* Not a packet record: skipped, counted. */
	rec->cap_len = 1000;
	ck_assert_int_eq(journey_writer_write(&w, rec, rec->len), 1);
	ck_assert_int_eq(journey_writer_write(&w, rec, 40), 1);
	ck_assert_str_eq(closed(),
		T0 " id=51 tcp 10.0.0.1:40000 > 10.0.0.9:80 [|tcp]  PREROUTING eth0 (DNAT -> 10.1.0.5) -> FORWARD eth1 dropped\n"
		T0 " id=52 [|ip]  PREROUTING eth0 dropped\n");
	ck_assert_uint_eq(w.bad, 2);
	ck_assert_uint_eq(w.records, 4);
}
END_TEST

/* A stream of journeys of every kind, some records lost (no end). */
static void put_stream(int tick)
{
	static const struct {
		__u64 id;
		__u8 hook;
		__u8 dropped;
		__u64 dt;
	} s[] = {
		{ 1, PRE, 0, 0 },
		{ 2, OUT, 0, 1 * US },
		{ 1, FWD, 0, 2 * US },
		{ 2, POST, 0, 3 * US },
		{ 3, PRE, 0, 50 * MS },
		{ 3, IN, 0, 50 * MS + 1 },
		{ 4, PRE, 0, 300 * MS },
		{ 4, FWD, 1, 300 * MS + 5 },
		{ 5, PRE, 0, 900 * MS },
		{ 6, PRE, 0, 1500 * MS },
		{ 6, IN, 0, 1500 * MS + 1 },
		{ 0, IN, 0, 1600 * MS },
		{ 7, OUT, 0, 4 * SEC },
		{ 7, POST, 0, 4 * SEC + 1 },
		{ 8, PRE, 0, 4 * SEC + 2 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct nftrace_record *rec;

		/* Live, the clock gets as far as the next record's time. */
		if (tick)
			journey_writer_clock(&w, PKT_TSTAMP + s[i].dt);
		rec = udp4(0, s[i].id, s[i].hook, "eth0", "eth1", "10.0.0.1",
			   1000 + s[i].id, "10.0.0.2", 53, s[i].dt);
		if (s[i].dropped)
			drop(rec);
		put(rec);
	}
	if (tick)
		journey_writer_clock(&w, PKT_TSTAMP + 10 * SEC);
}

START_TEST(test_live_as_file)
{
	char *file;

	jw_open(0, 0);
	put_stream(0);
	file = strdup(closed());
	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(w.lines, 9);

	fclose(f);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	jw_open(0, 0);
	put_stream(1);
	ck_assert_str_eq(closed(), file);
	free(file);
}
END_TEST

/* Records of the other families: their bytes start where link says. */
#define ETH	NFTRACE_LINK_ETHERNET
#define IP	NFTRACE_LINK_IP
#define V4	NFTRACE_NFPROTO_IPV4
#define BR	NFTRACE_NFPROTO_BRIDGE
#define ND	NFTRACE_NFPROTO_NETDEV
#define ING	NFTRACE_NETDEV_HOOK_INGRESS
#define EGR	NFTRACE_NETDEV_HOOK_EGRESS

/* A TCP/IPv4 SYN to dst:dport in pkt, behind an Ethernet header; n: its IP bytes. */
static __u8 *syn_ether(__u8 *pkt, size_t *n, const char *dst, __u16 dport)
{
	*n = pkt_ipv4(pkt, "10.0.0.1", dst, 6, 20);
	*n += pkt_tcp(pkt + *n, 40000, dport, 1, 0, 0x02, 64240);
	pkt_ether(pkt, *n, 0x0800);
	return pkt + 14;
}

/*
 * In record slot 0: n bytes of pkt of family at hook, starting at link,
 * with bridge ports pin and pout.
 */
static struct nftrace_record *hop(__u8 family, __u8 hook, __u8 link,
				  const __u8 *pkt, size_t n, __u64 id,
				  const char *in, const char *out,
				  const char *pin, const char *pout, __u64 dt)
{
	struct nftrace_record *rec;

	rec = finish(rec_make(&trs[0], family, hook, pkt, n, n), id, in, out,
		     dt);
	rec->link = link;
	snprintf(rec->phys_ifname_in, sizeof(rec->phys_ifname_in), "%s", pin);
	snprintf(rec->phys_ifname_out, sizeof(rec->phys_ifname_out), "%s",
		 pout);
	return rec;
}

/*
 * --families all: a bridged packet from netdev ingress to egress, through
 * the bridge hooks and br_netfilter's IPv4 hooks, under one id. Its ports
 * rather than the bridge device; the tuples compared across links.
 */
START_TEST(test_bridged_all)
{
	static const char want[] = T0 " id=61 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  netdev INGRESS p1 -> bridge PREROUTING -> ipv4 PREROUTING -> bridge FORWARD -> ipv4 FORWARD -> bridge POSTROUTING -> ipv4 POSTROUTING -> netdev EGRESS p2\n";
	static const char dnat[] = "12:00:01.124456789 id=62 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  netdev INGRESS p1 -> bridge PREROUTING -> ipv4 PREROUTING (DNAT -> 10.0.0.5:8080) -> bridge FORWARD -> ipv4 FORWARD p2 dropped\n";
	char want_all[sizeof(want) + sizeof(dnat)];
	__u8 e[80], e2[80], *ip, *ip2;
	size_t n, n2;

	snprintf(want_all, sizeof(want_all), "%s%s", want, dnat);
	ip = syn_ether(e, &n, "10.0.0.9", 80);
	ip2 = syn_ether(e2, &n2, "10.0.0.5", 8080);
	jw_open(0, 0);
	journey_writer_families(&w, NFTRACE_FAMILIES_ALL,
				NFTRACE_NETDEV_HOOKS_ALL);
	put(hop(ND, ING, ETH, e, n + 14, 61, "p1", "", "", "", 0));
	put(hop(BR, PRE, ETH, e, n + 14, 61, "br0", "", "p1", "", 1 * US));
	put(hop(V4, PRE, IP, ip, n, 61, "br0", "", "p1", "", 2 * US));
	put(hop(BR, FWD, ETH, e, n + 14, 61, "br0", "br0", "p1", "p2",
		3 * US));
	put(hop(V4, FWD, IP, ip, n, 61, "br0", "br0", "p1", "p2", 4 * US));
	put(hop(BR, POST, ETH, e, n + 14, 61, "", "br0", "", "p2", 5 * US));
	put(hop(V4, POST, IP, ip, n, 61, "", "br0", "", "p2", 6 * US));
	put(hop(ND, EGR, ETH, e, n + 14, 61, "", "p2", "", "", 7 * US));
	/* Egress is the last hop: it waits for a drop record alone. */
	journey_writer_clock(&w, PKT_TSTAMP + 7 * US + JOURNEY_DROP_WAIT_NS);
	ck_assert_str_eq(printed(), "");
	journey_writer_clock(&w, PKT_TSTAMP + 7 * US +
				 JOURNEY_DROP_WAIT_NS + 1);
	ck_assert_str_eq(printed(), want);

	/* DNAT'd at the IPv4 PREROUTING, as the bridge's frame shows it. */
	put(hop(ND, ING, ETH, e, n + 14, 62, "p1", "", "", "", 1 * MS));
	put(hop(BR, PRE, ETH, e, n + 14, 62, "br0", "", "p1", "", 1 * MS));
	put(hop(V4, PRE, IP, ip, n, 62, "br0", "", "p1", "", 1 * MS));
	put(hop(BR, FWD, ETH, e2, n2 + 14, 62, "br0", "br0", "p1", "p2",
		1 * MS));
	put(hop(V4, FWD, IP, ip2, n2, 62, "br0", "br0", "p1", "p2", 1 * MS));
	put(drop(hop(V4, FWD, IP, ip2, n2, 62, "br0", "br0", "p1", "p2",
		     1 * MS)));
	/* A drop record ends it at once. */
	ck_assert_str_eq(closed(), want_all);
	ck_assert_uint_eq(w.lines, 2);
}
END_TEST

/* Each ARP hook gives an id of its own: a journey of one hop. */
START_TEST(test_arp)
{
	__u8 pkt[64];
	size_t n;

	jw_open(0, 0);
	journey_writer_families(&w, NFTRACE_FAMILIES_ALL,
				NFTRACE_NETDEV_HOOKS_ALL);
	n = pkt_ether(pkt, pkt_arp(pkt, 1, "10.0.0.2"), 0x0806);
	put(hop(NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_IN, ETH, pkt, n, 71,
		"eth0", "", "", "", 0));
	/* Its last hook: a drop record could still come. */
	journey_writer_clock(&w, PKT_TSTAMP + JOURNEY_DROP_WAIT_NS);
	ck_assert_str_eq(printed(), "");
	journey_writer_clock(&w, PKT_TSTAMP + JOURNEY_DROP_WAIT_NS + 1);
	ck_assert_str_eq(printed(), T0 " id=71 arp who-has 10.0.0.2 tell 10.0.0.1  arp INPUT eth0\n");

	/* From its ARP header on (a device without Ethernet), a reply. */
	n = pkt_arp(pkt, 2, "10.0.0.2");
	put(hop(NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_OUT, NFTRACE_LINK_ARP,
		pkt, n, 72, "", "eth1", "", "", 1 * SEC));
	put(hop(NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_OUT, NFTRACE_LINK_ARP,
		pkt, 20, 73, "", "eth1", "", "", 1 * SEC));
	ck_assert_str_eq(closed(),
		T0 " id=71 arp who-has 10.0.0.2 tell 10.0.0.1  arp INPUT eth0\n"
		"12:00:02.123456789 id=72 arp reply 10.0.0.1 is-at 02:00:00:00:00:01  arp OUTPUT eth1\n"
		"12:00:02.123456789 id=73 arp [|arp]  arp OUTPUT eth1\n");
	ck_assert_int_eq(journey_hop_final(&w, NFTRACE_NFPROTO_ARP,
					   NFTRACE_ARP_HOOK_FORWARD), 1);
}
END_TEST

/*
 * --families netdev: a forwarded packet from ingress to egress; one
 * tagged (802.1Q) at ingress; one on a device without a link header;
 * a frame that is no IP.
 */
START_TEST(test_netdev_only)
{
	__u8 pkt[96], tagged[96];
	size_t n;

	jw_open(0, 0);
	journey_writer_families(&w, NFTRACE_FAMILY_NETDEV,
				NFTRACE_NETDEV_HOOKS_ALL);
	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.9", 17, 12);
	n += pkt_udp(pkt + n, 5000, 53, 4);
	memset(pkt + n, 'x', 4);
	n = pkt_ether(pkt, n + 4, 0x0800);
	/* The same frame with a VLAN tag (id 5) after the addresses. */
	memcpy(tagged, pkt, 12);
	tagged[12] = 0x81;
	tagged[13] = 0x00;
	tagged[14] = 0x00;
	tagged[15] = 0x05;
	memcpy(tagged + 16, pkt + 12, n - 12);
	put(hop(ND, ING, ETH, tagged, n + 4, 81, "eth0", "", "", "", 0));
	put(hop(ND, EGR, ETH, pkt, n, 81, "", "eth1", "", "", 5 * US));
	journey_writer_clock(&w, PKT_TSTAMP + 5 * US + JOURNEY_DROP_WAIT_NS +
				 1);
	ck_assert_str_eq(printed(), T0 " id=81 udp 10.0.0.1:5000 > 10.0.0.9:53  netdev INGRESS eth0 -> netdev EGRESS eth1\n");

	/* A tun device's IPv6 packet, delivered here: not seen again. */
	n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 6, 20);
	n += pkt_tcp(pkt + n, 40000, 22, 1, 0, 0x02, 64240);
	put(hop(ND, ING, IP, pkt, n, 82, "tun0", "", "", "", 1 * SEC));
	/* No IP in it: what the Ethernet header says. */
	n = pkt_ether(pkt, 10, 0x88cc);
	put(hop(ND, EGR, ETH, pkt, n, 83, "", "eth1", "", "", 1 * SEC));
	put(hop(ND, ING, ETH, tagged, 16, 84, "eth0", "", "", "", 1 * SEC));
	ck_assert_str_eq(closed(),
		T0 " id=81 udp 10.0.0.1:5000 > 10.0.0.9:53  netdev INGRESS eth0 -> netdev EGRESS eth1\n"
		"12:00:02.123456789 id=83 ethertype 0x88cc  netdev EGRESS eth1\n"
		"12:00:02.123456789 id=82 tcp [2001:db8::1]:40000 > [2001:db8::2]:22 [S]  netdev INGRESS tun0 -> (not seen again)\n"
		"12:00:02.123456789 id=84 [|vlan]  netdev INGRESS eth0 -> (not seen again)\n");
}
END_TEST

/*
 * --families bridge: a bridged packet ends at bridge POSTROUTING; a
 * dropped one where it is dropped. The bridge ports are shown.
 */
START_TEST(test_bridge_only)
{
	static const char want[] = T0 " id=91 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  bridge PREROUTING p1 -> bridge FORWARD -> bridge POSTROUTING p2\n";
	__u8 e[80];
	size_t n;

	jw_open(0, 0);
	journey_writer_families(&w, NFTRACE_FAMILY_BRIDGE, 0);
	syn_ether(e, &n, "10.0.0.9", 80);
	n += 14;
	put(hop(BR, PRE, ETH, e, n, 91, "br0", "", "p1", "", 0));
	put(hop(BR, FWD, ETH, e, n, 91, "br0", "br0", "p1", "p2", 1 * US));
	put(hop(BR, POST, ETH, e, n, 91, "", "br0", "", "p2", 2 * US));
	journey_writer_clock(&w, PKT_TSTAMP + 2 * US + JOURNEY_DROP_WAIT_NS);
	ck_assert_str_eq(printed(), "");
	journey_writer_clock(&w, PKT_TSTAMP + 2 * US +
				 JOURNEY_DROP_WAIT_NS + 1);
	ck_assert_str_eq(printed(), want);

	/* Dropped at bridge FORWARD; then an IPv4 drop of a hop unseen. */
	put(hop(BR, PRE, ETH, e, n, 92, "br0", "", "p1", "", 1 * SEC));
	put(hop(BR, FWD, ETH, e, n, 92, "br0", "br0", "p1", "p3", 1 * SEC));
	put(drop(hop(BR, FWD, ETH, e, n, 92, "br0", "br0", "p1", "p3",
		     1 * SEC)));
	put(hop(BR, FWD, ETH, e, n, 93, "br0", "br0", "p1", "p3", 1 * SEC));
	put(drop(hop(V4, FWD, IP, e + 14, n - 14, 93, "br0", "br0", "p1",
		     "p3", 1 * SEC)));
	ck_assert_str_eq(closed(), T0 " id=91 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  bridge PREROUTING p1 -> bridge FORWARD -> bridge POSTROUTING p2\n"
		"12:00:02.123456789 id=92 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  bridge PREROUTING p1 -> bridge FORWARD p3 dropped\n"
		"12:00:02.123456789 id=93 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  bridge FORWARD -> ipv4 FORWARD p3 dropped\n");
}
END_TEST

/*
 * Where a journey may end with other families captured: POSTROUTING
 * waits for netdev egress once one has come (a kernel before 5.16 has
 * none), bridge INPUT and POSTROUTING never do.
 */
START_TEST(test_final_families)
{
	__u8 e[80];
	size_t n;

	jw_open(0, 0);
	journey_writer_families(&w, NFTRACE_FAMILIES_ALL,
				NFTRACE_NETDEV_HOOKS_ALL);
	ck_assert_int_eq(journey_hop_final(&w, V4, POST), 1);
	ck_assert_int_eq(journey_hop_final(&w, ND, ING), 0);
	ck_assert_int_eq(journey_hop_final(&w, ND, EGR), 1);
	ck_assert_int_eq(journey_hop_final(&w, ND, 2), 0);
	ck_assert_int_eq(journey_hop_final(&w, BR, IN), 1);
	ck_assert_int_eq(journey_hop_final(&w, BR, POST), 1);
	ck_assert_int_eq(journey_hop_final(&w, BR, FWD), 0);
	ck_assert_int_eq(journey_hop_final(&w, V4, IN), 1);
	syn_ether(e, &n, "10.0.0.9", 80);
	put(hop(ND, EGR, ETH, e, n + 14, 101, "", "eth1", "", "", 0));
	ck_assert_int_eq(journey_hop_final(&w, V4, POST), 0);
	ck_assert_int_eq(journey_hop_final(&w, V4, OUT), 0);
	ck_assert_int_eq(journey_hop_final(&w, BR, POST), 1);
	ck_assert_int_eq(journey_hop_final(&w, ND, EGR), 1);

	/* Sent, and no egress for a second: not seen again. */
	put(hop(V4, OUT, IP, e + 14, n, 102, "", "eth1", "", "", 1 * MS));
	put(hop(V4, POST, IP, e + 14, n, 102, "", "eth1", "", "", 1 * MS));
	journey_writer_clock(&w, PKT_TSTAMP + 1 * MS + JOURNEY_DROP_WAIT_NS +
				 1);
	ck_assert_str_eq(printed(), T0 " id=101 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  netdev EGRESS eth1\n");
	/* Sent, and out by egress: IPv4 hooks, but not alone. */
	put(hop(V4, OUT, IP, e + 14, n, 103, "", "eth1", "", "", 1 * SEC));
	put(hop(V4, POST, IP, e + 14, n, 103, "", "eth1", "", "", 1 * SEC));
	put(hop(ND, EGR, ETH, e, n + 14, 103, "", "eth1", "", "", 1 * SEC));
	ck_assert_str_eq(closed(), T0 " id=101 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  netdev EGRESS eth1\n"
		"12:00:01.124456789 id=102 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  OUTPUT -> POSTROUTING eth1 -> (not seen again)\n"
		"12:00:02.123456789 id=103 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  ipv4 OUTPUT -> ipv4 POSTROUTING -> netdev EGRESS eth1\n");

	/* Ingress alone, of the hooks after it: it may end there. */
	jw_open(1U << OUT, 0);
	journey_writer_families(&w, NFTRACE_FAMILIES_ALL,
				1U << NFTRACE_NETDEV_HOOK_INGRESS);
	ck_assert_int_eq(journey_hop_final(&w, ND, ING), 1);
	ck_assert_int_eq(journey_hop_final(&w, ND, EGR), 1);
	ck_assert_int_eq(journey_writer_close(&w), 0);
	/* No family's hooks after it but ARP's, which give new ids. */
	jw_open(0, 0);
	journey_writer_families(&w, NFTRACE_FAMILY_NETDEV |
				NFTRACE_FAMILY_ARP,
				1U << NFTRACE_NETDEV_HOOK_INGRESS);
	ck_assert_int_eq(journey_hop_final(&w, ND, ING), 1);
	journey_writer_families(&w, NFTRACE_FAMILY_BRIDGE,
				1U << NFTRACE_NETDEV_HOOK_INGRESS);
	ck_assert_int_eq(journey_hop_final(&w, ND, ING), 0);
	ck_assert_int_eq(journey_writer_close(&w), 0);
}
END_TEST

/* Through the output interface, as nftrace-capture opens it. */
START_TEST(test_output)
{
	struct output_params p = {
		.format = OUTPUT_JOURNEY,
		.stream = f,
		.hooks = NFTRACE_HOOKS_ALL,
	};
	char err[PCAP_ERRBUF_SIZE];
	struct nftrace_record *rec;
	struct output_stats st;
	struct output out;

	ck_assert_int_eq(output_open(&out, &p, err), 0);
	ck_assert_str_eq(output_describe(&out), ", journeys");
	rec = udp4(0, 1, PRE, "eth0", "", "10.0.0.1", 1, "10.0.0.2", 53, 0);
	ck_assert_int_eq(output_write(&out, rec, rec->len), 0);
	output_clock(&out, PKT_TSTAMP + 2 * SEC);
	ck_assert_int_eq(output_flush(&out), 0);
	ck_assert_str_eq(printed(), T0 " id=1 udp 10.0.0.1:1 > 10.0.0.2:53  PREROUTING eth0 -> (not seen again)\n");
	ck_assert_int_eq(output_close(&out), 0);
	output_stats(&out, &st);
	ck_assert_uint_eq(st.written, 1);
	ck_assert_int_eq(st.error, 0);
}
END_TEST

/* nftrace-capture's families and netdev hooks reach the writer. */
START_TEST(test_output_families)
{
	struct output_params p = {
		.format = OUTPUT_JOURNEY,
		.stream = f,
		.hooks = NFTRACE_HOOKS_ALL,
		.families = NFTRACE_FAMILY_BRIDGE | NFTRACE_FAMILY_NETDEV,
		.hooks_netdev = 1U << NFTRACE_NETDEV_HOOK_INGRESS,
	};
	char err[PCAP_ERRBUF_SIZE];
	struct output out;

	ck_assert_int_eq(output_open(&out, &p, err), 0);
	ck_assert_uint_eq(out.w.journey.families, p.families);
	ck_assert_uint_eq(out.w.journey.hooks_netdev, p.hooks_netdev);
	ck_assert_int_eq(journey_hop_final(&out.w.journey, ND, ING), 0);
	ck_assert_int_eq(output_close(&out), 0);
	/* 0: IPv4 and IPv6, as before there were others. */
	p.families = 0;
	ck_assert_int_eq(output_open(&out, &p, err), 0);
	ck_assert_uint_eq(out.w.journey.families, NFTRACE_FAMILIES_INET);
	ck_assert_int_eq(output_close(&out), 0);
}
END_TEST

Suite *journey_suite(void)
{
	Suite *s = suite_create("journey");
	TCase *tc = tcase_create("journey");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_forward_dnat);
	tcase_add_test(tc, test_delivered);
	tcase_add_test(tc, test_sent);
	tcase_add_test(tc, test_dropped);
	tcase_add_test(tc, test_interleaved);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_hooks_captured);
	tcase_add_test(tc, test_table_full);
	tcase_add_test(tc, test_no_id);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_live_as_file);
	tcase_add_test(tc, test_output);
	tcase_add_test(tc, test_bridged_all);
	tcase_add_test(tc, test_arp);
	tcase_add_test(tc, test_netdev_only);
	tcase_add_test(tc, test_bridge_only);
	tcase_add_test(tc, test_final_families);
	tcase_add_test(tc, test_output_families);
	suite_add_tcase(s, tc);
	return s;
}
