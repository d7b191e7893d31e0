// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pcapng_writer.c - records into a pcapng file (see pcapng_writer.h).
 *
 * Block and option codes are draft-ietf-opsawg-pcapng's. Every block is
 * built whole in buf (header, body, options, trailing length), then
 * buf goes out with write(2): the writer knows where each block ends,
 * so that after a short write it can cut the file back to the last whole
 * one. Numbers are in host byte order, as the byte-order magic says.
 *
 * An EPB's options are a list: a new one is one more put_opt*() in
 * write_epb(), a new comment field one more line in put_comment().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "../kmod/nftrace_fmt.h"
#include "pcapng_writer.h"

#define BT_SHB		0x0A0D0D0AU
#define BT_IDB		0x00000001U
#define BT_ISB		0x00000005U
#define BT_EPB		0x00000006U
#define BYTE_ORDER_MAGIC 0x1A2B3C4DU

#define OPT_ENDOFOPT	0
#define OPT_COMMENT	1
#define SHB_USERAPPL	4
#define IF_NAME		2
#define IF_DESCRIPTION	3
#define IF_TSRESOL	9
#define EPB_FLAGS	2
#define EPB_DROPCOUNT	4
#define EPB_PACKETID	5
#define ISB_STARTTIME	2
#define ISB_ENDTIME	3
#define ISB_IFRECV	4

/* epb_flags bits 0-1. */
#define EPB_DIR_UNKNOWN		0
#define EPB_DIR_INBOUND		1
#define EPB_DIR_OUTBOUND	2

/*
 * The IDBs' link type: raw IP, as DLT_RAW (12, Linux's value) rather
 * than the registry's LINKTYPE_RAW (101). libpcap (1.10.3, sf-pcapng.c)
 * maps the first IDB's 101 to DLT_RAW, then compares each later IDB's
 * unmapped type with that and refuses the file: "an interface has a
 * type 101 different from the type of the first interface". 12 maps to
 * itself, so tcpdump reads (and filters) a file of many interfaces;
 * Wireshark reads 12 as raw IP too. Only OpenBSD's libpcap, where 12 is
 * DLT_LOOP, would misread it.
 */
#define IDB_LINKTYPE	12
#define TSRESOL_NS	9	/* 10^-9 s */

#define TEXT_MAX	256	/* a description or an ISB comment, at most */
#define COMMENT_MAX	640	/* an EPB comment, at most: put_comment() */
#define MIN_BLOCK	12	/* type, length, length */
/* An EPB at most: header, packet, comment, flags, dropcount, id, end. */
#define EPB_MAX		(28 + NFTRACE_SNAPLEN_MAX + 3 + 4 + COMMENT_MAX + \
			 8 + 12 + 12 + 4 + 4)
#define BUF_SIZE	(256 * 1024)

/* A block being built at the end of buf. */
struct blk {
	__u8 *base;
	size_t len;
};

static void put_bytes(struct blk *b, const void *p, size_t n)
{
	memcpy(b->base + b->len, p, n);
	b->len += n;
	while (b->len & 3)
		b->base[b->len++] = 0;
}

static void put32(struct blk *b, __u32 v)
{
	put_bytes(b, &v, 4);
}

static void put16x2(struct blk *b, __u16 hi, __u16 lo)
{
	__u16 v[2] = { hi, lo };

	put_bytes(b, v, 4);
}

/* A timestamp or 64-bit time: high 32 bits first, as in an EPB. */
static void put_ts(struct blk *b, __u64 ts)
{
	put32(b, (__u32)(ts >> 32));
	put32(b, (__u32)ts);
}

static void put_opt(struct blk *b, __u16 code, const void *val, size_t n)
{
	put16x2(b, code, (__u16)n);
	put_bytes(b, val, n);
}

static void put_opt_str(struct blk *b, __u16 code, const char *s)
{
	put_opt(b, code, s, strlen(s));
}

static void put_opt_u64(struct blk *b, __u16 code, __u64 v)
{
	put_opt(b, code, &v, 8);
}

static void put_opt_ts(struct blk *b, __u16 code, __u64 ts)
{
	put16x2(b, code, 8);
	put_ts(b, ts);
}

static void blk_begin(struct pcapng_writer *w, struct blk *b, __u32 type)
{
	b->base = w->buf + w->len;
	b->len = 0;
	put32(b, type);
	put32(b, 0);	/* the total length, once known */
}

