// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * files.c - the file readers' suites' records and files (see files.h).
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

#define NR_RECS		FILES_NR_RECS
#define SNAPLEN		FILES_SNAPLEN

void files_make_recs(struct test_rec tr[FILES_NR_RECS],
		     struct nftrace_record *recs[FILES_NR_RECS])
{
	static const __u8 hooks[NR_RECS] = {
		NFTRACE_HOOK_PREROUTING, NFTRACE_HOOK_FORWARD,
		NFTRACE_HOOK_OUTPUT, NFTRACE_HOOK_POSTROUTING,
		NFTRACE_HOOK_INPUT,
	};
	__u8 pkt[400];
	unsigned int i;

	for (i = 0; i < NR_RECS; i++) {
		int v6 = i == 1;
		size_t n;

		if (v6) {
			n = pkt_ipv6(pkt, "2001:db8::1", "2001:db8::2", 17, 308);
			n += pkt_udp(pkt + n, 40000 + i, 53, 300);
			memset(pkt + n, 0x55, 300);
			n += 300;
		} else {
			n = pkt_ipv4(pkt, "10.0.0.1", "10.0.0.2", 6, 20 + i);
			n += pkt_tcp(pkt + n, 40000 + i, 80, i, 0, 0x18, 512);
			memset(pkt + n, 0xa0 + i, i);
			n += i;
		}
		recs[i] = rec_make(&tr[i], v6 ? NFTRACE_NFPROTO_IPV6 :
				   NFTRACE_NFPROTO_IPV4, hooks[i], pkt,
				   n > SNAPLEN ? SNAPLEN : (__u32)n, (__u32)n);
		recs[i]->tstamp_ns = PKT_TSTAMP + i * 1000000007ULL;
		recs[i]->mark = 0x1000 * i + 1;
		recs[i]->cpu = i;
		recs[i]->ifindex_in = 2 + i;
		recs[i]->ifindex_out = 10 + i;
		snprintf(recs[i]->ifname_in, NFTRACE_IFNAMSIZ, "veth%u", i);
		snprintf(recs[i]->ifname_out, NFTRACE_IFNAMSIZ, "br-%u", i);
	}
	/* Names with spaces, backslashes, quotes, control and high bytes. */
	memcpy(recs[1]->ifname_out, "we\"ird\\ x\x01\xff", 12);
	memset(recs[1]->ifname_in, 0, NFTRACE_IFNAMSIZ);
	memcpy(recs[1]->ifname_in, "fifteen-chars-x", 15);
	recs[1]->mark = 0xffffffff;
	recs[1]->ifindex_out = 0x7fffffff;
	recs[2]->ifindex_in = 0;
	memset(recs[2]->ifname_in, 0, NFTRACE_IFNAMSIZ);
	recs[3]->flags = NFTRACE_REC_F_DROP;
	recs[4]->netns = PKT_NETNS + 7;
	recs[4]->cpu = 65535;

	/*
	 * The later header fields: all of them; all 0 (ct=none alone); a
	 * header that ends after the cookie; recs[3] the first modules';
	 * every field at its largest, an unknown conntrack state.
	 */
	rec_later_fields(recs[0]);
	recs[0]->phys_ifindex_in = 4;
	strcpy(recs[0]->phys_ifname_in, "veth-p0");
	recs[0]->phys_ifindex_out = -5;
	memcpy(recs[0]->phys_ifname_out, "we\"ird\\ x\x01\xff", 12);
	rec_full(recs[1]);
	rec_hdr_len(recs[2], offsetof(struct nftrace_record, ct_status));
	recs[2]->packet_id = 103;
	rec_full(recs[4]);
	recs[4]->packet_id = ~0ULL;
	recs[4]->netns_cookie = ~0ULL;
	recs[4]->ct_state = 200;
	recs[4]->ct_status = ~0U;
	recs[4]->ct_zone = 65535;
	recs[4]->ct_mark = ~0U;
	recs[4]->phys_ifindex_in = 0x7fffffff;
	memset(recs[4]->phys_ifname_in, 'p', NFTRACE_IFNAMSIZ - 1);
}


void files_mktemp(char *path, size_t size, const char *template)
{
	int fd;

	ck_assert_uint_lt(strlen(template), size);
	strcpy(path, template);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

__u8 *files_slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	__u8 *buf = malloc(1 << 20);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

void files_spit(const char *file, const __u8 *buf, size_t len)
{
	FILE *f = fopen(file, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

