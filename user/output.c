// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * output.c - the writers behind struct output (see output.h): each one's
 * functions in an ops table, nothing more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

static const char *describe_nothing(const struct output *out)
{
	(void)out;
	return "";
}

/* text */

static int out_text_write(struct output *out, const struct nftrace_record *rec,
		      __u32 rec_len)
{
	return text_writer_write(&out->w.text, rec, rec_len) ? 1 : 0;
}

static int out_text_flush(struct output *out)
{
	return text_writer_flush(&out->w.text);
}

/* The stream is not ours to close: what it holds is pushed out. */
static int out_text_close(struct output *out)
{
	if (out->w.text.error)
		return -1;
	return text_writer_flush(&out->w.text);
}

static void out_text_stats(const struct output *out, struct output_stats *st)
{
	st->error = out->w.text.error;
	st->written = out->w.text.lines;
	st->whole = -1;
	st->bad = 0;	/* a bad record is a "bad record" line */
}

static const struct output_ops text_ops = {
	.write = out_text_write,
	.flush = out_text_flush,
	.close = out_text_close,
	.stats = out_text_stats,
	.describe = describe_nothing,
};

/* pcap */

static int out_pcap_write(struct output *out, const struct nftrace_record *rec,
		      __u32 rec_len)
{
	struct pcap_writer *w = &out->w.pcap;

	if (w->error)
		return 1;
	return pcap_writer_write(w, rec, rec_len);
}

static int out_pcap_flush(struct output *out)
{
	return pcap_writer_flush(&out->w.pcap);
}

static int out_pcap_close(struct output *out)
{
	return pcap_writer_close(&out->w.pcap);
}

static void out_pcap_stats(const struct output *out, struct output_stats *st)
{
	const struct pcap_writer *w = &out->w.pcap;

	st->error = w->error;
	st->written = w->packets;
	st->whole = w->error ? (long)w->good_packets : (long)w->packets;
	st->bad = w->bad;
}

static const char *out_pcap_describe(const struct output *out)
{
	return out->w.pcap.linktype == DLT_NFLOG ? ", link-type NFLOG" :
						   ", link-type RAW";
}

static const struct output_ops pcap_ops = {
	.write = out_pcap_write,
	.flush = out_pcap_flush,
	.close = out_pcap_close,
	.stats = out_pcap_stats,
	.describe = out_pcap_describe,
};

/* pcapng */

static int out_pcapng_write(struct output *out, const struct nftrace_record *rec,
			__u32 rec_len)
{
	return pcapng_writer_write(&out->w.pcapng, rec, rec_len);
}

static void out_pcapng_lost(struct output *out, unsigned int ring, __u64 n)
{
	pcapng_writer_lost(&out->w.pcapng, ring, n);
}

static int out_pcapng_flush(struct output *out)
{
	return pcapng_writer_flush(&out->w.pcapng);
}

static int out_pcapng_close(struct output *out)
{
	return pcapng_writer_close(&out->w.pcapng);
}

static void out_pcapng_stats(const struct output *out, struct output_stats *st)
{
	const struct pcapng_writer *w = &out->w.pcapng;

	st->error = w->error;
	st->written = w->packets;
	st->whole = w->error ? (long)w->good_packets : (long)w->packets;
	st->bad = w->bad;
}

static const char *out_pcapng_describe(const struct output *out)
{
	(void)out;
	return ", pcapng, link-type RAW";
}

static const struct output_ops pcapng_ops = {
	.write = out_pcapng_write,
	.lost = out_pcapng_lost,
	.flush = out_pcapng_flush,
	.close = out_pcapng_close,
	.stats = out_pcapng_stats,
	.describe = out_pcapng_describe,
};

/* json */

static int out_json_write(struct output *out, const struct nftrace_record *rec,
		      __u32 rec_len)
{
	return json_writer_write(&out->w.json, rec, rec_len);
}

static int out_json_flush(struct output *out)
{
	return json_writer_flush(&out->w.json);
}

static int out_json_close(struct output *out)
{
	if (out->w.json.error)
		return -1;
	return json_writer_flush(&out->w.json);
}

static void out_json_stats(const struct output *out, struct output_stats *st)
{
	st->error = out->w.json.error;
	st->written = out->w.json.records;
	st->whole = -1;
	st->bad = out->w.json.bad;
}

static const struct output_ops json_ops = {
	.write = out_json_write,
	.flush = out_json_flush,
	.close = out_json_close,
	.stats = out_json_stats,
	.describe = describe_nothing,
};

/* journey */

static int out_journey_write(struct output *out,
			     const struct nftrace_record *rec, __u32 rec_len)
{
	return journey_writer_write(&out->w.journey, rec, rec_len);
}

static void out_journey_clock(struct output *out, __u64 now_ns)
{
	journey_writer_clock(&out->w.journey, now_ns);
}

static int out_journey_flush(struct output *out)
{
	return journey_writer_flush(&out->w.journey);
}

static int out_journey_close(struct output *out)
{
	return journey_writer_close(&out->w.journey);
}

static void out_journey_stats(const struct output *out,
			      struct output_stats *st)
{
	st->error = out->w.journey.error;
	st->written = out->w.journey.records;
	st->whole = -1;
	st->bad = out->w.journey.bad;
}

static const char *out_journey_describe(const struct output *out)
{
	(void)out;
	return ", journeys";
}

static const struct output_ops journey_ops = {
	.write = out_journey_write,
	.clock = out_journey_clock,
	.flush = out_journey_flush,
	.close = out_journey_close,
	.stats = out_journey_stats,
	.describe = out_journey_describe,
};

int output_open(struct output *out, const struct output_params *p, char *err)
{
	memset(out, 0, sizeof(*out));
	switch (p->format) {
	case OUTPUT_TEXT:
		out->ops = &text_ops;
		text_writer_init(&out->w.text, p->stream);
		return 0;
	case OUTPUT_JSON:
		out->ops = &json_ops;
		json_writer_init(&out->w.json, p->stream);
		return 0;
	case OUTPUT_JOURNEY:
		out->ops = &journey_ops;
		if (journey_writer_init(&out->w.journey, p->stream, p->hooks,
					JOURNEY_TABLE_SIZE) < 0) {
			snprintf(err, PCAP_ERRBUF_SIZE, "journeys: %s",
				 strerror(errno));
			return -1;
		}
		journey_writer_families(&out->w.journey, p->families,
					p->hooks_netdev);
		return 0;
	case OUTPUT_PCAP:
		out->ops = &pcap_ops;
		return pcap_writer_open(&out->w.pcap, p->path, p->linktype,
					p->snaplen, err);
	case OUTPUT_PCAPNG:
		out->ops = &pcapng_ops;
		return pcapng_writer_open(&out->w.pcapng, p->path, p->snaplen,
					  p->appl, err);
	}
	snprintf(err, PCAP_ERRBUF_SIZE, "unknown output format %d",
		 (int)p->format);
	return -1;
}
