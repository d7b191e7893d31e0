// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_pcapng.c - the pcapng writer (user/pcapng_writer.c) read back by
 * others, never by a parser of ours: libpcap (pcap_next_ex, a compiled
 * "tcp port 80"), tshark's fields, capinfos and tcpdump. One interface
 * per hook, netns and family, named after the hook; direction, comment
 * and drop counts per packet; statistics at close; a file that stays
 * valid when the disk fills up; random records and hostile names.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "../../kmod/nftrace_fmt.h"
#include "../../user/pcapng_writer.h"
#include "pkt.h"
#include "suites.h"
#include "tools.h"

#define NR_RECS		6
#define SNAPLEN		128

static struct test_rec tr;
static char path[64];
static char out[1 << 16];

static void setup(void)
{
	int fd;

	strcpy(path, "/tmp/nftrace-pcapng-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

/* An IPv4 TCP packet of 100 bytes, or IPv6 UDP, into pkt. */
static size_t make_pkt(__u8 *pkt, int v6, __u16 sport, __u16 dport)
{
	size_t n;

	if (v6) {
		n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 17, 60);
		n += pkt_udp(pkt + n, sport, dport, 52);
		memset(pkt + n, 0x55, 52);
		return n + 52;
	}
	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 6, 80);
	n += pkt_tcp(pkt + n, sport, dport, 1, 0, 0x18, 512);
	memset(pkt + n, 0xaa, 60);
	return n + 60;
}

/*
 * The six records every test writes: each hook once, INPUT again in
 * another netns; a truncated one, a hostile output name, a drop.
 */
static struct nftrace_record *rec_i(unsigned int i, __u8 *pkt)
{
	static const __u8 hooks[NR_RECS] = {
		NFTRACE_HOOK_PREROUTING, NFTRACE_HOOK_INPUT,
		NFTRACE_HOOK_FORWARD, NFTRACE_HOOK_OUTPUT,
		NFTRACE_HOOK_POSTROUTING, NFTRACE_HOOK_INPUT,
	};
	static const __u16 dports[NR_RECS] = { 80, 80, 53, 22, 80, 443 };
	struct nftrace_record *rec;
	int v6 = i == 2;
	size_t n = make_pkt(pkt, v6, 40000, dports[i]);

	rec = rec_make(&tr, v6 ? NFTRACE_NFPROTO_IPV6 : NFTRACE_NFPROTO_IPV4,
		       hooks[i], pkt, i == 1 ? 60 : (__u32)n, (__u32)n);
	rec->tstamp_ns = PKT_TSTAMP + i * 1000ULL;
	rec->seq = i;
	if (i == 2) {
		rec->cpu = 0;
		rec->mark = 0xdeadbeef;
		rec->ifindex_out = 7;
		memcpy(rec->ifname_out, "we\"ird\\\x01\xff", 9);
	}
	if (i == 3 || i == 4) {
		rec->ifindex_in = 0;
		rec->ifname_in[0] = '\0';
		rec->ifindex_out = 3;
		strcpy(rec->ifname_out, "eth1");
	}
	if (i == 4)
		rec->flags = NFTRACE_REC_F_DROP;
	if (i == 5)
		rec->netns = PKT_NETNS + 1;
	return rec;
}

static void write_recs(void)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcapng_writer w;
	__u8 pkt[256];
	unsigned int i;

	ck_assert_msg(pcapng_writer_open(&w, path, SNAPLEN, "nftrace-test",
					 err) == 0, "%s", err);
	for (i = 0; i < NR_RECS; i++) {
		struct nftrace_record *rec = rec_i(i, pkt);

		if (i == 4)	/* 3 lost on ring 1 just before it */
			pcapng_writer_lost(&w, 1, 3);
		ck_assert_int_eq(pcapng_writer_write(&w, rec, rec->len), 0);
	}
	pcapng_writer_lost(&w, 0, 2);	/* after the last packet of cpu0 */
	ck_assert_uint_eq(w.packets, NR_RECS);
	ck_assert_uint_eq(w.nr_ifs, NR_RECS);
	ck_assert_int_eq(pcapng_writer_close(&w), 0);
}

static pcap_t *open_back(void)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "%s", err);
	return p;
}

