// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_capture.c - the capture path, and the readers it serves.
 *
 * A running reader is on nftrace_readers. The hook walks them (RCU) and,
 * for each that wants the packet, copies its metadata and first bytes into
 * the reader's ring of this CPU. Bottom halves are off from reserve to
 * commit: a softirq hook cannot interrupt a process-context one on the
 * same CPU, so each ring has exactly one producer at a time, with no lock
 * and no atomic shared with other CPUs. Which hooks are registered, and
 * when, is the families' business (nftrace_reg_net.c); what a dropped
 * packet leaves behind, the drops' (nftrace_drops.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/hash.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>

#include "compat.h"
#include "nftrace_priv.h"

LIST_HEAD(nftrace_readers);		/* running readers; RCU for the hook */
DEFINE_MUTEX(nftrace_readers_lock);

/*
 * dev->name, or "" for no device. A rename (dev_change_name(), under RTNL,
 * which a hook cannot take) may be under way: the copy may then mix the
 * old and new names, a race the kernel's own tracepoints have too. It is
 * terminated all the same. The record's ifindex is the device; its name
 * is a label.
 */
static void nftrace_copy_ifname(char *dst, const struct net_device *dev)
{
	if (dev) {
		data_race(memcpy(dst, dev->name, NFTRACE_IFNAMSIZ));
		dst[NFTRACE_IFNAMSIZ - 1] = '\0';
	} else {
		memset(dst, 0, NFTRACE_IFNAMSIZ);
	}
}

/*
 * br_netfilter passes a bridged packet through the IPv4 and IPv6 hooks
 * from inside its bridge hooks, with its bridge info attached: inline
 * accessors only, so that nftrace never loads br_netfilter.
 */
static bool nftrace_bridged(const struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	return nf_bridge_info_exists(skb);
#else
	return false;
#endif
}

/* A bridge port's bridge; RCU (a hook's). */
static struct net_device *nftrace_port_bridge(struct net_device *port)
{
	return port ? netdev_master_upper_dev_get_rcu(port) : NULL;
}

static void nftrace_set_devs(struct nftrace_devs *d,
			     const struct net_device *in,
			     const struct net_device *out,
			     const struct net_device *phys_in,
			     const struct net_device *phys_out)
{
	d->ifindex_in = in ? in->ifindex : 0;
	d->ifindex_out = out ? out->ifindex : 0;
	d->phys_ifindex_in = phys_in ? phys_in->ifindex : 0;
	d->phys_ifindex_out = phys_out ? phys_out->ifindex : 0;
	nftrace_copy_ifname(d->ifname_in, in);
	nftrace_copy_ifname(d->ifname_out, out);
	nftrace_copy_ifname(d->phys_ifname_in, phys_in);
	nftrace_copy_ifname(d->phys_ifname_out, phys_out);
}

/* Under rcu_read_lock(), as every hook and the drop probe are. */
void nftrace_get_devs(struct nftrace_devs *d, const struct sk_buff *skb,
		      const struct nf_hook_state *state)
{
	if (d->resolved)
		return;
	d->resolved = true;
	if (state->pf == NFPROTO_BRIDGE) {
		nftrace_set_devs(d, nftrace_port_bridge(state->in),
				 nftrace_port_bridge(state->out),
				 state->in, state->out);
		return;
	}
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	if (state->pf != NFPROTO_ARP && nftrace_bridged(skb)) {
		int pin = nf_bridge_get_physinif(skb);
		int pout = nf_bridge_get_physoutif(skb);

		nftrace_set_devs(d, state->in, state->out,
				 pin ? dev_get_by_index_rcu(state->net, pin) : NULL,
				 pout ? dev_get_by_index_rcu(state->net, pout) : NULL);
		return;
	}
#endif
	nftrace_set_devs(d, state->in, state->out, NULL, NULL);
}

static bool nftrace_name_wanted(const struct nftrace_reader *r,
				const char *name)
{
	unsigned int i;

	if (!name[0])
		return false;
	for (i = 0; i < r->nr_devices; i++)
		if (!strncmp(r->devices[i], name, NFTRACE_IFNAMSIZ))
			return true;
	return false;
}

/* Whether r, which names devices, wants a packet seen on d. */
bool nftrace_devs_wanted(const struct nftrace_reader *r,
			 const struct nftrace_devs *d)
{
	return nftrace_name_wanted(r, d->ifname_in) ||
	       nftrace_name_wanted(r, d->ifname_out) ||
	       nftrace_name_wanted(r, d->phys_ifname_in) ||
	       nftrace_name_wanted(r, d->phys_ifname_out);
}

