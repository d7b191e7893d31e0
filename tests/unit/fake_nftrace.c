// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fake_nftrace.c - an LD_PRELOAD stand-in for /dev/nftrace, so that
 * nftrace-capture runs end to end where the module cannot be loaded.
 *
 * Opening $NFTRACE_FAKE_DEV gives one reader whose ioctls, mmap and poll
 * behave as include/nftrace.h describes: the rings are laid out as the
 * module lays them out (producer page, data mapped twice), START starts one
 * producer thread per ring writing synthetic packets through the module's
 * own steps (kmod/nftrace_ring.h), with the BPF filter run by libpcap's
 * bpf_filter(), STOP joins them. What the real module does is tested in
 * the VM (tests/vm/test_capture_*.sh); this tests the tool's side.
 *
 *   NFTRACE_FAKE_DEV       the path that opens the fake (required)
 *   NFTRACE_FAKE_PACKETS   packets per ring, then the producer idles (1000)
 *   NFTRACE_FAKE_RINGS     rings, one producer each (2)
 *   NFTRACE_FAKE_GAP_US    microseconds between two packets of a ring (0)
 *   NFTRACE_FAKE_OLD_MODULE  set: a module from before packet ids, whose
 *                          records have the NFTRACE_RECORD_V1_LEN-byte
 *                          header (record_hdr_len too)
 *   NFTRACE_FAKE_NO_NETDEV set: a module from before the netdev family and
 *                          devices: EINVAL for the family, ENOTTY for
 *                          NFTRACE_IOC_SET_DEVICES
 *   NFTRACE_FAKE_DEVICES_LOG  a file that each SET_DEVICES appends its
 *                          names to, one line of them, comma-separated
 *
 * Packet k of ring i: IPv4 TCP, UDP, ICMP echo or IPv6 TCP in turn, at the
 * configured hooks in turn; families not configured are skipped (and not
 * counted as seen). With the whole header, its packet id is
 * k * rings + i + 1, its netns cookie FAKE_COOKIE, and conntrack in turn
 * established in the reply direction with DNAT, zone 3 and ct mark 0x2a;
 * new; untracked; none (fake_ct()).
 *
 * With the netdev family configured, a packet whose own family is not
 * becomes a netdev record, at the configured netdev hooks in turn: at
 * INGRESS of eth0, at EGRESS of eth1; the IPv4 ones behind an Ethernet
 * header, the IPv6 one on an IP link (a tun device). Devices set with
 * SET_DEVICES select records by their in and out names.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <pcap/bpf.h>

#include "../../kmod/nftrace_ring.h"
#include "pkt.h"

#define PAGE		4096UL
#define FAKE_NETNS	4026531840U
#define FAKE_COOKIE	9007199254740993ULL	/* 2^53 + 1: no double holds it */

struct fake_ring {
	struct nftrace_ring r;
	struct nftrace_cpu_stats stats;	/* this ring's producer writes */
	pthread_t thread;
	unsigned int cpu;
};

static struct {
	pthread_mutex_t lock;
	int fd;				/* the fake's fd, -1: not open */
	int configured, running, started, mapped;
	struct nftrace_config cfg;
	__u32 netns;
	struct bpf_insn *filter[NFTRACE_NR_LINKS];
	struct nftrace_devices devices;
	unsigned int nr_rings;
	struct fake_ring *rings;
	void *ctl;
	unsigned char *area;		/* all rings: nr_rings * stride */
	int stop;
	unsigned long packets;
	unsigned long gap_us;
	int no_flags;		/* a module from before config flags */
	int no_drops;		/* a kernel without drop reasons (< 5.17) */
	int no_netdev;		/* a module from before netdev and devices */
	__u16 hdr_len;		/* of the records: the module's header */
} fk = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_open)(const char *, int, ...);
static int (*real_poll)(struct pollfd *, nfds_t, int);

