// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pcapng_reader.c - records out of nftrace-capture's pcapng files (see
 * pcapng_reader.h). Block and option codes are those pcapng_writer.c
 * writes; each block is read whole, its lengths checked against each
 * other before anything in it is looked at.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <byteswap.h>
#include <pcap/pcap.h>

#include "../kmod/nftrace_fmt.h"
#include "pcapng_reader.h"
#include "pcapng_writer.h"

#define BT_SHB		0x0A0D0D0AU
#define BT_IDB		0x00000001U
#define BT_EPB		0x00000006U
#define BYTE_ORDER_MAGIC 0x1A2B3C4DU

#define OPT_ENDOFOPT	0
#define OPT_COMMENT	1
#define IF_NAME		2
#define IF_DESCRIPTION	3
#define IF_TSRESOL	9
#define EPB_DROPCOUNT	4
#define EPB_PACKETID	5

#define MIN_BLOCK	12
#define OUT_SIZE	(sizeof(struct nftrace_record) + NFTRACE_SNAPLEN_MAX)

static __u32 get32(const struct pcapng_reader *r, const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return r->swap ? bswap_32(v) : v;
}

static __u16 get16(const struct pcapng_reader *r, const __u8 *p)
{
	__u16 v;

	memcpy(&v, p, 2);
	return r->swap ? bswap_16(v) : v;
}

static int fail(const struct pcapng_reader *r, char *err, const char *what)
{
	snprintf(err, PCAP_ERRBUF_SIZE, "%s: block %lu: %s", r->name,
		 r->block, what);
	return -1;
}

/*
 * One option from the options area [*p, end): its code, length and value.
 * 0 at opt_endofopt or the end of the area, 1 with an option, -1 when it
 * runs past the end.
 */
static int next_opt(const struct pcapng_reader *r, const __u8 **p,
		    const __u8 *end, __u16 *code, __u16 *len,
		    const __u8 **val)
{
	size_t padded;

	if (end - *p < 4)
		return 0;
	*code = get16(r, *p);
	*len = get16(r, *p + 2);
	if (*code == OPT_ENDOFOPT)
		return 0;
	padded = (*len + 3U) & ~3U;
	if ((size_t)(end - *p - 4) < padded)
		return -1;
	*val = *p + 4;
	*p += 4 + padded;
	return 1;
}

/*
 * Read one whole block into r->blk: 1 with its type and total length, 0
 * at a clean end of file, -1 with err set.
 */
static int read_block(struct pcapng_reader *r, __u32 *type, __u32 *len,
		      char *err)
{
	size_t n = r->ahead;

	r->ahead = 0;
	n += fread(r->blk + n, 1, 8 - n, r->f);
	if (n == 0 && feof(r->f))
		return 0;
	r->block++;
	if (n != 8)
		return fail(r, err, ferror(r->f) ? strerror(errno) :
			    "the file ends inside a block header");
	*type = get32(r, r->blk);
	if (*type == BT_SHB) {
		/* A new section may change the byte order: its magic says. */
		if (fread(r->blk + 8, 1, 4, r->f) != 4)
			return fail(r, err, "the file ends inside a section header");
		if (get32(r, r->blk + 8) != BYTE_ORDER_MAGIC)
			r->swap = !r->swap;
		if (get32(r, r->blk + 8) != BYTE_ORDER_MAGIC)
			return fail(r, err, "a section header with no byte-order magic");
		n = 12;
	}
	*len = get32(r, r->blk + 4);
	if (*len < MIN_BLOCK + (*type == BT_SHB ? 16 : 0) || *len % 4 ||
	    *len > PCAPNG_READER_BLOCK_MAX)
		return fail(r, err, "a block length out of range");
	if (fread(r->blk + n, 1, *len - n, r->f) != *len - n)
		return fail(r, err, ferror(r->f) ? strerror(errno) :
			    "the file ends inside a block");
	if (get32(r, r->blk + *len - 4) != *len)
		return fail(r, err, "the lengths at a block's two ends differ");
	return 1;
}

static int hook_of(const char *name, __u8 family, __u8 *hook)
{
	unsigned int h;
	char c;

	for (h = 0; nftrace_family_hook_name(family, h); h++)
		if (!strcmp(name, nftrace_family_hook_name(family, h))) {
			*hook = h;
			return 0;
		}
	if (sscanf(name, "hook%u%c", &h, &c) == 1 && h <= 255) {
		*hook = h;
		return 0;
	}
	return -1;
}