/*
 * Packet ids. A traversal of the stack starts at PREROUTING (received) or
 * OUTPUT (sent): there a packet gets a fresh id, and its skb's address is
 * remembered with it in this CPU's table; FORWARD, INPUT and POSTROUTING
 * find it there, for a packet runs its hooks on one CPU, one after the
 * other, in the softirq or task that received or sent it. INPUT and
 * POSTROUTING end the traversal: the entry goes. While a reader of a
 * later hook runs, the entry hooks before it (nftrace_id_hooks() in
 * nftrace_reg_net.c) are live in its families to hand out ids, captured
 * or not, so that an skb address the slab hands to a later packet is
 * never mistaken for the earlier packet's: every later packet passes an
 * entry hook first, on the CPU it runs on.
 *
 * An id is this CPU's counter times nr_cpu_ids plus the CPU, plus 1:
 * unique by construction among the ids of one load of the module, never
 * 0, and nothing to do with any address. A packet that carries on on
 * another CPU (an NFQUEUE verdict given there, an asynchronous crypto
 * completion) has no entry there and gets a new id at its later hooks;
 * one that stays queued longer than a second does too. A table entry is
 * looked at only by its own CPU's hooks, with bottom halves off.
 *
 * Receiving a packet again after loopback is a new traversal, with a new
 * id. Clones are packets of their own (TCP sends a clone of each segment,
 * a retransmission is another clone): new ids. GSO packets are segmented
 * after POSTROUTING, GRO merges before PREROUTING: the hooks, and the id,
 * see the one large packet.
 */
#define NFTRACE_ID_SETS		128	/* two ways each */
#define NFTRACE_ID_TTL		HZ

struct nftrace_id_slot {
	const struct sk_buff *skb;	/* compared, never followed */
	u64 id;
	unsigned long stamp;		/* jiffies at its last hook */
};

struct nftrace_ids {
	u64 next;
	struct nftrace_id_slot set[NFTRACE_ID_SETS][2];
};

static DEFINE_PER_CPU(struct nftrace_ids, nftrace_ids);

/*
 * Bridge hooks are a traversal of their own, PREROUTING or OUTPUT to INPUT
 * or POSTROUTING, and a bridged packet that br_netfilter takes through the
 * IPv4 or IPv6 hooks keeps its id there: those hooks only look it up, and
 * its bridge INPUT or POSTROUTING, which come before them, do not end it
 * (the inet INPUT or POSTROUTING does). ARP hooks each give a new id.
 *
 * While the netdev ingress hook is live, a received packet's traversal
 * starts there instead: it runs on every device, before PREROUTING and
 * on the same CPU, and PREROUTING (bridge, IPv4, IPv6) looks the id up.
 * While egress is live, POSTROUTING no longer ends a traversal: egress,
 * on the device the packet leaves by, does. A packet handed to a device
 * that delivers it to another (a veth pair, a bridge device to its
 * ports' hooks after the bridge OUTPUT) starts a new traversal there.
 */
static bool nftrace_hook_starts(u8 pf, unsigned int hook, bool bridged,
				u64 live)
{
	if (pf == NFPROTO_ARP)
		return true;
	if (pf == NFPROTO_NETDEV)
		return hook == NFTRACE_NETDEV_HOOK_INGRESS;
	if (bridged && pf != NFPROTO_BRIDGE)
		return false;
	if (hook == NF_INET_PRE_ROUTING)
		return !(live & NFTRACE_OP_INGRESS);
	return hook == NF_INET_LOCAL_OUT;
}

static bool nftrace_hook_ends(u8 pf, unsigned int hook, bool bridged,
			      u64 live)
{
	if (pf == NFPROTO_ARP)
		return true;
	if (pf == NFPROTO_NETDEV)
		return hook != NFTRACE_NETDEV_HOOK_INGRESS;
	if (bridged && pf == NFPROTO_BRIDGE)
		return false;
	if (hook == NF_INET_POST_ROUTING)
		return !(live & NFTRACE_OP_EGRESS);
	return hook == NF_INET_LOCAL_IN;
}

