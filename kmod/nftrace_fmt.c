// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nftrace_fmt.c - one record as one line of text (see nftrace_fmt.h).
 *
 * The same source runs in the module and in nftrace-capture, so it keeps
 * to what both sides have: memcpy(), strlen() and plain arithmetic. Numbers
 * are written by hand, not with vsnprintf(), which took 94% of the time a
 * record's line took to make. Every byte of a record is untrusted: each
 * length is checked against what precedes it before the bytes it covers
 * are read, and a line never outgrows its buffer whatever the record says.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <string.h>
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#include "nftrace_fmt.h"

#define FMT_NSEC_PER_SEC	1000000000U
#define FMT_SECS_PER_DAY	86400

/* IPv6 extension headers walked before giving up on finding the payload. */
#define FMT_IP6_MAX_EXT		8

static const char *const hook_names[NFTRACE_NR_HOOKS] = {
	[NFTRACE_HOOK_PREROUTING]	= "PREROUTING",
	[NFTRACE_HOOK_INPUT]		= "INPUT",
	[NFTRACE_HOOK_FORWARD]		= "FORWARD",
	[NFTRACE_HOOK_OUTPUT]		= "OUTPUT",
	[NFTRACE_HOOK_POSTROUTING]	= "POSTROUTING",
};

const char *nftrace_hook_name(unsigned int hook)
{
	return hook < NFTRACE_NR_HOOKS ? hook_names[hook] : NULL;
}

/* ARP's hooks, as nft names them (input, output, forward). */
static const char *const arp_hook_names[NFTRACE_NR_ARP_HOOKS] = {
	[NFTRACE_ARP_HOOK_IN]		= "INPUT",
	[NFTRACE_ARP_HOOK_OUT]		= "OUTPUT",
	[NFTRACE_ARP_HOOK_FORWARD]	= "FORWARD",
};

/* The netdev family's, per device, in the same capitals. */
static const char *const netdev_hook_names[NFTRACE_NR_NETDEV_HOOKS] = {
	[NFTRACE_NETDEV_HOOK_INGRESS]	= "INGRESS",
	[NFTRACE_NETDEV_HOOK_EGRESS]	= "EGRESS",
};

const char *nftrace_family_hook_name(unsigned int family, unsigned int hook)
{
	if (family == NFTRACE_NFPROTO_ARP)
		return hook < NFTRACE_NR_ARP_HOOKS ? arp_hook_names[hook] : NULL;
	if (family == NFTRACE_NFPROTO_NETDEV)
		return hook < NFTRACE_NR_NETDEV_HOOKS ? netdev_hook_names[hook] :
							NULL;
	return nftrace_hook_name(hook);
}

const char *nftrace_family_name(unsigned int family)
{
	switch (family) {
	case NFTRACE_NFPROTO_IPV4:
		return "ipv4";
	case NFTRACE_NFPROTO_IPV6:
		return "ipv6";
	case NFTRACE_NFPROTO_BRIDGE:
		return "bridge";
	case NFTRACE_NFPROTO_ARP:
		return "arp";
	case NFTRACE_NFPROTO_NETDEV:
		return "netdev";
	default:
		return NULL;
	}
}

/* 64-bit division that 32-bit kernels can do. */
static __u64 fmt_div_rem(__u64 n, __u32 d, __u32 *rem)
{
#ifdef __KERNEL__
	return div_u64_rem(n, d, rem);
#else
	*rem = (__u32)(n % d);
	return n / d;
#endif
}

static __u32 get_be16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

static __u32 get_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* A line under construction: the '\n' and the NUL always fit after room. */
struct fmt_line {
	char *buf;
	size_t room;
	size_t len;
};

/* False when not even "\n" fits: buf then holds "" if it holds anything. */
static bool line_init(struct fmt_line *l, char *buf, size_t size)
{
	if (size < 2) {
		if (size)
			buf[0] = '\0';
		return false;
	}
	l->buf = buf;
	l->room = size - 2;
	l->len = 0;
	return true;
}

static int line_end(struct fmt_line *l)
{
	l->buf[l->len++] = '\n';
	l->buf[l->len] = '\0';
	return (int)l->len;
}

static void line_putc(struct fmt_line *l, char c)
{
	if (l->len < l->room)
		l->buf[l->len++] = c;
}