/* Options end, the length goes in at both ends, and the block is in buf. */
static void blk_end(struct pcapng_writer *w, struct blk *b, int has_opts,
		    int packet)
{
	__u32 total;

	if (has_opts)
		put16x2(b, OPT_ENDOFOPT, 0);
	total = (__u32)b->len + 4;
	memcpy(b->base + 4, &total, 4);
	put32(b, total);
	w->len += b->len;
	w->pending[w->nr_pending].end = w->len;
	w->pending[w->nr_pending].packet = packet;
	w->nr_pending++;
}

/* After a short write of n bytes of buf: what reached the file whole. */
static void count_whole(struct pcapng_writer *w, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < w->nr_pending && w->pending[i].end <= n; i++) {
		start = w->pending[i].end;
		w->good_packets += w->pending[i].packet;
	}
	w->good += (long long)start;
}

int pcapng_writer_flush(struct pcapng_writer *w)
{
	size_t done = 0;
	struct stat st;

	if (w->error)
		return -1;
	while (done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->error = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (w->error) {
		/* A regular file is cut back; a pipe keeps its part block. */
		count_whole(w, done);
		if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    ftruncate(w->fd, w->good) < 0) {
			/* Nothing better to do: the write error is reported. */
		}
	} else {
		w->good += (long long)w->len;
		w->good_packets = w->packets;
	}
	w->len = 0;
	w->nr_pending = 0;
	return w->error ? -1 : 0;
}

/* Room for a block of up to need bytes at the end of buf. */
static int reserve(struct pcapng_writer *w, size_t need)
{
	if (w->len + need <= w->size && w->nr_pending < w->max_pending)
		return 0;
	return pcapng_writer_flush(w);
}

static void write_shb(struct pcapng_writer *w, const char *appl)
{
	struct blk b;

	blk_begin(w, &b, BT_SHB);
	put32(&b, BYTE_ORDER_MAGIC);
	put16x2(&b, 1, 0);		/* version 1.0 */
	put_ts(&b, ~0ULL);		/* section length: not given */
	if (appl && *appl)
		put_opt(&b, SHB_USERAPPL, appl, strnlen(appl, TEXT_MAX));
	blk_end(w, &b, appl && *appl, 0);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

int pcapng_writer_open(struct pcapng_writer *w, const char *path,
		       unsigned int snaplen, const char *appl, char *err)
{
	const char *name = strcmp(path, "-") ? path : "stdout";
	off_t pos;

	memset(w, 0, sizeof(*w));
	w->snaplen = snaplen;
	w->start_ns = now_ns();
	w->size = BUF_SIZE + EPB_MAX;
	w->max_pending = w->size / MIN_BLOCK;
	w->buf = malloc(w->size);
	w->pending = calloc(w->max_pending, sizeof(*w->pending));
	if (!w->buf || !w->pending) {
		snprintf(err, PCAP_ERRBUF_SIZE, "out of memory");
		goto err_free;
	}
	if (strcmp(path, "-")) {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0666);
		if (w->fd < 0) {
			snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s", path,
				 strerror(errno));
			goto err_free;
		}
		w->own_fd = 1;
	} else {
		w->fd = 1;
	}
	/* Where the cut goes after an error, should stdout be a file. */
	pos = lseek(w->fd, 0, SEEK_CUR);
	w->good = pos > 0 ? pos : 0;

	/* The section header on disk before any packet: a valid capture. */
	write_shb(w, appl);
	if (pcapng_writer_flush(w) < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s", name,
			 strerror(w->error));
		goto err_close;
	}
	return 0;

err_close:
	if (w->own_fd)
		close(w->fd);
err_free:
	free(w->pending);
	free(w->buf);
	return -1;
}

static const char *family_name(__u8 family, char *buf, size_t size)
{
	const char *name = nftrace_family_name(family);

	if (name)
		return name;
	snprintf(buf, size, "family%u", family);
	return buf;
}

static const char *hook_name(__u8 family, __u8 hook, char *buf, size_t size)
{
	const char *name = nftrace_family_hook_name(family, hook);

	if (name)
		return name;
	snprintf(buf, size, "hook%u", hook);
	return buf;
}

