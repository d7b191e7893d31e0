// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pcap_reader.c - records out of nftrace-capture's NFLOG pcap files (see
 * pcap_reader.h). The NFLOG layout is nflog.c's: a 4-byte header, then
 * TLVs whose length and type are in the byte order of the machine that
 * wrote the file (the file header's magic tells it), values big-endian.
 */
#include <arpa/inet.h>
#include <byteswap.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/nflog.h>
#include <pcap/pcap.h>

#include "../kmod/nftrace_fmt.h"
#include "nflog.h"
#include "pcap_reader.h"

#define PCAP_MAGIC_US	0xA1B2C3D4U
#define PCAP_MAGIC_NS	0xA1B23C4DU
#define LINKTYPE_RAW_	101	/* DLT_RAW in a file */
#define LINKTYPE_NFLOG_	239
#define FILE_HDR_LEN	24
#define PKT_HDR_LEN	16
/* The longest NFLOG message nflog_encode() writes. */
#define PKT_MAX		(NFLOG_HDR_MAX + NFLOG_PAYLOAD_MAX + 3)
#define OUT_SIZE	(NFTRACE_RECORD_V1_LEN + NFTRACE_SNAPLEN_MAX)

static __u32 get32(const struct pcap_reader *r, const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return r->swap ? bswap_32(v) : v;
}

static __u16 get16(const struct pcap_reader *r, const __u8 *p)
{
	__u16 v;

	memcpy(&v, p, 2);
	return r->swap ? bswap_16(v) : v;
}

static __u32 get_be32(const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static int fail(const struct pcap_reader *r, char *err, const char *what)
{
	snprintf(err, PCAP_ERRBUF_SIZE, "%s: packet %lu: %s", r->name,
		 r->packet, what);
	return -1;
}

int pcap_reader_magic(__u32 magic)
{
	return magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
	       bswap_32(magic) == PCAP_MAGIC_US ||
	       bswap_32(magic) == PCAP_MAGIC_NS;
}

int pcap_reader_fopen(struct pcap_reader *r, FILE *f, const char *name,
		      int own, __u32 magic, char *err)
{
	__u8 hdr[FILE_HDR_LEN];
	__u32 linktype;

	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
	r->own = own;
	r->swap = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
	r->nsec = (r->swap ? bswap_32(magic) : magic) == PCAP_MAGIC_NS;
	if (fread(hdr + 4, 1, FILE_HDR_LEN - 4, f) != FILE_HDR_LEN - 4) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s", name,
			 ferror(f) ? strerror(errno) : "the file ends inside the pcap file header");
		goto err;
	}
	if (get16(r, hdr + 4) != 2) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: a pcap file of version %u, not 2",
			 name, get16(r, hdr + 4));
		goto err;
	}
	r->snaplen = get32(r, hdr + 16);
	/* The low 16 bits; the FCS length may be in the high ones. */
	linktype = get32(r, hdr + 20) & 0xffff;
	if (linktype == LINKTYPE_RAW_) {
		snprintf(err, PCAP_ERRBUF_SIZE,
			 "%s: a raw-IP pcap file (--linktype raw) holds no hook: -r reads pcapng files (-w's default) and NFLOG pcap files (-F pcap)",
			 name);
		goto err;
	}
	if (linktype != LINKTYPE_NFLOG_) {
		snprintf(err, PCAP_ERRBUF_SIZE,
			 "%s: a pcap file of link type %u, not NFLOG: not written by nftrace-capture",
			 name, linktype);
		goto err;
	}
	r->pkt = malloc(PKT_MAX);
	r->out = malloc(OUT_SIZE);
	if (!r->pkt || !r->out) {
		snprintf(err, PCAP_ERRBUF_SIZE, "out of memory");
		goto err;
	}
	return 0;

err:
	pcap_reader_close(r);
	return -1;
}

/* "HOOK netns=N[ dropped]" (nflog.c's put_prefix()) into rec. */
static int parse_prefix(const __u8 *val, size_t len, struct nftrace_record *rec)
{
	const char *name = nftrace_hook_name(rec->hook);
	char s[64], hook[16];
	unsigned int netns;
	int n = 0;

	/* The value is the string and its NUL, and nothing after it. */
	if (len == 0 || len >= sizeof(s) || memchr(val, '\0', len) != val + len - 1)
		return -1;
	memcpy(s, val, len);
	if (sscanf(s, "%15s netns=%u%n", hook, &netns, &n) != 2 ||
	    !isdigit((unsigned char)s[n - 1]))
		return -1;
	/* The packet header's hook, by name (or "hookN" for a later one). */
	if (name ? strcmp(hook, name) : strncmp(hook, "hook", 4))
		return -1;
	rec->netns = netns;
	if (!strcmp(s + n, " dropped"))
		rec->flags |= NFTRACE_REC_F_DROP;
	else if (s[n])
		return -1;
	return 0;
}

/* The packet's length from its IP header, or cap_len where it has none. */
static __u32 ip_len(const __u8 *data, __u32 cap_len)
{
	__u32 len = 0;

	if (cap_len >= 20 && data[0] >> 4 == 4)
		len = (__u32)data[2] << 8 | data[3];
	else if (cap_len >= 40 && data[0] >> 4 == 6)
		len = ((__u32)data[4] << 8 | data[5]) + 40;
	return len > cap_len ? len : cap_len;
}

