// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * udpflood - the benchmark's UDP sender: COUNT datagrams as fast as
 * sendmmsg() takes them, then one line of results on stdout.
 *
 *   udpflood [-n COUNT] [-s PAYLOAD] [-b BATCH] [-p PORT] [-k] DEST
 *   udpflood -l [-p PORT] [BIND]      a sink: bind, never read, wait
 *
 * DEST and BIND are IPv4 or IPv6 literals. -k binds a sink on DEST:PORT in
 * this process first (the loopback case), so that no datagram draws an
 * ICMP port unreachable: each one goes through every hook and is dropped
 * at the full receive buffer, after INPUT, at a small and steady cost.
 *
 * Output: sent=N errors=E secs=S pps=P. The sender's own count is one of
 * the benchmark's oracles; pps is what the capture configurations are
 * compared on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH	1024

struct opts {
	unsigned long count;
	unsigned int payload;
	unsigned int batch;
	unsigned int port;
	int sink_only;
	int with_sink;
	const char *addr;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: udpflood [-n COUNT] [-s PAYLOAD] [-b BATCH] [-p PORT] [-k] DEST\n"
		"       udpflood -l [-p PORT] [BIND]\n");
	exit(2);
}

static socklen_t parse_addr(const char *s, unsigned int port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	fprintf(stderr, "udpflood: %s: not an IP address\n", s);
	exit(2);
}

/* Bound and never read: datagrams die at the full receive buffer. */
static int open_sink(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, small = 4096;
	int fd = socket(ss->ss_family, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("udpflood: socket");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		perror("udpflood: bind");
		exit(1);
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int flood(const struct opts *o)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	struct sockaddr_storage dst;
	unsigned long sent = 0, errors = 0;
	socklen_t dlen = parse_addr(o->addr, o->port, &dst);
	char *buf = calloc(1, o->payload ? o->payload : 1);
	double t0, secs;
	unsigned int i;
	int fd;

	if (o->with_sink)
		open_sink(&dst, dlen);
	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, dlen) < 0) {
		perror("udpflood: connect");
		return 1;
	}
	memset(buf, 'x', o->payload);
	for (i = 0; i < o->batch; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = o->payload;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now();
	while (sent < o->count) {
		unsigned long left = o->count - sent;
		int n = sendmmsg(fd, msgs, left < o->batch ? left : o->batch, 0);

		if (n < 0) {
			/* A full qdisc or a transient ICMP error: retry. */
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == ECONNREFUSED || errno == EINTR) {
				errors++;
				continue;
			}
			perror("udpflood: sendmmsg");
			return 1;
		}
		sent += n;
	}
	secs = now() - t0;
	printf("sent=%lu errors=%lu secs=%.6f pps=%.0f\n", sent, errors, secs,
	       sent / secs);
	free(buf);
	return 0;
}

static int sink(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(o->addr, o->port, &ss);

	open_sink(&ss, len);
	printf("sink %s port %u\n", o->addr, o->port);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.count = 100000, .payload = 64, .batch = 64, .port = 9,
	};
	int opt;

	while ((opt = getopt(argc, argv, "n:s:b:p:kl")) != -1) {
		switch (opt) {
		case 'n': o.count = strtoul(optarg, NULL, 0); break;
		case 's': o.payload = strtoul(optarg, NULL, 0); break;
		case 'b': o.batch = strtoul(optarg, NULL, 0); break;
		case 'p': o.port = strtoul(optarg, NULL, 0); break;
		case 'k': o.with_sink = 1; break;
		case 'l': o.sink_only = 1; break;
		default: usage();
		}
	}
	if (o.batch < 1 || o.batch > MAX_BATCH || o.payload > 65000)
		usage();
	if (o.sink_only) {
		o.addr = optind < argc ? argv[optind] : "0.0.0.0";
		return sink(&o);
	}
	if (optind != argc - 1)
		usage();
	o.addr = argv[optind];
	return flood(&o);
}
