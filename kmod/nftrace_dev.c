// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_dev.c - /dev/nftrace: each open is an independent reader.
 *
 * read() gives text lines, so that `cat /dev/nftrace` works: a reader that
 * was never configured starts capturing everything on its first read().
 * mmap() gives the binary rings, poll() says when they hold data, and the
 * ioctls in include/nftrace.h configure, start and stop the capture.
 *
 * Locking: r->lock serialises a reader's syscalls (read and ioctl may
 * copy to or from userspace under it, so it nests outside mmap_lock).
 * mmap() runs under mmap_lock and so must not take r->lock: it takes
 * r->map_lock, which is also held wherever the rings are (re)allocated.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/nospec.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "nftrace_priv.h"

/* Which hooks, families, netns and snaplen, and the ring size. */
static int nftrace_config_apply(struct nftrace_reader *r,
				const struct nftrace_config *c)
{
	u32 hooks = c->hooks ?: NFTRACE_HOOKS_ALL;
	u32 families = c->families ?: NFTRACE_FAMILIES_INET;
	u8 hooks_bridge = c->hooks_bridge ?: NFTRACE_HOOKS_ALL;
	u8 hooks_arp = c->hooks_arp ?: NFTRACE_ARP_HOOKS_ALL;
	u8 hooks_netdev = c->hooks_netdev ?: nftrace_netdev_hooks_avail();
	u32 snaplen = c->snaplen ?: NFTRACE_SNAPLEN_DEFAULT;
	u32 ring_size = c->ring_size ?: NFTRACE_RING_DEFAULT;
	u32 wakeup = c->wakeup_bytes ?: ring_size / 8;
	struct net *net = NULL;
	int err = 0;

	if ((hooks & ~NFTRACE_HOOKS_ALL) || (families & ~NFTRACE_FAMILIES_ALL) ||
	    (hooks_bridge & ~NFTRACE_HOOKS_ALL) ||
	    (hooks_arp & ~NFTRACE_ARP_HOOKS_ALL) ||
	    (hooks_netdev & ~NFTRACE_NETDEV_HOOKS_ALL) ||
	    (c->flags & ~NFTRACE_CFG_ALL) || c->__reserved8 || c->__reserved)
		return -EINVAL;
	/* A kernel built without the family (or hook) has no hooks of it. */
	if (((families & NFTRACE_FAMILY_BRIDGE) &&
	     !IS_ENABLED(CONFIG_NETFILTER_FAMILY_BRIDGE)) ||
	    ((families & NFTRACE_FAMILY_ARP) &&
	     !IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP)) ||
	    ((families & NFTRACE_FAMILY_NETDEV) &&
	     (!hooks_netdev ||
	      (hooks_netdev & ~nftrace_netdev_hooks_avail()))))
		return -EOPNOTSUPP;
	if (snaplen > NFTRACE_SNAPLEN_MAX)
		return -EINVAL;
	/* This kernel cannot say which packets netfilter drops (compat.h). */
	if ((c->flags & NFTRACE_CFG_DROPS) && !NFTRACE_HAVE_DROPS)
		return -EOPNOTSUPP;
	if (ring_size < NFTRACE_RING_MIN || ring_size > NFTRACE_RING_MAX ||
	    !is_power_of_2(ring_size) || ring_size < PAGE_SIZE)
		return -EINVAL;
	/* The producer's contract: a record is at most a quarter ring. */
	if (NFTRACE_ALIGN(sizeof(struct nftrace_record) + snaplen) >
	    ring_size / 4)
		return -EINVAL;
	if (wakeup > ring_size)
		return -EINVAL;
	if (r->state == NFTRACE_RUNNING)
		return -EBUSY;
	/*
	 * The reader holds its netns, as a socket does: a netns that is gone
	 * would leave its inode number, and a pointer, free for the next one.
	 */
	if (c->netns_fd != NFTRACE_NETNS_ALL) {
		if (c->netns_fd < 0)
			return -EBADF;
		net = get_net_ns_by_fd(c->netns_fd);
		if (IS_ERR(net))
			return PTR_ERR(net);
	}

	mutex_lock(&r->map_lock);
	if (ring_size != r->ring_size) {
		/* Once mapped or read from, the rings stay where they are. */
		if (r->mapped || r->started) {
			err = -EBUSY;
			goto out_unlock;
		}
		err = nftrace_rings_alloc(r, ring_size);
		if (err) {
			WRITE_ONCE(r->state, NFTRACE_NEW);
			goto out_unlock;
		}
	}
	r->hooks = hooks;
	r->families = families;
	r->hooks_bridge = hooks_bridge;
	r->hooks_arp = hooks_arp;
	r->hooks_netdev = hooks_netdev;
	r->entry_ops = nftrace_entry_ops(hooks, families, hooks_bridge,
					 hooks_arp, hooks_netdev);
	r->snaplen = snaplen;
	/* Not running: no hook reads r->net now (nftrace_reader_stop()). */
	swap(r->net, net);
	r->wakeup_bytes = wakeup;
	r->drops = c->flags & NFTRACE_CFG_DROPS;
	WRITE_ONCE(r->state, NFTRACE_READY);
