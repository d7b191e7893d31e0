// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ring_sim.c - a module-shaped ring in userspace (see ring_sim.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring_sim.h"

int sim_ring_init(struct sim_ring *s, __u64 size)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *base;
	int fd;

	memset(s, 0, sizeof(*s));
	if (size < (__u64)page || (size & (size - 1))) {
		errno = EINVAL;
		return -1;
	}
	s->page = page;
	s->base_len = page + 2 * size;

	fd = memfd_create("nftrace-ring", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, page + size) < 0)
		goto err_close;
	/* Reserve the whole span, then map the pieces over it. */
	base = mmap(NULL, s->base_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED)
		goto err_close;
	if (mmap(base, page + size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    mmap(base + page + size, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, page) == MAP_FAILED)
		goto err_unmap;
	s->cons = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->cons == MAP_FAILED)
		goto err_unmap;
	close(fd);

	s->base = base;
	s->r.prod = (struct nftrace_ring_prod *)base;
	s->r.data = base + page;
	s->r.cons = s->cons;
	s->r.size = size;
	return 0;

err_unmap:
	munmap(base, s->base_len);
err_close:
	close(fd);
	return -1;
}

void sim_ring_free(struct sim_ring *s)
{
	if (s->base)
		munmap(s->base, s->base_len);
	if (s->cons)
		munmap(s->cons, s->page);
	memset(s, 0, sizeof(*s));
}

struct nftrace_ring sim_ring_consumer(const struct sim_ring *s)
{
	struct nftrace_ring r = {
		.prod = s->r.prod,
		.cons = s->r.cons,
		.data = s->r.data,
		.size = s->r.size,
	};

	return r;
}

int sim_produce(struct sim_ring *s, const struct nftrace_record *hdr,
		const void *data, __u32 cap_len)
{
	__u32 len = SIM_HDR_LEN + cap_len;
	struct nftrace_record *rec;

	rec = nftrace_ring_reserve(&s->r, len);
	if (!rec) {
		nftrace_ring_lose(&s->r);
		return 0;
	}
	/* The header's first SIM_HDR_LEN bytes: the record has no more. */
	memcpy(rec, hdr, SIM_HDR_LEN);
	rec->len = len;
	rec->type = NFTRACE_REC_PACKET;
	rec->hdr_len = SIM_HDR_LEN;
	rec->seq = s->r.seq;
	rec->cap_len = cap_len;
	memcpy((__u8 *)rec + SIM_HDR_LEN, data, cap_len);
	nftrace_ring_commit(&s->r, len);
	return 1;
}
