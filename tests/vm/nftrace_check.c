// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_check - drives /dev/nftrace directly (raw ioctls, raw mmap, the
 * ring steps of kmod/nftrace_ring.h) for the VM tests of the module, so
 * that they do not depend on the userspace library they would also test.
 *
 *   nftrace_check abi                 ioctl/mmap argument checking
 *   nftrace_check capture SECS [opts] capture for SECS seconds via mmap,
 *                                     then print totals as key=value
 *       -h HOOKMASK -f FAMILIES -s SNAPLEN -B RINGBYTES -n NETNSPATH
 *       -d DELAY_MS   sleep this long between drains (a slow consumer)
 *   nftrace_check hostile SECS        scribble garbage into the consumer
 *                                     slots while capturing
 *   nftrace_check wake                start, then time how long poll()
 *                                     takes to report one packet
 *   nftrace_check badlen              point a consumer slot at payload
 *                                     bytes 0xff (a length word of
 *                                     0xffffffff) under a blocked read()
 *   nftrace_check etwake mmap|text NETNSPATH SECS [WAKEUP_BYTES]
 *                                     epoll with EPOLLET on a reader of
 *                                     INPUT in NETNSPATH, drained after
 *                                     each event (mmap, or read() to
 *                                     EAGAIN), until SIGINT or SECS:
 *                                     count events and records
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/*
 * NFTRACE_V1: built with -include nftrace_v1.h (the v1 header, frozen),
 * as a reader of the first modules: it finds the packet at hdr_len and
 * must not mind a longer header than its own.
 */
#ifdef NFTRACE_V1
#define NFTRACE_RECORD_V1_LEN	sizeof(struct nftrace_record)
#define NFTRACE_HDR_OK(len)	((len) >= sizeof(struct nftrace_record))
#else
#define NFTRACE_HDR_OK(len)	((len) == sizeof(struct nftrace_record))
#endif

#include "../../kmod/nftrace_ring.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct reader {
	int fd;
	struct nftrace_info info;
	unsigned char *ctl;
	unsigned char *rings;
	struct nftrace_ring *ring;
	uint64_t *next_seq;
	uint64_t records, lost_seen, bytes;
	uint64_t bad_records;
};

