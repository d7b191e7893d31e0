// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_nflog.c - the NFLOG encoding (user/nflog.c): exact bytes, and a
 * pcap that tshark must dissect into the hook, prefix and addresses.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../user/nflog.h"
#include "../../user/pcap_writer.h"
#include "pkt.h"
#include "suites.h"

static struct test_rec tr;
static __u8 pkt[256];

/* A TLV header as the writer's host lays it out. */
static __u8 *tlvh(__u8 *p, __u16 len, __u16 type)
{
	memcpy(p, &len, 2);
	memcpy(p + 2, &type, 2);
	return p + 4;
}

START_TEST(test_encode_ipv4)
{
	__u8 out[NFLOG_HDR_MAX + 256], want[128] = { 0 }, *w = want;
	struct nftrace_record *rec;
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 6, 0);

	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV4, NFTRACE_HOOK_INPUT, pkt, n,
		       n);
	rec->mark = 0x11223344;

	/* Header: AF_INET, version 0, resource id 0. */
	*w++ = 2;
	*w++ = 0;
	*w++ = 0;
	*w++ = 0;
	/* NFULA_PACKET_HDR: hw_protocol 0x0800 big-endian, hook, pad. */
	w = tlvh(w, 8, 1);
	*w++ = 0x08;
	*w++ = 0x00;
	*w++ = NFTRACE_HOOK_INPUT;
	*w++ = 0;
	/* NFULA_PREFIX: 22 characters and the NUL, padded to 24. */
	w = tlvh(w, 4 + 23, 10);
	memcpy(w, "INPUT netns=4026531840", 23);
	w += 24;
	/* NFULA_IFINDEX_INDEV 2; no OUTDEV (0 means none). */
	w = tlvh(w, 8, 4);
	*w++ = 0;
	*w++ = 0;
	*w++ = 0;
	*w++ = 2;
	/* NFULA_MARK, big-endian. */
	w = tlvh(w, 8, 2);
	*w++ = 0x11;
	*w++ = 0x22;
	*w++ = 0x33;
	*w++ = 0x44;
	/* NFULA_PAYLOAD: the 20 bytes. */
	w = tlvh(w, 24, 9);
	memcpy(w, pkt, 20);
	w += 20;

	ck_assert_uint_eq(w - want, 80);
	ck_assert_uint_eq(nflog_encode(out, sizeof(out), rec, pkt, 20), 80);
	ck_assert_mem_eq(out, want, 80);
}
END_TEST

START_TEST(test_encode_ipv6_padding)
{
	__u8 out[NFLOG_HDR_MAX + 256];
	struct nftrace_record *rec;
	size_t n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 17, 3);
	__u16 len, type;

	memset(pkt + n, 0xee, 3);
	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV6, NFTRACE_HOOK_POSTROUTING,
		       pkt, n + 3, n + 3);
	rec->ifindex_in = 0;
	rec->ifindex_out = 7;
	rec->netns = 1;
	/* 4 + 8 + (4 + 20) + 8 (OUTDEV) + 8 + (4 + 43 + 1 pad) = 100 */
	ck_assert_uint_eq(nflog_encode(out, sizeof(out), rec, pkt, n + 3),
			  100);
	ck_assert_int_eq(out[0], 10);			/* AF_INET6 */
	ck_assert_int_eq(out[8], 0x86);
	ck_assert_int_eq(out[9], 0xdd);
	ck_assert_int_eq(out[10], NFTRACE_HOOK_POSTROUTING);
	/* "POSTROUTING netns=1" + NUL = 20: no padding needed. */
	memcpy(&len, out + 12, 2);
	memcpy(&type, out + 14, 2);
	ck_assert_uint_eq(len, 24);
	ck_assert_uint_eq(type, 10);
	ck_assert_str_eq((char *)out + 16, "POSTROUTING netns=1");

	/* A drop record says so at the end of the prefix. */
	rec->flags = NFTRACE_REC_F_DROP;
	ck_assert_uint_eq(nflog_encode(out, sizeof(out), rec, pkt, n + 3),
			  108);
	ck_assert_str_eq((char *)out + 16, "POSTROUTING netns=1 dropped");
	rec->flags = 0;
	ck_assert_uint_eq(nflog_encode(out, sizeof(out), rec, pkt, n + 3),
			  100);
	memcpy(&type, out + 38, 2);
	ck_assert_uint_eq(type, 5);			/* OUTDEV */
	ck_assert_int_eq(out[43], 7);
	memcpy(&len, out + 52, 2);
	memcpy(&type, out + 54, 2);
	ck_assert_uint_eq(len, 4 + 43);
	ck_assert_uint_eq(type, 9);
	ck_assert_mem_eq(out + 56, pkt, 43);
	ck_assert_int_eq(out[99], 0);			/* the pad */
}
END_TEST

