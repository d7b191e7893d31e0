// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dev - a syscall fuzzer for /dev/nftrace, and the few helpers that
 * the stress tests need around it (tests/vm/stress_*.sh, TESTING.md).
 *
 *   fuzz_dev SEED SECONDS THREADS [-v]
 *	THREADS threads issue random sequences of open, close, dup, fork,
 *	ioctl (every NFTRACE_IOC_* command, random command numbers, random
 *	and boundary arguments, bad pointers, structures cut short by a
 *	guard page, the 32-bit compat entry), mmap (wrong sizes, offsets and
 *	protections, MAP_FIXED, after close), munmap, mprotect, mremap,
 *	madvise, read and readv with odd sizes and bad buffers (blocking,
 *	cut short by a timer signal, and O_NONBLOCK), poll, ppoll, select,
 *	epoll, fcntl, the file operations the device does not have and
 *	writes through /proc/self/mem, on a shared table of /dev/nftrace
 *	descriptors, while they scribble over the consumer slots they
 *	mapped, drain rings as a consumer does and send packets of their
 *	own. Before they start, one reader gets the largest ring there is
 *	(NFTRACE_RING_MAX per CPU), mapped whole, started and read.
 *	Exit 0: every call returned and no invariant broke; 1: an invariant
 *	broke (FAIL lines); 3: a call did not return (HANG, with the
 *	thread's kernel stack).
 *
 *	Reproducible as far as the kernel answers the same: each thread
 *	draws every choice from its own generator, seeded from SEED and the
 *	thread's number, and only from it; what calls return steers the
 *	rest (a failed open leaves a slot empty), so a replay follows the
 *	same path while the answers are the same: with THREADS=1, mostly;
 *	with more, the interleaving differs from run to run. -v logs every
 *	operation to stderr. A HANG or FAIL prints the thread's last
 *	operations.
 *
 *   fuzz_dev flood ADDR PORT COUNT [PAYLOAD]
 *	Send COUNT UDP datagrams (PAYLOAD bytes, 18 by default) to ADDR:PORT
 *	as fast as sendmmsg() goes, to a socket bound there that is never
 *	read (no ICMP errors come back); print sent=N secs=S pps=P.
 *
 *   fuzz_dev block read|poll|epoll|select NETNS
 *	Capture NETNS (a quiet namespace), print "blocked", then block in
 *	the call, with no timeout, until killed.
 *
 *   fuzz_dev stopwake ROUNDS NETNS
 *	A thread blocks in read, poll, epoll_wait or select on a reader of
 *	quiet NETNS; a STOP of another reader must leave it blocked, a STOP
 *	of its own reader from the main thread must wake it at once (read:
 *	0, the others: POLLHUP).
 *
 * Build: gcc -O2 -Wall -Wextra -pthread -o tests/vm/fuzz_dev tests/vm/fuzz_dev.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/fs.h>

#include "../../kmod/nftrace_ring.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

#define PAGE		4096UL
#define NR_SLOTS	24	/* the descriptor table all threads share */
#define MAX_MAPS	12	/* mappings a thread keeps at a time */
#define MAX_KIDS	6	/* children a thread keeps at a time */
#define MAX_CONS	2	/* mmap consumers a thread keeps at a time */
#define MAX_THREADS	64
#define TRAIL		24	/* operations remembered per thread */
#define SCRATCH_PAGES	16	/* argument area, then a guard page */
#define RBUF_SIZE	(1UL << 20)
#define RING_BIG	(1U << 22)	/* the largest ring threads ask for */

static uint64_t seed;
static uint64_t ctl_size = PAGE;	/* GET_INFO's, for every reader */
static int verbose;
static int hang_secs = 60;
static atomic_int stopping;
static atomic_int failures;
static atomic_int slots[NR_SLOTS];
static int netns_fds[4], nr_netns;
static int udp4 = -1, udp6 = -1, procmem = -1;
static struct sockaddr_in to4;
static struct sockaddr_in6 to6;

/* --- operations ---------------------------------------------------------- */

enum op {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_IOCTL, OP_IOCTL32, OP_CAPTURE,
	OP_MMAP, OP_MAPALL, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MADVISE,
	OP_TOUCH, OP_CONSUME, OP_READ, OP_READV, OP_POLL, OP_EPOLL,
	OP_SELECT, OP_FCNTL, OP_MISC, OP_SEND, OP_FORK, OP_FORK_KILL,
	OP_FORK_NETNS, OP_BADFD, OP_PROCMEM,
	NR_OPS
};

static const struct {
	const char *name;
	unsigned int weight;
} ops[NR_OPS] = {
	[OP_OPEN]	= { "open", 6 },
	[OP_CLOSE]	= { "close", 4 },
	[OP_DUP]	= { "dup", 3 },
	[OP_IOCTL]	= { "ioctl", 26 },
	[OP_IOCTL32]	= { "ioctl32", 4 },
	[OP_CAPTURE]	= { "capture", 5 },
	[OP_MMAP]	= { "mmap", 8 },
	[OP_MAPALL]	= { "mapall", 3 },
	[OP_MUNMAP]	= { "munmap", 4 },
	[OP_MPROTECT]	= { "mprotect", 3 },
	[OP_MREMAP]	= { "mremap", 2 },
	[OP_MADVISE]	= { "madvise", 2 },
	[OP_TOUCH]	= { "touch", 6 },
	[OP_CONSUME]	= { "consume", 4 },
	[OP_READ]	= { "read", 10 },
	[OP_READV]	= { "readv", 2 },
	[OP_POLL]	= { "poll", 5 },
	[OP_EPOLL]	= { "epoll", 4 },
	[OP_SELECT]	= { "select", 1 },
	[OP_FCNTL]	= { "fcntl", 2 },
	[OP_MISC]	= { "misc", 2 },
	[OP_SEND]	= { "send", 4 },
	[OP_FORK]	= { "fork", 2 },
	[OP_FORK_KILL]	= { "fork-kill", 1 },
	[OP_FORK_NETNS]	= { "fork-netns", 1 },
	[OP_BADFD]	= { "badfd", 1 },
	[OP_PROCMEM]	= { "procmem", 2 },
};

struct map {
	unsigned char *addr;
	size_t len;
	uint64_t off;	/* in the file: past ctl_size, ring pages */
	int prot;
	bool shared;
	bool clean;	/* as mmap() made it: every page must be there */
};

/* An mmap consumer: the consumer slots and all rings of one reader. */
struct cons {
	int fd;
	struct nftrace_info info;
	unsigned char *ctl, *rings;
	size_t rings_len;
	struct nftrace_ring *ring;
};

struct thr {
	int idx;
	pid_t tid;
	pthread_t pt;
	uint64_t rng;
	timer_t timer;
	int epfd;
	int pipefd[2];
	unsigned char *scratch;		/* SCRATCH_PAGES, then a guard */
	unsigned char *scratch32;	/* the same, below 4 GiB */
	unsigned char *rbuf;
	struct map maps[MAX_MAPS];
	int nr_maps;
	struct cons cons[MAX_CONS];
	int nr_cons;
	pid_t kids[MAX_KIDS];
	int nr_kids;
	/* For the watchdog: what runs now, since when (0: between ops). */
	_Atomic(const char *) cur_op;
	_Atomic uint64_t op_start_ns;
	char trail[TRAIL][80];
	unsigned int trail_pos;
	uint64_t count[NR_OPS], ok[NR_OPS];
	uint64_t syscalls, faults, eintr;
};

/* thrs[nr_thrs] stands for the main thread, for the watchdog. */
static struct thr thrs[MAX_THREADS + 1];
static int nr_thrs;
static __thread struct thr *self;
static __thread sigjmp_buf touch_jmp;
static __thread volatile sig_atomic_t in_touch;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* splitmix64: one stream per thread, nothing else feeds it. */
static uint64_t rnd(struct thr *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rn(struct thr *t, uint32_t n)
{
	return n ? (uint32_t)(rnd(t) % n) : 0;
}

static bool chance(struct thr *t, unsigned int pct)
{
	return rn(t, 100) < pct;
}

#define PICK(t, arr) ((arr)[rn(t, sizeof(arr) / sizeof((arr)[0]))])

static void trail(struct thr *t, const char *fmt, ...)
{
	char *s = t->trail[t->trail_pos++ % TRAIL];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(t->trail[0]), fmt, ap);
	va_end(ap);
	if (verbose)
		fprintf(stderr, "[%d] %s\n", t->idx, s);
}

static void print_trail(struct thr *t)
{
	unsigned int i, n = t->trail_pos < TRAIL ? t->trail_pos : TRAIL;

	fprintf(stderr, "  thread %d (tid %d), last %u operations, oldest first:\n",
		t->idx, t->tid, n);
	for (i = t->trail_pos - n; i != t->trail_pos; i++)
		fprintf(stderr, "    %s\n", t->trail[i % TRAIL]);
}

static void fail(struct thr *t, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&failures, 1);
	fprintf(stderr, "FAIL seed=%llu thread %d: ", (unsigned long long)seed,
		t->idx);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_trail(t);
}

/* Count one syscall's result (ret < 0 with errno set: failed). */
static long sc(struct thr *t, long ret)
{
	int e = errno;

	t->syscalls++;
	if (ret < 0 && e == EINTR)
		t->eintr++;
	errno = e;
	return ret;
}

/* --- the interrupting timer and the guarded memory access ---------------- */

static void on_alarm(int sig)
{
	(void)sig;
}

static void on_fault(int sig)
{
	if (in_touch)
		siglongjmp(touch_jmp, 1);
	/* A fault outside a guarded access is the fuzzer's own bug. */
	if (self)
		print_trail(self);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Interrupt this thread's next blocking call after ms milliseconds, and
 * every 20 ms after that: a signal that comes before the call has begun
 * must not leave it blocked for good.
 */
static void arm(struct thr *t, unsigned int ms)
{
	struct itimerspec it = {
		.it_value = { .tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L + 1 },
		.it_interval = { .tv_nsec = 20000000L },
	};

	timer_settime(t->timer, 0, &it, NULL);
}

static void disarm(struct thr *t)
{
	struct itimerspec it = {};

	timer_settime(t->timer, 0, &it, NULL);
}

/*
 * Run code with SIGSEGV and SIGBUS turned into a false result: mappings
 * may lose their pages (madvise, mremap) or their protection.
 */
#define GUARDED(t, ...) ({						\
	bool ok_ = true;						\
	if (sigsetjmp(touch_jmp, 1) == 0) {				\
		in_touch = 1;						\
		__VA_ARGS__;						\
		in_touch = 0;						\
	} else {							\
		in_touch = 0;						\
		ok_ = false;						\
		(t)->faults++;						\
	}								\
	ok_;								\
})

