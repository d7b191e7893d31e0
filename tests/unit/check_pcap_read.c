// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_pcap_read.c - `nftrace-capture -r` of a pcap file (user/
 * pcap_reader.c behind user/capture_file.c): what the NFLOG pcap writer
 * wrote comes back as the record it was written from, as far as NFLOG
 * holds it (the oracle is the records given to the writer): hook, family,
 * netns, drop, mark, interface indexes, time, the packet and its length;
 * interfaces named "#index", no CPU, id or conntrack. Both byte orders,
 * microsecond files; a file cut at every byte, or with any byte flipped,
 * ends in a clean error or fewer records, never a crash or a record that
 * does not print; raw-IP and other pcap files are refused, named.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <byteswap.h>
#include <pcap/nflog.h>
#include <pcap/pcap.h>

#include "../../kmod/nftrace_fmt.h"
#include "../../user/capture_file.h"
#include "../../user/nflog.h"
#include "../../user/pcap_writer.h"
#include "files.h"
#include "pkt.h"
#include "suites.h"

#define NR_RECS		FILES_NR_RECS
#define SNAPLEN		FILES_SNAPLEN

static struct test_rec tr[NR_RECS];
static struct nftrace_record *recs[NR_RECS];
static char path[64], path2[64];

static void setup(void)
{
	files_mktemp(path, sizeof(path), "/tmp/nftrace-pcap-rd-XXXXXX");
	files_mktemp(path2, sizeof(path2), "/tmp/nftrace-pcap-rd2-XXXXXX");
}

static void teardown(void)
{
	unlink(path);
	unlink(path2);
}

static void write_recs(const char *to)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_writer w;
	unsigned int i;

	ck_assert_msg(pcap_writer_open(&w, to, DLT_NFLOG, SNAPLEN, err) == 0,
		      "%s", err);
	for (i = 0; i < NR_RECS; i++)
		ck_assert_int_eq(pcap_writer_write(&w, recs[i], recs[i]->len), 0);
	ck_assert_int_eq(pcap_writer_close(&w), 0);
}

/*
 * want as a pcap file gives it back: the first modules' header, the
 * interfaces by index, no CPU; as text, the live line with "#index" for
 * the names and without the later fields.
 */
static void assert_same(const struct nftrace_record *got, __u32 got_len,
			const struct nftrace_record *want, unsigned int i)
{
	char got_line[NFTRACE_LINE_MAX], want_line[NFTRACE_LINE_MAX];
	__u8 buf[NFTRACE_RECORD_V1_LEN + SNAPLEN];
	struct nftrace_record *w = (struct nftrace_record *)buf;
	char name[NFTRACE_IFNAMSIZ];

	ck_assert_uint_eq(got_len, NFTRACE_RECORD_V1_LEN + want->cap_len);
	ck_assert_uint_eq(got->len, got_len);
	ck_assert_uint_eq(got->type, NFTRACE_REC_PACKET);
	ck_assert_uint_eq(got->hdr_len, NFTRACE_RECORD_V1_LEN);
	ck_assert_uint_eq(got->seq, 0);
	ck_assert_uint_eq(got->tstamp_ns, want->tstamp_ns);
	ck_assert_uint_eq(got->netns, want->netns);
	ck_assert_uint_eq(got->mark, want->mark);
	ck_assert_int_eq(got->ifindex_in, want->ifindex_in);
	ck_assert_int_eq(got->ifindex_out, want->ifindex_out);
	ck_assert_uint_eq(got->orig_len, want->orig_len);
	ck_assert_uint_eq(got->cap_len, want->cap_len);
	ck_assert_uint_eq(got->hook, want->hook);
	ck_assert_uint_eq(got->family, want->family);
	ck_assert_uint_eq(got->cpu, 0);
	ck_assert_uint_eq(got->flags, want->flags);
	memset(name, 0, sizeof(name));
	if (want->ifindex_in)
		snprintf(name, sizeof(name), "#%d", want->ifindex_in);
	ck_assert_msg(!memcmp(got->ifname_in, name, NFTRACE_IFNAMSIZ),
		      "record %u: ifname_in '%.16s', not '%s'", i,
		      got->ifname_in, name);
	memset(name, 0, sizeof(name));
	snprintf(name, sizeof(name), "#%d", want->ifindex_out);
	ck_assert_msg(!memcmp(got->ifname_out, name, NFTRACE_IFNAMSIZ),
		      "record %u: ifname_out '%.16s', not '%s'", i,
		      got->ifname_out, name);
	ck_assert_msg(!memcmp((const __u8 *)got + got->hdr_len,
			      (const __u8 *)want + want->hdr_len,
			      want->cap_len), "record %u: packet bytes", i);

	/* The line: the live one's, but for what NFLOG has not. */
	memcpy(w, want, NFTRACE_RECORD_V1_LEN);
	memcpy(buf + NFTRACE_RECORD_V1_LEN,
	       (const __u8 *)want + want->hdr_len, want->cap_len);
	w->hdr_len = NFTRACE_RECORD_V1_LEN;
	w->len = NFTRACE_RECORD_V1_LEN + want->cap_len;
	w->cpu = 0;
	memcpy(w->ifname_in, got->ifname_in, NFTRACE_IFNAMSIZ);
	memcpy(w->ifname_out, got->ifname_out, NFTRACE_IFNAMSIZ);
	nftrace_fmt_record(got_line, sizeof(got_line), got, got_len, 0);
	nftrace_fmt_record(want_line, sizeof(want_line), w, w->len, 0);
	ck_assert_str_eq(got_line, want_line);
}