/* As much of s[0..n) as fits: a short line is cut, never overrun. */
static void line_putmem(struct fmt_line *l, const char *s, size_t n)
{
	size_t avail = l->room - l->len;

	if (n > avail)
		n = avail;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_puts(struct fmt_line *l, const char *s)
{
	line_putmem(l, s, strlen(s));
}

/*
 * The put_*() helpers write into an array with room for their longest
 * output and return the end. The line_put_*() ones append through
 * line_putmem(), so that a number is cut short like any other text.
 */

static char *put_dec_u8(char *p, unsigned int v)
{
	if (v >= 100)
		*p++ = '0' + v / 100;
	if (v >= 10)
		*p++ = '0' + v / 10 % 10;
	*p++ = '0' + v % 10;
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* The low width digits of v, zero-padded as "%0*u" would when v fits. */
static char *put_dec_fixed(char *p, __u32 v, unsigned int width)
{
	unsigned int i;

	for (i = width; i > 0; i--) {
		p[i - 1] = '0' + v % 10;
		v /= 10;
	}
	return p + width;
}

/* As "%u", written from the last digit back. */
static void line_put_u32(struct fmt_line *l, __u32 v)
{
	char s[10];
	char *p = s + sizeof(s);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	line_putmem(l, p, s + sizeof(s) - p);
}

/*
 * As "%llu". A fmt_div_rem() per digit is slow on 32-bit kernels: values
 * that fit 32 bits (packet ids, counts of lost records) take the fast way.
 */
static void line_put_u64(struct fmt_line *l, __u64 v)
{
	char s[20];
	char *p = s + sizeof(s);
	__u32 digit;

	if (v <= 0xffffffffU) {
		line_put_u32(l, (__u32)v);
		return;
	}
	do {
		v = fmt_div_rem(v, 10, &digit);
		*--p = '0' + digit;
	} while (v);
	line_putmem(l, p, s + sizeof(s) - p);
}

/* tag, then v as "%u": the " seq 1" of " seq 1 ack 0". */
static void line_put_num(struct fmt_line *l, const char *tag, __u32 v)
{
	line_puts(l, tag);
	line_put_u32(l, v);
}

/*
 * As "%x": lower case, no leading zeros. The digits are counted from the
 * bottom: most values here (IPv6 groups, a mark of 0) are short.
 */
static char *put_hex(char *p, __u32 v)
{
	static const char hex_digits[] = "0123456789abcdef";
	unsigned int width = 1, i;
	__u32 t;

	for (t = v >> 4; t; t >>= 4)
		width++;
	for (i = width; i > 0; i--) {
		p[i - 1] = hex_digits[v & 15];
		v >>= 4;
	}
	return p + width;
}

static void line_put_hex(struct fmt_line *l, __u32 v)
{
	char s[8];

	line_putmem(l, s, put_hex(s, v) - s);
}

int nftrace_fmt_ip6(char *buf, const __u8 *addr)
{
	unsigned int words[8];
	int i, j, range, longest = 1, colonpos = -1;
	bool needcolon = false, dotted;
	char *p = buf;

	for (i = 0; i < 8; i++)
		words[i] = get_be16(addr + 2 * i);

	/* As %pI6c: IPv4-mapped and ISATAP addresses end in dotted quad. */
	dotted = (!(words[0] | words[1] | words[2] | words[3] | words[4]) &&
		  words[5] == 0xffff) ||
		 ((words[4] | 0x0200) == 0x0200 && words[5] == 0x5efe);
	range = dotted ? 6 : 8;

	/* The first longest run of zero groups; a single 0 stays. */
	for (i = 0; i < range; i++) {
		for (j = i; j < range && !words[j]; j++)
			;
		if (j - i > longest) {
			longest = j - i;
			colonpos = i;
		}
	}

	for (i = 0; i < range; i++) {
		if (i == colonpos) {
			if (needcolon || i == 0)
				*p++ = ':';
			*p++ = ':';
			needcolon = false;
			i += longest - 1;
			continue;
		}
		if (needcolon)
			*p++ = ':';
		p = put_hex(p, words[i]);
		needcolon = true;
	}
	if (dotted) {
		if (needcolon)
			*p++ = ':';
		for (i = 12; i < 16; i++) {
			p = put_dec_u8(p, addr[i]);
			if (i < 15)
				*p++ = '.';
		}
	}
	*p = '\0';
	return (int)(p - buf);
}

/* A with its port when the packet has ports: "[A]:P" for IPv6. */
static void put_addr(struct fmt_line *l, const struct nftrace_ip_info *ip,
		     const __u8 *a, __u32 port)
{
	char s[NFTRACE_IP6_STRLEN], *p = s;
	int i;

	if (ip->version != 6) {
		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_dec_u8(p, a[i]);
		}
		line_putmem(l, s, p - s);
	} else {
		if (ip->has_ports)
			line_putc(l, '[');
		line_putmem(l, s, nftrace_fmt_ip6(s, a));
		if (ip->has_ports)
			line_putc(l, ']');
	}
	if (ip->has_ports) {
		line_putc(l, ':');
		line_put_u32(l, port);
	}
}

/* " SRC > DST" */
static void put_pair(struct fmt_line *l, const struct nftrace_ip_info *ip)
{
	line_putc(l, ' ');
	put_addr(l, ip, ip->src, ip->sport);
	line_puts(l, " > ");
	put_addr(l, ip, ip->dst, ip->dport);
}

int nftrace_fmt_tcp_flags(char *buf, unsigned int flags)
{
	static const char flag_chars[8] = "FSRP.UEW";
	char *p = buf;
	unsigned int i;

	if (!(flags & 0xff))
		p = put_str(p, "none");
	for (i = 0; i < 8; i++)
		if (flags & (1U << i))
			*p++ = flag_chars[i];
	*p = '\0';
	return (int)(p - buf);
}

static void put_tcp(struct fmt_line *l, const struct nftrace_ip_info *ip,
		    const __u8 *p, __u32 n)
{
	char s[NFTRACE_TCP_FLAGS_STRLEN];

	line_puts(l, " tcp");
	put_pair(l, ip);
	if (n < 20) {
		line_puts(l, " [|tcp]");
		return;
	}
	line_puts(l, " [");
	line_putmem(l, s, nftrace_fmt_tcp_flags(s, p[13]));
	line_put_num(l, "] seq ", get_be32(p + 4));
	line_put_num(l, " ack ", get_be32(p + 8));
	line_put_num(l, " win ", get_be16(p + 14));
}

static void put_udp(struct fmt_line *l, const struct nftrace_ip_info *ip,
		    const __u8 *p, __u32 n)
{
	unsigned int ulen;

	line_puts(l, " udp");
	put_pair(l, ip);
	if (n < 8) {
		line_puts(l, " [|udp]");
		return;
	}
	ulen = get_be16(p + 4);
	if (ulen < 8)
		line_put_num(l, " bad length ", ulen);
	else
		line_put_num(l, " length ", ulen - 8);
}

enum icmp_kind {
	ICMP_INFO,	/* the code only when not 0 */
	ICMP_ERROR,	/* always the code */
	ICMP_ECHO,	/* id and seq */
	ICMP_TOOBIG,	/* the MTU */
	ICMP_ND_NS,	/* the target address */
	ICMP_ND_NA,
};

struct icmp_type {
	__u8 type;
	__u8 kind;
	const char *name;
};

static const struct icmp_type icmp4_types[] = {
	{ 0,	ICMP_ECHO,	"echo reply" },
	{ 3,	ICMP_ERROR,	"unreachable" },
	{ 4,	ICMP_ERROR,	"source quench" },
	{ 5,	ICMP_ERROR,	"redirect" },
	{ 8,	ICMP_ECHO,	"echo request" },
	{ 9,	ICMP_INFO,	"router advertisement" },
	{ 10,	ICMP_INFO,	"router solicitation" },
	{ 11,	ICMP_ERROR,	"time exceeded" },
	{ 12,	ICMP_ERROR,	"parameter problem" },
	{ 13,	ICMP_INFO,	"timestamp request" },
	{ 14,	ICMP_INFO,	"timestamp reply" },
};

static const struct icmp_type icmp6_types[] = {
	{ 1,	ICMP_ERROR,	"unreachable" },
	{ 2,	ICMP_TOOBIG,	"packet too big" },
	{ 3,	ICMP_ERROR,	"time exceeded" },
	{ 4,	ICMP_ERROR,	"parameter problem" },
	{ 128,	ICMP_ECHO,	"echo request" },
	{ 129,	ICMP_ECHO,	"echo reply" },
	{ 130,	ICMP_INFO,	"multicast listener query" },
	{ 131,	ICMP_INFO,	"multicast listener report" },
	{ 132,	ICMP_INFO,	"multicast listener done" },
	{ 133,	ICMP_INFO,	"router solicitation" },
	{ 134,	ICMP_INFO,	"router advertisement" },
	{ 135,	ICMP_ND_NS,	"neighbor solicitation" },
	{ 136,	ICMP_ND_NA,	"neighbor advertisement" },
	{ 137,	ICMP_INFO,	"redirect" },
	{ 143,	ICMP_INFO,	"multicast listener report v2" },
};

static void put_icmp(struct fmt_line *l, const struct nftrace_ip_info *ip,
		     const __u8 *p, __u32 n)
{
	bool v6 = ip->version == 6;
	const struct icmp_type *types = v6 ? icmp6_types : icmp4_types;
	size_t i, nr = v6 ? ARRAY_SIZE(icmp6_types) : ARRAY_SIZE(icmp4_types);
	const char *trunc = v6 ? " [|icmp6]" : " [|icmp]";
	const struct icmp_type *t = NULL;
	char s[NFTRACE_IP6_STRLEN];
	unsigned int code;

	line_puts(l, v6 ? " icmp6" : " icmp");
	put_pair(l, ip);
	if (n < 4) {
		line_puts(l, trunc);
		return;
	}
	code = p[1];
	for (i = 0; i < nr; i++)
		if (types[i].type == p[0])
			t = &types[i];
	if (!t) {
		line_put_num(l, " type ", p[0]);
		line_put_num(l, " code ", code);
		return;
	}
	line_putc(l, ' ');
	line_puts(l, t->name);
	if (t->kind == ICMP_ERROR || code)
		line_put_num(l, " code ", code);

	switch (t->kind) {
	case ICMP_ECHO:
		if (n < 8) {
			line_puts(l, trunc);
		} else {
			line_put_num(l, " id ", get_be16(p + 4));
			line_put_num(l, " seq ", get_be16(p + 6));
		}
		break;
	case ICMP_TOOBIG:
		if (n < 8)
			line_puts(l, trunc);
		else
			line_put_num(l, " mtu ", get_be32(p + 4));
		break;
	case ICMP_ND_NS:
	case ICMP_ND_NA:
		if (n < 24) {
			line_puts(l, trunc);
			break;
		}
		nftrace_fmt_ip6(s, p + 8);
		line_puts(l, t->kind == ICMP_ND_NS ? " who has " : " tgt is ");
		line_puts(l, s);
		break;
	}
}

/* The transport header at p, as nftrace_parse_ip() found it. */
static void put_l4(struct fmt_line *l, const struct nftrace_ip_info *ip,
		   const __u8 *p)
{
	__u32 n = ip->l4_len;

	if (ip->fragoff) {
		/* Not the first fragment: no transport header here. */
		line_put_num(l, " proto ", ip->proto);
		put_pair(l, ip);
		line_put_num(l, " frag off ", ip->fragoff);
		return;
	}
	switch (ip->proto) {
	case NFTRACE_IPPROTO_TCP:
		put_tcp(l, ip, p, n);
		return;
	case NFTRACE_IPPROTO_UDP:
		put_udp(l, ip, p, n);
		return;
	case NFTRACE_IPPROTO_ICMP:
		if (ip->version == 6)
			break;
		put_icmp(l, ip, p, n);
		return;
	case NFTRACE_IPPROTO_ICMPV6:
		if (ip->version != 6)
			break;
		put_icmp(l, ip, p, n);
		return;
	}
	line_put_num(l, " proto ", ip->proto);
	put_pair(l, ip);
}

static int parse_ipv4(const __u8 *p, __u32 n, struct nftrace_ip_info *ip)
{
	__u32 hlen, tot;

	if (n < 20)
		return NFTRACE_IP_SHORT;
	ip->version = p[0] >> 4;
	if (ip->version != 4)
		return NFTRACE_IP_BAD_VERSION;
	hlen = (p[0] & 15) * 4;
	ip->l4_off = hlen;
	if (hlen < 20)
		return NFTRACE_IP_BAD_HLEN;
	memcpy(ip->src, p + 12, 4);
	memcpy(ip->dst, p + 16, 4);
	if (n < hlen)
		return NFTRACE_IP_CUT;
	/* Trust the total length only to shorten (0 with BIG TCP). */
	tot = get_be16(p + 2);
	if (tot >= hlen && tot < n)
		n = tot;
	ip->proto = p[9];
	ip->l4_len = n - hlen;
	ip->fragoff = (get_be16(p + 6) & 0x1fff) * 8;
	return NFTRACE_IP_OK;
}

static bool is_ip6_ext(unsigned int nh)
{
	return nh == NFTRACE_IPPROTO_HOPOPTS || nh == NFTRACE_IPPROTO_ROUTING ||
	       nh == NFTRACE_IPPROTO_FRAGMENT || nh == NFTRACE_IPPROTO_AH ||
	       nh == NFTRACE_IPPROTO_DSTOPTS;
}

static int parse_ipv6(const __u8 *p, __u32 n, struct nftrace_ip_info *ip)
{
	__u32 plen, off = 40, fragoff = 0;
	unsigned int nh, i;

	if (n < 40)
		return NFTRACE_IP_SHORT;
	ip->version = p[0] >> 4;
	if (ip->version != 6)
		return NFTRACE_IP_BAD_VERSION;
	memcpy(ip->src, p + 8, 16);
	memcpy(ip->dst, p + 24, 16);
	/* 0: a jumbogram, or a GSO packet beyond 64k; use what is there. */
	plen = get_be16(p + 4);
	if (plen && plen < n - 40)
		n = 40 + plen;

	nh = p[6];
	for (i = 0; is_ip6_ext(nh) && !fragoff; i++) {
		const __u8 *h = p + off;

		if (i == FMT_IP6_MAX_EXT)
			return NFTRACE_IP_TOO_MANY_EXT;
		/* Every extension header is at least 8 bytes long. */
		if (off > n || n - off < 8)
			return NFTRACE_IP_CUT;
		if (nh == NFTRACE_IPPROTO_FRAGMENT) {
			fragoff = get_be16(h + 2) & 0xfff8;
			off += 8;
		} else if (nh == NFTRACE_IPPROTO_AH) {
			off += (h[1] + 2) * 4;
		} else {
			off += (h[1] + 1) * 8;
		}
		nh = h[0];
	}
	if (off > n)
		return NFTRACE_IP_CUT;
	ip->proto = nh;
	ip->l4_off = off;
	ip->l4_len = n - off;
	ip->fragoff = fragoff;
	return NFTRACE_IP_OK;
}

int nftrace_parse_ip(const __u8 *p, __u32 n, __u8 family,
		     struct nftrace_ip_info *ip)
{
	int ret;

	*ip = (struct nftrace_ip_info){ 0 };
	if (family == NFTRACE_NFPROTO_IPV4)
		ret = parse_ipv4(p, n, ip);
	else if (family == NFTRACE_NFPROTO_IPV6)
		ret = parse_ipv6(p, n, ip);
	else
		return NFTRACE_IP_NO_FAMILY;
	if (ret == NFTRACE_IP_OK && !ip->fragoff && ip->l4_len >= 4 &&
	    (ip->proto == NFTRACE_IPPROTO_TCP ||
	     ip->proto == NFTRACE_IPPROTO_UDP)) {
		ip->has_ports = 1;
		ip->sport = get_be16(p + ip->l4_off);
		ip->dport = get_be16(p + ip->l4_off + 2);
	}
	return ret;
}

/* The packet of a record of family, n bytes of it at p. */
static void put_packet(struct fmt_line *l, __u8 family, const __u8 *p,
		       __u32 n)
{
	bool v6 = family == NFTRACE_NFPROTO_IPV6;
	struct nftrace_ip_info ip;

	switch (nftrace_parse_ip(p, n, family, &ip)) {
	case NFTRACE_IP_OK:
		put_l4(l, &ip, p + ip.l4_off);
		return;
	case NFTRACE_IP_SHORT:
		line_puts(l, v6 ? " [|ip6]" : " [|ip]");
		return;
	case NFTRACE_IP_BAD_VERSION:
		line_put_num(l, v6 ? " bad ip6 version " : " bad ip version ",
			     ip.version);
		return;
	case NFTRACE_IP_BAD_HLEN:
		line_put_num(l, " bad ip hlen ", ip.l4_off);
		return;
	case NFTRACE_IP_CUT:
		line_puts(l, v6 ? " ip6" : " ip");
		put_pair(l, &ip);
		line_puts(l, v6 ? " [|ip6]" : " [|ip]");
		return;
	case NFTRACE_IP_TOO_MANY_EXT:
		line_puts(l, " ip6");
		put_pair(l, &ip);
		line_puts(l, " too many extension headers");
		return;
	}
}

/* aa:bb:cc:dd:ee:ff */
static void put_mac(struct fmt_line *l, const __u8 *m)
{
	static const char hex[] = "0123456789abcdef";
	char s[17];
	int i;

	for (i = 0; i < 6; i++) {
		s[3 * i] = hex[m[i] >> 4];
		s[3 * i + 1] = hex[m[i] & 15];
		if (i < 5)
			s[3 * i + 2] = ':';
	}
	line_putmem(l, s, sizeof(s));
}

static void put_ip4(struct fmt_line *l, const __u8 *a)
{
	char s[16], *p = s;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec_u8(p, a[i]);
	}
	line_putmem(l, s, p - s);
}

