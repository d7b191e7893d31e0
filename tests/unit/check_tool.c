// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_tool.c - nftrace-capture end to end, the binary itself, against
 * the fake device (fake_nftrace.so, LD_PRELOAD): -c, signals, filters,
 * hooks, the exit statistics, overruns, a full disk, a closed pipe, and
 * the messages a user gets when something is missing.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "suites.h"
#include "tools.h"

#define DEV	"/fake/nftrace"
#define MAX_ENV	8

static char tmp[64], out_path[96], err_path[96];
static char out_buf[4096];

static void setup(void)
{
	strcpy(tmp, "/tmp/nftrace-tool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(out_path, sizeof(out_path), "%s/out", tmp);
	snprintf(err_path, sizeof(err_path), "%s/err", tmp);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

struct spawn {
	const char *env[MAX_ENV];	/* NAME=VALUE, NULL-terminated */
	int out_fd;			/* stdout: -1 for out_path */
	rlim_t fsize;			/* RLIMIT_FSIZE, 0: none */
};

/* Start the tool with args (NULL-terminated), stderr into err_path. */
static pid_t spawn(const struct spawn *sp, const char *const *args)
{
	char *argv[32] = { NFTRACE_TOOL }, fake[PATH_MAX];
	pid_t pid;
	int i;

	for (i = 0; args[i]; i++) {
		ck_assert_int_lt(i, 30);
		argv[i + 1] = (char *)args[i];
	}
	ck_assert_ptr_nonnull(realpath(NFTRACE_FAKE, fake));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid)
		return pid;

	/* Whatever happens to the test, the tool does not outlive it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setenv("LD_PRELOAD", fake, 1);
	setenv("NFTRACE_FAKE_DEV", DEV, 1);
	setenv("TZ", "UTC", 1);
	for (i = 0; sp && sp->env[i]; i++)
		putenv((char *)sp->env[i]);
	if (sp && sp->fsize) {
		struct rlimit rl = { sp->fsize, sp->fsize };

		signal(SIGXFSZ, SIG_IGN);	/* EFBIG instead */
		setrlimit(RLIMIT_FSIZE, &rl);
	}
	if (sp && sp->out_fd >= 0)
		dup2(sp->out_fd, 1);
	else
		dup2(open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
	dup2(open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
	execv(argv[0], argv);
	_exit(127);
}

/* The exit status, or 128 + the signal that ended it. */
static int wait_exit(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

/*
 * The exit status of a tool that must leave on its own within 5 s (what
 * says after what), or the test fails and the tool is killed.
 */
static int exit_within_5s(pid_t pid, const char *what)
{
	pid_t done = 0;
	int status, i;

	for (i = 0; i < 50 && !done; i++) {
		usleep(100000);
		done = waitpid(pid, &status, WNOHANG);
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("the tool still runs 5 s after %s", what);
	}
	ck_assert_int_eq(done, pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

static int run(const struct spawn *sp, const char *const *args)
{
	return wait_exit(spawn(sp, args));
}

static const char *slurp(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "";	/* not created yet */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* "N packets WHAT" from stderr, or -1. */
static long stat_of(const char *what)
{
	const char *err = slurp(err_path), *p;
	char want[64];

	snprintf(want, sizeof(want), " packets %s\n", what);
	p = strstr(err, want);
	if (!p)
		return -1;
	while (p > err && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtol(p, NULL, 10);
}

/* The sum of "lost N records" messages on stderr. */
static long lost_reported(void)
{
	const char *p = slurp(err_path);
	long n = 0;

	while ((p = strstr(p, "nftrace-capture: lost ")))
		n += strtol(p += 22, NULL, 10);
	return n;
}

static void wait_started(void)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (strstr(slurp(err_path), "capturing at"))
			return;
		usleep(10000);
	}
	ck_abort_msg("the capture did not start: %s", slurp(err_path));
}

/* Packets in a pcap file, or -1 when it does not read to its end. */
static long pcap_count(const char *path, int *linktype)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	long n = 0;
	pcap_t *p;
	int r;

	p = pcap_open_offline(path, err);
	ck_assert_msg(p != NULL, "%s", err);
	if (linktype)
		*linktype = pcap_datalink(p);
	while ((r = pcap_next_ex(p, &h, &d)) == 1)
		n++;
	pcap_close(p);
	return r == PCAP_ERROR_BREAK ? n : -1;
}

static long lines(const char *path)
{
	const char *s = slurp(path);
	long n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_count)
{
	const char *args[] = { "--device", DEV, "-c", "10", "-w", NULL, NULL,
			       NULL, NULL };
	char pcap[128];
	int lt;

	snprintf(pcap, sizeof(pcap), "%s/c.pcap", tmp);
	args[5] = pcap;
	/* -w writes pcapng (raw IP interfaces), as dumpcap does. */
	ck_assert_int_eq(run(NULL, args), 0);
	ck_assert_int_eq(pcap_count(pcap, &lt), 10);
	ck_assert_int_eq(lt, DLT_RAW);
	ck_assert_int_eq(memcmp(slurp(pcap), "\x0a\x0d\x0d\x0a", 4), 0);
	ck_assert_int_eq(stat_of("captured"), 10);

	/* -F pcap: today's pcap, NFLOG. */
	args[6] = "-F";
	args[7] = "pcap";
	ck_assert_int_eq(run(NULL, args), 0);
	ck_assert_int_eq(pcap_count(pcap, &lt), 10);
	ck_assert_int_eq(lt, DLT_NFLOG);
	ck_assert_int_eq(stat_of("captured"), 10);
	ck_assert_int_ge(stat_of("received by filter"), 10);
	ck_assert_int_eq(stat_of("dropped by kernel"), 0);

	/* Text: exactly 7 lines. */
	args[3] = "7";
	args[4] = NULL;
	ck_assert_int_eq(run(NULL, args), 0);
	ck_assert_int_eq(lines(out_path), 7);
	ck_assert_int_eq(stat_of("captured"), 7);
}
END_TEST

/* Everything produced, then a signal: all of it written, exit 0. */
static void all_then(int sig, int text)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=500", NULL };
	const char *args[] = { "--device", DEV, "-w", NULL, NULL };
	struct spawn sp = { .out_fd = -1 };
	char pcap[128];
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	snprintf(pcap, sizeof(pcap), "%s/all.pcap", tmp);
	args[3] = pcap;
	if (text)
		args[2] = NULL;
	pid = spawn(&sp, args);
	wait_started();
	usleep(300000);
	kill(pid, sig);
	ck_assert_int_eq(wait_exit(pid), 0);
	ck_assert_int_eq(text ? lines(out_path) : pcap_count(pcap, NULL),
			 1000);
	ck_assert_int_eq(stat_of("captured"), 1000);
	ck_assert_int_eq(stat_of("received by filter"), 1000);
	ck_assert_int_eq(stat_of("dropped by kernel"), 0);
	ck_assert_ptr_null(strstr(slurp(err_path), "warning"));
}

START_TEST(test_sigint_pcap)
{
	all_then(SIGINT, 0);
}
END_TEST

START_TEST(test_sigterm_text)
{
	all_then(SIGTERM, 1);
}
END_TEST

/* --drops against a module that predates it: said so, exit 1. */
START_TEST(test_drops_old_module)
{
	static const char *env[] = { "NFTRACE_FAKE_NO_FLAGS=1", NULL };
	const char *args[] = { "--device", DEV, "--drops", "-c", "1", NULL };
	struct spawn sp = { .out_fd = -1 };

	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(run(&sp, args), 1);
	ck_assert_ptr_nonnull(strstr(slurp(err_path),
		"--drops: the loaded nftrace.ko does not record drops (too old)"));
	/* The same module without --drops works. */
	args[2] = "-q";
	ck_assert_int_eq(run(&sp, args), 0);
	ck_assert_int_eq(lines(out_path), 1);
}
END_TEST

/* --drops on a kernel without drop reasons: said so, exit 1. */
START_TEST(test_drops_old_kernel)
{
	static const char *env[] = { "NFTRACE_FAKE_NO_DROPS=1", NULL };
	const char *args[] = { "--device", DEV, "--drops", "-c", "1", NULL };
	struct spawn sp = { .out_fd = -1 };

	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(run(&sp, args), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: --drops: this kernel is too old to record drops (its kfree_skb tracepoint gives no drop reason; Linux 5.17 or later does)\n");
	args[2] = "-q";
	ck_assert_int_eq(run(&sp, args), 0);
	ck_assert_int_eq(lines(out_path), 1);
}
END_TEST

/*
 * Three lines of the fake's: packets 0 of ring 0, 2 of ring 1 and 11 of
 * ring 1 (fake_nftrace.c), with the whole header and with a module's
 * from before packet ids (OLD_*: no id=, no ct=).
 */
#define LINE0	" cpu0 ipv4 PREROUTING id=1 in=eth0 out=- mark=0x0 netns=4026531840 ct=established,reply,dnat ct_zone=3 ct_mark=0x2a len=140 tcp 10.0.0.1:22 > 10.0.0.2:40000 [P.] seq 0 ack 0 win 512\n"
#define LINE1	" cpu1 ipv4 PREROUTING id=6 in=eth0 out=- mark=0x0 netns=4026531840 ct=untracked len=84 icmp 10.0.0.1 > 10.0.0.2 echo request id 1 seq 2\n"
#define LINE2	" cpu1 ipv6 FORWARD id=24 in=eth0 out=eth1 mark=0x0 netns=4026531840 ct=none len=60 tcp [2001:db8::1]:443 > [2001:db8::2]:50000 [.] seq 11 ack 1 win 100\n"
#define PCAP_LINE0 " cpu0 ipv4 PREROUTING in=#2 out=- mark=0x0 netns=4026531840 len=140 tcp 10.0.0.1:22 > 10.0.0.2:40000 [P.] seq 0 ack 0 win 512\n"
#define PCAP_LINE2 " cpu0 ipv6 FORWARD in=#2 out=#3 mark=0x0 netns=4026531840 len=60 tcp [2001:db8::1]:443 > [2001:db8::2]:50000 [.] seq 11 ack 1 win 100\n"
#define PCAP_JSON2 "\"hook\":\"FORWARD\",\"family\":\"ipv6\",\"netns\":4026531840,\"in_ifindex\":2,\"in\":\"#2\",\"out_ifindex\":3,\"out\":\"#3\",\"mark\":0,\"cpu\":0,\"seq\":0,\"len\":148,\"cap_len\":60,\"orig_len\":60,\"dropped\":false,\"data\":\"6"
#define OLD_LINE0 " cpu0 ipv4 PREROUTING in=eth0 out=- mark=0x0 netns=4026531840 len=140 tcp 10.0.0.1:22 > 10.0.0.2:40000 [P.] seq 0 ack 0 win 512\n"
#define OLD_LINE1 " cpu1 ipv4 PREROUTING in=eth0 out=- mark=0x0 netns=4026531840 len=84 icmp 10.0.0.1 > 10.0.0.2 echo request id 1 seq 2\n"
#define OLD_LINE2 " cpu1 ipv6 FORWARD in=eth0 out=eth1 mark=0x0 netns=4026531840 len=60 tcp [2001:db8::1]:443 > [2001:db8::2]:50000 [.] seq 11 ack 1 win 100\n"

/* Text lines: sorted by time, every ring's records, the shared format. */
START_TEST(test_text_lines)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=40", NULL };
	const char *args[] = { "--device", DEV, "-c", "80", NULL };
	struct spawn sp = { .out_fd = -1 };
	const char *s;

	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(run(&sp, args), 0);
	s = slurp(out_path);
	ck_assert_ptr_nonnull(strstr(s, LINE0));
	ck_assert_ptr_nonnull(strstr(s, LINE1));
	ck_assert_ptr_nonnull(strstr(s, LINE2));
	ck_assert_int_eq(lines(out_path), 80);
}
END_TEST

/* The 80 lines of an old module's records on stdout, as they always were. */
static void assert_old_lines(void)
{
	const char *s = slurp(out_path);

	ck_assert_ptr_nonnull(strstr(s, OLD_LINE0));
	ck_assert_ptr_nonnull(strstr(s, OLD_LINE1));
	ck_assert_ptr_nonnull(strstr(s, OLD_LINE2));
	ck_assert_ptr_null(strstr(s, " id="));
	ck_assert_ptr_null(strstr(s, " ct="));
	ck_assert_int_eq(lines(out_path), 80);
}

/*
 * A module from before packet ids (records with the
 * NFTRACE_RECORD_V1_LEN-byte header): text as its tool printed it, no
 * id= nor ct=; JSON without the later keys; its pcapng has no
 * epb_packetid and reads back with -r into the same lines.
 */
START_TEST(test_old_module_records)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=40",
				     "NFTRACE_FAKE_OLD_MODULE=1", NULL };
	const char *args[9] = { "--device", DEV, "-c", "80", NULL };
	const char *rd[] = { "-r", NULL, NULL };
	struct spawn sp = { .out_fd = -1 };
	char ng[128], cmd[512];
	const char *s;

	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(run(&sp, args), 0);
	assert_old_lines();
	ck_assert_ptr_nonnull(strstr(slurp(err_path), "80 packets captured\n"));

	args[4] = "--json";
	ck_assert_int_eq(run(&sp, args), 0);
	s = slurp(out_path);
	ck_assert_int_eq(lines(out_path), 80);
	ck_assert_ptr_nonnull(strstr(s, "\"len\":216,\"cap_len\":128,\"orig_len\":140,\"dropped\":false,\"data\":\"45"));
	ck_assert_ptr_null(strstr(s, "packet_id"));
	ck_assert_ptr_null(strstr(s, "netns_cookie"));
	ck_assert_ptr_null(strstr(s, "\"ct\""));
	ck_assert_ptr_null(strstr(s, "phys_"));

	snprintf(ng, sizeof(ng), "%s/old.pcapng", tmp);
	args[4] = "-w";
	args[5] = ng;
	args[6] = "-F";
	args[7] = "pcapng";
	ck_assert_int_eq(run(&sp, args), 0);
	rd[1] = ng;
	ck_assert_int_eq(run(NULL, rd), 0);
	assert_old_lines();
	ck_assert_str_eq(slurp(err_path), "");

	/* No packet ids in the file, no later words in its comments. */
	tool_require("tshark");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -e frame.packet_id -e frame.comment 2>/dev/null | grep -c -E '^\t(in=eth0 in_ifindex=2|in=- in_ifindex=0) out=[-a-z0-9]+ out_ifindex=[03] mark=0x0 cpu=[01]$'",
		 ng);
	ck_assert_int_eq(tool_run(cmd, out_buf, sizeof(out_buf)), 0);
	ck_assert_str_eq(out_buf, "80\n");
}
END_TEST