/* The id of the packet skb at hook; bottom halves off (or irqs). */
static u64 nftrace_packet_id(const struct sk_buff *skb, u8 pf,
			     unsigned int hook)
{
	struct nftrace_ids *ids = this_cpu_ptr(&nftrace_ids);
	bool bridged = pf != NFPROTO_ARP && pf != NFPROTO_NETDEV &&
		       nftrace_bridged(skb);
	u64 live = READ_ONCE(nftrace_live_ops);
	bool ends = nftrace_hook_ends(pf, hook, bridged, live);
	struct nftrace_id_slot *set, *s;
	unsigned long now = jiffies;
	u64 id;
	int i;

	set = ids->set[hash_ptr(skb, ilog2(NFTRACE_ID_SETS))];
	if (!nftrace_hook_starts(pf, hook, bridged, live)) {
		for (i = 0; i < 2; i++) {
			s = &set[i];
			if (s->skb != skb ||
			    time_after(now, s->stamp + NFTRACE_ID_TTL))
				continue;
			if (ends)
				s->skb = NULL;
			else
				s->stamp = now;
			return s->id;
		}
	}
	id = ids->next++ * nr_cpu_ids + smp_processor_id() + 1;
	if (ends)
		return id;
	/* skb's own slot, else a free or expired one, else the older. */
	if (set[1].skb == skb)
		s = &set[1];
	else if (set[0].skb == skb || !set[0].skb ||
		 time_after(now, set[0].stamp + NFTRACE_ID_TTL))
		s = &set[0];
	else if (!set[1].skb || time_before(set[1].stamp, set[0].stamp))
		s = &set[1];
	else
		s = &set[0];
	if (s == &set[1] && set[0].skb == skb)
		set[0].skb = NULL;
	s->skb = skb;
	s->id = id;
	s->stamp = now;
	return id;
}

/*
 * What conntrack knows of skb, read from skb->_nfct with inline accessors
 * only: nftrace never loads nf_conntrack, nor pins it. nf_ct_zone() would
 * (its default zone is that module's symbol): the zone is read as a field.
 */
static void nftrace_fill_ct(struct nftrace_record *rec,
			    const struct sk_buff *skb)
{
	rec->ct_status = 0;
	rec->ct_mark = 0;
	rec->ct_zone = 0;
	rec->ct_state = NFTRACE_CT_NONE;
	rec->ct_dir = NFTRACE_CT_DIR_ORIGINAL;
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	{
		enum ip_conntrack_info ctinfo;
		const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

		if (!ct) {
			if (ctinfo == IP_CT_UNTRACKED)
				rec->ct_state = NFTRACE_CT_UNTRACKED;
			return;
		}
		/* A template (the raw table's CT target) is no entry yet. */
		if (nf_ct_is_template(ct))
			return;
		switch (ctinfo) {
		case IP_CT_NEW:
			rec->ct_state = NFTRACE_CT_NEW;
			break;
		case IP_CT_RELATED:
		case IP_CT_RELATED_REPLY:
			rec->ct_state = NFTRACE_CT_RELATED;
			break;
		default:
			rec->ct_state = NFTRACE_CT_ESTABLISHED;
			break;
		}
		if (CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY)
			rec->ct_dir = NFTRACE_CT_DIR_REPLY;
		rec->ct_status = READ_ONCE(ct->status);
#ifdef CONFIG_NF_CONNTRACK_MARK
		rec->ct_mark = READ_ONCE(ct->mark);
#endif
#ifdef CONFIG_NF_CONNTRACK_ZONES
		rec->ct_zone = ct->zone.id;
#endif
	}
#endif
}

static void nftrace_fill_devs(struct nftrace_record *rec,
			      const struct nftrace_devs *d)
{
	rec->ifindex_in = d->ifindex_in;
	rec->ifindex_out = d->ifindex_out;
	rec->phys_ifindex_in = d->phys_ifindex_in;
	rec->phys_ifindex_out = d->phys_ifindex_out;
	memcpy(rec->ifname_in, d->ifname_in, NFTRACE_IFNAMSIZ);
	memcpy(rec->ifname_out, d->ifname_out, NFTRACE_IFNAMSIZ);
	memcpy(rec->phys_ifname_in, d->phys_ifname_in, NFTRACE_IFNAMSIZ);
	memcpy(rec->phys_ifname_out, d->phys_ifname_out, NFTRACE_IFNAMSIZ);
}