/* --- the descriptor table ------------------------------------------------- */

/*
 * While the threads run, every descriptor the process opens is a file of
 * /dev/nftrace (the sockets, pipes, epoll and netns files are opened
 * before), so a number read from a slot whose file another thread has
 * closed names at worst another /dev/nftrace file: random ioctls never
 * reach anything else.
 */
static int slot_fd(struct thr *t)
{
	return atomic_load(&slots[rn(t, NR_SLOTS)]);
}

/* Some descriptor to use: mostly a slot's, sometimes an invalid one. */
static int any_fd(struct thr *t)
{
	int fd;

	if (chance(t, 2))
		return PICK(t, ((const int[]){ -1, 1 << 20, INT_MAX }));
	fd = slot_fd(t);
	if (fd < 0)
		fd = slot_fd(t);
	return fd;
}

static void slot_put(struct thr *t, int fd)
{
	int old = atomic_exchange(&slots[rn(t, NR_SLOTS)], fd);

	if (old >= 0)
		sc(t, close(old));
}

/* --- arguments ------------------------------------------------------------ */

static const uint64_t evil64[] = {
	0, 1, 7, 8, 63, 64, 4095, 4096, 0x10000, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, ~0ULL, ~0ULL - 7, 0xdeadbeefcafef00dULL,
};

/* A mapping of this thread's, or NULL. */
static struct map *some_map(struct thr *t)
{
	return t->nr_maps ? &t->maps[rn(t, t->nr_maps)] : NULL;
}

/*
 * Where to put an argument of size bytes: usually whole in the scratch
 * area, sometimes cut short by the guard page, at a bad address, or in
 * one of the thread's /dev/nftrace mappings (read-only ones make the
 * kernel's copy fail, the consumer slots take what it writes). src, when
 * not NULL, is copied to the place as far as it is writable.
 */
static void *place(struct thr *t, unsigned char *area, const void *src,
		   size_t size)
{
	unsigned char *guard = area + SCRATCH_PAGES * PAGE;
	unsigned char *p;
	struct map *m;
	unsigned int r = rn(t, 100);

	if (size > SCRATCH_PAGES * PAGE - 64)
		size = SCRATCH_PAGES * PAGE - 64;
	if (r < 72) {
		/* Whole, at the end of the area or with an odd alignment. */
		p = chance(t, 50) ? guard - size : area + rn(t, 64);
		if (src)
			memcpy(p, src, size);
		return p;
	}
	if (r < 84 && size > 1) {
		size_t cut = 1 + rn(t, size - 1);

		p = guard - size + cut;
		if (src)
			memcpy(p, src, size - cut);
		return p;
	}
	if (r < 94 || !(m = some_map(t)))
		return (void *)(uintptr_t)PICK(t, ((const uint64_t[]){
			0, 1, 8, PAGE - 1, 0xffff888000000000ULL,
			0xffffffffff600000ULL, 0x8000000000000000ULL,
			~0ULL - 7, ~0ULL }));
	return m->addr + (rn(t, m->len) & ~7UL);
}

static uint32_t rand_ring_size(struct thr *t)
{
	static const uint32_t sizes[] = {
		0, NFTRACE_RING_MIN, NFTRACE_RING_MIN, 1U << 17, 1U << 18,
		NFTRACE_RING_DEFAULT, RING_BIG, 4096, 1U << 15, 3U << 16,
		(1U << 16) + 4096, NFTRACE_RING_MAX << 1, 1U << 31,
		0xffffffff, 1,
	};
	uint32_t s = PICK(t, sizes);

	/*
	 * NFTRACE_RING_MAX itself (2 x 256 MiB per reader) is tried once,
	 * alone, before the threads start (big_ring()): any number of them
	 * at once would only exercise the OOM killer.
	 */
	return s;
}

static void gen_config(struct thr *t, struct nftrace_config *c)
{
	static const uint32_t snaplens[] = {
		0, 1, 20, 40, 64, 128, 1500, 16000,
		NFTRACE_RING_MIN / 4 - 88, NFTRACE_RING_MIN / 4 - 87,
		NFTRACE_SNAPLEN_MAX, NFTRACE_SNAPLEN_MAX + 1, 0xffffffff,
	};

	memset(c, 0, sizeof(*c));
	switch (rn(t, 10)) {
	case 0 ... 2: c->hooks = 0; break;
	case 3 ... 7: c->hooks = rn(t, 32); break;
	case 8: c->hooks = (uint32_t)rnd(t); break;
	default: c->hooks = NFTRACE_HOOKS_ALL; break;
	}
	c->families = chance(t, 90) ? rn(t, 32) : (uint32_t)rnd(t);
	c->hooks_bridge = chance(t, 50) ? 0 : rn(t, 64);
	c->hooks_arp = chance(t, 50) ? 0 : rn(t, 16);
	c->hooks_netdev = chance(t, 50) ? 0 : rn(t, 8);
	c->snaplen = chance(t, 80) ? PICK(t, snaplens) : rn(t, 70000);
	c->ring_size = rand_ring_size(t);
	switch (rn(t, 10)) {
	case 0 ... 5: c->netns_fd = NFTRACE_NETNS_ALL; break;
	case 6 ... 7:
		c->netns_fd = nr_netns ? netns_fds[rn(t, nr_netns)] : -1;
		break;
	case 8: c->netns_fd = slot_fd(t); break;
	default:
		c->netns_fd = PICK(t, ((const int[]){ udp4, -2, INT_MIN,
						      1 << 20, 0, 1, 2 }));
		break;
	}
	switch (rn(t, 8)) {
	case 0: c->wakeup_bytes = 1; break;
	case 1: c->wakeup_bytes = c->ring_size; break;
	case 2: c->wakeup_bytes = c->ring_size + 1; break;
	case 3: c->wakeup_bytes = (uint32_t)PICK(t, evil64); break;
	default: c->wakeup_bytes = 0; break;
	}
	/* Drops: the kfree_skb probe and the frames (test_fuzz_dev.sh drops). */
	c->flags = chance(t, 50) ? NFTRACE_CFG_DROPS : 0;
	if (chance(t, 5))
		switch (rn(t, 3)) {
		case 0: c->__reserved = PICK(t, evil64) | 1; break;
		case 1: c->__reserved8 = (uint8_t)PICK(t, evil64) | 1; break;
		default: c->flags = (uint32_t)PICK(t, evil64); break;
		}
}

/* A random constant for a classic BPF instruction. */
static uint32_t bpf_k(struct thr *t)
{
	switch (rn(t, 6)) {
	case 0: return rn(t, 64);
	case 1: return (uint32_t)SKF_AD_OFF + 4 * rn(t, 17);
	case 2: return (uint32_t)SKF_NET_OFF + rn(t, 64);
	case 3: return (uint32_t)SKF_LL_OFF + rn(t, 64);
	case 4: return (uint32_t)PICK(t, evil64);
	default: return (uint32_t)rnd(t);
	}
}

/*
 * A classic BPF program: mostly well-formed instructions with jumps that
 * stay inside, so that bpf_check_classic() lets some through and the
 * hooks run them on real packets; sometimes plain garbage.
 */
static void gen_filter(struct thr *t, struct sock_filter *f, unsigned int len)
{
	static const uint16_t sizes[] = { BPF_W, BPF_H, BPF_B };
	static const uint16_t alu[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,
					BPF_OR, BPF_AND, BPF_LSH, BPF_RSH,
					BPF_NEG, BPF_MOD, BPF_XOR };
	static const uint16_t jmp[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };
	static const uint32_t rets[] = { 0, 1, 40, 96, 128, 65535,
					 0xffffffff };
	unsigned int i;

	if (chance(t, 25)) {
		/* Keep everything, or a slice: data flows. */
		for (i = 0; i < len; i++)
			f[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							    PICK(t, rets));
		return;
	}
	for (i = 0; i + 1 < len; i++) {
		unsigned int left = len - i - 1;
		struct sock_filter *x = &f[i];

		x->jt = x->jf = 0;
		x->k = bpf_k(t);
		switch (rn(t, 10)) {
		case 0:
			x->code = BPF_LD | PICK(t, sizes) | BPF_ABS;
			break;
		case 1:
			x->code = BPF_LD | PICK(t, sizes) | BPF_IND;
			break;
		case 2:
			x->code = PICK(t, ((const uint16_t[]){
				BPF_LD | BPF_IMM, BPF_LD | BPF_W | BPF_LEN,
				BPF_LDX | BPF_W | BPF_IMM,
				BPF_LDX | BPF_W | BPF_LEN,
				BPF_LDX | BPF_B | BPF_MSH }));
			break;
		case 3:
			x->code = chance(t, 50) ? BPF_LD | BPF_MEM :
						  BPF_LDX | BPF_MEM;
			x->k = rn(t, 17);
			break;
		case 4:
			x->code = chance(t, 50) ? BPF_ST : BPF_STX;
			x->k = rn(t, 17);
			break;
		case 5:
			x->code = BPF_ALU | PICK(t, alu) |
				  (chance(t, 50) ? BPF_K : BPF_X);
			if (chance(t, 50))
				x->k = rn(t, 40);
			break;
		case 6:
			if (chance(t, 20)) {
				x->code = BPF_JMP | BPF_JA;
				x->k = rn(t, left + 1);
			} else {
				x->code = BPF_JMP | PICK(t, jmp) |
					  (chance(t, 50) ? BPF_K : BPF_X);
				x->jt = rn(t, left < 255 ? left + 1 : 256);
				x->jf = rn(t, left < 255 ? left + 1 : 256);
			}
			break;
		case 7:
			x->code = BPF_RET | (chance(t, 50) ? BPF_K : BPF_A);
			x->k = PICK(t, rets);
			break;
		case 8:
			x->code = BPF_MISC | (chance(t, 50) ? BPF_TAX : BPF_TXA);
			break;
		default:
			x->code = (uint16_t)rnd(t);
			x->jt = (uint8_t)rnd(t);
			x->jf = (uint8_t)rnd(t);
			break;
		}
	}
	f[len - 1] = (struct sock_filter)BPF_STMT(BPF_RET |
		(chance(t, 70) ? BPF_K : BPF_A), PICK(t, rets));
}

/* --- ioctl ---------------------------------------------------------------- */

static const unsigned int nftrace_cmds[] = {
	NFTRACE_IOC_GET_INFO, NFTRACE_IOC_SET_CONFIG, NFTRACE_IOC_SET_FILTER,
	NFTRACE_IOC_CLEAR_FILTER, NFTRACE_IOC_START, NFTRACE_IOC_STOP,
	NFTRACE_IOC_GET_STATS, NFTRACE_IOC_SET_DEVICES,
};