#define FMT_ARP_HLEN		8
#define FMT_ARP_ETH_IP4_LEN	28

/*
 * An ARP packet, as tcpdump says it for Ethernet and IPv4: "arp who-has
 * T tell S", "arp reply S is-at MAC"; other hardware or protocols by
 * their numbers.
 */
static void put_arp(struct fmt_line *l, const __u8 *p, __u32 n)
{
	unsigned int op;

	if (n < FMT_ARP_HLEN) {
		line_puts(l, " [|arp]");
		return;
	}
	op = get_be16(p + 6);
	if (get_be16(p) != 1 || get_be16(p + 2) != 0x0800 || p[4] != 6 ||
	    p[5] != 4) {
		line_put_num(l, " arp hrd ", get_be16(p));
		line_puts(l, " pro 0x");
		line_put_hex(l, get_be16(p + 2));
		line_put_num(l, " op ", op);
		return;
	}
	if (n < FMT_ARP_ETH_IP4_LEN) {
		line_puts(l, " arp [|arp]");
		return;
	}
	/* sha 8, spa 14, tha 18, tpa 24 */
	if (op == 1) {
		line_puts(l, " arp who-has ");
		put_ip4(l, p + 24);
		line_puts(l, " tell ");
		put_ip4(l, p + 14);
	} else if (op == 2) {
		line_puts(l, " arp reply ");
		put_ip4(l, p + 14);
		line_puts(l, " is-at ");
		put_mac(l, p + 8);
	} else {
		line_put_num(l, " arp op ", op);
		line_putc(l, ' ');
		put_ip4(l, p + 14);
		line_puts(l, " > ");
		put_ip4(l, p + 24);
	}
}

