// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_hook.c - netfilter hooks and the capture path.
 *
 * A hook is registered when the first reader wants it: the first reader
 * of, say, IPv4 output registers pernet operations that hook that point in
 * every netns, present and future. It stays until the module is unloaded,
 * for unregistering a netfilter hook drops every packet NFQUEUE holds in
 * that netns (nf_queue_nf_hook_drop()): stopping a capture must not take
 * an inline IPS's packets in flight with it. A module no reader ever used
 * costs the stack nothing; a hook no running reader wants costs a packet
 * one call that returns at once; a reader of one hook costs a packet one
 * hook call.
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
#include <linux/hash.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netns/generic.h>
#include <trace/events/skb.h>

#include "compat.h"
#include "nftrace_priv.h"

int nftrace_priority = NF_IP_PRI_FIRST;

static LIST_HEAD(nftrace_readers);	/* running readers; RCU for the hook */
static DEFINE_MUTEX(nftrace_readers_lock);

/*
 * Each (family, hook) is registered on its own, in every netns present and
 * future, once some reader wants it: a reader of the output hook adds one
 * hook call to a local packet's path, not ten. pernet init and exit are
 * told only the netns, so each op gets its own pair, made by
 * NFTRACE_PERNET() below.
 */
#define NFTRACE_NR_ENTRY_OPS	(2 * NFTRACE_NR_HOOKS)
#define NFTRACE_NR_OPS		(2 * NFTRACE_NR_ENTRY_OPS)

/*
 * Index of an entry op: IPv4 hooks first, then IPv6. The exit op of the
 * same hook (drops, below) is NFTRACE_NR_ENTRY_OPS further on.
 */
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

static u32 nftrace_wants_family(u8 pf)
{
	return pf == NFPROTO_IPV4 ? NFTRACE_FAMILY_IPV4 : NFTRACE_FAMILY_IPV6;
}

/*
 * Drops. Netfilter frees a packet it drops with kfree_skb_reason(skb,
 * SKB_DROP_REASON_NETFILTER_DROP) inside nf_hook_slow(), where nothing
 * says which hook the packet was at. So while some reader wants drops,
 * the entry op of each hook it reads pushes a frame {skb, where} on a
 * small per-CPU stack, an exit op at the last priority pops it once the
 * packet got through, and the kfree_skb tracepoint, finding the frame of
 * a dropped skb, records the packet as dropped there.
 *
 * A frame belongs to one context, the task and interrupt level it was
 * pushed in: a packet's hook ops run in one context, and contexts nest
 * (a softirq on top of a task), or, on PREEMPT_RT, interleave. Only the
 * same skb in the same context matches, newest first. The frame holds
 * copies, never pointers to follow.
 *
 * A packet stolen or queued by a hook (NFQUEUE, defragmentation, IPVS)
 * leaves its frame behind, and the skb slab hands its address to a later
 * packet: that frame must never label the later packet's drop. So a
 * frame goes as soon as it cannot be live any more:
 *  - when its skb is freed for any other reason than a netfilter drop
 *    (NFQUEUE without a listener frees the packet at once, in the same
 *    context): all of that skb's frames on this CPU;
 *  - when the same skb enters a hook again in the same context: one
 *    context runs one hook of a packet at a time, so an older frame of
 *    the skb there is one whose hook ended without the exit op;
 *  - when an outer packet's exit op pops its frame: the newer frames of
 *    that context, whose hooks all ended;
 *  - and a full stack forgets its oldest frame.
 * What is left, a packet stolen here and freed on another CPU whose
 * address a packet of the same context reuses without entering a
 * captured hook, is what the NR_FRAMES-deep stack bounds.
 */
#define NFTRACE_NR_FRAMES	8

struct nftrace_frame {
	const struct sk_buff *skb;	/* compared, never followed */
	const struct task_struct *task;
	u8 level;			/* 0 task, 1 softirq, 2 hardirq, 3 NMI */
	u8 hook;
	u8 pf;
	const struct net *net;		/* compared, never followed */
	u32 netns;			/* its inode number, for the record */
	u64 netns_cookie;
	u64 packet_id;
	int ifindex_in;
	int ifindex_out;
	char ifname_in[NFTRACE_IFNAMSIZ];
	char ifname_out[NFTRACE_IFNAMSIZ];
};

