/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the only place that knows kernel versions differ.
 *
 * Each HAVE_* comes from a probe of the headers in kmod/Kbuild, not from a
 * version number; missing APIs are offered here under their modern names.
 */
#ifndef _NFTRACE_COMPAT_H
#define _NFTRACE_COMPAT_H

#include <linux/irq_work.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/timer.h>

/* v6.3, bc292ab00f6c ("mm: introduce vma->vm_flags wrapper functions") */
#ifdef HAVE_VM_FLAGS_SET
#define nftrace_vm_flags_set(vma, f)	vm_flags_set(vma, f)
#define nftrace_vm_flags_clear(vma, f)	vm_flags_clear(vma, f)
#else
#define nftrace_vm_flags_set(vma, f)	((vma)->vm_flags |= (f))
#define nftrace_vm_flags_clear(vma, f)	((vma)->vm_flags &= ~(f))
#endif

/* v6.16, 41cb08555c41 ("treewide, timers: Rename from_timer() to timer_container_of()") */
#ifndef HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, t, field)	from_timer(var, t, field)
#endif

/* v6.2, f571faf6e443 ("timers: Provide timer_shutdown[_sync]()"); 6.1.y has it */
#ifndef HAVE_TIMER_SHUTDOWN_SYNC
#define timer_shutdown_sync(t)	del_timer_sync(t)
#endif

/*
 * v6.11, "locking/local_lock: Introduce local_lock_nested_bh()": a per-CPU
 * lock for data that bottom halves off used to protect. On PREEMPT_RT
 * since v6.18, 3253cb49cbad ("softirq: Allow to drop the softirq-BKL
 * lock on PREEMPT_RT"), local_bh_disable() no longer serialises the tasks
 * of one CPU: this lock does. Older kernels do not need it.
 */
#ifndef HAVE_LOCAL_LOCK_NESTED_BH
static inline void nftrace_local_lock_nop(local_lock_t __percpu *lock) { }
#define local_lock_nested_bh(lock)	nftrace_local_lock_nop(lock)
#define local_unlock_nested_bh(lock)	nftrace_local_lock_nop(lock)
#endif

/* v5.11, "irq_work: Cleanup" gives the initialiser; the flag is older. */
#ifndef HAVE_IRQ_WORK_INIT_LAZY
static inline struct irq_work nftrace_irq_work_init_lazy(void (*fn)(struct irq_work *))
{
	struct irq_work work;

	init_irq_work(&work, fn);
	atomic_set(&work.flags, IRQ_WORK_LAZY);
	return work;
}
#define IRQ_WORK_INIT_LAZY(fn)	nftrace_irq_work_init_lazy(fn)
#endif

/*
 * v5.16, 42df6e1d221d ("netfilter: Introduce egress hook"): the netdev
 * family's egress hook, where the kernel is built with it.
 */
#ifdef CONFIG_NETFILTER_EGRESS
#define NFTRACE_HAVE_EGRESS	true
#else
#define NFTRACE_HAVE_EGRESS	false
#endif

/* v5.11, "preempt: Introduce in_hardirq()" */
#ifndef HAVE_IN_HARDIRQ
#define in_hardirq()	in_irq()
#endif

/*
 * v5.11, "mm: convert page kmemcg type to a page memcg flag": before it a
 * page charged to a memory cgroup (__GFP_ACCOUNT, from a task outside the
 * root cgroup) carries the PageKmemcg page type, kept in _mapcount, and
 * vm_insert_page() refuses any page with a type (EINVAL, from
 * validate_page_before_insert()): a page userspace maps cannot be charged.
 * There, the pages of the rings and of the consumer slots are not.
 */
#ifdef HAVE_PAGE_KMEMCG_TYPE
#define NFTRACE_GFP_MAPPED	GFP_KERNEL
#else
#define NFTRACE_GFP_MAPPED	GFP_KERNEL_ACCOUNT
#endif

/*
 * Drop records need netfilter to say, in the kfree_skb tracepoint, which
 * packets it dropped: v5.17, c504e5c2f964 ("net: skb: introduce
 * kfree_skb_reason()") gave the tracepoint its reason, and NF_DROP frees
 * with SKB_DROP_REASON_NETFILTER_DROP since soon after. Before that, a
 * drop cannot be told from any other free: --drops is refused with
 * EOPNOTSUPP. v6.11, "net: add rx_sk to trace_kfree_skb", gives the
 * tracepoint the receiving socket too.
 */
#ifdef HAVE_NF_DROP_REASON
#define NFTRACE_HAVE_DROPS	true
#if defined(HAVE_KFREE_SKB_CONST_RX_SK)	/* v6.16 or so: const */
#define NFTRACE_KFREE_SKB_ARGS	struct sk_buff *skb, void *location, \
				enum skb_drop_reason reason, const struct sock *rx_sk
#elif defined(HAVE_KFREE_SKB_RX_SK)
#define NFTRACE_KFREE_SKB_ARGS	struct sk_buff *skb, void *location, \
				enum skb_drop_reason reason, struct sock *rx_sk
#else
#define NFTRACE_KFREE_SKB_ARGS	struct sk_buff *skb, void *location, \
				enum skb_drop_reason reason
#endif
#define nftrace_nf_drop(reason)	((reason) == SKB_DROP_REASON_NETFILTER_DROP)
#define nftrace_register_drop_probe(probe) \
	register_trace_kfree_skb(probe, NULL)
#define nftrace_unregister_drop_probe(probe) \
	unregister_trace_kfree_skb(probe, NULL)
#else
#define NFTRACE_HAVE_DROPS	false
/* Never registered: the probe only has to compile. */
#define NFTRACE_KFREE_SKB_ARGS	struct sk_buff *skb, void *location, int reason
#define nftrace_nf_drop(reason)	false
#define nftrace_register_drop_probe(probe)	((void)(probe), -EOPNOTSUPP)
#define nftrace_unregister_drop_probe(probe)	((void)(probe))
#endif

/*
 * v5.12, 3d368ab87cf6 ("net: initialize net->net_cookie at netns setup"):
 * every netns has its cookie from the start. Before, it was made on first
 * use by net_gen_cookie(), which is not exported: 0 until something (a
 * BPF program, SO_NETNS_COOKIE) asked.
 */
#ifdef HAVE_NET_COOKIE_U64
#define nftrace_net_cookie(net)	((net)->net_cookie)
#else
#define nftrace_net_cookie(net)	((u64)atomic64_read(&(net)->net_cookie))
#endif

#endif /* _NFTRACE_COMPAT_H */
