/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the only place that knows kernel versions differ.
 *
 * Each HAVE_* comes from a probe of the headers in kmod/Kbuild, not from a
 * version number; missing APIs are offered here under their modern names.
 */
#ifndef _NFTRACE_COMPAT_H
#define _NFTRACE_COMPAT_H

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
 * v6.11, "net: add rx_sk to trace_kfree_skb": the kfree_skb tracepoint
 * gains the receiving socket. (v5.17 gave it the drop reason that
 * nftrace's drop records rely on.)
 */
#ifdef HAVE_KFREE_SKB_RX_SK
#define NFTRACE_KFREE_SKB_ARGS	struct sk_buff *skb, void *location, \
				enum skb_drop_reason reason, struct sock *rx_sk
#else
#define NFTRACE_KFREE_SKB_ARGS	struct sk_buff *skb, void *location, \
				enum skb_drop_reason reason
#endif

#endif /* _NFTRACE_COMPAT_H */