out_unlock:
	mutex_unlock(&r->map_lock);
	/* The old netns on success, the new one on failure. */
	if (net)
		put_net(net);
	return err;
}

/* Everything, everywhere: what `cat /dev/nftrace` gets. */
static int nftrace_ensure_ready(struct nftrace_reader *r)
{
	struct nftrace_config defaults = { .netns_fd = NFTRACE_NETNS_ALL };

	if (r->state != NFTRACE_NEW)
		return 0;
	return nftrace_config_apply(r, &defaults);
}

static int nftrace_start(struct nftrace_reader *r)
{
	int err;

	if (r->state == NFTRACE_RUNNING)
		return -EBUSY;
	err = nftrace_ensure_ready(r);
	if (err)
		return err;
	return nftrace_reader_start(r);
}

static void nftrace_put_line(struct nftrace_reader *r, int len)
{
	r->line_off = 0;
	r->line_len = clamp_t(int, len, 0, sizeof(r->line) - 1);
}

/*
 * Format the oldest record of all rings (or a loss) into r->line. Returns
 * false when every ring is empty. The consumer slot is the one userspace
 * may also write: a position that is not a record's is dropped, and the
 * sequence numbers then report what was skipped as lost.
 */
static bool nftrace_next_line(struct nftrace_reader *r)
{
	const struct nftrace_record *best = NULL;
	struct nftrace_cpu_ring *best_cr = NULL;
	u64 best_cons = 0, best_seq = 0;
	long best_len = 0;
	unsigned int i;

	for (i = 0; i < r->nr_rings; i++) {
		struct nftrace_cpu_ring *cr = &r->rings[i];
		struct nftrace_ring *ring = &cr->ring;
		u64 next_seq = nftrace_ring_next_seq(ring);
		u64 prod = nftrace_ring_produced(ring);
		u64 cons = READ_ONCE(ring->cons->pos);
		const struct nftrace_record *rec;
		long len;

		len = nftrace_ring_check(ring, cons, prod, &rec);
		if (len < 0) {
			nftrace_ring_release(ring, prod);
			len = 0;
		}
		if (!len) {
			/* Drained: anything numbered below next_seq is lost. */
			if (next_seq > cr->next_seq) {
				nftrace_put_line(r, nftrace_fmt_lost(r->line,
					sizeof(r->line), i,
					next_seq - cr->next_seq));
				cr->next_seq = next_seq;
				return true;
			}
			continue;
		}
		if (!best || READ_ONCE(rec->tstamp_ns) < best->tstamp_ns) {
			best = rec;
			best_cr = cr;
			best_cons = cons;
			best_len = len;
			best_seq = READ_ONCE(rec->seq);
		}
	}
	if (!best)
		return false;

	if (best_seq > best_cr->next_seq) {
		nftrace_put_line(r, nftrace_fmt_lost(r->line, sizeof(r->line),
				 best_cr - r->rings,
				 best_seq - best_cr->next_seq));
		best_cr->next_seq = best_seq;
		return true;
	}
	nftrace_put_line(r, nftrace_fmt_record(r->line, sizeof(r->line), best,
					       best_len, 0));
	best_cr->next_seq = best_seq + 1;
	nftrace_ring_release(&best_cr->ring, best_cons + best_len);
	return true;
}