/* Generic ioctls the VFS answers before the driver sees them. */
static const unsigned int vfs_cmds[] = {
	FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC, FIOQSIZE, FIGETBSZ,
	FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR, FIBMAP, 0x5401,
};

static unsigned int rand_cmd(struct thr *t)
{
	unsigned int cmd;

	switch (rn(t, 10)) {
	case 0 ... 5:
		return PICK(t, nftrace_cmds);
	case 6:
		/* One of ours with the wrong size or direction. */
		cmd = PICK(t, nftrace_cmds);
		return _IOC(rn(t, 4), NFTRACE_IOC_MAGIC, _IOC_NR(cmd),
			    PICK(t, ((const unsigned int[]){ 0, 1, 8, 39, 41,
							     47, 63, 65,
							     0x3fff })));
	case 7:
		/* Our magic, another number. */
		return _IOC(rn(t, 4), NFTRACE_IOC_MAGIC,
			    PICK(t, ((const unsigned int[]){ 0, 8, 9, 0x7f,
							     0x80, 0xff })),
			    rn(t, 128));
	case 8:
		return PICK(t, vfs_cmds);
	default:
		cmd = (uint32_t)rnd(t);
		/* Not FIFREEZE, FITHAW, FITRIM: they act on a superblock. */
		if (_IOC_TYPE(cmd) == 'X')
			cmd ^= 1U << _IOC_TYPESHIFT;
		return cmd;
	}
}

/* The argument for cmd, built and placed in area. */
static void *ioctl_arg(struct thr *t, unsigned int cmd, unsigned char *area)
{
	union {
		struct nftrace_config c;
		struct nftrace_filter f;
		struct nftrace_stats s;
		struct nftrace_devices d;
		unsigned char raw[512];
	} u;
	unsigned int i;

	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case NFTRACE_IOC_SET_CONFIG:
		gen_config(t, &u.c);
		return place(t, area, &u.c, sizeof(u.c));
	case NFTRACE_IOC_SET_FILTER: {
		static const uint32_t lens[] = { 0, 1, 2, 3, 5, 8, 16, 64,
						 BPF_MAXINSNS,
						 BPF_MAXINSNS + 1, 0xffffffff };
		uint32_t n = chance(t, 60) ? 1 + rn(t, 24) : PICK(t, lens);
		uint32_t have = n && n <= BPF_MAXINSNS ? n : 1;
		/* The program goes in the area's first half, the header after. */
		struct sock_filter *prog = (struct sock_filter *)area;

		gen_filter(t, prog, have);
		u.f.len = n;
		if (chance(t, 4))
			u.f.link = (uint32_t)rnd(t);
		switch (rn(t, 10)) {
		case 0:
			u.f.insns = PICK(t, evil64);
			break;
		case 1: {
			/* The last cut instructions fall on the guard page. */
			unsigned char *g = area + SCRATCH_PAGES * PAGE;
			uint32_t cut = 1 + rn(t, have);

			memmove(g - 8 * (have - cut), prog, 8 * (have - cut));
			u.f.insns = (uintptr_t)(g - 8 * (have - cut));
			break;
		}
		case 2: {
			struct map *m = some_map(t);

			u.f.insns = m ? (uintptr_t)m->addr : 0;
			break;
		}
		default:
			u.f.insns = (uintptr_t)prog;
			break;
		}
		/* Not place(): it may use the area's start, where prog is. */
		if (chance(t, 90)) {
			void *p = area + SCRATCH_PAGES * PAGE - sizeof(u.f);

			memcpy(p, &u.f, sizeof(u.f));
			return p;
		}
		return (void *)(uintptr_t)PICK(t, evil64);
	}
	case NFTRACE_IOC_GET_STATS: {
		static const uint32_t nrs[] = { 0, 1, 2, 3, 64, 0xffffffff };
		unsigned char *g = area + SCRATCH_PAGES * PAGE;

		u.s.nr_cpus = PICK(t, nrs);
		switch (rn(t, 6)) {
		case 0:
			u.s.cpus = 0;
			break;
		case 1:
			u.s.cpus = PICK(t, evil64);
			break;
		case 2:
			/* Room for fewer entries than asked: EFAULT. */
			u.s.cpus = (uintptr_t)(g - sizeof(struct nftrace_cpu_stats) *
					       rn(t, 3));
			break;
		default:
			/* The area's first half: room for 64 entries. */
			u.s.cpus = (uintptr_t)area;
			if (u.s.nr_cpus > 64)
				u.s.nr_cpus = 64;
			break;
		}
		/* The header in the area's second half, maybe cut short. */
		if (chance(t, 85)) {
			unsigned char *p = g - sizeof(u.s) -
					   (chance(t, 50) ? 0 : 8 * rn(t, 8));

			memcpy(p, &u.s, sizeof(u.s));
			return p;
		}
		if (chance(t, 50)) {
			size_t cut = 1 + rn(t, sizeof(u.s) - 1);

			memcpy(g - sizeof(u.s) + cut, &u.s, sizeof(u.s) - cut);
			return g - sizeof(u.s) + cut;
		}
		return (void *)(uintptr_t)PICK(t, evil64);
	}
	case NFTRACE_IOC_SET_DEVICES: {
		static const char *const names[] = {
			"lo", "eth0", "veth0", "fz", "br0", "nosuchdev",
			"a b", "a/b", ".", "..", "0123456789abcde",
		};

		u.d.count = chance(t, 90) ? rn(t, NFTRACE_MAX_DEVICES + 2) :
					    (uint32_t)rnd(t);
		if (chance(t, 5))
			u.d.__pad = (uint32_t)rnd(t) | 1;
		for (i = 0; i < NFTRACE_MAX_DEVICES; i++) {
			if (chance(t, 90)) {
				strcpy(u.d.names[i], PICK(t, names));
			} else {
				unsigned int j;

				/* Random bytes, maybe without a NUL. */
				for (j = 0; j < NFTRACE_IFNAMSIZ; j++)
					u.d.names[i][j] = (char)rnd(t);
			}
		}
		return place(t, area, &u.d, sizeof(u.d));
	}
	case NFTRACE_IOC_GET_INFO:
		return place(t, area, NULL, sizeof(struct nftrace_info));
	default:
		/* Random bytes behind a random pointer, or a plain number. */
		if (chance(t, 30))
			return (void *)(uintptr_t)PICK(t, evil64);
		for (i = 0; i < sizeof(u.raw); i++)
			u.raw[i] = (unsigned char)rnd(t);
		i = _IOC_SIZE(cmd) ?: 64;
		/* Larger: whatever the area held before. */
		return place(t, area, i <= sizeof(u.raw) ? u.raw : NULL, i);
	}
}

/* What a successful GET_INFO returns, for any reader. */
static void check_info(struct thr *t, const struct nftrace_info *in)
{
	uint32_t rs = in->ring_size;

	if (in->abi_version != NFTRACE_ABI_VERSION ||
	    in->record_hdr_len != sizeof(struct nftrace_record) ||
	    in->page_size != PAGE || !in->nr_rings ||
	    rs < NFTRACE_RING_MIN || rs > NFTRACE_RING_MAX || (rs & (rs - 1)) ||
	    in->ring_stride != PAGE + 2ULL * rs ||
	    in->ring_offset != in->ctl_size || !in->ctl_size ||
	    in->ctl_size % PAGE || in->hooks & ~NFTRACE_HOOKS_ALL ||
	    in->families & ~NFTRACE_FAMILIES_ALL || in->running > 1 ||
	    in->snaplen > NFTRACE_SNAPLEN_MAX)
		fail(t, "GET_INFO: abi %u rings %u size %u page %u ctl %llu "
		     "off %llu stride %llu hdr %u running %u hooks %#x "
		     "families %#x snaplen %u", in->abi_version, in->nr_rings,
		     rs, in->page_size, (unsigned long long)in->ctl_size,
		     (unsigned long long)in->ring_offset,
		     (unsigned long long)in->ring_stride, in->record_hdr_len,
		     in->running, in->hooks, in->families, in->snaplen);
}

static bool is_ours(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < sizeof(nftrace_cmds) / sizeof(nftrace_cmds[0]); i++)
		if (cmd == nftrace_cmds[i])
			return true;
	return false;
}

static void op_ioctl(struct thr *t)
{
	int fd = any_fd(t);
	unsigned int cmd = rand_cmd(t);
	void *arg = ioctl_arg(t, cmd, t->scratch);
	struct nftrace_info info;
	long ret;

	trail(t, "ioctl fd %d cmd %#x arg %p", fd, cmd, arg);
	ret = sc(t, ioctl(fd, cmd, arg));
	if (ret == 0 && cmd == NFTRACE_IOC_GET_INFO &&
	    (unsigned char *)arg >= t->scratch &&
	    (unsigned char *)arg + sizeof(info) <=
	    t->scratch + SCRATCH_PAGES * PAGE) {
		memcpy(&info, arg, sizeof(info));
		check_info(t, &info);
	}
	/* Our magic with a number or size of no command: nothing may run. */
	if (ret == 0 && _IOC_TYPE(cmd) == NFTRACE_IOC_MAGIC && !is_ours(cmd))
		fail(t, "ioctl %#x on fd %d succeeded", cmd, fd);
	if (ret == 0)
		t->ok[OP_IOCTL]++;
}

/*
 * ioctl through the 32-bit system call entry (int $0x80), which reaches
 * compat_ptr_ioctl(): the arguments live below 4 GiB, or are cut to 32
 * bits.
 */
static long ioctl32(int fd, unsigned int cmd, uint32_t arg)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "0"(54L /* __NR_ia32_ioctl */), "b"((long)fd),
		       "c"((long)cmd), "d"((long)arg)
		     : "memory", "cc", "r8", "r9", "r10", "r11", "r12",
		       "r13", "r14", "r15");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static void op_ioctl32(struct thr *t)
{
	int fd = any_fd(t);
	unsigned int cmd = rand_cmd(t);
	void *arg = ioctl_arg(t, cmd, t->scratch32);

	trail(t, "ioctl32 fd %d cmd %#x arg %p", fd, cmd, arg);
	if (sc(t, ioctl32(fd, cmd, (uint32_t)(uintptr_t)arg)) == 0)
		t->ok[OP_IOCTL32]++;
}