static int open_dev(void)
{
	int fd = open(NFTRACE_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open " NFTRACE_DEVICE);
	return fd;
}

static void reader_map(struct reader *rd)
{
	struct nftrace_info *in = &rd->info;
	unsigned int i;

	if (ioctl(rd->fd, NFTRACE_IOC_GET_INFO, in))
		die("GET_INFO");
	rd->ctl = mmap(NULL, in->ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       rd->fd, 0);
	if (rd->ctl == MAP_FAILED)
		die("mmap ctl");
	rd->rings = mmap(NULL, in->nr_rings * in->ring_stride, PROT_READ,
			 MAP_SHARED, rd->fd, in->ring_offset);
	if (rd->rings == MAP_FAILED)
		die("mmap rings");
	rd->ring = calloc(in->nr_rings, sizeof(*rd->ring));
	rd->next_seq = calloc(in->nr_rings, sizeof(*rd->next_seq));
	for (i = 0; i < in->nr_rings; i++) {
		unsigned char *base = rd->rings + i * in->ring_stride;

		rd->ring[i].prod = (struct nftrace_ring_prod *)base;
		rd->ring[i].data = base + in->page_size;
		rd->ring[i].cons = (struct nftrace_ring_cons *)rd->ctl + i;
		rd->ring[i].size = in->ring_size;
	}
}

/* Open the device, configure it (cfg NULL: the defaults), map, start. */
static void reader_start(struct reader *rd, struct nftrace_config *cfg)
{
	rd->fd = open_dev();
	if (cfg && ioctl(rd->fd, NFTRACE_IOC_SET_CONFIG, cfg))
		die("SET_CONFIG");
	reader_map(rd);
	if (ioctl(rd->fd, NFTRACE_IOC_START))
		die("START");
}

/* The packet at hdr_len starts with its IP version, as its family says. */
static int ip_version_ok(const struct nftrace_record *rec)
{
	const uint8_t *data = (const uint8_t *)rec + rec->hdr_len;

	if (!rec->cap_len)
		return 1;
#ifndef NFTRACE_V1
	/* Other families: an Ethernet header, or an IP one of either. */
	if (rec->family != NFTRACE_NFPROTO_IPV4 &&
	    rec->family != NFTRACE_NFPROTO_IPV6) {
		if (rec->link == NFTRACE_LINK_ETHERNET)
			return rec->cap_len >= 14 || rec->cap_len == rec->orig_len;
		return rec->link == NFTRACE_LINK_IP &&
		       ((data[0] >> 4) == 4 || (data[0] >> 4) == 6);
	}
#endif
	return (data[0] >> 4) == (rec->family == NFTRACE_NFPROTO_IPV4 ? 4 : 6);
}

/* Consume everything; account sequence gaps as losses. */
static void reader_drain(struct reader *rd)
{
	unsigned int i;

	for (i = 0; i < rd->info.nr_rings; i++) {
		struct nftrace_ring *ring = &rd->ring[i];
		uint64_t next = nftrace_ring_next_seq(ring);
		uint64_t prod = nftrace_ring_produced(ring);
		uint64_t cons = ring->cons->pos;
		const struct nftrace_record *rec;
		long len;

		while ((len = nftrace_ring_check(ring, cons, prod, &rec)) > 0) {
			CHECK(rec->seq >= rd->next_seq[i],
			      "ring %u: seq went back %llu < %llu", i,
			      (unsigned long long)rec->seq,
			      (unsigned long long)rd->next_seq[i]);
			if (rec->type != NFTRACE_REC_PACKET ||
			    !NFTRACE_HDR_OK(rec->hdr_len) ||
			    rec->hdr_len + rec->cap_len != rec->len ||
			    !ip_version_ok(rec) ||
			    rec->cpu != i || rec->hook >= NFTRACE_NR_HOOKS)
				rd->bad_records++;
			rd->lost_seen += rec->seq - rd->next_seq[i];
			rd->next_seq[i] = rec->seq + 1;
			rd->records++;
			rd->bytes += rec->cap_len;
			cons += len;
		}
		CHECK(len == 0, "ring %u: corrupt record at %llu", i,
		      (unsigned long long)cons);
		if (len < 0)
			cons = prod;
		nftrace_ring_release(ring, cons);
		if (cons == prod && next > rd->next_seq[i]) {
			rd->lost_seen += next - rd->next_seq[i];
			rd->next_seq[i] = next;
		}
	}
}

static void get_stats(int fd, struct nftrace_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, NFTRACE_IOC_GET_STATS, st))
		die("GET_STATS");
}

