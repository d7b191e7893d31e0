// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pcap_writer.c - records into a pcap file, through libpcap (see
 * pcap_writer.h). libpcap owns the file format: this file only builds
 * each packet's bytes and its pcap_pkthdr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kmod/nftrace_fmt.h"
#include "nflog.h"
#include "pcap_writer.h"

int pcap_writer_open(struct pcap_writer *w, const char *path, int linktype,
		     unsigned int snaplen, char *err)
{
	unsigned int file_snaplen = snaplen;

	memset(w, 0, sizeof(*w));
	w->linktype = linktype;
	w->snaplen = snaplen;
	if (linktype == DLT_NFLOG) {
		w->buf_size = NFLOG_HDR_MAX + snaplen + 3;
		w->buf = malloc(w->buf_size);
		if (!w->buf) {
			snprintf(err, PCAP_ERRBUF_SIZE, "out of memory");
			return -1;
		}
		file_snaplen += NFLOG_HDR_MAX + 3;
	}

	w->dead = pcap_open_dead_with_tstamp_precision(linktype,
			file_snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!w->dead) {
		snprintf(err, PCAP_ERRBUF_SIZE, "pcap_open_dead failed");
		goto err_free_buf;
	}
	w->dumper = pcap_dump_open(w->dead, path);
	if (!w->dumper) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(w->dead));
		goto err_close_dead;
	}
	/* The file header on disk before any packet: a valid empty capture. */
	if (pcap_writer_flush(w) < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s",
			 strcmp(path, "-") ? path : "stdout",
			 strerror(w->error));
		pcap_dump_close(w->dumper);
		goto err_close_dead;
	}
	return 0;

err_close_dead:
	pcap_close(w->dead);
err_free_buf:
	free(w->buf);
	return -1;
}

/* pcap's per-packet header, in front of each packet's bytes. */
#define PCAP_PKTHDR_LEN	16

/*
 * The size of each packet since the last good flush: if a write fails,
 * the file is cut after the last of them that made it whole. Without
 * memory for it, the cut falls back to the last good flush.
 */
static void remember(struct pcap_writer *w, unsigned int caplen)
{
	if (w->nr_pending == w->max_pending) {
		size_t max = w->max_pending ? 2 * w->max_pending : 1024;
		unsigned int *p = realloc(w->pending, max * sizeof(*p));

		if (!p)
			return;
		w->pending = p;
		w->max_pending = max;
	}
	w->pending[w->nr_pending++] = caplen;
}

int pcap_writer_write(struct pcap_writer *w, const struct nftrace_record *rec,
		      __u32 rec_len)
{
	struct pcap_pkthdr h;
	const __u8 *data;
	__u32 cap_len, orig_len;
	size_t n;

	if (w->error)
		return 0;
	data = nftrace_record_data(rec, rec_len, &cap_len);
	if (!data) {
		w->bad++;
		return 1;
	}
	/* The file's snaplen promises no more than this. */
	if (cap_len > w->snaplen)
		cap_len = w->snaplen;
	orig_len = rec->orig_len > cap_len ? rec->orig_len : cap_len;

	/* Nanosecond precision: tv_usec carries nanoseconds. */
	h.ts.tv_sec = (time_t)(rec->tstamp_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(rec->tstamp_ns % 1000000000ULL);
	errno = 0;
	if (w->linktype == DLT_NFLOG) {
		if (cap_len > NFLOG_PAYLOAD_MAX)
			cap_len = NFLOG_PAYLOAD_MAX;
		n = nflog_encode(w->buf, w->buf_size, rec, data, cap_len);
		/*
		 * The NFLOG message is whole, its payload cut, as the
		 * kernel's own NFLOG makes it: a record length beyond it
		 * makes Wireshark look for more TLVs and dissect nothing.
		 * The packet's length stays in its IP header.
		 */
		h.caplen = (bpf_u_int32)n;
		h.len = (bpf_u_int32)n;
		pcap_dump((u_char *)w->dumper, &h, w->buf);
	} else {
		h.caplen = cap_len;
		h.len = orig_len;
		pcap_dump((u_char *)w->dumper, &h, data);
	}
	w->packets++;
	remember(w, h.caplen);
	/* stdio writes a full buffer out in pcap_dump(): keep its errno. */
	if (ferror(pcap_dump_file(w->dumper)))
		w->error = errno ? errno : EIO;
	return 0;
}

int pcap_writer_flush(struct pcap_writer *w)
{
	FILE *f = pcap_dump_file(w->dumper);
	long long pos;

	if (w->error)
		return -1;
	errno = 0;
	if (pcap_dump_flush(w->dumper) < 0 || ferror(f)) {
		w->error = errno ? errno : EIO;
		return -1;
	}
	pos = pcap_dump_ftell64(w->dumper);
	if (pos >= 0)
		w->good = pos;
	w->good_packets = w->packets;
	w->nr_pending = 0;
	return 0;
}

/* After a write error: the whole packets that reached size bytes. */
static void count_whole(struct pcap_writer *w, long long size)
{
	size_t i;

	if (w->nr_pending != w->packets - w->good_packets)
		return;	/* some sizes were not remembered */
	for (i = 0; i < w->nr_pending; i++) {
		long long end = w->good + PCAP_PKTHDR_LEN + w->pending[i];

		if (end > size)
			break;
		w->good = end;
		w->good_packets++;
	}
}

int pcap_writer_close(struct pcap_writer *w)
{
	struct stat st;
	int fd = -1;

	if (!w->dumper)
		return w->error ? -1 : 0;
	pcap_writer_flush(w);
	/*
	 * After a failed write the stdio buffer holds a partial packet that
	 * fclose() may still push out: cut the file back afterwards, after
	 * the last whole packet it holds.
	 */
	if (w->error) {
		fd = dup(fileno(pcap_dump_file(w->dumper)));
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -1;
		}
	}
	pcap_dump_close(w->dumper);
	w->dumper = NULL;
	if (fd >= 0) {
		if (fstat(fd, &st) == 0)
			count_whole(w, st.st_size);
		if (ftruncate(fd, w->good) < 0) {
			/* Nothing better to do: the write error is reported. */
		}
		close(fd);
	}
	pcap_close(w->dead);
	w->dead = NULL;
	free(w->buf);
	w->buf = NULL;
	free(w->pending);
	w->pending = NULL;
	return w->error ? -1 : 0;
}
