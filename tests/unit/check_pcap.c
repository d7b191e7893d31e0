// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_pcap.c - the pcap writer (user/pcap_writer.c) read back through
 * libpcap: link types, nanosecond stamps, snaplen, skipped records, and
 * files that stay valid when the disk fills up or the pipe closes.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../user/nflog.h"
#include "../../user/pcap_writer.h"
#include "pkt.h"
#include "suites.h"

static struct test_rec tr;
static __u8 pkt[2048];
static char path[64];

static void setup(void)
{
	int fd;

	strcpy(path, "/tmp/nftrace-pcap-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

static struct nftrace_record *tcp_rec(__u32 i, __u32 cap_len)
{
	struct nftrace_record *rec;
	size_t n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 6, 20 + 1000);

	n += pkt_tcp(pkt + n, 22, 1000 + i, i, 0, 0x18, 100);
	memset(pkt + n, (int)i, 1000);
	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV4, NFTRACE_HOOK_INPUT, pkt,
		       cap_len, n + 1000);
	rec->tstamp_ns = PKT_TSTAMP + i * 1000000001ULL;
	return rec;
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

static void write_n(int linktype, unsigned int snaplen, unsigned int n,
		    __u32 cap_len)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_writer w;
	unsigned int i;

	ck_assert_msg(pcap_writer_open(&w, path, linktype, snaplen, err) == 0,
		      "%s", err);
	for (i = 0; i < n; i++) {
		struct nftrace_record *rec = tcp_rec(i, cap_len);

		ck_assert_int_eq(pcap_writer_write(&w, rec, rec->len), 0);
	}
	ck_assert_uint_eq(w.packets, n);
	ck_assert_int_eq(pcap_writer_close(&w), 0);
}

START_TEST(test_raw_read_back)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	unsigned int i;

	write_n(DLT_RAW, 128, 3, 100);
	p = open_back();
	ck_assert_int_eq(pcap_datalink(p), DLT_RAW);
	ck_assert_int_eq(pcap_snapshot(p), 128);
	ck_assert_int_eq(pcap_get_tstamp_precision(p),
			 PCAP_TSTAMP_PRECISION_NANO);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
		ck_assert_uint_eq(h->caplen, 100);
		ck_assert_uint_eq(h->len, 1040);
		ck_assert_int_eq(h->ts.tv_sec, 1704110401 + i);
		ck_assert_int_eq(h->ts.tv_usec, 123456789 + i);
		tcp_rec(i, 100);
		ck_assert_mem_eq(data, pkt, 100);
	}
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}
END_TEST

/*
 * tcp_rec(0, 100) as LINKTYPE_NFLOG, spelled out from the link type's
 * description (tcpdump.org/linktypes/LINKTYPE_NFLOG.html), not by
 * nflog_encode(): TLV lengths and types in host byte order (this is
 * little-endian), values in network byte order, each TLV padded to 4.
 */
static const __u8 nflog_tcp_rec0_head[] = {
	2, 0, 0, 0,				/* AF_INET, version 0, res_id 0 */
	8, 0, 1, 0, 0x08, 0x00, 1, 0,		/* PACKET_HDR: IPv4, INPUT */
	27, 0, 10, 0,				/* PREFIX, 23 bytes and 1 pad */
	'I', 'N', 'P', 'U', 'T', ' ', 'n', 'e', 't', 'n', 's', '=',
	'4', '0', '2', '6', '5', '3', '1', '8', '4', '0', 0, 0,
	8, 0, 4, 0, 0, 0, 0, 2,			/* IFINDEX_INDEV 2 */
	8, 0, 2, 0, 0, 0, 0, 0,			/* MARK 0 */
	104, 0, 9, 0,				/* PAYLOAD, 100 bytes */
};

START_TEST(test_nflog_read_back)
{
	const size_t head = sizeof(nflog_tcp_rec0_head), n = head + 100;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	ck_assert_msg(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		      "the expected NFLOG bytes are spelled little-endian");
	write_n(DLT_NFLOG, 128, 1, 100);
	tcp_rec(0, 100);	/* pkt: the packet's bytes */
	p = open_back();
	ck_assert_int_eq(pcap_datalink(p), DLT_NFLOG);
	ck_assert_int_ge(pcap_snapshot(p), 128 + NFLOG_HDR_MAX);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
	/* A whole NFLOG message around a cut packet, as the kernel's. */
	ck_assert_uint_eq(h->caplen, n);
	ck_assert_uint_eq(h->len, n);
	ck_assert_mem_eq(data, nflog_tcp_rec0_head, head);
	ck_assert_mem_eq(data + head, pkt, 100);
	ck_assert_int_eq(h->ts.tv_sec, 1704110401);
	ck_assert_int_eq(h->ts.tv_usec, 123456789);
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}
END_TEST

