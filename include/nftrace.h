/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nftrace.h - the whole ABI between nftrace.ko and userspace.
 *
 * Shared, unchanged, by the kernel module and by userspace: fixed-width
 * types only, explicit padding, and size/offset assertions compiled on both
 * sides (see the bottom of this file).
 *
 * A reader is one open file of /dev/nftrace. Each reader owns one ring per
 * possible CPU; the netfilter hooks of that CPU are the only producer of
 * that ring, the reader is its only consumer.
 *
 * The reader's mmap space, with offsets and sizes from NFTRACE_IOC_GET_INFO:
 *
 *   offset 0            ctl_size bytes, mapped read-write:
 *   +-------------------+-------------------+-----+
 *   | nftrace_ring_cons | nftrace_ring_cons | ... |   one 64-byte slot per
 *   | (ring 0)          | (ring 1)          |     |   ring, then zeroes up
 *   +-------------------+-------------------+-----+   to a page boundary
 *
 *   offset ring_offset + i * ring_stride, mapped read-only (ring i):
 *   +-------------------+--------------------+--------------------+
 *   | producer page     | data pages         | the same data      |
 *   | nftrace_ring_prod | ring_size bytes    | pages, again       |
 *   +-------------------+--------------------+--------------------+
 *
 * The data pages are mapped twice, back to back, so that a record which
 * wraps past the end of the ring reads as one contiguous run at
 * data + (pos & (ring_size - 1)), for the kernel and for userspace alike.
 * Consumer and producer positions live on separate pages so that the
 * producer's is never writable by userspace; the kernel reads the
 * consumer's once per record, checks it against its own position and never
 * writes outside the ring whatever it holds.
 *
 * Positions are free-running 64-bit byte counters, masked on use. Records
 * start 8-byte aligned: the next one is at pos + NFTRACE_ALIGN(rec->len).
 * A consumer loads prod.pos with acquire semantics, reads records up to it,
 * then stores cons.pos with release semantics.
 *
 * Every record the producer tries to write takes the ring's next sequence
 * number, written or not: a gap of N between two records' seq is N records
 * lost, there, because the ring was full.
 */
#ifndef _UAPI_NFTRACE_H
#define _UAPI_NFTRACE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define NFTRACE_ABI_VERSION	1
#define NFTRACE_DEVICE		"/dev/nftrace"

/*
 * Hooks, numbered as enum nf_inet_hooks: IPv4, IPv6 and bridge hooks
 * (NF_BR_* are the same numbers). ARP hooks have their own numbers,
 * NF_ARP_IN, NF_ARP_OUT and NF_ARP_FORWARD: NFTRACE_ARP_HOOK_*.
 */
#define NFTRACE_HOOK_PREROUTING		0
#define NFTRACE_HOOK_INPUT		1
#define NFTRACE_HOOK_FORWARD		2
#define NFTRACE_HOOK_OUTPUT		3
#define NFTRACE_HOOK_POSTROUTING	4
#define NFTRACE_NR_HOOKS		5
#define NFTRACE_HOOKS_ALL		((1U << NFTRACE_NR_HOOKS) - 1)

#define NFTRACE_ARP_HOOK_IN		0
#define NFTRACE_ARP_HOOK_OUT		1
#define NFTRACE_ARP_HOOK_FORWARD	2
#define NFTRACE_NR_ARP_HOOKS		3
#define NFTRACE_ARP_HOOKS_ALL		((1U << NFTRACE_NR_ARP_HOOKS) - 1)

/* The netdev family's, per device: NF_NETDEV_INGRESS and _EGRESS. */
#define NFTRACE_NETDEV_HOOK_INGRESS	0
#define NFTRACE_NETDEV_HOOK_EGRESS	1
#define NFTRACE_NR_NETDEV_HOOKS		2
#define NFTRACE_NETDEV_HOOKS_ALL	((1U << NFTRACE_NR_NETDEV_HOOKS) - 1)

/*
 * nftrace_config.families: which protocol families to capture. Zero means
 * NFTRACE_FAMILIES_INET, as before there were others; modules that know
 * only those reject the other bits (EINVAL).
 */