/* A configuration that works, maybe a filter, and START: data flows. */
static void op_capture(struct thr *t)
{
	struct nftrace_config c = { .netns_fd = NFTRACE_NETNS_ALL };
	struct sock_filter prog[24];
	struct nftrace_filter f = { .insns = (uintptr_t)prog };
	int fd = slot_fd(t);

	c.hooks = chance(t, 50) ? 0 : 1 + rn(t, NFTRACE_HOOKS_ALL);
	c.families = rn(t, 4);
	c.snaplen = PICK(t, ((const uint32_t[]){ 0, 40, 128, 1500, 16000 }));
	c.ring_size = chance(t, 70) ? NFTRACE_RING_MIN : 1U << (17 + rn(t, 4));
	if (c.snaplen + 88 > c.ring_size / 4)
		c.snaplen = 128;
	if (nr_netns && chance(t, 30))
		c.netns_fd = netns_fds[rn(t, nr_netns)];
	c.wakeup_bytes = chance(t, 50) ? 0 : 1 + rn(t, c.ring_size);
	trail(t, "capture fd %d hooks %#x fam %u snap %u ring %u", fd,
	      c.hooks, c.families, c.snaplen, c.ring_size);
	sc(t, ioctl(fd, NFTRACE_IOC_STOP));
	sc(t, ioctl(fd, NFTRACE_IOC_SET_CONFIG, &c));
	if (chance(t, 40)) {
		f.len = 1 + rn(t, 24);
		gen_filter(t, prog, f.len);
		sc(t, ioctl(fd, NFTRACE_IOC_SET_FILTER, &f));
	} else if (chance(t, 30)) {
		sc(t, ioctl(fd, NFTRACE_IOC_CLEAR_FILTER));
	}
	if (sc(t, ioctl(fd, NFTRACE_IOC_START)) == 0)
		t->ok[OP_CAPTURE]++;
}

/* --- open, close, dup ------------------------------------------------------ */

static void op_open(struct thr *t)
{
	static const int flags[] = {
		O_RDWR, O_RDWR, O_RDWR | O_NONBLOCK, O_RDONLY,
		O_RDONLY | O_NONBLOCK, O_WRONLY, O_RDWR | O_CLOEXEC, O_PATH,
		O_RDWR | O_APPEND | O_SYNC, O_RDWR | O_DIRECT,
	};
	int fl = PICK(t, flags);
	int fd;

	trail(t, "open flags %#x", fl);
	fd = sc(t, open(NFTRACE_DEVICE, fl));
	if (fd < 0)
		return;
	t->ok[OP_OPEN]++;
	slot_put(t, fd);
}

static void op_close(struct thr *t)
{
	int i = rn(t, NR_SLOTS);
	int fd = atomic_exchange(&slots[i], -1);

	trail(t, "close slot %d fd %d", i, fd);
	if (fd >= 0 && sc(t, close(fd)) == 0)
		t->ok[OP_CLOSE]++;
}

static void op_dup(struct thr *t)
{
	int fd = slot_fd(t), fd2, i;

	if (fd < 0)
		return;
	switch (rn(t, 3)) {
	case 0:
		trail(t, "dup %d", fd);
		fd2 = sc(t, dup(fd));
		break;
	case 1:
		trail(t, "fcntl(%d, F_DUPFD_CLOEXEC)", fd);
		fd2 = sc(t, fcntl(fd, F_DUPFD_CLOEXEC, 3));
		break;
	default:
		/* Onto another slot's number: replaces that file at once. */
		i = rn(t, NR_SLOTS);
		fd2 = atomic_load(&slots[i]);
		if (fd2 < 0 || fd2 == fd)
			return;
		trail(t, "dup3 %d onto %d", fd, fd2);
		if (sc(t, dup3(fd, fd2, chance(t, 50) ? O_CLOEXEC : 0)) >= 0)
			t->ok[OP_DUP]++;
		return;
	}
	if (fd2 < 0)
		return;
	t->ok[OP_DUP]++;
	slot_put(t, fd2);
}

/* --- mappings --------------------------------------------------------------- */

static void map_add(struct thr *t, void *addr, size_t len, uint64_t off,
		    int prot, bool shared, bool clean)
{
	struct map *m;

	if (t->nr_maps == MAX_MAPS) {
		m = &t->maps[rn(t, MAX_MAPS)];
		sc(t, munmap(m->addr, m->len));
		*m = t->maps[--t->nr_maps];
	}
	t->maps[t->nr_maps++] = (struct map){ addr, len, off, prot, shared,
					      clean };
}

static void map_del(struct thr *t, struct map *m)
{
	*m = t->maps[--t->nr_maps];
}

/* Read every page of m (and scribble on the writable ones). */
static bool map_touch(struct thr *t, struct map *m, bool scribble)
{
	volatile unsigned char *p = m->addr;
	size_t len = m->len, off;
	unsigned int sum = 0;
	bool ok;

	ok = GUARDED(t, {
		for (off = 0; off < len; off += PAGE)
			sum += p[off];
		if (scribble && (m->prot & PROT_WRITE)) {
			volatile uint64_t *w = (volatile uint64_t *)m->addr;
			unsigned int i, n = 1 + rn(t, 16);

			for (i = 0; i < n; i++) {
				size_t k = rn(t, len / 8);

				w[k] = chance(t, 50) ? PICK(t, evil64) :
						       w[k] + 8 * (rn(t, 5) - 2);
			}
		}
	});
	(void)sum;
	return ok;
}

static size_t rand_len(struct thr *t, const struct nftrace_info *in)
{
	uint64_t rings = in ? in->nr_rings * in->ring_stride : 2 * (PAGE + 2 * NFTRACE_RING_DEFAULT);
	uint64_t stride = in ? in->ring_stride : PAGE + 2 * NFTRACE_RING_DEFAULT;

	switch (rn(t, 10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return PAGE;
	case 3: return PAGE + 1;
	case 4: return stride;
	case 5: return rings;
	case 6: return rings + PAGE;
	case 7: return (1 + rn(t, 64)) * PAGE;
	case 8: return PICK(t, ((const size_t[]){ 1UL << 40, ~0UL & ~(PAGE - 1),
					     stride - PAGE, 2 * stride }));
	default: return PAGE * (1 + rn(t, 4));
	}
}

static off_t rand_off(struct thr *t, const struct nftrace_info *in)
{
	uint64_t stride = in ? in->ring_stride : PAGE + 2 * NFTRACE_RING_DEFAULT;
	uint64_t ctl = in ? in->ctl_size : PAGE;
	uint32_t nr = in ? in->nr_rings : 2;

	switch (rn(t, 10)) {
	case 0 ... 2: return 0;
	case 3: return ctl;
	case 4: return ctl + rn(t, nr + 1) * stride;
	case 5: return ctl + rn(t, nr) * stride + PAGE * (1 + rn(t, 64));
	case 6: return ctl + nr * stride - PAGE;
	case 7: return PICK(t, ((const off_t[]){ 1, PAGE - 1, 1LL << 46,
						 INT64_MAX & ~(PAGE - 1),
						 -(off_t)PAGE }));
	default: return PAGE * rn(t, 1024);
	}
}

static void op_mmap(struct thr *t)
{
	static const int prots[] = { PROT_READ, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC,
				     PROT_READ | PROT_WRITE | PROT_EXEC };
	static const int flags[] = { MAP_SHARED, MAP_SHARED, MAP_PRIVATE,
				     MAP_SHARED | MAP_POPULATE,
				     MAP_SHARED | MAP_LOCKED,
				     MAP_SHARED_VALIDATE | 0x8000000,
				     MAP_SHARED | MAP_NORESERVE,
				     MAP_SHARED | MAP_FIXED };
	int fd = any_fd(t), prot = PICK(t, prots), fl = PICK(t, flags);
	struct nftrace_info info, *in = NULL;
	struct map *m = NULL;
	void *want = NULL, *p;
	size_t len;
	off_t off;

	/* Half the time, sizes and offsets from the reader's real layout. */
	if (chance(t, 50) && sc(t, ioctl(fd, NFTRACE_IOC_GET_INFO, &info)) == 0)
		in = &info;
	len = rand_len(t, in);
	off = rand_off(t, in);

	if (fl & MAP_FIXED) {
		/* Over one of ours (it is replaced), never anything else. */
		m = some_map(t);
		if (!m)
			fl &= ~MAP_FIXED;
		else {
			want = m->addr;
			len = m->len;
		}
	}
	trail(t, "mmap fd %d len %#zx prot %#x flags %#x off %#llx", fd, len,
	      prot, fl, (long long)off);
	p = mmap(want, len, prot, fl, fd, off);
	sc(t, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED) {
		/*
		 * A failed MAP_FIXED may have unmapped the old range, which
		 * another thread's mmap or malloc may then take: forget it
		 * (if it is still there, it goes at exit).
		 */
		if (m)
			map_del(t, m);
		return;
	}
	t->ok[OP_MMAP]++;
	/* Only the consumer slots may be writable, even privately. */
	if ((prot & PROT_WRITE) && (off >= (off_t)ctl_size ||
				    off + len > ctl_size))
		fail(t, "writable mapping of %#zx bytes at %#llx", len,
		     (long long)off);
	if (prot & PROT_EXEC)
		fail(t, "executable mapping at %#llx", (long long)off);
	if (m)
		map_del(t, m);
	map_add(t, p, len, off, prot, fl & MAP_SHARED, true);
	/* A mapping that was made is whole: every page is there. */
	if ((prot & PROT_READ) && !map_touch(t, &t->maps[t->nr_maps - 1], false))
		fail(t, "fault reading a fresh mapping at %#llx (+%#zx)",
		     (long long)off, len);
	/* Sometimes the descriptor goes at once: the mapping keeps the file. */
	if (chance(t, 10)) {
		int i = rn(t, NR_SLOTS);

		if (atomic_compare_exchange_strong(&slots[i], &fd, -1)) {
			trail(t, "close %d behind its mapping", fd);
			sc(t, close(fd));
		}
	}
}

static void cons_free(struct thr *t, struct cons *c)
{
	if (c->ctl)
		sc(t, munmap(c->ctl, c->info.ctl_size));
	if (c->rings)
		sc(t, munmap(c->rings, c->rings_len));
	free(c->ring);
	*c = t->cons[--t->nr_cons];
}

/* What a consumer does: GET_INFO, map the slots and every ring. */
static void op_mapall(struct thr *t)
{
	struct cons c = { .fd = slot_fd(t) };
	struct nftrace_info again;
	unsigned int i;

	if (t->nr_cons == MAX_CONS)
		cons_free(t, &t->cons[rn(t, MAX_CONS)]);
	trail(t, "mapall fd %d", c.fd);
	if (sc(t, ioctl(c.fd, NFTRACE_IOC_GET_INFO, &c.info)))
		return;
	check_info(t, &c.info);
	c.ctl = mmap(NULL, c.info.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     c.fd, 0);
	sc(t, c.ctl == MAP_FAILED ? -1 : 0);
	if (c.ctl == MAP_FAILED)
		return;
	c.rings_len = c.info.nr_rings * c.info.ring_stride;
	c.rings = mmap(NULL, c.rings_len, PROT_READ, MAP_SHARED, c.fd,
		       c.info.ring_offset);
	sc(t, c.rings == MAP_FAILED ? -1 : 0);
	if (c.rings == MAP_FAILED) {
		munmap(c.ctl, c.info.ctl_size);
		return;
	}
	/*
	 * Mapped, the layout is fixed. Another thread may have resized the
	 * rings between GET_INFO and mmap, or put another file behind the
	 * number: the consumer's reads are guarded all the same.
	 */
	if (sc(t, ioctl(c.fd, NFTRACE_IOC_GET_INFO, &again)) == 0 &&
	    again.ring_size != c.info.ring_size)
		c.info.ring_size = 0;
	c.ring = calloc(c.info.nr_rings, sizeof(*c.ring));
	for (i = 0; c.ring && i < c.info.nr_rings; i++) {
		unsigned char *base = c.rings + i * c.info.ring_stride;

		c.ring[i].prod = (struct nftrace_ring_prod *)base;
		c.ring[i].data = base + PAGE;
		c.ring[i].cons = (struct nftrace_ring_cons *)c.ctl + i;
		c.ring[i].size = c.info.ring_size;
	}
	if (!c.ring || !c.info.ring_size) {
		munmap(c.ctl, c.info.ctl_size);
		munmap(c.rings, c.rings_len);
		free(c.ring);
		return;
	}
	t->ok[OP_MAPALL]++;
	t->cons[t->nr_cons++] = c;
}

/* Drain one ring the way nftrace_check and libnftrace do. */
static void op_consume(struct thr *t)
{
	struct cons *c;
	struct nftrace_ring *r;
	bool ok;

	if (!t->nr_cons)
		return;
	c = &t->cons[rn(t, t->nr_cons)];
	r = &c->ring[rn(t, c->info.nr_rings)];
	trail(t, "consume fd %d ring %ld", c->fd, (long)(r - c->ring));
	ok = GUARDED(t, {
		uint64_t prod = nftrace_ring_produced(r);
		uint64_t cons = nftrace_read_once(r->cons->pos);
		const struct nftrace_record *rec;
		unsigned int n = 0;
		long len = 0;

		while (n++ < 4096 &&
		       (len = nftrace_ring_check(r, cons, prod, &rec)) > 0) {
			/* Read the record the way a consumer does. */
			(void)nftrace_read_once(rec->seq);
			cons += len;
		}
		nftrace_ring_release(r, len < 0 ? prod : cons);
	});
	if (ok)
		t->ok[OP_CONSUME]++;
}

static void op_munmap(struct thr *t)
{
	struct map *m = some_map(t);
	size_t off, len;

	if (!m) {
		if (t->nr_cons && chance(t, 30))
			cons_free(t, &t->cons[rn(t, t->nr_cons)]);
		return;
	}
	if (m->len >= 2 * PAGE && chance(t, 30)) {
		/* A hole in the middle: two mappings of the same file. */
		off = PAGE * (1 + rn(t, m->len / PAGE - 1));
		len = PAGE;
		trail(t, "munmap %p+%#zx (part)", m->addr + off, len);
		if (sc(t, munmap(m->addr + off, len)) == 0) {
			struct map rest = *m;

			t->ok[OP_MUNMAP]++;
			m->len = off;
			if (off + len < rest.len) {
				rest.addr += off + len;
				rest.len -= off + len;
				map_add(t, rest.addr, rest.len,
					rest.off + off + len, rest.prot,
					rest.shared, rest.clean);
			}
		}
		return;
	}
	trail(t, "munmap %p+%#zx", m->addr, m->len);
	if (sc(t, munmap(m->addr, m->len)) == 0)
		t->ok[OP_MUNMAP]++;
	map_del(t, m);
}

static void op_mprotect(struct thr *t)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_NONE, PROT_WRITE, PROT_EXEC,
				     PROT_READ | PROT_EXEC };
	struct map *m = some_map(t);
	int prot = PICK(t, prots);
	bool whole;
	size_t len;

	if (!m)
		return;
	whole = chance(t, 70) || m->len < 2 * PAGE;
	len = whole ? m->len : PAGE;
	trail(t, "mprotect %p+%#zx %#x", m->addr, len, prot);
	if (sc(t, mprotect(m->addr, len, prot)))
		return;
	t->ok[OP_MPROTECT]++;
	if (prot & PROT_EXEC)
		fail(t, "mprotect made a mapping executable");
	if ((prot & PROT_WRITE) && m->off >= ctl_size)
		fail(t, "mprotect made a ring mapping (at %#llx) writable",
		     (unsigned long long)m->off);
	if (whole)
		m->prot = prot;
	else
		m->clean = false;
	if (!(prot & PROT_READ))
		m->clean = false;
}