/*
 * Where the packet bytes of a record start, as an offset from skb->data
 * (negative: in the headroom), and which link that is. IPv4 and IPv6:
 * the network header. Bridge, netdev and ARP: the Ethernet header when
 * the device has one right before the network header (set as the mac
 * header, or, for an ARP request being sent or any packet at egress,
 * where skb->data is); else the network header. Loopback has one too.
 */
static int nftrace_data_start(const struct sk_buff *skb, u8 pf, u8 *link)
{
	int net = skb_network_offset(skb);
	int mac;

	*link = NFTRACE_LINK_IP;
	if (pf == NFPROTO_IPV4 || pf == NFPROTO_IPV6)
		return net;
	if (pf == NFPROTO_ARP)
		*link = NFTRACE_LINK_ARP;
	if (!skb->dev || (skb->dev->type != ARPHRD_ETHER &&
			  skb->dev->type != ARPHRD_LOOPBACK))
		return net;
	mac = skb_mac_header_was_set(skb) ? skb_mac_offset(skb) : 0;
	if (net - mac != ETH_HLEN || mac > 0)
		return net;
	*link = NFTRACE_LINK_ETHERNET;
	return mac;
}

/* Where a record was made: at a hook (state), or at a drop (frame). */
static void nftrace_fill(struct nftrace_record *rec, u32 len, u32 cap,
			 const struct sk_buff *skb, int off, u8 link,
			 const struct nf_hook_state *state,
			 const struct nftrace_frame *drop, u64 tstamp, u64 id,
			 struct nftrace_devs *devs)
{
	rec->len = len;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = sizeof(*rec);
	rec->tstamp_ns = tstamp;
	rec->mark = skb->mark;
	rec->orig_len = skb->len - off;
	rec->cap_len = cap;
	rec->cpu = smp_processor_id();
	nftrace_fill_ct(rec, skb);
	rec->link = link;
	memset(rec->__pad8, 0, sizeof(rec->__pad8));
	if (unlikely(drop)) {
		rec->packet_id = drop->packet_id;
		rec->netns_cookie = drop->netns_cookie;
		rec->netns = drop->netns;
		rec->hook = drop->hook;
		rec->family = drop->pf;
		rec->flags = NFTRACE_REC_F_DROP;
		nftrace_fill_devs(rec, &drop->devs);
		return;
	}
	rec->packet_id = id;
	rec->netns_cookie = nftrace_net_cookie(state->net);
	rec->netns = state->net->ns.inum;
	rec->hook = state->hook;
	rec->family = state->pf;
	rec->flags = 0;
	nftrace_get_devs(devs, skb, state);
	nftrace_fill_devs(rec, devs);
}

static void nftrace_stat_inc(u64 *counter)
{
	/* Read locklessly by NFTRACE_IOC_GET_STATS. */
	WRITE_ONCE(*counter, *counter + 1);
}

/*
 * PREEMPT_RT only: a record is being written into cr. Elsewhere nothing
 * that could write into the ring runs while a writer has bottom halves
 * off, so the flag is neither kept nor read.
 */
static void nftrace_set_busy(struct nftrace_cpu_ring *cr, bool busy)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		barrier();
		WRITE_ONCE(cr->busy, busy);
		barrier();
	}
}

/*
 * Called with bottom halves off (or, for a drop on PREEMPT_RT, preemption
 * off and the ring not busy): this CPU's ring has no other producer.
 * Exactly one of state and drop is set. Out of line and never cloned: it
 * has two callers, and tests probe it by name, its state the third
 * argument (test_module_hooksel.sh).
 */
noinline __noclone void
nftrace_capture(struct nftrace_reader *r, struct sk_buff *skb,
		const struct nf_hook_state *state,
		const struct nftrace_frame *drop, u64 *tstamp, u64 id,
		struct nftrace_devs *devs)
{
	struct nftrace_cpu_ring *cr = &r->rings[smp_processor_id()];
	u8 pf = drop ? drop->pf : state->pf;
	struct nftrace_record *rec;
	struct bpf_prog *filter;
	u32 snap = r->snaplen;
	u32 cap, len;
	int off;
	u8 link;