#define NFTRACE_FAMILY_IPV4	(1U << 0)
#define NFTRACE_FAMILY_IPV6	(1U << 1)
#define NFTRACE_FAMILY_BRIDGE	(1U << 2)
#define NFTRACE_FAMILY_ARP	(1U << 3)
#define NFTRACE_FAMILY_NETDEV	(1U << 4)
#define NFTRACE_FAMILIES_INET	(NFTRACE_FAMILY_IPV4 | NFTRACE_FAMILY_IPV6)
#define NFTRACE_FAMILIES_ALL	(NFTRACE_FAMILIES_INET | NFTRACE_FAMILY_BRIDGE | \
				 NFTRACE_FAMILY_ARP | NFTRACE_FAMILY_NETDEV)

/* nftrace_record.family: the NFPROTO_* of the hook. */
#define NFTRACE_NFPROTO_IPV4	2
#define NFTRACE_NFPROTO_ARP	3
#define NFTRACE_NFPROTO_NETDEV	5
#define NFTRACE_NFPROTO_BRIDGE	7
#define NFTRACE_NFPROTO_IPV6	10

/*
 * nftrace_record.link: where the packet bytes start. IP: the network
 * header (IPv4 and IPv6 hooks; pcap's LINKTYPE_RAW). ETHERNET: the
 * Ethernet header (bridge hooks, netdev hooks of an Ethernet or loopback
 * device, and ARP on an Ethernet device; LINKTYPE_ETHERNET). ARP: the ARP header, on a device without an
 * Ethernet header. A filter runs on the bytes of its own link
 * (nftrace_filter.link).
 */
#define NFTRACE_LINK_IP		0
#define NFTRACE_LINK_ETHERNET	1
#define NFTRACE_LINK_ARP	2
#define NFTRACE_NR_LINKS	3

/* Defaults and limits of nftrace_config. */
#define NFTRACE_SNAPLEN_DEFAULT	128		/* IPv6 + TCP with options */
#define NFTRACE_SNAPLEN_MAX	65535
#define NFTRACE_RING_DEFAULT	(1U << 20)	/* bytes per CPU */
#define NFTRACE_RING_MIN	(1U << 16)
#define NFTRACE_RING_MAX	(1U << 28)
#define NFTRACE_NETNS_ALL	(-1)

#define NFTRACE_ALIGN(len)	(((len) + 7U) & ~7U)

#define NFTRACE_REC_PACKET	1

/*
 * nftrace_record.flags. NFTRACE_REC_F_DROP: netfilter dropped the packet
 * at this hook (a rule's drop verdict, a policy, a reject): the record is
 * the packet as it was dropped, a second record of a packet already
 * recorded when it entered the hook. Only for readers that asked for
 * drops (NFTRACE_CFG_DROPS).
 */
#define NFTRACE_REC_F_DROP	(1U << 0)

#define NFTRACE_IFNAMSIZ	16

/*
 * nftrace_record.ct_state: what conntrack knew of the packet when the hook
 * saw it (skb->_nfct). NONE: no entry yet, or none at all: conntrack is
 * not loaded, has not run at this hook yet (nftrace's hooks run first at
 * PREROUTING and OUTPUT, before conntrack), or found the packet invalid
 * (nft's "ct state invalid" is this). The others are nft's ct states; the
 * direction is ct_dir.
 */
#define NFTRACE_CT_NONE		0
#define NFTRACE_CT_UNTRACKED	1
#define NFTRACE_CT_NEW		2
#define NFTRACE_CT_ESTABLISHED	3
#define NFTRACE_CT_RELATED	4

#define NFTRACE_CT_DIR_ORIGINAL	0
#define NFTRACE_CT_DIR_REPLY	1

