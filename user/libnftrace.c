// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libnftrace.c - one reader of /dev/nftrace: ioctls, mmap, poll.
 *
 * The mmap layout is drawn in include/nftrace.h; this file only checks
 * that GET_INFO describes a layout it can map and then follows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libnftrace.h"

struct nftrace {
	int fd;
	char *path;
	struct nftrace_info info;
	void *ctl;		/* consumer slots, read-write */
	size_t ctl_len;
	void *rings_map;	/* producer pages and data, read-only */
	size_t rings_len;
	struct nftrace_ring *rings;
	struct nftrace_consumer consumer;
	int mapped;
	char err[NFTRACE_ERRBUF_SIZE];
};

/* Set t->err from fmt, then ": strerror(errno)"; keeps errno. */
static int __attribute__((format(printf, 2, 3)))
fail(struct nftrace *t, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	n = strlen(t->err);
	if (err && n < sizeof(t->err))
		snprintf(t->err + n, sizeof(t->err) - n, ": %s",
			 strerror(err));
	errno = err;
	return -1;
}

/* A failed ioctl, with a hint where the errno has an obvious cause. */
static int fail_ioctl(struct nftrace *t, const char *what)
{
	if (errno == EPERM || errno == EACCES)
		return fail(t, "%s: %s (capturing needs root or CAP_NET_ADMIN)",
			    t->path, what);
	if (errno == EBUSY)
		return fail(t, "%s: %s (stop the capture first)", t->path,
			    what);
	return fail(t, "%s: %s", t->path, what);
}

struct nftrace *nftrace_open(const char *path, char *errbuf)
{
	struct nftrace *t;
	int err;

	if (!path)
		path = NFTRACE_DEVICE;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->path = strdup(path))) {
		snprintf(errbuf, NFTRACE_ERRBUF_SIZE, "out of memory");
		free(t);
		return NULL;
	}
	/* Read-write: the consumer slots are mapped shared and writable. */
	t->fd = open(path, O_RDWR | O_CLOEXEC);
	if (t->fd >= 0)
		return t;

	err = errno;
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		snprintf(errbuf, NFTRACE_ERRBUF_SIZE,
			 "%s not found: load the nftrace module (modprobe nftrace)",
			 path);
		break;
	case EPERM:
	case EACCES:
		snprintf(errbuf, NFTRACE_ERRBUF_SIZE,
			 "%s: %s: capturing needs root or CAP_NET_ADMIN", path,
			 strerror(err));
		break;
	default:
		snprintf(errbuf, NFTRACE_ERRBUF_SIZE, "%s: %s", path,
			 strerror(err));
		break;
	}
	free(t->path);
	free(t);
	errno = err;
	return NULL;
}

static void unmap(struct nftrace *t)
{
	if (!t->mapped)
		return;
	nftrace_consumer_free(&t->consumer);
	free(t->rings);
	munmap(t->rings_map, t->rings_len);
	munmap(t->ctl, t->ctl_len);
	t->rings = NULL;
	t->mapped = 0;
}

void nftrace_close(struct nftrace *t)
{
	if (!t)
		return;
	unmap(t);
	close(t->fd);
	free(t->path);
	free(t);
}

const char *nftrace_geterr(const struct nftrace *t)
{
	return t->err;
}

int nftrace_fd(const struct nftrace *t)
{
	return t->fd;
}

int nftrace_set_config(struct nftrace *t, const struct nftrace_config *cfg)
{
	if (t->mapped) {
		errno = EBUSY;
		return fail(t, "configure after the rings were mapped");
	}
	if (ioctl(t->fd, NFTRACE_IOC_SET_CONFIG, cfg) < 0)
		return fail_ioctl(t, "configure");
	return 0;
}

int nftrace_set_filter_link(struct nftrace *t, unsigned int link,
			    const struct sock_filter *insns, unsigned int len)
{
	struct nftrace_filter f = {
		.len = len,
		.link = link,
		.insns = (__u64)(uintptr_t)insns,
	};

	if (ioctl(t->fd, NFTRACE_IOC_SET_FILTER, &f) < 0)
		return fail_ioctl(t, link == NFTRACE_LINK_IP ? "attach filter" :
				     "attach filter (an older module knows IP packets only)");
	return 0;
}

int nftrace_set_filter(struct nftrace *t, const struct sock_filter *insns,
		       unsigned int len)
{
	return nftrace_set_filter_link(t, NFTRACE_LINK_IP, insns, len);
}

int nftrace_set_devices(struct nftrace *t,
			const char (*names)[NFTRACE_IFNAMSIZ], unsigned int count)
{
	struct nftrace_devices d = { .count = count };
	unsigned int i;

	if (count > NFTRACE_MAX_DEVICES) {
		errno = EINVAL;
		return fail(t, "more than %u devices", NFTRACE_MAX_DEVICES);
	}
	/* Each NUL-terminated, whatever the caller's arrays hold. */
	for (i = 0; i < count; i++)
		memcpy(d.names[i], names[i], strnlen(names[i],
						     NFTRACE_IFNAMSIZ - 1));
	if (ioctl(t->fd, NFTRACE_IOC_SET_DEVICES, &d) < 0)
		return fail_ioctl(t, errno == ENOTTY ?
				     "select devices (an older module does not know them)" :
				     "select devices");
	return 0;
}

int nftrace_clear_filter(struct nftrace *t)
{
	if (ioctl(t->fd, NFTRACE_IOC_CLEAR_FILTER) < 0)
		return fail_ioctl(t, "clear filter");
	return 0;
}