START_TEST(test_filter)
{
	const char *args[] = { "--device", DEV, "-w", NULL, "udp", "and",
			       "port", "53", NULL };
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=400", NULL };
	struct spawn sp = { .out_fd = -1 };
	char pcap[128];
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	snprintf(pcap, sizeof(pcap), "%s/f.pcap", tmp);
	args[3] = pcap;
	pid = spawn(&sp, args);
	wait_started();
	usleep(300000);
	kill(pid, SIGINT);
	ck_assert_int_eq(wait_exit(pid), 0);
	/* One packet in four is UDP, on 2 rings. */
	ck_assert_int_eq(pcap_count(pcap, NULL), 200);
	ck_assert_int_eq(stat_of("captured"), 200);
	ck_assert_int_eq(stat_of("received by filter"), 200);

	/* A filter that does not compile: before anything starts. */
	args[4] = "udp port";
	args[5] = NULL;
	ck_assert_int_eq(run(&sp, args), 1);
	ck_assert_ptr_nonnull(strstr(slurp(err_path),
				     "bad filter expression 'udp port'"));
	ck_assert_int_eq(pcap_count(pcap, NULL), 200);	/* untouched */
}
END_TEST

START_TEST(test_hooks_and_family)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=400", NULL };
	const char *args[] = { "--device", DEV, "--hooks", "forward,output",
			       "-6", "-q", NULL };
	struct spawn sp = { .out_fd = -1 };
	const char *s;
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	pid = spawn(&sp, args);
	usleep(500000);
	kill(pid, SIGINT);
	ck_assert_int_eq(wait_exit(pid), 0);
	/* One packet in four is IPv6: 100 per ring, 200 in all. */
	ck_assert_int_eq(lines(out_path), 200);
	s = slurp(out_path);
	ck_assert_ptr_null(strstr(s, " ipv4 "));
	ck_assert_ptr_null(strstr(s, " INPUT "));
	ck_assert_ptr_nonnull(strstr(s, " ipv6 FORWARD "));
	ck_assert_ptr_nonnull(strstr(s, " ipv6 OUTPUT "));
	/* -q: no banner. */
	ck_assert_ptr_null(strstr(slurp(err_path), "capturing at"));
	ck_assert_int_eq(stat_of("captured"), 200);
}
END_TEST

