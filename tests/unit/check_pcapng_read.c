// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_pcapng_read.c - the pcapng reader (user/pcapng_reader.c, behind
 * `nftrace-capture -r`): what the writer wrote comes back as the records
 * it was written from, field by field (the oracle is the records given to
 * the writer); losses come back on the right CPU; both byte orders; a
 * file cut at every byte, or with any byte flipped, ends in a clean error
 * or fewer records, never a crash or a record that was not written; files
 * that are not nftrace's are named for what they are.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <byteswap.h>
#include <pcap/pcap.h>

#include "../../kmod/nftrace_fmt.h"
#include "../../user/json_writer.h"
#include "../../user/capture_file.h"
#include "../../user/pcapng_writer.h"
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
	files_mktemp(path, sizeof(path), "/tmp/nftrace-pcapng-rd-XXXXXX");
	files_mktemp(path2, sizeof(path2), "/tmp/nftrace-pcapng-rd2-XXXXXX");
}

static void teardown(void)
{
	unlink(path);
	unlink(path2);
}

static void write_recs(const char *to)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcapng_writer w;
	unsigned int i;

	ck_assert_msg(pcapng_writer_open(&w, to, SNAPLEN, "nftrace-test",
					 err) == 0, "%s", err);
	for (i = 0; i < NR_RECS; i++) {
		if (i == 3)	/* 9 lost on cpu3 just before its packet */
			pcapng_writer_lost(&w, 3, 9);
		ck_assert_int_eq(pcapng_writer_write(&w, recs[i],
						     recs[i]->len), 0);
	}
	ck_assert_int_eq(pcapng_writer_close(&w), 0);
}

/* rec as the JSON writer writes it, into buf. */
static void json_line(const struct nftrace_record *rec, char *buf,
		      size_t size)
{
	struct json_writer w;
	FILE *f = fmemopen(buf, size, "w");

	ck_assert_ptr_nonnull(f);
	json_writer_init(&w, f);
	ck_assert_int_eq(json_writer_write(&w, rec, rec->len), 0);
	ck_assert_int_eq(json_writer_flush(&w), 0);
	fclose(f);
}

/*
 * Every field of got is want's (but seq, which no file holds), its
 * header as long, and it prints as want does: as text, the line live
 * capture printed; as JSON, the object.
 */
static void assert_same(const struct nftrace_record *got, __u32 got_len,
			const struct nftrace_record *want, unsigned int i)
{
	char got_line[NFTRACE_LINE_MAX], want_line[NFTRACE_LINE_MAX];
	char got_json[4096], want_json[4096];

	ck_assert_uint_eq(got_len, want->len);
	ck_assert_uint_eq(got->len, want->len);
	ck_assert_uint_eq(got->type, NFTRACE_REC_PACKET);
	ck_assert_uint_eq(got->hdr_len, want->hdr_len);
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
	ck_assert_uint_eq(got->cpu, want->cpu);
	ck_assert_uint_eq(got->flags, want->flags);
	ck_assert_msg(!memcmp(got->ifname_in, want->ifname_in,
			      NFTRACE_IFNAMSIZ), "record %u: ifname_in", i);
	ck_assert_msg(!memcmp(got->ifname_out, want->ifname_out,
			      NFTRACE_IFNAMSIZ), "record %u: ifname_out", i);
	ck_assert_msg(!memcmp((const __u8 *)got + NFTRACE_RECORD_V1_LEN,
			      (const __u8 *)want + NFTRACE_RECORD_V1_LEN,
			      want->hdr_len - NFTRACE_RECORD_V1_LEN),
		      "record %u: the fields past NFTRACE_RECORD_V1_LEN", i);
	ck_assert_msg(!memcmp((const __u8 *)got + got->hdr_len,
			      (const __u8 *)want + want->hdr_len,
			      want->cap_len), "record %u: packet bytes", i);
	nftrace_fmt_record(got_line, sizeof(got_line), got, got_len, 0);
	nftrace_fmt_record(want_line, sizeof(want_line), want, want->len, 0);
	ck_assert_str_eq(got_line, want_line);
	json_line(got, got_json, sizeof(got_json));
	json_line(want, want_json, sizeof(want_json));
	ck_assert_str_eq(got_json, want_json);
}

/* All records of file; 1 when it ended cleanly, 0 on an error. */
static int read_all(const char *file, unsigned int *n, __u64 *lost_at,
		    char *err)
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
		/* Whatever comes out is one of the records written, whole. */
		ck_assert_uint_lt(*n, NR_RECS);
		assert_same(rec, len, recs[*n], *n);
		if (lost_at)
			lost_at[*n] = lost;
		(*n)++;
	}
	capture_file_close(&r);
	return ret == 0;
}

