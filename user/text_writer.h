/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * text_writer.h - records as text lines (nftrace_fmt_record()) on a stream,
 * in local time.
 */
#ifndef _NFTRACE_TEXT_WRITER_H
#define _NFTRACE_TEXT_WRITER_H

#include <stdio.h>
#include <linux/types.h>

#include "../include/nftrace.h"

struct text_writer {
	FILE *f;
	long tz_offset;		/* seconds east of UTC, for tz_minute */
	long long tz_minute;	/* the minute tz_offset was looked up for */
	int error;		/* errno of the first write error, or 0 */
	unsigned long lines;
};

void text_writer_init(struct text_writer *w, FILE *f);
int text_writer_write(struct text_writer *w, const struct nftrace_record *rec,
		      __u32 rec_len);
/* 0, or -1 with w->error set. */
int text_writer_flush(struct text_writer *w);

/*
 * fflush(f), keeping the errno of the first error in *error; once one is
 * there, nothing more is tried. 0, or -1. For every stream writer.
 */
int stream_flush(FILE *f, int *error);

#endif /* _NFTRACE_TEXT_WRITER_H */
