// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * journey_writer.c - one line per packet journey (see journey_writer.h).
 *
 * A fixed table of journeys, found by packet id through hash chains of
 * slot numbers, each journey on one of two lists in the order it was last
 * touched: under way, or at its last hook waiting for a drop record. The
 * next to end is whichever list's head has the earlier deadline. The
 * lists are in record order, so the order journeys end in depends on the
 * records and on how far the clock has gone, never on when it was moved:
 * a clock step that no record contradicts ends the same journeys, in the
 * same order, that the next record would have ended.
 *
 * The packet is decoded by nftrace_parse_ip(), the text line's decoder,
 * from its IP header, wherever the record's link puts it: its addresses
 * and ports are compared hop with hop, whichever link each hop's bytes
 * start at, and the first hop's packet is printed as a short summary
 * with the text line's conventions (tcpdump's flag letters, [|tcp] where
 * the capture cut a header, [addr]:port for IPv6; ARP in its words).
 * Packet bytes may come from a file: every length is checked before the
 * bytes it covers are read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../kmod/nftrace_fmt.h"
#include "journey_writer.h"
#include "text_writer.h"

#define JW_SUMMARY_MAX	160	/* a TCP/IPv6 summary is under 120 */
#define JW_LINE_MAX	4096	/* the longest line is under 2500 */

#define JW_ETH_HLEN	14
#define JW_VLAN_HLEN	4
#define JW_ETH_P_IP	0x0800
#define JW_ETH_P_ARP	0x0806
#define JW_ETH_P_8021Q	0x8100
#define JW_ETH_P_IPV6	0x86dd

/* journey.list: the lists, then where a journey on neither is. */
enum {
	JW_UNDERWAY,
	JW_AT_END,
	JW_NR_LISTS,
	JW_UNLINKED = JW_NR_LISTS,
	JW_FREE,
};

/* How long a journey on each list waits for its next record. */
static const __u64 jw_wait_ns[JW_NR_LISTS] = {
	[JW_UNDERWAY]	= JOURNEY_TIMEOUT_NS,
	[JW_AT_END]	= JOURNEY_DROP_WAIT_NS,
};

struct jw_addr {
	__u8 a[16];
	__u16 port;
	__u8 has_port;
	__u8 v6;
};

/* What hops are compared by. known: the IP header was there. */
struct jw_tuple {
	struct jw_addr src, dst;
	__u8 known;
};

struct jw_hop {
	__u8 family;			/* NFTRACE_NFPROTO_* */
	__u8 hook;
	__u8 dropped;
	__u8 snat, dnat;		/* changed in this hook, to: */
	struct jw_addr snat_to, dnat_to;
	char in[NFTRACE_IFNAMSIZ + 1];	/* printable, NUL-terminated */
	char out[NFTRACE_IFNAMSIZ + 1];
	char port_in[NFTRACE_IFNAMSIZ + 1];	/* bridge ports, "": none */
	char port_out[NFTRACE_IFNAMSIZ + 1];
};

struct journey {
	__u64 id;			/* 0: a record without one */
	__u64 first_ns, last_ns;
	int prev, next;			/* on its list; next: the free list */
	int hnext;			/* hash chain */
	__u8 list;			/* JW_UNDERWAY .. JW_FREE */
	__u8 nr_hops;
	struct jw_tuple last;		/* as the last record had them */
	char summary[JW_SUMMARY_MAX];	/* the first record's packet */
	struct jw_hop hops[JOURNEY_MAX_HOPS];
};

/* A string being built: len < size always, so a NUL fits. */
struct jw_str {
	char *buf;
	size_t size;
	size_t len;
};

static void str_init(struct jw_str *s, char *buf, size_t size)
{
	s->buf = buf;
	s->size = size;
	s->len = 0;
	buf[0] = '\0';
}