/*
 * One captured packet. hdr_len is where the packet bytes start; len is
 * hdr_len + cap_len.
 *
 * The header grows by appending, never by changing what is there, and the
 * ABI version stays 1: a reader compiled against a shorter header reads
 * the fields it knows and finds the packet at hdr_len, and a reader of a
 * longer header treats the fields beyond a record's hdr_len as absent
 * (NFTRACE_REC_HAS()). Modules before packet ids wrote
 * NFTRACE_RECORD_V1_LEN (88) bytes of header.
 *
 * packet_id: one packet's id at every hook it passes in one traversal of
 * the stack (PREROUTING, FORWARD, POSTROUTING; PREROUTING, INPUT; OUTPUT,
 * POSTROUTING), and on its drop record. While netdev hooks are captured,
 * a received packet's traversal starts at its device's ingress, and one
 * sent ends at egress. A bridged packet keeps its id through the bridge
 * hooks and the IPv4 and IPv6 hooks br_netfilter takes it through.
 * Never 0 in a record that has it; unique among the packets of one load
 * of the module; not derived from any kernel address.
 */
struct nftrace_record {
	__u32	len;		/* header + packet bytes, not padded */
	__u16	type;		/* NFTRACE_REC_* */
	__u16	hdr_len;	/* offset of the packet bytes */
	__u64	seq;		/* per-ring sequence number */
	__u64	tstamp_ns;	/* CLOCK_REALTIME, nanoseconds */
	/*
	 * Inode number of the packet's netns. Inode numbers are reused once
	 * a netns is gone: a netns cookie (net->net_cookie, never reused)
	 * belongs in the redesigned record header.
	 */
	__u32	netns;
	__u32	mark;		/* skb->mark at the hook */
	__s32	ifindex_in;	/* 0: none */
	__s32	ifindex_out;	/* 0: none */
	__u32	orig_len;	/* bytes from where the packet bytes start on */
	__u32	cap_len;	/* bytes that follow the header */
	__u8	hook;		/* NFTRACE_HOOK_* */
	__u8	family;		/* NFTRACE_NFPROTO_* */
	__u16	cpu;
	__u32	flags;		/* NFTRACE_REC_F_* */
	char	ifname_in[NFTRACE_IFNAMSIZ];	/* NUL-terminated, "" if none */
	char	ifname_out[NFTRACE_IFNAMSIZ];
	/* NFTRACE_RECORD_V1_LEN: the header of the first modules ends here. */
	__u64	packet_id;
	__u64	netns_cookie;	/* the netns's cookie: never reused */
	__u32	ct_status;	/* enum ip_conntrack_status bits (IPS_*) */
	__u32	ct_mark;
	__u16	ct_zone;
	__u8	ct_state;	/* NFTRACE_CT_* */
	__u8	ct_dir;		/* NFTRACE_CT_DIR_*, with an entry */
	/*
	 * Bridge ports: the physical devices under a bridge device in or out
	 * (br_netfilter's physindev/physoutdev at IPv4 and IPv6 hooks; the
	 * ports at bridge hooks, whose ifindex_in/out are then the bridge
	 * device). 0 and "" if none.
	 */
	__s32	phys_ifindex_in;
	__s32	phys_ifindex_out;
	char	phys_ifname_in[NFTRACE_IFNAMSIZ];
	char	phys_ifname_out[NFTRACE_IFNAMSIZ];
	__u8	link;		/* NFTRACE_LINK_*; was zero (IP) before */
	__u8	__pad8[3];	/* zero */
	/* __u8 data[cap_len] from where link says, at hdr_len */
};

#define NFTRACE_RECORD_V1_LEN	88

/* Whether rec's header holds field (a header may be older and shorter). */
#define NFTRACE_REC_HAS(rec, field)					\
	((rec)->hdr_len >= __builtin_offsetof(struct nftrace_record, field) + \
			   sizeof((rec)->field))

/* The consumer's slot: userspace writes pos, the kernel only reads it. */
struct nftrace_ring_cons {
	__u64	pos;
	__u64	__pad[7];
};

/* The producer page's head: written by the kernel only. */
struct nftrace_ring_prod {
	__u64	pos;		/* end of the last committed record */
	__u64	seq;		/* next sequence number */
	__u64	lost;		/* records dropped because the ring was full */
	__u64	__pad[5];
};