static int cmd_capture(int argc, char **argv)
{
	struct nftrace_config cfg = { .netns_fd = NFTRACE_NETNS_ALL };
	double secs = atof(argv[1]), end;
	struct reader rd = {};
	struct nftrace_stats st;
	int opt, delay_ms = 0;

	optind = 2;
	while ((opt = getopt(argc, argv, "h:f:s:B:n:d:")) != -1) {
		switch (opt) {
		case 'h': cfg.hooks = strtoul(optarg, NULL, 0); break;
		case 'f': cfg.families = strtoul(optarg, NULL, 0); break;
		case 's': cfg.snaplen = strtoul(optarg, NULL, 0); break;
		case 'B': cfg.ring_size = strtoul(optarg, NULL, 0); break;
		case 'd': delay_ms = atoi(optarg); break;
		case 'n':
			cfg.netns_fd = open(optarg, O_RDONLY | O_CLOEXEC);
			if (cfg.netns_fd < 0)
				die(optarg);
			break;
		default:
			return 2;
		}
	}
	reader_start(&rd, &cfg);
	/* Tell the test the hooks are in place. */
	printf("started\n");
	fflush(stdout);
	end = now_s() + secs;
	while (now_s() < end) {
		struct pollfd p = { .fd = rd.fd, .events = POLLIN };

		poll(&p, 1, 100);
		reader_drain(&rd);
		if (delay_ms)
			usleep(delay_ms * 1000);
	}
	if (ioctl(rd.fd, NFTRACE_IOC_STOP))
		die("STOP");
	reader_drain(&rd);
	get_stats(rd.fd, &st);
	printf("records=%llu lost_seen=%llu bad=%llu seen=%llu filtered=%llu "
	       "captured=%llu dropped=%llu\n",
	       (unsigned long long)rd.records,
	       (unsigned long long)rd.lost_seen,
	       (unsigned long long)rd.bad_records,
	       (unsigned long long)st.total.seen,
	       (unsigned long long)st.total.filtered,
	       (unsigned long long)st.total.captured,
	       (unsigned long long)st.total.dropped);
	CHECK(rd.records == st.total.captured, "records %llu != captured %llu",
	      (unsigned long long)rd.records,
	      (unsigned long long)st.total.captured);
	CHECK(rd.lost_seen == st.total.dropped, "seq gaps %llu != dropped %llu",
	      (unsigned long long)rd.lost_seen,
	      (unsigned long long)st.total.dropped);
	CHECK(st.total.seen == st.total.filtered + st.total.captured +
			       st.total.dropped, "seen != sum");
	CHECK(rd.bad_records == 0, "%llu malformed records",
	      (unsigned long long)rd.bad_records);
	return failures ? 1 : 0;
}

/* Garbage in every word userspace can write, while traffic flows. */
static int cmd_hostile(int argc, char **argv)
{
	static const uint64_t evil[] = {
		0, 1, 7, 8, 0xfff, 0x1000, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, ~0ULL - 7, 0xdeadbeefcafef00dULL,
	};
	double secs = argc > 1 ? atof(argv[1]) : 3, end;
	struct reader rd = {};
	unsigned long n = 0;
	char buf[4096];
	unsigned int i;

	reader_start(&rd, NULL);
	printf("started\n");
	fflush(stdout);
	fcntl(rd.fd, F_SETFL, O_NONBLOCK);
	end = now_s() + secs;
	while (now_s() < end) {
		for (i = 0; i < rd.info.nr_rings; i++) {
			uint64_t prod = rd.ring[i].prod->pos;
			uint64_t v = evil[n % (sizeof(evil) / sizeof(evil[0]))];

			/* Absolute garbage, and garbage near the truth. */
			rd.ring[i].cons->pos = (n & 1) ? v : prod - v;
			memset(&rd.ring[i].cons->__pad, n & 0xff,
			       sizeof(rd.ring[i].cons->__pad));
			n++;
		}
		/* The kernel's own consumer (read) must cope too. */
		if (read(rd.fd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
			die("read");
	}
	printf("scribbles=%lu\n", n);
	if (ioctl(rd.fd, NFTRACE_IOC_STOP))
		die("STOP");
	close(rd.fd);
	return 0;
}

static void expect_errno(long ret, int err, const char *what)
{
	CHECK(ret == -1 && errno == err, "%s: ret %ld errno %d (%s), want %d (%s)",
	      what, ret, ret == -1 ? errno : 0, strerror(errno), err,
	      strerror(err));
}

#ifndef NFTRACE_V1
/* NFTRACE_IOC_SET_DEVICES: bad counts, names and pointers, while stopped. */
static void check_set_devices(int fd)
{
	struct nftrace_devices d;

	memset(&d, 0, sizeof(d));
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, (void *)8), EFAULT,
		     "SET_DEVICES from a bad pointer");
	d.count = NFTRACE_MAX_DEVICES + 1;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d), EINVAL,
		     "SET_DEVICES: too many");
	d.count = 1;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d), EINVAL,
		     "SET_DEVICES: an empty name");
	memset(d.names[0], 'a', NFTRACE_IFNAMSIZ);
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d), EINVAL,
		     "SET_DEVICES: a name without its NUL");
	strcpy(d.names[0], "a/b");
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d), EINVAL,
		     "SET_DEVICES: a name no device can have");
	strcpy(d.names[0], "lo");
	d.__pad = 1;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d), EINVAL,
		     "SET_DEVICES: padding not zero");
	d.__pad = 0;
	CHECK(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d) == 0,
	      "SET_DEVICES lo: %s", strerror(errno));
	d.count = 0;
	CHECK(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d) == 0,
	      "SET_DEVICES: none, every device again: %s", strerror(errno));
}
#endif