/* Cut at the end of buf, as the text line is. */
__attribute__((format(printf, 2, 3)))
static void str_printf(struct jw_str *s, const char *fmt, ...)
{
	size_t room = s->size - s->len;
	va_list ap;
	int n;

	if (room < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n < room ? (size_t)n : room - 1;
}

static __u32 get_be16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

/* Packet decoding: the tuple, and the summary of the first hop. */

static void fmt_ip4(char *buf, size_t size, const __u8 *a)
{
	snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void put_addr(struct jw_str *s, const struct jw_addr *a)
{
	char ip[NFTRACE_IP6_STRLEN];

	if (s->size - s->len < 2)
		return;
	if (a->v6)
		nftrace_fmt_ip6(ip, a->a);
	else
		fmt_ip4(ip, sizeof(ip), a->a);
	if (!a->has_port)
		str_printf(s, "%s", ip);
	else if (a->v6)
		str_printf(s, "[%s]:%u", ip, a->port);
	else
		str_printf(s, "%s:%u", ip, a->port);
}

/* " SRC > DST" */
static void put_pair(struct jw_str *s, const struct jw_tuple *t)
{
	str_printf(s, " ");
	put_addr(s, &t->src);
	str_printf(s, " > ");
	put_addr(s, &t->dst);
}

struct jw_icmp_type {
	__u8 type;
	__u8 kind;
	const char *name;
};

enum {
	JW_ICMP_INFO,	/* the code when not 0 */
	JW_ICMP_ERROR,	/* always the code */
	JW_ICMP_ECHO,	/* id and seq */
};

static const struct jw_icmp_type icmp4_types[] = {
	{ 0,	JW_ICMP_ECHO,	"echo reply" },
	{ 3,	JW_ICMP_ERROR,	"unreachable" },
	{ 4,	JW_ICMP_ERROR,	"source quench" },
	{ 5,	JW_ICMP_ERROR,	"redirect" },
	{ 8,	JW_ICMP_ECHO,	"echo request" },
	{ 11,	JW_ICMP_ERROR,	"time exceeded" },
	{ 12,	JW_ICMP_ERROR,	"parameter problem" },
};

static const struct jw_icmp_type icmp6_types[] = {
	{ 1,	JW_ICMP_ERROR,	"unreachable" },
	{ 2,	JW_ICMP_ERROR,	"packet too big" },
	{ 3,	JW_ICMP_ERROR,	"time exceeded" },
	{ 4,	JW_ICMP_ERROR,	"parameter problem" },
	{ 128,	JW_ICMP_ECHO,	"echo request" },
	{ 129,	JW_ICMP_ECHO,	"echo reply" },
	{ 133,	JW_ICMP_INFO,	"router solicitation" },
	{ 134,	JW_ICMP_INFO,	"router advertisement" },
	{ 135,	JW_ICMP_INFO,	"neighbor solicitation" },
	{ 136,	JW_ICMP_INFO,	"neighbor advertisement" },
	{ 137,	JW_ICMP_INFO,	"redirect" },
};

#define JW_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void put_icmp(struct jw_str *s, const struct jw_tuple *t,
		     const __u8 *p, __u32 n)
{
	int v6 = t->src.v6;
	const struct jw_icmp_type *types = v6 ? icmp6_types : icmp4_types;
	size_t i, nr = v6 ? JW_ARRAY_SIZE(icmp6_types) :
			    JW_ARRAY_SIZE(icmp4_types);
	const struct jw_icmp_type *type = NULL;

	str_printf(s, v6 ? "icmp6" : "icmp");
	put_pair(s, t);
	if (n < 4) {
		str_printf(s, v6 ? " [|icmp6]" : " [|icmp]");
		return;
	}
	for (i = 0; i < nr; i++)
		if (types[i].type == p[0])
			type = &types[i];
	if (!type) {
		str_printf(s, " type %u code %u", p[0], p[1]);
		return;
	}
	str_printf(s, " %s", type->name);
	if (type->kind == JW_ICMP_ERROR || p[1])
		str_printf(s, " code %u", p[1]);
	if (type->kind != JW_ICMP_ECHO)
		return;
	if (n < 8)
		str_printf(s, v6 ? " [|icmp6]" : " [|icmp]");
	else
		str_printf(s, " id %u seq %u", get_be16(p + 4),
			   get_be16(p + 6));
}

/* The transport header at p, as nftrace_parse_ip() found it. */
static void put_l4(struct jw_str *s, const struct jw_tuple *t,
		   const struct nftrace_ip_info *ip, const __u8 *p)
{
	char flags[NFTRACE_TCP_FLAGS_STRLEN];
	__u32 n = ip->l4_len;

	if (ip->fragoff) {
		/* Not the first fragment: no ports here. */
		str_printf(s, "proto %u", ip->proto);
		put_pair(s, t);
		str_printf(s, " frag off %u", ip->fragoff);
		return;
	}
	switch (ip->proto) {
	case NFTRACE_IPPROTO_TCP:
		str_printf(s, "tcp");
		put_pair(s, t);
		if (n < 20) {
			str_printf(s, " [|tcp]");
			return;
		}
		nftrace_fmt_tcp_flags(flags, p[13]);
		str_printf(s, " [%s]", flags);
		return;
	case NFTRACE_IPPROTO_UDP:
		str_printf(s, "udp");
		put_pair(s, t);
		if (n < 8)
			str_printf(s, " [|udp]");
		return;
	case NFTRACE_IPPROTO_ICMP:
	case NFTRACE_IPPROTO_ICMPV6:
		if (t->src.v6 != (ip->proto == NFTRACE_IPPROTO_ICMPV6))
			break;
		put_icmp(s, t, p, n);
		return;
	}
	str_printf(s, "proto %u", ip->proto);
	put_pair(s, t);
}

static void set_addr(struct jw_addr *a, const __u8 *addr, __u16 port,
		     const struct nftrace_ip_info *ip)
{
	memcpy(a->a, addr, sizeof(a->a));
	a->port = port;
	a->has_port = ip->has_ports;
	a->v6 = ip->version == 6;
}

static void parse_ip(struct jw_str *s, struct jw_tuple *t, __u8 family,
		     const __u8 *p, __u32 n)
{
	const char *name = family == NFTRACE_NFPROTO_IPV6 ? "ip6" : "ip";
	struct nftrace_ip_info ip;
	int ret;

	ret = nftrace_parse_ip(p, n, family, &ip);
	switch (ret) {
	case NFTRACE_IP_NO_FAMILY:
		str_printf(s, "family %u", family);
		return;
	case NFTRACE_IP_SHORT:
		str_printf(s, "[|%s]", name);
		return;
	case NFTRACE_IP_BAD_VERSION:
		str_printf(s, "bad %s version %u", name, ip.version);
		return;
	case NFTRACE_IP_BAD_HLEN:
		str_printf(s, "bad ip hlen %u", ip.l4_off);
		return;
	}
	set_addr(&t->src, ip.src, ip.sport, &ip);
	set_addr(&t->dst, ip.dst, ip.dport, &ip);
	t->known = 1;
	if (ret == NFTRACE_IP_OK) {
		put_l4(s, t, &ip, p + ip.l4_off);
		return;
	}
	/* NFTRACE_IP_CUT or NFTRACE_IP_TOO_MANY_EXT: the addresses, and why */
	str_printf(s, "%s", name);
	put_pair(s, t);
	if (ret == NFTRACE_IP_CUT)
		str_printf(s, " [|%s]", name);
	else
		str_printf(s, " too many extension headers");
}

/* An ARP packet in the text line's words (nftrace_fmt_arp()). */
static void put_arp(struct jw_str *s, const __u8 *p, __u32 n)
{
	char buf[NFTRACE_FMT_ARP_MAX];

	nftrace_fmt_arp(buf, sizeof(buf), p, n);
	str_printf(s, "%s", buf);
}

/* An Ethernet frame: what it carries, past one 802.1Q tag. */
static void parse_ether(struct jw_str *s, struct jw_tuple *t, const __u8 *p,
			__u32 n)
{
	__u32 hlen = JW_ETH_HLEN;
	unsigned int type;

	if (n < hlen) {
		str_printf(s, "[|ether]");
		return;
	}
	type = get_be16(p + 12);
	if (type == JW_ETH_P_8021Q) {
		hlen += JW_VLAN_HLEN;
		if (n < hlen) {
			str_printf(s, "[|vlan]");
			return;
		}
		type = get_be16(p + 16);
	}
	switch (type) {
	case JW_ETH_P_IP:
		parse_ip(s, t, NFTRACE_NFPROTO_IPV4, p + hlen, n - hlen);
		return;
	case JW_ETH_P_IPV6:
		parse_ip(s, t, NFTRACE_NFPROTO_IPV6, p + hlen, n - hlen);
		return;
	case JW_ETH_P_ARP:
		put_arp(s, p + hlen, n - hlen);
		return;
	}
	str_printf(s, "ethertype 0x%x", type);
}

/* The packet from where the record's link says its bytes start. */
static void parse_packet(struct jw_str *s, struct jw_tuple *t,
			 const struct nftrace_record *rec, const __u8 *p,
			 __u32 n)
{
	__u8 family = rec->family;
	__u8 link = nftrace_rec_link(rec);

	memset(t, 0, sizeof(*t));
	switch (link) {
	case NFTRACE_LINK_IP:
		/* A netdev hook of a device without a link header. */
		if (family == NFTRACE_NFPROTO_NETDEV)
			family = n && (p[0] >> 4) == 6 ? NFTRACE_NFPROTO_IPV6 :
						       NFTRACE_NFPROTO_IPV4;
		parse_ip(s, t, family, p, n);
		return;
	case NFTRACE_LINK_ETHERNET:
		parse_ether(s, t, p, n);
		return;
	case NFTRACE_LINK_ARP:
		put_arp(s, p, n);
		return;
	}
	str_printf(s, "link %u", link);
}

/* The table: slots, hash chains and lists. */

static int slot_of(const struct journey_writer *w, const struct journey *j)
{
	return (int)(j - w->slots);
}

static unsigned int bucket_of(const struct journey_writer *w, __u64 id)
{
	__u64 h = id * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h ^ h >> 32) & (w->nr_buckets - 1);
}

