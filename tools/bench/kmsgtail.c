// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * kmsgtail - the printk configuration's consumer: reads /dev/kmsg from its
 * end, as a syslog daemon would, and counts the records whose text starts
 * with PREFIX, until SIGINT or SIGTERM; then drains what is left and
 * prints "lines=N overruns=K": K times the kernel had overwritten records
 * before they were read (read() says EPIPE). The benchmark counts what
 * was lost against its own oracle, not from K.
 *
 *   kmsgtail PREFIX [OUTFILE]
 *
 * With OUTFILE the matching records are also written there, as journald
 * or rsyslog would write them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned long long lines = 0, overruns = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *prefix;
	size_t plen;
	FILE *out = NULL;
	char buf[8192];
	int fd, draining = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: kmsgtail PREFIX [OUTFILE]\n");
		return 2;
	}
	prefix = argv[1];
	plen = strlen(prefix);
	if (argc == 3 && !(out = fopen(argv[2], "w"))) {
		perror(argv[2]);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
		perror("/dev/kmsg");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		ssize_t n;
		char *text;

		if (stop && !draining) {
			/* What is already logged is still ours to read. */
			draining = 1;
			fcntl(fd, F_SETFL, O_NONBLOCK);
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0) {
			if (errno == EPIPE) {
				overruns++;	/* we were overtaken */
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			perror("read /dev/kmsg");
			return 1;
		}
		buf[n] = '\0';
		/* "level,seq,usec,flags;text\n" */
		text = strchr(buf, ';');
		if (!text)
			continue;
		text++;
		if (strncmp(text, prefix, plen))
			continue;
		lines++;
		if (out)
			fputs(text, out);
	}
	if (out)
		fclose(out);
	printf("lines=%llu overruns=%llu\n", lines, overruns);
	return 0;
}
