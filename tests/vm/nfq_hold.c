// SPDX-License-Identifier: GPL-2.0
/*
 * nfq_hold - an NFQUEUE listener that holds packets, as an inline IPS
 * (Suricata, Snort) does while it decides: test_capture_nfqueue.sh.
 *
 *   nfq_hold QUEUE HOLD
 *	Bind NFQUEUE number QUEUE (metadata only, no payload copied), take
 *	the first HOLD packets without a verdict and print "held HOLD".
 *	On SIGUSR1 accept them, print "released HOLD", and from then on
 *	accept every packet as it comes. On SIGTERM or SIGINT print
 *	"queued=N verdicts=V refused=R" (N: packets the queue handed us,
 *	V: verdicts sent, R: verdicts the kernel refused with ENOENT, for
 *	packets it no longer held) and exit 0. Exit 1 on any other netlink
 *	error.
 *
 * Raw netlink, no libnetfilter_queue: the messages are those of
 * <linux/netfilter/nfnetlink_queue.h>.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HELD 4096

static volatile sig_atomic_t release_req, stop_req;
static int fd;
static uint16_t queue;
static uint32_t seq;

static void on_usr1(int sig) { (void)sig; release_req = 1; }
static void on_stop(int sig) { (void)sig; stop_req = 1; }

static void die(const char *what)
{
	fprintf(stderr, "nfq_hold: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One nfnetlink message: header, nfgenmsg, then attributes added by put(). */
struct msg {
	char buf[256];
	struct nlmsghdr *nlh;
};

static void msg_init(struct msg *m, uint16_t type)
{
	struct nfgenmsg *g;

	memset(m->buf, 0, sizeof(m->buf));
	m->nlh = (struct nlmsghdr *)m->buf;
	m->nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*g));
	m->nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	m->nlh->nlmsg_flags = NLM_F_REQUEST;
	m->nlh->nlmsg_seq = ++seq;
	g = NLMSG_DATA(m->nlh);
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue);
}

static void put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh->nlmsg_len = NLMSG_ALIGN(m->nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void send_msg(struct msg *m)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	if (sendto(fd, m->buf, m->nlh->nlmsg_len, 0, (struct sockaddr *)&k,
		   sizeof(k)) < 0)
		die("sendto");
}

/* A request with an ACK: wait for it (packets meanwhile are not expected). */
static void config(const struct msg *m0)
{
	struct msg m = *m0;
	char buf[4096];
	ssize_t n;

	m.nlh = (struct nlmsghdr *)m.buf;
	m.nlh->nlmsg_flags |= NLM_F_ACK;
	send_msg(&m);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		die("recv ack");
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			if (e->error) {
				errno = -e->error;
				die("config");
			}
			return;
		}
	}
	fprintf(stderr, "nfq_hold: no ack to the config message\n");
	exit(1);
}

static unsigned long verdicts, refused;

static void verdict(uint32_t id)
{
	struct nfqnl_msg_verdict_hdr v = {
		.verdict = htonl(NF_ACCEPT), .id = htonl(id),
	};
	struct msg m;

	msg_init(&m, NFQNL_MSG_VERDICT);
	put(&m, NFQA_VERDICT_HDR, &v, sizeof(v));
	send_msg(&m);
	verdicts++;
}

/* The packet id of an NFQNL_MSG_PACKET, or -1 for anything else. */
static int64_t packet_id(struct nlmsghdr *h)
{
	struct nlattr *a;
	int len;

	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);

		if (e->error == -ENOENT) {
			refused++;	/* the packet is gone */
		} else if (e->error) {
			errno = -e->error;
			die("verdict");
		}
		return -1;
	}
	if (h->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
		return -1;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
	a = (struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR) {
			struct nfqnl_msg_packet_hdr ph;

			memcpy(&ph, (char *)a + NLA_HDRLEN, sizeof(ph));
			return ntohl(ph.packet_id);
		}
	}
	fprintf(stderr, "nfq_hold: a packet without NFQA_PACKET_HDR\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static uint32_t held[MAX_HELD];
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND };
	struct nfqnl_msg_config_params params = {
		.copy_range = htonl(0), .copy_mode = NFQNL_COPY_META,
	};
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	unsigned long queued = 0, hold, nheld = 0;
	bool released = false;
	struct sigaction sa = { 0 };
	struct msg m;
	int rcvbuf = 4 << 20;

	if (argc != 3) {
		fprintf(stderr, "usage: nfq_hold QUEUE HOLD\n");
		return 2;
	}
	queue = atoi(argv[1]);
	hold = strtoul(argv[2], NULL, 0);
	if (hold > MAX_HELD) {
		fprintf(stderr, "nfq_hold: HOLD at most %d\n", MAX_HELD);
		return 2;
	}
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		die("bind");
	msg_init(&m, NFQNL_MSG_CONFIG);
	put(&m, NFQA_CFG_CMD, &cmd, sizeof(cmd));
	config(&m);
	msg_init(&m, NFQNL_MSG_CONFIG);
	put(&m, NFQA_CFG_PARAMS, &params, sizeof(params));
	config(&m);
	printf("bound %u\n", queue);
	fflush(stdout);

	while (!stop_req) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[65536];
		ssize_t n;

		if (release_req && !released) {
			for (unsigned long i = 0; i < nheld; i++)
				verdict(held[i]);
			released = true;
			printf("released %lu\n", nheld);
			fflush(stdout);
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recv");	/* ENOBUFS: the queue overran us */
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			int64_t id = packet_id(h);

			if (id < 0)
				continue;
			queued++;
			if (!released && nheld < hold) {
				held[nheld++] = id;
				if (nheld == hold) {
					printf("held %lu\n", nheld);
					fflush(stdout);
				}
			} else {
				verdict(id);
			}
		}
	}
	printf("queued=%lu verdicts=%lu refused=%lu\n", queued, verdicts, refused);
	return 0;
}