static struct journey *lookup(struct journey_writer *w, __u64 id)
{
	int i;

	for (i = w->buckets[bucket_of(w, id)]; i >= 0; i = w->slots[i].hnext)
		if (w->slots[i].id == id)
			return &w->slots[i];
	return NULL;
}

static void hash_del(struct journey_writer *w, struct journey *j)
{
	int *link = &w->buckets[bucket_of(w, j->id)];

	while (*link != slot_of(w, j))
		link = &w->slots[*link].hnext;
	*link = j->hnext;
}

static void list_add_tail(struct journey_writer *w, struct journey *j,
			  unsigned int list)
{
	struct journey_list *l = &w->lists[list];

	j->list = list;
	j->next = -1;
	j->prev = l->tail;
	if (l->tail >= 0)
		w->slots[l->tail].next = slot_of(w, j);
	else
		l->head = slot_of(w, j);
	l->tail = slot_of(w, j);
}

static void list_del(struct journey_writer *w, struct journey *j)
{
	struct journey_list *l;

	if (j->list >= JW_NR_LISTS)
		return;
	l = &w->lists[j->list];
	if (j->prev >= 0)
		w->slots[j->prev].next = j->next;
	else
		l->head = j->next;
	if (j->next >= 0)
		w->slots[j->next].prev = j->prev;
	else
		l->tail = j->prev;
	j->list = JW_UNLINKED;
}