/* NFTRACE_IOC_GET_INFO */
struct nftrace_info {
	__u32	abi_version;	/* NFTRACE_ABI_VERSION */
	__u32	nr_rings;	/* ring i belongs to CPU i */
	__u32	ring_size;	/* data bytes per ring, a power of two */
	__u32	page_size;
	__u64	ctl_size;	/* consumer slots: mmap read-write at 0 */
	__u64	ring_offset;	/* ring 0's producer page */
	__u64	ring_stride;	/* page_size + 2 * ring_size */
	__u32	record_hdr_len;	/* sizeof(struct nftrace_record) */
	__u32	running;	/* 1 between START and STOP */
	__u32	hooks;		/* the config in force */
	__u32	families;
	__u32	snaplen;
	__u32	netns;		/* inode number captured, 0: all */
};

/*
 * NFTRACE_IOC_SET_CONFIG, while stopped. Zero fields take their defaults,
 * except netns_fd: NFTRACE_NETNS_ALL or an fd of a network namespace
 * (/proc/PID/ns/net, /run/netns/NAME). wakeup_bytes: wake waiting
 * readers each time a ring has received this much more (0: ring_size /
 * 8); a trickle below it still wakes them within 100 ms. Waiters that
 * are woken once per event (EPOLLET) are woken again by the next data.
 *
 * flags: NFTRACE_CFG_DROPS also records, at the reader's hooks, each
 * packet that netfilter drops there (NFTRACE_REC_F_DROP). Kernels without
 * the flag reject it: it sits where zeroed reserved space used to be.
 *
 * hooks are the IPv4 and IPv6 hooks; hooks_bridge (1 << NFTRACE_HOOK_*),
 * hooks_arp (1 << NFTRACE_ARP_HOOK_*) and hooks_netdev
 * (1 << NFTRACE_NETDEV_HOOK_*) those of the bridge, ARP and netdev
 * families, zero for all of the family's hooks when it is in families
 * (for netdev: those the kernel has; asking for egress where it has none,
 * before 5.16 or without CONFIG_NETFILTER_EGRESS, is EOPNOTSUPP). They
 * sit where zeroed reserved space used to be, too. The netdev family
 * hooks every device of every netns, those registered later included,
 * from the first reader that wants it until rmmod.
 */
#define NFTRACE_CFG_DROPS	(1U << 0)
#define NFTRACE_CFG_ALL		NFTRACE_CFG_DROPS

struct nftrace_config {
	__u32	hooks;		/* 1 << NFTRACE_HOOK_* */
	__u32	families;	/* NFTRACE_FAMILY_* */
	__u32	snaplen;
	__u32	ring_size;
	__s32	netns_fd;
	__u32	wakeup_bytes;
	__u32	flags;		/* NFTRACE_CFG_* */
	__u8	hooks_bridge;	/* 1 << NFTRACE_HOOK_* */
	__u8	hooks_arp;	/* 1 << NFTRACE_ARP_HOOK_* */
	__u8	hooks_netdev;	/* 1 << NFTRACE_NETDEV_HOOK_* */
	__u8	__reserved8;	/* must be zero */
	__u64	__reserved;	/* must be zero */
};

/*
 * NFTRACE_IOC_SET_FILTER: a classic BPF program run on the packets of one
 * link (NFTRACE_LINK_*) from where their bytes start: for IP from the
 * network header (as pcap_compile() makes it for DLT_RAW), for ETHERNET
 * from the Ethernet header (DLT_EN10MB). It returns the bytes to keep: 0
 * drops the packet before anything is copied. A reader has one filter per
 * link; packets of a link without one all pass. Modules before links
 * reject a link other than IP (EINVAL).
 */
struct nftrace_filter {
	__u32	len;		/* instructions, 1 .. 4096 */
	__u32	link;		/* NFTRACE_LINK_*: was zero (IP) before */
	__u64	insns;		/* user pointer to struct sock_filter[len] */
};

/*
 * NFTRACE_IOC_SET_DEVICES, while stopped: record only packets with one of
 * these devices as their in or out device, or as a bridge port
 * (phys_ifname_in/out), by name, in every captured netns; count 0: every
 * device, the default. Names are NUL-terminated. Applies to every family;
 * netdev hooks are those devices' ingress and egress.
 */
#define NFTRACE_MAX_DEVICES	16

struct nftrace_devices {
	__u32	count;		/* 0 .. NFTRACE_MAX_DEVICES */
	__u32	__pad;		/* must be zero */
	char	names[NFTRACE_MAX_DEVICES][NFTRACE_IFNAMSIZ];
};