__attribute__((constructor)) static void fake_init(void)
{
	const char *s;

	real_mmap = dlsym(RTLD_NEXT, "mmap");
	real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	real_open = dlsym(RTLD_NEXT, "open");
	real_poll = dlsym(RTLD_NEXT, "poll");
	s = getenv("NFTRACE_FAKE_PACKETS");
	fk.packets = s ? strtoul(s, NULL, 0) : 1000;
	s = getenv("NFTRACE_FAKE_RINGS");
	fk.nr_rings = s ? strtoul(s, NULL, 0) : 2;
	if (!fk.nr_rings || fk.nr_rings > 64)
		fk.nr_rings = 2;
	s = getenv("NFTRACE_FAKE_GAP_US");
	fk.gap_us = s ? strtoul(s, NULL, 0) : 0;
	fk.no_flags = !!getenv("NFTRACE_FAKE_NO_FLAGS");
	fk.no_drops = !!getenv("NFTRACE_FAKE_NO_DROPS");
	fk.no_netdev = !!getenv("NFTRACE_FAKE_NO_NETDEV");
	fk.hdr_len = getenv("NFTRACE_FAKE_OLD_MODULE") ?
		     NFTRACE_RECORD_V1_LEN : sizeof(struct nftrace_record);
}

static __u64 stride(void)
{
	return PAGE + 2ULL * fk.cfg.ring_size;
}

static __u64 ctl_size(void)
{
	return (fk.nr_rings * sizeof(struct nftrace_ring_cons) + PAGE - 1) &
	       ~(PAGE - 1);
}

static void free_rings(void)
{
	if (fk.area)
		munmap(fk.area, fk.nr_rings * stride());
	if (fk.ctl)
		munmap(fk.ctl, ctl_size());
	free(fk.rings);
	fk.area = NULL;
	fk.ctl = NULL;
	fk.rings = NULL;
}