START_TEST(test_libpcap_reads_back)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	__u8 pkt[256];
	unsigned int i;
	pcap_t *p;

	write_recs();
	p = open_back();
	ck_assert_int_eq(pcap_datalink(p), DLT_RAW);
	ck_assert_int_eq(pcap_snapshot(p), SNAPLEN);
	for (i = 0; i < NR_RECS; i++) {
		struct nftrace_record *rec = rec_i(i, pkt);

		ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
		ck_assert_uint_eq(h->caplen, rec->cap_len);
		ck_assert_uint_eq(h->len, i == 2 ? 100 : 100);
		ck_assert_int_eq(h->ts.tv_sec, 1704110401);
		ck_assert_int_eq(h->ts.tv_usec, 123456789 + i * 1000);
		ck_assert_mem_eq(data, pkt, rec->cap_len);
	}
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}
END_TEST

/* libpcap compiles a filter for the file's link type and runs it. */
START_TEST(test_libpcap_filters)
{
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int i = 0, match = 0;
	pcap_t *p;

	write_recs();
	p = open_back();
	ck_assert_int_eq(pcap_compile(p, &prog, "tcp port 80", 1,
				      PCAP_NETMASK_UNKNOWN), 0);
	while (pcap_next_ex(p, &h, &data) == 1) {
		if (pcap_offline_filter(&prog, h, data))
			match |= 1U << i;
		i++;
	}
	ck_assert_uint_eq(i, NR_RECS);
	ck_assert_uint_eq(match, 1U << 0 | 1U << 1 | 1U << 4);
	pcap_freecode(&prog);
	pcap_close(p);
}
END_TEST

START_TEST(test_tcpdump_filters)
{
	char cmd[256];

	tool_require("tcpdump");
	snprintf(cmd, sizeof(cmd),
		 "tcpdump -nq -r %s 'tcp port 80' 2>/dev/null | cut -d' ' -f2-",
		 path);
	write_recs();
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"IP 10.0.0.1.40000 > 10.0.0.2.80: tcp 60\n"
		"IP 10.0.0.1.40000 > 10.0.0.2.80: tcp 60\n"
		"IP 10.0.0.1.40000 > 10.0.0.2.80: tcp 60\n");
}
END_TEST

/* Every per-packet field as tshark decodes it. */
START_TEST(test_tshark_fields)
{
	char cmd[512];

	tool_require("tshark");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator='|' -e frame.interface_id -e frame.interface_name -e frame.interface_description -e frame.packet_flags_direction -e frame.drop_count -e frame.len -e frame.cap_len -e frame.time_epoch -e frame.comment",
		 path);
	write_recs();
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"0|PREROUTING|netns=4026531840 family=ipv4|0x00000001||100|100|1704110401.123456789|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1\n"
		"1|INPUT|netns=4026531840 family=ipv4|0x00000001||100|60|1704110401.123457789|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1\n"
		"2|FORWARD|netns=4026531840 family=ipv6|0x00000000||100|100|1704110401.123458789|in=eth0 in_ifindex=2 out=we\"ird\\x5c\\x01\\xff out_ifindex=7 mark=0xdeadbeef cpu=0\n"
		"3|OUTPUT|netns=4026531840 family=ipv4|0x00000002||100|100|1704110401.123459789|in=- in_ifindex=0 out=eth1 out_ifindex=3 mark=0x0 cpu=1\n"
		"4|POSTROUTING|netns=4026531840 family=ipv4|0x00000002|3|100|100|1704110401.123460789|in=- in_ifindex=0 out=eth1 out_ifindex=3 mark=0x0 cpu=1 dropped\n"
		"5|INPUT|netns=4026531841 family=ipv4|0x00000001||100|100|1704110401.123461789|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1\n");
}
END_TEST

/*
 * The fields past NFTRACE_RECORD_V1_LEN as tshark reads them: the id in
 * epb_packetid (frame.packet_id) and in the comment, the other words
 * after cpu=, each only when the header has it; a record of the first
 * modules' header written as before.
 */