int nftrace_fmt_arp(char *buf, size_t size, const __u8 *p, __u32 n)
{
	struct fmt_line l;

	if (!line_init(&l, buf, size))
		return 0;
	put_arp(&l, p, n);
	l.buf[l.len] = '\0';
	if (!l.len)
		return 0;
	/* Without the separating space put_arp() begins with. */
	memmove(l.buf, l.buf + 1, l.len);
	return (int)l.len - 1;
}

/*
 * The packet from where its bytes start: the network header (as the
 * family says), or an Ethernet header ("ether SRC > DST", then what it
 * carries), or an ARP header.
 */
static void put_link_packet(struct fmt_line *l, __u8 family, __u8 link,
			    const __u8 *p, __u32 n)
{
	unsigned int type;

	if (link == NFTRACE_LINK_ARP) {
		put_arp(l, p, n);
		return;
	}
	if (link == NFTRACE_LINK_IP) {
		/* A device without a link header: its version says which. */
		if (family == NFTRACE_NFPROTO_NETDEV)
			family = n && (p[0] >> 4) == 6 ? NFTRACE_NFPROTO_IPV6 :
						       NFTRACE_NFPROTO_IPV4;
		/* Another family's IP packets: nothing known to decode. */
		if (family == NFTRACE_NFPROTO_IPV4 ||
		    family == NFTRACE_NFPROTO_IPV6)
			put_packet(l, family, p, n);
		return;
	}
	if (link != NFTRACE_LINK_ETHERNET) {
		line_put_num(l, " link ", link);
		return;
	}
	if (n < 14) {
		line_puts(l, " [|ether]");
		return;
	}
	line_puts(l, " ether ");
	put_mac(l, p + 6);
	line_puts(l, " > ");
	put_mac(l, p);
	type = get_be16(p + 12);
	switch (type) {
	case 0x0800:
		put_packet(l, NFTRACE_NFPROTO_IPV4, p + 14, n - 14);
		break;
	case 0x86dd:
		put_packet(l, NFTRACE_NFPROTO_IPV6, p + 14, n - 14);
		break;
	case 0x0806:
		put_arp(l, p + 14, n - 14);
		break;
	default:
		line_puts(l, " ethertype 0x");
		line_put_hex(l, type);
		break;
	}
}