static void op_mremap(struct thr *t)
{
	struct map *m = some_map(t);
	size_t nlen;
	void *p;
	int fl;

	if (!m)
		return;
	switch (rn(t, 4)) {
	case 0: nlen = m->len > PAGE ? m->len - PAGE : m->len; break;
	case 1: nlen = m->len + PAGE; break;	/* VM_DONTEXPAND: no */
	default: nlen = m->len; break;
	}
	fl = PICK(t, ((const int[]){ 0, MREMAP_MAYMOVE,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP }));
	trail(t, "mremap %p+%#zx -> %#zx flags %#x", m->addr, m->len, nlen, fl);
	p = mremap(m->addr, m->len, nlen, fl);
	sc(t, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	t->ok[OP_MREMAP]++;
	if (nlen > m->len)
		fail(t, "mremap grew a VM_DONTEXPAND mapping");
	if (fl & MREMAP_DONTUNMAP) {
		/* The old range stays, emptied. */
		struct map old = *m;

		m->addr = p;
		m->len = nlen;
		old.clean = false;
		map_add(t, old.addr, old.len, old.off, old.prot, old.shared,
			false);
	} else {
		m->addr = p;
		m->len = nlen;
	}
}

static void op_madvise(struct thr *t)
{
	static const int advs[] = { MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK,
				    MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
				    MADV_DONTDUMP, MADV_REMOVE, MADV_FREE,
				    MADV_HUGEPAGE, MADV_POPULATE_READ,
				    MADV_POPULATE_WRITE };
	struct map *m = some_map(t);
	int adv = PICK(t, advs);

	if (!m)
		return;
	if (chance(t, 20)) {
		/* The other calls on a range: msync, mlock, munlock. */
		trail(t, "msync/mlock %p+%#zx", m->addr, m->len);
		sc(t, msync(m->addr, m->len, PICK(t, ((const int[]){
			MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC | MS_ASYNC }))));
		if (sc(t, mlock(m->addr, m->len)) == 0)
			sc(t, munlock(m->addr, m->len));
		return;
	}
	trail(t, "madvise %p+%#zx %d", m->addr, m->len, adv);
	if (sc(t, madvise(m->addr, m->len, adv)) == 0) {
		t->ok[OP_MADVISE]++;
		/* Zapped pages have no fault handler to come back: SIGBUS. */
		if (adv == MADV_DONTNEED || adv == MADV_REMOVE ||
		    adv == MADV_FREE || adv == MADV_PAGEOUT || adv == MADV_COLD)
			m->clean = false;
	}
}

/*
 * Through /proc/self/mem, as a debugger would (FOLL_FORCE): reading any
 * mapping works, but no write may reach a ring, shared or private, even
 * read-only: nftrace took VM_MAYWRITE away.
 */
static void op_procmem(struct thr *t)
{
	struct map *m = some_map(t);
	uint64_t v = PICK(t, evil64);
	off_t at;
	ssize_t n;

	if (!m || procmem < 0)
		return;
	at = (off_t)(uintptr_t)(m->addr + (rn(t, m->len) & ~7UL));
	if (chance(t, 50)) {
		trail(t, "pread /proc/self/mem %#llx", (long long)at);
		n = sc(t, pread(procmem, &v, sizeof(v), at));
	} else {
		trail(t, "pwrite /proc/self/mem %#llx (map at %#llx)",
		      (long long)at, (unsigned long long)m->off);
		n = sc(t, pwrite(procmem, &v, sizeof(v), at));
		if (n > 0 && m->off >= ctl_size)
			fail(t, "wrote a ring (at %#llx) through /proc/self/mem",
			     (unsigned long long)m->off);
	}
	if (n > 0)
		t->ok[OP_PROCMEM]++;
}

static void op_touch(struct thr *t)
{
	struct map *m = some_map(t);
	bool ok;

	if (!m)
		return;
	trail(t, "touch %p+%#zx prot %#x%s", m->addr, m->len, m->prot,
	      m->clean ? "" : " (not clean)");
	ok = map_touch(t, m, chance(t, 50));
	if (ok)
		t->ok[OP_TOUCH]++;
	else if (m->clean && (m->prot & PROT_READ))
		fail(t, "fault in a whole mapping %p+%#zx", m->addr, m->len);
}

/* --- read, poll ------------------------------------------------------------ */

static size_t rand_count(struct thr *t)
{
	static const size_t counts[] = { 0, 1, 2, 7, 63, 64, 100, 319, 320,
					 321, 639, 4095, 4096, 65536,
					 RBUF_SIZE };

	return chance(t, 85) ? PICK(t, counts) : rn(t, RBUF_SIZE);
}

/* A buffer for count bytes: the read buffer, or one of place()'s. */
static void *read_buf(struct thr *t, size_t count)
{
	if (chance(t, 75) || count > SCRATCH_PAGES * PAGE - 64)
		return chance(t, 90) ? t->rbuf : t->rbuf + 1 + rn(t, 63);
	return place(t, t->scratch, NULL, count);
}

/* Blocking calls get a timer signal (no SA_RESTART) after a while. */
static void maybe_arm(struct thr *t)
{
	arm(t, chance(t, 80) ? 1 + rn(t, 10) : 10 + rn(t, 100));
}

static void op_read(struct thr *t)
{
	int fd = any_fd(t);
	size_t count = rand_count(t);
	void *buf = read_buf(t, count);
	ssize_t n;

	trail(t, "read fd %d count %zu buf %p", fd, count, buf);
	maybe_arm(t);
	n = sc(t, read(fd, buf, count));
	disarm(t);
	if (n >= 0)
		t->ok[OP_READ]++;
	if (n > (ssize_t)count)
		fail(t, "read returned %zd > %zu", n, count);
}

static void op_readv(struct thr *t)
{
	struct iovec iov[8];
	int fd = any_fd(t), n = 1 + rn(t, 8), i;
	size_t total = 0, off = 0;
	ssize_t ret;

	for (i = 0; i < n; i++) {
		iov[i].iov_len = PICK(t, ((const size_t[]){ 0, 1, 3, 64, 319,
							    320, 4096 }));
		if (chance(t, 10)) {
			iov[i].iov_base = (void *)(uintptr_t)PICK(t, evil64);
		} else {
			iov[i].iov_base = t->rbuf + off;
			off += iov[i].iov_len;
		}
		total += iov[i].iov_len;
	}
	trail(t, "readv fd %d iovcnt %d total %zu", fd, n, total);
	maybe_arm(t);
	if (chance(t, 20))
		ret = sc(t, preadv2(fd, iov, n, -1, RWF_NOWAIT));
	else
		ret = sc(t, readv(fd, iov, n));
	disarm(t);
	if (ret >= 0)
		t->ok[OP_READV]++;
	if (ret > (ssize_t)total)
		fail(t, "readv returned %zd > %zu", ret, total);
}

static short rand_events(struct thr *t)
{
	return chance(t, 70) ? POLLIN | POLLRDNORM : (short)rnd(t);
}

static void op_poll(struct thr *t)
{
	struct pollfd p[4];
	int n = 1 + rn(t, 4), i, ret;
	int timeout = PICK(t, ((const int[]){ 0, 0, 1, 10, 50, -1 }));

	for (i = 0; i < n; i++) {
		p[i].fd = any_fd(t);
		p[i].events = rand_events(t);
		p[i].revents = 0;
	}
	trail(t, "poll fd %d (+%d) timeout %d", p[0].fd, n - 1, timeout);
	maybe_arm(t);
	if (chance(t, 20)) {
		struct timespec ts = { 0, 1000000L * rn(t, 30) };

		ret = sc(t, ppoll(p, n, &ts, NULL));
	} else {
		ret = sc(t, poll(p, n, timeout));
	}
	disarm(t);
	if (ret < 0)
		return;
	t->ok[OP_POLL]++;
	for (i = 0; i < n; i++)
		if (p[i].revents & ~(p[i].events | POLLERR | POLLHUP |
				     POLLNVAL))
			fail(t, "poll: revents %#x for events %#x",
			     p[i].revents, p[i].events);
}

static void op_epoll(struct thr *t)
{
	struct epoll_event ev = { .events = (uint32_t)rand_events(t) };
	struct epoll_event out[8];
	int fd = any_fd(t), ret;

	if (chance(t, 20))
		ev.events |= PICK(t, ((const uint32_t[]){ EPOLLET,
			EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLWAKEUP }));
	ev.data.fd = fd;
	trail(t, "epoll fd %d events %#x", fd, ev.events);
	switch (rn(t, 4)) {
	case 0:
		sc(t, epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev));
		break;
	case 1:
		sc(t, epoll_ctl(t->epfd, EPOLL_CTL_MOD, fd, &ev));
		break;
	case 2:
		sc(t, epoll_ctl(t->epfd, EPOLL_CTL_DEL, fd, &ev));
		break;
	default:
		break;
	}
	maybe_arm(t);
	ret = sc(t, epoll_wait(t->epfd, out, 8, PICK(t, ((const int[]){
				0, 1, 20, -1 }))));
	disarm(t);
	if (ret >= 0)
		t->ok[OP_EPOLL]++;
}