static bool nftrace_readable(struct nftrace_reader *r)
{
	return r->line_off < r->line_len || nftrace_reader_has_data(r);
}

/*
 * Someone waits, or may (an epoll registration): make sure the trickle
 * timer runs. The caller is on r->wq already, so the timer, which goes
 * on while anyone is (wq_has_sleeper()), wakes it for data that the
 * hooks' wakeup missed or that stays below wakeup_bytes.
 */
static void nftrace_arm_trickle(struct nftrace_reader *r)
{
	if (!timer_pending(&r->trickle))
		mod_timer(&r->trickle, jiffies + msecs_to_jiffies(50));
}

static ssize_t nftrace_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct nftrace_reader *r = file->private_data;
	size_t done = 0;
	int err = 0;

	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;
	if (!r->started) {
		err = nftrace_start(r);
		if (err)
			goto out_unlock;
	}

	while (done < count) {
		size_t n;

		if (r->line_off == r->line_len) {
			if (nftrace_next_line(r)) {
				/* A huge read of full rings: let others run. */
				cond_resched();
				continue;
			}
			if (done || r->state != NFTRACE_RUNNING)
				break;	/* a short read, or EOF once stopped */
			if (file->f_flags & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			/*
			 * The wait below does not sleep while a consumer slot
			 * differs from its producer, and another thread may
			 * rewrite the slot as fast as nftrace_next_line()
			 * resynchronises it: never loop here deaf to signals.
			 */
			if (signal_pending(current)) {
				err = -ERESTARTSYS;
				break;
			}
			nftrace_arm_trickle(r);
			mutex_unlock(&r->lock);
			if (wait_event_interruptible(r->wq,
					READ_ONCE(r->state) != NFTRACE_RUNNING ||
					nftrace_reader_has_data(r)))
				return -ERESTARTSYS;
			cond_resched();
			if (mutex_lock_interruptible(&r->lock))
				return -ERESTARTSYS;
			continue;
		}
		n = min_t(size_t, count - done, r->line_len - r->line_off);
		if (copy_to_user(buf + done, r->line + r->line_off, n)) {
			err = -EFAULT;
			break;
		}
		r->line_off += n;
		done += n;
	}
out_unlock:
	mutex_unlock(&r->lock);
	return done ? done : err;
}

static __poll_t nftrace_poll(struct file *file, poll_table *wait)
{
	struct nftrace_reader *r = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &r->wq, wait);
	/*
	 * r->lock may be held for long: a read() copying to a page that
	 * userfaultfd holds, a SET_CONFIG allocating large rings. poll()
	 * must not wait for it: readable is what it then says, which is
	 * allowed (a spurious wakeup) where saying nothing could leave a
	 * poller asleep on data that is already there.
	 */
	if (!mutex_trylock(&r->lock))
		return EPOLLIN | EPOLLRDNORM;
	if (r->state == NFTRACE_NEW)
		goto out_unlock;
	/*
	 * Armed even when data is there: an edge-triggered waiter is not
	 * polled again before it waits for the next event.
	 */
	if (r->state == NFTRACE_RUNNING)
		nftrace_arm_trickle(r);
	if (nftrace_readable(r))
		mask = EPOLLIN | EPOLLRDNORM;
	else if (r->state != NFTRACE_RUNNING && r->started)
		mask = EPOLLHUP;
out_unlock:
	mutex_unlock(&r->lock);
	return mask;
}

static int nftrace_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nftrace_reader *r = file->private_data;
	int err = -EINVAL;

	mutex_lock(&r->map_lock);
	/* The layout comes from NFTRACE_IOC_GET_INFO, which allocates. */
	if (r->rings) {
		err = nftrace_rings_mmap(r, vma);
		if (!err)
			r->mapped = true;
	}
	mutex_unlock(&r->map_lock);
	return err;
}