/* The writer's if_description family: nftrace_family_name()'s, familyN. */
static int family_of(const char *name, __u8 *family)
{
	unsigned int f;
	char c;

	for (f = 0; f <= 255; f++)
		if (nftrace_family_name(f) &&
		    !strcmp(name, nftrace_family_name(f))) {
			*family = f;
			return 0;
		}
	if (sscanf(name, "family%u%c", &f, &c) == 1 && f <= 255) {
		*family = f;
		return 0;
	}
	return -1;
}

/* An option's value as a C string, in buf (at most size - 1 bytes kept). */
static const char *opt_str(const __u8 *val, __u16 len, char *buf, size_t size)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(buf, val, n);
	buf[n] = '\0';
	return buf;
}

static int read_idb(struct pcapng_reader *r, __u32 len, char *err)
{
	const __u8 *p = r->blk + 16, *end = r->blk + len - 4, *val;
	struct pcapng_reader_if pif = { 0 };
	int have_name = 0, have_desc = 0, ret;
	char name[64], desc[128], fam[32];
	__u16 code, olen;

	if (len < 20)
		return fail(r, err, "an interface description too short");
	while ((ret = next_opt(r, &p, end, &code, &olen, &val)) > 0) {
		switch (code) {
		case IF_NAME:
			opt_str(val, olen, name, sizeof(name));
			have_name = 1;
			break;
		case IF_DESCRIPTION:
			opt_str(val, olen, desc, sizeof(desc));
			if (sscanf(desc, "netns=%u family=%31s", &pif.netns,
				   fam) != 2 || family_of(fam, &pif.family) < 0)
				return fail(r, err, "an interface description that is not nftrace's \"netns=N family=F\"");
			have_desc = 1;
			break;
		case IF_TSRESOL:
			if (olen != 1 || val[0] != 9)
				return fail(r, err, "timestamps not in nanoseconds: not a file nftrace-capture wrote");
			break;
		}
	}
	if (ret < 0)
		return fail(r, err, "an option runs past its block");
	if (!have_name || !have_desc)
		return fail(r, err, "an interface with no hook name or no description: not a file nftrace-capture wrote");
	if (hook_of(name, pif.family, &pif.hook) < 0)
		return fail(r, err, "an interface that is no netfilter hook: not a file nftrace-capture wrote");
	switch (get16(r, r->blk + 8)) {
	case PCAPNG_LINKTYPE_RAW:
	case PCAPNG_LINKTYPE_RAW_DLT:
		pif.link = NFTRACE_LINK_IP;
		break;
	case PCAPNG_LINKTYPE_ETHERNET:
		pif.link = NFTRACE_LINK_ETHERNET;
		break;
	case PCAPNG_LINKTYPE_LINUX_SLL:
		pif.link = NFTRACE_LINK_ARP;
		break;
	default:
		return fail(r, err, "an interface of a link type nftrace-capture does not write");
	}
	if (r->nr_ifs == r->max_ifs) {
		unsigned int max = r->max_ifs ? 2 * r->max_ifs : 16;
		struct pcapng_reader_if *ifs;

		ifs = realloc(r->ifs, max * sizeof(*ifs));
		if (!ifs)
			return fail(r, err, "out of memory");
		r->ifs = ifs;
		r->max_ifs = max;
	}
	r->ifs[r->nr_ifs++] = pif;
	return 0;
}

/* A comment word's interface name back: "-" is none, \xNN one byte. */
static int parse_ifname(const char *s, char *name)
{
	unsigned int i = 0, c;

	memset(name, 0, NFTRACE_IFNAMSIZ);
	if (!strcmp(s, "-"))
		return 0;
	while (*s) {
		if (i == NFTRACE_IFNAMSIZ - 1)
			return -1;
		if (*s == '\\') {
			if (sscanf(s, "\\x%2x", &c) != 1 || !s[2] || !s[3])
				return -1;
			name[i++] = (char)c;
			s += 4;
		} else {
			name[i++] = *s++;
		}
	}
	return 0;
}

/* What parse_comment() found of the fields past NFTRACE_RECORD_V1_LEN. */
#define CMT_ID		(1U << 0)	/* id= or netns_cookie= */
#define CMT_CT		(1U << 1)	/* ct=: the header had conntrack */
#define CMT_PHYS	(1U << 2)	/* a bridge port */

