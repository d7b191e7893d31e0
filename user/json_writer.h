/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * json_writer.h - records as JSON, one object a line (JSON Lines), on a
 * stream: for jq and scripts. The keys are stable; new ones may be added.
 *
 *   time_ns      string   CLOCK_REALTIME in nanoseconds, as a decimal
 *                         string: it exceeds 2^53, which jq and JavaScript
 *                         numbers (doubles) cannot hold exactly
 *   time         string   the same, ISO 8601 in UTC with nanoseconds,
 *                         "2024-01-01T12:00:01.123456789Z"
 *   hook         string   "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
 *                         "POSTROUTING" ("hookN" for an unknown number)
 *   family       string   "ipv4", "ipv6" ("familyN" for an unknown one)
 *   netns        number   inode number of the packet's network namespace
 *   in_ifindex   number   input interface index, 0: none
 *   in           string   its name, "" for none
 *   out_ifindex  number   output interface index, 0: none
 *   out          string   its name, "" for none
 *   mark         number   skb->mark at the hook
 *   cpu          number   the CPU, which is the ring
 *   seq          number   the ring's sequence number of the record
 *   len          number   the record's length: header and packet bytes
 *   cap_len      number   packet bytes captured (in data)
 *   orig_len     number   the packet's length from its IP header on
 *   dropped      boolean  netfilter dropped the packet at this hook
 *   data         string   the cap_len captured bytes from the IP header
 *                         on, in lower-case hex, two digits a byte
 *
 * Then, from modules whose record header holds them (not those of
 * NFTRACE_RECORD_V1_LEN bytes), each only when the record has it:
 *
 *   packet_id    number   the packet's id, the same at each hook of one
 *                         traversal of the stack; absent when 0 (ids are
 *                         counters, far below 2^53)
 *   netns_cookie string   the netns's cookie (never reused, unlike the
 *                         inode number), decimal string as time_ns (it
 *                         may exceed 2^53); absent when 0
 *   ct           object   conntrack at the hook:
 *     state      string   "none", "untracked", "new", "established",
 *                         "related" ("stateN" for an unknown number)
 *     dir        string   "original" or "reply" ("dirN"); only for new,
 *                         established and related, which have an entry
 *     status     number   the entry's IPS_* bits
 *     zone       number   its zone
 *     mark       number   its mark (ct mark)
 *     snat       boolean  IPS_SRC_NAT is set
 *     dnat       boolean  IPS_DST_NAT is set
 *   phys_in_ifindex  number  the bridge port in (br_netfilter), with
 *   phys_in          string  its name; both only when there is one
 *   phys_out_ifindex number  the bridge port out, likewise
 *   phys_out         string
 *
 * These come after dropped and before data, which stays last.
 *
 * Interface names are bytes from the kernel, not necessarily text: in
 * the strings, '"' and '\' are escaped, and every byte below 0x20 or from
 * 0x7f up is written \u00XX (the byte's value), so the output is ASCII.
 * A record that is no packet is skipped and counted in bad.
 */
#ifndef _NFTRACE_JSON_WRITER_H
#define _NFTRACE_JSON_WRITER_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"

struct json_writer {
	FILE *f;
	int error;		/* errno of the first write error, or 0 */
	unsigned long records;	/* written */
	unsigned long bad;	/* records that were no packet, skipped */
};

void json_writer_init(struct json_writer *w, FILE *f);
/* 0 when written, 1 when skipped (no packet, or after an error). */
int json_writer_write(struct json_writer *w, const struct nftrace_record *rec,
		      __u32 rec_len);
/* 0, or -1 with w->error set. */
int json_writer_flush(struct json_writer *w);

#endif /* _NFTRACE_JSON_WRITER_H */