/*
 * The netdev family against the fake: its records (INGRESS of eth0,
 * EGRESS of eth1, Ethernet or IP), -i reaching SET_DEVICES with its
 * names and selecting by them, the filter on both links.
 */
START_TEST(test_netdev)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=40", NULL, NULL };
	const char *args[] = { "--device", DEV, "--families", "netdev", "-c",
			       "40", "-i", "eth0", NULL, NULL, NULL, NULL };
	struct spawn sp = { .out_fd = -1 };
	char log[128], log_env[160];
	const char *s;

	snprintf(log, sizeof(log), "%s/devices", tmp);
	snprintf(log_env, sizeof(log_env), "NFTRACE_FAKE_DEVICES_LOG=%s", log);
	env[1] = log_env;
	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(run(&sp, args), 0);
	ck_assert_str_eq(slurp(log), "eth0\n");
	ck_assert_int_eq(lines(out_path), 40);
	s = slurp(out_path);
	ck_assert_ptr_nonnull(strstr(s, " cpu0 netdev INGRESS id=1 in=eth0 out=- mark=0x0 netns=4026531840 ct=established,reply,dnat ct_zone=3 ct_mark=0x2a len=154 ether 02:00:00:00:00:01 > 02:00:00:00:00:02 tcp 10.0.0.1:22 > 10.0.0.2:40000 [P.] seq 0 ack 0 win 512\n"));
	ck_assert_ptr_nonnull(strstr(s, " cpu1 netdev INGRESS id=8 in=eth0 out=- mark=0x0 netns=4026531840 ct=none len=60 tcp [2001:db8::1]:443 > [2001:db8::2]:50000 [.] seq 3 ack 1 win 100\n"));
	ck_assert_ptr_null(strstr(s, "EGRESS"));
	ck_assert_ptr_nonnull(strstr(slurp(err_path),
		"capturing at ingress,egress, netdev, devices eth0, netns 4026531840"));

	/* Repeated and listed, in that order; egress by its device. */
	args[7] = "eth1,eth9";
	args[8] = "--dev";
	args[9] = "lo";
	ck_assert_int_eq(run(&sp, args), 0);
	ck_assert_str_eq(slurp(log), "eth0\neth1,eth9,lo\n");
	s = slurp(out_path);
	ck_assert_int_eq(lines(out_path), 40);
	ck_assert_ptr_nonnull(strstr(s, " netdev EGRESS id="));
	ck_assert_ptr_null(strstr(s, "INGRESS"));
	ck_assert_ptr_nonnull(strstr(s, " in=- out=eth1 "));

	/* --hooks egress; the filter on Ethernet and IP packets alike. */
	args[6] = "--hooks";
	args[7] = "egress";
	args[8] = "tcp";
	args[9] = NULL;
	ck_assert_int_eq(run(&sp, args), 0);
	s = slurp(out_path);
	ck_assert_int_eq(lines(out_path), 40);
	ck_assert_ptr_null(strstr(s, "INGRESS"));
	ck_assert_ptr_null(strstr(s, " udp "));
	ck_assert_ptr_nonnull(strstr(s, " ether 02:00:00:00:00:01 > 02:00:00:00:00:02 tcp 10.0.0.1:22 "));
	ck_assert_ptr_nonnull(strstr(s, "len=60 tcp [2001:db8::1]:443 "));
	/* Each -i run set devices once: this one none. */
	ck_assert_str_eq(slurp(log), "eth0\neth1,eth9,lo\n");
}
END_TEST