static int alloc_rings(void)
{
	__u64 size = fk.cfg.ring_size;
	unsigned int i;

	fk.rings = calloc(fk.nr_rings, sizeof(*fk.rings));
	fk.ctl = real_mmap(NULL, ctl_size(), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fk.area = real_mmap(NULL, fk.nr_rings * stride(), PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!fk.rings || fk.ctl == MAP_FAILED || fk.area == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < fk.nr_rings; i++) {
		unsigned char *base = fk.area + i * stride();
		struct fake_ring *fr = &fk.rings[i];

		/*
		 * Shared anonymous memory, its data pages mapped a second
		 * time by mremap() of size 0: no file, so RLIMIT_FSIZE (the
		 * tests' full disk) does not apply to the rings.
		 */
		if (real_mmap(base, PAGE + size, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1,
			      0) == MAP_FAILED ||
		    mremap(base + PAGE, 0, size, MREMAP_MAYMOVE | MREMAP_FIXED,
			   base + PAGE + size) == MAP_FAILED)
			return -ENOMEM;
		fr->cpu = i;
		fr->r.prod = (struct nftrace_ring_prod *)base;
		fr->r.data = base + PAGE;
		fr->r.cons = (struct nftrace_ring_cons *)fk.ctl + i;
		fr->r.size = size;
	}
	return 0;
}

static int set_config(const struct nftrace_config *c)
{
	struct nftrace_config n = *c;

	n.hooks = n.hooks ? n.hooks : NFTRACE_HOOKS_ALL;
	n.families = n.families ? n.families : NFTRACE_FAMILIES_INET;
	n.snaplen = n.snaplen ? n.snaplen : NFTRACE_SNAPLEN_DEFAULT;
	n.ring_size = n.ring_size ? n.ring_size : NFTRACE_RING_DEFAULT;
	if ((n.hooks & ~NFTRACE_HOOKS_ALL) ||
	    (n.families & ~NFTRACE_FAMILIES_ALL) || n.__reserved8 ||
	    (n.hooks_netdev & ~NFTRACE_NETDEV_HOOKS_ALL) ||
	    (fk.no_netdev && ((n.families & NFTRACE_FAMILY_NETDEV) ||
			      n.hooks_netdev)) ||
	    n.__reserved || (n.flags & ~NFTRACE_CFG_ALL) ||
	    (fk.no_flags && n.flags) || n.snaplen > NFTRACE_SNAPLEN_MAX ||
	    n.ring_size < NFTRACE_RING_MIN || n.ring_size > NFTRACE_RING_MAX ||
	    (n.ring_size & (n.ring_size - 1)) ||
	    NFTRACE_ALIGN(fk.hdr_len + n.snaplen) >
	    n.ring_size / 4)
		return -EINVAL;
	if (fk.no_drops && (n.flags & NFTRACE_CFG_DROPS))
		return -EOPNOTSUPP;
	if (n.netns_fd != NFTRACE_NETNS_ALL) {
		char path[64], link[64];
		ssize_t len;

		if (n.netns_fd < 0)
			return -EBADF;
		/* As get_net_ns_by_fd(): a network namespace file, or no. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", n.netns_fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			return -EBADF;
		link[len] = '\0';
		if (strncmp(link, "net:[", 5))
			return -EINVAL;
	}
	if (fk.running)
		return -EBUSY;
	if (fk.rings && n.ring_size != fk.cfg.ring_size) {
		if (fk.mapped || fk.started)
			return -EBUSY;
		free_rings();
	}
	fk.cfg = n;
	fk.netns = n.netns_fd == NFTRACE_NETNS_ALL ? 0 : FAKE_NETNS;
	fk.configured = 1;
	if (!fk.rings)
		return alloc_rings();
	return 0;
}

static int ensure_ready(void)
{
	struct nftrace_config def = { .netns_fd = NFTRACE_NETNS_ALL };

	return fk.configured ? 0 : set_config(&def);
}

/* The IP packet of packet k of ring i (make_packet()'s kinds). */
static size_t make_ip_packet(__u8 *p, unsigned long k, unsigned int ring)
{
	size_t n;

	switch (k % 4) {
	case 0:
		n = pkt_ipv4(p, "10.0.0.1", "10.0.0.2", 6, 20 + 100);
		n += pkt_tcp(p + n, 22, 40000 + ring, k, 0, 0x18, 512);
		memset(p + n, 'x', 100);
		return n + 100;
	case 1:
		n = pkt_ipv4(p, "10.0.0.3", "10.0.0.4", 17, 8 + 20);
		n += pkt_udp(p + n, 53, 1024, 20);
		memset(p + n, 'u', 20);
		return n + 20;
	case 2:
		n = pkt_ipv4(p, "10.0.0.1", "10.0.0.2", 1, 8 + 56);
		n += pkt_icmp(p + n, 8, 0, ring, k);
		memset(p + n, 'i', 56);
		return n + 56;
	default:
		n = pkt_ipv6(p, "2001:db8::1", "2001:db8::2", 6, 20);
		return n + pkt_tcp(p + n, 443, 50000, k, 1, 0x10, 100);
	}
}

/* The hook of packet k among those set in mask (of nr), in turn. */
static __u8 hook_in_turn(unsigned int mask, unsigned int nr, unsigned long k)
{
	unsigned int hooks[8], nh = 0, h;

	for (h = 0; h < nr; h++)
		if (mask & (1U << h))
			hooks[nh++] = h;
	return hooks[k / 4 % nh];
}

/*
 * Packet k of ring i, and its hook, family and link; 0 when none is
 * wanted.
 */
static size_t make_packet(__u8 *p, unsigned long k, unsigned int ring,
			  __u8 *hook, __u8 *family, __u8 *link)
{
	unsigned int kind = k % 4;
	size_t n;

	*hook = hook_in_turn(fk.cfg.hooks, NFTRACE_NR_HOOKS, k);
	*family = kind == 3 ? NFTRACE_NFPROTO_IPV6 : NFTRACE_NFPROTO_IPV4;
	*link = NFTRACE_LINK_IP;
	if (fk.cfg.families & (kind == 3 ? NFTRACE_FAMILY_IPV6 :
					   NFTRACE_FAMILY_IPV4))
		return make_ip_packet(p, k, ring);
	if (!(fk.cfg.families & NFTRACE_FAMILY_NETDEV))
		return 0;
	*hook = hook_in_turn(fk.cfg.hooks_netdev ?: NFTRACE_NETDEV_HOOKS_ALL,
			     NFTRACE_NR_NETDEV_HOOKS, k);
	*family = NFTRACE_NFPROTO_NETDEV;
	n = make_ip_packet(p, k, ring);
	if (kind == 3)
		return n;
	*link = NFTRACE_LINK_ETHERNET;
	return pkt_ether(p, n, 0x0800);
}

/* Conntrack of packet kind k % 4 (make_packet()'s), at any hook. */
static void fake_ct(struct nftrace_record *rec, unsigned long k)
{
	switch (k % 4) {
	case 0:
		rec->ct_state = NFTRACE_CT_ESTABLISHED;
		rec->ct_dir = NFTRACE_CT_DIR_REPLY;
		/* SEEN_REPLY, ASSURED, CONFIRMED, DST_NAT, DST_NAT_DONE */
		rec->ct_status = 0x12e;
		rec->ct_zone = 3;
		rec->ct_mark = 0x2a;
		break;
	case 1:
		rec->ct_state = NFTRACE_CT_NEW;
		rec->ct_status = 0x8;
		break;
	case 2:
		rec->ct_state = NFTRACE_CT_UNTRACKED;
		break;
	default:
		rec->ct_state = NFTRACE_CT_NONE;
		break;
	}
}

/* The devices of a packet at hook: eth0 (2) in, eth1 (3) out, or none (0). */
static void devices_of(__u8 hook, __u8 family, __s32 *in, __s32 *out)
{
	if (family == NFTRACE_NFPROTO_NETDEV) {
		*in = hook == NFTRACE_NETDEV_HOOK_INGRESS ? 2 : 0;
		*out = hook == NFTRACE_NETDEV_HOOK_EGRESS ? 3 : 0;
		return;
	}
	*in = hook <= NFTRACE_HOOK_FORWARD ? 2 : 0;
	*out = hook >= NFTRACE_HOOK_FORWARD ? 3 : 0;
}

static const char *ifname(__s32 ifindex)
{
	return ifindex == 2 ? "eth0" : "eth1";
}

/* Whether SET_DEVICES selects a packet of these devices. */
static int wanted(__s32 in, __s32 out)
{
	unsigned int i;

	if (!fk.devices.count)
		return 1;
	for (i = 0; i < fk.devices.count; i++)
		if ((in && !strcmp(fk.devices.names[i], ifname(in))) ||
		    (out && !strcmp(fk.devices.names[i], ifname(out))))
			return 1;
	return 0;
}

static void stat_inc(__u64 *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

static void *producer(void *arg)
{
	struct fake_ring *fr = arg;
	unsigned long k;
	__u8 pkt[256];

	for (k = 0; k < fk.packets && !__atomic_load_n(&fk.stop,
							__ATOMIC_ACQUIRE); k++) {
		struct nftrace_record *rec;
		struct timespec ts;
		__u8 hook, family, link;
		__s32 in, out;
		__u32 cap, len;
		size_t n;

		n = make_packet(pkt, k, fr->cpu, &hook, &family, &link);
		if (!n)
			continue;
		devices_of(hook, family, &in, &out);
		if (!wanted(in, out))
			continue;
		stat_inc(&fr->stats.seen);
		cap = n < fk.cfg.snaplen ? n : fk.cfg.snaplen;
		if (fk.filter[link]) {
			__u32 keep = bpf_filter(fk.filter[link], pkt, n, n);

			if (!keep) {
				stat_inc(&fr->stats.filtered);
				continue;
			}
			cap = cap < keep ? cap : keep;
		}
		len = fk.hdr_len + cap;
		rec = nftrace_ring_reserve(&fr->r, len);
		if (!rec) {
			nftrace_ring_lose(&fr->r);
			stat_inc(&fr->stats.dropped);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		/* Only the header's bytes: the record may be shorter. */
		memset(rec, 0, fk.hdr_len);
		rec->len = len;
		rec->type = NFTRACE_REC_PACKET;
		rec->hdr_len = fk.hdr_len;
		rec->seq = fr->r.seq;
		rec->tstamp_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		rec->netns = FAKE_NETNS;
		rec->ifindex_in = in;
		rec->ifindex_out = out;
		if (in)
			strcpy(rec->ifname_in, ifname(in));
		if (out)
			strcpy(rec->ifname_out, ifname(out));
		rec->orig_len = n;
		rec->cap_len = cap;
		rec->hook = hook;
		rec->family = family;
		rec->cpu = fr->cpu;
		if (NFTRACE_REC_HAS(rec, link))
			rec->link = link;
		if (NFTRACE_REC_HAS(rec, phys_ifname_out)) {
			rec->packet_id = (__u64)k * fk.nr_rings + fr->cpu + 1;
			rec->netns_cookie = FAKE_COOKIE;
			fake_ct(rec, k);
		}
		memcpy((__u8 *)rec + fk.hdr_len, pkt, cap);
		nftrace_ring_commit(&fr->r, len);
		stat_inc(&fr->stats.captured);
		if (fk.gap_us)
			usleep(fk.gap_us);
	}
	return NULL;
}

static int start(void)
{
	unsigned int i;
	int err = ensure_ready();

	if (err)
		return err;
	if (fk.running)
		return -EBUSY;
	fk.stop = 0;
	for (i = 0; i < fk.nr_rings; i++)
		if (pthread_create(&fk.rings[i].thread, NULL, producer,
				   &fk.rings[i]))
			return -EAGAIN;
	fk.running = 1;
	fk.started = 1;
	return 0;
}

static void stop(void)
{
	unsigned int i;

	if (!fk.running)
		return;
	__atomic_store_n(&fk.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < fk.nr_rings; i++)
		pthread_join(fk.rings[i].thread, NULL);
	fk.running = 0;
}

static int get_info(struct nftrace_info *in)
{
	int err = ensure_ready();

	if (err)
		return err;
	memset(in, 0, sizeof(*in));
	in->abi_version = NFTRACE_ABI_VERSION;
	in->nr_rings = fk.nr_rings;
	in->ring_size = fk.cfg.ring_size;
	in->page_size = PAGE;
	in->ctl_size = ctl_size();
	in->ring_offset = ctl_size();
	in->ring_stride = stride();
	in->record_hdr_len = fk.hdr_len;
	in->running = fk.running;
	in->hooks = fk.cfg.hooks;
	in->families = fk.cfg.families;
	in->snaplen = fk.cfg.snaplen;
	in->netns = fk.netns;
	return 0;
}

static int get_stats(struct nftrace_stats *st)
{
	struct nftrace_cpu_stats *cpus = (void *)(uintptr_t)st->cpus;
	unsigned int i;

	memset(&st->total, 0, sizeof(st->total));
	for (i = 0; fk.rings && i < fk.nr_rings; i++) {
		const struct nftrace_cpu_stats *s = &fk.rings[i].stats;
		struct nftrace_cpu_stats one = {
			.seen = __atomic_load_n(&s->seen, __ATOMIC_RELAXED),
			.filtered = __atomic_load_n(&s->filtered,
						    __ATOMIC_RELAXED),
			.captured = __atomic_load_n(&s->captured,
						    __ATOMIC_RELAXED),
			.dropped = __atomic_load_n(&s->dropped,
						   __ATOMIC_RELAXED),
		};

		st->total.seen += one.seen;
		st->total.filtered += one.filtered;
		st->total.captured += one.captured;
		st->total.dropped += one.dropped;
		if (cpus && i < st->nr_cpus)
			cpus[i] = one;
	}
	st->nr_cpus = fk.nr_rings;
	return 0;
}

static int set_filter(const struct nftrace_filter *f)
{
	const struct bpf_insn *insns = (const void *)(uintptr_t)f->insns;

	if (fk.running)
		return -EBUSY;
	if (!f->len || f->len > 4096 || f->link >= NFTRACE_NR_LINKS ||
	    !bpf_validate(insns, (int)f->len))
		return -EINVAL;
	free(fk.filter[f->link]);
	fk.filter[f->link] = malloc(f->len * sizeof(*insns));
	if (!fk.filter[f->link])
		return -ENOMEM;
	memcpy(fk.filter[f->link], insns, f->len * sizeof(*insns));
	return 0;
}

static void clear_filters(void)
{
	unsigned int link;

	for (link = 0; link < NFTRACE_NR_LINKS; link++) {
		free(fk.filter[link]);
		fk.filter[link] = NULL;
	}
}

/* As the module checks them; the names logged for the tests. */
static int set_devices(const struct nftrace_devices *d)
{
	const char *log = getenv("NFTRACE_FAKE_DEVICES_LOG");
	unsigned int i;
	FILE *f;

	if (fk.no_netdev)
		return -ENOTTY;
	if (fk.running)
		return -EBUSY;
	if (d->count > NFTRACE_MAX_DEVICES || d->__pad)
		return -EINVAL;
	for (i = 0; i < d->count; i++)
		if (!d->names[i][0] ||
		    !memchr(d->names[i], '\0', NFTRACE_IFNAMSIZ))
			return -EINVAL;
	fk.devices = *d;
	f = log ? fopen(log, "a") : NULL;
	if (!f)
		return 0;
	for (i = 0; i < d->count; i++)
		fprintf(f, "%s%s", i ? "," : "", d->names[i]);
	fputc('\n', f);
	fclose(f);
	return 0;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case NFTRACE_IOC_GET_INFO:
		return get_info(arg);
	case NFTRACE_IOC_SET_CONFIG:
		return set_config(arg);
	case NFTRACE_IOC_SET_FILTER:
		return set_filter(arg);
	case NFTRACE_IOC_CLEAR_FILTER:
		if (fk.running)
			return -EBUSY;
		clear_filters();
		return 0;
	case NFTRACE_IOC_SET_DEVICES:
		return set_devices(arg);
	case NFTRACE_IOC_START:
		return start();
	case NFTRACE_IOC_STOP:
		stop();
		return 0;
	case NFTRACE_IOC_GET_STATS:
		return get_stats(arg);
	}
	return -ENOTTY;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != fk.fd)
		return real_ioctl(fd, req, arg);
	pthread_mutex_lock(&fk.lock);
	ret = fake_ioctl(req, arg);
	pthread_mutex_unlock(&fk.lock);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

int open(const char *path, int flags, ...)
{
	const char *dev = getenv("NFTRACE_FAKE_DEV");
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (!dev || strcmp(path, dev))
		return real_open(path, flags, mode);
	if (fk.fd >= 0) {
		errno = EBUSY;	/* one reader is all the fake has */
		return -1;
	}
	fk.fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
	return fk.fd;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *ret = MAP_FAILED;

	if (fd < 0 || fd != fk.fd)
		return real_mmap(addr, len, prot, flags, fd, off);
	pthread_mutex_lock(&fk.lock);
	if (!fk.rings) {
		errno = EINVAL;
	} else if (off == 0 && len == ctl_size()) {
		ret = fk.ctl;
	} else if ((__u64)off == ctl_size() && !(prot & PROT_WRITE) &&
		   len == fk.nr_rings * stride()) {
		ret = fk.area;
	} else {
		errno = EINVAL;
	}
	if (ret != MAP_FAILED)
		fk.mapped = 1;
	pthread_mutex_unlock(&fk.lock);
	return ret;
}

static int has_data(void)
{
	unsigned int i;

	for (i = 0; fk.rings && i < fk.nr_rings; i++)
		if (nftrace_ring_produced(&fk.rings[i].r) !=
		    __atomic_load_n(&fk.rings[i].r.cons->pos, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

/* glibc declares poll()'s fds write-only: they are read, of course. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct timespec ms = { 0, 1000000 };
	int waited = 0;

	if (n != 1 || fds[0].fd < 0 || fds[0].fd != fk.fd)
		return real_poll(fds, n, timeout);
	for (;;) {
		fds[0].revents = 0;
		if (has_data())
			fds[0].revents = POLLIN;
		else if (!fk.running && fk.started)
			fds[0].revents = POLLHUP;
		if (fds[0].revents)
			return 1;
		if (timeout >= 0 && waited >= timeout)
			return 0;
		if (nanosleep(&ms, NULL) < 0)
			return -1;	/* EINTR: a signal */
		waited++;
	}
}
