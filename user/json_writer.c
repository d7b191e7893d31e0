// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * json_writer.c - records as JSON lines (see json_writer.h for the keys).
 *
 * Each object is built in one buffer and written with one fwrite(), so a
 * reader never sees half an object unless the stream itself failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../kmod/nftrace_fmt.h"
#include "json_writer.h"
#include "text_writer.h"

/* Everything but the data, with names escaped at 6 bytes a byte. */
#define JSON_FIXED_MAX	1024

void json_writer_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* A name of at most NFTRACE_IFNAMSIZ untrusted bytes, as a JSON string. */
static size_t put_name(char *p, const char *name)
{
	size_t n = 0, i;

	p[n++] = '"';
	for (i = 0; i < NFTRACE_IFNAMSIZ && name[i]; i++) {
		unsigned char c = name[i];

		if (c == '"' || c == '\\') {
			p[n++] = '\\';
			p[n++] = c;
		} else if (c < 0x20 || c >= 0x7f) {
			n += sprintf(p + n, "\\u%04x", c);
		} else {
			p[n++] = c;
		}
	}
	p[n++] = '"';
	return n;
}

static size_t put_time(char *p, __u64 ns)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	return sprintf(p, "\"time_ns\":\"%llu\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09uZ\"",
		       (unsigned long long)ns, tm.tm_year + 1900,
		       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		       tm.tm_sec, (unsigned int)(ns % 1000000000ULL));
}

static size_t put_fields(char *p, const struct nftrace_record *rec,
			 __u32 cap_len)
{
	const char *hook = nftrace_hook_name(rec->hook);
	size_t n = 0;

	p[n++] = '{';
	n += put_time(p + n, rec->tstamp_ns);
	if (hook)
		n += sprintf(p + n, ",\"hook\":\"%s\"", hook);
	else
		n += sprintf(p + n, ",\"hook\":\"hook%u\"", rec->hook);
	if (rec->family == NFTRACE_NFPROTO_IPV4)
		n += sprintf(p + n, ",\"family\":\"ipv4\"");
	else if (rec->family == NFTRACE_NFPROTO_IPV6)
		n += sprintf(p + n, ",\"family\":\"ipv6\"");
	else
		n += sprintf(p + n, ",\"family\":\"family%u\"", rec->family);
	n += sprintf(p + n, ",\"netns\":%u,\"in_ifindex\":%d,\"in\":",
		     rec->netns, rec->ifindex_in);
	n += put_name(p + n, rec->ifname_in);
	n += sprintf(p + n, ",\"out_ifindex\":%d,\"out\":", rec->ifindex_out);
	n += put_name(p + n, rec->ifname_out);
	n += sprintf(p + n, ",\"mark\":%u,\"cpu\":%u,\"seq\":%llu,\"len\":%u,\"cap_len\":%u,\"orig_len\":%u,\"dropped\":%s,\"data\":\"",
		     rec->mark, rec->cpu, (unsigned long long)rec->seq,
		     rec->len, cap_len, rec->orig_len,
		     rec->flags & NFTRACE_REC_F_DROP ? "true" : "false");
	return n;
}

int json_writer_write(struct json_writer *w, const struct nftrace_record *rec,
		      __u32 rec_len)
{
	static const char hex[] = "0123456789abcdef";
	const __u8 *data;
	__u32 cap_len, i;
	size_t n;
	char *p;

	if (w->error)
		return 1;
	data = nftrace_record_data(rec, rec_len, &cap_len);
	if (!data) {
		w->bad++;
		return 1;
	}
	p = malloc(JSON_FIXED_MAX + 2 * (size_t)cap_len);
	if (!p) {
		w->error = ENOMEM;
		return 1;
	}
	n = put_fields(p, rec, cap_len);
	for (i = 0; i < cap_len; i++) {
		p[n++] = hex[data[i] >> 4];
		p[n++] = hex[data[i] & 15];
	}
	memcpy(p + n, "\"}\n", 3);
	n += 3;
	errno = 0;
	if (fwrite(p, 1, n, w->f) != n)
		w->error = errno ? errno : EIO;
	free(p);
	if (w->error)
		return 1;
	w->records++;
	return 0;
}

int json_writer_flush(struct json_writer *w)
{
	return stream_flush(w->f, &w->error);
}