/* All records of file; 1 when it ended cleanly, 0 on an error. */
static int read_all(const char *file, unsigned int *n, char *err)
{
	const struct nftrace_record *rec;
	struct capture_file r;
	__u32 len;
	__u64 lost;
	int ret;

	*n = 0;
	if (capture_file_open(&r, file, err) < 0)
		return 0;
	while ((ret = capture_file_next(&r, &rec, &len, &lost, err)) > 0) {
		ck_assert_uint_lt(*n, NR_RECS);
		ck_assert_uint_eq(lost, 0);
		assert_same(rec, len, recs[*n], *n);
		(*n)++;
	}
	capture_file_close(&r);
	return ret == 0;
}

START_TEST(test_reads_back)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned int n;

	files_make_recs(tr, recs);
	write_recs(path);
	ck_assert_msg(read_all(path, &n, err), "%s", err);
	ck_assert_uint_eq(n, NR_RECS);
}
END_TEST

static void swap32(__u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	v = bswap_32(v);
	memcpy(p, &v, 4);
}

static void swap16(__u8 *p)
{
	__u8 c = p[0];

	p[0] = p[1];
	p[1] = c;
}

/*
 * The file as a machine of the other byte order writes it: the file and
 * packet headers, and NFLOG's TLV headers (its values are big-endian).
 */
START_TEST(test_other_byte_order)
{
	char err[PCAP_ERRBUF_SIZE];
	size_t len, off = 24;
	unsigned int n, i;
	__u8 *b;

	files_make_recs(tr, recs);
	write_recs(path);
	b = files_slurp(path, &len);
	swap32(b);
	swap16(b + 4);
	swap16(b + 6);
	for (i = 8; i < 24; i += 4)
		swap32(b + i);
	while (off + 16 <= len) {
		__u32 caplen;
		size_t p, end;

		memcpy(&caplen, b + off + 8, 4);
		for (i = 0; i < 16; i += 4)
			swap32(b + off + i);
		p = off + 16 + 4;
		end = off + 16 + caplen;
		while (p + 4 <= end) {
			__u16 tlen;

			memcpy(&tlen, b + p, 2);
			swap16(b + p);
			swap16(b + p + 2);
			p += (tlen + 3U) & ~3U;
		}
		off = end;
	}
	ck_assert_uint_eq(off, len);
	files_spit(path2, b, len);
	free(b);
	ck_assert_msg(read_all(path2, &n, err), "%s", err);
	ck_assert_uint_eq(n, NR_RECS);
}
END_TEST

/* A microsecond file (libpcap's default): the time to the microsecond. */
START_TEST(test_microseconds)
{
	char err[PCAP_ERRBUF_SIZE];
	const struct nftrace_record *rec;
	struct capture_file r;
	struct pcap_pkthdr h;
	pcap_dumper_t *d;
	__u8 buf[NFLOG_HDR_MAX + SNAPLEN + 3];
	__u32 len;
	__u64 lost;
	pcap_t *p;

	files_make_recs(tr, recs);
	p = pcap_open_dead(DLT_NFLOG, 65535);
	d = pcap_dump_open(p, path);
	ck_assert_ptr_nonnull(d);
	h.ts.tv_sec = (time_t)(recs[3]->tstamp_ns / 1000000000ULL);
	h.ts.tv_usec = 654321;
	h.caplen = h.len = (bpf_u_int32)nflog_encode(buf, sizeof(buf), recs[3],
				(const __u8 *)recs[3] + recs[3]->hdr_len,
				recs[3]->cap_len);
	ck_assert_uint_gt(h.caplen, 0);
	pcap_dump((u_char *)d, &h, buf);
	pcap_dump_close(d);
	pcap_close(p);

	ck_assert_msg(capture_file_open(&r, path, err) == 0, "%s", err);
	ck_assert_int_eq(capture_file_next(&r, &rec, &len, &lost, err), 1);
	ck_assert_uint_eq(rec->tstamp_ns,
			  recs[3]->tstamp_ns / 1000000000ULL * 1000000000ULL +
			  654321000ULL);
	ck_assert_uint_eq(rec->flags, NFTRACE_REC_F_DROP);
	ck_assert_uint_eq(rec->hook, NFTRACE_HOOK_POSTROUTING);
	ck_assert_int_eq(capture_file_next(&r, &rec, &len, &lost, err), 0);
	capture_file_close(&r);
}
END_TEST