static __u64 deadline(const struct journey *j)
{
	__u64 wait = jw_wait_ns[j->list];

	return j->last_ns > ~0ULL - wait ? ~0ULL : j->last_ns + wait;
}

/* The journey to end first: the earlier deadline of the two heads. */
static struct journey *next_to_end(struct journey_writer *w)
{
	struct journey *best = NULL;
	unsigned int i;

	for (i = 0; i < JW_NR_LISTS; i++) {
		struct journey *j;

		if (w->lists[i].head < 0)
			continue;
		j = &w->slots[w->lists[i].head];
		if (!best || deadline(j) < deadline(best))
			best = j;
	}
	return best;
}

/* Printing. */

/* HH:MM:SS.nnnnnnnnn in local time, as the text lines have it. */
static void put_time(struct journey_writer *w, struct jw_str *s, __u64 ns)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	long long tod;
	struct tm tm;

	if (sec / 60 != w->tz_minute) {
		w->tz_minute = sec / 60;
		w->tz_offset = localtime_r(&sec, &tm) ? tm.tm_gmtoff : 0;
	}
	tod = ((long long)(sec % 86400) + w->tz_offset % 86400 + 86400) %
	      86400;
	str_printf(s, "%02lld:%02lld:%02lld.%09u", tod / 3600, tod / 60 % 60,
		   tod % 60, (unsigned int)(ns % 1000000000ULL));
}