struct nftrace_frames {
	unsigned int nr;
	struct nftrace_frame f[NFTRACE_NR_FRAMES];
};

static DEFINE_PER_CPU(struct nftrace_frames, nftrace_frames);

/* Entry ops that push frames: bit i for nftrace_ops[i]. */
static u32 nftrace_frame_ops;

/* Entry ops some running reader wants: the others return at once. */
static u32 nftrace_live_ops;

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

static u8 nftrace_context_level(void)
{
	if (in_nmi())
		return 3;
	if (in_hardirq())
		return 2;
	return in_serving_softirq() ? 1 : 0;
}

/*
 * Remove skb's frames from this CPU's stack, in every context (task NULL)
 * or in one, keeping the others in order. Irqs off.
 */
static void nftrace_frames_drop_skb(struct nftrace_frames *fs,
				    const struct sk_buff *skb,
				    const struct task_struct *task, u8 level)
{
	unsigned int i, n;

	for (i = n = 0; i < fs->nr; i++) {
		const struct nftrace_frame *f = &fs->f[i];

		if (f->skb == skb &&
		    (!task || (f->task == task && f->level == level)))
			continue;
		if (n != i)
			fs->f[n] = *f;
		n++;
	}
	fs->nr = n;
}

static void nftrace_frame_push(const struct sk_buff *skb,
			       const struct nf_hook_state *state, u64 id)
{
	u8 level = nftrace_context_level();
	struct nftrace_frames *fs;
	struct nftrace_frame *f;
	unsigned long flags;

	/* Any context may push on this CPU's stack: irqs off, briefly. */
	local_irq_save(flags);
	fs = this_cpu_ptr(&nftrace_frames);
	/* An older frame of skb in this context is one left behind. */
	nftrace_frames_drop_skb(fs, skb, current, level);
	if (fs->nr == NFTRACE_NR_FRAMES) {
		memmove(&fs->f[0], &fs->f[1],
			sizeof(fs->f[0]) * (NFTRACE_NR_FRAMES - 1));
		fs->nr--;
	}
	f = &fs->f[fs->nr++];
	f->skb = skb;
	f->task = current;
	f->level = level;
	f->hook = state->hook;
	f->pf = state->pf;
	f->net = state->net;
	f->netns = state->net->ns.inum;
	f->netns_cookie = nftrace_net_cookie(state->net);
	f->packet_id = id;
	f->ifindex_in = state->in ? state->in->ifindex : 0;
	f->ifindex_out = state->out ? state->out->ifindex : 0;
	nftrace_copy_ifname(f->ifname_in, state->in);
	nftrace_copy_ifname(f->ifname_out, state->out);
	local_irq_restore(flags);
}

/*
 * Pop skb's newest frame of this context into *out (when out is set), and
 * every newer frame of this context with it: those packets are done with
 * their hooks. False when skb has no frame here.
 */
static bool nftrace_frame_pop(const struct sk_buff *skb,
			      struct nftrace_frame *out)
{
	const struct task_struct *task = current;
	u8 level = nftrace_context_level();
	struct nftrace_frames *fs;
	unsigned int i, j, n;
	unsigned long flags;
	bool found = false;

	local_irq_save(flags);
	fs = this_cpu_ptr(&nftrace_frames);
	for (i = fs->nr; i-- > 0;) {
		const struct nftrace_frame *f = &fs->f[i];

		if (f->skb == skb && f->task == task && f->level == level) {
			found = true;
			break;
		}
	}
	if (found) {
		if (out)
			*out = fs->f[i];
		/* Keep the other contexts' frames above i, in order. */
		for (j = n = i; j < fs->nr; j++) {
			const struct nftrace_frame *f = &fs->f[j];

			if (f->task != task || f->level != level)
				fs->f[n++] = *f;
		}
		fs->nr = n;
	}
	local_irq_restore(flags);
	return found;
}