START_TEST(test_tshark_new_fields)
{
	char err[PCAP_ERRBUF_SIZE], cmd[512];
	struct nftrace_record *rec;
	struct pcapng_writer w;
	__u8 pkt[256];
	unsigned int i;

	tool_require("tshark");
	ck_assert_msg(pcapng_writer_open(&w, path, SNAPLEN, "nftrace-test",
					 err) == 0, "%s", err);
	for (i = 0; i < 5; i++) {
		rec = rec_i(0, pkt);
		switch (i) {
		case 0:
			rec_later_fields(rec);
			rec->phys_ifindex_in = 4;
			strcpy(rec->phys_ifname_in, "veth1");
			rec->phys_ifindex_out = 5;
			strcpy(rec->phys_ifname_out, "b r\\");
			break;
		case 1:
			rec_full(rec);	/* all 0: "ct=none" alone */
			break;
		case 2:
			rec_hdr_len(rec, 104);	/* up to the cookie */
			rec->packet_id = 8;
			rec->netns_cookie = 1;
			break;
		case 3:
			break;		/* the first modules' header */
		case 4:
			rec_full(rec);
			rec->flags = NFTRACE_REC_F_DROP;
			rec->packet_id = ~0ULL;
			rec->ct_state = NFTRACE_CT_NEW;
			rec->ct_dir = NFTRACE_CT_DIR_REPLY;
			rec->ct_status = NFTRACE_IPS_SRC_NAT;
			break;
		}
		ck_assert_int_eq(pcapng_writer_write(&w, rec, rec->len), 0);
	}
	ck_assert_int_eq(pcapng_writer_close(&w), 0);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator='|' -e frame.packet_id -e frame.cap_len -e frame.comment",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"7|100|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1 id=7 netns_cookie=9007199254740993 ct=established,reply,dnat ct_status=0x12e ct_zone=3 ct_mark=0x2a phys_in=veth1 phys_in_ifindex=4 phys_out=b\\x20r\\x5c phys_out_ifindex=5\n"
		"|100|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1 ct=none\n"
		"8|100|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1 id=8 netns_cookie=1\n"
		"|100|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1\n"
		"18446744073709551615|100|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1 id=18446744073709551615 ct=new,reply,snat ct_status=0x10 dropped\n");
}
END_TEST

/* The file as a whole, and the statistics blocks, as capinfos sees them. */
START_TEST(test_capinfos)
{
	char cmd[256];

	tool_require("capinfos");
	snprintf(cmd, sizeof(cmd),
		 "capinfos %s | grep -E '^(File type|File encapsulation|Number of packets|Capture application|Number of interfaces)|(Name|Number of stat entries|Number of packets|Time precision) = ' | tr -s ' '",
		 path);
	write_recs();
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"File type: Wireshark/... - pcapng\n"
		"File encapsulation: Raw IP\n"
		"Number of packets: 6\n"
		"Capture application: nftrace-test\n"
		"Number of interfaces in file: 6\n"
		" Name = PREROUTING\n Time precision = nanoseconds (9)\n Number of stat entries = 1\n Number of packets = 1\n"
		" Name = INPUT\n Time precision = nanoseconds (9)\n Number of stat entries = 1\n Number of packets = 1\n"
		" Name = FORWARD\n Time precision = nanoseconds (9)\n Number of stat entries = 1\n Number of packets = 1\n"
		" Name = OUTPUT\n Time precision = nanoseconds (9)\n Number of stat entries = 1\n Number of packets = 1\n"
		" Name = POSTROUTING\n Time precision = nanoseconds (9)\n Number of stat entries = 1\n Number of packets = 1\n"
		" Name = INPUT\n Time precision = nanoseconds (9)\n Number of stat entries = 1\n Number of packets = 1\n");
}
END_TEST

/*
 * The statistics blocks' options, from tshark's dissection of the file's
 * blocks (read as "MIME Files Format": the whole file one frame).
 */
START_TEST(test_isb_options)
{
	char cmd[512];

	tool_require("tshark");
	write_recs();
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -X 'read_format:MIME Files Format' -T fields -e pcapng.options.option.data.interface.received",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1,1,1,1,1,1\n");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -X 'read_format:MIME Files Format' -T fields -e pcapng.options.option.data.comment | tr , '\\n' | grep records | uniq -c | tr -s ' '",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, " 6 records lost to full rings in all interfaces: 5 (each in the epb_dropcount of the next packet of its cpu); after the last packet of their cpu: 2\n");
}
END_TEST

