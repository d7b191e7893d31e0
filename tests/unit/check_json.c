// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_json.c - the JSON writer (user/json_writer.c) read back by jq:
 * every key with its exact value and type, those of the later header
 * fields only where a record has them, hostile interface names,
 * skipped records, and the tool's --json against the fake device.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../user/json_writer.h"
#include "pkt.h"
#include "suites.h"
#include "tools.h"

static struct test_rec tr;
static char path[64];
static char out[1 << 16];

static void setup(void)
{
	int fd;

	tool_require("jq");
	strcpy(path, "/tmp/nftrace-json-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

static void write_recs(struct nftrace_record **recs, unsigned int n)
{
	struct json_writer w;
	unsigned int i;
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	json_writer_init(&w, f);
	for (i = 0; i < n; i++)
		json_writer_write(&w, recs[i], recs[i]->len);
	ck_assert_int_eq(json_writer_flush(&w), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* Every key of one record as jq has it: value and type, in key order. */
static const char *jq_all(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "jq -r 'to_entries[] | \"\\(.key) \\(.value|type) \\(.value|tojson)\"' %s",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	return out;
}

START_TEST(test_every_key)
{
	struct nftrace_record *rec;
	__u8 pkt[64];
	size_t n;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);
	n += pkt_udp(pkt + n, 53, 1024, 0);
	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV4, NFTRACE_HOOK_FORWARD, pkt,
		       (__u32)n, 300);
	rec->seq = 77;
	rec->mark = 0xffffffff;
	rec->cpu = 3;
	rec->ifindex_out = 9;
	strcpy(rec->ifname_out, "br-lan");
	rec->flags = NFTRACE_REC_F_DROP;
	write_recs(&rec, 1);
	ck_assert_str_eq(jq_all(),
		"time_ns string \"1704110401123456789\"\n"
		"time string \"2024-01-01T12:00:01.123456789Z\"\n"
		"hook string \"FORWARD\"\n"
		"family string \"ipv4\"\n"
		"netns number 4026531840\n"
		"in_ifindex number 2\n"
		"in string \"eth0\"\n"
		"out_ifindex number 9\n"
		"out string \"br-lan\"\n"
		"mark number 4294967295\n"
		"cpu number 3\n"
		"seq number 77\n"
		"len number 116\n"
		"cap_len number 28\n"
		"orig_len number 300\n"
		"dropped boolean true\n"
		"data string \"4500001c12344000401100000a0000010a0000020035040000080000\"\n");
}
END_TEST

/*
 * The keys of the fields past NFTRACE_RECORD_V1_LEN: after "dropped",
 * before "data", each only when the record's header has it (and, but for
 * ct, when it is not 0); a cookie beyond 2^53 exact, as a string.
 */
START_TEST(test_new_keys)
{
	static struct test_rec tr2, tr3, tr4;
	struct nftrace_record *recs[4];
	char cmd[512];
	__u8 pkt[64];
	size_t n;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);
	n += pkt_udp(pkt + n, 53, 1024, 0);
	recs[0] = rec_later_fields(rec_make(&tr, NFTRACE_NFPROTO_IPV4,
					    NFTRACE_HOOK_FORWARD, pkt,
					    (__u32)n, 28));
	recs[0]->phys_ifindex_in = 4;
	strcpy(recs[0]->phys_ifname_in, "veth\"1");
	/* Nothing known: ct only, without a direction. */
	recs[1] = rec_full(rec_make(&tr2, NFTRACE_NFPROTO_IPV4,
				    NFTRACE_HOOK_INPUT, pkt, (__u32)n, 28));
	recs[1]->ct_dir = NFTRACE_CT_DIR_REPLY;
	recs[1]->phys_ifindex_out = 9;
	/* A header that ends after the cookie; one of the first modules. */
	recs[2] = rec_hdr_len(rec_make(&tr3, NFTRACE_NFPROTO_IPV4,
				       NFTRACE_HOOK_INPUT, pkt, (__u32)n, 28),
			      104);
	recs[2]->packet_id = 8;
	recs[2]->netns_cookie = 1;
	recs[3] = rec_make(&tr4, NFTRACE_NFPROTO_IPV4, NFTRACE_HOOK_INPUT, pkt,
			   (__u32)n, 28);
	write_recs(recs, 4);
	snprintf(cmd, sizeof(cmd),
		 "jq -c 'del(.time_ns, .time, .hook, .family, .netns, .in_ifindex, .in, .out_ifindex, .out, .mark, .cpu, .seq, .len, .cap_len, .orig_len, .dropped, .data)' %s",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"{\"packet_id\":7,\"netns_cookie\":\"9007199254740993\",\"ct\":{\"state\":\"established\",\"dir\":\"reply\",\"status\":302,\"zone\":3,\"mark\":42,\"snat\":false,\"dnat\":true},\"phys_in_ifindex\":4,\"phys_in\":\"veth\\\"1\"}\n"
		"{\"ct\":{\"state\":\"none\",\"status\":0,\"zone\":0,\"mark\":0,\"snat\":false,\"dnat\":false},\"phys_out_ifindex\":9,\"phys_out\":\"\"}\n"
		"{\"packet_id\":8,\"netns_cookie\":\"1\"}\n"
		"{}\n");
	snprintf(cmd, sizeof(cmd), "jq -c 'keys_unsorted | .[15:]' %s", path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"[\"dropped\",\"packet_id\",\"netns_cookie\",\"ct\",\"phys_in_ifindex\",\"phys_in\",\"data\"]\n"
		"[\"dropped\",\"ct\",\"phys_out_ifindex\",\"phys_out\",\"data\"]\n"
		"[\"dropped\",\"packet_id\",\"netns_cookie\",\"data\"]\n"
		"[\"dropped\",\"data\"]\n");
	/* The lengths count the header each record has. */
	snprintf(cmd, sizeof(cmd), "jq -c '[.len, .cap_len]' %s", path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[188,28]\n[188,28]\n[132,28]\n[116,28]\n");
}
END_TEST

/*
 * Names are bytes: quotes, backslashes, control bytes, bytes from 0x7f
 * and 16 bytes with no NUL all come out as valid JSON, byte for byte.
 */
/* netdev: its family and hook names, its device, Ethernet or IP. */
START_TEST(test_netdev)
{
	static struct test_rec tr2;
	struct nftrace_record *rec[2];
	char cmd[256];
	__u8 pkt[64];
	size_t n;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 17, 8);
	n += pkt_udp(pkt + n, 53, 1024, 0);
	rec[1] = rec_full(rec_make(&tr2, NFTRACE_NFPROTO_NETDEV,
				   NFTRACE_NETDEV_HOOK_EGRESS, pkt, n, n));
	rec[1]->ifindex_in = 0;
	memset(rec[1]->ifname_in, 0, NFTRACE_IFNAMSIZ);
	rec[1]->ifindex_out = 5;
	strcpy(rec[1]->ifname_out, "tun0");
	n = pkt_ether(pkt, n, 0x0800);
	rec[0] = rec_full(rec_make(&tr, NFTRACE_NFPROTO_NETDEV,
				   NFTRACE_NETDEV_HOOK_INGRESS, pkt, n, n));
	rec[0]->link = NFTRACE_LINK_ETHERNET;
	write_recs(rec, 2);
	snprintf(cmd, sizeof(cmd),
		 "jq -c '[.hook, .family, .in, .out, .link, .data[0:2]]' %s",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"[\"INGRESS\",\"netdev\",\"eth0\",\"\",\"ethernet\",\"02\"]\n"
		"[\"EGRESS\",\"netdev\",\"\",\"tun0\",null,\"45\"]\n");
}
END_TEST

START_TEST(test_hostile_names)
{
	struct nftrace_record *rec;
	char cmd[256];
	__u8 pkt[40];
	size_t n;

	n = pkt_ipv6(pkt, "::1", "::1", 59, 0);
	rec = rec_make(&tr, NFTRACE_NFPROTO_IPV6, 9, pkt, (__u32)n,
		       (__u32)n);
	rec->family = 77;
	memcpy(rec->ifname_in, "a\"b\\c\n\x01\x7f\xff/}{]x", 14);
	memcpy(rec->ifname_out, "0123456789abcdefNOTME", 16);
	write_recs(&rec, 1);
	snprintf(cmd, sizeof(cmd),
		 "jq -r '[.hook, .family, (.in|tojson), .out, (.in|explode|map(tostring)|join(\",\"))] | join(\" \")' %s",
		 path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
		"hook9 family77 \"a\\\"b\\\\c\\n\\u0001\\u007fÿ/}{]x\" 0123456789abcdef 97,34,98,92,99,10,1,127,255,47,125,123,93,120\n");
}
END_TEST

/* A record that is no packet is skipped and counted, the next one kept. */
START_TEST(test_bad_record_skipped)
{
	struct nftrace_record *recs[2];
	static struct test_rec tr2;
	struct json_writer w;
	char cmd[128];
	__u8 pkt[40];
	size_t n;
	FILE *f;

	n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 1, 0);
	recs[0] = rec_make(&tr, NFTRACE_NFPROTO_IPV4, 0, pkt, (__u32)n,
			   (__u32)n);
	recs[0]->hdr_len = 200;		/* beyond the record */
	recs[1] = rec_make(&tr2, NFTRACE_NFPROTO_IPV4, 1, pkt, (__u32)n,
			   (__u32)n);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	json_writer_init(&w, f);
	ck_assert_int_eq(json_writer_write(&w, recs[0], recs[0]->len), 1);
	ck_assert_int_eq(json_writer_write(&w, recs[1], recs[1]->len), 0);
	ck_assert_uint_eq(w.bad, 1);
	ck_assert_uint_eq(w.records, 1);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "jq -c '[.hook, .cap_len]' %s", path);
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[\"INPUT\",20]\n");
}
END_TEST

/* The tool: --json on stdout, one object a packet, status on stderr. */
START_TEST(test_tool_json)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
		 "%s -q -c 10 --json 2>/dev/null | jq -s -c '[length, (map(.netns)|unique), (group_by(.cpu) | map(map(.seq) == [range(length)]) | all)]'",
		 tool_with_fake());
	ck_assert_int_eq(tool_run(cmd, out, sizeof(out)), 0);
	/* Each ring's first records, in order (how the rings interleave varies). */
	ck_assert_str_eq(out, "[10,[4026531840],true]\n");

	snprintf(cmd, sizeof(cmd), "%s --json -w x 2>&1; echo $?",
		 NFTRACE_TOOL);
	tool_run(cmd, out, sizeof(out));
	ck_assert_str_eq(out, "nftrace-capture: --json prints on stdout: leave out -w\nTry 'nftrace-capture --help' for more information.\n1\n");
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	/* jq runs for most checks: more than Check's default 4 s on a busy host. */
	tcase_set_timeout(tc, 60);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_new_keys);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_hostile_names);
	tcase_add_test(tc, test_bad_record_skipped);
	tcase_add_test(tc, test_tool_json);
	suite_add_tcase(s, tc);
	return s;
}
