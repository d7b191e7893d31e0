// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * text_writer.c - records as text lines, in local time (see text_writer.h).
 *
 * The line itself is nftrace_fmt_record()'s, the one the module's read()
 * prints; only the time zone offset is found here, with localtime_r()
 * once a minute rather than once a packet (offsets change on the minute).
 */
#include <errno.h>
#include <time.h>

#include "../kmod/nftrace_fmt.h"
#include "text_writer.h"

void text_writer_init(struct text_writer *w, FILE *f)
{
	w->f = f;
	w->tz_offset = 0;
	w->tz_minute = -1;
	w->error = 0;
	w->lines = 0;
}

static long tz_offset(struct text_writer *w, __u64 tstamp_ns)
{
	time_t sec = (time_t)(tstamp_ns / 1000000000ULL);
	struct tm tm;

	if (sec / 60 != w->tz_minute) {
		w->tz_minute = sec / 60;
		w->tz_offset = localtime_r(&sec, &tm) ? tm.tm_gmtoff : 0;
	}
	return w->tz_offset;
}

int text_writer_write(struct text_writer *w, const struct nftrace_record *rec,
		      __u32 rec_len)
{
	char line[NFTRACE_LINE_MAX];
	long tz = 0;
	int n;

	if (w->error)
		return -1;
	/* The time is in every header, old (NFTRACE_RECORD_V1_LEN) or new. */
	if (rec && rec_len >= NFTRACE_RECORD_V1_LEN)
		tz = tz_offset(w, rec->tstamp_ns);
	n = nftrace_fmt_record(line, sizeof(line), rec, rec_len, tz);
	fwrite(line, 1, (size_t)n, w->f);
	w->lines++;
	return 0;
}

int stream_flush(FILE *f, int *error)
{
	if (*error)
		return -1;
	errno = 0;
	if (fflush(f) == EOF || ferror(f)) {
		*error = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int text_writer_flush(struct text_writer *w)
{
	return stream_flush(w->f, &w->error);
}
