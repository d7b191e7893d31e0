// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_hook.c - netfilter hooks and the capture path.
 *
 * A hook exists only while some running reader wants it: the first reader
 * of, say, IPv4 output registers pernet operations that hook that point in
 * every netns, present and future; the last one to stop takes them away.
 * An idle nftrace costs the stack nothing, and a reader of one hook costs
 * a packet one hook call.
 *
 * The hook walks the running readers (RCU) and, for each that wants the
 * packet, copies its metadata and first bytes into the reader's ring of
 * this CPU. Bottom halves are off from reserve to commit: a softirq hook
 * cannot interrupt a process-context one on the same CPU, so each ring has
 * exactly one producer at a time, with no lock and no atomic shared with
 * other CPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "nftrace_priv.h"

int nftrace_priority = NF_IP_PRI_FIRST;

static LIST_HEAD(nftrace_readers);	/* running readers; RCU for the hook */
static DEFINE_MUTEX(nftrace_readers_lock);

static u32 nftrace_wants_family(u8 pf)
{
	return pf == NFPROTO_IPV4 ? NFTRACE_FAMILY_IPV4 : NFTRACE_FAMILY_IPV6;
}

static void nftrace_fill(struct nftrace_record *rec, u32 len, u32 cap,
			 const struct sk_buff *skb,
			 const struct nf_hook_state *state, u64 tstamp)
{
	rec->len = len;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = sizeof(*rec);
	rec->tstamp_ns = tstamp;
	rec->netns = state->net->ns.inum;
	rec->mark = skb->mark;
	rec->ifindex_in = state->in ? state->in->ifindex : 0;
	rec->ifindex_out = state->out ? state->out->ifindex : 0;
	rec->orig_len = skb->len - skb_network_offset(skb);
	rec->cap_len = cap;
	rec->hook = state->hook;
	rec->family = state->pf;
	rec->cpu = smp_processor_id();
	rec->__pad = 0;
	/* dev->name is NUL-terminated within IFNAMSIZ. */
	if (state->in)
		memcpy(rec->ifname_in, state->in->name, NFTRACE_IFNAMSIZ);
	else
		memset(rec->ifname_in, 0, NFTRACE_IFNAMSIZ);
	if (state->out)
		memcpy(rec->ifname_out, state->out->name, NFTRACE_IFNAMSIZ);
	else
		memset(rec->ifname_out, 0, NFTRACE_IFNAMSIZ);
}

static void nftrace_stat_inc(u64 *counter)
{
	/* Read locklessly by NFTRACE_IOC_GET_STATS. */
	WRITE_ONCE(*counter, *counter + 1);
}

/* Called with bottom halves off: this CPU's ring has no other producer. */
static void nftrace_capture(struct nftrace_reader *r, struct sk_buff *skb,
			    const struct nf_hook_state *state, u64 *tstamp)
{
	struct nftrace_cpu_ring *cr = &r->rings[smp_processor_id()];
	int off = skb_network_offset(skb);
	struct nftrace_record *rec;
	u32 snap = r->snaplen;
	u32 cap, len;

	nftrace_stat_inc(&cr->stats.seen);
	if (r->filter) {
		/* Classic BPF on the packet from its network header. */
		u32 keep = bpf_prog_run_save_cb(r->filter, skb);

		if (!keep) {
			nftrace_stat_inc(&cr->stats.filtered);
			return;
		}
		snap = min(snap, keep);
	}

	cap = min_t(u32, skb->len - off, snap);
	len = sizeof(*rec) + cap;
	rec = nftrace_ring_reserve(&cr->ring, len);
	if (!rec) {
		nftrace_ring_lose(&cr->ring);
		nftrace_stat_inc(&cr->stats.dropped);
		return;
	}
	if (!*tstamp)
		*tstamp = ktime_get_real_ns();
	nftrace_fill(rec, len, cap, skb, state, *tstamp);
	rec->seq = cr->ring.seq;
	/* Cannot fail: off + cap <= skb->len. Handles paged and GSO skbs. */
	if (skb_copy_bits(skb, off, rec + 1, cap))
		memset(rec + 1, 0, cap);
	nftrace_ring_commit(&cr->ring, len);
	nftrace_stat_inc(&cr->stats.captured);

	/*
	 * Wake a sleeping consumer once the ring holds wakeup_bytes. No
	 * barrier orders this load after the commit: a wakeup lost to that
	 * race is made good by the trickle timer (nftrace_trickle()).
	 */
	if (READ_ONCE(r->sleeping) &&
	    cr->ring.prod_pos - READ_ONCE(cr->ring.cons->pos) >= r->wakeup_bytes)
		irq_work_queue(&cr->wake_work);
}

