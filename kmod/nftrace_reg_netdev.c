// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_reg_netdev.c - the netdev family's hooks: ingress and (where
 * the kernel has it) egress, on every device of every netns.
 *
 * A netdev hook belongs to one device, not to a netns: a netdevice
 * notifier, registered when the first reader wants the family, hooks
 * each device as it is registered (those already there are replayed to
 * it), unhooks it as it is unregistered (a device moving to another
 * netns is both, in turn), and is unregistered, unhooking them all, when
 * the module goes. Like the other families' ops, a hook stays while its
 * device does: unregistering it would drop every packet NFQUEUE holds in
 * the netns. The notifier and the devices' list run under RTNL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "compat.h"
#include "nftrace_priv.h"

/* One device's ops: ingress, then egress. */
struct nftrace_netdev {
	struct list_head node;
	struct net_device *dev;
	struct net *net;		/* the netns it was hooked in */
	u8 hooked;			/* 1 << NFTRACE_NETDEV_HOOK_* */
	struct nf_hook_ops ops[NFTRACE_NR_NETDEV_HOOKS];
	struct rcu_head rcu;
};

/* Every device known, hooked or not; under RTNL. */
static LIST_HEAD(nftrace_netdevs);

/* The hooks each device gets (1 << NFTRACE_NETDEV_HOOK_*); under RTNL. */
static u8 nftrace_netdev_wanted;

static bool nftrace_notifier_registered;

/* Hook nd at the wanted hooks it lacks; a failure is logged, not fatal. */
static void nftrace_netdev_hook(struct nftrace_netdev *nd)
{
	unsigned int hook;
	int err;

	ASSERT_RTNL();
	for (hook = 0; hook < NFTRACE_NR_NETDEV_HOOKS; hook++) {
		if (!(nftrace_netdev_wanted & BIT(hook)) ||
		    (nd->hooked & BIT(hook)))
			continue;
		err = nf_register_net_hook(nd->net, &nd->ops[hook]);
		if (err) {
			pr_warn_ratelimited("%s: cannot hook netdev %s: %d\n",
					    nd->dev->name,
					    hook ? "egress" : "ingress", err);
			continue;
		}
		nd->hooked |= BIT(hook);
	}
}

static void nftrace_netdev_add(struct net_device *dev)
{
	struct nftrace_netdev *nd;
	unsigned int hook;

	nd = kzalloc(sizeof(*nd), GFP_KERNEL);
	if (!nd) {
		pr_warn_ratelimited("%s: no memory to hook it\n", dev->name);
		return;
	}
	nd->dev = dev;
	nd->net = dev_net(dev);
	for (hook = 0; hook < NFTRACE_NR_NETDEV_HOOKS; hook++) {
		nd->ops[hook].hook = nftrace_hook;
		nd->ops[hook].pf = NFPROTO_NETDEV;
		nd->ops[hook].hooknum = hook;
		nd->ops[hook].priority = nftrace_priority;
		nd->ops[hook].dev = dev;
	}
	list_add(&nd->node, &nftrace_netdevs);
	nftrace_netdev_hook(nd);
}

static void nftrace_netdev_del(struct nftrace_netdev *nd)
{
	unsigned int hook;

	for (hook = 0; hook < NFTRACE_NR_NETDEV_HOOKS; hook++)
		if (nd->hooked & BIT(hook))
			nf_unregister_net_hook(nd->net, &nd->ops[hook]);
	list_del(&nd->node);
	/* A hook may still be running with the ops it was handed. */
	kfree_rcu(nd, rcu);
}

static int nftrace_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nftrace_netdev *nd;

	switch (event) {
	case NETDEV_REGISTER:
		nftrace_netdev_add(dev);
		break;
	case NETDEV_UNREGISTER:
		list_for_each_entry(nd, &nftrace_netdevs, node) {
			if (nd->dev == dev) {
				nftrace_netdev_del(nd);
				break;
			}
		}
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block nftrace_netdev_notifier = {
	.notifier_call = nftrace_netdev_event,
};

/* The netdev hooks this kernel has, as 1 << NFTRACE_NETDEV_HOOK_*. */
u8 nftrace_netdev_hooks_avail(void)
{
	u8 hooks = 0;

	BUILD_BUG_ON(NF_NETDEV_INGRESS != NFTRACE_NETDEV_HOOK_INGRESS);
	if (IS_ENABLED(CONFIG_NETFILTER_INGRESS))
		hooks |= BIT(NFTRACE_NETDEV_HOOK_INGRESS);
	if (NFTRACE_HAVE_EGRESS)
		hooks |= BIT(NFTRACE_NETDEV_HOOK_EGRESS);
	return hooks;
}

/*
 * Hook every device, present and future, at hooks too (the readers'
 * netdev hooks so far, and this one's). Under nftrace_readers_lock.
 */
int nftrace_netdev_get(u8 hooks)
{
	struct nftrace_netdev *nd;
	int err;

	lockdep_assert_held(&nftrace_readers_lock);
	rtnl_lock();
	nftrace_netdev_wanted |= hooks;
	list_for_each_entry(nd, &nftrace_netdevs, node)
		nftrace_netdev_hook(nd);
	rtnl_unlock();
	if (nftrace_notifier_registered)
		return 0;
	/* Replays NETDEV_REGISTER for every device of every netns. */
	err = register_netdevice_notifier(&nftrace_netdev_notifier);
	if (err)
		return err;
	nftrace_notifier_registered = true;
	return 0;
}

/* Module unload: no reader is left. Unhook and forget every device. */
void nftrace_netdev_exit(void)
{
	if (!nftrace_notifier_registered)
		return;
	/* Replays NETDEV_UNREGISTER for every device of every netns. */
	unregister_netdevice_notifier(&nftrace_netdev_notifier);
	nftrace_notifier_registered = false;
	WARN_ON_ONCE(!list_empty(&nftrace_netdevs));
}