const __u8 *nftrace_record_data(const struct nftrace_record *rec,
				__u32 rec_len, __u32 *cap_len)
{
	__u32 hdr_len, len;

	if (rec_len < NFTRACE_RECORD_V1_LEN || rec->type != NFTRACE_REC_PACKET)
		return NULL;
	hdr_len = rec->hdr_len;
	len = rec->cap_len;
	if (hdr_len < NFTRACE_RECORD_V1_LEN || hdr_len > rec_len ||
	    len > rec_len - hdr_len)
		return NULL;
	*cap_len = len;
	return (const __u8 *)rec + hdr_len;
}

static void put_time(struct fmt_line *l, __u64 tstamp_ns, long tz_offset_sec)
{
	char s[sizeof("HH:MM:SS.nnnnnnnnn")], *p = s;
	__u32 ns, day_sec;
	long tod;

	fmt_div_rem(fmt_div_rem(tstamp_ns, FMT_NSEC_PER_SEC, &ns),
		    FMT_SECS_PER_DAY, &day_sec);
	tod = (long)day_sec + tz_offset_sec % FMT_SECS_PER_DAY;
	if (tod < 0)
		tod += FMT_SECS_PER_DAY;
	else if (tod >= FMT_SECS_PER_DAY)
		tod -= FMT_SECS_PER_DAY;
	/* tod is in [0, 86400) and ns below 10^9: each field fits its width. */
	p = put_dec_fixed(p, tod / 3600, 2);
	*p++ = ':';
	p = put_dec_fixed(p, tod / 60 % 60, 2);
	*p++ = ':';
	p = put_dec_fixed(p, tod % 60, 2);
	*p++ = '.';
	p = put_dec_fixed(p, ns, 9);
	line_putmem(l, s, p - s);
}