/* Which of its interfaces a hop is about: the way in, or the way out. */
enum {
	JW_SIDE_NONE,
	JW_SIDE_IN,
	JW_SIDE_OUT,
};

static int hop_side(const struct jw_hop *h)
{
	switch (h->family) {
	case NFTRACE_NFPROTO_ARP:
		if (h->hook >= NFTRACE_NR_ARP_HOOKS)
			return JW_SIDE_NONE;
		return h->hook == NFTRACE_ARP_HOOK_IN ? JW_SIDE_IN :
							JW_SIDE_OUT;
	case NFTRACE_NFPROTO_NETDEV:
		if (h->hook >= NFTRACE_NR_NETDEV_HOOKS)
			return JW_SIDE_NONE;
		return h->hook == NFTRACE_NETDEV_HOOK_INGRESS ? JW_SIDE_IN :
								JW_SIDE_OUT;
	}
	switch (h->hook) {
	case NFTRACE_HOOK_PREROUTING:
	case NFTRACE_HOOK_INPUT:
		return JW_SIDE_IN;
	case NFTRACE_HOOK_FORWARD:
	case NFTRACE_HOOK_OUTPUT:
	case NFTRACE_HOOK_POSTROUTING:
		return JW_SIDE_OUT;
	}
	return JW_SIDE_NONE;
}

/*
 * A journey of one family's hooks, IPv4's or IPv6's, prints as it did
 * before there were others: hook names alone, devices, not ports.
 */
static int plain_inet(const struct journey *j)
{
	__u8 family = j->hops[0].family;
	unsigned int k;

	if (family != NFTRACE_NFPROTO_IPV4 && family != NFTRACE_NFPROTO_IPV6)
		return 0;
	for (k = 1; k < j->nr_hops; k++)
		if (j->hops[k].family != family)
			return 0;
	return 1;
}

static const char *hop_in(const struct jw_hop *h, int ports)
{
	return ports && h->port_in[0] ? h->port_in : h->in;
}

static const char *hop_out(const struct jw_hop *h, int ports)
{
	return ports && h->port_out[0] ? h->port_out : h->out;
}

/*
 * The interface a hop is about (hop_side()), its bridge port where
 * ports says so. Left out when the hop before (in) or after (out) shows
 * the same.
 */
static const char *hop_ifname(const struct journey *j, unsigned int k,
			      int ports)
{
	const struct jw_hop *h = &j->hops[k];
	const char *name;

	switch (hop_side(h)) {
	case JW_SIDE_IN:
		name = hop_in(h, ports);
		if (k > 0 && !strcmp(hop_in(&j->hops[k - 1], ports), name))
			return "";
		return name;
	case JW_SIDE_OUT:
		name = hop_out(h, ports);
		if (k + 1 < j->nr_hops &&
		    !strcmp(hop_out(&j->hops[k + 1], ports), name))
			return "";
		return name;
	}
	return "";
}

/* plain: hook names alone; else family first, as the text line has it. */
static void put_hook(struct jw_str *s, const struct jw_hop *h, int plain)
{
	const char *family = nftrace_family_name(h->family);
	const char *hook = nftrace_family_hook_name(h->family, h->hook);

	if (!plain && family)
		str_printf(s, "%s ", family);
	else if (!plain)
		str_printf(s, "family%u ", h->family);
	if (hook)
		str_printf(s, "%s", hook);
	else
		str_printf(s, "hook%u", h->hook);
}

