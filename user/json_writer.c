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

/* Everything but the data, with four names escaped at 6 bytes a byte. */
#define JSON_FIXED_MAX	2048

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

/* ,"ct":{...}: for a record whose header has conntrack. */
static size_t put_ct(char *p, const struct nftrace_record *rec)
{
	const char *state = nftrace_ct_state_name(rec->ct_state);
	size_t n = 0;

	if (state)
		n += sprintf(p + n, ",\"ct\":{\"state\":\"%s\"", state);
	else
		n += sprintf(p + n, ",\"ct\":{\"state\":\"state%u\"",
			     rec->ct_state);
	if (nftrace_ct_has_entry(rec->ct_state)) {
		if (rec->ct_dir == NFTRACE_CT_DIR_ORIGINAL)
			n += sprintf(p + n, ",\"dir\":\"original\"");
		else if (rec->ct_dir == NFTRACE_CT_DIR_REPLY)
			n += sprintf(p + n, ",\"dir\":\"reply\"");
		else
			n += sprintf(p + n, ",\"dir\":\"dir%u\"", rec->ct_dir);
	}
	n += sprintf(p + n, ",\"status\":%u,\"zone\":%u,\"mark\":%u,\"snat\":%s,\"dnat\":%s}",
		     rec->ct_status, rec->ct_zone, rec->ct_mark,
		     rec->ct_status & NFTRACE_IPS_SRC_NAT ? "true" : "false",
		     rec->ct_status & NFTRACE_IPS_DST_NAT ? "true" : "false");
	return n;
}

/* ,"phys_in_ifindex":N,"phys_in":"NAME": a bridge port. */
static size_t put_phys(char *p, const char *key, __s32 ifindex,
		       const char *name)
{
	size_t n = 0;

	n += sprintf(p + n, ",\"%s_ifindex\":%d,\"%s\":", key, ifindex, key);
	n += put_name(p + n, name);
	return n;
}

/* The keys of the fields past NFTRACE_RECORD_V1_LEN the record has. */
static size_t put_new_fields(char *p, const struct nftrace_record *rec)
{
	size_t n = 0;

	if (nftrace_rec_packet_id(rec))
		n += sprintf(p + n, ",\"packet_id\":%llu",
			     (unsigned long long)rec->packet_id);
	if (nftrace_rec_netns_cookie(rec))
		n += sprintf(p + n, ",\"netns_cookie\":\"%llu\"",
			     (unsigned long long)rec->netns_cookie);
	if (nftrace_rec_has_ct(rec))
		n += put_ct(p + n, rec);
	if (nftrace_rec_has_phys_in(rec))
		n += put_phys(p + n, "phys_in", rec->phys_ifindex_in,
			      rec->phys_ifname_in);
	if (nftrace_rec_has_phys_out(rec))
		n += put_phys(p + n, "phys_out", rec->phys_ifindex_out,
			      rec->phys_ifname_out);
	return n;
}

static size_t put_fields(char *p, const struct nftrace_record *rec,
			 __u32 cap_len)
{
	const char *hook = nftrace_family_hook_name(rec->family, rec->hook);
	const char *family = nftrace_family_name(rec->family);
	size_t n = 0;

	p[n++] = '{';
	n += put_time(p + n, rec->tstamp_ns);
	if (hook)
		n += sprintf(p + n, ",\"hook\":\"%s\"", hook);
	else
		n += sprintf(p + n, ",\"hook\":\"hook%u\"", rec->hook);
	if (family)
		n += sprintf(p + n, ",\"family\":\"%s\"", family);
	else
		n += sprintf(p + n, ",\"family\":\"family%u\"", rec->family);
	n += sprintf(p + n, ",\"netns\":%u,\"in_ifindex\":%d,\"in\":",
		     rec->netns, rec->ifindex_in);
	n += put_name(p + n, rec->ifname_in);
	n += sprintf(p + n, ",\"out_ifindex\":%d,\"out\":", rec->ifindex_out);
	n += put_name(p + n, rec->ifname_out);
	n += sprintf(p + n, ",\"mark\":%u,\"cpu\":%u,\"seq\":%llu,\"len\":%u,\"cap_len\":%u,\"orig_len\":%u,\"dropped\":%s",
		     rec->mark, rec->cpu, (unsigned long long)rec->seq,
		     rec->len, cap_len, rec->orig_len,
		     rec->flags & NFTRACE_REC_F_DROP ? "true" : "false");
	n += put_new_fields(p + n, rec);
	/* Where "data" starts, when not at the IP header. */
	if (nftrace_rec_link(rec) == NFTRACE_LINK_ETHERNET)
		n += sprintf(p + n, ",\"link\":\"ethernet\"");
	else if (nftrace_rec_link(rec) == NFTRACE_LINK_ARP)
		n += sprintf(p + n, ",\"link\":\"arp\"");
	n += sprintf(p + n, ",\"data\":\"");
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