static void op_select(struct thr *t)
{
	fd_set r, w, e;
	int fd = any_fd(t);
	struct timeval tv = { 0, 1000 * rn(t, 30) };

	if (fd < 0 || fd >= FD_SETSIZE)
		return;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	if (chance(t, 30))
		FD_SET(fd, &w);
	if (chance(t, 30))
		FD_SET(fd, &e);
	trail(t, "select fd %d", fd);
	maybe_arm(t);
	if (sc(t, select(fd + 1, &r, &w, &e, &tv)) >= 0)
		t->ok[OP_SELECT]++;
	disarm(t);
}

static void op_fcntl(struct thr *t)
{
	int fd = any_fd(t), fl;

	trail(t, "fcntl fd %d", fd);
	switch (rn(t, 5)) {
	case 0 ... 1:
		fl = sc(t, fcntl(fd, F_GETFL));
		if (fl >= 0 && sc(t, fcntl(fd, F_SETFL, fl ^ O_NONBLOCK)) == 0)
			t->ok[OP_FCNTL]++;
		break;
	case 2:
		fl = sc(t, fcntl(fd, F_GETFL));
		if (fl >= 0 && sc(t, fcntl(fd, F_SETFL, fl ^ O_ASYNC)) == 0)
			t->ok[OP_FCNTL]++;
		break;
	case 3:
		sc(t, fcntl(fd, F_SETOWN, getpid()));
		sc(t, fcntl(fd, F_SETSIG, SIGURG));
		break;
	default:
		sc(t, fcntl(fd, F_SETLEASE, F_RDLCK));
		sc(t, fcntl(fd, F_SETPIPE_SZ, 4096));
		break;
	}
}

/* The file operations /dev/nftrace has not got. */
static void op_misc(struct thr *t)
{
	int fd = any_fd(t);
	char b[64];
	struct stat st;
	loff_t off = 0;

	trail(t, "misc fd %d", fd);
	switch (rn(t, 10)) {
	case 0: sc(t, lseek(fd, rn(t, 4096), PICK(t, ((const int[]){
					SEEK_SET, SEEK_CUR, SEEK_END })))); break;
	case 1: sc(t, pread(fd, b, sizeof(b), rn(t, 4096))); break;
	case 2: sc(t, write(fd, b, rn(t, sizeof(b)))); break;
	case 3: sc(t, fsync(fd)); break;
	case 4: sc(t, flock(fd, LOCK_EX | LOCK_NB)); sc(t, flock(fd, LOCK_UN)); break;
	case 5: sc(t, fstat(fd, &st)); break;
	case 6: sc(t, fallocate(fd, 0, 0, PAGE)); break;
	case 7: sc(t, splice(fd, NULL, t->pipefd[1], NULL, 4096,
			     SPLICE_F_NONBLOCK));
		sc(t, read(t->pipefd[0], t->rbuf, 65536));
		break;
	case 8: sc(t, sendfile(t->pipefd[1], fd, &off, 4096));
		sc(t, read(t->pipefd[0], t->rbuf, 65536));
		break;
	default: sc(t, readahead(fd, 0, PAGE)); break;
	}
	t->ok[OP_MISC]++;
}

/* Packets of our own, so that rings fill and wake their readers. */
static void op_send(struct thr *t)
{
	int i, n = 1 + rn(t, 32);
	size_t len = rn(t, 1400);

	trail(t, "send %d x %zu", n, len);
	for (i = 0; i < n; i++) {
		to4.sin_port = htons(9 + rn(t, 4));
		to6.sin6_port = to4.sin_port;
		if (chance(t, 70))
			sc(t, sendto(udp4, t->rbuf, len, MSG_DONTWAIT,
				     (struct sockaddr *)&to4, sizeof(to4)));
		else
			sc(t, sendto(udp6, t->rbuf, len, MSG_DONTWAIT,
				     (struct sockaddr *)&to6, sizeof(to6)));
	}
	t->ok[OP_SEND]++;
}

static void op_badfd(struct thr *t)
{
	struct nftrace_info info;
	int fd = PICK(t, ((const int[]){ -1, -100, 1 << 20, INT_MAX }));

	trail(t, "badfd %d", fd);
	sc(t, ioctl(fd, NFTRACE_IOC_GET_INFO, &info));
	sc(t, read(fd, t->rbuf, 64));
	sc(t, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	sc(t, close(fd));
}

/* --- children ----------------------------------------------------------------- */

static void kid_reap(struct thr *t, bool block)
{
	int i, st;

	for (i = 0; i < t->nr_kids; ) {
		pid_t p = waitpid(t->kids[i], &st, block ? 0 : WNOHANG);

		if (p == t->kids[i] || (p < 0 && errno == ECHILD)) {
			t->kids[i] = t->kids[--t->nr_kids];
			continue;
		}
		i++;
	}
}

static void kid_add(struct thr *t, pid_t pid)
{
	if (t->nr_kids == MAX_KIDS) {
		atomic_store(&t->cur_op, "wait for a child");
		kill(t->kids[0], SIGKILL);
		kid_reap(t, true);
	}
	t->kids[t->nr_kids++] = pid;
}

/*
 * In a child: a few calls on the inherited descriptors and mappings, then
 * close them all (or not) and exit. Only system calls: the parent had
 * other threads.
 */
static void kid_work(struct thr *t)
{
	struct nftrace_stats st;
	char b[512];
	int i, n = rn(t, 8);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < n; i++) {
		int fd = atomic_load(&slots[rn(t, NR_SLOTS)]);

		switch (rn(t, 6)) {
		case 0: ioctl(fd, NFTRACE_IOC_STOP); break;
		case 1: ioctl(fd, NFTRACE_IOC_START); break;
		case 2: memset(&st, 0, sizeof(st));
			ioctl(fd, NFTRACE_IOC_GET_STATS, &st);
			break;
		case 3: {
			struct pollfd p = { fd, POLLIN, 0 };

			poll(&p, 1, rn(t, 5));
			break;
		}
		case 4: if (t->nr_maps)
				map_touch(t, some_map(t), true);
			break;
		default: {
			int fl = fcntl(fd, F_GETFL);

			if (fl >= 0 && (fl & O_NONBLOCK))
				read(fd, b, 1 + rn(t, sizeof(b)));
			break;
		}
		}
	}
	if (chance(t, 70))
		for (i = 0; i < NR_SLOTS; i++)
			close(atomic_load(&slots[i]));
	_exit(0);
}

static void op_fork(struct thr *t)
{
	pid_t pid;

	trail(t, "fork");
	pid = sc(t, fork());
	if (pid == 0)
		kid_work(t);
	if (pid < 0)
		return;
	t->ok[OP_FORK]++;
	kid_add(t, pid);
}

/* A child blocked in read or poll, then killed. */
static void op_fork_kill(struct thr *t)
{
	int fd = slot_fd(t), how = rn(t, 3);
	unsigned int ms = rn(t, 20);
	pid_t pid;

	if (fd < 0)
		return;
	trail(t, "fork-kill fd %d how %d after %u ms", fd, how, ms);
	pid = sc(t, fork());
	if (pid == 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		char b[256];
		int fl = fcntl(fd, F_GETFL);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		if (how == 0)
			read(fd, b, sizeof(b));
		else if (how == 1)
			poll(&p, 1, -1);
		else
			ioctl(fd, NFTRACE_IOC_START);
		pause();
		_exit(0);
	}
	if (pid < 0)
		return;
	usleep(ms * 1000);
	kill(pid, SIGKILL);
	t->ok[OP_FORK_KILL]++;
	kid_add(t, pid);
}

