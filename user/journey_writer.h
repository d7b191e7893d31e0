/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * journey_writer.h - one text line per packet when its way through the
 * hooks ends (--journey): the records of one packet id gathered, e.g.
 *
 * 12:00:01.123456789 id=7 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  \
 *	PREROUTING eth0 (DNAT -> 10.1.0.5:8080) -> FORWARD -> POSTROUTING eth1
 *
 * 12:00:01.123456789 id=9 tcp 10.0.0.1:40000 > 10.0.0.9:80 [S]  \
 *	netdev INGRESS p1 -> bridge PREROUTING -> ipv4 PREROUTING ->  \
 *	bridge FORWARD -> ipv4 FORWARD -> bridge POSTROUTING ->  \
 *	ipv4 POSTROUTING -> netdev EGRESS p2
 *
 * The time and the packet are its first record's; then each hook it was
 * seen at, with the interface it came in by (PREROUTING, INPUT, netdev's
 * INGRESS, ARP's INPUT) or goes out by (FORWARD, OUTPUT, POSTROUTING,
 * EGRESS), left out where the hop beside it names the same; "(DNAT -> A)"
 * or "(SNAT -> A)" after the hook in which its destination or source
 * changed (as the next record with an IP header shows it), and "dropped"
 * after the hook that dropped it (a drop record). A journey that ended
 * neither there nor at the last hook it can reach ends in
 * " -> (not seen again)". A record without a packet id (a module before
 * them, or id 0) is a journey of its own, "id=-".
 *
 * A journey of IPv4 hooks alone, or of IPv6 hooks alone, names them
 * "PREROUTING" and its devices. Any other names each hook as the text
 * line does, family first ("bridge FORWARD", "netdev EGRESS", "arp
 * INPUT"), and a hop's interface is its bridge port when it has one
 * (phys_ifname_in, _out: at bridge hooks, and at the IPv4 and IPv6 hooks
 * br_netfilter runs), the bridge device itself saying little. The packet
 * is decoded from its IP header, past an Ethernet header (and one 802.1Q
 * tag) where the record's bytes start there; an ARP packet as the text
 * line says it ("arp who-has 10.0.0.2 tell 10.0.0.1"), with no NAT to
 * compare. A hop of the ARP family is a journey of its own: each ARP
 * hook gives a new id.
 *
 * When a journey ends, from its records' times (tstamp_ns) alone, so that
 * a file read back (-r) prints what the live capture printed, line for
 * line and in the same order:
 *  - at a drop record: at once;
 *  - at a hook where it may end (journey_hop_final()): once the records
 *    reach JOURNEY_DROP_WAIT_NS past it, the time a drop record at that
 *    hook could still take to come; a hop that comes meanwhile carries
 *    the journey on;
 *  - elsewhere: once the records reach JOURNEY_TIMEOUT_NS past its last
 *    record, as "not seen again";
 *  - when JOURNEY_TABLE_SIZE journeys are under way, the one that would
 *    end first ends now; at close, all of them, in that order.
 * Live, journey_writer_clock() lets wall time pass when no record comes.
 *
 * Where a journey may end, as the kernel hands out ids (see
 * nftrace_capture.c) and by what is captured:
 *  - an ARP hook, netdev EGRESS: always, nothing follows;
 *  - INPUT (IPv4, IPv6): always;
 *  - POSTROUTING (IPv4, IPv6): unless netdev EGRESS is captured and has
 *    been seen (a kernel before 5.16 has none, and "all the hooks" asks
 *    for what the kernel has): then the journey waits for its egress as
 *    for any later hook, which a neighbour being resolved can hold back;
 *  - bridge INPUT and POSTROUTING: always. With br_netfilter the IPv4 or
 *    IPv6 INPUT or POSTROUTING follow them, and egress follows bridge
 *    POSTROUTING, but at once, in the same call chain: well within the
 *    drop wait. Without br_netfilter nothing follows, and waiting
 *    JOURNEY_TIMEOUT_NS would call every such journey "not seen again";
 *  - PREROUTING, FORWARD, OUTPUT (IPv4, IPv6, bridge) and netdev INGRESS:
 *    when no hook that can come later is captured (journey_final(), with
 *    netdev EGRESS later than any of them, and the IPv4, IPv6 and bridge
 *    hooks later than INGRESS).
 */
#ifndef _NFTRACE_JOURNEY_WRITER_H
#define _NFTRACE_JOURNEY_WRITER_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"

#define JOURNEY_TABLE_SIZE	4096		/* journeys under way */
#define JOURNEY_TIMEOUT_NS	1000000000ULL	/* 1 s without a record */
#define JOURNEY_DROP_WAIT_NS	100000000ULL	/* 100 ms for a drop record */
/*
 * 8 in a traversal: netdev INGRESS, bridge and br_netfilter's IPv4 hooks
 * at PREROUTING, FORWARD, POSTROUTING, netdev EGRESS. More: a new line.
 */
#define JOURNEY_MAX_HOPS	12

struct journey;

/* A list of journeys in the order they were last touched. */
struct journey_list {
	int head, tail;		/* slot numbers, -1: empty */
};

struct journey_writer {
	FILE *f;
	unsigned int hooks;	/* 1 << NFTRACE_HOOK_*: those captured */
	unsigned int families;	/* NFTRACE_FAMILY_*: those captured */
	unsigned int hooks_netdev;	/* 1 << NFTRACE_NETDEV_HOOK_* */
	int egress_seen;	/* a netdev EGRESS record came */
	struct journey *slots;	/* size of them */
	int *buckets;		/* packet id hash: first slot, -1: none */
	unsigned int size, nr_buckets, used;
	int free;		/* first free slot, -1: none */
	/* Under way (JOURNEY_TIMEOUT_NS), at their last hook (DROP_WAIT). */
	struct journey_list lists[2];
	struct journey *one;	/* for a record without an id */
	__u64 now;		/* the latest record time, or clock time */
	long tz_offset;		/* seconds east of UTC, for tz_minute */
	long long tz_minute;
	int error;		/* errno of the first write error, or 0 */
	unsigned long records;	/* taken */
	unsigned long lines;	/* journeys printed */
	unsigned long bad;	/* records that were no packet, skipped */
};

/*
 * Up to size journeys under way at once; hooks: those captured (0: all)
 * of the IPv4, IPv6 and bridge families, the IPv4 and IPv6 families
 * captured. 0, or -1 with errno set (ENOMEM).
 */
int journey_writer_init(struct journey_writer *w, FILE *f, unsigned int hooks,
			unsigned int size);
/*
 * The families captured (NFTRACE_FAMILY_*; 0: IPv4 and IPv6, as init
 * has it) and, with netdev, its hooks (1 << NFTRACE_NETDEV_HOOK_*).
 * Before the first record.
 */
void journey_writer_families(struct journey_writer *w, unsigned int families,
			     unsigned int hooks_netdev);
/* 0 when taken, 1 when skipped (no packet, or after an error). */
int journey_writer_write(struct journey_writer *w,
			 const struct nftrace_record *rec, __u32 rec_len);
/*
 * No record stamped before now_ns is still to come: the journeys that
 * would end by then end. Records stamped earlier that come all the same
 * start journeys of their own.
 */
void journey_writer_clock(struct journey_writer *w, __u64 now_ns);
/* 0, or -1 with w->error set. */
int journey_writer_flush(struct journey_writer *w);
/* Every journey under way ends, then a flush; frees what init took. */
int journey_writer_close(struct journey_writer *w);

/*
 * Whether hook is the last of hooks (the captured ones) that a packet can
 * pass: INPUT and POSTROUTING always; PREROUTING when neither INPUT,
 * FORWARD nor POSTROUTING is captured; FORWARD and OUTPUT when
 * POSTROUTING is not.
 */
int journey_final(unsigned int hook, unsigned int hooks);

/*
 * Whether a journey may end at this hook of this family (NFTRACE_NFPROTO_*),
 * given what w captures and has seen: see the top of this file.
 */
int journey_hop_final(const struct journey_writer *w, unsigned int family,
		      unsigned int hook);

#endif /* _NFTRACE_JOURNEY_WRITER_H */
