/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nftrace_fmt.h - one record as one line of text.
 *
 * Compiled into the module (read() on /dev/nftrace) and into userspace
 * (nftrace-capture without -w), so that both print a packet identically.
 * Freestanding code only: no libc beyond memcpy and strlen, no %pI6c, no time zone
 * database (the caller passes its offset from UTC).
 */
#ifndef _NFTRACE_FMT_H
#define _NFTRACE_FMT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <linux/types.h>
#endif

#include "../include/nftrace.h"

/* Longest line nftrace_fmt_record() produces, '\n' included. */
#define NFTRACE_LINE_MAX	320

/* Longest IPv6 address nftrace_fmt_ip6() produces, NUL included. */
#define NFTRACE_IP6_STRLEN	46

/*
 * One record as one text line ending in '\n', NUL-terminated, e.g.
 *
 * 12:00:01.123456789 cpu1 ipv4 PREROUTING in=eth0 out=- mark=0x0 \
 *	netns=4026531840 len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S] \
 *	seq 1 ack 0 win 64240
 *
 * The time of day is rec->tstamp_ns + tz_offset_sec. rec_len is the number
 * of bytes readable at rec (the record's len as the ring delivered it); rec
 * is 8-byte aligned, as every record in a ring is. Nothing outside rec_len
 * bytes is read, and a record that makes no sense prints as "bad record".
 *
 * Returns the line's length without the NUL: always less than size when
 * size >= NFTRACE_LINE_MAX; a smaller buffer gets a truncated line that
 * still ends in '\n' (size >= 2).
 */
int nftrace_fmt_record(char *buf, size_t size, const struct nftrace_record *rec,
		       __u32 rec_len, long tz_offset_sec);

/* "lost N records (cpuC)\n", with the same size rules. */
int nftrace_fmt_lost(char *buf, size_t size, unsigned int cpu, __u64 n);

/*
 * The packet bytes of a valid packet record, *cap_len of them, or NULL
 * when the record is not one: shorter than its header, another type,
 * hdr_len or cap_len pointing outside rec_len. The one validity check
 * behind the text line and the pcap writer.
 */
const __u8 *nftrace_record_data(const struct nftrace_record *rec,
				__u32 rec_len, __u32 *cap_len);

/* "PREROUTING" .. "POSTROUTING", or NULL for a hook number out of range. */
const char *nftrace_hook_name(unsigned int hook);

/*
 * An IPv6 address as the kernel's %pI6c prints it (RFC 5952: lower case,
 * no leading zeros, the first longest run of two or more zero groups as
 * "::", IPv4-mapped and ISATAP addresses ending in dotted quad). buf holds
 * NFTRACE_IP6_STRLEN bytes. Returns the length without the NUL.
 */
int nftrace_fmt_ip6(char *buf, const __u8 *addr);

#endif /* _NFTRACE_FMT_H */
