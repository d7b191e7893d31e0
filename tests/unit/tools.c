// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tools.c - running the independent readers (see tools.h).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "tools.h"

void tool_require(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	ck_assert_msg(system(cmd) == 0,
		      "%s is missing: tools/install-deps.sh installs it", name);
}

const char *tool_with_fake(void)
{
	static char cmd[PATH_MAX + 256];
	char fake[PATH_MAX];

	ck_assert_ptr_nonnull(realpath(NFTRACE_FAKE, fake));
	snprintf(cmd, sizeof(cmd),
		 "LD_PRELOAD=%s NFTRACE_FAKE_DEV=/fake/nftrace %s --device /fake/nftrace",
		 fake, NFTRACE_TOOL);
	return cmd;
}

int tool_run(const char *cmd, char *buf, size_t size)
{
	size_t n = 0, r;
	FILE *f;
	int status;

	f = popen(cmd, "r");
	ck_assert_msg(f != NULL, "popen %s", cmd);
	while (n + 1 < size && (r = fread(buf + n, 1, size - 1 - n, f)) > 0)
		n += r;
	buf[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