static unsigned int nftrace_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	u32 family = nftrace_wants_family(state->pf);
	/* With interrupts off no softirq can nest here: nothing to do. */
	bool bh = !irqs_disabled();
	struct nftrace_reader *r;
	u64 tstamp = 0;

	if (bh)
		local_bh_disable();
	/* nf_hook_slow() holds rcu_read_lock(). */
	list_for_each_entry_rcu(r, &nftrace_readers, node) {
		if (!(r->hooks & BIT(state->hook)) || !(r->families & family))
			continue;
		if (r->netns && r->netns != state->net->ns.inum)
			continue;
		nftrace_capture(r, skb, state, &tstamp);
	}
	if (bh)
		local_bh_enable();
	return NF_ACCEPT;
}

/*
 * Each (family, hook) is registered on its own, in every netns present and
 * future, while some running reader wants it: a reader of the output hook
 * adds one hook call to a local packet's path, not ten. pernet init and exit
 * are told only the netns, so each op gets its own pair, made by
 * NFTRACE_PERNET() below.
 */
#define NFTRACE_NR_OPS	(2 * NFTRACE_NR_HOOKS)

/* Index of an op: IPv4 hooks first, then IPv6. */
static unsigned int nftrace_op_index(u8 pf, unsigned int hook)
{
	/* The ABI's hook numbers are netfilter's. */
	BUILD_BUG_ON(NF_INET_PRE_ROUTING != NFTRACE_HOOK_PREROUTING ||
		     NF_INET_LOCAL_IN != NFTRACE_HOOK_INPUT ||
		     NF_INET_FORWARD != NFTRACE_HOOK_FORWARD ||
		     NF_INET_LOCAL_OUT != NFTRACE_HOOK_OUTPUT ||
		     NF_INET_POST_ROUTING != NFTRACE_HOOK_POSTROUTING);
	return (pf == NFPROTO_IPV6 ? NFTRACE_NR_HOOKS : 0) + hook;
}

#define NFTRACE_OPS(pf_, hook_) {		\
	.hook = nftrace_hook,			\
	.pf = pf_,				\
	.hooknum = hook_,			\
}

static struct nf_hook_ops nftrace_ops[NFTRACE_NR_OPS] = {
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_PRE_ROUTING),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_FORWARD),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_POST_ROUTING),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_PRE_ROUTING),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_FORWARD),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_POST_ROUTING),
};

#define NFTRACE_PERNET(i)						\
static int __net_init nftrace_net_init_##i(struct net *net)		\
{									\
	return nf_register_net_hook(net, &nftrace_ops[i]);		\
}									\
static void __net_exit nftrace_net_exit_##i(struct net *net)		\
{									\
	nf_unregister_net_hook(net, &nftrace_ops[i]);			\
}

NFTRACE_PERNET(0) NFTRACE_PERNET(1) NFTRACE_PERNET(2) NFTRACE_PERNET(3)
NFTRACE_PERNET(4) NFTRACE_PERNET(5) NFTRACE_PERNET(6) NFTRACE_PERNET(7)
NFTRACE_PERNET(8) NFTRACE_PERNET(9)

#define NFTRACE_NET_OPS(i) {			\
	.init = nftrace_net_init_##i,		\
	.exit = nftrace_net_exit_##i,		\
}

