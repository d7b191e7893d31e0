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
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#endif

#include "../include/nftrace.h"

/*
 * Longest line nftrace_fmt_record() produces, '\n' included: 295 bytes
 * for a V1 header, 140 more with all the fields after it (checked by
 * test_longest_lines).
 */
#define NFTRACE_LINE_MAX	512

/* Longest IPv6 address nftrace_fmt_ip6() produces, NUL included. */
#define NFTRACE_IP6_STRLEN	46

/* Longest string nftrace_fmt_ct() produces, NUL included. */
#define NFTRACE_CT_STRLEN	32

/* ct_status bits of enum ip_conntrack_status (IPS_SRC_NAT_BIT 4, ...). */
#define NFTRACE_IPS_SRC_NAT	(1U << 4)
#define NFTRACE_IPS_DST_NAT	(1U << 5)

/*
 * One record as one text line ending in '\n', NUL-terminated, e.g.
 *
 * 12:00:01.123456789 cpu1 ipv4 PREROUTING id=7 in=eth0 out=- mark=0x0 \
 *	netns=4026531840 ct=established,reply,dnat ct_zone=2 ct_mark=0x2a \
 *	len=60 tcp 10.0.0.1:22 > 10.0.0.2:49827 [S.] seq 1 ack 2 win 64240
 *
 * Its words, in this order, one space apart:
 *
 *   TIME		HH:MM:SS.nnnnnnnnn
 *   cpuC
 *   FAMILY		ipv4, ipv6, bridge, arp, netdev, familyN
 *   HOOK		PREROUTING ... POSTROUTING; arp: INPUT, OUTPUT,
 *			FORWARD; netdev: INGRESS (the device is in=),
 *			EGRESS (out=); hookN
 *   dropped		a drop record (NFTRACE_REC_F_DROP)
 *   id=N		packet_id, decimal, when the header has one and it
 *			is not 0
 *   in=IF		"-" for none; bytes other than printable ASCII as '?'
 *   phys_in=IF		bridge port in, when the header has one and it is
 *			set (ifindex or name)
 *   out=IF
 *   phys_out=IF	bridge port out, likewise
 *   mark=0xM		hex, lower case, no leading zeros
 *   netns=N
 *   ct=STATE[,reply][,snat][,dnat]
 *			when the header has conntrack: STATE none,
 *			untracked, new, established, related (stateN
 *			otherwise); ",reply" for a packet of the reply
 *			direction of an entry (new, established, related);
 *			",snat" and ",dnat" for IPS_SRC_NAT and IPS_DST_NAT
 *   ct_zone=Z		decimal, with ct=, when not 0
 *   ct_mark=0xK	hex, with ct=, when not 0
 *   len=L		orig_len
 *   PACKET		the protocol decode, tcpdump-like
 *
 * A record of an older module (hdr_len NFTRACE_RECORD_V1_LEN) has no id=,
 * phys_*= nor ct words: its line is what that module's was.
 *
 * The time of day is rec->tstamp_ns + tz_offset_sec. rec_len is the number
 * of bytes readable at rec (the record's len as the ring delivered it); rec
 * is 8-byte aligned, as every record in a ring is. Nothing outside rec_len
 * bytes is read, nor any field past hdr_len, and a record that makes no
 * sense prints as "bad record".
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
 * when the record is not one: shorter than NFTRACE_RECORD_V1_LEN or its
 * header, another type, hdr_len below NFTRACE_RECORD_V1_LEN, hdr_len or
 * cap_len pointing outside rec_len. The one validity check behind the
 * text line and every writer; with it, NFTRACE_REC_HAS() fields are
 * within rec_len.
 */
const __u8 *nftrace_record_data(const struct nftrace_record *rec,
				__u32 rec_len, __u32 *cap_len);

/*
 * The fields past NFTRACE_RECORD_V1_LEN, as every output decides to show
 * them, for a record nftrace_record_data() found valid: absent (0, false)
 * when the header is too short to hold them; ids and cookies also when
 * 0, bridge ports when neither index nor name is set. ct is there
 * whenever the header holds it ("none" is news too).
 */
static inline __u64 nftrace_rec_packet_id(const struct nftrace_record *rec)
{
	return NFTRACE_REC_HAS(rec, packet_id) ? rec->packet_id : 0;
}

static inline __u64 nftrace_rec_netns_cookie(const struct nftrace_record *rec)
{
	return NFTRACE_REC_HAS(rec, netns_cookie) ? rec->netns_cookie : 0;
}

static inline bool nftrace_rec_has_ct(const struct nftrace_record *rec)
{
	return NFTRACE_REC_HAS(rec, ct_dir);
}

/* Where the packet bytes start: NFTRACE_LINK_IP before there were links. */
static inline __u8 nftrace_rec_link(const struct nftrace_record *rec)
{
	return NFTRACE_REC_HAS(rec, link) ? rec->link : NFTRACE_LINK_IP;
}

static inline bool nftrace_rec_has_phys_in(const struct nftrace_record *rec)
{
	return NFTRACE_REC_HAS(rec, phys_ifname_in) &&
	       (rec->phys_ifindex_in || rec->phys_ifname_in[0]);
}