/* A full disk: what is on disk reads to its end, every packet whole. */
START_TEST(test_disk_full_keeps_whole_blocks)
{
	struct rlimit rl = { 4000, 4000 }, old;
	char err[PCAP_ERRBUF_SIZE];
	struct pcapng_writer w;
	struct pcap_pkthdr *h;
	const u_char *data;
	__u8 pkt[256];
	unsigned int i;
	long n = 0;
	pcap_t *p;
	int r;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ck_assert_msg(pcapng_writer_open(&w, path, SNAPLEN, NULL, err) == 0,
		      "%s", err);
	for (i = 0; i < 100; i++) {
		struct nftrace_record *rec = rec_i(i % NR_RECS, pkt);

		pcapng_writer_write(&w, rec, rec->len);
		if (i % 7 == 6)
			pcapng_writer_flush(&w);
	}
	ck_assert_int_eq(pcapng_writer_close(&w), -1);
	ck_assert_int_eq(w.error, EFBIG);
	ck_assert_uint_gt(w.good_packets, 0);
	ck_assert_uint_lt(w.good_packets, 100);
	setrlimit(RLIMIT_FSIZE, &old);

	p = open_back();
	while ((r = pcap_next_ex(p, &h, &data)) == 1)
		n++;
	ck_assert_msg(r == PCAP_ERROR_BREAK, "%s", pcap_geterr(p));
	ck_assert_int_eq(n, (long)w.good_packets);
	pcap_close(p);
}
END_TEST

START_TEST(test_open_full_device)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcapng_writer w;

	ck_assert_int_eq(pcapng_writer_open(&w, "/dev/full", SNAPLEN, NULL,
					    err), -1);
	ck_assert_str_eq(err, "/dev/full: No space left on device");
}
END_TEST

static __u32 rnd(__u32 n)
{
	return (__u32)random() % n;
}

/*
 * Random records: any hook and family, hostile names of 16 bytes with no
 * NUL, random lengths, snaplens and losses, some records not packets.
 * libpcap reads every packet back as written; tshark reads the file
 * without complaint.
 */
START_TEST(test_fuzz_random_records)
{
	static __u32 want_len[4000], want_cap[4000];
	static __u8 pkt[2048];
	char err[PCAP_ERRBUF_SIZE], cmd[256];
	unsigned int i, snaplen, nr = 0, r;
	struct pcapng_writer w;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	srandom(12345 + (unsigned int)_i);
	snaplen = 1 + rnd(1600);
	ck_assert_msg(pcapng_writer_open(&w, path, snaplen, "x", err) == 0,
		      "%s", err);
	for (i = 0; i < 4000; i++) {
		__u32 cap = rnd(1500), k;
		struct nftrace_record *rec;

		for (k = 0; k < cap; k++)
			pkt[k] = (__u8)random();
		rec = rec_make(&tr, rnd(3) ? (rnd(2) ? 2 : 10) : (__u8)rnd(256),
			       (__u8)rnd(8), pkt, cap, rnd(70000));
		rec->netns = PKT_NETNS + rnd(3);
		rec->cpu = (__u16)rnd(5);
		rec->mark = (__u32)random();
		rec->flags = rnd(2);
		rec->ifindex_in = (__s32)random();
		rec->ifindex_out = -(__s32)rnd(1000);
		for (k = 0; k < NFTRACE_IFNAMSIZ; k++) {
			rec->ifname_in[k] = (char)(1 + rnd(255));
			rec->ifname_out[k] = (char)rnd(256);
		}
		/* Half with the whole header: every later field at random. */
		if (rnd(2)) {
			rec_full(rec);
			rec->packet_id = (__u64)random() << 32 | random();
			rec->netns_cookie = ~0ULL - rnd(3);
			rec->ct_state = (__u8)rnd(256);
			rec->ct_dir = (__u8)rnd(256);
			rec->ct_status = (__u32)random();
			rec->ct_zone = (__u16)random();
			rec->ct_mark = (__u32)random();
			rec->phys_ifindex_in = (__s32)random();
			rec->phys_ifindex_out = -(__s32)rnd(1000);
			for (k = 0; k < NFTRACE_IFNAMSIZ; k++) {
				rec->phys_ifname_in[k] = (char)(1 + rnd(255));
				rec->phys_ifname_out[k] = (char)(1 + rnd(255));
			}
		}
		if (!rnd(50))
			rec->type = 99;		/* no packet: skipped */
		if (!rnd(20))
			pcapng_writer_lost(&w, rnd(8), 1 + rnd(1000));
		r = pcapng_writer_write(&w, rec, rec->len);
		if (rec->type == 99) {
			ck_assert_int_eq(r, 1);
			continue;
		}
		ck_assert_int_eq(r, 0);
		want_cap[nr] = cap < snaplen ? cap : snaplen;
		want_len[nr] = rec->orig_len > want_cap[nr] ? rec->orig_len :
							     want_cap[nr];
		nr++;
	}
	ck_assert_uint_eq(w.packets, nr);
	ck_assert_int_eq(pcapng_writer_close(&w), 0);

	p = open_back();
	for (i = 0; i < nr; i++) {
		ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
		ck_assert_uint_eq(h->caplen, want_cap[i]);
		ck_assert_uint_eq(h->len, want_len[i]);
	}
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);

	tool_require("tshark");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -e frame.number 2>&1 >/dev/null | grep -v '^Running as user'",
		 path);
	/* grep's status 1: it found nothing else to say. */
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "");
}
END_TEST