/* skb is freed, not dropped by netfilter: none of its frames is live. */
static void nftrace_frame_forget(const struct sk_buff *skb)
{
	unsigned long flags;

	/* Preemption is off: an irq may push, but no frame of this skb. */
	if (!this_cpu_read(nftrace_frames.nr))
		return;
	local_irq_save(flags);
	nftrace_frames_drop_skb(this_cpu_ptr(&nftrace_frames), skb, NULL, 0);
	local_irq_restore(flags);
}

/*
 * Packet ids. A traversal of the stack starts at PREROUTING (received) or
 * OUTPUT (sent): there a packet gets a fresh id, and its skb's address is
 * remembered with it in this CPU's table; FORWARD, INPUT and POSTROUTING
 * find it there, for a packet runs its hooks on one CPU, one after the
 * other, in the softirq or task that received or sent it. INPUT and
 * POSTROUTING end the traversal: the entry goes. While a reader of a
 * later hook runs, the entry hooks before it (nftrace_id_hooks()) are
 * live in its families to hand out ids, captured or not, so that an skb
 * address the slab hands to a later packet is never mistaken for the
 * earlier packet's: every later packet passes an entry hook first, on the
 * CPU it runs on.
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

static bool nftrace_hook_ends(unsigned int hook)
{
	return hook == NF_INET_LOCAL_IN || hook == NF_INET_POST_ROUTING;
}

/* The id of the packet skb at hook; bottom halves off (or irqs). */
static u64 nftrace_packet_id(const struct sk_buff *skb, unsigned int hook)
{
	struct nftrace_ids *ids = this_cpu_ptr(&nftrace_ids);
	struct nftrace_id_slot *set, *s;
	unsigned long now = jiffies;
	u64 id;
	int i;

	set = ids->set[hash_ptr(skb, ilog2(NFTRACE_ID_SETS))];
	if (hook != NF_INET_PRE_ROUTING && hook != NF_INET_LOCAL_OUT) {
		for (i = 0; i < 2; i++) {
			s = &set[i];
			if (s->skb != skb ||
			    time_after(now, s->stamp + NFTRACE_ID_TTL))
				continue;
			if (nftrace_hook_ends(hook))
				s->skb = NULL;
			else
				s->stamp = now;
			return s->id;
		}
	}
	id = ids->next++ * nr_cpu_ids + smp_processor_id() + 1;
	if (nftrace_hook_ends(hook))
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

/* Where a record was made: at a hook (state), or at a drop (frame). */
static void nftrace_fill(struct nftrace_record *rec, u32 len, u32 cap,
			 const struct sk_buff *skb,
			 const struct nf_hook_state *state,
			 const struct nftrace_frame *drop, u64 tstamp, u64 id)
{
	rec->len = len;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = sizeof(*rec);
	rec->tstamp_ns = tstamp;
	rec->mark = skb->mark;
	rec->orig_len = skb->len - skb_network_offset(skb);
	rec->cap_len = cap;
	rec->cpu = smp_processor_id();
	nftrace_fill_ct(rec, skb);
	/* Bridge ports: issue 14's families fill them. */
	rec->phys_ifindex_in = 0;
	rec->phys_ifindex_out = 0;
	memset(rec->phys_ifname_in, 0, NFTRACE_IFNAMSIZ);
	memset(rec->phys_ifname_out, 0, NFTRACE_IFNAMSIZ);
	rec->__reserved = 0;
	if (unlikely(drop)) {
		rec->packet_id = drop->packet_id;
		rec->netns_cookie = drop->netns_cookie;
		rec->netns = drop->netns;
		rec->ifindex_in = drop->ifindex_in;
		rec->ifindex_out = drop->ifindex_out;
		rec->hook = drop->hook;
		rec->family = drop->pf;
		rec->flags = NFTRACE_REC_F_DROP;
		memcpy(rec->ifname_in, drop->ifname_in, NFTRACE_IFNAMSIZ);
		memcpy(rec->ifname_out, drop->ifname_out, NFTRACE_IFNAMSIZ);
		return;
	}
	rec->packet_id = id;
	rec->netns_cookie = nftrace_net_cookie(state->net);
	rec->netns = state->net->ns.inum;
	rec->ifindex_in = state->in ? state->in->ifindex : 0;
	rec->ifindex_out = state->out ? state->out->ifindex : 0;
	rec->hook = state->hook;
	rec->family = state->pf;
	rec->flags = 0;
	nftrace_copy_ifname(rec->ifname_in, state->in);
	nftrace_copy_ifname(rec->ifname_out, state->out);
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
static noinline __noclone void
nftrace_capture(struct nftrace_reader *r, struct sk_buff *skb,
		const struct nf_hook_state *state,
		const struct nftrace_frame *drop, u64 *tstamp, u64 id)
{
	struct nftrace_cpu_ring *cr = &r->rings[smp_processor_id()];
	int off = skb_network_offset(skb);
	struct nftrace_record *rec;
	u32 snap = r->snaplen;
	u32 cap, len;

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
	if (r->filter) {
		/* Classic BPF on the packet from its network header. */
		u32 keep = bpf_prog_run_save_cb(r->filter, skb);

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
	nftrace_fill(rec, len, cap, skb, state, drop, *tstamp, id);
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
				       u32 op)
{
	u32 family = nftrace_wants_family(state->pf);
	/* With interrupts off no softirq can nest here: nothing to do. */
	bool bh = !irqs_disabled();
	struct nftrace_reader *r;
	u64 tstamp = 0, id;

	if (bh) {
		local_bh_disable();
		local_lock_nested_bh(&nftrace_bh_lock.lock);
	}
	id = nftrace_packet_id(skb, state->hook);
	if (unlikely(READ_ONCE(nftrace_frame_ops) & op))
		nftrace_frame_push(skb, state, id);
	/* nf_hook_slow() holds rcu_read_lock(). */
	list_for_each_entry_rcu(r, &nftrace_readers, node) {
		if (!(r->hooks & BIT(state->hook)) || !(r->families & family))
			continue;
		if (r->net && !net_eq(r->net, state->net))
			continue;
		nftrace_capture(r, skb, state, NULL, &tstamp, id);
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
static unsigned int nftrace_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	u32 op = BIT(nftrace_op_index(state->pf, state->hook));

	if (READ_ONCE(nftrace_live_ops) & op)
		nftrace_hook_live(skb, state, op);
	return NF_ACCEPT;
}

/* At the last priority: the packet got through every op of this hook. */
static unsigned int nftrace_exit_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	/* Only while its entry op pushes frames. */
	if (unlikely(READ_ONCE(nftrace_frame_ops) &
		     BIT(nftrace_op_index(state->pf, state->hook))))
		nftrace_frame_pop(skb, NULL);
	return NF_ACCEPT;
}

/*
 * The kfree_skb tracepoint, while some reader wants drops. Tracepoint
 * probes ran with preemption off until v6.18 or so, when they moved under
 * SRCU (a46023d5616e) and may be preempted and migrated: the probe pins
 * its CPU itself, for the frames and the ring it touches. On PREEMPT_RT
 * bottom halves cannot be turned off here (that may sleep), and a task
 * preempted on this CPU may be halfway through writing a record into the
 * same ring: cr->busy says so, and the drop is then counted as lost
 * instead (nftrace_capture()). Elsewhere a softirq cannot run while a
 * task writes (it has bottom halves off), so there is no busy flag to
 * keep.
 */
static void nftrace_drop_probe(void *data, NFTRACE_KFREE_SKB_ARGS)
{
	bool bh = !IS_ENABLED(CONFIG_PREEMPT_RT) && !irqs_disabled();
	struct nftrace_frame f;
	struct nftrace_reader *r;
	u64 tstamp = 0;
	u32 family;

	preempt_disable_notrace();
	if (!nftrace_nf_drop(reason)) {
		nftrace_frame_forget(skb);
		goto out;
	}
	if (!nftrace_frame_pop(skb, &f))
		goto out;
	family = nftrace_wants_family(f.pf);
	if (bh)
		local_bh_disable();
	rcu_read_lock();
	list_for_each_entry_rcu(r, &nftrace_readers, node) {
		if (!r->drops || !(r->hooks & BIT(f.hook)) ||
		    !(r->families & family))
			continue;
		/* r->net is held: no other netns can have its address. */
		if (r->net && !net_eq(r->net, f.net))
			continue;
		nftrace_capture(r, skb, NULL, &f, &tstamp, 0);
	}
	rcu_read_unlock();
	if (bh)
		local_bh_enable();
out:
	preempt_enable_notrace();
}

#define NFTRACE_OPS(pf_, hook_) {		\
	.hook = nftrace_hook,			\
	.pf = pf_,				\
	.hooknum = hook_,			\
}

#define NFTRACE_EXIT_OPS(pf_, hook_) {		\
	.hook = nftrace_exit_hook,		\
	.pf = pf_,				\
	.hooknum = hook_,			\
	.priority = NF_IP_PRI_LAST,		\
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
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_PRE_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_FORWARD),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_POST_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_PRE_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_FORWARD),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_POST_ROUTING),
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
NFTRACE_PERNET(8) NFTRACE_PERNET(9) NFTRACE_PERNET(10) NFTRACE_PERNET(11)
NFTRACE_PERNET(12) NFTRACE_PERNET(13) NFTRACE_PERNET(14) NFTRACE_PERNET(15)
NFTRACE_PERNET(16) NFTRACE_PERNET(17) NFTRACE_PERNET(18) NFTRACE_PERNET(19)

