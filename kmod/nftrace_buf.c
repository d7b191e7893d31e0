// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_buf.c - ring memory: allocation, the double mapping, mmap.
 *
 * Each CPU's ring is one producer page and ring_size bytes of data pages,
 * vmapped as [producer][data][data] so that the kernel writes a record that
 * wraps as one memcpy; userspace gets the same three runs in the same order
 * (layout drawn in include/nftrace.h). The consumer slots of all rings share
 * their own pages, the only ones userspace may map writable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "nftrace_priv.h"

u64 nftrace_ctl_size(const struct nftrace_reader *r)
{
	return (u64)r->nr_ctl_pages << PAGE_SHIFT;
}

u64 nftrace_ring_stride(const struct nftrace_reader *r)
{
	return PAGE_SIZE + 2ULL * r->ring_size;
}

static void nftrace_pages_free(struct page **pages, unsigned int nr)
{
	unsigned int i;

	if (!pages)
		return;
	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_page(pages[i]);
	kvfree(pages);
}

/*
 * A ring is up to 65537 pages, and each CPU has one: every so many pages,
 * let others run, and give up (-EINTR) if the caller is being killed.
 */
#define NFTRACE_PAGES_BATCH	64

static int nftrace_pages_yield(unsigned long n)
{
	if (n % NFTRACE_PAGES_BATCH)
		return 0;
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

/* nr zeroed pages near node, or an ERR_PTR. */
static struct page **nftrace_pages_alloc(unsigned int nr, int node)
{
	struct page **pages;
	unsigned int i;
	int err;

	pages = kvcalloc(nr, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < nr; i++) {
		err = nftrace_pages_yield(i);
		if (err)
			goto err_free;
		pages[i] = alloc_pages_node(node, NFTRACE_GFP_MAPPED |
					    __GFP_ZERO | __GFP_NOWARN, 0);
		if (!pages[i]) {
			err = -ENOMEM;
			goto err_free;
		}
	}
	return pages;

err_free:
	nftrace_pages_free(pages, i);
	return ERR_PTR(err);
}

static void nftrace_cpu_ring_free(struct nftrace_cpu_ring *cr)
{
	if (cr->vaddr)
		vunmap(cr->vaddr);
	nftrace_pages_free(cr->pages, cr->nr_pages);
	memset(cr, 0, sizeof(*cr));
}

/*
 * CPU ids beyond the present CPUs (possible_cpus= on x86, a VM sized for
 * CPU hot-add, holes in the numbering) run no hook: their rings are there,
 * as the ABI has a ring per CPU id, but stay empty, so one data page
 * stands for all of the ring's data pages. A CPU hot-added after the
 * rings were made counts its packets as dropped (nftrace_capture()).
 */
static int nftrace_cpu_ring_alloc(struct nftrace_cpu_ring *cr, int cpu,
				  u32 size, struct nftrace_ring_cons *cons)
{
	unsigned int nr_data = size >> PAGE_SHIFT;
	struct page **map;
	unsigned int i;

	cr->absent = !cpu_present(cpu);
	cr->nr_pages = 1 + (cr->absent ? 1 : nr_data);
	cr->pages = nftrace_pages_alloc(cr->nr_pages,
					cr->absent ? NUMA_NO_NODE :
						     cpu_to_node(cpu));
	if (IS_ERR(cr->pages)) {
		int err = PTR_ERR(cr->pages);

		cr->pages = NULL;
		return err;
	}

	map = kvmalloc_array(1 + 2 * nr_data, sizeof(*map), GFP_KERNEL);
	if (!map)
		goto err_free_pages;
	map[0] = cr->pages[0];
	for (i = 0; i < nr_data; i++) {
		/* As nftrace_insert_pages() maps them for the consumer. */
		map[1 + i] = cr->pages[1 + i % (cr->nr_pages - 1)];
		map[1 + nr_data + i] = map[1 + i];
	}
	cr->vaddr = vmap(map, 1 + 2 * nr_data, VM_MAP, PAGE_KERNEL);
	kvfree(map);
	if (!cr->vaddr)
		goto err_free_pages;

	cr->ring.prod = cr->vaddr;
	cr->ring.data = (unsigned char *)cr->vaddr + PAGE_SIZE;
	cr->ring.cons = cons;
	cr->ring.size = size;
	return 0;

err_free_pages:
	nftrace_pages_free(cr->pages, cr->nr_pages);
	cr->pages = NULL;
	return -ENOMEM;
}

void nftrace_rings_free(struct nftrace_reader *r)
{
	unsigned int i;

	if (r->rings) {
		for (i = 0; i < r->nr_rings; i++)
			nftrace_cpu_ring_free(&r->rings[i]);
		kfree(r->rings);
		r->rings = NULL;
	}
	if (r->ctl)
		vunmap(r->ctl);
	r->ctl = NULL;
	nftrace_pages_free(r->ctl_pages, r->nr_ctl_pages);
	r->ctl_pages = NULL;
	r->nr_ctl_pages = 0;
	r->ring_size = 0;
}

/*
 * Rings for every CPU id, sized ring_size, empty (those of absent CPUs
 * only look so). Stopped readers only.
 */
int nftrace_rings_alloc(struct nftrace_reader *r, u32 ring_size)
{
	unsigned int i;
	int err;

	nftrace_rings_free(r);
	r->nr_rings = nr_cpu_ids;
	r->nr_ctl_pages = DIV_ROUND_UP(r->nr_rings *
				       sizeof(struct nftrace_ring_cons),
				       PAGE_SIZE);
	r->ctl_pages = nftrace_pages_alloc(r->nr_ctl_pages, NUMA_NO_NODE);
	if (IS_ERR(r->ctl_pages)) {
		err = PTR_ERR(r->ctl_pages);
		r->ctl_pages = NULL;
		r->nr_ctl_pages = 0;
		return err;
	}
	r->ctl = vmap(r->ctl_pages, r->nr_ctl_pages, VM_MAP, PAGE_KERNEL);
	if (!r->ctl) {
		err = -ENOMEM;
		goto err_free;
	}

	r->rings = kcalloc(r->nr_rings, sizeof(*r->rings), GFP_KERNEL_ACCOUNT);
	if (!r->rings) {
		err = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < r->nr_rings; i++) {
		struct nftrace_cpu_ring *cr = &r->rings[i];

		err = nftrace_cpu_ring_alloc(cr, i, ring_size, &r->ctl[i]);
		if (err)
			goto err_free;
		cr->reader = r;
		/*
		 * Lazy: run at the next tick instead of raising a self-IPI
		 * per wakeup (perf: irq_work_queue + arch_irq_work_raise
		 * were 3.4% of the flooding CPU). A tick is far inside the
		 * 100 ms a trickle may wait.
		 */
		cr->wake_work = IRQ_WORK_INIT_LAZY(nftrace_wake_work);
	}
	r->ring_size = ring_size;
	return 0;

err_free:
	nftrace_rings_free(r);
	return err;
}

static int nftrace_insert_pages(struct vm_area_struct *vma,
				struct nftrace_reader *r,
				unsigned long first, bool ctl)
{
	unsigned long ppr = nftrace_ring_stride(r) >> PAGE_SHIFT;
	unsigned long addr = vma->vm_start;
	unsigned long n, pg;
	int err;

	for (n = 0; n < vma_pages(vma); n++, addr += PAGE_SIZE) {
		struct nftrace_cpu_ring *cr;
		struct page *page;

		err = nftrace_pages_yield(n);
		if (err)
			return err;	/* mmap_region() unmaps what is in */
		pg = first + n;
		if (ctl) {
			page = r->ctl_pages[pg];
		} else {
			cr = &r->rings[pg / ppr];
			pg %= ppr;
			/* The data pages appear twice after the producer's. */
			page = cr->pages[pg ? 1 + (pg - 1) % (cr->nr_pages - 1)
					    : 0];
		}
		err = vm_insert_page(vma, addr, page);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Which parts may be writable is decided here: the consumer slots, and
 * nothing else. The ring mapping loses VM_MAYWRITE so that mprotect()
 * cannot add write access later.
 */
int nftrace_rings_mmap(struct nftrace_reader *r, struct vm_area_struct *vma)
{
	unsigned long ring_pages = r->nr_rings *
				   (nftrace_ring_stride(r) >> PAGE_SHIFT);
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long npages = vma_pages(vma);

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	nftrace_vm_flags_clear(vma, VM_MAYEXEC);
	nftrace_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);

	if (pgoff < r->nr_ctl_pages) {
		if (npages > r->nr_ctl_pages - pgoff)
			return -EINVAL;
		return nftrace_insert_pages(vma, r, pgoff, true);
	}

	pgoff -= r->nr_ctl_pages;
	if (pgoff >= ring_pages || npages > ring_pages - pgoff)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	nftrace_vm_flags_clear(vma, VM_MAYWRITE);
	return nftrace_insert_pages(vma, r, pgoff, false);
}