static struct pernet_operations nftrace_net_ops[NFTRACE_NR_OPS] = {
	NFTRACE_NET_OPS(0), NFTRACE_NET_OPS(1), NFTRACE_NET_OPS(2),
	NFTRACE_NET_OPS(3), NFTRACE_NET_OPS(4), NFTRACE_NET_OPS(5),
	NFTRACE_NET_OPS(6), NFTRACE_NET_OPS(7), NFTRACE_NET_OPS(8),
	NFTRACE_NET_OPS(9),
};

/* Running readers that want each op; under nftrace_readers_lock. */
static unsigned int nftrace_op_users[NFTRACE_NR_OPS];

/* The ops a reader's configuration asks for, as a bit mask of indexes. */
static u32 nftrace_reader_ops(const struct nftrace_reader *r)
{
	u32 ops = 0;
	unsigned int hook;

	for (hook = 0; hook < NFTRACE_NR_HOOKS; hook++) {
		if (!(r->hooks & BIT(hook)))
			continue;
		if (r->families & NFTRACE_FAMILY_IPV4)
			ops |= BIT(nftrace_op_index(NFPROTO_IPV4, hook));
		if (r->families & NFTRACE_FAMILY_IPV6)
			ops |= BIT(nftrace_op_index(NFPROTO_IPV6, hook));
	}
	return ops;
}

static void nftrace_hooks_put(u32 ops)
{
	unsigned int i;

	lockdep_assert_held(&nftrace_readers_lock);
	for (i = 0; i < NFTRACE_NR_OPS; i++)
		if ((ops & BIT(i)) && !--nftrace_op_users[i])
			unregister_pernet_subsys(&nftrace_net_ops[i]);
}

/* Hook every netns at each op in ops that no running reader had yet. */
static int nftrace_hooks_get(u32 ops)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&nftrace_readers_lock);
	for (i = 0; i < NFTRACE_NR_OPS; i++) {
		if (!(ops & BIT(i)) || nftrace_op_users[i]++)
			continue;
		/* The module parameter is read at each registration. */
		nftrace_ops[i].priority = nftrace_priority;
		err = register_pernet_subsys(&nftrace_net_ops[i]);
		if (err) {
			nftrace_op_users[i]--;
			nftrace_hooks_put(ops & (BIT(i) - 1));
			return err;
		}
	}
	return 0;
}

int nftrace_reader_start(struct nftrace_reader *r)
{
	int err;

	mutex_lock(&nftrace_readers_lock);
	err = nftrace_hooks_get(nftrace_reader_ops(r));
	if (!err)
		list_add_tail_rcu(&r->node, &nftrace_readers);
	mutex_unlock(&nftrace_readers_lock);
	if (!err) {
		r->state = NFTRACE_RUNNING;
		r->started = true;
	}
	return err;
}

/* After this, no hook touches r's rings, and no wakeup is pending. */
void nftrace_reader_stop(struct nftrace_reader *r)
{
	unsigned int i;

	mutex_lock(&nftrace_readers_lock);
	list_del_rcu(&r->node);
	nftrace_hooks_put(nftrace_reader_ops(r));
	mutex_unlock(&nftrace_readers_lock);

	/* Hooks run under rcu_read_lock(): wait for those still in r. */
	synchronize_net();
	for (i = 0; i < r->nr_rings; i++)
		irq_work_sync(&r->rings[i].wake_work);
	r->state = NFTRACE_READY;
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

	WRITE_ONCE(cr->reader->sleeping, 0);
	wake_up_interruptible(&cr->reader->wq);
}

/* A trickle below wakeup_bytes still wakes a sleeper within 100 ms. */
void nftrace_trickle(struct timer_list *t)
{
	struct nftrace_reader *r = timer_container_of(r, t, trickle);

	if (nftrace_reader_has_data(r)) {
		WRITE_ONCE(r->sleeping, 0);
		wake_up_interruptible(&r->wq);
	} else if (READ_ONCE(r->state) == NFTRACE_RUNNING &&
		   wq_has_sleeper(&r->wq)) {
		/* (An epoll registration stays on wq: only while running.) */
		mod_timer(&r->trickle, jiffies + msecs_to_jiffies(50));
	}
}
