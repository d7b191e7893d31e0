/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * tools.h - running the independent readers the writers are checked
 * against (tshark, capinfos, tcpdump, jq): a missing one fails the test.
 */
#ifndef _NFTRACE_TEST_TOOLS_H
#define _NFTRACE_TEST_TOOLS_H

#include <stddef.h>

/* Fails the test unless the program name is on PATH. */
void tool_require(const char *name);

/*
 * Run cmd with sh -c, its stdout into buf (size bytes, NUL-terminated,
 * stderr left alone). Returns the exit status.
 */
int tool_run(const char *cmd, char *buf, size_t size);

/*
 * "LD_PRELOAD=... NFTRACE_FAKE_DEV=/fake/nftrace NFTRACE_TOOL --device
 * /fake/nftrace": the tool against the fake device, for a shell command.
 */
const char *tool_with_fake(void);

#endif /* _NFTRACE_TEST_TOOLS_H */