static inline bool nftrace_rec_has_phys_out(const struct nftrace_record *rec)
{
	return NFTRACE_REC_HAS(rec, phys_ifname_out) &&
	       (rec->phys_ifindex_out || rec->phys_ifname_out[0]);
}

/* "PREROUTING" .. "POSTROUTING", or NULL for a hook number out of range. */
const char *nftrace_hook_name(unsigned int hook);

/*
 * The hook's name in its family (ARP's and netdev's own numbers: "INPUT",
 * "INGRESS", "EGRESS"), or NULL.
 */
const char *nftrace_family_hook_name(unsigned int family, unsigned int hook);

/* "ipv4", "ipv6", "bridge", "arp", "netdev", or NULL. */
const char *nftrace_family_name(unsigned int family);

/* "none" .. "related" for NFTRACE_CT_*, or NULL for another number. */
const char *nftrace_ct_state_name(unsigned int state);

/* Whether a packet of this ct_state has a conntrack entry (and ct_dir). */
bool nftrace_ct_has_entry(unsigned int state);

/*
 * The value of the text line's ct= word, "established,reply,dnat", into
 * buf (NFTRACE_CT_STRLEN bytes), NUL-terminated. Only for a record whose
 * header has conntrack: nftrace_rec_has_ct(). Returns the length
 * without the NUL.
 */
int nftrace_fmt_ct(char *buf, const struct nftrace_record *rec);

/* IP protocol numbers, spelled out: the kernel's and libc's names clash. */
#define NFTRACE_IPPROTO_HOPOPTS		0
#define NFTRACE_IPPROTO_ICMP		1
#define NFTRACE_IPPROTO_TCP		6
#define NFTRACE_IPPROTO_UDP		17
#define NFTRACE_IPPROTO_ROUTING		43
#define NFTRACE_IPPROTO_FRAGMENT	44
#define NFTRACE_IPPROTO_AH		51
#define NFTRACE_IPPROTO_ICMPV6		58
#define NFTRACE_IPPROTO_DSTOPTS		60

/* What nftrace_parse_ip() returns: how far it got. */
enum nftrace_ip_status {
	NFTRACE_IP_OK,		/* all of struct nftrace_ip_info */
	NFTRACE_IP_SHORT,	/* shorter than the fixed header: nothing */
	NFTRACE_IP_BAD_VERSION,	/* version only */
	NFTRACE_IP_BAD_HLEN,	/* IPv4 header length (l4_off) below 20 */
	NFTRACE_IP_CUT,		/* the addresses; the headers cut short */
	NFTRACE_IP_TOO_MANY_EXT, /* the addresses; over 8 IPv6 ext headers */
	NFTRACE_IP_NO_FAMILY,	/* family neither IPv4 nor IPv6: nothing */
};

/*
 * An IP packet's headers, as the text line decodes them. What a status
 * does not name is 0.
 */
struct nftrace_ip_info {
	__u8 src[16];		/* IPv4: in the first 4 bytes */
	__u8 dst[16];
	__u8 version;		/* the header's: 4 or 6 but with BAD_VERSION */
	__u8 proto;		/* L4 protocol, past IPv6 extension headers */
	__u8 has_ports;		/* TCP or UDP with 4 bytes: sport, dport */
	__u16 sport, dport;
	__u32 l4_off;		/* where the L4 header starts in the packet */
	__u32 l4_len;		/* its bytes captured, within the IP length */
	__u32 fragoff;		/* in bytes; not 0: no L4 header at l4_off */
};

/*
 * The IPv4 or IPv6 packet (family NFTRACE_NFPROTO_*) at p, n bytes of it
 * captured, into *ip: the header checked, IPv6 extension headers (hop by
 * hop, routing, fragment, AH, destination options) walked, up to 8 of
 * them; the lengths in the header trusted only to shorten n. Nothing
 * outside p[0..n) is read. Returns an enum nftrace_ip_status.
 */
int nftrace_parse_ip(const __u8 *p, __u32 n, __u8 family,
		     struct nftrace_ip_info *ip);

/*
 * An ARP packet's n bytes at p as the text line says it ("arp who-has T
 * tell S", "arp reply S is-at MAC", ...), NUL-terminated, cut to size.
 */
#define NFTRACE_FMT_ARP_MAX	64
int nftrace_fmt_arp(char *buf, size_t size, const __u8 *p, __u32 n);

/* Longest string nftrace_fmt_tcp_flags() produces, NUL included. */
#define NFTRACE_TCP_FLAGS_STRLEN	9

/*
 * TCP flags (byte 13 of the header) as tcpdump's letters, one per bit
 * from FIN up to CWR ("S.", "FSRP.UEW"), or "none", into buf
 * (NFTRACE_TCP_FLAGS_STRLEN bytes), NUL-terminated. Returns the length
 * without the NUL.
 */
int nftrace_fmt_tcp_flags(char *buf, unsigned int flags);

/*
 * An IPv6 address as the kernel's %pI6c prints it (RFC 5952: lower case,
 * no leading zeros, the first longest run of two or more zero groups as
 * "::", IPv4-mapped and ISATAP addresses ending in dotted quad). buf holds
 * NFTRACE_IP6_STRLEN bytes. Returns the length without the NUL.
 */
int nftrace_fmt_ip6(char *buf, const __u8 *addr);

#endif /* _NFTRACE_FMT_H */