/* if_name: the hook as nft says it; if_description: what else the id is. */
static void write_idb(struct pcapng_writer *w, const struct pcapng_if *pif)
{
	char desc[TEXT_MAX], hbuf[16], fbuf[16];
	__u8 tsresol = TSRESOL_NS;
	struct blk b;

	blk_begin(w, &b, BT_IDB);
	put16x2(&b, pif->link == NFTRACE_LINK_ETHERNET ? PCAPNG_LINKTYPE_ETHERNET :
		    pif->link == NFTRACE_LINK_ARP ? PCAPNG_LINKTYPE_LINUX_SLL :
		    IDB_LINKTYPE, 0);
	put32(&b, w->snaplen);
	put_opt_str(&b, IF_NAME,
		    hook_name(pif->family, pif->hook, hbuf, sizeof(hbuf)));
	snprintf(desc, sizeof(desc), "netns=%u family=%s", pif->netns,
		 family_name(pif->family, fbuf, sizeof(fbuf)));
	put_opt_str(&b, IF_DESCRIPTION, desc);
	put_opt(&b, IF_TSRESOL, &tsresol, 1);
	blk_end(w, &b, 1, 0);
}

/* The interface id of the record's (netns, hook, family), -1 on error. */
static long interface_of(struct pcapng_writer *w,
			 const struct nftrace_record *rec)
{
	struct pcapng_if *pif;
	unsigned int i;

	for (i = 0; i < w->nr_ifs; i++) {
		/* Packets come in runs of one hook: try the last first. */
		unsigned int j = (w->last_if + i) % w->nr_ifs;

		pif = &w->ifs[j];
		if (pif->netns == rec->netns && pif->hook == rec->hook &&
		    pif->family == rec->family &&
		    pif->link == nftrace_rec_link(rec)) {
			w->last_if = j;
			return j;
		}
	}
	if (w->nr_ifs == w->max_ifs) {
		unsigned int max = w->max_ifs ? 2 * w->max_ifs : 16;

		pif = realloc(w->ifs, max * sizeof(*pif));
		if (!pif) {
			w->error = ENOMEM;
			return -1;
		}
		w->ifs = pif;
		w->max_ifs = max;
	}
	pif = &w->ifs[w->nr_ifs];
	memset(pif, 0, sizeof(*pif));
	pif->netns = rec->netns;
	pif->hook = rec->hook;
	pif->family = rec->family;
	pif->link = nftrace_rec_link(rec);
	if (reserve(w, TEXT_MAX * 2 + 64) < 0)
		return -1;
	write_idb(w, pif);
	w->last_if = w->nr_ifs;
	return w->nr_ifs++;
}

/*
 * An interface name as one word of the comment: printable ASCII as it
 * is, any other byte (and the backslash) as \xNN, "-" for none. The
 * name is untrusted: it need not be NUL-terminated, nor UTF-8.
 */
static size_t put_ifname(char *p, const char *name)
{
	size_t n = 0, i;

	if (!name[0]) {
		p[n++] = '-';
		return n;
	}
	for (i = 0; i < NFTRACE_IFNAMSIZ && name[i]; i++) {
		unsigned char c = name[i];

		if (c > ' ' && c < 0x7f && c != '\\')
			p[n++] = c;
		else
			n += sprintf(p + n, "\\x%02x", c);
	}
	return n;
}

/* " phys_in=NAME phys_in_ifindex=N": a bridge port. */
static size_t put_phys(char *p, const char *key, __s32 ifindex,
		       const char *name)
{
	size_t n = 0;

	n += sprintf(p + n, " %s=", key);
	n += put_ifname(p + n, name);
	n += sprintf(p + n, " %s_ifindex=%d", key, ifindex);
	return n;
}

/*
 * The words of the fields past NFTRACE_RECORD_V1_LEN that the header
 * has, the text line's where it has them: "ct=" whenever the header has
 * conntrack (pcapng_reader.c then knows the record's header did), the
 * rest when not 0. ct_status carries every IPS_* bit, not only NAT.
 */
static size_t put_comment_new(char *p, const struct nftrace_record *rec)
{
	char ct[NFTRACE_CT_STRLEN];
	size_t n = 0;

	if (nftrace_rec_packet_id(rec))
		n += sprintf(p + n, " id=%llu",
			     (unsigned long long)rec->packet_id);
	if (nftrace_rec_netns_cookie(rec))
		n += sprintf(p + n, " netns_cookie=%llu",
			     (unsigned long long)rec->netns_cookie);
	if (nftrace_rec_has_ct(rec)) {
		nftrace_fmt_ct(ct, rec);
		n += sprintf(p + n, " ct=%s", ct);
		if (rec->ct_status)
			n += sprintf(p + n, " ct_status=0x%x", rec->ct_status);
		if (rec->ct_zone)
			n += sprintf(p + n, " ct_zone=%u", rec->ct_zone);
		if (rec->ct_mark)
			n += sprintf(p + n, " ct_mark=0x%x", rec->ct_mark);
	}
	if (nftrace_rec_has_phys_in(rec))
		n += put_phys(p + n, "phys_in", rec->phys_ifindex_in,
			      rec->phys_ifname_in);
	if (nftrace_rec_has_phys_out(rec))
		n += put_phys(p + n, "phys_out", rec->phys_ifindex_out,
			      rec->phys_ifname_out);
	return n;
}