/* A module from before netdev and devices: said so, exit 1. */
START_TEST(test_netdev_old_module)
{
	static const char *env[] = { "NFTRACE_FAKE_NO_NETDEV=1", NULL };
	const char *args[] = { "--device", DEV, "-c", "1", "-i", "eth0", NULL };
	struct spawn sp = { .out_fd = -1 };

	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(run(&sp, args), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: --interface: the loaded nftrace.ko does not select devices (too old): load the one built with this tool\n");
	args[4] = "--families";
	args[5] = "inet,netdev";
	ck_assert_int_eq(run(&sp, args), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: --families netdev: the loaded nftrace.ko does not capture the netdev family (too old): load the one built with this tool\n");
	/* The same module without them works. */
	args[4] = "-q";
	args[5] = NULL;
	ck_assert_int_eq(run(&sp, args), 0);
	ck_assert_int_eq(lines(out_path), 1);
}
END_TEST

/*
 * Overrun: the tool blocks writing to a pipe nobody reads while the
 * producers go on. captured + dropped = all; the pcap holds "captured";
 * the losses reported add up to "dropped".
 */
START_TEST(test_overrun)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=20000", NULL };
	const char *args[] = { "--device", DEV, "-B", "64", "-w", "-", NULL };
	struct spawn sp = { .out_fd = -1 };
	char pcap[128], buf[65536];
	int fds[2], fd;
	ssize_t n;
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	sp.out_fd = fds[1];
	sp.fsize = 0;
	pid = spawn(&sp, args);
	close(fds[1]);
	wait_started();
	sleep(1);
	kill(pid, SIGINT);
	snprintf(pcap, sizeof(pcap), "%s/o.pcap", tmp);
	fd = open(pcap, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(fd, buf, n), n);
	close(fd);
	close(fds[0]);
	ck_assert_int_eq(wait_exit(pid), 0);

	ck_assert_int_eq(stat_of("received by filter"), 40000);
	ck_assert_int_gt(stat_of("dropped by kernel"), 0);
	ck_assert_int_eq(stat_of("captured") + stat_of("dropped by kernel"),
			 40000);
	ck_assert_int_eq(pcap_count(pcap, NULL), stat_of("captured"));
	ck_assert_int_eq(lost_reported(), stat_of("dropped by kernel"));
}
END_TEST

/* A full disk: exit 1, and a file of whole packets that says how many. */
START_TEST(test_disk_full)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=100000",
				     "NFTRACE_FAKE_GAP_US=5", NULL };
	const char *args[] = { "--device", DEV, "-s", "0", "-w", NULL, NULL };
	struct spawn sp = { .out_fd = -1, .fsize = 200000 };
	char pcap[128];
	long n;

	memcpy(sp.env, env, sizeof(env));
	snprintf(pcap, sizeof(pcap), "%s/full.pcap", tmp);
	args[5] = pcap;
	ck_assert_int_eq(run(&sp, args), 1);
	ck_assert_ptr_nonnull(strstr(slurp(err_path), "full.pcap: File too large"));
	n = pcap_count(pcap, NULL);
	ck_assert_int_gt(n, 100);
	ck_assert_int_eq(stat_of("captured"), n);
}
END_TEST