static int nftrace_get_info(struct nftrace_reader *r, void __user *uarg)
{
	struct nftrace_info info = {};
	int err;

	err = nftrace_ensure_ready(r);
	if (err)
		return err;
	info.abi_version = NFTRACE_ABI_VERSION;
	info.nr_rings = r->nr_rings;
	info.ring_size = r->ring_size;
	info.page_size = PAGE_SIZE;
	info.ctl_size = nftrace_ctl_size(r);
	info.ring_offset = info.ctl_size;
	info.ring_stride = nftrace_ring_stride(r);
	info.record_hdr_len = sizeof(struct nftrace_record);
	info.running = r->state == NFTRACE_RUNNING;
	info.hooks = r->hooks;
	info.families = r->families;
	info.snaplen = r->snaplen;
	info.netns = r->net ? r->net->ns.inum : 0;
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int nftrace_set_config(struct nftrace_reader *r, void __user *uarg)
{
	struct nftrace_config c;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	return nftrace_config_apply(r, &c);
}

static void nftrace_filter_free(struct nftrace_reader *r, unsigned int link)
{
	if (r->filter[link])
		bpf_prog_destroy(r->filter[link]);
	r->filter[link] = NULL;
}

static void nftrace_filters_free(struct nftrace_reader *r)
{
	unsigned int link;

	for (link = 0; link < NFTRACE_NR_LINKS; link++)
		nftrace_filter_free(r, link);
}

static int nftrace_set_filter(struct nftrace_reader *r, void __user *uarg)
{
	struct nftrace_filter f;
	struct sock_fprog fprog;
	struct bpf_prog *prog;
	int err;

	if (r->state == NFTRACE_RUNNING)
		return -EBUSY;
	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	if (!f.len || f.len > BPF_MAXINSNS || f.link >= NFTRACE_NR_LINKS)
		return -EINVAL;
	fprog.len = f.len;
	fprog.filter = u64_to_user_ptr(f.insns);
	/* Copies and checks the program (bpf_check_classic()). */
	err = bpf_prog_create_from_user(&prog, &fprog, NULL, false);
	if (err)
		return err;
	f.link = array_index_nospec(f.link, NFTRACE_NR_LINKS);
	nftrace_filter_free(r, f.link);
	r->filter[f.link] = prog;
	return 0;
}

/* NFTRACE_IOC_SET_DEVICES: names checked and copied; count 0 clears. */
static int nftrace_set_devices(struct nftrace_reader *r, void __user *uarg)
{
	struct nftrace_devices *d;
	unsigned int i;
	int err = 0;

	if (r->state == NFTRACE_RUNNING)
		return -EBUSY;
	d = memdup_user(uarg, sizeof(*d));
	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d->count > NFTRACE_MAX_DEVICES || d->__pad) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < d->count; i++) {
		size_t n = strnlen(d->names[i], NFTRACE_IFNAMSIZ);

		/* A name the kernel could give a device: dev_valid_name(). */
		if (n == NFTRACE_IFNAMSIZ || !dev_valid_name(d->names[i])) {
			err = -EINVAL;
			goto out;
		}
		memset(d->names[i] + n, 0, NFTRACE_IFNAMSIZ - n);
	}
	kfree(r->devices);
	r->devices = NULL;
	r->nr_devices = d->count;
	if (d->count) {
		r->devices = kmemdup(d->names, d->count * NFTRACE_IFNAMSIZ,
				     GFP_KERNEL_ACCOUNT);
		if (!r->devices) {
			r->nr_devices = 0;
			err = -ENOMEM;
		}
	}
out:
	kfree(d);
	return err;
}