/*
 * The EPB's opt_comment: what the IP packet does not say, as key=value
 * words, "dropped" last for a drop record. At most COMMENT_MAX bytes:
 * four names take 64 at most escaped, numbers 20 digits at most, the ct
 * word NFTRACE_CT_STRLEN; 568 in all.
 */
static size_t put_comment(char *p, const struct nftrace_record *rec)
{
	size_t n = 0;

	n += sprintf(p + n, "in=");
	n += put_ifname(p + n, rec->ifname_in);
	n += sprintf(p + n, " in_ifindex=%d out=", rec->ifindex_in);
	n += put_ifname(p + n, rec->ifname_out);
	n += sprintf(p + n, " out_ifindex=%d mark=0x%x cpu=%u",
		     rec->ifindex_out, rec->mark, rec->cpu);
	n += put_comment_new(p + n, rec);
	if (rec->flags & NFTRACE_REC_F_DROP)
		n += sprintf(p + n, " dropped");
	return n;
}

/* epb_flags: the direction the hook implies. FORWARD is both: unknown. */
static __u32 epb_flags(const struct nftrace_record *rec)
{
	if (rec->family == NFTRACE_NFPROTO_ARP)
		return rec->hook == NFTRACE_ARP_HOOK_IN ? EPB_DIR_INBOUND :
		       rec->hook == NFTRACE_ARP_HOOK_OUT ? EPB_DIR_OUTBOUND :
							 EPB_DIR_UNKNOWN;
	if (rec->family == NFTRACE_NFPROTO_NETDEV)
		return rec->hook == NFTRACE_NETDEV_HOOK_INGRESS ? EPB_DIR_INBOUND :
		       rec->hook == NFTRACE_NETDEV_HOOK_EGRESS ? EPB_DIR_OUTBOUND :
								EPB_DIR_UNKNOWN;
	switch (rec->hook) {
	case NFTRACE_HOOK_PREROUTING:
	case NFTRACE_HOOK_INPUT:
		return EPB_DIR_INBOUND;
	case NFTRACE_HOOK_OUTPUT:
	case NFTRACE_HOOK_POSTROUTING:
		return EPB_DIR_OUTBOUND;
	}
	return EPB_DIR_UNKNOWN;
}

static void write_epb(struct pcapng_writer *w, __u32 if_id,
		      const struct nftrace_record *rec, const __u8 *data,
		      __u32 cap_len)
{
	char comment[COMMENT_MAX];
	__u32 orig_len, flags;
	struct blk b;
	__u64 dropcount = 0;

	/* The file's snaplen promises no more than this. */
	if (cap_len > w->snaplen)
		cap_len = w->snaplen;
	orig_len = rec->orig_len > cap_len ? rec->orig_len : cap_len;
	if (rec->cpu < w->nr_rings) {
		dropcount = w->ring_lost[rec->cpu];
		w->ring_lost[rec->cpu] = 0;
	}

	blk_begin(w, &b, BT_EPB);
	put32(&b, if_id);
	put_ts(&b, rec->tstamp_ns);	/* if_tsresol 9: nanoseconds */
	if (nftrace_rec_link(rec) == NFTRACE_LINK_ARP) {
		/*
		 * Linux's cooked header: the packet's way (to us, or
		 * outgoing), no hardware address known, protocol ARP.
		 */
		__u8 sll[PCAPNG_SLL_HLEN] = { 0 };

		if (cap_len + PCAPNG_SLL_HLEN > w->snaplen)
			cap_len = w->snaplen > PCAPNG_SLL_HLEN ?
				  w->snaplen - PCAPNG_SLL_HLEN : 0;
		sll[1] = rec->hook == NFTRACE_ARP_HOOK_OUT ? 4 : 0;
		sll[2] = 0xff;		/* ARPHRD_VOID */
		sll[3] = 0xff;
		sll[14] = 0x08;		/* ETH_P_ARP */
		sll[15] = 0x06;
		put32(&b, cap_len + PCAPNG_SLL_HLEN);
		put32(&b, orig_len + PCAPNG_SLL_HLEN);
		put_bytes(&b, sll, sizeof(sll));
	} else {
		put32(&b, cap_len);
		put32(&b, orig_len);
	}
	put_bytes(&b, data, cap_len);
	put_opt(&b, OPT_COMMENT, comment, put_comment(comment, rec));
	flags = epb_flags(rec);
	put_opt(&b, EPB_FLAGS, &flags, 4);
	if (dropcount)
		put_opt_u64(&b, EPB_DROPCOUNT, dropcount);
	if (nftrace_rec_packet_id(rec))
		put_opt_u64(&b, EPB_PACKETID, rec->packet_id);
	blk_end(w, &b, 1, 1);
}

