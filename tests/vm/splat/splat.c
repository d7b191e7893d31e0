// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * splat.ko - WARNs once when loaded, and does nothing else.
 *
 * The VM harness's self-test (tests/vm/harness_selftest.sh) loads it to
 * prove that tools/vm/run fails a run whose kernel log holds a splat even
 * when every script exited 0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init splat_init(void)
{
	pr_info("warning on purpose: the VM harness must fail this run\n");
	WARN_ON_ONCE(1);
	return 0;
}

static void __exit splat_exit(void)
{
}

module_init(splat_init);
module_exit(splat_exit);

MODULE_DESCRIPTION("WARN on load: self-test of nftrace's VM harness");
MODULE_LICENSE("GPL");