START_TEST(test_reads_back_every_field)
{
	char err[PCAP_ERRBUF_SIZE];
	__u64 lost[NR_RECS] = { 0 };
	unsigned int n, i;

	files_make_recs(tr, recs);
	write_recs(path);
	ck_assert_msg(read_all(path, &n, lost, err), "%s", err);
	ck_assert_uint_eq(n, NR_RECS);
	for (i = 0; i < NR_RECS; i++)
		ck_assert_uint_eq(lost[i], i == 3 ? 9 : 0);
}
END_TEST

/*
 * netdev records, Ethernet at INGRESS and IP at EGRESS: back with their
 * family, hook and link, as written.
 */
START_TEST(test_netdev)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcapng_writer w;
	unsigned int n, i;
	__u8 pkt[128];
	size_t len;

	len = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 17, 8);
	len += pkt_udp(pkt + len, 51820, 51820, 0);
	for (i = 0; i < 2; i++) {
		if (i == 1)
			len = pkt_ether(pkt, len, 0x86dd);
		recs[i] = rec_full(rec_make(&tr[i], NFTRACE_NFPROTO_NETDEV, !i ?
					    NFTRACE_NETDEV_HOOK_EGRESS :
					    NFTRACE_NETDEV_HOOK_INGRESS, pkt,
					    len, len));
		recs[i]->link = i ? NFTRACE_LINK_ETHERNET : NFTRACE_LINK_IP;
	}
	strcpy(recs[0]->ifname_out, "wg0");
	recs[0]->ifindex_out = 4;
	ck_assert_msg(pcapng_writer_open(&w, path, SNAPLEN, "nftrace-test",
					 err) == 0, "%s", err);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pcapng_writer_write(&w, recs[i],
						     recs[i]->len), 0);
	ck_assert_int_eq(pcapng_writer_close(&w), 0);
	ck_assert_msg(read_all(path, &n, NULL, err), "%s", err);
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* The file again, every number byte-swapped: another machine's file. */
static size_t swap_file(const __u8 *in, size_t len, __u8 *out)
{
	size_t off = 0;

	memcpy(out, in, len);
	while (off + 12 <= len) {
		__u32 type, blen, v;
		size_t body, p;

		memcpy(&type, in + off, 4);
		memcpy(&blen, in + off + 4, 4);
		v = bswap_32(type);
		memcpy(out + off, &v, 4);
		v = bswap_32(blen);
		memcpy(out + off + 4, &v, 4);
		memcpy(out + off + blen - 4, &v, 4);
		p = off + 8;
		body = off + blen - 4;
		if (type == 0x0A0D0D0A) {	/* magic, versions, length */
			v = bswap_32(0x1A2B3C4D);
			memcpy(out + p, &v, 4);
			out[p + 4] = in[p + 5]; out[p + 5] = in[p + 4];
			out[p + 6] = in[p + 7]; out[p + 7] = in[p + 6];
			for (v = 0; v < 8; v++)
				out[p + 8 + v] = in[p + 15 - v];
			p += 16;
		} else if (type == 1) {		/* link type, reserved, snaplen */
			out[p] = in[p + 1]; out[p + 1] = in[p];
			for (v = 0; v < 4; v++)
				out[p + 4 + v] = in[p + 7 - v];
			p += 8;
		} else if (type == 6) {		/* id, ts, lengths, packet */
			__u32 cap;

			for (v = 0; v < 5; v++) {
				__u32 w;

				memcpy(&w, in + p + 4 * v, 4);
				w = bswap_32(w);
				memcpy(out + p + 4 * v, &w, 4);
			}
			memcpy(&cap, in + p + 12, 4);
			p += 20 + ((cap + 3) & ~3U);
		} else {
			off += blen;
			continue;	/* not read: left as it is */
		}
		while (p + 4 <= body) {		/* options */
			__u16 code, olen;

			memcpy(&code, in + p, 2);
			memcpy(&olen, in + p + 2, 2);
			out[p] = in[p + 1]; out[p + 1] = in[p];
			out[p + 2] = in[p + 3]; out[p + 3] = in[p + 2];
			/* epb_dropcount, epb_packetid */
			if (type == 6 && (code == 4 || code == 5))
				for (v = 0; v < 8; v++)
					out[p + 4 + v] = in[p + 11 - v];
			if (!code)
				break;
			p += 4 + ((olen + 3U) & ~3U);
		}
		off += blen;
	}
	return len;
}