static int cmd_abi(void)
{
	struct nftrace_config cfg = { .netns_fd = NFTRACE_NETNS_ALL };
	struct nftrace_filter flt = {};
	struct nftrace_info info;
	struct sock_filter_insn { uint16_t code; uint8_t jt, jf; uint32_t k; };
	struct sock_filter_insn bad_jump[] = { { 0x15, 5, 5, 0 } };
	struct sock_filter_insn accept_all[] = { { 0x06, 0, 0, 65535 } };
	int fd = open_dev(), fd2;
	void *p;

	/* mmap before the layout exists (GET_INFO allocates it) */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mmap before GET_INFO: %s",
	      p == MAP_FAILED ? strerror(errno) : "mapped");

	expect_errno(ioctl(fd, _IO(NFTRACE_IOC_MAGIC, 0x7f)), ENOTTY,
		     "unknown ioctl");
	expect_errno(ioctl(fd, 0x5401 /* TCGETS */), ENOTTY, "TCGETS");
	expect_errno(ioctl(fd, NFTRACE_IOC_GET_INFO, (void *)8), EFAULT,
		     "GET_INFO to a bad pointer");
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, (void *)8), EFAULT,
		     "SET_CONFIG from a bad pointer");
	expect_errno(ioctl(fd, NFTRACE_IOC_GET_STATS, (void *)8), EFAULT,
		     "GET_STATS bad pointer");

	cfg.hooks = 1U << 5;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL, "hook 5");
	cfg.hooks = 0;
	/* Bits 2, 3 and 4 are bridge, ARP and netdev now: 5 is unknown. */
	cfg.families = 1U << 5;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "family bit 5");
	cfg.families = 0;
	cfg.ring_size = 3 << 16;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "ring not a power of two");
	cfg.ring_size = 1U << 30;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "ring too large");
	cfg.ring_size = 1U << 16;
	cfg.snaplen = 65535;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "snaplen over a quarter ring");
	cfg.snaplen = 70000;
	cfg.ring_size = 0;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "snaplen over the max");
	cfg.snaplen = 0;
	cfg.__reserved = 1;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "reserved bits");
	cfg.__reserved = 0;
#ifdef NFTRACE_V1
	cfg.__reserved32 = 1 << 16;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "reserved bits after flags");
	cfg.__reserved32 = 0;
#else
	cfg.__reserved8 = 1;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "reserved bits after flags");
	cfg.__reserved8 = 0;
	cfg.families = NFTRACE_FAMILY_NETDEV;
	cfg.hooks_netdev = 1U << NFTRACE_NR_NETDEV_HOOKS;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "a netdev hook out of range");
	cfg.hooks_netdev = 0;
	check_set_devices(fd);
	cfg.families = NFTRACE_FAMILY_BRIDGE;
	cfg.hooks_bridge = 1U << NFTRACE_NR_HOOKS;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "a bridge hook out of range");
	cfg.hooks_bridge = 0;
	cfg.families = NFTRACE_FAMILY_ARP;
	cfg.hooks_arp = 1U << NFTRACE_NR_ARP_HOOKS;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "an ARP hook out of range");
	cfg.hooks_arp = 0;
	cfg.families = NFTRACE_FAMILIES_ALL << 1;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "an unknown family");
	cfg.families = 0;
