/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nftrace_priv.h - the module's internal types, shared by its files:
 *
 *   nftrace_main.c     module init/exit, parameters
 *   nftrace_reg_net.c  the hooks of every netns (IPv4, IPv6, bridge, ARP),
 *                      registered on demand
 *   nftrace_reg_netdev.c  the netdev family's, on every device
 *   nftrace_capture.c  the capture path: hook, packet ids, records; readers
 *   nftrace_drops.c    where netfilter dropped a packet (--drops)
 *   nftrace_buf.c      ring memory: allocation, double mapping, mmap
 *   nftrace_dev.c      /dev/nftrace: open, read, poll, mmap, ioctl
 *   nftrace_fmt.c      records as text lines (also built in userspace)
 */
#ifndef _NFTRACE_PRIV_H
#define _NFTRACE_PRIV_H

#include <linux/cache.h>
#include <linux/filter.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_bridge.h>
#include <linux/timer.h>
#include <linux/wait.h>

/*
 * The ring positions are free-running u64s that the hooks, the consumer
 * and userspace read and write with single plain or READ_ONCE/WRITE_ONCE
 * accesses (nftrace_ring.h): on a 32-bit kernel those tear.
 */
#ifndef CONFIG_64BIT
#error "nftrace needs a 64-bit kernel: its 64-bit ring positions are accessed as single loads and stores"
#endif

/*
 * The hooks write the rings through a kernel vmap and the consumer reads
 * them through its own mapping of the same pages, with no cache
 * maintenance in between (as perf's and io_uring's rings): right where
 * the data cache does not alias, as on x86_64, arm64, riscv64, ppc64 and
 * s390x. The 64-bit architectures whose caches may alias would need
 * flush_dcache_page() on both sides of every record: refused instead.
 */
#if defined(CONFIG_PARISC) || defined(CONFIG_SPARC64) || defined(CONFIG_MIPS)
#error "nftrace: this architecture's data cache may alias, and the rings do no cache maintenance"
#endif

#include "nftrace_ring.h"
#include "nftrace_fmt.h"

/*
 * One CPU's ring of one reader. Each is written by its own CPU's hooks:
 * cache-line aligned, so that neighbours in the array share no line.
 */
struct nftrace_cpu_ring {
	struct nftrace_ring ring;
	struct nftrace_reader *reader;
	struct page **pages;		/* producer page, then the data pages */
	unsigned int nr_pages;
	void *vaddr;			/* vmap: producer page, data, data */
	struct nftrace_cpu_stats stats;	/* written by this CPU's hooks only */
	struct irq_work wake_work;
	bool absent;			/* no such CPU when made: one data page */
	bool busy;			/* PREEMPT_RT: a record is being written */
	u64 drops_busy;			/* drop records not written: busy */
	u64 wake_pos;			/* hooks: prod_pos at the last wakeup */
	u64 trickle_pos;		/* trickle timer: prod pos last seen */
	u64 next_seq;			/* read(): the sequence number expected */
} ____cacheline_aligned_in_smp;

enum nftrace_state {
	NFTRACE_NEW,		/* nothing configured yet */
	NFTRACE_READY,		/* configured, rings allocated, stopped */
	NFTRACE_RUNNING,	/* hooked: records flow */
};

/* One open file of /dev/nftrace. */
struct nftrace_reader {
	struct list_head node;		/* on nftrace_readers, under RCU */
	struct mutex lock;		/* everything below but the hot path */
	struct mutex map_lock;		/* rings vs mmap(): see nftrace_dev.c */
	enum nftrace_state state;
	bool mapped;			/* rings are mmapped: their size is fixed */
	bool started;			/* was ever started: read() ends at EOF */

	/* What the hook reads, fixed while running. */
	u64 entry_ops;			/* BIT_ULL(nftrace_op_index()) wanted */
	u32 hooks;			/* IPv4 and IPv6 */
	u32 families;
	u8 hooks_bridge;
	u8 hooks_arp;
	u8 hooks_netdev;
	u8 nr_devices;			/* names in devices, 0: every device */
	char (*devices)[NFTRACE_IFNAMSIZ];	/* NFTRACE_IOC_SET_DEVICES */
	u32 snaplen;
	struct net *net;		/* held (get_net()), NULL: every netns */
	u32 wakeup_bytes;
	bool drops;			/* NFTRACE_CFG_DROPS */
	struct bpf_prog *filter[NFTRACE_NR_LINKS];