/* A number of at most max, all of s: 0, or -1. */
static int parse_u64(const char *s, int base, __u64 max, __u64 *v)
{
	unsigned long long x;
	char *end;

	/* Digits only: strtoull() would take a sign or white space. */
	if (base == 16 ? !isxdigit((unsigned char)*s) :
			 !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtoull(s, &end, base);
	if (errno || *end || x > max)
		return -1;
	*v = x;
	return 0;
}

static int parse_ifindex(const char *s, __s32 *ifindex)
{
	long x;
	char *end;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < INT32_MIN || x > INT32_MAX)
		return -1;
	*ifindex = x;
	return 0;
}

/*
 * The ct= word's value, nftrace_fmt_ct()'s "STATE[,reply][,snat][,dnat]",
 * back into rec. Parts it does not know are skipped (a later writer's).
 */
static int parse_ct(char *v, struct nftrace_record *rec)
{
	char *part, *save = NULL;
	unsigned int st;
	__u64 x;

	part = strtok_r(v, ",", &save);
	if (!part)
		return -1;
	for (st = 0; nftrace_ct_state_name(st); st++)
		if (!strcmp(part, nftrace_ct_state_name(st)))
			break;
	if (nftrace_ct_state_name(st))
		rec->ct_state = st;
	else if (!strncmp(part, "state", 5) &&
		 !parse_u64(part + 5, 10, 255, &x))
		rec->ct_state = x;
	else
		return -1;
	while ((part = strtok_r(NULL, ",", &save))) {
		if (!strcmp(part, "reply"))
			rec->ct_dir = NFTRACE_CT_DIR_REPLY;
		else if (!strcmp(part, "snat"))
			rec->ct_status |= NFTRACE_IPS_SRC_NAT;
		else if (!strcmp(part, "dnat"))
			rec->ct_status |= NFTRACE_IPS_DST_NAT;
		else if (!strncmp(part, "dir", 3) &&
			 !parse_u64(part + 3, 10, 255, &x))
			rec->ct_dir = x;
	}
	return 0;
}

/*
 * A word of the fields past NFTRACE_RECORD_V1_LEN (put_comment_new() in
 * pcapng_writer.c) into rec: CMT_* for the word, 0 for a word not of
 * these, -1 for a value that does not parse.
 */
static int parse_new_word(const char *key, char *v, struct nftrace_record *rec)
{
	__u64 x;

	if (!strcmp(key, "id")) {
		if (parse_u64(v, 10, ~0ULL, &rec->packet_id))
			return -1;
		return CMT_ID;
	}
	if (!strcmp(key, "netns_cookie")) {
		if (parse_u64(v, 10, ~0ULL, &rec->netns_cookie))
			return -1;
		return CMT_ID;
	}
	if (!strcmp(key, "ct"))
		return parse_ct(v, rec) ? -1 : (int)CMT_CT;
	if (!strcmp(key, "ct_status")) {
		if (strncmp(v, "0x", 2) || parse_u64(v + 2, 16, 0xffffffff, &x))
			return -1;
		rec->ct_status |= x;
		return CMT_CT;
	}
	if (!strcmp(key, "ct_zone")) {
		if (parse_u64(v, 10, 0xffff, &x))
			return -1;
		rec->ct_zone = x;
		return CMT_CT;
	}
	if (!strcmp(key, "ct_mark")) {
		if (strncmp(v, "0x", 2) || parse_u64(v + 2, 16, 0xffffffff, &x))
			return -1;
		rec->ct_mark = x;
		return CMT_CT;
	}
	if (!strcmp(key, "phys_in"))
		return parse_ifname(v, rec->phys_ifname_in) ? -1 : (int)CMT_PHYS;
	if (!strcmp(key, "phys_out"))
		return parse_ifname(v, rec->phys_ifname_out) ? -1 :
							      (int)CMT_PHYS;
	if (!strcmp(key, "phys_in_ifindex"))
		return parse_ifindex(v, &rec->phys_ifindex_in) ? -1 :
								(int)CMT_PHYS;
	if (!strcmp(key, "phys_out_ifindex"))
		return parse_ifindex(v, &rec->phys_ifindex_out) ? -1 :
								 (int)CMT_PHYS;
	return 0;
}

