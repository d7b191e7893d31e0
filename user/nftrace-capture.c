// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nftrace-capture - capture the packets that pass the netfilter hooks.
 *
 * Set up (options, filter, namespace, device, output) fails early and
 * says why; then the loop polls and dispatches until a signal, -c or an
 * output error asks it to stop. Stopping always goes the same way: STOP,
 * drain the rings, flush and close the output, then read the statistics,
 * so that "captured" is what the output holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../kmod/nftrace_fmt.h"
#include "libnftrace.h"
#include "options.h"
#include "output.h"
#include "extcap.h"
#include "capture_file.h"

#define PROG		"nftrace-capture"
#ifndef NFTRACE_VERSION
#define NFTRACE_VERSION	"unknown"
#endif
#define POLL_MS		200	/* how soon a stop request is seen */
#define BATCH		4096	/* records between two flushes */
#define LIVE_MS		200	/* live count refresh */
/*
 * How far behind the clock the oldest record still to be read may be:
 * the module stamps and commits a record in one run with bottom halves
 * off (microseconds, unless its producer is preempted on PREEMPT_RT or
 * its vCPU stalls), and a ring below its wakeup threshold wakes the
 * reader within 100 ms. Far more than both, to be safe.
 */
#define STAMP_SLACK_NS	500000000ULL