#define NFTRACE_NET_OPS(i) {			\
	.init = nftrace_net_init_##i,		\
	.exit = nftrace_net_exit_##i,		\
}

static struct pernet_operations nftrace_net_ops[NFTRACE_NR_OPS] = {
	NFTRACE_NET_OPS(0), NFTRACE_NET_OPS(1), NFTRACE_NET_OPS(2),
	NFTRACE_NET_OPS(3), NFTRACE_NET_OPS(4), NFTRACE_NET_OPS(5),
	NFTRACE_NET_OPS(6), NFTRACE_NET_OPS(7), NFTRACE_NET_OPS(8),
	NFTRACE_NET_OPS(9), NFTRACE_NET_OPS(10), NFTRACE_NET_OPS(11),
	NFTRACE_NET_OPS(12), NFTRACE_NET_OPS(13), NFTRACE_NET_OPS(14),
	NFTRACE_NET_OPS(15), NFTRACE_NET_OPS(16), NFTRACE_NET_OPS(17),
	NFTRACE_NET_OPS(18), NFTRACE_NET_OPS(19),
};

/* Running readers that want each op; under nftrace_readers_lock. */
static unsigned int nftrace_op_users[NFTRACE_NR_OPS];

/* Ops registered (in every netns), until the module goes; under the lock. */
static u32 nftrace_op_registered;