/*
 * `-w - | wireshark -k -i -` and Wireshark is closed: the reader of
 * stdout going is the end of the capture, not an error; the statistics
 * say what was captured.
 */
START_TEST(test_broken_pipe)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=10000000",
				     "NFTRACE_FAKE_GAP_US=10", NULL };
	const char *args[] = { "--device", DEV, "-w", "-", NULL };
	struct spawn sp = { .out_fd = -1 };
	char buf[100];
	int fds[2];
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	sp.fsize = 0;
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	sp.out_fd = fds[1];
	pid = spawn(&sp, args);
	close(fds[1]);
	ck_assert_int_gt(read(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
	ck_assert_int_eq(wait_exit(pid), 0);
	ck_assert_ptr_null(strstr(slurp(err_path), "Broken pipe"));
	ck_assert_int_gt(stat_of("received by filter"), 0);
}
END_TEST

/*
 * The same while no packets come, that a write would fail on: stdout a
 * pipe (its writer end shows POLLERR) or a socket (POLLHUP; sshd gives a
 * remote command one or the other), its reader closed. The capture ends
 * within a second of the idle poll, status 0, with its statistics.
 */
START_TEST(test_stdout_reader_gone_idle)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=0", NULL };
	const char *args[] = { "--device", DEV, "-w", "-", NULL };
	struct spawn sp = { .out_fd = -1 };
	int fds[2], status;
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	if (_i == 0)
		ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	else
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
					    0, fds), 0);
	sp.out_fd = fds[1];
	pid = spawn(&sp, args);
	close(fds[1]);
	wait_started();
	usleep(300000);
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
	/*
	 * Read all it wrote, as sshd does: a socket closed with unread data
	 * would show its writer ECONNRESET (POLLERR), not the POLLHUP of an
	 * ordinary close.
	 */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	while (read(fds[0], out_buf, sizeof(out_buf)) > 0)
		;
	close(fds[0]);
	ck_assert_int_eq(exit_within_5s(pid, _i ? "stdout's reader went (socket)" :
					    "stdout's reader went (pipe)"), 0);
	ck_assert_int_eq(stat_of("captured"), 0);
}
END_TEST