	u32 ring_size;
	unsigned int nr_rings;		/* nr_cpu_ids */
	struct nftrace_cpu_ring *rings;
	struct page **ctl_pages;	/* consumer slots, mapped read-write */
	unsigned int nr_ctl_pages;
	struct nftrace_ring_cons *ctl;

	/*
	 * Waiters: written as they come and go, read by the hooks (is anyone
	 * there to wake?): on a line of its own, away from the fields above
	 * that the hooks only read.
	 */
	wait_queue_head_t wq ____cacheline_aligned_in_smp;
	struct timer_list trickle;

	/* read(): the line being handed out. */
	char line[NFTRACE_LINE_MAX];
	unsigned int line_off;
	unsigned int line_len;
};

/*
 * Each (family, hook) is registered on its own, in every netns present and
 * future, once some reader wants it: a reader of the output hook adds one
 * hook call to a local packet's path, not ten. pernet init and exit are
 * told only the netns, so each op gets its own pair, made by
 * NFTRACE_PERNET() (nftrace_reg_net.c).
 */
#define NFTRACE_OPS_IPV6	NFTRACE_NR_HOOKS
#define NFTRACE_OPS_BRIDGE	(2 * NFTRACE_NR_HOOKS)
#define NFTRACE_OPS_ARP		(3 * NFTRACE_NR_HOOKS)
#define NFTRACE_NR_ENTRY_OPS	(NFTRACE_OPS_ARP + NFTRACE_NR_ARP_HOOKS)
#define NFTRACE_NR_NET_OPS	(2 * NFTRACE_NR_ENTRY_OPS)
#define NFTRACE_OPS_NETDEV	NFTRACE_NR_NET_OPS
#define NFTRACE_NR_OPS		(NFTRACE_OPS_NETDEV + NFTRACE_NR_NETDEV_HOOKS)
#define NFTRACE_NETDEV_OPS	(((1ULL << NFTRACE_NR_NETDEV_HOOKS) - 1) << \
				 NFTRACE_OPS_NETDEV)
#define NFTRACE_OP_INGRESS	BIT_ULL(NFTRACE_OPS_NETDEV + NF_NETDEV_INGRESS)
#define NFTRACE_OP_EGRESS	BIT_ULL(NFTRACE_OPS_NETDEV + 1)

/*
 * Index of an entry op: the IPv4 hooks, then IPv6, bridge and ARP, each in
 * its family's hook order. The exit op of the same hook (nftrace_drops.c)
 * is NFTRACE_NR_ENTRY_OPS further on. The netdev family's two ops, per
 * device (nftrace_reg_netdev.c), come after those, with no exit ops.
 * Masks of ops are u64.
 */
static inline unsigned int nftrace_op_index(u8 pf, unsigned int hook)
{
	/* The ABI's hook numbers are netfilter's. */
	BUILD_BUG_ON(NF_INET_PRE_ROUTING != NFTRACE_HOOK_PREROUTING ||
		     NF_INET_LOCAL_IN != NFTRACE_HOOK_INPUT ||
		     NF_INET_FORWARD != NFTRACE_HOOK_FORWARD ||
		     NF_INET_LOCAL_OUT != NFTRACE_HOOK_OUTPUT ||
		     NF_INET_POST_ROUTING != NFTRACE_HOOK_POSTROUTING);
	BUILD_BUG_ON(NF_BR_PRE_ROUTING != NFTRACE_HOOK_PREROUTING ||
		     NF_BR_LOCAL_IN != NFTRACE_HOOK_INPUT ||
		     NF_BR_FORWARD != NFTRACE_HOOK_FORWARD ||
		     NF_BR_LOCAL_OUT != NFTRACE_HOOK_OUTPUT ||
		     NF_BR_POST_ROUTING != NFTRACE_HOOK_POSTROUTING);
	BUILD_BUG_ON(NF_ARP_IN != NFTRACE_ARP_HOOK_IN ||
		     NF_ARP_OUT != NFTRACE_ARP_HOOK_OUT ||
		     NF_ARP_FORWARD != NFTRACE_ARP_HOOK_FORWARD);
	BUILD_BUG_ON(NFTRACE_NR_OPS > 64);
	switch (pf) {
	case NFPROTO_IPV6:
		return NFTRACE_OPS_IPV6 + hook;
	case NFPROTO_BRIDGE:
		return NFTRACE_OPS_BRIDGE + hook;
	case NFPROTO_ARP:
		return NFTRACE_OPS_ARP + hook;
	case NFPROTO_NETDEV:
		return NFTRACE_OPS_NETDEV + hook;
	default:
		return hook;
	}
}