static void put_ifname(char *name, __s32 ifindex)
{
	if (ifindex)
		snprintf(name, NFTRACE_IFNAMSIZ, "#%d", ifindex);
}

/* The NFLOG message in r->pkt, len bytes, into r->out. */
static int read_nflog(struct pcap_reader *r, __u32 len, __u64 tstamp,
		      char *err)
{
	struct nftrace_record *rec = (struct nftrace_record *)r->out;
	const __u8 *p = r->pkt + sizeof(nflog_hdr_t), *end = r->pkt + len;
	const __u8 *payload = NULL, *prefix = NULL;
	size_t payload_len = 0, prefix_len = 0;
	int have_hdr = 0;

	if (len < sizeof(nflog_hdr_t))
		return fail(r, err, "shorter than an NFLOG header");
	memset(rec, 0, NFTRACE_RECORD_V1_LEN);
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = NFTRACE_RECORD_V1_LEN;
	rec->tstamp_ns = tstamp;
	/* NFLOG's family is the address family: NFPROTO_IPV4/6 are equal. */
	rec->family = ((const nflog_hdr_t *)r->pkt)->nflog_family;

	while (end - p >= (ptrdiff_t)sizeof(nflog_tlv_t)) {
		__u16 tlen = get16(r, p), type = get16(r, p + 2);
		const __u8 *val = p + sizeof(nflog_tlv_t);
		size_t vlen, step;

		if (tlen < sizeof(nflog_tlv_t) || tlen > end - p)
			return fail(r, err, "an NFLOG TLV longer than its packet");
		vlen = tlen - sizeof(nflog_tlv_t);
		switch (type) {
		case NFULA_PACKET_HDR:
			if (vlen < 3)
				return fail(r, err, "an NFLOG packet header too short");
			rec->hook = val[2];
			have_hdr = 1;
			break;
		case NFULA_MARK:
		case NFULA_IFINDEX_INDEV:
		case NFULA_IFINDEX_OUTDEV:
			if (vlen != 4)
				return fail(r, err, "an NFLOG mark or interface that is not 4 bytes");
			if (type == NFULA_MARK)
				rec->mark = get_be32(val);
			else if (type == NFULA_IFINDEX_INDEV)
				rec->ifindex_in = (__s32)get_be32(val);
			else
				rec->ifindex_out = (__s32)get_be32(val);
			break;
		case NFULA_PREFIX:
			prefix = val;
			prefix_len = vlen;
			break;
		case NFULA_PAYLOAD:
			payload = val;
			payload_len = vlen;
			break;
		default:
			/*
			 * Bridge ports (PHYSINDEV/PHYSOUTDEV) and anything
			 * else: the first modules' header has no room.
			 */
			break;
		}
		/* The last TLV's padding may be cut off with the packet. */
		step = (tlen + 3U) & ~3U;
		if (step > (size_t)(end - p))
			step = (size_t)(end - p);
		p += step;
	}
	if (!have_hdr || !prefix || !payload)
		return fail(r, err, "an NFLOG packet without nftrace's packet header, prefix and payload (not written by nftrace-capture?)");
	if (parse_prefix(prefix, prefix_len, rec) < 0)
		return fail(r, err, "an NFLOG prefix that is not nftrace's \"HOOK netns=N[ dropped]\"");
	if (payload_len > NFTRACE_SNAPLEN_MAX)
		payload_len = NFTRACE_SNAPLEN_MAX;
	rec->cap_len = (__u32)payload_len;
	rec->orig_len = ip_len(payload, rec->cap_len);
	rec->len = NFTRACE_RECORD_V1_LEN + rec->cap_len;
	put_ifname(rec->ifname_in, rec->ifindex_in);
	put_ifname(rec->ifname_out, rec->ifindex_out);
	memcpy(r->out + NFTRACE_RECORD_V1_LEN, payload, payload_len);
	return 0;
}

int pcap_reader_next(struct pcap_reader *r,
		     const struct nftrace_record **rec, __u32 *rec_len,
		     char *err)
{
	__u8 h[PKT_HDR_LEN];
	__u32 caplen, frac;
	__u64 tstamp;
	size_t n;

	n = fread(h, 1, sizeof(h), r->f);
	if (n == 0 && feof(r->f))
		return 0;
	r->packet++;
	if (n != sizeof(h))
		return fail(r, err, ferror(r->f) ? strerror(errno) :
			    "the file ends inside a packet header");
	caplen = get32(r, h + 8);
	frac = get32(r, h + 4);
	if (caplen > PKT_MAX)
		return fail(r, err, "a packet longer than any nftrace-capture writes");
	if (frac >= (r->nsec ? 1000000000U : 1000000U))
		return fail(r, err, "a timestamp's fraction out of range");
	if (fread(r->pkt, 1, caplen, r->f) != caplen)
		return fail(r, err, ferror(r->f) ? strerror(errno) :
			    "the file ends inside a packet");
	tstamp = (__u64)get32(r, h) * 1000000000ULL +
		 (r->nsec ? frac : frac * 1000ULL);
	if (read_nflog(r, caplen, tstamp, err) < 0)
		return -1;
	*rec = (const struct nftrace_record *)r->out;
	*rec_len = (*rec)->len;
	return 1;
}

void pcap_reader_close(struct pcap_reader *r)
{
	if (r->own && r->f)
		fclose(r->f);
	r->f = NULL;
	free(r->pkt);
	r->pkt = NULL;
	free(r->out);
	r->out = NULL;
}
