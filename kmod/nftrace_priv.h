/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nftrace_priv.h - the module's internal types, shared by its files:
 *
 *   nftrace_main.c    module init/exit, parameters
 *   nftrace_hook.c    netfilter hooks (per netns) and the capture path
 *   nftrace_buf.c     ring memory: allocation, double mapping, mmap
 *   nftrace_dev.c     /dev/nftrace: open, read, poll, mmap, ioctl
 *   nftrace_fmt.c     records as text lines (also built in userspace)
 */
#ifndef _NFTRACE_PRIV_H
#define _NFTRACE_PRIV_H

#include <linux/cache.h>
#include <linux/filter.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
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
	u32 hooks;
	u32 families;
	u32 snaplen;
	struct net *net;		/* held (get_net()), NULL: every netns */
	u32 wakeup_bytes;
	bool drops;			/* NFTRACE_CFG_DROPS */
	struct bpf_prog *filter;

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

/* nftrace_hook.c */
extern int nftrace_priority;
int nftrace_reader_start(struct nftrace_reader *r);
void nftrace_reader_stop(struct nftrace_reader *r);
void nftrace_hooks_exit(void);
bool nftrace_reader_has_data(struct nftrace_reader *r);
void nftrace_wake_work(struct irq_work *work);
void nftrace_trickle(struct timer_list *t);

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