static void put_hop(struct jw_str *s, const struct journey *j, unsigned int k,
		    int plain)
{
	const struct jw_hop *h = &j->hops[k];
	const char *ifname = hop_ifname(j, k, !plain);

	put_hook(s, h, plain);
	if (ifname[0])
		str_printf(s, " %s", ifname);
	if (h->snat) {
		str_printf(s, " (SNAT -> ");
		put_addr(s, &h->snat_to);
		str_printf(s, ")");
	}
	if (h->dnat) {
		str_printf(s, " (DNAT -> ");
		put_addr(s, &h->dnat_to);
		str_printf(s, ")");
	}
	if (h->dropped)
		str_printf(s, " dropped");
}

/* lost: it ended before the last hook it could reach, or a drop. */
static void print_journey(struct journey_writer *w, const struct journey *j,
			  int lost)
{
	int plain = plain_inet(j);
	char buf[JW_LINE_MAX];
	struct jw_str s;
	unsigned int k;

	if (w->error)
		return;
	/* One byte short of buf: the '\n' always fits. */
	str_init(&s, buf, sizeof(buf) - 1);
	put_time(w, &s, j->first_ns);
	if (j->id)
		str_printf(&s, " id=%llu ", (unsigned long long)j->id);
	else
		str_printf(&s, " id=- ");
	str_printf(&s, "%s ", j->summary);
	for (k = 0; k < j->nr_hops; k++) {
		str_printf(&s, k ? " -> " : " ");
		put_hop(&s, j, k, plain);
	}
	if (lost)
		str_printf(&s, " -> (not seen again)");
	buf[s.len++] = '\n';
	fwrite(buf, 1, s.len, w->f);
	w->lines++;
}

/* Print j and give its slot back. */
static void end_journey(struct journey_writer *w, struct journey *j)
{
	int lost = j->list == JW_UNDERWAY;

	list_del(w, j);
	print_journey(w, j, lost);
	if (j == w->one)
		return;
	hash_del(w, j);
	j->list = JW_FREE;
	j->next = w->free;
	w->free = slot_of(w, j);
	w->used--;
}

/* The journeys whose deadline the clock has passed. */
static void expire(struct journey_writer *w)
{
	struct journey *j;

	while ((j = next_to_end(w)) && deadline(j) < w->now)
		end_journey(w, j);
}

/* A new journey for id, ending the next one to end if the table is full. */
static struct journey *start_journey(struct journey_writer *w, __u64 id,
				     const struct nftrace_record *rec,
				     const char *summary)
{
	struct journey *j;

	if (!id) {
		j = w->one;
	} else {
		if (w->free < 0)
			end_journey(w, next_to_end(w));
		j = &w->slots[w->free];
		w->free = j->next;
		w->used++;
		j->hnext = w->buckets[bucket_of(w, id)];
		w->buckets[bucket_of(w, id)] = slot_of(w, j);
	}
	j->id = id;
	j->first_ns = j->last_ns = rec->tstamp_ns;
	j->list = JW_UNLINKED;
	j->nr_hops = 0;
	memset(&j->last, 0, sizeof(j->last));
	snprintf(j->summary, sizeof(j->summary), "%s", summary);
	return j;
}

static void copy_ifname(char *dst, const char *src)
{
	unsigned int i;

	for (i = 0; i < NFTRACE_IFNAMSIZ && src[i]; i++) {
		unsigned char c = src[i];

		dst[i] = c > ' ' && c < 0x7f ? c : '?';
	}
	dst[i] = '\0';
}

static int addr_eq(const struct jw_addr *a, const struct jw_addr *b)
{
	if (memcmp(a->a, b->a, a->v6 ? 16 : 4))
		return 0;
	return !a->has_port || !b->has_port || a->port == b->port;
}

/* A drop record of the hook the journey is at: that hop, dropped. */
static int drops_last_hop(const struct journey *j,
			  const struct nftrace_record *rec)
{
	const struct jw_hop *h;

	if (!(rec->flags & NFTRACE_REC_F_DROP) || !j->nr_hops)
		return 0;
	h = &j->hops[j->nr_hops - 1];
	return h->family == rec->family && h->hook == rec->hook &&
	       !h->dropped;
}