	if (unlikely(cr->absent)) {
		/* A CPU hot-added since the rings were made: no room. */
		nftrace_stat_inc(&cr->stats.seen);
		nftrace_ring_lose(&cr->ring);
		nftrace_stat_inc(&cr->stats.dropped);
		return;
	}
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && unlikely(drop) &&
	    READ_ONCE(cr->busy)) {
		/* See nftrace_drop_probe(): counted, not written. */
		nftrace_stat_inc(&cr->drops_busy);
		return;
	}
	nftrace_set_busy(cr, true);
	nftrace_stat_inc(&cr->stats.seen);
	off = nftrace_data_start(skb, pf, &link);
	filter = r->filter[link];
	if (filter) {
		u32 keep;

		/*
		 * Classic BPF on the packet from where its bytes start, which
		 * skb->data is made to be for the run, as af_packet does: the
		 * Ethernet header is in the head, before the network header.
		 */
		if (off < 0)
			__skb_push(skb, -off);
		else if (off > 0)
			__skb_pull(skb, off);
		keep = bpf_prog_run_save_cb(filter, skb);
		if (off < 0)
			__skb_pull(skb, -off);
		else if (off > 0)
			__skb_push(skb, off);
		if (!keep) {
			nftrace_stat_inc(&cr->stats.filtered);
			goto out;
		}
		snap = min(snap, keep);
	}

	cap = min_t(u32, skb->len - off, snap);
	len = sizeof(*rec) + cap;
	rec = nftrace_ring_reserve(&cr->ring, len);
	if (!rec) {
		nftrace_ring_lose(&cr->ring);
		nftrace_stat_inc(&cr->stats.dropped);
		goto out;
	}
	if (!*tstamp)
		*tstamp = ktime_get_real_ns();
	nftrace_fill(rec, len, cap, skb, off, link, state, drop, *tstamp, id,
		     devs);
	rec->seq = cr->ring.seq;
	/* Cannot fail: off + cap <= skb->len. Handles paged and GSO skbs. */
	if (skb_copy_bits(skb, off, rec + 1, cap))
		memset(rec + 1, 0, cap);
	nftrace_ring_commit(&cr->ring, len);
	nftrace_stat_inc(&cr->stats.captured);

	/*
	 * Wake the consumer each time another wakeup_bytes are written (as
	 * perf's watermark does), decided from producer-private state only:
	 * nothing that poll() or read() must re-arm, so an edge-triggered
	 * waiter (EPOLLET, io_uring multishot poll) that drains without
	 * polling is woken again, and no irq_work is queued per record. The
	 * waitqueue_active() look has no partner barrier (the hook must not
	 * pay for one per packet): a waiter it misses is woken by the trickle
	 * timer, which every waiter arms (nftrace_arm_trickle()) and which
	 * looks with wq_has_sleeper().
	 */
	if (cr->ring.prod_pos - cr->wake_pos >= r->wakeup_bytes) {
		cr->wake_pos = cr->ring.prod_pos;
		if (waitqueue_active(&r->wq))
			irq_work_queue(&cr->wake_work);
	}
out:
	nftrace_set_busy(cr, false);
}

/*
 * A CPU's rings have one writer at a time. Bottom halves off make it so,
 * except on PREEMPT_RT without CONFIG_PREEMPT_RT_NEEDS_BH_LOCK (6.18+),
 * where two tasks on one CPU may both be inside: there this lock makes
 * them take turns; elsewhere it costs nothing (lockdep's annotation).
 */
struct nftrace_bh_lock {
	local_lock_t lock;
};

static DEFINE_PER_CPU(struct nftrace_bh_lock, nftrace_bh_lock) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/*
 * The hook of op (a bit of nftrace_live_ops), which some reader wants.
 * Out of line and never cloned: tests probe it by name, its state the
 * second argument (test_module_hooksel.sh).
 */
static noinline __noclone void nftrace_hook_live(struct sk_buff *skb,
				       const struct nf_hook_state *state,
				       u64 op)
{
	/* With interrupts off no softirq can nest here: nothing to do. */
	bool bh = !irqs_disabled();
	struct nftrace_devs devs = { .resolved = false };
	struct nftrace_reader *r;
	u64 tstamp = 0, id;

	if (bh) {
		local_bh_disable();
		local_lock_nested_bh(&nftrace_bh_lock.lock);
	}
	id = nftrace_packet_id(skb, state->pf, state->hook);
	if (unlikely(READ_ONCE(nftrace_frame_ops) & op))
		nftrace_frame_push(skb, state, id, &devs);
	/* nf_hook_slow() holds rcu_read_lock(). */
	list_for_each_entry_rcu(r, &nftrace_readers, node) {
		if (!(r->entry_ops & op))
			continue;
		if (r->net && !net_eq(r->net, state->net))
			continue;
		if (unlikely(r->nr_devices)) {
			nftrace_get_devs(&devs, skb, state);
			if (!nftrace_devs_wanted(r, &devs))
				continue;
		}
		nftrace_capture(r, skb, state, NULL, &tstamp, id, &devs);
	}
	if (bh) {
		local_unlock_nested_bh(&nftrace_bh_lock.lock);
		local_bh_enable();
	}
}