/* The entry ops of hooks (a mask of 1 << NF_INET_*) in families. */
static u32 nftrace_entry_ops(u32 hooks, u32 families)
{
	unsigned int hook;
	u32 ops = 0;

	for (hook = 0; hook < NFTRACE_NR_HOOKS; hook++) {
		if (!(hooks & BIT(hook)))
			continue;
		if (families & NFTRACE_FAMILY_IPV4)
			ops |= BIT(nftrace_op_index(NFPROTO_IPV4, hook));
		if (families & NFTRACE_FAMILY_IPV6)
			ops |= BIT(nftrace_op_index(NFPROTO_IPV6, hook));
	}
	return ops;
}

/*
 * The hooks that hand out the ids a reader of hooks looks up: PREROUTING
 * comes before INPUT, FORWARD and POSTROUTING, OUTPUT before POSTROUTING
 * (nftrace_packet_id()). A reader of PREROUTING or OUTPUT alone needs
 * none: a traversal starts there, and a packet pays no other hook.
 */
static u32 nftrace_id_hooks(u32 hooks)
{
	u32 ids = 0;

	if (hooks & (BIT(NF_INET_LOCAL_IN) | BIT(NF_INET_FORWARD) |
		     BIT(NF_INET_POST_ROUTING)))
		ids |= BIT(NF_INET_PRE_ROUTING);
	if (hooks & BIT(NF_INET_POST_ROUTING))
		ids |= BIT(NF_INET_LOCAL_OUT);
	return ids;
}

