// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nflog.c - a record as a LINKTYPE_NFLOG packet (see nflog.h).
 *
 * The TLVs come in the order the kernel's nfnetlink_log builds them:
 * packet header, prefix, interfaces, bridge ports, mark, payload.
 */
#include <arpa/inet.h>
#include <pcap/nflog.h>
#include <string.h>
#include <sys/socket.h>

#include "../kmod/nftrace_fmt.h"
#include "nflog.h"

#define NFLOG_ALIGN(len)	(((len) + 3U) & ~3U)

static __u8 *put_tlv(__u8 *p, __u16 type, const void *val, size_t len)
{
	nflog_tlv_t tlv = {
		.tlv_length = (__u16)(sizeof(tlv) + len),
		.tlv_type = type,
	};
	size_t pad = NFLOG_ALIGN(len) - len;

	memcpy(p, &tlv, sizeof(tlv));
	memcpy(p + sizeof(tlv), val, len);
	memset(p + sizeof(tlv) + len, 0, pad);
	return p + sizeof(tlv) + len + pad;
}

/* v in decimal, as "%u" without the NUL; returns the end. */
static char *put_dec(char *p, __u32 v)
{
	char digits[10];
	unsigned int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

/*
 * "PREROUTING netns=4026531840", then " dropped" for a packet netfilter
 * dropped there (NFTRACE_REC_F_DROP), NUL included; by hand because
 * snprintf() was more than half the cost of a record. At most
 * "POSTROUTING netns=", ten digits and " dropped": 37 bytes.
 */
static size_t put_prefix(char *buf, const struct nftrace_record *rec)
{
	static const char netns[] = " netns=";
	static const char dropped[] = " dropped";
	const char *hook = nftrace_hook_name(rec->hook);
	char *p = buf;

	if (hook) {
		size_t n = strlen(hook);

		memcpy(p, hook, n);
		p += n;
	} else {
		memcpy(p, "hook", 4);
		p = put_dec(p + 4, rec->hook);
	}
	memcpy(p, netns, sizeof(netns) - 1);
	p = put_dec(p + sizeof(netns) - 1, rec->netns);
	if (rec->flags & NFTRACE_REC_F_DROP) {
		memcpy(p, dropped, sizeof(dropped) - 1);
		p += sizeof(dropped) - 1;
	}
	*p++ = '\0';
	return (size_t)(p - buf);
}

static __u8 *put_be32(__u8 *p, __u16 type, __u32 v)
{
	__u32 be = htonl(v);

	return put_tlv(p, type, &be, sizeof(be));
}

size_t nflog_encode(__u8 *buf, size_t size, const struct nftrace_record *rec,
		    const __u8 *data, __u32 cap_len)
{
	nflog_hdr_t hdr = { .nflog_version = 0, .nflog_rid = htons(0) };
	nflog_packet_hdr_t pkt = { .hook = rec->hook };
	char prefix[48];
	__u8 *p = buf;

	if (cap_len > NFLOG_PAYLOAD_MAX)
		cap_len = NFLOG_PAYLOAD_MAX;
	if (size < NFLOG_HDR_MAX || size - NFLOG_HDR_MAX < cap_len + 3ULL)
		return 0;

	switch (rec->family) {
	case NFTRACE_NFPROTO_IPV4:
		hdr.nflog_family = AF_INET;
		pkt.hw_protocol = htons(0x0800);
		break;
	case NFTRACE_NFPROTO_IPV6:
		hdr.nflog_family = AF_INET6;
		pkt.hw_protocol = htons(0x86dd);
		break;
	default:
		hdr.nflog_family = rec->family;
		break;
	}
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	p = put_tlv(p, NFULA_PACKET_HDR, &pkt, sizeof(pkt));

	p = put_tlv(p, NFULA_PREFIX, prefix, put_prefix(prefix, rec));

	if (rec->ifindex_in)
		p = put_be32(p, NFULA_IFINDEX_INDEV, (__u32)rec->ifindex_in);
	if (rec->ifindex_out)
		p = put_be32(p, NFULA_IFINDEX_OUTDEV, (__u32)rec->ifindex_out);
	/* Bridge ports, from modules whose record header has them. */
	if (nftrace_rec_has_phys_in(rec) && rec->phys_ifindex_in)
		p = put_be32(p, NFULA_IFINDEX_PHYSINDEV,
			     (__u32)rec->phys_ifindex_in);
	if (nftrace_rec_has_phys_out(rec) && rec->phys_ifindex_out)
		p = put_be32(p, NFULA_IFINDEX_PHYSOUTDEV,
			     (__u32)rec->phys_ifindex_out);
	p = put_be32(p, NFULA_MARK, rec->mark);
	p = put_tlv(p, NFULA_PAYLOAD, data, cap_len);
	return (size_t)(p - buf);
}