/*
 * Registered once, an op stays: while no running reader wants it, this is
 * all a packet pays, a load and a test, with the work out of line. A
 * reader that starts or stops meanwhile is seen by the next packet; the
 * readers list, not this mask, is what keeps a reader's rings safe.
 */
unsigned int nftrace_hook(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	u64 op = BIT_ULL(nftrace_op_index(state->pf, state->hook));

	if (READ_ONCE(nftrace_live_ops) & op)
		nftrace_hook_live(skb, state, op);
	return NF_ACCEPT;
}

int nftrace_reader_start(struct nftrace_reader *r)
{
	int err;

	mutex_lock(&nftrace_readers_lock);
	if (r->drops) {
		err = nftrace_drops_get();
		if (err)
			goto out_unlock;
	}
	err = nftrace_hooks_get(nftrace_reader_ops(r));
	if (err) {
		if (r->drops)
			nftrace_drops_put();
		goto out_unlock;
	}
	list_add_tail_rcu(&r->node, &nftrace_readers);
out_unlock:
	mutex_unlock(&nftrace_readers_lock);
	if (!err) {
		/* Read locklessly by read()'s wait and the trickle timer. */
		WRITE_ONCE(r->state, NFTRACE_RUNNING);
		r->started = true;
	}
	return err;
}

/* After this, no hook touches r's rings, and no wakeup is pending. */
void nftrace_reader_stop(struct nftrace_reader *r)
{
	bool probe_gone = false;
	unsigned int i;

	mutex_lock(&nftrace_readers_lock);
	list_del_rcu(&r->node);
	nftrace_hooks_put(nftrace_reader_ops(r));
	if (r->drops)
		probe_gone = nftrace_drops_put();
	mutex_unlock(&nftrace_readers_lock);

	/*
	 * Hooks run under rcu_read_lock(), the probe with preemption off:
	 * wait for those still in r.
	 */
	if (probe_gone)
		tracepoint_synchronize_unregister();
	synchronize_net();
	for (i = 0; i < r->nr_rings; i++)
		irq_work_sync(&r->rings[i].wake_work);
	WRITE_ONCE(r->state, NFTRACE_READY);
	/* Sleepers see the stop and drain what is left. */
	wake_up_interruptible(&r->wq);
}

bool nftrace_reader_has_data(struct nftrace_reader *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_rings; i++) {
		struct nftrace_ring *ring = &r->rings[i].ring;

		if (nftrace_ring_produced(ring) != READ_ONCE(ring->cons->pos))
			return true;
	}
	return false;
}

void nftrace_wake_work(struct irq_work *work)
{
	struct nftrace_cpu_ring *cr = container_of(work, struct nftrace_cpu_ring,
						   wake_work);

	wake_up_interruptible(&cr->reader->wq);
}

/*
 * Data below wakeup_bytes still wakes a waiter within 100 ms. The timer
 * runs while the reader runs and anyone waits (an epoll registration stays
 * on wq: edge-triggered waiters are never left without it), and wakes
 * them when some ring got records since its last look that are still
 * unread: new data, as an edge-triggered waiter expects, not the same
 * unread data again every 50 ms.
 */
void nftrace_trickle(struct timer_list *t)
{
	struct nftrace_reader *r = timer_container_of(r, t, trickle);
	bool fresh = false;
	unsigned int i;

	for (i = 0; i < r->nr_rings; i++) {
		struct nftrace_cpu_ring *cr = &r->rings[i];
		u64 prod = nftrace_ring_produced(&cr->ring);

		if (prod != cr->trickle_pos &&
		    prod != READ_ONCE(cr->ring.cons->pos))
			fresh = true;
		cr->trickle_pos = prod;
	}
	if (fresh)
		wake_up_interruptible(&r->wq);
	if (READ_ONCE(r->state) == NFTRACE_RUNNING && wq_has_sleeper(&r->wq))
		mod_timer(&r->trickle, jiffies + msecs_to_jiffies(50));
}