/* What the tool prints (stdout and stderr) of -r path with args. */
static const char *tool_reads(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "TZ=UTC %s -r %s %s 2>&1", NFTRACE_TOOL,
		 path, args);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	return out;
}

/* The tool end to end: -F pcapng against the fake device. */
/*
 * Bridge and ARP records: interfaces of link type Ethernet, and cooked
 * (SLL) for ARP without Ethernet, as tshark dissects them; the tool's -r
 * gives each record back as it was written (its text line).
 */
START_TEST(test_link_types)
{
	char err[PCAP_ERRBUF_SIZE], cmd[512], want[3 * NFTRACE_LINE_MAX];
	struct pcapng_writer w;
	struct nftrace_record *rec;
	size_t n, len = 0;
	__u8 pkt[256];
	int i;

	ck_assert_msg(pcapng_writer_open(&w, path, SNAPLEN, "nftrace-test",
					 err) == 0, "%s", err);
	for (i = 0; i < 3; i++) {
		if (i == 0) {
			__u32 sum = 0;
			int k;

			n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 1, 8);
			pkt_icmp(pkt + n, 8, 0, 7, 1);
			/* Its checksum, that tshark checks. */
			for (k = 0; k < 8; k += 2)
				sum += pkt[n + k] << 8 | pkt[n + k + 1];
			sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
			pkt[n + 2] = sum >> 8;
			pkt[n + 3] = sum & 0xff;
			n = pkt_ether(pkt, n + 8, 0x0800);
			rec = rec_make(&tr, NFTRACE_NFPROTO_BRIDGE,
				       NFTRACE_HOOK_FORWARD, pkt, n, n);
		} else {
			n = pkt_arp(pkt, i, "10.0.0.254");
			if (i == 1)
				n = pkt_ether(pkt, n, 0x0806);
			rec = rec_make(&tr, NFTRACE_NFPROTO_ARP, i == 1 ?
				       NFTRACE_ARP_HOOK_OUT : NFTRACE_ARP_HOOK_IN,
				       pkt, n, n);
		}
		rec = rec_full(rec);
		rec->link = i == 2 ? NFTRACE_LINK_ARP : NFTRACE_LINK_ETHERNET;
		rec->packet_id = 10 + i;
		if (i == 0) {
			strcpy(rec->ifname_in, "br0");
			strcpy(rec->phys_ifname_in, "p1");
			rec->phys_ifindex_in = 5;
		}
		ck_assert_int_eq(pcapng_writer_write(&w, rec, rec->len), 0);
		len += nftrace_fmt_record(want + len, sizeof(want) - len, rec,
					  rec->len, 0);
	}
	ck_assert_uint_eq(w.nr_ifs, 3);
	ck_assert_int_eq(pcapng_writer_close(&w), 0);

	tool_require("tshark");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator='|' -e frame.interface_name -e frame.interface_description -e frame.protocols -e frame.len -e frame.packet_flags_direction -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 -e _ws.expert.severity",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"FORWARD|netns=4026531840 family=bridge|eth:ethertype:ip:icmp|42|0x00000000|||1048576\n"
		"OUTPUT|netns=4026531840 family=arp|eth:ethertype:arp|42|0x00000002|10.0.0.1|10.0.0.254|1048576\n"
		"INPUT|netns=4026531840 family=arp|sll:ethertype:arp|44|0x00000001|10.0.0.1|10.0.0.254|1048576\n");

	ck_assert_str_eq(tool_reads("--families all"), want);
}
END_TEST

/*
 * netdev records: an Ethernet device's frame at INGRESS on an Ethernet
 * interface, a wireguard device's IP packet at EGRESS on a raw one, with
 * their directions; -r gives them back, selected by --hooks and -i.
 */
