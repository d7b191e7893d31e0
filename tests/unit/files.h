/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * files.h - what the file readers' suites (check_pcapng_read.c,
 * check_pcap_read.c) share: five records to write and read back, and
 * files to damage.
 */
#ifndef _NFTRACE_TEST_FILES_H
#define _NFTRACE_TEST_FILES_H

#include <stddef.h>
#include <linux/types.h>

#include "pkt.h"

#define FILES_NR_RECS	5
#define FILES_SNAPLEN	128

/*
 * Five records, one per hook: every field set to something of its own;
 * an IPv6 one cut to FILES_SNAPLEN, hostile interface names, a drop,
 * another netns, the largest ifindex and mark, a high CPU number, and
 * the later header fields in several lengths.
 */
void files_make_recs(struct test_rec tr[FILES_NR_RECS],
		     struct nftrace_record *recs[FILES_NR_RECS]);

/* A new empty file from template (ending in XXXXXX), its name in path. */
void files_mktemp(char *path, size_t size, const char *template);

/* The whole of file, malloc()ed (at most 1 MiB), its length in *len. */
__u8 *files_slurp(const char *file, size_t *len);

/* file made len bytes of buf. */
void files_spit(const char *file, const __u8 *buf, size_t len);

#endif /* _NFTRACE_TEST_FILES_H */