/*
 * Bridge ports (a record with the whole header) as NFULA_IFINDEX_PHYS*
 * after the devices; the longest header NFLOG_HDR_MAX says.
 */
START_TEST(test_encode_bridge_ports)
{
	__u8 out[NFLOG_HDR_MAX + 256], *p;
	struct nftrace_record *rec;
	__u16 len, type;
	size_t n;

	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_IPV4,
				NFTRACE_HOOK_POSTROUTING, pkt, 20, 20));
	rec->flags = NFTRACE_REC_F_DROP;
	rec->netns = 4294967295U;
	rec->ifindex_out = 9;
	rec->phys_ifindex_in = 0x01020304;
	rec->phys_ifindex_out = 5;
	rec->packet_id = 77;
	n = nflog_encode(out, sizeof(out), rec, pkt, 20);
	ck_assert_uint_eq(n, NFLOG_HDR_MAX + 20);
	ck_assert_str_eq((char *)out + 16, "POSTROUTING netns=4294967295 dropped");
	/* Header 4, packet header 8, prefix 4 + 37 + 3, INDEV, OUTDEV. */
	p = out + 4 + 8 + 44 + 8 + 8;
	memcpy(&len, p, 2);
	memcpy(&type, p + 2, 2);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(type, 6);			/* PHYSINDEV */
	ck_assert_mem_eq(p + 4, "\x01\x02\x03\x04", 4);
	memcpy(&type, p + 10, 2);
	ck_assert_uint_eq(type, 7);			/* PHYSOUTDEV */
	ck_assert_int_eq(p[15], 5);
	memcpy(&type, p + 18, 2);
	ck_assert_uint_eq(type, 2);			/* MARK */

	/* None: no TLVs; nor in a header without them (the packet's). */
	rec->phys_ifindex_in = 0;
	rec->phys_ifindex_out = 0;
	ck_assert_uint_eq(nflog_encode(out, sizeof(out), rec, pkt, 20),
			  NFLOG_HDR_MAX - 16 + 20);
	memset(pkt, 0xff, 64);		/* where the fields would be */
	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV4, NFTRACE_HOOK_INPUT, pkt, 64,
		       64);
	ck_assert_uint_eq(nflog_encode(out, sizeof(out), rec, pkt, 20),
			  4 + 8 + 28 + 8 + 8 + 24);
}
END_TEST

START_TEST(test_encode_limits)
{
	static __u8 big[70000], out[NFLOG_HDR_MAX + 70000];
	struct nftrace_record *rec;
	__u16 len;
	size_t n;

	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV4, 9, pkt, 20, 20);
	/* Too small a buffer: nothing. */
	ck_assert_uint_eq(nflog_encode(out, NFLOG_HDR_MAX + 20, rec, pkt, 20),
			  0);
	ck_assert_uint_eq(nflog_encode(out, 10, rec, pkt, 0), 0);
	/* Unknown hook numbers still make a prefix. */
	n = nflog_encode(out, sizeof(out), rec, pkt, 20);
	ck_assert_uint_gt(n, 0);
	ck_assert_str_eq((char *)out + 16, "hook9 netns=4026531840");
	/* 65535 bytes do not fit a TLV's 16-bit length: 65531 do. */
	n = nflog_encode(out, sizeof(out), rec, big, 65535);
	memcpy(&len, out + n - 65532 - 4, 2);
	ck_assert_uint_eq(len, 0xffff);
	ck_assert_uint_le(n, NFLOG_HDR_MAX + 65535);
}
END_TEST