/* nftrace_reg_net.c; under nftrace_readers_lock but the first two. */
extern int nftrace_priority;
extern u64 nftrace_live_ops;
extern u64 nftrace_frame_ops;
u64 nftrace_entry_ops(u32 hooks, u32 families, u8 hooks_bridge, u8 hooks_arp,
		      u8 hooks_netdev);
u64 nftrace_reader_ops(const struct nftrace_reader *r);
int nftrace_hooks_get(u64 ops);
void nftrace_hooks_put(u64 ops);
void nftrace_hooks_exit(void);

/* nftrace_reg_netdev.c; under nftrace_readers_lock. */
u8 nftrace_netdev_hooks_avail(void);
int nftrace_netdev_get(u8 hooks);
void nftrace_netdev_exit(void);

/* nftrace_capture.c */
extern struct list_head nftrace_readers;
extern struct mutex nftrace_readers_lock;
unsigned int nftrace_hook(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state);

/*
 * The devices a packet is seen on, as the record says them: the device
 * in and out, and under a bridge the port in and out (phys_*). At bridge
 * hooks the device is the bridge, the port what the hook was given.
 * Resolved once per hook call, when a first record or frame needs them.
 */
struct nftrace_devs {
	bool resolved;
	int ifindex_in;
	int ifindex_out;
	int phys_ifindex_in;
	int phys_ifindex_out;
	char ifname_in[NFTRACE_IFNAMSIZ];
	char ifname_out[NFTRACE_IFNAMSIZ];
	char phys_ifname_in[NFTRACE_IFNAMSIZ];
	char phys_ifname_out[NFTRACE_IFNAMSIZ];
};

void nftrace_get_devs(struct nftrace_devs *d, const struct sk_buff *skb,
		      const struct nf_hook_state *state);
bool nftrace_devs_wanted(const struct nftrace_reader *r,
			 const struct nftrace_devs *d);
/*
 * Where a packet is, while some reader wants drops (nftrace_drops.c):
 * pushed by the entry op, popped by the exit op or by the drop.
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
	struct nftrace_devs devs;
};
void nftrace_capture(struct nftrace_reader *r, struct sk_buff *skb,
		     const struct nf_hook_state *state,
		     const struct nftrace_frame *drop, u64 *tstamp, u64 id,
		     struct nftrace_devs *devs);
int nftrace_reader_start(struct nftrace_reader *r);
void nftrace_reader_stop(struct nftrace_reader *r);
bool nftrace_reader_has_data(struct nftrace_reader *r);
void nftrace_wake_work(struct irq_work *work);
void nftrace_trickle(struct timer_list *t);

/* nftrace_drops.c; the last two under nftrace_readers_lock. */
void nftrace_frame_push(const struct sk_buff *skb,
			const struct nf_hook_state *state, u64 id,
			struct nftrace_devs *devs);
unsigned int nftrace_exit_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state);
int nftrace_drops_get(void);
bool nftrace_drops_put(void);

/* nftrace_buf.c */
int nftrace_rings_alloc(struct nftrace_reader *r, u32 ring_size);
void nftrace_rings_free(struct nftrace_reader *r);
int nftrace_rings_mmap(struct nftrace_reader *r, struct vm_area_struct *vma);
u64 nftrace_ctl_size(const struct nftrace_reader *r);
u64 nftrace_ring_stride(const struct nftrace_reader *r);

/* nftrace_dev.c */
int nftrace_dev_init(void);
void nftrace_dev_exit(void);

#endif /* _NFTRACE_PRIV_H */