struct nftrace_cpu_stats {
	__u64	seen;		/* packets at the reader's hooks and netns */
	__u64	filtered;	/* rejected by the BPF filter */
	__u64	captured;	/* written into the ring */
	__u64	dropped;	/* lost: the ring was full */
};

/*
 * NFTRACE_IOC_GET_STATS: totals, and per CPU when cpus is not 0 (the
 * kernel fills min(nr_cpus, nr_rings) entries and sets nr_cpus to
 * nr_rings). seen = filtered + captured + dropped.
 */
struct nftrace_stats {
	struct nftrace_cpu_stats total;
	__u32	nr_cpus;
	__u32	__pad;
	__u64	cpus;		/* user pointer to nftrace_cpu_stats[nr_cpus] */
};

#define NFTRACE_IOC_MAGIC	0xB7
#define NFTRACE_IOC_GET_INFO	_IOR(NFTRACE_IOC_MAGIC, 0x01, struct nftrace_info)
#define NFTRACE_IOC_SET_CONFIG	_IOW(NFTRACE_IOC_MAGIC, 0x02, struct nftrace_config)
#define NFTRACE_IOC_SET_FILTER	_IOW(NFTRACE_IOC_MAGIC, 0x03, struct nftrace_filter)
#define NFTRACE_IOC_CLEAR_FILTER _IO(NFTRACE_IOC_MAGIC, 0x04)
#define NFTRACE_IOC_START	_IO(NFTRACE_IOC_MAGIC, 0x05)
#define NFTRACE_IOC_STOP	_IO(NFTRACE_IOC_MAGIC, 0x06)
#define NFTRACE_IOC_GET_STATS	_IOWR(NFTRACE_IOC_MAGIC, 0x07, struct nftrace_stats)
#define NFTRACE_IOC_SET_DEVICES	_IOW(NFTRACE_IOC_MAGIC, 0x08, struct nftrace_devices)

/* The layout is the ABI: any change here must be a new ABI version. */
#ifdef __cplusplus
#define NFTRACE_ASSERT(c, m) static_assert(c, m)
#else
#define NFTRACE_ASSERT(c, m) _Static_assert(c, m)
#endif
NFTRACE_ASSERT(sizeof(struct nftrace_record) == 160, "record header");
NFTRACE_ASSERT(__builtin_offsetof(struct nftrace_record, packet_id) ==
	       NFTRACE_RECORD_V1_LEN, "v1 header");
NFTRACE_ASSERT(__builtin_offsetof(struct nftrace_record, ct_status) == 104,
	       "ct_status");
NFTRACE_ASSERT(__builtin_offsetof(struct nftrace_record, phys_ifindex_in) ==
	       116, "phys_ifindex_in");
NFTRACE_ASSERT(__builtin_offsetof(struct nftrace_record, seq) == 8, "seq");
NFTRACE_ASSERT(__builtin_offsetof(struct nftrace_record, hook) == 48, "hook");
NFTRACE_ASSERT(__builtin_offsetof(struct nftrace_record, ifname_in) == 56,
	       "ifname_in");
NFTRACE_ASSERT(sizeof(struct nftrace_record) % 8 == 0, "record alignment");
NFTRACE_ASSERT(sizeof(struct nftrace_ring_cons) == 64, "consumer slot");
NFTRACE_ASSERT(sizeof(struct nftrace_ring_prod) == 64, "producer head");
NFTRACE_ASSERT(sizeof(struct nftrace_info) == 64, "info");
NFTRACE_ASSERT(sizeof(struct nftrace_config) == 40, "config");
NFTRACE_ASSERT(sizeof(struct nftrace_filter) == 16, "filter");
NFTRACE_ASSERT(sizeof(struct nftrace_devices) == 264, "devices");
NFTRACE_ASSERT(sizeof(struct nftrace_cpu_stats) == 32, "cpu stats");
NFTRACE_ASSERT(sizeof(struct nftrace_stats) == 48, "stats");
#undef NFTRACE_ASSERT

#endif /* _UAPI_NFTRACE_H */