static int nftrace_get_stats(struct nftrace_reader *r, void __user *uarg)
{
	struct nftrace_stats st;
	struct nftrace_cpu_stats __user *cpus;
	unsigned int i;

	if (copy_from_user(&st, uarg, sizeof(st)))
		return -EFAULT;
	cpus = u64_to_user_ptr(st.cpus);
	memset(&st.total, 0, sizeof(st.total));
	for (i = 0; r->rings && i < r->nr_rings; i++) {
		const struct nftrace_cpu_stats *s = &r->rings[i].stats;
		/* Drop records lost to a busy ring (PREEMPT_RT): dropped. */
		u64 busy = READ_ONCE(r->rings[i].drops_busy);
		struct nftrace_cpu_stats one = {
			.seen = READ_ONCE(s->seen) + busy,
			.filtered = READ_ONCE(s->filtered),
			.captured = READ_ONCE(s->captured),
			.dropped = READ_ONCE(s->dropped) + busy,
		};

		st.total.seen += one.seen;
		st.total.filtered += one.filtered;
		st.total.captured += one.captured;
		st.total.dropped += one.dropped;
		if (cpus && i < st.nr_cpus &&
		    copy_to_user(&cpus[i], &one, sizeof(one)))
			return -EFAULT;
	}
	st.nr_cpus = r->nr_rings;
	st.__pad = 0;
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long nftrace_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct nftrace_reader *r = file->private_data;
	void __user *uarg = (void __user *)arg;
	long err;

	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;
	switch (cmd) {
	case NFTRACE_IOC_GET_INFO:
		err = nftrace_get_info(r, uarg);
		break;
	case NFTRACE_IOC_SET_CONFIG:
		err = nftrace_set_config(r, uarg);
		break;
	case NFTRACE_IOC_SET_FILTER:
		err = nftrace_set_filter(r, uarg);
		break;
	case NFTRACE_IOC_CLEAR_FILTER:
		err = r->state == NFTRACE_RUNNING ? -EBUSY : 0;
		if (!err)
			nftrace_filters_free(r);
		break;
	case NFTRACE_IOC_START:
		err = nftrace_start(r);
		break;
	case NFTRACE_IOC_STOP:
		if (r->state == NFTRACE_RUNNING)
			nftrace_reader_stop(r);
		err = 0;
		break;
	case NFTRACE_IOC_GET_STATS:
		err = nftrace_get_stats(r, uarg);
		break;
	case NFTRACE_IOC_SET_DEVICES:
		err = nftrace_set_devices(r, uarg);
		break;
	default:
		err = -ENOTTY;
		break;
	}
	mutex_unlock(&r->lock);
	return err;
}

static int nftrace_open(struct inode *inode, struct file *file)
{
	struct nftrace_reader *r;

	/* The node is 0600; the capability check holds even if it is not. */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	INIT_LIST_HEAD(&r->node);
	mutex_init(&r->lock);
	mutex_init(&r->map_lock);
	init_waitqueue_head(&r->wq);
	timer_setup(&r->trickle, nftrace_trickle, 0);
	r->state = NFTRACE_NEW;		/* not yet seen by anyone */
	file->private_data = r;
	return stream_open(inode, file);
}

static int nftrace_release(struct inode *inode, struct file *file)
{
	struct nftrace_reader *r = file->private_data;

	if (r->state == NFTRACE_RUNNING)
		nftrace_reader_stop(r);
	timer_shutdown_sync(&r->trickle);
	nftrace_filters_free(r);
	kfree(r->devices);
	nftrace_rings_free(r);
	if (r->net)
		put_net(r->net);
	mutex_destroy(&r->map_lock);
	mutex_destroy(&r->lock);
	kfree(r);
	return 0;
}

static const struct file_operations nftrace_fops = {
	.owner = THIS_MODULE,
	.open = nftrace_open,
	.release = nftrace_release,
	.read = nftrace_read,
	.poll = nftrace_poll,
	.mmap = nftrace_mmap,
	.unlocked_ioctl = nftrace_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	/* No .llseek: stream_open() leaves lseek() -ESPIPE (no_llseek is gone in 6.12). */
};

static struct miscdevice nftrace_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "nftrace",
	.fops = &nftrace_fops,
	.mode = 0600,
};

int nftrace_dev_init(void)
{
	return misc_register(&nftrace_misc);
}

void nftrace_dev_exit(void)
{
	misc_deregister(&nftrace_misc);
}