static int have_tshark(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* Run cmd, return its whole stdout (static). */
static const char *run(const char *cmd)
{
	static char out[8192];
	size_t n = 0, r;
	FILE *f = popen(cmd, "r");

	ck_assert_ptr_nonnull(f);
	while ((r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	return out;
}

static void write_two(const char *path, int linktype)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_writer w;
	struct nftrace_record *rec;
	size_t n;

	ck_assert_msg(pcap_writer_open(&w, path, linktype, 128, err) == 0,
		      "%s", err);
	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 6, 20);
	n += pkt_tcp(pkt + n, 22, 49827, 1, 0, 0x02, 64240);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_IPV4,
				NFTRACE_HOOK_PREROUTING, pkt, n, n));
	rec->mark = 5;
	rec->phys_ifindex_in = 6;	/* under a bridge */
	ck_assert_int_eq(pcap_writer_write(&w, rec, rec->len), 0);

	n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 17, 8);
	n += pkt_udp(pkt + n, 53, 4000, 0);
	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV6, NFTRACE_HOOK_OUTPUT, pkt, n,
		       n);
	rec->tstamp_ns += 1000;
	rec->netns = 4026532000U;
	rec->ifindex_in = 0;
	rec->ifindex_out = 3;
	ck_assert_int_eq(pcap_writer_write(&w, rec, rec->len), 0);
	ck_assert_int_eq(pcap_writer_close(&w), 0);
}

START_TEST(test_tshark_nflog)
{
	char path[] = "/tmp/nftrace-nflog-XXXXXX.pcap", cmd[512];
	int fd;

	/* No tshark is a failure, not a pass: tools/install-deps.sh has it. */
	ck_assert_msg(have_tshark(),
		      "tshark not found: tools/install-deps.sh installs it");
	fd = mkstemps(path, 5);
	ck_assert_int_ge(fd, 0);
	close(fd);
	write_two(path, DLT_NFLOG);

	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator=, -e nflog.hook -e nflog.prefix -e ip.src -e ip.dst 2>/dev/null",
		 path);
	ck_assert_str_eq(run(cmd),
		"0,PREROUTING netns=4026531840,10.0.0.1,10.0.0.2\n"
		"3,OUTPUT netns=4026532000,,\n");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator=, -e nflog.protocol -e nflog.ifindex_indev -e nflog.ifindex_outdev -e ipv6.src -e ipv6.dst -e tcp.dstport -e udp.srcport -e frame.time_epoch 2>/dev/null",
		 path);
	ck_assert_str_eq(run(cmd),
		"0x0800,2,,,,49827,,1704110401.123456789\n"
		"0x86dd,,3,2001:db8::1,2001:db8::2,,53,1704110401.123457789\n");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator=, -e nflog.ifindex_physindev -e nflog.ifindex_physoutdev 2>/dev/null",
		 path);
	ck_assert_str_eq(run(cmd), "6,\n,\n");
	unlink(path);
}
END_TEST

START_TEST(test_tshark_raw)
{
	char path[] = "/tmp/nftrace-raw-XXXXXX.pcap", cmd[512];
	int fd;

	/* No tshark is a failure, not a pass: tools/install-deps.sh has it. */
	ck_assert_msg(have_tshark(),
		      "tshark not found: tools/install-deps.sh installs it");
	fd = mkstemps(path, 5);
	ck_assert_int_ge(fd, 0);
	close(fd);
	write_two(path, DLT_RAW);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator=, -e frame.encap_type -e ip.src -e ipv6.dst -e tcp.flags.syn 2>/dev/null",
		 path);
	ck_assert_str_eq(run(cmd), "7,10.0.0.1,,1\n7,,2001:db8::2,\n");
	unlink(path);
}
END_TEST

Suite *nflog_suite(void)
{
	Suite *s = suite_create("nflog");
	TCase *tc = tcase_create("encode");
	TCase *ts = tcase_create("tshark");

	tcase_add_test(tc, test_encode_ipv4);
	tcase_add_test(tc, test_encode_ipv6_padding);
	tcase_add_test(tc, test_encode_bridge_ports);
	tcase_add_test(tc, test_encode_limits);
	suite_add_tcase(s, tc);

	tcase_set_timeout(ts, 60);
	tcase_add_test(ts, test_tshark_nflog);
	tcase_add_test(ts, test_tshark_raw);
	suite_add_tcase(s, ts);
	return s;
}