/* The ops a reader's configuration asks for, as a bit mask of indexes. */
static u32 nftrace_reader_ops(const struct nftrace_reader *r)
{
	u32 ops = nftrace_entry_ops(r->hooks, r->families);

	/* Drops: the same hooks' exit ops too. */
	if (r->drops)
		ops |= ops << NFTRACE_NR_ENTRY_OPS;
	/* Packet ids: the entry hooks that come before its own. */
	return ops | nftrace_entry_ops(nftrace_id_hooks(r->hooks), r->families);
}

/*
 * Publish which entry ops do work: those some running reader wants, and
 * of those the ones that push frames (whose exit op a reader wants).
 */
static void nftrace_ops_update(void)
{
	u32 live = 0, frames = 0;
	unsigned int i;

	for (i = 0; i < NFTRACE_NR_ENTRY_OPS; i++) {
		if (nftrace_op_users[i])
			live |= BIT(i);
		if (nftrace_op_users[NFTRACE_NR_ENTRY_OPS + i])
			frames |= BIT(i);
	}
	WRITE_ONCE(nftrace_frame_ops, frames);
	WRITE_ONCE(nftrace_live_ops, live);
}

/*
 * The ops stay registered: an unregistered netfilter hook drops every
 * packet NFQUEUE holds in the netns. No new frames once no reader wants
 * them; the exit ops then stop popping too.
 */
static void nftrace_hooks_put(u32 ops)
{
	unsigned int i;

	lockdep_assert_held(&nftrace_readers_lock);
	for (i = 0; i < NFTRACE_NR_OPS; i++)
		if (ops & BIT(i))
			nftrace_op_users[i]--;
	nftrace_ops_update();
}

/* Hook every netns at each op in ops that no reader had yet. */
static int nftrace_hooks_get(u32 ops)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&nftrace_readers_lock);
	for (i = 0; i < NFTRACE_NR_OPS; i++) {
		if (!(ops & BIT(i)) || (nftrace_op_registered & BIT(i)))
			continue;
		/* The module parameter (read-only) at the first registration. */
		if (i < NFTRACE_NR_ENTRY_OPS)
			nftrace_ops[i].priority = nftrace_priority;
		err = register_pernet_subsys(&nftrace_net_ops[i]);
		if (err)
			return err;	/* those registered stay, idle */
		nftrace_op_registered |= BIT(i);
	}
	for (i = 0; i < NFTRACE_NR_OPS; i++)
		if (ops & BIT(i))
			nftrace_op_users[i]++;
	nftrace_ops_update();
	return 0;
}

/* Module unload: no reader is left (open files pin the module). */
void nftrace_hooks_exit(void)
{
	unsigned int i;

	for (i = 0; i < NFTRACE_NR_OPS; i++)
		if (nftrace_op_registered & BIT(i))
			unregister_pernet_subsys(&nftrace_net_ops[i]);
	nftrace_op_registered = 0;
}

/* Running readers that want drops; under nftrace_readers_lock. */
static unsigned int nftrace_nr_drop_readers;

/* On each CPU, irqs off, as its frames are only ever touched. */
static void nftrace_frames_reset(void *unused)
{
	this_cpu_ptr(&nftrace_frames)->nr = 0;
}

int nftrace_reader_start(struct nftrace_reader *r)
{
	int err;

	mutex_lock(&nftrace_readers_lock);
	if (r->drops && !nftrace_nr_drop_readers) {
		/* Frames left behind by an earlier run would only mislead. */
		on_each_cpu(nftrace_frames_reset, NULL, 1);
		err = nftrace_register_drop_probe(nftrace_drop_probe);
		if (err)
			goto out_unlock;
	}
	err = nftrace_hooks_get(nftrace_reader_ops(r));
	if (err) {
		if (r->drops && !nftrace_nr_drop_readers)
			nftrace_unregister_drop_probe(nftrace_drop_probe);
		goto out_unlock;
	}
	if (r->drops)
		nftrace_nr_drop_readers++;
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
	if (r->drops && !--nftrace_nr_drop_readers) {
		nftrace_unregister_drop_probe(nftrace_drop_probe);
		probe_gone = true;
	}
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