/*
 * A child in a network namespace of its own points a shared reader at
 * it, sends a few packets there and exits: the namespace goes away under
 * the reader that captures it.
 */
static void op_fork_netns(struct thr *t)
{
	int fd = slot_fd(t);
	pid_t pid;

	if (fd < 0)
		return;
	trail(t, "fork-netns fd %d", fd);
	pid = sc(t, fork());
	if (pid == 0) {
		struct nftrace_config c = { .ring_size = NFTRACE_RING_MIN };
		struct sockaddr_in lo = { .sin_family = AF_INET,
					  .sin_port = htons(9),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct ifreq ifr = { .ifr_name = "lo" };
		int s, i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(s, SIOCSIFFLAGS, &ifr);
		}
		c.netns_fd = open("/proc/self/ns/net", O_RDONLY);
		ioctl(fd, NFTRACE_IOC_STOP);
		ioctl(fd, NFTRACE_IOC_SET_CONFIG, &c);
		ioctl(fd, NFTRACE_IOC_START);
		for (i = 0; i < 20; i++)
			sendto(s, &c, sizeof(c), MSG_DONTWAIT,
			       (struct sockaddr *)&lo, sizeof(lo));
		_exit(0);
	}
	if (pid < 0)
		return;
	t->ok[OP_FORK_NETNS]++;
	kid_add(t, pid);
}

/* --- the threads ---------------------------------------------------------------- */

static void (*const op_fn[NR_OPS])(struct thr *) = {
	[OP_OPEN] = op_open, [OP_CLOSE] = op_close, [OP_DUP] = op_dup,
	[OP_IOCTL] = op_ioctl, [OP_IOCTL32] = op_ioctl32,
	[OP_CAPTURE] = op_capture, [OP_MMAP] = op_mmap,
	[OP_MAPALL] = op_mapall, [OP_MUNMAP] = op_munmap,
	[OP_MPROTECT] = op_mprotect, [OP_MREMAP] = op_mremap,
	[OP_MADVISE] = op_madvise, [OP_TOUCH] = op_touch,
	[OP_CONSUME] = op_consume, [OP_READ] = op_read, [OP_READV] = op_readv,
	[OP_POLL] = op_poll, [OP_EPOLL] = op_epoll, [OP_SELECT] = op_select,
	[OP_FCNTL] = op_fcntl, [OP_MISC] = op_misc, [OP_SEND] = op_send,
	[OP_FORK] = op_fork, [OP_FORK_KILL] = op_fork_kill,
	[OP_FORK_NETNS] = op_fork_netns, [OP_BADFD] = op_badfd,
	[OP_PROCMEM] = op_procmem,
};

static unsigned int total_weight;

static enum op pick_op(struct thr *t)
{
	unsigned int i, r = rn(t, total_weight);

	for (i = 0; r >= ops[i].weight; i++)
		r -= ops[i].weight;
	return i;
}

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};

	self = t;
	t->tid = gettid();
	sev.sigev_notify_thread_id = t->tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t->timer)) {
		perror("timer_create");
		exit(2);
	}
	while (!atomic_load(&stopping)) {
		enum op op = pick_op(t);

		atomic_store(&t->op_start_ns, now_ns());
		atomic_store(&t->cur_op, ops[op].name);
		op_fn[op](t);
		t->count[op]++;
		if (t->nr_kids)
			kid_reap(t, false);
		atomic_store(&t->op_start_ns, 0);
	}
	atomic_store(&t->op_start_ns, now_ns());
	atomic_store(&t->cur_op, "cleanup");
	while (t->nr_kids) {
		kill(t->kids[0], SIGKILL);
		kid_reap(t, true);
	}
	while (t->nr_maps)
		op_munmap(t);
	while (t->nr_cons)
		cons_free(t, &t->cons[0]);
	timer_delete(t->timer);
	atomic_store(&t->op_start_ns, 0);
	return NULL;
}

/* A call that does not return: say where the thread is, and stop. */
static void report_hang(struct thr *t, uint64_t secs)
{
	char path[64], buf[4096];
	const char *what[] = { "stack", "wchan", "syscall" };
	unsigned int i;

	fprintf(stderr, "HANG seed=%llu: thread %d in %s for %llu s\n",
		(unsigned long long)seed, t->idx, atomic_load(&t->cur_op),
		(unsigned long long)secs);
	print_trail(t);
	for (i = 0; i < 3; i++) {
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/self/task/%d/%s", t->tid,
			 what[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			fprintf(stderr, "  %s:\n%s\n", path, buf);
		}
	}
}

static void *watchdog(void *arg)
{
	int i;

	(void)arg;
	for (;;) {
		uint64_t now;

		sleep(1);
		now = now_ns();
		for (i = 0; i <= nr_thrs; i++) {
			uint64_t s = atomic_load(&thrs[i].op_start_ns);

			/* s > now: the call began after now was read. */
			if (s && s < now &&
			    now - s > hang_secs * 1000000000ULL) {
				report_hang(&thrs[i], (now - s) / 1000000000ULL);
				fflush(NULL);
				_exit(3);
			}
		}
	}
	return NULL;
}

static struct thr *main_thr;

/* The main thread's steps, watched like the threads' operations. */
static void main_op(struct thr *t, const char *what)
{
	if (what)
		trail(t, "main: %s", what);
	atomic_store(&t->cur_op, what);
	atomic_store(&t->op_start_ns, what ? now_ns() : 0);
}

/* Calls so far (the counters are read racily: a progress line only). */
static void progress(unsigned int secs)
{
	uint64_t calls = 0;
	int i;

	for (i = 0; i < nr_thrs; i++)
		calls += __atomic_load_n(&thrs[i].syscalls, __ATOMIC_RELAXED);
	printf("fuzz_dev: %u s, %llu system calls\n", secs,
	       (unsigned long long)calls);
}

static unsigned char *map_area(bool low)
{
	unsigned char *p = mmap(NULL, (SCRATCH_PAGES + 1) * PAGE,
				PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | (low ? MAP_32BIT : 0),
				-1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mprotect(p + SCRATCH_PAGES * PAGE, PAGE, PROT_NONE);
	return p;
}

/*
 * The largest ring there is, once, alone: 256 MiB per CPU, mapped whole,
 * touched, started, read and stopped.
 */
static void big_ring(void)
{
	struct nftrace_config c = { .netns_fd = NFTRACE_NETNS_ALL,
				    .ring_size = NFTRACE_RING_MAX };
	struct nftrace_info in;
	unsigned char *ctl, *rings;
	char b[4096];
	size_t len, off;
	unsigned int sum = 0;
	int fd = open(NFTRACE_DEVICE, O_RDWR | O_NONBLOCK);

	if (fd < 0) {
		perror("open " NFTRACE_DEVICE);
		exit(2);
	}
	if (ioctl(fd, NFTRACE_IOC_SET_CONFIG, &c) ||
	    ioctl(fd, NFTRACE_IOC_GET_INFO, &in)) {
		printf("fuzz_dev: a %u-byte ring: %s (not enough memory?)\n",
		       NFTRACE_RING_MAX, strerror(errno));
		close(fd);
		return;
	}
	ctl_size = in.ctl_size;
	len = in.nr_rings * in.ring_stride;
	ctl = mmap(NULL, in.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rings = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, in.ring_offset);
	if (ctl == MAP_FAILED || rings == MAP_FAILED) {
		fprintf(stderr, "FAIL: cannot map a %u-byte ring: %s\n",
			in.ring_size, strerror(errno));
		atomic_fetch_add(&failures, 1);
	} else {
		for (off = 0; off < len; off += 64 * PAGE)
			sum += rings[off];
		uint64_t end;

		ioctl(fd, NFTRACE_IOC_START);
		sendto(udp4, b, 100, 0, (struct sockaddr *)&to4, sizeof(to4));
		usleep(100000);
		/* Traffic may outrun the text: read for a second at most. */
		end = now_ns() + 1000000000ULL;
		while (read(fd, b, sizeof(b)) > 0 && now_ns() < end)
			;
		ioctl(fd, NFTRACE_IOC_STOP);
	}
	if (ctl != MAP_FAILED)
		munmap(ctl, in.ctl_size);
	if (rings != MAP_FAILED)
		munmap(rings, len);
	close(fd);
	(void)sum;
	printf("fuzz_dev: a %u-byte ring per CPU: allocated, mapped, started, read\n",
	       in.ring_size);
}

static void setup_shared(void)
{
	const char *paths[] = { "/proc/self/ns/net", "/run/netns/fuzz_quiet",
				"/run/netns/fuzz_busy" };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			netns_fds[nr_netns++] = fd;
	}
	procmem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	udp4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	udp6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to4.sin_family = AF_INET;
	to4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to6.sin6_family = AF_INET6;
	to6.sin6_addr = in6addr_loopback;
	for (i = 0; i < NR_SLOTS; i++)
		atomic_store(&slots[i], -1);
}