/*
 * The record's hop. What changed since the last record changed in the
 * hook of that record: nftrace's hooks run first, so that hook's NAT
 * shows in the next record, or in its own drop record.
 */
static void add_hop(struct journey *j, const struct nftrace_record *rec,
		    const struct jw_tuple *t)
{
	struct jw_hop *h;

	if (j->nr_hops && j->last.known && t->known &&
	    j->last.src.v6 == t->src.v6) {
		h = &j->hops[j->nr_hops - 1];
		if (!addr_eq(&j->last.src, &t->src)) {
			h->snat = 1;
			h->snat_to = t->src;
		}
		if (!addr_eq(&j->last.dst, &t->dst)) {
			h->dnat = 1;
			h->dnat_to = t->dst;
		}
	}
	if (t->known)
		j->last = *t;
	if (rec->tstamp_ns > j->last_ns)
		j->last_ns = rec->tstamp_ns;
	if (drops_last_hop(j, rec)) {
		j->hops[j->nr_hops - 1].dropped = 1;
		return;
	}
	h = &j->hops[j->nr_hops++];
	memset(h, 0, sizeof(*h));
	h->family = rec->family;
	h->hook = rec->hook;
	h->dropped = !!(rec->flags & NFTRACE_REC_F_DROP);
	copy_ifname(h->in, rec->ifname_in);
	copy_ifname(h->out, rec->ifname_out);
	if (nftrace_rec_has_phys_in(rec))
		copy_ifname(h->port_in, rec->phys_ifname_in);
	if (nftrace_rec_has_phys_out(rec))
		copy_ifname(h->port_out, rec->phys_ifname_out);
}

int journey_final(unsigned int hook, unsigned int hooks)
{
	unsigned int later;

	switch (hook) {
	case NFTRACE_HOOK_INPUT:
	case NFTRACE_HOOK_POSTROUTING:
		return 1;
	case NFTRACE_HOOK_PREROUTING:
		later = 1U << NFTRACE_HOOK_INPUT | 1U << NFTRACE_HOOK_FORWARD |
			1U << NFTRACE_HOOK_POSTROUTING;
		break;
	case NFTRACE_HOOK_FORWARD:
	case NFTRACE_HOOK_OUTPUT:
		later = 1U << NFTRACE_HOOK_POSTROUTING;
		break;
	default:
		return 0;
	}
	return !(hooks & later);
}

/* Whether netdev EGRESS is captured, and this kernel has it. */
static int egress_captured(const struct journey_writer *w)
{
	return (w->families & NFTRACE_FAMILY_NETDEV) &&
	       (w->hooks_netdev & 1U << NFTRACE_NETDEV_HOOK_EGRESS) &&
	       w->egress_seen;
}

int journey_hop_final(const struct journey_writer *w, unsigned int family,
		      unsigned int hook)
{
	/* Egress, when there is one, comes after any other hook. */
	unsigned int later = egress_captured(w) ?
			     1U << NFTRACE_HOOK_POSTROUTING : 0;

	switch (family) {
	case NFTRACE_NFPROTO_ARP:
		return 1;
	case NFTRACE_NFPROTO_NETDEV:
		if (hook != NFTRACE_NETDEV_HOOK_INGRESS)
			return hook == NFTRACE_NETDEV_HOOK_EGRESS;
		/* Every hook of the others but OUTPUT can come after it. */
		if (w->families & (NFTRACE_FAMILIES_INET |
				   NFTRACE_FAMILY_BRIDGE))
			later |= w->hooks & ~(1U << NFTRACE_HOOK_OUTPUT);
		return !later;
	case NFTRACE_NFPROTO_BRIDGE:
		/* INPUT and POSTROUTING, whatever comes after them. */
		break;
	default:
		if (hook == NFTRACE_HOOK_POSTROUTING)
			return !later;
		break;
	}
	return journey_final(hook, w->hooks | later);
}