/*
 * The EPB comment pcapng_writer.c's put_comment() writes, back into rec:
 * "in=NAME in_ifindex=N out=NAME out_ifindex=N mark=0xM cpu=C", the
 * words of the later fields (pcapng_writer.h), then " dropped". Words it
 * does not know are skipped (a later writer's); each of the first six
 * must be there. Returns the CMT_* of the later fields found, or -1.
 */
static int parse_comment(char *s, struct nftrace_record *rec)
{
	unsigned int seen = 0, found = 0;
	char *word, *save = NULL;

	for (word = strtok_r(s, " ", &save); word;
	     word = strtok_r(NULL, " ", &save)) {
		char *v = strchr(word, '=');
		char *end = NULL;	/* set by a number's strto*() */

		if (!v) {
			if (!strcmp(word, "dropped"))
				rec->flags |= NFTRACE_REC_F_DROP;
			continue;
		}
		*v++ = '\0';
		errno = 0;
		if (!strcmp(word, "in")) {
			if (parse_ifname(v, rec->ifname_in) < 0)
				return -1;
			seen |= 1;
		} else if (!strcmp(word, "out")) {
			if (parse_ifname(v, rec->ifname_out) < 0)
				return -1;
			seen |= 2;
		} else if (!strcmp(word, "in_ifindex")) {
			long x = strtol(v, &end, 10);

			if (x < INT32_MIN || x > INT32_MAX)
				return -1;
			rec->ifindex_in = x;
			seen |= 4;
		} else if (!strcmp(word, "out_ifindex")) {
			long x = strtol(v, &end, 10);

			if (x < INT32_MIN || x > INT32_MAX)
				return -1;
			rec->ifindex_out = x;
			seen |= 8;
		} else if (!strcmp(word, "mark")) {
			unsigned long x = strtoul(v, &end, 16);

			if (x > UINT32_MAX || *v == '-')
				return -1;
			rec->mark = x;
			seen |= 16;
		} else if (!strcmp(word, "cpu")) {
			unsigned long cpu = strtoul(v, &end, 10);

			if (cpu > 0xffff || *v == '-')
				return -1;
			rec->cpu = cpu;
			seen |= 32;
		} else {
			int ret = parse_new_word(word, v, rec);

			if (ret < 0)
				return -1;
			found |= ret;
			continue;
		}
		if (end && (errno || end == v || *end))
			return -1;
	}
	return seen == 63 ? (int)found : -1;
}

/*
 * The header length the record had, as far as the file says: all of it
 * with conntrack (every module that has ct has the rest), up to the
 * cookie with only an id or a cookie, else the first modules' (whose
 * files have neither), so that the record prints as it did live.
 */
static __u16 header_len(unsigned int found, __u8 link)
{
	if ((found & (CMT_CT | CMT_PHYS)) || link != NFTRACE_LINK_IP)
		return sizeof(struct nftrace_record);
	if (found & CMT_ID)
		return offsetof(struct nftrace_record, ct_status);
	return NFTRACE_RECORD_V1_LEN;
}