START_TEST(test_netdev)
{
	char err[PCAP_ERRBUF_SIZE], cmd[512], want[2 * NFTRACE_LINE_MAX];
	char egress[NFTRACE_LINE_MAX];
	struct pcapng_writer w;
	struct nftrace_record *rec;
	size_t n, len = 0, first = 0;
	__u8 pkt[256];
	int i;

	ck_assert_msg(pcapng_writer_open(&w, path, SNAPLEN, "nftrace-test",
					 err) == 0, "%s", err);
	for (i = 0; i < 2; i++) {
		n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);
		n += pkt_udp(pkt + n, 53, 1024, 0);
		if (i == 0)
			n = pkt_ether(pkt, n, 0x0800);
		rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_NETDEV, i ?
					NFTRACE_NETDEV_HOOK_EGRESS :
					NFTRACE_NETDEV_HOOK_INGRESS, pkt, n, n));
		rec->link = i ? NFTRACE_LINK_IP : NFTRACE_LINK_ETHERNET;
		rec->packet_id = 20 + i;
		if (i) {
			rec->ifindex_in = 0;
			memset(rec->ifname_in, 0, NFTRACE_IFNAMSIZ);
			rec->ifindex_out = 9;
			strcpy(rec->ifname_out, "wg0");
		}
		ck_assert_int_eq(pcapng_writer_write(&w, rec, rec->len), 0);
		len += nftrace_fmt_record(want + len, sizeof(want) - len, rec,
					  rec->len, 0);
		if (!i)
			first = len;
	}
	ck_assert_uint_eq(w.nr_ifs, 2);
	ck_assert_int_eq(pcapng_writer_close(&w), 0);
	strcpy(egress, want + first);

	tool_require("tshark");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator='|' -e frame.interface_name -e frame.interface_description -e frame.protocols -e frame.len -e frame.packet_flags_direction -e frame.comment",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"INGRESS|netns=4026531840 family=netdev|eth:ethertype:ip:udp|42|0x00000001|in=eth0 in_ifindex=2 out=- out_ifindex=0 mark=0x0 cpu=1 id=20 ct=none\n"
		"EGRESS|netns=4026531840 family=netdev|raw:ip:udp|28|0x00000002|in=- in_ifindex=0 out=wg0 out_ifindex=9 mark=0x0 cpu=1 id=21 ct=none\n");

	ck_assert_str_eq(tool_reads("--families netdev"), want);
	/* Not selected: another family; another hook; another device. */
	ck_assert_str_eq(tool_reads(""), "");
	ck_assert_str_eq(tool_reads("--families netdev --hooks egress"), egress);
	ck_assert_str_eq(tool_reads("--families netdev -i wg0"), egress);
	/* The filter on each link's bytes; Ethernet's alone keeps no IP one. */
	ck_assert_str_eq(tool_reads("--families netdev udp port 53"), want);
	want[first] = '\0';
	ck_assert_str_eq(tool_reads("--families netdev ether src 02:00:00:00:00:01"),
			 want);
}
END_TEST

START_TEST(test_tool_writes_pcapng)
{
	char cmd[8192];
	long n = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	snprintf(cmd, sizeof(cmd), "%s -q -c 10 -F pcapng -w %s 2>&1",
		 tool_with_fake(), path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(!strncmp(out, "10 packets captured\n", 20), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\n0 packets dropped by kernel\n"));
	p = open_back();
	while (pcap_next_ex(p, &h, &data) == 1)
		n++;
	ck_assert_int_eq(n, 10);
	pcap_close(p);

	snprintf(cmd, sizeof(cmd), "%s -F pcapng 2>&1; echo $?", NFTRACE_TOOL);
	tool_run(cmd, out, sizeof(out));
	ck_assert_str_eq(out, "nftrace-capture: -F names the format of the -w file: give -w FILE\nTry 'nftrace-capture --help' for more information.\n1\n");
}
END_TEST

Suite *pcapng_suite(void)
{
	Suite *s = suite_create("pcapng");
	TCase *tc = tcase_create("pcapng");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_libpcap_reads_back);
	tcase_add_test(tc, test_libpcap_filters);
	tcase_add_test(tc, test_tcpdump_filters);
	tcase_add_test(tc, test_tshark_fields);
	tcase_add_test(tc, test_link_types);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_tshark_new_fields);
	tcase_add_test(tc, test_capinfos);
	tcase_add_test(tc, test_isb_options);
	tcase_add_test(tc, test_disk_full_keeps_whole_blocks);
	tcase_add_test(tc, test_open_full_device);
	tcase_add_loop_test(tc, test_fuzz_random_records, 0, 3);
	tcase_add_test(tc, test_tool_writes_pcapng);
	suite_add_tcase(s, tc);
	return s;
}