/* More bytes than the snaplen promised are cut to it. */
START_TEST(test_snaplen_clamp)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	write_n(DLT_RAW, 64, 1, 200);
	p = open_back();
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
	ck_assert_uint_eq(h->caplen, 64);
	ck_assert_uint_eq(h->len, 1040);
	pcap_close(p);
}
END_TEST

START_TEST(test_bad_record_skipped)
{
	char err[PCAP_ERRBUF_SIZE];
	struct nftrace_record *rec;
	struct pcap_writer w;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	ck_assert_int_eq(pcap_writer_open(&w, path, DLT_NFLOG, 128, err), 0);
	rec = tcp_rec(0, 100);
	rec->cap_len = 5000;
	ck_assert_int_eq(pcap_writer_write(&w, rec, rec->len), 1);
	ck_assert_int_eq(pcap_writer_write(&w, rec, 40), 1);
	ck_assert_uint_eq(w.bad, 2);
	ck_assert_uint_eq(w.packets, 0);
	ck_assert_int_eq(pcap_writer_close(&w), 0);
	p = open_back();
	ck_assert_int_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}
END_TEST

START_TEST(test_open_errors)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_writer w;

	ck_assert_int_eq(pcap_writer_open(&w, "/nonexistent/dir/x.pcap",
					  DLT_RAW, 128, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.pcap"));
	ck_assert_int_eq(pcap_writer_open(&w, "/dev/full", DLT_RAW, 128, err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "No space left on device"));
}
END_TEST

/*
 * The disk fills up (RLIMIT_FSIZE, so writes fail with EFBIG): the writer
 * stops, and the file holds all the whole packets that fit, nothing more.
 */
START_TEST(test_disk_full_keeps_valid_file)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long written = 0;
	int status, n = 0, r;
	struct stat st;
	pid_t pid;
	pcap_t *p;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct rlimit rl = { 100000, 100000 };
		char err[PCAP_ERRBUF_SIZE];
		struct pcap_writer w;
		unsigned int i;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		if (pcap_writer_open(&w, path, DLT_NFLOG, 1500, err))
			_exit(10);
		for (i = 0; i < 100000; i++) {
			struct nftrace_record *rec = tcp_rec(i, 1040);

			pcap_writer_write(&w, rec, rec->len);
			if (i % 7 == 6 && pcap_writer_flush(&w) < 0)
				break;
		}
		if (w.error != EFBIG)
			_exit(11);
		/* A write after the error does nothing. */
		if (pcap_writer_write(&w, tcp_rec(0, 40), 128) != 0)
			_exit(12);
		if (pcap_writer_close(&w) != -1)
			_exit(13);
		/* What it reports is what the file keeps. */
		if (w.good != 24 + (long long)w.good_packets * (16 + 1100) ||
		    w.good_packets >= w.packets)
			_exit(14);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WIFEXITED(status), 1);
	ck_assert_int_eq(WEXITSTATUS(status), 0);

	p = open_back();
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		ck_assert_uint_eq(h->caplen, 60 + 1040);
		written += 16 + h->caplen;
		n++;
	}
	ck_assert_int_eq(r, PCAP_ERROR_BREAK);	/* not cut inside a packet */
	pcap_close(p);
	/* As many whole packets as fit, and nothing else. */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_size, 24 + written);
	ck_assert_uint_le(24 + written, 100000);
	ck_assert_uint_gt(24 + written + 16 + 1100, 100000);
	ck_assert_int_eq(n, (100000 - 24) / (16 + 1100));
}
END_TEST

/* The reader of stdout went away: EPIPE, not SIGPIPE. */
START_TEST(test_broken_pipe)
{
	int fds[2], status;
	char buf[100];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		char err[PCAP_ERRBUF_SIZE];
		struct pcap_writer w;
		unsigned int i;

		signal(SIGPIPE, SIG_IGN);
		close(fds[0]);
		dup2(fds[1], 1);
		close(fds[1]);
		if (pcap_writer_open(&w, "-", DLT_RAW, 128, err))
			_exit(10);
		for (i = 0; i < 10000; i++) {
			struct nftrace_record *rec = tcp_rec(i, 100);

			pcap_writer_write(&w, rec, rec->len);
			if (pcap_writer_flush(&w) < 0)
				break;
		}
		_exit(w.error == EPIPE && pcap_writer_close(&w) == -1 ? 0 : 11);
	}
	/* Read the file header and a bit, then go away. */
	close(fds[1]);
	ck_assert_int_gt(read(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WIFEXITED(status), 1);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_raw_read_back);
	tcase_add_test(tc, test_nflog_read_back);
	tcase_add_test(tc, test_snaplen_clamp);
	tcase_add_test(tc, test_bad_record_skipped);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_disk_full_keeps_valid_file);
	tcase_add_test(tc, test_broken_pipe);
	suite_add_tcase(s, tc);
	return s;
}