/* At most NFTRACE_IFNAMSIZ bytes, shown so that the line stays one word. */
static void put_ifname(struct fmt_line *l, const char *tag, const char *name)
{
	unsigned int i;

	line_puts(l, tag);
	if (!name[0]) {
		line_putc(l, '-');
		return;
	}
	for (i = 0; i < NFTRACE_IFNAMSIZ && name[i]; i++) {
		unsigned char c = name[i];

		line_putc(l, c > ' ' && c < 0x7f ? c : '?');
	}
}

static const char *const ct_state_names[] = {
	[NFTRACE_CT_NONE]		= "none",
	[NFTRACE_CT_UNTRACKED]		= "untracked",
	[NFTRACE_CT_NEW]		= "new",
	[NFTRACE_CT_ESTABLISHED]	= "established",
	[NFTRACE_CT_RELATED]		= "related",
};

const char *nftrace_ct_state_name(unsigned int state)
{
	return state < ARRAY_SIZE(ct_state_names) ? ct_state_names[state] :
						    NULL;
}

bool nftrace_ct_has_entry(unsigned int state)
{
	return state == NFTRACE_CT_NEW || state == NFTRACE_CT_ESTABLISHED ||
	       state == NFTRACE_CT_RELATED;
}

int nftrace_fmt_ct(char *buf, const struct nftrace_record *rec)
{
	const char *state = nftrace_ct_state_name(rec->ct_state);
	char *p = buf;

	if (state) {
		p = put_str(p, state);
	} else {
		p = put_str(p, "state");
		p = put_dec_u8(p, rec->ct_state);
	}
	/* Without an entry, ct_dir means nothing. */
	if (nftrace_ct_has_entry(rec->ct_state) && rec->ct_dir) {
		if (rec->ct_dir == NFTRACE_CT_DIR_REPLY) {
			p = put_str(p, ",reply");
		} else {
			p = put_str(p, ",dir");
			p = put_dec_u8(p, rec->ct_dir);
		}
	}
	if (rec->ct_status & NFTRACE_IPS_SRC_NAT)
		p = put_str(p, ",snat");
	if (rec->ct_status & NFTRACE_IPS_DST_NAT)
		p = put_str(p, ",dnat");
	*p = '\0';
	return (int)(p - buf);
}