/*
 * An extcap whose fifo loses its reader while no packet comes (Wireshark
 * closes it to stop, or dies): the fifo's POLLERR is seen when the rings
 * are idle, and the extcap stops and leaves quietly, status 0, as after
 * an EPIPE. Before, it waited for a packet to fail to write.
 */
START_TEST(test_extcap_fifo_closed)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=0",
				     "NFTRACE_FAKE_DEV=/dev/nftrace", NULL };
	const char *args[] = { "--capture", "--extcap-interface", "nftrace",
			       "--fifo", NULL, NULL };
	struct spawn sp = { .out_fd = -1 };
	char fifo[128];
	int fd, status;
	pid_t pid;

	memcpy(sp.env, env, sizeof(env));
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmp);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	args[4] = fifo;
	pid = spawn(&sp, args);
	/* Until the extcap opens its end; then it is capturing, idle. */
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	usleep(300000);
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
	close(fd);
	ck_assert_int_eq(exit_within_5s(pid, "its fifo's reader went"), 0);
	ck_assert_str_eq(slurp(err_path), "");
}
END_TEST

START_TEST(test_setup_errors)
{
	const char *no_dev[] = { "--device", "/nonexistent/nftrace", "-c", "1",
				 NULL };
	const char *bad_ns[] = { "--device", DEV, "--netns", "/etc/hostname",
				 NULL };
	const char *no_ns[] = { "--device", DEV, "--netns", "/nonexistent",
				NULL };
	const char *bad_opt[] = { "--device", DEV, "-s", "99999", NULL };

	ck_assert_int_eq(run(NULL, no_dev), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: /nonexistent/nftrace not found: load the nftrace module (modprobe nftrace)\n");
	ck_assert_int_eq(run(NULL, bad_ns), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: " DEV ": configure: Invalid argument\n");
	ck_assert_int_eq(run(NULL, no_ns), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: --netns /nonexistent: No such file or directory\n");
	ck_assert_int_eq(run(NULL, bad_opt), 1);
	ck_assert_ptr_nonnull(strstr(slurp(err_path), "-s: bad value '99999'"));
	ck_assert_ptr_nonnull(strstr(slurp(err_path), "--help"));
}
END_TEST

/*
 * -r: a pcapng the tool wrote, read back into text and JSON with every
 * field the live text has; --hooks, -4/-6, the filter and -c select as
 * live; -w writes it again; capture options are refused.
 */
START_TEST(test_read_file)
{
	static const char *env[] = { "NFTRACE_FAKE_PACKETS=40", NULL };
	const char *cap[] = { "--device", DEV, "-c", "80", "-w", NULL, "-F",
			      "pcapng", NULL };
	const char *rd[12] = { "-r", NULL };
	struct spawn sp = { .out_fd = -1 };
	char ng[128], ng2[128];
	const char *s;
	char *text;

	memcpy(sp.env, env, sizeof(env));
	snprintf(ng, sizeof(ng), "%s/c.pcapng", tmp);
	snprintf(ng2, sizeof(ng2), "%s/c2.pcapng", tmp);
	cap[5] = ng;
	ck_assert_int_eq(run(&sp, cap), 0);
	rd[1] = ng;

	/* Text, as live (test_text_lines), all 80. */
	ck_assert_int_eq(run(NULL, rd), 0);
	s = slurp(out_path);
	ck_assert_ptr_nonnull(strstr(s, LINE0));
	ck_assert_ptr_nonnull(strstr(s, LINE1));
	ck_assert_ptr_nonnull(strstr(s, LINE2));
	ck_assert_int_eq(lines(out_path), 80);
	text = strdup(s);	/* before slurp() reuses its buffer */
	ck_assert_str_eq(slurp(err_path), "");

	/* Written again with -w, read again: the same lines. */
	rd[2] = "-w";
	rd[3] = ng2;
	rd[4] = "-F";
	rd[5] = "pcapng";
	ck_assert_int_eq(run(NULL, rd), 0);
	rd[1] = ng2;
	rd[2] = NULL;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_msg(!strcmp(slurp(out_path), text),
		      "-r of the file -r wrote: other lines");
	free(text);
	rd[1] = ng;

	/* JSON: one object per record, with the later keys from the file. */
	rd[2] = "--json";
	rd[3] = NULL;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 80);
	s = slurp(out_path);
	ck_assert_ptr_nonnull(strstr(s, "\"hook\":\"FORWARD\""));
	ck_assert_ptr_nonnull(strstr(s, "\"cpu\":0,\"seq\":0,\"len\":288,\"cap_len\":128,\"orig_len\":140,\"dropped\":false,\"packet_id\":1,\"netns_cookie\":\"9007199254740993\",\"ct\":{\"state\":\"established\",\"dir\":\"reply\",\"status\":302,\"zone\":3,\"mark\":42,\"snat\":false,\"dnat\":true},\"data\":\"45"));
	ck_assert_ptr_nonnull(strstr(s, "\"packet_id\":24,\"netns_cookie\":\"9007199254740993\",\"ct\":{\"state\":\"none\",\"status\":0,\"zone\":0,\"mark\":0,\"snat\":false,\"dnat\":false},\"data\":\"6"));

	/* Selection: one in four is IPv6, one in four is UDP port 53. */
	rd[2] = "-6";
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 20);
	ck_assert_ptr_null(strstr(slurp(out_path), " ipv4 "));
	rd[2] = "udp";
	rd[3] = "port";
	rd[4] = "53";
	rd[5] = NULL;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 20);
	rd[2] = "-c";
	rd[3] = "3";
	rd[4] = NULL;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 3);

	/* An NFLOG pcap file: its lines as far as NFLOG holds them. */
	snprintf(ng2, sizeof(ng2), "%s/c.pcap", tmp);
	cap[5] = ng2;
	cap[7] = "pcap";
	ck_assert_int_eq(run(&sp, cap), 0);
	rd[1] = ng2;
	rd[2] = NULL;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 80);
	s = slurp(out_path);
	ck_assert_ptr_nonnull(strstr(s, PCAP_LINE0));
	ck_assert_ptr_nonnull(strstr(s, PCAP_LINE2));
	ck_assert_str_eq(slurp(err_path), "");
	rd[2] = "--json";
	rd[3] = NULL;
	ck_assert_int_eq(run(NULL, rd), 0);
	s = slurp(out_path);
	ck_assert_msg(strstr(s, PCAP_JSON2), "%.2000s", s);
	ck_assert_ptr_null(strstr(s, "packet_id"));
	/* Selected as the pcapng file is. */
	rd[2] = "--hooks";
	rd[3] = "forward";
	rd[4] = "-6";
	rd[5] = NULL;
	rd[1] = ng;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 4);
	rd[1] = ng2;
	ck_assert_int_eq(run(NULL, rd), 0);
	ck_assert_int_eq(lines(out_path), 4);
	ck_assert_ptr_nonnull(strstr(slurp(out_path), PCAP_LINE2));
	/* A raw-IP one has no hook. */
	rd[1] = ng2;
	rd[2] = NULL;
	{
		const char *raw[] = { "--device", DEV, "-c", "8", "-w", ng2,
				      "--linktype", "raw", NULL };

		ck_assert_int_eq(run(&sp, raw), 0);
	}
	ck_assert_int_eq(run(NULL, rd), 1);
	ck_assert_msg(strstr(slurp(err_path), ": a raw-IP pcap file (--linktype raw) holds no hook:"),
		      "%s", slurp(err_path));
	rd[1] = ng;

	/* What -r cannot do, said before anything is read. */
	rd[2] = "--drops";
	rd[3] = NULL;
	ck_assert_int_eq(run(NULL, rd), 1);
	ck_assert_ptr_nonnull(strstr(slurp(err_path),
		"nftrace-capture: --drops is for a live capture: -r reads what a capture wrote\n"));
	rd[1] = "/nonexistent/x.pcapng";
	rd[2] = NULL;
	ck_assert_int_eq(run(NULL, rd), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: /nonexistent/x.pcapng: No such file or directory\n");
	rd[1] = NFTRACE_MANPAGE;
	ck_assert_int_eq(run(NULL, rd), 1);
	ck_assert_str_eq(slurp(err_path),
		"nftrace-capture: " NFTRACE_MANPAGE ": neither a pcapng nor a pcap file\n");
}
END_TEST

Suite *tool_suite(void)
{
	Suite *s = suite_create("tool");
	TCase *tc = tcase_create("end-to-end");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_sigint_pcap);
	tcase_add_test(tc, test_sigterm_text);
	tcase_add_test(tc, test_text_lines);
	tcase_add_test(tc, test_old_module_records);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_drops_old_module);
	tcase_add_test(tc, test_drops_old_kernel);
	tcase_add_test(tc, test_hooks_and_family);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_netdev_old_module);
	tcase_add_test(tc, test_overrun);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_broken_pipe);
	tcase_add_test(tc, test_extcap_fifo_closed);
	tcase_add_loop_test(tc, test_stdout_reader_gone_idle, 0, 2);
	tcase_add_test(tc, test_setup_errors);
	tcase_add_test(tc, test_read_file);
	suite_add_tcase(s, tc);
	return s;
}