int nftrace_get_info(struct nftrace *t, struct nftrace_info *info)
{
	if (ioctl(t->fd, NFTRACE_IOC_GET_INFO, info) < 0)
		return fail_ioctl(t, "get info");
	return 0;
}

/*
 * Whether info describes a layout we can map without overflow. A module
 * from before packet ids has a shorter record header: from
 * NFTRACE_RECORD_V1_LEN on, every length is one we read.
 */
static int check_info(struct nftrace *t, const struct nftrace_info *in)
{
	errno = EPROTO;
	if (in->abi_version != NFTRACE_ABI_VERSION)
		return fail(t, "%s speaks ABI %u, this program ABI %u", t->path,
			    in->abi_version, NFTRACE_ABI_VERSION);
	if (!in->nr_rings || in->nr_rings > 65536 || !in->page_size ||
	    (in->page_size & (in->page_size - 1)) ||
	    in->ring_size < NFTRACE_RING_MIN ||
	    in->ring_size > NFTRACE_RING_MAX ||
	    (in->ring_size & (in->ring_size - 1)) ||
	    in->ring_stride != in->page_size + 2ULL * in->ring_size ||
	    in->ctl_size < in->nr_rings * sizeof(struct nftrace_ring_cons) ||
	    in->ctl_size > (1ULL << 32) || in->ring_offset < in->ctl_size ||
	    in->record_hdr_len < NFTRACE_RECORD_V1_LEN)
		return fail(t, "%s: GET_INFO describes a layout that makes no sense",
			    t->path);
	errno = 0;
	return 0;
}

int nftrace_map(struct nftrace *t)
{
	struct nftrace_info *in = &t->info;
	unsigned char *base;
	unsigned int i;

	if (t->mapped)
		return 0;
	if (nftrace_get_info(t, in) < 0 || check_info(t, in) < 0)
		return -1;

	t->ctl_len = in->ctl_size;
	t->ctl = mmap(NULL, t->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      t->fd, 0);
	if (t->ctl == MAP_FAILED)
		return fail(t, "%s: mmap consumer slots", t->path);

	t->rings_len = in->nr_rings * in->ring_stride;
	t->rings_map = mmap(NULL, t->rings_len, PROT_READ, MAP_SHARED, t->fd,
			    in->ring_offset);
	if (t->rings_map == MAP_FAILED) {
		fail(t, "%s: mmap %u rings of %u bytes", t->path,
		     in->nr_rings, in->ring_size);
		goto err_unmap_ctl;
	}

	t->rings = calloc(in->nr_rings, sizeof(*t->rings));
	if (!t->rings) {
		fail(t, "rings");
		goto err_unmap_rings;
	}
	base = t->rings_map;
	for (i = 0; i < in->nr_rings; i++) {
		struct nftrace_ring *r = &t->rings[i];
		unsigned char *prod = base + (size_t)i * in->ring_stride;

		r->prod = (struct nftrace_ring_prod *)prod;
		r->data = prod + in->page_size;
		r->cons = (struct nftrace_ring_cons *)t->ctl + i;
		r->size = in->ring_size;
	}
	if (nftrace_consumer_init(&t->consumer, t->rings, in->nr_rings) < 0) {
		fail(t, "consumer");
		goto err_free_rings;
	}
	t->mapped = 1;
	return 0;

err_free_rings:
	free(t->rings);
	t->rings = NULL;
err_unmap_rings:
	munmap(t->rings_map, t->rings_len);
err_unmap_ctl:
	munmap(t->ctl, t->ctl_len);
	return -1;
}

const struct nftrace_info *nftrace_info(const struct nftrace *t)
{
	return &t->info;
}

int nftrace_start(struct nftrace *t)
{
	if (ioctl(t->fd, NFTRACE_IOC_START) < 0)
		return fail_ioctl(t, "start");
	return 0;
}

int nftrace_stop(struct nftrace *t)
{
	if (ioctl(t->fd, NFTRACE_IOC_STOP) < 0)
		return fail_ioctl(t, "stop");
	return 0;
}

int nftrace_get_stats(struct nftrace *t, struct nftrace_cpu_stats *total,
		      struct nftrace_cpu_stats *cpus, unsigned int *nr_cpus)
{
	struct nftrace_stats st = { 0 };

	if (cpus) {
		st.nr_cpus = *nr_cpus;
		st.cpus = (__u64)(uintptr_t)cpus;
	}
	if (ioctl(t->fd, NFTRACE_IOC_GET_STATS, &st) < 0)
		return fail_ioctl(t, "get statistics");
	*total = st.total;
	if (cpus)
		*nr_cpus = st.nr_cpus;
	return 0;
}

int nftrace_poll(struct nftrace *t, int timeout_ms)
{
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
	int n;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return fail(t, "%s: poll", t->path);
	}
	if (n && (pfd.revents & (POLLERR | POLLNVAL))) {
		errno = EIO;
		return fail(t, "%s: poll reports an error", t->path);
	}
	/* POLLHUP: stopped, and the rings are drained. */
	return n ? 1 : 0;
}

unsigned long nftrace_dispatch(struct nftrace *t, unsigned long max,
			       const struct nftrace_handler *h, void *user)
{
	if (!t->mapped)
		return 0;
	return nftrace_consumer_run(&t->consumer, max, h, user);
}

void nftrace_finish(struct nftrace *t, const struct nftrace_handler *h,
		    void *user)
{
	if (t->mapped)
		nftrace_consumer_finish(&t->consumer, h, user);
}

__u64 nftrace_lost(const struct nftrace *t)
{
	return t->mapped ? t->consumer.lost : 0;
}