/* Cut after every byte: fewer records, and an error unless at a packet end. */
START_TEST(test_truncated_everywhere)
{
	char err[PCAP_ERRBUF_SIZE];
	size_t len, cut, ends[NR_RECS + 1], off = 24;
	unsigned int n, i;
	__u8 *in;

	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	for (i = 0; i <= NR_RECS; i++) {
		__u32 caplen;

		ends[i] = off;
		if (i < NR_RECS) {
			memcpy(&caplen, in + off + 8, 4);
			off += 16 + caplen;
		}
	}
	ck_assert_uint_eq(off, len);
	for (cut = 0; cut < len; cut++) {
		int clean;

		files_spit(path2, in, cut);
		clean = read_all(path2, &n, err);
		for (i = 0; i <= NR_RECS && ends[i] <= cut; i++)
			;
		/* The whole packets before the cut, and no more. */
		ck_assert_uint_eq(n, cut < 24 ? 0 : i - 1);
		ck_assert_msg(clean == (cut >= 24 && ends[i - 1] == cut),
			      "cut %zu: clean %d: %s", cut, clean, err);
	}
	free(in);
}
END_TEST

/* Any byte flipped: no crash; what comes out is a record that prints. */
START_TEST(test_every_byte_flipped)
{
	char err[PCAP_ERRBUF_SIZE];
	size_t len, i;
	__u8 *in;

	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	for (i = 0; i < len; i++) {
		const struct nftrace_record *rec;
		struct capture_file r;
		unsigned int n = 0;
		__u32 rlen;
		__u64 lost;

		in[i] ^= 0xff;
		files_spit(path2, in, len);
		in[i] ^= 0xff;
		if (capture_file_open(&r, path2, err) < 0)
			continue;
		while (capture_file_next(&r, &rec, &rlen, &lost, err) > 0) {
			char line[NFTRACE_LINE_MAX];

			ck_assert_uint_eq(rlen, rec->len);
			ck_assert_uint_eq(rec->hdr_len, NFTRACE_RECORD_V1_LEN);
			ck_assert_uint_le(rec->cap_len, NFTRACE_SNAPLEN_MAX);
			ck_assert_uint_eq(rlen, rec->hdr_len + rec->cap_len);
			ck_assert_uint_eq(rec->ifname_in[NFTRACE_IFNAMSIZ - 1], 0);
			ck_assert_uint_eq(rec->ifname_out[NFTRACE_IFNAMSIZ - 1], 0);
			nftrace_fmt_record(line, sizeof(line), rec, rlen, 0);
			ck_assert_ptr_null(strstr(line, "bad record"));
			n++;
		}
		ck_assert_uint_le(n, NR_RECS);
		capture_file_close(&r);
	}
	free(in);
}
END_TEST

/* An empty pcap file of link type lt: -1 from capture_file_open(). */
static void refused(int lt, const char *why)
{
	char err[PCAP_ERRBUF_SIZE];
	struct capture_file r;
	pcap_dumper_t *d;
	pcap_t *p;

	p = pcap_open_dead(lt, 65535);
	d = pcap_dump_open(p, path2);
	ck_assert_ptr_nonnull(d);
	pcap_dump_close(d);
	pcap_close(p);
	ck_assert_int_eq(capture_file_open(&r, path2, err), -1);
	ck_assert_msg(strstr(err, why), "%s", err);
}

START_TEST(test_not_nftrace_files)
{
	char err[PCAP_ERRBUF_SIZE];
	__u16 tlen = 0, type = 0;
	unsigned int n;
	size_t len, off;
	__u8 *in;
	char *at;

	refused(DLT_RAW, "a raw-IP pcap file (--linktype raw) holds no hook");
	refused(DLT_EN10MB, "a pcap file of link type 1, not NFLOG");

	/* NFLOG, but a prefix of somebody's nft rule, not nftrace's. */
	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	at = memmem(in, len, "PREROUTING netns=", 17);
	ck_assert_ptr_nonnull(at);
	memcpy(at, "fw-drop: ", 9);
	files_spit(path2, in, len);
	free(in);
	ck_assert_int_eq(read_all(path2, &n, err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(err, "packet 1: an NFLOG prefix that is not nftrace's"),
		      "%s", err);

	/* The first packet's payload TLV made one of another type. */
	in = files_slurp(path, &len);
	for (off = 24 + 16 + 4; off + 4 <= len; off += (tlen + 3U) & ~3U) {
		memcpy(&tlen, in + off, 2);
		memcpy(&type, in + off + 2, 2);
		if (type == NFULA_PAYLOAD)
			break;
	}
	ck_assert_uint_eq(type, NFULA_PAYLOAD);
	type = 99;
	memcpy(in + off + 2, &type, 2);
	files_spit(path2, in, len);
	free(in);
	ck_assert_int_eq(read_all(path2, &n, err), 0);
	ck_assert_msg(strstr(err, "packet 1: an NFLOG packet without nftrace's packet header, prefix and payload"),
		      "%s", err);
}
END_TEST

Suite *pcap_read_suite(void)
{
	Suite *s = suite_create("pcap_read");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reads_back);
	tcase_add_test(tc, test_other_byte_order);
	tcase_add_test(tc, test_microseconds);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_every_byte_flipped);
	tcase_add_test(tc, test_not_nftrace_files);
	suite_add_tcase(s, tc);
	return s;
}
