// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_drops.c - where netfilter dropped a packet (--drops).
 *
 * Netfilter frees a packet it drops with kfree_skb_reason(skb,
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
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <trace/events/skb.h>

#include "compat.h"
#include "nftrace_priv.h"

struct nftrace_frames {
	unsigned int nr;
	struct nftrace_frame f[NFTRACE_NR_FRAMES];
};

static DEFINE_PER_CPU(struct nftrace_frames, nftrace_frames);

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

void nftrace_frame_push(const struct sk_buff *skb,
			const struct nf_hook_state *state, u64 id,
			struct nftrace_devs *devs)
{
	u8 level = nftrace_context_level();
	struct nftrace_frames *fs;
	struct nftrace_frame *f;
	unsigned long flags;

	nftrace_get_devs(devs, skb, state);	/* the records' too */
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
	f->devs = *devs;
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

/* At the last priority: the packet got through every op of this hook. */
unsigned int nftrace_exit_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	/* Only while its entry op pushes frames. */
	if (unlikely(READ_ONCE(nftrace_frame_ops) &
		     BIT_ULL(nftrace_op_index(state->pf, state->hook))))
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
	u64 op;

	preempt_disable_notrace();
	if (!nftrace_nf_drop(reason)) {
		nftrace_frame_forget(skb);
		goto out;
	}
	if (!nftrace_frame_pop(skb, &f))
		goto out;
	op = BIT_ULL(nftrace_op_index(f.pf, f.hook));
	if (bh)
		local_bh_disable();
	rcu_read_lock();
	list_for_each_entry_rcu(r, &nftrace_readers, node) {
		if (!r->drops || !(r->entry_ops & op))
			continue;
		/* r->net is held: no other netns can have its address. */
		if (r->net && !net_eq(r->net, f.net))
			continue;
		if (r->nr_devices && !nftrace_devs_wanted(r, &f.devs))
			continue;
		nftrace_capture(r, skb, NULL, &f, &tstamp, 0, &f.devs);
	}
	rcu_read_unlock();
	if (bh)
		local_bh_enable();
out:
	preempt_enable_notrace();
}

/* Running readers that want drops; under nftrace_readers_lock. */
static unsigned int nftrace_nr_drop_readers;

/* On each CPU, irqs off, as its frames are only ever touched. */
static void nftrace_frames_reset(void *unused)
{
	this_cpu_ptr(&nftrace_frames)->nr = 0;
}

/*
 * A reader that wants drops starts: the first one hooks the kfree_skb
 * tracepoint. Under nftrace_readers_lock.
 */
int nftrace_drops_get(void)
{
	int err;

	lockdep_assert_held(&nftrace_readers_lock);
	if (!nftrace_nr_drop_readers) {
		/* Frames left behind by an earlier run would only mislead. */
		on_each_cpu(nftrace_frames_reset, NULL, 1);
		err = nftrace_register_drop_probe(nftrace_drop_probe);
		if (err)
			return err;
	}
	nftrace_nr_drop_readers++;
	return 0;
}

/*
 * It stops: true when that took the probe away, and the caller must wait
 * for those still in it (tracepoint_synchronize_unregister()).
 */
bool nftrace_drops_put(void)
{
	lockdep_assert_held(&nftrace_readers_lock);
	if (--nftrace_nr_drop_readers)
		return false;
	nftrace_unregister_drop_probe(nftrace_drop_probe);
	return true;
}
