// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace - see packets at the netfilter hooks.
 *
 * Loading the module only creates /dev/nftrace; hooks are registered when
 * a reader first wants them and stay until the module goes
 * (nftrace_reg_net.c), so a module never used costs nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netfilter_ipv4.h>

#include "nftrace_priv.h"

module_param_named(priority, nftrace_priority, int, 0444);
MODULE_PARM_DESC(priority,
		 "netfilter hook priority (default NF_IP_PRI_FIRST: before everything; "
		 "below NF_IP_PRI_LAST, else the module refuses to load)");

static int __init nftrace_init(void)
{
	int err;

	/*
	 * Drops are told from the exit op that --drops registers at
	 * NF_IP_PRI_LAST (nftrace_drops.c): the entry op must run strictly
	 * before it, and ops of equal priority run in registration order.
	 */
	if (nftrace_priority >= NF_IP_PRI_LAST) {
		pr_err("priority %d: must be below NF_IP_PRI_LAST (%d), where the drop exit op sits\n",
		       nftrace_priority, NF_IP_PRI_LAST);
		return -EINVAL;
	}
	err = nftrace_dev_init();
	if (err) {
		pr_err("cannot register /dev/nftrace: %d\n", err);
		return err;
	}
	pr_info("ABI %d, /dev/nftrace ready\n", NFTRACE_ABI_VERSION);
	return 0;
}

static void __exit nftrace_exit(void)
{
	/* Open files pin the module: no reader is left. */
	nftrace_dev_exit();
	nftrace_hooks_exit();
}

module_init(nftrace_init);
module_exit(nftrace_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("nftrace developers");
MODULE_DESCRIPTION("Trace packets at the netfilter hooks into per-CPU rings");
MODULE_VERSION("0.1");