int pcapng_writer_write(struct pcapng_writer *w,
			const struct nftrace_record *rec, __u32 rec_len)
{
	const __u8 *data;
	__u32 cap_len;
	long if_id;

	if (w->error)
		return 1;
	data = nftrace_record_data(rec, rec_len, &cap_len);
	if (!data) {
		w->bad++;
		return 1;
	}
	if_id = interface_of(w, rec);
	if (if_id < 0 || reserve(w, EPB_MAX) < 0)
		return 1;
	write_epb(w, (__u32)if_id, rec, data, cap_len);
	w->ifs[if_id].packets++;
	w->packets++;
	return 0;
}

void pcapng_writer_lost(struct pcapng_writer *w, unsigned int ring, __u64 n)
{
	w->lost += n;
	if (ring >= w->nr_rings) {
		__u64 *p = realloc(w->ring_lost, (ring + 1) * sizeof(*p));

		if (!p)
			return;	/* counted in lost, not in an EPB */
		memset(p + w->nr_rings, 0,
		       (ring + 1 - w->nr_rings) * sizeof(*p));
		w->ring_lost = p;
		w->nr_rings = ring + 1;
	}
	w->ring_lost[ring] += n;
}

/*
 * One ISB per interface, at close. What the numbers mean:
 *  - isb_starttime, isb_endtime: when the writer was opened and closed
 *    (CLOCK_REALTIME), the span in which the interface could see packets;
 *    the ISB's own timestamp is isb_endtime.
 *  - isb_ifrecv: the records captured at this hook, netns and family
 *    that reached this writer (all of them are in the file).
 *  - no isb_ifdrop: a record lost to a full ring is lost before anyone
 *    knows its hook. Losses are in the epb_dropcount of the next packet of
 *    the same CPU; the comment gives the total, and those after the last
 *    packet of their CPU, which no EPB carries.
 */
static void write_isbs(struct pcapng_writer *w)
{
	__u64 end = now_ns(), tail = 0;
	char comment[TEXT_MAX];
	unsigned int i;
	struct blk b;

	for (i = 0; i < w->nr_rings; i++)
		tail += w->ring_lost[i];
	snprintf(comment, sizeof(comment),
		 "records lost to full rings in all interfaces: %llu (each in the epb_dropcount of the next packet of its cpu); after the last packet of their cpu: %llu",
		 (unsigned long long)w->lost, (unsigned long long)tail);
	for (i = 0; i < w->nr_ifs; i++) {
		if (reserve(w, 3 * 12 + TEXT_MAX + 64) < 0)
			return;
		blk_begin(w, &b, BT_ISB);
		put32(&b, i);
		put_ts(&b, end);
		put_opt_ts(&b, ISB_STARTTIME, w->start_ns);
		put_opt_ts(&b, ISB_ENDTIME, end);
		put_opt_u64(&b, ISB_IFRECV, w->ifs[i].packets);
		put_opt_str(&b, OPT_COMMENT, comment);
		blk_end(w, &b, 1, 0);
	}
}

int pcapng_writer_close(struct pcapng_writer *w)
{
	if (!w->buf)
		return w->error ? -1 : 0;
	if (!w->error)
		write_isbs(w);
	pcapng_writer_flush(w);
	if (w->own_fd && close(w->fd) < 0 && !w->error)
		w->error = errno;
	free(w->buf);
	w->buf = NULL;
	free(w->pending);
	w->pending = NULL;
	free(w->ifs);
	w->ifs = NULL;
	free(w->ring_lost);
	w->ring_lost = NULL;
	return w->error ? -1 : 0;
}