static int cmd_fuzz(int argc, char **argv)
{
	struct sigaction sa = {};
	unsigned int secs, i, j;
	uint64_t total[NR_OPS] = {}, okc[NR_OPS] = {};
	uint64_t calls = 0, faults = 0, eintr = 0, start;
	pthread_t wd;
	const char *e;

	seed = strtoull(argv[1], NULL, 0);
	secs = atoi(argv[2]);
	nr_thrs = atoi(argv[3]);
	verbose = argc > 4 && !strcmp(argv[4], "-v");
	if (nr_thrs < 1 || nr_thrs > MAX_THREADS) {
		fprintf(stderr, "fuzz_dev: 1 to %d threads\n", MAX_THREADS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	e = getenv("FUZZ_HANG_SECS");
	if (e)
		hang_secs = atoi(e);
	printf("fuzz_dev: seed=%llu seconds=%u threads=%d (replay: fuzz_dev %llu %u %d)\n",
	       (unsigned long long)seed, secs, nr_thrs,
	       (unsigned long long)seed, secs, nr_thrs);
	fflush(stdout);

	sa.sa_handler = on_alarm;	/* no SA_RESTART: calls see EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	signal(SIGIO, SIG_IGN);

	for (j = 0; j < NR_OPS; j++)
		total_weight += ops[j].weight;
	main_thr = &thrs[nr_thrs];
	main_thr->idx = -1;
	main_thr->tid = gettid();
	pthread_create(&wd, NULL, watchdog, NULL);
	setup_shared();
	main_op(main_thr, "the largest ring");
	big_ring();
	for (i = 0; i < (unsigned int)nr_thrs; i++) {
		struct thr *t = &thrs[i];

		t->idx = i;
		t->rng = seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (pipe2(t->pipefd, O_NONBLOCK | O_CLOEXEC) || t->epfd < 0) {
			perror("pipe/epoll");
			return 2;
		}
		t->scratch = map_area(false);
		t->scratch32 = map_area(true);
		/* Reads of RBUF_SIZE go up to 63 bytes in. */
		t->rbuf = malloc(RBUF_SIZE + PAGE);
		memset(t->rbuf, 0x5a, RBUF_SIZE + PAGE);
	}
	main_op(main_thr, NULL);
	start = now_ns();
	for (i = 0; i < (unsigned int)nr_thrs; i++)
		pthread_create(&thrs[i].pt, NULL, thread_main, &thrs[i]);
	for (i = 0; i < secs; i++) {
		sleep(1);
		if (i % 10 == 9 || i + 1 == secs)
			progress(i + 1);
	}
	atomic_store(&stopping, 1);
	main_op(main_thr, "join the threads");
	for (i = 0; i < (unsigned int)nr_thrs; i++)
		pthread_join(thrs[i].pt, NULL);
	main_op(main_thr, "close the slots");
	for (i = 0; i < NR_SLOTS; i++) {
		int fd = atomic_exchange(&slots[i], -1);

		if (fd >= 0)
			close(fd);
	}
	main_op(main_thr, NULL);

	for (i = 0; i < (unsigned int)nr_thrs; i++) {
		for (j = 0; j < NR_OPS; j++) {
			total[j] += thrs[i].count[j];
			okc[j] += thrs[i].ok[j];
		}
		calls += thrs[i].syscalls;
		faults += thrs[i].faults;
		eintr += thrs[i].eintr;
	}
	printf("fuzz_dev: %.1f s, %llu system calls (%llu interrupted by the timer), "
	       "%llu guarded faults\n", (now_ns() - start) / 1e9,
	       (unsigned long long)calls, (unsigned long long)eintr,
	       (unsigned long long)faults);
	printf("fuzz_dev: operations (done/succeeded):");
	for (j = 0; j < NR_OPS; j++)
		printf(" %s=%llu/%llu", ops[j].name,
		       (unsigned long long)total[j], (unsigned long long)okc[j]);
	printf("\nfuzz_dev: seed=%llu %s\n", (unsigned long long)seed,
	       atomic_load(&failures) ? "FAILED" : "passed");
	return atomic_load(&failures) ? 1 : 0;
}

/* --- flood ---------------------------------------------------------------------- */

static int cmd_flood(int argc, char **argv)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	unsigned long long count, sent = 0;
	size_t payload = argc > 5 ? strtoul(argv[5], NULL, 0) : 18;
	struct mmsghdr msg[64];
	struct iovec iov;
	static char data[65536];
	int rx, tx, fam, small = 1024, i;
	socklen_t alen;
	uint64_t t0, t1;

	if (argc < 5) {
		fprintf(stderr, "usage: fuzz_dev flood ADDR PORT COUNT [PAYLOAD]\n");
		return 2;
	}
	count = strtoull(argv[4], NULL, 0);
	if (inet_pton(AF_INET, argv[2], &s4->sin_addr) == 1) {
		fam = AF_INET;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(argv[3]));
		alen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[2], &s6->sin6_addr) == 1) {
		fam = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(argv[3]));
		alen = sizeof(*s6);
	} else {
		fprintf(stderr, "fuzz_dev flood: bad address %s\n", argv[2]);
		return 2;
	}
	if (payload > sizeof(data))
		payload = sizeof(data);
	/* The receiver is never read: its queue fills and drops quietly. */
	rx = socket(fam, SOCK_DGRAM, 0);
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(rx, (struct sockaddr *)&ss, alen)) {
		perror("fuzz_dev flood: bind");
		return 2;
	}
	tx = socket(fam, SOCK_DGRAM, 0);
	if (connect(tx, (struct sockaddr *)&ss, alen)) {
		perror("fuzz_dev flood: connect");
		return 2;
	}
	iov.iov_base = data;
	iov.iov_len = payload;
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < 64; i++) {
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_ns();
	while (sent < count) {
		unsigned int n = count - sent < 64 ? count - sent : 64;
		int r = sendmmsg(tx, msg, n, 0);

		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR) {
				sched_yield();
				continue;
			}
			perror("fuzz_dev flood: sendmmsg");
			return 1;
		}
		sent += r;
	}
	t1 = now_ns();
	printf("sent=%llu secs=%.2f pps=%.0f\n", sent, (t1 - t0) / 1e9,
	       sent / ((t1 - t0) / 1e9));
	close(rx);
	close(tx);
	return 0;
}

/* --- block, stopwake ----------------------------------------------------------- */

static int open_quiet(const char *netns)
{
	struct nftrace_config c = { .ring_size = NFTRACE_RING_MIN };
	int fd = open(NFTRACE_DEVICE, O_RDWR);

	if (fd < 0) {
		perror("open " NFTRACE_DEVICE);
		exit(2);
	}
	c.netns_fd = open(netns, O_RDONLY | O_CLOEXEC);
	if (c.netns_fd < 0) {
		perror(netns);
		exit(2);
	}
	if (ioctl(fd, NFTRACE_IOC_SET_CONFIG, &c) ||
	    ioctl(fd, NFTRACE_IOC_START)) {
		perror("SET_CONFIG/START");
		exit(2);
	}
	close(c.netns_fd);
	return fd;
}

enum how { HOW_READ, HOW_POLL, HOW_EPOLL, HOW_SELECT, NR_HOW };
static const char *const how_names[NR_HOW] = { "read", "poll", "epoll", "select" };

/* Block in one call on fd, with no timeout; return what it said. */
static long block_in(int fd, enum how how, char *what, size_t size)
{
	char b[512];
	long ret;

	switch (how) {
	case HOW_READ:
		ret = read(fd, b, sizeof(b));
		snprintf(what, size, "read=%ld", ret);
		return ret;
	case HOW_POLL: {
		struct pollfd p = { fd, POLLIN, 0 };

		ret = poll(&p, 1, -1);
		snprintf(what, size, "poll=%ld revents=%#x", ret, p.revents);
		return ret == 1 ? p.revents : -1;
	}
	case HOW_EPOLL: {
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int ep = epoll_create1(0);

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		ret = epoll_wait(ep, &out, 1, -1);
		close(ep);
		snprintf(what, size, "epoll_wait=%ld events=%#x", ret,
			 ret == 1 ? out.events : 0);
		return ret == 1 ? (long)out.events : -1;
	}
	default: {
		fd_set r;

		FD_ZERO(&r);
		FD_SET(fd, &r);
		ret = select(fd + 1, &r, NULL, NULL, NULL);
		snprintf(what, size, "select=%ld readable=%d", ret,
			 ret == 1 && FD_ISSET(fd, &r));
		return ret == 1 && FD_ISSET(fd, &r) ? POLLIN : -1;
	}
	}
}

static enum how parse_how(const char *s)
{
	int i;

	for (i = 0; i < NR_HOW; i++)
		if (!strcmp(s, how_names[i]))
			return i;
	fprintf(stderr, "fuzz_dev: read, poll, epoll or select, not %s\n", s);
	exit(2);
}

static int cmd_block(int argc, char **argv)
{
	enum how how;
	char what[128];
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: fuzz_dev block read|poll|epoll|select NETNS\n");
		return 2;
	}
	how = parse_how(argv[2]);
	fd = open_quiet(argv[3]);
	printf("blocked in %s\n", how_names[how]);
	fflush(stdout);
	block_in(fd, how, what, sizeof(what));
	/* Nothing should wake it: the namespace is quiet. */
	printf("returned: %s\n", what);
	return 1;
}

struct waiter {
	int fd;
	enum how how;
	atomic_int done;
	long ret;
	char what[128];
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->ret = block_in(w->fd, w->how, w->what, sizeof(w->what));
	atomic_store(&w->done, 1);
	return NULL;
}

static int cmd_stopwake(int argc, char **argv)
{
	unsigned int rounds, i;
	double worst = 0;
	int bad = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: fuzz_dev stopwake ROUNDS NETNS\n");
		return 2;
	}
	rounds = atoi(argv[2]);
	for (i = 0; i < rounds; i++) {
		struct waiter w = { .how = i % NR_HOW };
		int other = open_quiet(argv[3]);
		pthread_t pt;
		uint64_t t0;
		double ms;

		w.fd = open_quiet(argv[3]);
		pthread_create(&pt, NULL, waiter_main, &w);
		usleep(100000 + 10000 * (i % 7));
		/* Another reader's STOP is not this one's. */
		ioctl(other, NFTRACE_IOC_STOP);
		close(other);
		usleep(200000);
		if (atomic_load(&w.done)) {
			printf("FAIL round %u: %s returned before STOP: %s\n",
			       i, how_names[w.how], w.what);
			bad++;
			pthread_join(pt, NULL);
			close(w.fd);
			continue;
		}
		t0 = now_ns();
		ioctl(w.fd, NFTRACE_IOC_STOP);
		while (!atomic_load(&w.done) && now_ns() - t0 < 5000000000ULL)
			usleep(1000);
		ms = (now_ns() - t0) / 1e6;
		if (!atomic_load(&w.done)) {
			printf("FAIL round %u: %s still blocked 5 s after STOP\n",
			       i, how_names[w.how]);
			fflush(stdout);
			/* The thread cannot be taken back: give up. */
			return 1;
		}
		pthread_join(pt, NULL);
		if (ms > worst)
			worst = ms;
		/* read: EOF; the others: hung up (select: readable). */
		if ((w.how == HOW_READ && w.ret != 0) ||
		    (w.how == HOW_SELECT && w.ret != POLLIN) ||
		    ((w.how == HOW_POLL || w.how == HOW_EPOLL) &&
		     (w.ret < 0 || !(w.ret & POLLHUP)))) {
			printf("FAIL round %u: %s after STOP: %s\n", i,
			       how_names[w.how], w.what);
			bad++;
		}
		close(w.fd);
	}
	printf("stopwake: %u rounds, %d failed, slowest wakeup %.1f ms\n",
	       rounds, bad, worst);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "flood"))
		return cmd_flood(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "block"))
		return cmd_block(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "stopwake"))
		return cmd_stopwake(argc, argv);
	if (argc < 4) {
		fprintf(stderr,
			"usage: fuzz_dev SEED SECONDS THREADS [-v]\n"
			"       fuzz_dev flood ADDR PORT COUNT [PAYLOAD]\n"
			"       fuzz_dev block read|poll|epoll|select NETNS\n"
			"       fuzz_dev stopwake ROUNDS NETNS\n");
		return 2;
	}
	return cmd_fuzz(argc, argv);
}