static int read_epb(struct pcapng_reader *r, __u32 len, char *err)
{
	const __u8 *p, *end = r->blk + len - 4, *val;
	int have_comment = 0, have_id = 0, found = 0, ret;
	struct nftrace_record hdr, *rec = &hdr;
	__u32 if_id, cap_len, orig_len;
	const __u8 *data;
	char comment[1024];
	__u16 code, olen;
	__u64 id = 0;

	if (len < 32)
		return fail(r, err, "a packet block too short");
	if_id = get32(r, r->blk + 8);
	cap_len = get32(r, r->blk + 20);
	orig_len = get32(r, r->blk + 24);
	if (if_id >= r->nr_ifs)
		return fail(r, err, "a packet of an interface not described");
	if (cap_len > NFTRACE_SNAPLEN_MAX ||
	    (size_t)(end - (r->blk + 28)) < ((cap_len + 3U) & ~3U))
		return fail(r, err, "a packet longer than its block");

	/* Built whole here: out gets as much of it as the file had. */
	memset(rec, 0, sizeof(*rec));
	rec->type = NFTRACE_REC_PACKET;
	rec->tstamp_ns = (__u64)get32(r, r->blk + 12) << 32 |
			 get32(r, r->blk + 16);
	rec->netns = r->ifs[if_id].netns;
	rec->hook = r->ifs[if_id].hook;
	rec->family = r->ifs[if_id].family;
	rec->link = r->ifs[if_id].link;
	data = r->blk + 28;
	/* ARP on a device without Ethernet: behind a cooked header. */
	if (rec->link == NFTRACE_LINK_ARP) {
		if (cap_len < PCAPNG_SLL_HLEN || orig_len < PCAPNG_SLL_HLEN)
			return fail(r, err, "a cooked packet shorter than its header");
		data += PCAPNG_SLL_HLEN;
		cap_len -= PCAPNG_SLL_HLEN;
		orig_len -= PCAPNG_SLL_HLEN;
	}
	rec->orig_len = orig_len;
	rec->cap_len = cap_len;

	r->lost = 0;
	p = r->blk + 28 + ((get32(r, r->blk + 20) + 3U) & ~3U);
	while ((ret = next_opt(r, &p, end, &code, &olen, &val)) > 0) {
		if (code == OPT_COMMENT && !have_comment) {
			opt_str(val, olen, comment, sizeof(comment));
			found = parse_comment(comment, rec);
			if (found < 0)
				return fail(r, err, "a packet comment that is not nftrace's \"in=... in_ifindex=... out=... out_ifindex=... mark=... cpu=...\"");
			have_comment = 1;
		} else if (code == EPB_DROPCOUNT && olen == 8) {
			memcpy(&r->lost, val, 8);
			if (r->swap)
				r->lost = bswap_64(r->lost);
		} else if (code == EPB_PACKETID && olen == 8 && !have_id) {
			memcpy(&id, val, 8);
			if (r->swap)
				id = bswap_64(id);
			have_id = 1;
		}
	}
	if (ret < 0)
		return fail(r, err, "an option runs past its block");
	if (!have_comment)
		return fail(r, err, "a packet with no comment: nftrace's fields are in it (was it edited?)");
	/* epb_packetid is the id; the comment's id= is for people. */
	if (have_id) {
		rec->packet_id = id;
		found |= CMT_ID;
	}
	rec->hdr_len = header_len(found, rec->link);
	rec->len = rec->hdr_len + cap_len;
	memcpy(r->out, rec, rec->hdr_len);
	memcpy(r->out + rec->hdr_len, data, cap_len);
	return 0;
}

int pcapng_reader_fopen(struct pcapng_reader *r, FILE *f, const char *name,
			int own, __u32 magic, char *err)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
	r->own = own;
	r->blk = malloc(PCAPNG_READER_BLOCK_MAX);
	r->out = malloc(OUT_SIZE);
	if (!r->blk || !r->out) {
		snprintf(err, PCAP_ERRBUF_SIZE, "out of memory");
		goto err;
	}
	if (magic != BT_SHB) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: neither a pcapng nor a pcap file", r->name);
		goto err;
	}
	memcpy(r->blk, &magic, 4);
	r->ahead = 4;
	return 0;

err:
	pcapng_reader_close(r);
	return -1;
}

int pcapng_reader_next(struct pcapng_reader *r,
		       const struct nftrace_record **rec, __u32 *rec_len,
		       __u64 *lost, char *err)
{
	__u32 type, len;
	int ret;

	for (;;) {
		ret = read_block(r, &type, &len, err);
		if (ret <= 0)
			return ret;
		switch (type) {
		case BT_SHB:
			/* A new section: interface ids start again. */
			if (get16(r, r->blk + 12) != 1)
				return fail(r, err, "a section of pcapng version other than 1");
			r->nr_ifs = 0;
			break;
		case BT_IDB:
			if (read_idb(r, len, err) < 0)
				return -1;
			break;
		case BT_EPB:
			if (read_epb(r, len, err) < 0)
				return -1;
			*rec = (const struct nftrace_record *)r->out;
			*rec_len = (*rec)->len;
			*lost = r->lost;
			return 1;
		default:
			break;	/* ISB, NRB, custom: nothing of a record */
		}
	}
}

void pcapng_reader_close(struct pcapng_reader *r)
{
	if (r->own && r->f)
		fclose(r->f);
	r->f = NULL;
	free(r->blk);
	r->blk = NULL;
	free(r->out);
	r->out = NULL;
	free(r->ifs);
	r->ifs = NULL;
}