#endif
	cfg.flags = ~NFTRACE_CFG_ALL;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "unknown config flags");
	cfg.flags = 0;
	cfg.netns_fd = fd;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EINVAL,
		     "netns_fd that is not a netns");
	cfg.netns_fd = -7;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EBADF,
		     "negative netns_fd");
	cfg.netns_fd = NFTRACE_NETNS_ALL;

	flt.len = 0;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt), EINVAL,
		     "empty filter");
	flt.len = 5000;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt), EINVAL,
		     "filter too long");
	flt.len = 1;
	flt.insns = 8;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt), EFAULT,
		     "filter from a bad pointer");
	flt.insns = (uintptr_t)bad_jump;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt), EINVAL,
		     "filter jumping out of the program");
	flt.insns = (uintptr_t)accept_all;
#ifndef NFTRACE_V1
	flt.link = NFTRACE_NR_LINKS;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt), EINVAL,
		     "filter of an unknown link");
	flt.link = NFTRACE_LINK_ETHERNET;
	CHECK(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt) == 0,
	      "valid filter of Ethernet frames");
	flt.link = NFTRACE_LINK_IP;
#endif
	CHECK(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt) == 0, "valid filter");
	CHECK(ioctl(fd, NFTRACE_IOC_CLEAR_FILTER) == 0, "clear filter");

	CHECK(ioctl(fd, NFTRACE_IOC_GET_INFO, &info) == 0, "GET_INFO");
	CHECK(info.abi_version == NFTRACE_ABI_VERSION, "abi %u",
	      info.abi_version);
	CHECK(info.ring_size == NFTRACE_RING_DEFAULT, "default ring %u",
	      info.ring_size);
	CHECK(info.snaplen == NFTRACE_SNAPLEN_DEFAULT, "default snaplen %u",
	      info.snaplen);
	CHECK(info.hooks == NFTRACE_HOOKS_ALL, "default hooks %#x", info.hooks);
	CHECK(NFTRACE_HDR_OK(info.record_hdr_len), "hdr len %u",
	      info.record_hdr_len);
	CHECK(info.ring_stride == info.page_size + 2ULL * info.ring_size,
	      "stride");

	/* The rings are read-only, now and after mprotect. */
	p = mmap(NULL, info.ring_stride, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.ring_offset);
	CHECK(p == MAP_FAILED && errno == EPERM, "writable ring mapping");
	p = mmap(NULL, info.ring_stride, PROT_READ, MAP_SHARED, fd,
		 info.ring_offset);
	CHECK(p != MAP_FAILED, "read-only ring mapping: %s", strerror(errno));
	if (p != MAP_FAILED) {
		CHECK(mprotect(p, info.page_size, PROT_READ | PROT_WRITE) != 0,
		      "mprotect added write to the ring");
		munmap(p, info.ring_stride);
	}
	p = mmap(NULL, info.page_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED, "executable mapping");
	p = mmap(NULL, info.nr_rings * info.ring_stride + info.page_size,
		 PROT_READ, MAP_SHARED, fd, info.ring_offset);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mapping past the rings");
	p = mmap(NULL, info.ctl_size + info.page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED, "writable mapping past the consumer slots");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 1ULL << 46);
	CHECK(p == MAP_FAILED && errno == EINVAL, "huge offset");
	p = mmap(NULL, info.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "consumer slots mapping: %s", strerror(errno));

	/* Once mapped, the ring size is fixed; the rest may change. */
	cfg.ring_size = 1U << 17;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EBUSY,
		     "resize while mapped");
	cfg.ring_size = 0;
	cfg.hooks = 1U << NFTRACE_HOOK_OUTPUT;
	CHECK(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg) == 0, "same size config");

	CHECK(ioctl(fd, NFTRACE_IOC_START) == 0, "START");
	expect_errno(ioctl(fd, NFTRACE_IOC_START), EBUSY, "START twice");
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_CONFIG, &cfg), EBUSY,
		     "config while running");
	flt.insns = (uintptr_t)accept_all;
	expect_errno(ioctl(fd, NFTRACE_IOC_SET_FILTER, &flt), EBUSY,
		     "filter while running");