struct capture {
	const struct capture_opts *opts;
	struct nftrace *t;
	struct output out;
	unsigned long packets;		/* written out */
	int count_reached;		/* -c: the rest is discarded */
	int live;			/* live count on stderr */
	int live_shown;
	struct timespec live_last;
	int pipe_out;			/* output to a fifo's or socket's reader */
	int watch_fd;			/* that output, watched; or -1 */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/*
	 * SA_RESTART: a write blocked on a slow pipe must not fail for a
	 * ^C; poll() is never restarted (signal(7)), so the loop still sees
	 * the flag at once.
	 */
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	/* A closed pipe shows as EPIPE at the next flush instead. */
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

static int on_record(void *user, const struct nftrace_record *rec,
		     __u32 rec_len)
{
	struct capture *cap = user;
	int ret;

	if (cap->count_reached || output_error(&cap->out))
		return 0;	/* draining: consume, do not write */
	ret = output_write(&cap->out, rec, rec_len);
	if (ret)
		return 0;
	cap->packets++;
	if (cap->opts->count && cap->packets >= cap->opts->count) {
		cap->count_reached = 1;
		return 1;
	}
	return 0;
}

static void on_lost(void *user, unsigned int ring, __u64 n)
{
	struct capture *cap = user;
	char line[NFTRACE_LINE_MAX];

	if (!cap->count_reached)
		output_lost(&cap->out, ring, n);
	if (cap->opts->quiet)
		return;
	if (cap->live_shown) {
		fputc('\n', stderr);
		cap->live_shown = 0;
	}
	nftrace_fmt_lost(line, sizeof(line), ring, n);
	fprintf(stderr, "%s: %s", PROG, line);
}

static const struct nftrace_handler handler = {
	.record = on_record,
	.lost = on_lost,
};

static const char *out_name(const struct capture_opts *o)
{
	if (!o->outfile || !strcmp(o->outfile, "-"))
		return "stdout";
	return o->outfile;
}

/*
 * Output that a reader consumes as it comes: an extcap's fifo (Wireshark
 * stops an extcap by closing it, and SIGTERM), or a pipe or socket on
 * stdout (`-w - | wireshark -k -i -`; sshd's pipe to a remote command,
 * as sshdump runs it). That reader leaving is the end of the capture,
 * not an error to show: a broken pipe at a write, or, while no packets
 * come that a write would fail on, POLLERR (a pipe's writer end) or
 * POLLHUP (a socket's) on a watching fd.
 */
static int reader_gone(const struct capture *cap)
{
	return cap->pipe_out && output_error(&cap->out) == EPIPE;
}

/*
 * The watching fd: the extcap's fifo opened once more, or stdout's pipe
 * or socket duplicated; -1 for other output, or a fifo that already has
 * no reader (the first write says so).
 */
static int watch_output(const struct capture_opts *o)
{
	struct stat st;

	if (o->extcap && o->outfile && stat(o->outfile, &st) == 0 &&
	    S_ISFIFO(st.st_mode))
		return open(o->outfile, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if ((!o->outfile || !strcmp(o->outfile, "-")) &&
	    fstat(STDOUT_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	return -1;
}

/*
 * An extcap's fifo, before the device is opened: Wireshark starts the
 * extcap, then dumpcap opens the fifo for reading. Were the device opened
 * first, a dumpcap killed before that open would leave this process
 * blocked in opening the fifo for writing, with a reader of nftrace held
 * for ever. A nonblocking open for writing fails (ENXIO) while the fifo
 * has no reader: retry until it has, giving up on a stop request or when
 * the process that started this one (tshark or Wireshark) has gone.
 * Returns the fd, which then serves as the watching fd of watch_output();
 * -2 when the output is not an extcap's fifo (watch_output() decides);
 * -1 with errno on failure, EPIPE when no reader will come.
 */
static int wait_fifo_reader(const struct capture_opts *o)
{
	const struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	pid_t parent = getppid();
	struct stat st;
	int fd;

	if (!o->extcap || !o->outfile || stat(o->outfile, &st) < 0 ||
	    !S_ISFIFO(st.st_mode))
		return -2;
	for (;;) {
		fd = open(o->outfile, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || errno != ENXIO)
			return fd;
		if (stop_requested || getppid() != parent) {
			errno = EPIPE;
			return -1;
		}
		nanosleep(&tick, NULL);
	}
}

static int output_reader_gone(const struct capture *cap)
{
	struct pollfd p = { .fd = cap->watch_fd };

	return cap->watch_fd >= 0 && poll(&p, 1, 0) == 1 &&
	       (p.revents & (POLLERR | POLLHUP));
}

static int flush_output(struct capture *cap)
{
	int ret;

	ret = output_flush(&cap->out);
	if (ret < 0 && reader_gone(cap)) {
		stop_requested = 1;
		return 0;
	}
	if (ret < 0)
		fprintf(stderr, "%s: %s: %s\n", PROG, out_name(cap->opts),
			strerror(output_error(&cap->out)));
	return ret;
}

static long ms_since(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void show_live(struct capture *cap, int force)
{
	struct timespec now;

	if (!cap->live)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && ms_since(&cap->live_last, &now) < LIVE_MS)
		return;
	cap->live_last = now;
	fprintf(stderr, "\rGot %lu", cap->packets);
	cap->live_shown = 1;
}

/*
 * The namespace to capture in, as SET_CONFIG takes it: an fd, or
 * NFTRACE_NETNS_ALL (which is -1, hence the separate return value).
 */
static int open_netns(const struct capture_opts *o, __s32 *fd)
{
	const char *path = o->netns ? o->netns : "/proc/self/ns/net";

	if (o->netns && !strcmp(o->netns, "all")) {
		*fd = NFTRACE_NETNS_ALL;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		fprintf(stderr, "%s: --netns %s: %s\n", PROG, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* "ipv4+ipv6+netdev": the families, into buf. */
static const char *families_str(unsigned int families, char *buf, size_t size)
{
	static const char *const names[] = {
		"ipv4", "ipv6", "bridge", "arp", "netdev",
	};
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (families & (1U << i))
			len += snprintf(buf + len, len < size ? size - len : 0,
					"%s%s", len ? "+" : "", names[i]);
	return buf;
}

static void print_banner(const struct capture *cap)
{
	const struct nftrace_info *in = nftrace_info(cap->t);
	unsigned int hooks = 0, i;
	char hbuf[96], fbuf[64];

	if (cap->opts->quiet)
		return;
	/* The netdev hooks are the tool's to tell: the info has none. */
	if (in->families & ~NFTRACE_FAMILY_NETDEV)
		hooks = in->hooks;
	if (in->families & NFTRACE_FAMILY_NETDEV)
		hooks |= cap->opts->hooks_netdev << CAPTURE_NETDEV_SHIFT;
	fprintf(stderr, "%s: capturing at %s, %s, ", PROG,
		capture_hooks_str(hooks, hbuf, sizeof(hbuf)),
		families_str(in->families, fbuf, sizeof(fbuf)));
	for (i = 0; i < cap->opts->nr_devices; i++)
		fprintf(stderr, "%s%s%s", i ? "," : "devices ",
			cap->opts->devices[i],
			i + 1 == cap->opts->nr_devices ? ", " : "");
	if (in->netns)
		fprintf(stderr, "netns %u", in->netns);
	else
		fprintf(stderr, "all netns");
	fputs(output_describe(&cap->out), stderr);
	fprintf(stderr, ", snapshot length %u bytes%s\n", in->snaplen,
		cap->opts->drops ? ", drops too" : "");
	if (cap->opts->verbose)
		fprintf(stderr, "%s: %u rings of %u KiB, filter: %s\n", PROG,
			in->nr_rings, in->ring_size / 1024,
			cap->opts->filter ? cap->opts->filter : "none");
}

static int print_stats(struct capture *cap)
{
	struct nftrace_cpu_stats total, *cpus = NULL;
	struct output_stats st;
	unsigned int nr = 0, i;

	if (cap->opts->verbose) {
		nr = nftrace_info(cap->t)->nr_rings;
		cpus = calloc(nr, sizeof(*cpus));
		if (!cpus)
			nr = 0;
	}
	if (nftrace_get_stats(cap->t, &total, cpus, &nr) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, nftrace_geterr(cap->t));
		free(cpus);
		return -1;
	}
	if (cap->live_shown)
		fputc('\n', stderr);
	for (i = 0; cpus && i < nr; i++)
		fprintf(stderr,
			"cpu%u: %llu seen, %llu filtered out, %llu captured, %llu dropped\n",
			i, (unsigned long long)cpus[i].seen,
			(unsigned long long)cpus[i].filtered,
			(unsigned long long)cpus[i].captured,
			(unsigned long long)cpus[i].dropped);
	free(cpus);

	/* After a write error, what the file was cut back to. */
	output_stats(&cap->out, &st);
	if (st.error && st.whole >= 0)
		cap->packets = (unsigned long)st.whole;
	fprintf(stderr, "%lu packets captured\n", cap->packets);
	fprintf(stderr, "%llu packets received by filter\n",
		(unsigned long long)(total.captured + total.dropped));
	fprintf(stderr, "%llu packets dropped by kernel\n",
		(unsigned long long)total.dropped);

	/* Without -c every record the kernel captured was written. */
	if (!cap->opts->count && !st.error &&
	    total.captured != cap->packets)
		fprintf(stderr,
			"%s: warning: the kernel captured %llu packets, %lu were written\n",
			PROG, (unsigned long long)total.captured,
			cap->packets);
	if (st.bad)
		fprintf(stderr, "%s: warning: %lu malformed records skipped\n",
			PROG, st.bad);
	return 0;
}

/* Device, config, filter and mapping: everything before START. */
/*
 * The device, and with no /dev/nftrace the module loaded first, as the
 * kernel loads nft's and ip's own for them: a misc device with a dynamic
 * minor has no devname alias to load it on open. Only for the default
 * device, and only for root (modprobe would refuse anyone else); the
 * module, once loaded, registers no hook until a capture starts.
 */
static struct nftrace *open_device(const char *device, char *errbuf)
{
	struct nftrace *t = nftrace_open(device, errbuf);
	int status, null;
	pid_t pid;

	if (t || errno != ENOENT || geteuid() != 0 ||
	    (device && strcmp(device, NFTRACE_DEVICE)))
		return t;
	pid = fork();
	if (pid == 0) {
		/* Its stderr stays: why it could not load is worth seeing. */
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execlp("modprobe", "modprobe", "-q", "nftrace", (char *)NULL);
		execl("/sbin/modprobe", "modprobe", "-q", "nftrace", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		snprintf(errbuf, NFTRACE_ERRBUF_SIZE,
			 "%s not found, and modprobe nftrace did not load the module: install it (the nftrace-dkms package, or make install) or insmod nftrace.ko",
			 NFTRACE_DEVICE);
		errno = ENOENT;
		return NULL;
	}
	return nftrace_open(device, errbuf);
}

/*
 * The filter of each link: IP packets' from their IP header, Ethernet
 * frames' (bridge, ARP) from their Ethernet header. ARP packets of a
 * device without an Ethernet header have no link type to compile it
 * for: with a filter they are not captured.
 */
static int set_filters(struct nftrace *t, const struct bpf_program *prog,
		       unsigned int families)
{
	static const struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	unsigned int link;

	for (link = 0; link < NFTRACE_NR_LINKS; link++) {
		/* Only what the capture needs: old modules know IP alone. */
		if (link == NFTRACE_LINK_ARP) {
			if (!(families & NFTRACE_FAMILY_ARP))
				continue;
			if (nftrace_set_filter_link(t, link, &none, 1) < 0)
				return -1;
			continue;
		}
		if (prog[link].bf_len &&
		    nftrace_set_filter_link(t, link, (void *)prog[link].bf_insns,
					    prog[link].bf_len) < 0)
			return -1;
	}
	return 0;
}

/*
 * The netdev hooks to ask for: both is all the kernel has (0), so that
 * a kernel without egress (before 5.16) still captures at ingress; egress
 * alone is asked for as such, and refused there.
 */
static __u8 netdev_hooks(const struct capture_opts *o)
{
	if (!(o->families & NFTRACE_FAMILY_NETDEV) ||
	    o->hooks_netdev == NFTRACE_NETDEV_HOOKS_ALL)
		return 0;
	return o->hooks_netdev;
}

/*
 * EOPNOTSUPP from SET_CONFIG or START for a family beyond inet: which
 * hooks this kernel lacks. False when the family is not the reason.
 */
static int no_hooks(const struct capture_opts *o)
{
	if (errno != EOPNOTSUPP || !(o->families & ~NFTRACE_FAMILIES_INET))
		return 0;
	if (netdev_hooks(o) & (1U << NFTRACE_NETDEV_HOOK_EGRESS))
		fprintf(stderr, "%s: --hooks egress: this kernel has no netdev egress hook (Linux 5.16 or later has, with CONFIG_NETFILTER_EGRESS)\n",
			PROG);
	else if (o->families & (NFTRACE_FAMILY_BRIDGE | NFTRACE_FAMILY_ARP))
		fprintf(stderr, "%s: --families: this kernel has no bridge or arp netfilter hooks (CONFIG_NETFILTER_FAMILY_BRIDGE, _ARP)\n",
			PROG);
	else
		fprintf(stderr, "%s: --families netdev: this kernel has no netdev ingress hook (CONFIG_NETFILTER_INGRESS)\n",
			PROG);
	return 1;
}

/*
 * EINVAL from SET_CONFIG with the netdev family: a module from before
 * it, when the same config without it is taken.
 */
static int netdev_too_new(struct nftrace *t, const struct nftrace_config *cfg)
{
	struct nftrace_config c = *cfg;

	if (errno != EINVAL || !(cfg->families & NFTRACE_FAMILY_NETDEV))
		return 0;
	c.families &= ~NFTRACE_FAMILY_NETDEV;
	c.hooks_netdev = 0;
	if (nftrace_set_config(t, &c) < 0)
		return 0;
	fprintf(stderr, "%s: --families netdev: the loaded nftrace.ko does not capture the netdev family (too old): load the one built with this tool\n",
		PROG);
	return 1;
}

/* -i: the devices to record, to a module that knows them. */
static int set_devices(struct nftrace *t, const struct capture_opts *o)
{
	if (!o->nr_devices || nftrace_set_devices(t, o->devices,
						  o->nr_devices) == 0)
		return 0;
	if (errno == ENOTTY)
		fprintf(stderr, "%s: --interface: the loaded nftrace.ko does not select devices (too old): load the one built with this tool\n",
			PROG);
	else
		fprintf(stderr, "%s: %s\n", PROG, nftrace_geterr(t));
	return -1;
}

static int setup_device(struct capture *cap, struct bpf_program *prog)
{
	const struct capture_opts *o = cap->opts;
	char errbuf[NFTRACE_ERRBUF_SIZE];
	struct nftrace_config cfg = {
		.hooks = o->hooks,
		.hooks_bridge = o->hooks,
		.hooks_arp = o->hooks_arp,
		.hooks_netdev = netdev_hooks(o),
		.families = o->families,
		.snaplen = o->snaplen,
		.ring_size = o->ring_size,
		.flags = o->drops ? NFTRACE_CFG_DROPS : 0,
	};
	int ret;

	cap->t = open_device(o->device, errbuf);
	if (!cap->t) {
		fprintf(stderr, "%s: %s\n", PROG, errbuf);
		return -1;
	}
	if (open_netns(o, &cfg.netns_fd) < 0)
		return -1;
	ret = nftrace_set_config(cap->t, &cfg);
	if (ret < 0 && errno == EOPNOTSUPP && o->drops) {
		/* The module knows drops, this kernel does not tell them. */
		fprintf(stderr, "%s: --drops: this kernel is too old to record drops (its kfree_skb tracepoint gives no drop reason; Linux 5.17 or later does)\n",
			PROG);
		if (cfg.netns_fd >= 0)
			close(cfg.netns_fd);
		return -1;
	}
	if (ret < 0 && errno == EINVAL && o->drops) {
		/* Is it the flag? A module older than --drops refuses it. */
		cfg.flags = 0;
		if (nftrace_set_config(cap->t, &cfg) == 0) {
			fprintf(stderr, "%s: --drops: the loaded nftrace.ko does not record drops (too old)\n",
				PROG);
			if (cfg.netns_fd >= 0)
				close(cfg.netns_fd);
			return -1;
		}
		cfg.flags = NFTRACE_CFG_DROPS;
	}
	if (ret < 0 && netdev_too_new(cap->t, &cfg)) {
		if (cfg.netns_fd >= 0)
			close(cfg.netns_fd);
		return -1;
	}
	if (cfg.netns_fd >= 0)
		close(cfg.netns_fd);
	if (ret < 0 && errno == EINVAL &&
	    (o->families & ~NFTRACE_FAMILIES_INET)) {
		fprintf(stderr, "%s: --families: the loaded nftrace.ko captures IPv4 and IPv6 only (too old for bridge and arp)\n",
			PROG);
		return -1;
	}
	if (ret < 0 && no_hooks(o))
		return -1;
	if (ret == 0 && set_devices(cap->t, o) < 0)
		return -1;
	if (ret < 0 || (o->filter && set_filters(cap->t, prog, o->families) < 0) ||
	    nftrace_map(cap->t) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, nftrace_geterr(cap->t));
		return -1;
	}
	return 0;
}

static int open_output(struct capture *cap, unsigned int snaplen)
{
	const struct capture_opts *o = cap->opts;
	struct output_params p = {
		.format = o->format,
		.path = o->outfile,
		.stream = stdout,
		.linktype = o->linktype,
		.snaplen = snaplen,
		.appl = PROG " " NFTRACE_VERSION,
		.hooks = o->hooks,
		.families = o->families,
		.hooks_netdev = o->hooks_netdev,
	};
	char err[PCAP_ERRBUF_SIZE];

	if (output_open(&cap->out, &p, err) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return -1;
	}
	/* Packets go to a file: stderr is free for a live count. */
	cap->live = !o->quiet && o->outfile && strcmp(o->outfile, "-") &&
		    isatty(2);
	return 0;
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * Until a signal, -c or an error. After a poll that timed out, or a read
 * of the rings that did not fill a batch, no record stamped before the
 * time the poll returned, less STAMP_SLACK_NS, is still to be read (the
 * same clock, CLOCK_REALTIME): the output may let time pass up to then.
 */
static int capture_loop(struct capture *cap)
{
	while (!stop_requested && !cap->count_reached) {
		int r = nftrace_poll(cap->t, POLL_MS);
		unsigned long n = 0;
		__u64 now;

		if (r < 0) {
			fprintf(stderr, "%s: %s\n", PROG,
				nftrace_geterr(cap->t));
			return -1;
		}
		/* Idle: only a write would tell that the reader has gone. */
		if (!r && output_reader_gone(cap))
			break;
		now = realtime_ns();
		if (r)
			n = nftrace_dispatch(cap->t, BATCH, &handler, cap);
		if (n < BATCH && !cap->count_reached && now > STAMP_SLACK_NS)
			output_clock(&cap->out, now - STAMP_SLACK_NS);
		if (flush_output(cap) < 0)
			return -1;
		show_live(cap, 0);
	}
	return 0;
}

/* After STOP: everything the rings still hold, then the tail losses. */
static int drain(struct capture *cap)
{
	int ret = 0;

	while (nftrace_dispatch(cap->t, BATCH, &handler, cap))
		if (!output_error(&cap->out) && flush_output(cap) < 0)
			ret = -1;
	nftrace_finish(cap->t, &handler, cap);
	show_live(cap, 1);
	return ret;
}

/* An error seen before was reported then; a new one is reported here. */
static int close_output(struct capture *cap)
{
	int reported = output_error(&cap->out);

	if (output_close(&cap->out) == 0 || reader_gone(cap))
		return 0;
	if (!reported)
		fprintf(stderr, "%s: %s: %s\n", PROG, out_name(cap->opts),
			strerror(output_error(&cap->out)));
	return -1;
}

/*
 * -r: the records of a file nftrace-capture wrote, through the
 * same output as live ones, after the same selection: --hooks, -4/-6 and
 * the filter (run here, on the packet from its IP header, as the kernel
 * runs it), -s and -c. Losses the file records go where live ones go.
 */
static int read_file(struct capture *cap, const struct bpf_program *prog)
{
	const struct capture_opts *o = cap->opts;
	char err[PCAP_ERRBUF_SIZE];
	struct capture_file rd;
	unsigned long n = 0;
	int ret = 0;

	if (capture_file_open(&rd, o->readfile, err) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return -1;
	}
	if (open_output(cap, o->snaplen) < 0) {
		capture_file_close(&rd);
		return -1;
	}
	while (!stop_requested && !cap->count_reached &&
	       !output_error(&cap->out)) {
		const struct nftrace_record *rec;
		struct pcap_pkthdr h = { 0 };
		const __u8 *data;
		__u32 len, cap_len;
		__u64 lost;
		__u8 link;
		int r;

		r = capture_file_next(&rd, &rec, &len, &lost, err);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", PROG, err);
			ret = -1;
		}
		if (r <= 0)
			break;
		if (lost)
			on_lost(cap, rec->cpu, lost);
		if (!capture_wants(o, rec->family, rec->hook) ||
		    !capture_wants_device(o, rec))
			continue;
		data = nftrace_record_data(rec, len, &cap_len);
		h.caplen = cap_len;
		h.len = rec->orig_len;
		link = data ? nftrace_rec_link(rec) : NFTRACE_LINK_IP;
		if (o->filter && data &&
		    (link >= NFTRACE_LINK_ARP || !prog[link].bf_len ||
		     !pcap_offline_filter(&prog[link], &h, data)))
			continue;
		on_record(cap, rec, len);
		/* As live: a flush per batch, not per record; close flushes the rest. */
		if (++n % BATCH == 0 && flush_output(cap) < 0)
			ret = -1;
	}
	capture_file_close(&rd);
	if (close_output(cap) < 0)
		ret = -1;
	return ret;
}

/*
 * The filter for each link the families' packets have: IP (inet; netdev
 * on a device without an Ethernet header) and Ethernet (bridge, arp,
 * netdev). An expression of Ethernet's alone ("ether host ...") does not
 * compile for IP: when only netdev has IP packets, it keeps none of them.
 */
static int compile_filters(const struct capture_opts *o,
			   struct bpf_program *prog, char *err)
{
	static const struct bpf_insn none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct bpf_program *ip = &prog[NFTRACE_LINK_IP];

	if ((o->families & ~NFTRACE_FAMILIES_INET) &&
	    capture_compile_filter(o, DLT_EN10MB, &prog[NFTRACE_LINK_ETHERNET],
				   err) < 0)
		return -1;
	if (!(o->families & (NFTRACE_FAMILIES_INET | NFTRACE_FAMILY_NETDEV)) ||
	    capture_compile_filter(o, DLT_RAW, ip, err) == 0)
		return 0;
	if (o->families & NFTRACE_FAMILIES_INET)
		return -1;
	ip->bf_insns = malloc(sizeof(none));
	if (!ip->bf_insns) {
		snprintf(err, OPTS_ERR_SIZE, "out of memory");
		return -1;
	}
	*ip->bf_insns = none;
	ip->bf_len = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct capture_opts opts;
	struct bpf_program prog[NFTRACE_NR_LINKS] = { { 0 } };
	struct capture cap = { .opts = &opts, .watch_fd = -1 };
	char err[OPTS_ERR_SIZE];
	unsigned int link;
	int status = 1;

	switch (extcap_wanted(argc, argv) ?
		extcap_parse(&opts, argc, argv, stdout, err) :
		capture_parse_opts(&opts, argc, argv, stdout, err)) {
	case OPTS_EXIT:
		return 0;
	case OPTS_ERROR:
		fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
			PROG, err, PROG);
		return 1;
	case OPTS_RUN:
		break;
	}
	if (opts.filter && compile_filters(&opts, prog, err) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		goto out_free_prog;
	}
	if (setup_signals() < 0) {
		perror(PROG ": sigaction");
		goto out_free_prog;
	}
	if (opts.readfile) {
		status = read_file(&cap, prog) < 0;
		goto out_free_prog;
	}
	cap.watch_fd = wait_fifo_reader(&opts);
	if (cap.watch_fd == -1) {
		/* EPIPE: no reader will come, nor see a message. */
		if (errno != EPIPE)
			fprintf(stderr, "%s: %s: %s\n", PROG, opts.outfile,
				strerror(errno));
		goto out_close;
	}
	if (setup_device(&cap, prog) < 0)
		goto out_close;
	if (open_output(&cap, nftrace_info(cap.t)->snaplen) < 0)
		goto out_close;

	if (nftrace_start(cap.t) < 0) {
		if (!no_hooks(&opts))
			fprintf(stderr, "%s: %s\n", PROG,
				nftrace_geterr(cap.t));
		close_output(&cap);
		goto out_close;
	}
	print_banner(&cap);
	if (cap.watch_fd == -2)
		cap.watch_fd = watch_output(&opts);
	cap.pipe_out = opts.extcap || cap.watch_fd >= 0;
	status = 0;
	if (capture_loop(&cap) < 0)
		status = 1;
	if (nftrace_stop(cap.t) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, nftrace_geterr(cap.t));
		status = 1;
	}
	if (drain(&cap) < 0)
		status = 1;
	if (close_output(&cap) < 0)
		status = 1;
	/* An extcap's stderr is an error dialog in Wireshark. */
	if (!opts.extcap && print_stats(&cap) < 0)
		status = 1;

out_close:
	if (cap.watch_fd >= 0)
		close(cap.watch_fd);
	nftrace_close(cap.t);
out_free_prog:
	for (link = 0; link < NFTRACE_NR_LINKS; link++)
		pcap_freecode(&prog[link]);
	capture_opts_free(&opts);
	return status;
}