START_TEST(test_other_byte_order)
{
	char err[PCAP_ERRBUF_SIZE];
	__u64 lost[NR_RECS] = { 0 };
	__u8 *in, *out;
	unsigned int n;
	size_t len;

	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	out = malloc(len);
	swap_file(in, len, out);
	ck_assert_msg(memcmp(in, out, len), "nothing swapped");
	files_spit(path2, out, len);
	ck_assert_msg(read_all(path2, &n, lost, err), "%s", err);
	ck_assert_uint_eq(n, NR_RECS);
	ck_assert_uint_eq(lost[3], 9);
	free(in);
	free(out);
}
END_TEST

/* Cut after every byte: fewer records, and an error unless at a block end. */
START_TEST(test_truncated_everywhere)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned int n, last = 0;
	size_t len, cut;
	__u8 *in;

	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	for (cut = 0; cut < len; cut++) {
		int clean;

		files_spit(path2, in, cut);
		clean = read_all(path2, &n, NULL, err);
		ck_assert_uint_ge(n, last);	/* more file, never fewer */
		ck_assert_msg(cut > 0 || !clean, "an empty file read cleanly");
		last = n;
	}
	ck_assert_uint_eq(last, NR_RECS);
	free(in);
}
END_TEST

/* Each byte flipped in turn: clean errors or whole records, nothing else. */
START_TEST(test_every_byte_flipped)
{
	char err[PCAP_ERRBUF_SIZE];
	size_t len, i;
	unsigned int n;
	__u8 *in;

	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	for (i = 0; i < len; i++) {
		const struct nftrace_record *rec;
		struct capture_file r;
		__u32 rlen;
		__u64 lost;

		in[i] ^= 0xff;
		files_spit(path2, in, len);
		in[i] ^= 0xff;
		n = 0;
		if (capture_file_open(&r, path2, err) < 0)
			continue;
		/* A flipped packet byte or name is still a record: in bounds. */
		while (capture_file_next(&r, &rec, &rlen, &lost, err) > 0) {
			char line[NFTRACE_LINE_MAX];

			ck_assert_uint_eq(rlen, rec->len);
			ck_assert(rec->hdr_len == NFTRACE_RECORD_V1_LEN ||
				  rec->hdr_len == offsetof(struct nftrace_record,
							   ct_status) ||
				  rec->hdr_len == sizeof(*rec));
			ck_assert_uint_le(rec->cap_len, NFTRACE_SNAPLEN_MAX);
			ck_assert_uint_eq(rlen, rec->hdr_len + rec->cap_len);
			ck_assert_uint_eq(rec->ifname_in[NFTRACE_IFNAMSIZ - 1], 0);
			ck_assert_uint_eq(rec->ifname_out[NFTRACE_IFNAMSIZ - 1], 0);
			if (NFTRACE_REC_HAS(rec, phys_ifname_out)) {
				ck_assert_uint_eq(rec->phys_ifname_in[NFTRACE_IFNAMSIZ - 1], 0);
				ck_assert_uint_eq(rec->phys_ifname_out[NFTRACE_IFNAMSIZ - 1], 0);
			}
			/* A valid record: it prints as one, not "bad". */
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

/*
 * The id is epb_packetid's; the comment's id= is for people. Either
 * alone gives the record back; a file of neither and no ct= (an older
 * nftrace-capture's, or an older module's) the first modules' header.
 */
START_TEST(test_packet_id_sources)
{
	static const __u8 opt[4] = { 5, 0, 8, 0 };	/* epb_packetid, 8 */
	const struct nftrace_record *rec;
	char err[PCAP_ERRBUF_SIZE];
	struct capture_file r;
	unsigned int n;
	__u8 *in, *at;
	size_t len;
	__u32 rlen;
	__u64 lost;

	files_make_recs(tr, recs);
	write_recs(path);

	/* No id= in the comment: blanked, the words around it stay. */
	in = files_slurp(path, &len);
	at = memmem(in, len, " id=103", 7);
	ck_assert_ptr_nonnull(at);
	memset(at, ' ', 7);
	files_spit(path2, in, len);
	ck_assert_msg(read_all(path2, &n, NULL, err), "%s", err);
	ck_assert_uint_eq(n, NR_RECS);
	free(in);

	/* No epb_packetid: its code made one nobody knows. */
	in = files_slurp(path, &len);
	for (at = in; (at = memmem(at, len - (at - in), opt, 4)); at += 4)
		at[1] = 0x80;
	files_spit(path2, in, len);
	ck_assert_msg(read_all(path2, &n, NULL, err), "%s", err);
	ck_assert_uint_eq(n, NR_RECS);

	/* Neither: recs[2] reads as a record of the first modules. */
	at = memmem(in, len, " id=103", 7);
	ck_assert_ptr_nonnull(at);
	memset(at, ' ', 7);
	files_spit(path2, in, len);
	free(in);
	ck_assert_int_eq(capture_file_open(&r, path2, err), 0);
	for (n = 0; n < 3; n++)
		ck_assert_int_eq(capture_file_next(&r, &rec, &rlen, &lost,
						    err), 1);
	ck_assert_uint_eq(rec->hdr_len, NFTRACE_RECORD_V1_LEN);
	ck_assert_uint_eq(rlen, NFTRACE_RECORD_V1_LEN + rec->cap_len);
	ck_assert_uint_eq(rec->mark, recs[2]->mark);
	ck_assert_mem_eq((const __u8 *)rec + rec->hdr_len,
			 (const __u8 *)recs[2] + recs[2]->hdr_len, rec->cap_len);
	capture_file_close(&r);
}
END_TEST

START_TEST(test_not_nftrace_files)
{
	char err[PCAP_ERRBUF_SIZE];
	struct capture_file r;
	unsigned int n;
	__u8 *in;
	size_t len;
	char *at;

	/* A pcap file is check_pcap_read.c's. */
	/* Neither. */
	files_spit(path2, (const __u8 *)"hello, world", 12);
	ck_assert_int_eq(capture_file_open(&r, path2, err), -1);
	ck_assert_msg(strstr(err, "neither a pcapng nor a pcap file"), "%s", err);

	/* Empty. */
	files_spit(path2, (const __u8 *)"", 0);
	ck_assert_int_eq(capture_file_open(&r, path2, err), -1);

	/* Missing. */
	ck_assert_int_eq(capture_file_open(&r, "/nonexistent/x", err), -1);
	ck_assert_str_eq(err, "/nonexistent/x: No such file or directory");

	/* An interface that is no hook (dumpcap's eth0, say). */
	files_make_recs(tr, recs);
	write_recs(path);
	in = files_slurp(path, &len);
	at = memmem(in, len, "PREROUTING", 10);
	ck_assert_ptr_nonnull(at);
	memcpy(at, "eth0\0\0\0\0\0\0", 10);
	files_spit(path2, in, len);
	ck_assert_int_eq(read_all(path2, &n, NULL, err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(err, "block 2: an interface that is no netfilter hook"),
		      "%s", err);

	/* A packet whose comment lost a field. */
	free(in);
	in = files_slurp(path, &len);
	at = memmem(in, len, " cpu=0", 6);
	ck_assert_ptr_nonnull(at);
	memcpy(at, " cpx=0", 6);
	files_spit(path2, in, len);
	ck_assert_int_eq(read_all(path2, &n, NULL, err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(err, "a packet comment that is not nftrace's"),
		      "%s", err);
	free(in);

	/* Numbers out of their field's range: refused, not truncated. */
	{
		static const char *const bad[][2] = {
			{ " cpu=0", " cpu=-" },		/* "-0 ..." */
			{ "mark=0x1", "mark=-x1" },
			{ "in_ifindex=2", "in_ifindex=a" },
			{ " id=7 ", " id=- " },
			{ " id=7 ", " id=\t " },
			{ "netns_cookie=9", "netns_cookie=x" },
			{ "ct=established", "ct=estab1ished" },
			{ "ct=established", "ct=state256,ply" },
			{ "ct_status=0x12e", "ct_status=012e" },
			{ "ct_zone=3", "ct_zone=x" },
			{ "ct_zone=65535", "ct_zone=65536" },
			{ "ct_mark=0x2a", "ct_mark=0x+a" },
			{ "phys_in_ifindex=4", "phys_in_ifindex=z" },
			{ "phys_in=veth-p0", "phys_in=veth\\p0" },
		};
		unsigned int i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t l = strlen(bad[i][0]);

			in = files_slurp(path, &len);
			at = memmem(in, len, bad[i][0], l);
			ck_assert_ptr_nonnull(at);
			memcpy(at, bad[i][1], l);
			files_spit(path2, in, len);
			ck_assert_int_eq(read_all(path2, &n, NULL, err), 0);
			ck_assert_msg(strstr(err, "a packet comment that is not nftrace's"),
				      "%s: %s", bad[i][1], err);
			free(in);
		}
	}
}
END_TEST

Suite *pcapng_read_suite(void)
{
	Suite *s = suite_create("pcapng_read");
	TCase *tc = tcase_create("reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reads_back_every_field);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_other_byte_order);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_every_byte_flipped);
	tcase_add_test(tc, test_packet_id_sources);
	tcase_add_test(tc, test_not_nftrace_files);
	suite_add_tcase(s, tc);
	return s;
}