int journey_writer_init(struct journey_writer *w, FILE *f, unsigned int hooks,
			unsigned int size)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->f = f;
	w->hooks = hooks ? hooks : NFTRACE_HOOKS_ALL;
	w->families = NFTRACE_FAMILIES_INET;
	w->size = size ? size : JOURNEY_TABLE_SIZE;
	if (w->size > 1U << 24) {
		errno = EINVAL;
		return -1;
	}
	/* A slot a chain, on average, when full. */
	for (w->nr_buckets = 1; w->nr_buckets < w->size; w->nr_buckets <<= 1)
		;
	/* And one more slot: w->one. */
	w->slots = calloc(w->size + 1, sizeof(*w->slots));
	w->buckets = malloc(w->nr_buckets * sizeof(*w->buckets));
	if (!w->slots || !w->buckets) {
		free(w->slots);
		free(w->buckets);
		w->slots = NULL;
		w->buckets = NULL;
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < w->nr_buckets; i++)
		w->buckets[i] = -1;
	for (i = 0; i < w->size; i++) {
		w->slots[i].list = JW_FREE;
		w->slots[i].next = i + 1 < w->size ? (int)i + 1 : -1;
	}
	w->free = 0;
	w->one = &w->slots[w->size];
	w->one->list = JW_UNLINKED;
	for (i = 0; i < JW_NR_LISTS; i++)
		w->lists[i].head = w->lists[i].tail = -1;
	w->tz_minute = -1;
	return 0;
}

void journey_writer_families(struct journey_writer *w, unsigned int families,
			     unsigned int hooks_netdev)
{
	w->families = families ? families : NFTRACE_FAMILIES_INET;
	w->hooks_netdev = hooks_netdev;
}

int journey_writer_write(struct journey_writer *w,
			 const struct nftrace_record *rec, __u32 rec_len)
{
	char summary[JW_SUMMARY_MAX];
	const __u8 *data;
	struct journey *j;
	struct jw_tuple t;
	struct jw_str s;
	__u32 cap_len;
	__u64 id = 0;

	if (w->error)
		return 1;
	data = nftrace_record_data(rec, rec_len, &cap_len);
	if (!data) {
		w->bad++;
		return 1;
	}
	w->records++;
	if (rec->tstamp_ns > w->now)
		w->now = rec->tstamp_ns;
	expire(w);

	/* Valid data: the header's fields up to hdr_len are within rec_len. */
	if (NFTRACE_REC_HAS(rec, packet_id))
		id = rec->packet_id;
	j = id ? lookup(w, id) : NULL;
	if (j && j->nr_hops == JOURNEY_MAX_HOPS && !drops_last_hop(j, rec)) {
		/* No room for this hop: not one traversal, or a bad file. */
		end_journey(w, j);
		j = NULL;
	}
	/* The summary only for a journey's first record. */
	str_init(&s, summary, j ? 1 : sizeof(summary));
	parse_packet(&s, &t, rec, data, cap_len);
	if (!j)
		j = start_journey(w, id, rec, summary);
	else
		list_del(w, j);
	add_hop(j, rec, &t);

	if (rec->family == NFTRACE_NFPROTO_NETDEV &&
	    rec->hook == NFTRACE_NETDEV_HOOK_EGRESS)
		w->egress_seen = 1;
	if (!id || (rec->flags & NFTRACE_REC_F_DROP))
		end_journey(w, j);
	else if (journey_hop_final(w, rec->family, rec->hook))
		list_add_tail(w, j, JW_AT_END);
	else
		list_add_tail(w, j, JW_UNDERWAY);
	return 0;
}

void journey_writer_clock(struct journey_writer *w, __u64 now_ns)
{
	if (now_ns > w->now)
		w->now = now_ns;
	expire(w);
}

int journey_writer_flush(struct journey_writer *w)
{
	return stream_flush(w->f, &w->error);
}

int journey_writer_close(struct journey_writer *w)
{
	struct journey *j;
	int ret;

	if (w->slots)
		while ((j = next_to_end(w)))
			end_journey(w, j);
	ret = stream_flush(w->f, &w->error);
	free(w->slots);
	free(w->buckets);
	w->slots = NULL;
	w->buckets = NULL;
	return ret;
}