/* " ct=... ct_zone=Z ct_mark=0xK": the zone and mark when not 0. */
static void put_ct(struct fmt_line *l, const struct nftrace_record *rec)
{
	char s[NFTRACE_CT_STRLEN];

	line_puts(l, " ct=");
	line_putmem(l, s, nftrace_fmt_ct(s, rec));
	if (rec->ct_zone)
		line_put_num(l, " ct_zone=", rec->ct_zone);
	if (rec->ct_mark) {
		line_puts(l, " ct_mark=0x");
		line_put_hex(l, rec->ct_mark);
	}
}

int nftrace_fmt_record(char *buf, size_t size, const struct nftrace_record *rec,
		       __u32 rec_len, long tz_offset_sec)
{
	const char *hook, *family;
	struct fmt_line l;
	const __u8 *data;
	__u32 cap_len;

	if (!line_init(&l, buf, size))
		return 0;
	if (!rec || rec_len < NFTRACE_RECORD_V1_LEN) {
		line_put_num(&l, "bad record: ", rec_len);
		line_puts(&l, " bytes");
		return line_end(&l);
	}

	put_time(&l, rec->tstamp_ns, tz_offset_sec);
	data = nftrace_record_data(rec, rec_len, &cap_len);
	if (!data) {
		line_put_num(&l, " bad record: type ", rec->type);
		line_put_num(&l, " len ", rec_len);
		line_put_num(&l, " hdr_len ", rec->hdr_len);
		line_put_num(&l, " cap_len ", rec->cap_len);
		return line_end(&l);
	}

	line_put_num(&l, " cpu", rec->cpu);
	family = nftrace_family_name(rec->family);
	if (family) {
		line_putc(&l, ' ');
		line_puts(&l, family);
	} else {
		line_put_num(&l, " family", rec->family);
	}
	hook = nftrace_family_hook_name(rec->family, rec->hook);
	if (hook) {
		line_putc(&l, ' ');
		line_puts(&l, hook);
	} else {
		line_put_num(&l, " hook", rec->hook);
	}
	if (rec->flags & NFTRACE_REC_F_DROP)
		line_puts(&l, " dropped");
	/*
	 * The fields past NFTRACE_RECORD_V1_LEN only when the header holds
	 * them: beyond hdr_len are the packet's bytes. data is valid, so
	 * hdr_len is within rec_len.
	 */
	if (nftrace_rec_packet_id(rec)) {
		line_puts(&l, " id=");
		line_put_u64(&l, rec->packet_id);
	}
	put_ifname(&l, " in=", rec->ifname_in);
	if (nftrace_rec_has_phys_in(rec))
		put_ifname(&l, " phys_in=", rec->phys_ifname_in);
	put_ifname(&l, " out=", rec->ifname_out);
	if (nftrace_rec_has_phys_out(rec))
		put_ifname(&l, " phys_out=", rec->phys_ifname_out);
	line_puts(&l, " mark=0x");
	line_put_hex(&l, rec->mark);
	line_put_num(&l, " netns=", rec->netns);
	if (nftrace_rec_has_ct(rec))
		put_ct(&l, rec);
	line_put_num(&l, " len=", rec->orig_len);

	put_link_packet(&l, rec->family, nftrace_rec_link(rec), data, cap_len);
	return line_end(&l);
}

int nftrace_fmt_lost(char *buf, size_t size, unsigned int cpu, __u64 n)
{
	struct fmt_line l;

	if (!line_init(&l, buf, size))
		return 0;
	line_puts(&l, "lost ");
	line_put_u64(&l, n);
	line_put_num(&l, " records (cpu", cpu);
	line_putc(&l, ')');
	return line_end(&l);
}