#ifndef NFTRACE_V1
	{
		struct nftrace_devices d = { .count = 0 };

		expect_errno(ioctl(fd, NFTRACE_IOC_SET_DEVICES, &d), EBUSY,
			     "devices while running");
	}
#endif
	CHECK(ioctl(fd, NFTRACE_IOC_STOP) == 0, "STOP");
	CHECK(ioctl(fd, NFTRACE_IOC_STOP) == 0, "STOP twice");

	/* A second reader is independent. */
	fd2 = open_dev();
	cfg.ring_size = 1U << 16;
	CHECK(ioctl(fd2, NFTRACE_IOC_SET_CONFIG, &cfg) == 0,
	      "second reader config");
	close(fd2);
	close(fd);
	printf("abi: %d failures\n", failures);
	return failures ? 1 : 0;
}

/*
 * One datagram after a quiet start, far below the wakeup watermark: the
 * reader blocked in poll() must still see it within 100 ms.
 */
static int cmd_wake(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct reader rd = {};
	struct pollfd p;
	double t0, ms;
	int ret, s;

	reader_start(&rd, NULL);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket");
	p.fd = rd.fd;
	p.events = POLLIN;
	ret = poll(&p, 1, 300);
	CHECK(ret == 0, "data before anything was sent");
	if (fork() == 0) {
		/* Sent while the parent sleeps in poll(). */
		usleep(200000);
		sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		_exit(0);
	}
	t0 = now_s();
	ret = poll(&p, 1, 10000);
	ms = (now_s() - t0) * 1000 - 200;
	printf("poll=%d revents=%#x ms_after_send=%.1f\n", ret, p.revents, ms);
	CHECK(ret == 1 && (p.revents & POLLIN), "poll did not report data");
	CHECK(ms < 100, "woken %.1f ms after the packet", ms);
	return failures ? 1 : 0;
}

/* A task's user + system CPU time in seconds, from /proc/PID/stat. */
static double task_cpu_s(pid_t pid)
{
	unsigned long utime = 0, stime = 0;
	char path[64], buf[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	/* Fields 14 and 15; p is at the end of field 2. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

/*
 * The consumer slot is the one word userspace writes. Point it at the
 * payload of a captured datagram of 0xff bytes: the "record" there has a
 * length word of 0xffffffff, which NFTRACE_ALIGN() wraps to 0. Meanwhile a
 * child read()s the text interface of the same reader. It must get a loss
 * (the kernel resynchronises the ring) and then sleep: no CPU burnt, and
 * SIGKILL ends it at once. Before the fix its second read() spun in the
 * kernel for good, deaf to signals.
 */
static int cmd_badlen(void)
{
	struct nftrace_config cfg = {
		.hooks = 1U << NFTRACE_HOOK_OUTPUT,
		.families = NFTRACE_FAMILY_IPV4,
		.snaplen = 256,
		.netns_fd = NFTRACE_NETNS_ALL,
	};
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char payload[200], out[8192];
	uint64_t target = 0, prod;
	unsigned int i, ring = 0;
	struct reader rd = {};
	double cpu, t0, waited = -1;
	int s, found = 0, status, pipefd[2];
	ssize_t n, got = 0;
	pid_t child;

	reader_start(&rd, &cfg);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket");
	memset(payload, 0xff, sizeof(payload));
	for (i = 0; i < 20; i++)
		sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&to,
		       sizeof(to));

	/* The first of our datagrams in any ring, with records after it. */
	for (i = 0; i < rd.info.nr_rings && !found; i++) {
		struct nftrace_ring *r = &rd.ring[i];
		uint64_t cons = r->cons->pos;
		const struct nftrace_record *rec;
		long len;

		prod = nftrace_ring_produced(r);
		while ((len = nftrace_ring_check(r, cons, prod, &rec)) > 0) {
			const unsigned char *d = (const unsigned char *)(rec + 1);
			/* the payload, after header, IPv4 20 and UDP 8 */
			uint64_t at = cons + NFTRACE_ALIGN(rec->hdr_len + 28U);

			if (rec->cap_len >= 28 + sizeof(payload) && d[9] == 17 &&
			    d[22] == 0 && d[23] == 9 &&
			    prod - at >= sizeof(struct nftrace_record)) {
				target = at;
				ring = i;
				found = 1;
				break;
			}
			cons += len;
		}
	}
	CHECK(found, "no datagram of ours in the rings");
	if (!found)
		return 1;
	CHECK(*(const uint32_t *)(rd.ring[ring].data +
				  (target & (rd.info.ring_size - 1))) ==
	      0xffffffffU, "no 0xffffffff at the target");
	rd.ring[ring].cons->pos = target;
	printf("ring=%u cons=%llu prod=%llu\n", ring,
	       (unsigned long long)target,
	       (unsigned long long)nftrace_ring_produced(&rd.ring[ring]));
	fflush(stdout);

	if (pipe(pipefd))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* A child that never ends must not hold the caller's output. */
		dup2(null, 1);
		dup2(null, 2);
		close(pipefd[0]);
		/* Until killed: the text lines, then a read() that sleeps. */
		while ((n = read(rd.fd, out, sizeof(out))) > 0)
			if (write(pipefd[1], out, n) != n)
				_exit(3);
		_exit(n < 0 ? 4 : 5);
	}
	close(pipefd[1]);
	usleep(1500000);
	cpu = task_cpu_s(child);
	kill(child, SIGKILL);
	t0 = now_s();
	while (now_s() - t0 < 1) {
		if (waitpid(child, &status, WNOHANG) == child) {
			waited = now_s() - t0;
			break;
		}
		usleep(10000);
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	while (got < (ssize_t)sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	printf("reader_cpu_s=%.2f killed_after_ms=%.0f lost_line=%d "
	       "cons_now=%llu\n", cpu, waited * 1000,
	       strstr((char *)out, "lost ") != NULL,
	       (unsigned long long)rd.ring[ring].cons->pos);
	CHECK(waited >= 0, "the reader did not die within 1 s of SIGKILL");
	CHECK(waited < 0 || (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
	      "the reader ended otherwise: status %#x", status);
	CHECK(cpu >= 0 && cpu < 0.5, "the reader burnt %.2f s of CPU in 1.5 s",
	      cpu);
	CHECK(strstr((char *)out, "lost ") != NULL,
	      "no loss reported for the skipped records");
	CHECK(rd.ring[ring].cons->pos != target,
	      "the kernel did not resynchronise the ring");
	if (waited < 0) {
		fflush(stdout);
		_exit(1);	/* the child cannot be reaped: do not wait */
	}
	ioctl(rd.fd, NFTRACE_IOC_STOP);
	close(rd.fd);
	return failures ? 1 : 0;
}

/* Text lines read until EAGAIN: packet lines, "lost" lines. */
static void text_drain(int fd, uint64_t *lines, uint64_t *lost)
{
	static char buf[65536];
	static size_t have;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *p = buf, *nl;

		have += n;
		buf[have] = 0;
		while ((nl = strchr(p, '\n'))) {
			if (!strncmp(p, "lost ", 5))
				(*lost)++;
			else
				(*lines)++;
			p = nl + 1;
		}
		have -= p - buf;
		memmove(buf, p, have);
	}
	CHECK(n < 0 && errno == EAGAIN, "read: %zd (%s), want EAGAIN", n,
	      strerror(errno));
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* How long ago (ms, CLOCK_REALTIME) the oldest unread record was made. */
static double oldest_unread_ms(struct reader *rd)
{
	uint64_t oldest = UINT64_MAX;
	struct timespec ts;
	unsigned int i;

	for (i = 0; i < rd->info.nr_rings; i++) {
		struct nftrace_ring *ring = &rd->ring[i];
		const struct nftrace_record *rec;

		if (nftrace_ring_check(ring, ring->cons->pos,
				       nftrace_ring_produced(ring), &rec) > 0 &&
		    rec->tstamp_ns < oldest)
			oldest = rec->tstamp_ns;
	}
	if (oldest == UINT64_MAX)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec - oldest) / 1e6;
}

/*
 * An edge-triggered epoll waiter is woken once per event; it must be
 * woken again by the next packet, however long after. The consumer
 * drains everything after each event, as EPOLLET asks, and never calls
 * poll() or a blocking read() in between: wakeups must not depend on
 * anything only those re-arm.
 */
static int cmd_etwake(int argc, char **argv)
{
	struct nftrace_config cfg = {
		.hooks = 1U << NFTRACE_HOOK_INPUT,
		.families = NFTRACE_FAMILY_IPV4,
	};
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	uint64_t events = 0, empty = 0, lines = 0, lost = 0, before;
	double lat[1000];
	unsigned int nlat = 0;
	struct sigaction sa = {};
	int text, ep, n;
	struct reader rd = {};
	double end;

	if (argc < 4)
		return 2;
	text = !strcmp(argv[1], "text");
	if (argc > 4)
		cfg.wakeup_bytes = strtoul(argv[4], NULL, 0);
	cfg.netns_fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (cfg.netns_fd < 0)
		die(argv[2]);
	rd.fd = open_dev();
	if (ioctl(rd.fd, NFTRACE_IOC_SET_CONFIG, &cfg))
		die("SET_CONFIG");
	if (!text)
		reader_map(&rd);
	if (ioctl(rd.fd, NFTRACE_IOC_START))
		die("START");
	if (text)
		fcntl(rd.fd, F_SETFL, O_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, rd.fd, &ev))
		die("epoll");
	sa.sa_handler = on_stop;	/* no SA_RESTART: epoll_wait returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("started\n");
	fflush(stdout);
	end = now_s() + atof(argv[3]);
	while (now_s() < end && !stop_requested) {
		n = epoll_wait(ep, &ev, 1, 100);
		if (n <= 0)
			continue;
		events++;
		if (!text && nlat < sizeof(lat) / sizeof(lat[0]))
			lat[nlat] = oldest_unread_ms(&rd), nlat += lat[nlat] >= 0;
		before = text ? lines : rd.records;
		if (text)
			text_drain(rd.fd, &lines, &lost);
		else
			reader_drain(&rd);
		if ((text ? lines : rd.records) == before)
			empty++;
	}
	if (ioctl(rd.fd, NFTRACE_IOC_STOP))
		die("STOP");
	if (text) {
		fcntl(rd.fd, F_SETFL, 0);
		{
			char buf[4096];
			ssize_t r;

			/* Stopped: read() returns what is left, then 0. */
			while ((r = read(rd.fd, buf, sizeof(buf))) > 0) {
				ssize_t i;

				for (i = 0; i < r; i++)
					lines += buf[i] == '\n';
			}
		}
	} else {
		reader_drain(&rd);
	}
	qsort(lat, nlat, sizeof(lat[0]), cmp_double);
	printf("events=%llu empty_events=%llu records=%llu lost=%llu "
	       "median_wake_ms=%.0f\n",
	       (unsigned long long)events, (unsigned long long)empty,
	       (unsigned long long)(text ? lines : rd.records),
	       (unsigned long long)(text ? lost : rd.lost_seen),
	       nlat ? lat[nlat / 2] : -1.0);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nftrace_check abi|capture|hostile|wake|badlen|etwake ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "abi"))
		return cmd_abi();
	if (!strcmp(argv[1], "capture") && argc > 2)
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(argv[1], "hostile"))
		return cmd_hostile(argc - 1, argv + 1);
	if (!strcmp(argv[1], "wake"))
		return cmd_wake();
	if (!strcmp(argv[1], "badlen"))
		return cmd_badlen();
	if (!strcmp(argv[1], "etwake"))
		return cmd_etwake(argc - 1, argv + 1);
	fprintf(stderr, "nftrace_check: unknown command %s\n", argv[1]);
	return 2;
}
