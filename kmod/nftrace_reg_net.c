// SPDX-License-Identifier: GPL-2.0
/*
 * nftrace_reg_net.c - the hooks of every netns, registered on demand:
 * IPv4, IPv6, bridge and ARP, and which ops do work. The netdev family's
 * are per device (nftrace_reg_netdev.c).
 *
 * A hook is registered when the first reader wants it: the first reader
 * of, say, IPv4 output registers pernet operations that hook that point in
 * every netns, present and future. It stays until the module is unloaded,
 * for unregistering a netfilter hook drops every packet NFQUEUE holds in
 * that netns (nf_queue_nf_hook_drop()): stopping a capture must not take
 * an inline IPS's packets in flight with it. A module no reader ever used
 * costs the stack nothing; a hook no running reader wants costs a packet
 * one call that returns at once; a reader of one hook costs a packet one
 * hook call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_bridge.h>
#include <net/net_namespace.h>

#include "nftrace_priv.h"

int nftrace_priority = NF_IP_PRI_FIRST;

/* Entry ops that push frames: bit i for nftrace_ops[i]. */
u64 nftrace_frame_ops;

/* Entry ops some running reader wants: the others return at once. */
u64 nftrace_live_ops;

#define NFTRACE_OPS(pf_, hook_) {		\
	.hook = nftrace_hook,			\
	.pf = pf_,				\
	.hooknum = hook_,			\
}

#define NFTRACE_EXIT_OPS(pf_, hook_) {		\
	.hook = nftrace_exit_hook,		\
	.pf = pf_,				\
	.hooknum = hook_,			\
	.priority = NF_IP_PRI_LAST,		\
}

/* In nftrace_op_index() order: entry ops, then the same hooks' exit ops. */
static struct nf_hook_ops nftrace_ops[NFTRACE_NR_NET_OPS] = {
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_PRE_ROUTING),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_FORWARD),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NFTRACE_OPS(NFPROTO_IPV4, NF_INET_POST_ROUTING),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_PRE_ROUTING),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_FORWARD),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
	NFTRACE_OPS(NFPROTO_IPV6, NF_INET_POST_ROUTING),
	NFTRACE_OPS(NFPROTO_BRIDGE, NF_BR_PRE_ROUTING),
	NFTRACE_OPS(NFPROTO_BRIDGE, NF_BR_LOCAL_IN),
	NFTRACE_OPS(NFPROTO_BRIDGE, NF_BR_FORWARD),
	NFTRACE_OPS(NFPROTO_BRIDGE, NF_BR_LOCAL_OUT),
	NFTRACE_OPS(NFPROTO_BRIDGE, NF_BR_POST_ROUTING),
	NFTRACE_OPS(NFPROTO_ARP, NF_ARP_IN),
	NFTRACE_OPS(NFPROTO_ARP, NF_ARP_OUT),
	NFTRACE_OPS(NFPROTO_ARP, NF_ARP_FORWARD),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_PRE_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_FORWARD),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NFTRACE_EXIT_OPS(NFPROTO_IPV4, NF_INET_POST_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_PRE_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_FORWARD),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
	NFTRACE_EXIT_OPS(NFPROTO_IPV6, NF_INET_POST_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_BRIDGE, NF_BR_PRE_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_BRIDGE, NF_BR_LOCAL_IN),
	NFTRACE_EXIT_OPS(NFPROTO_BRIDGE, NF_BR_FORWARD),
	NFTRACE_EXIT_OPS(NFPROTO_BRIDGE, NF_BR_LOCAL_OUT),
	NFTRACE_EXIT_OPS(NFPROTO_BRIDGE, NF_BR_POST_ROUTING),
	NFTRACE_EXIT_OPS(NFPROTO_ARP, NF_ARP_IN),
	NFTRACE_EXIT_OPS(NFPROTO_ARP, NF_ARP_OUT),
	NFTRACE_EXIT_OPS(NFPROTO_ARP, NF_ARP_FORWARD),
};

#define NFTRACE_PERNET(i)						\
static int __net_init nftrace_net_init_##i(struct net *net)		\
{									\
	return nf_register_net_hook(net, &nftrace_ops[i]);		\
}									\
static void __net_exit nftrace_net_exit_##i(struct net *net)		\
{									\
	nf_unregister_net_hook(net, &nftrace_ops[i]);			\
}

NFTRACE_PERNET(0) NFTRACE_PERNET(1) NFTRACE_PERNET(2) NFTRACE_PERNET(3)
NFTRACE_PERNET(4) NFTRACE_PERNET(5) NFTRACE_PERNET(6) NFTRACE_PERNET(7)
NFTRACE_PERNET(8) NFTRACE_PERNET(9) NFTRACE_PERNET(10) NFTRACE_PERNET(11)
NFTRACE_PERNET(12) NFTRACE_PERNET(13) NFTRACE_PERNET(14) NFTRACE_PERNET(15)
NFTRACE_PERNET(16) NFTRACE_PERNET(17) NFTRACE_PERNET(18) NFTRACE_PERNET(19)
NFTRACE_PERNET(20) NFTRACE_PERNET(21) NFTRACE_PERNET(22) NFTRACE_PERNET(23)
NFTRACE_PERNET(24) NFTRACE_PERNET(25) NFTRACE_PERNET(26) NFTRACE_PERNET(27)
NFTRACE_PERNET(28) NFTRACE_PERNET(29) NFTRACE_PERNET(30) NFTRACE_PERNET(31)
NFTRACE_PERNET(32) NFTRACE_PERNET(33) NFTRACE_PERNET(34) NFTRACE_PERNET(35)

#define NFTRACE_NET_OPS(i) {			\
	.init = nftrace_net_init_##i,		\
	.exit = nftrace_net_exit_##i,		\
}

static struct pernet_operations nftrace_net_ops[NFTRACE_NR_NET_OPS] = {
	NFTRACE_NET_OPS(0), NFTRACE_NET_OPS(1), NFTRACE_NET_OPS(2),
	NFTRACE_NET_OPS(3), NFTRACE_NET_OPS(4), NFTRACE_NET_OPS(5),
	NFTRACE_NET_OPS(6), NFTRACE_NET_OPS(7), NFTRACE_NET_OPS(8),
	NFTRACE_NET_OPS(9), NFTRACE_NET_OPS(10), NFTRACE_NET_OPS(11),
	NFTRACE_NET_OPS(12), NFTRACE_NET_OPS(13), NFTRACE_NET_OPS(14),
	NFTRACE_NET_OPS(15), NFTRACE_NET_OPS(16), NFTRACE_NET_OPS(17),
	NFTRACE_NET_OPS(18), NFTRACE_NET_OPS(19), NFTRACE_NET_OPS(20),
	NFTRACE_NET_OPS(21), NFTRACE_NET_OPS(22), NFTRACE_NET_OPS(23),
	NFTRACE_NET_OPS(24), NFTRACE_NET_OPS(25), NFTRACE_NET_OPS(26),
	NFTRACE_NET_OPS(27), NFTRACE_NET_OPS(28), NFTRACE_NET_OPS(29),
	NFTRACE_NET_OPS(30), NFTRACE_NET_OPS(31), NFTRACE_NET_OPS(32),
	NFTRACE_NET_OPS(33), NFTRACE_NET_OPS(34), NFTRACE_NET_OPS(35),
};

/* Running readers that want each op; under nftrace_readers_lock. */
static unsigned int nftrace_op_users[NFTRACE_NR_OPS];

/* Ops registered (in every netns), until the module goes; under the lock. */
static u64 nftrace_op_registered;

/*
 * The entry ops of hooks (IPv4 and IPv6), hooks_bridge, hooks_arp and
 * hooks_netdev (masks of 1 << each family's hook numbers) in families.
 */
u64 nftrace_entry_ops(u32 hooks, u32 families, u8 hooks_bridge, u8 hooks_arp,
		      u8 hooks_netdev)
{
	unsigned int hook;
	u64 ops = 0;

	for (hook = 0; hook < NFTRACE_NR_HOOKS; hook++) {
		if ((families & NFTRACE_FAMILY_IPV4) && (hooks & BIT(hook)))
			ops |= BIT_ULL(nftrace_op_index(NFPROTO_IPV4, hook));
		if ((families & NFTRACE_FAMILY_IPV6) && (hooks & BIT(hook)))
			ops |= BIT_ULL(nftrace_op_index(NFPROTO_IPV6, hook));
		if ((families & NFTRACE_FAMILY_BRIDGE) &&
		    (hooks_bridge & BIT(hook)))
			ops |= BIT_ULL(nftrace_op_index(NFPROTO_BRIDGE, hook));
	}
	for (hook = 0; hook < NFTRACE_NR_ARP_HOOKS; hook++)
		if ((families & NFTRACE_FAMILY_ARP) && (hooks_arp & BIT(hook)))
			ops |= BIT_ULL(nftrace_op_index(NFPROTO_ARP, hook));
	for (hook = 0; hook < NFTRACE_NR_NETDEV_HOOKS; hook++)
		if ((families & NFTRACE_FAMILY_NETDEV) &&
		    (hooks_netdev & BIT(hook)))
			ops |= BIT_ULL(nftrace_op_index(NFPROTO_NETDEV, hook));
	return ops;
}

/*
 * The hooks that hand out the ids a reader of hooks looks up: PREROUTING
 * comes before INPUT, FORWARD and POSTROUTING, OUTPUT before POSTROUTING
 * (nftrace_packet_id()), in the IPv4, IPv6 and bridge families alike. A
 * reader of PREROUTING or OUTPUT alone needs none: a traversal starts
 * there, and a packet pays no other hook. ARP hooks each start their own.
 * A netdev ingress hook starts one too (PREROUTING then looks the id up);
 * egress ends one that netdev ingress or OUTPUT started
 * (nftrace_reader_ops()).
 */
static u32 nftrace_id_hooks(u32 hooks)
{
	u32 ids = 0;

	if (hooks & (BIT(NF_INET_LOCAL_IN) | BIT(NF_INET_FORWARD) |
		     BIT(NF_INET_POST_ROUTING)))
		ids |= BIT(NF_INET_PRE_ROUTING);
	if (hooks & BIT(NF_INET_POST_ROUTING))
		ids |= BIT(NF_INET_LOCAL_OUT);
	return ids;
}

/* The ops a reader's configuration asks for, as a bit mask of indexes. */
u64 nftrace_reader_ops(const struct nftrace_reader *r)
{
	u64 ops = r->entry_ops;

	/* Drops: the same hooks' exit ops too (netdev hooks have none). */
	if (r->drops)
		ops |= (ops & ~NFTRACE_NETDEV_OPS) << NFTRACE_NR_ENTRY_OPS;
	/* Packet ids: the entry hooks that come before its own. */
	ops |= nftrace_entry_ops(nftrace_id_hooks(r->hooks), r->families,
				 nftrace_id_hooks(r->hooks_bridge), 0, 0);
	/*
	 * Egress: those that start a traversal, whatever the families, so
	 * that a packet there has passed one on its way (a packet sent on a
	 * socket of its own, as ARP's or AF_PACKET's, gets a fresh id).
	 */
	if (ops & NFTRACE_OP_EGRESS) {
		u32 families = NFTRACE_FAMILIES_INET;

		/* Those this kernel has: egress does not imply the others. */
		if (IS_ENABLED(CONFIG_NETFILTER_FAMILY_BRIDGE))
			families |= NFTRACE_FAMILY_BRIDGE;
		ops |= nftrace_entry_ops(BIT(NF_INET_LOCAL_OUT), families,
					 BIT(NF_BR_LOCAL_OUT), 0, 0);
		if (IS_ENABLED(CONFIG_NETFILTER_INGRESS))
			ops |= NFTRACE_OP_INGRESS;
	}
	return ops;
}

/*
 * Publish which entry ops do work: those some running reader wants, and
 * of those the ones that push frames (whose exit op a reader wants).
 */
static void nftrace_ops_update(void)
{
	u64 live = 0, frames = 0;
	unsigned int i;

	for (i = 0; i < NFTRACE_NR_ENTRY_OPS; i++) {
		if (nftrace_op_users[i])
			live |= BIT_ULL(i);
		if (nftrace_op_users[NFTRACE_NR_ENTRY_OPS + i])
			frames |= BIT_ULL(i);
	}
	for (i = NFTRACE_OPS_NETDEV; i < NFTRACE_NR_OPS; i++)
		if (nftrace_op_users[i])
			live |= BIT_ULL(i);
	WRITE_ONCE(nftrace_frame_ops, frames);
	WRITE_ONCE(nftrace_live_ops, live);
}

/*
 * The ops stay registered: an unregistered netfilter hook drops every
 * packet NFQUEUE holds in the netns. No new frames once no reader wants
 * them; the exit ops then stop popping too.
 */
void nftrace_hooks_put(u64 ops)
{
	unsigned int i;

	lockdep_assert_held(&nftrace_readers_lock);
	for (i = 0; i < NFTRACE_NR_OPS; i++)
		if (ops & BIT_ULL(i))
			nftrace_op_users[i]--;
	nftrace_ops_update();
}

/*
 * Hook every netns at each op in ops that no reader had yet (the netdev
 * ops: every device of every netns).
 */
int nftrace_hooks_get(u64 ops)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&nftrace_readers_lock);
	if (ops & NFTRACE_NETDEV_OPS & ~nftrace_op_registered) {
		err = nftrace_netdev_get((ops | nftrace_op_registered) >>
					 NFTRACE_OPS_NETDEV);
		if (err)
			return err;
		nftrace_op_registered |= ops & NFTRACE_NETDEV_OPS;
	}
	for (i = 0; i < NFTRACE_NR_NET_OPS; i++) {
		if (!(ops & BIT_ULL(i)) || (nftrace_op_registered & BIT_ULL(i)))
			continue;
		/* The module parameter (read-only) at the first registration. */
		if (i < NFTRACE_NR_ENTRY_OPS)
			nftrace_ops[i].priority = nftrace_priority;
		err = register_pernet_subsys(&nftrace_net_ops[i]);
		if (err)
			return err;	/* those registered stay, idle */
		nftrace_op_registered |= BIT_ULL(i);
	}
	for (i = 0; i < NFTRACE_NR_OPS; i++)
		if (ops & BIT_ULL(i))
			nftrace_op_users[i]++;
	nftrace_ops_update();
	return 0;
}

/* Module unload: no reader is left (open files pin the module). */
void nftrace_hooks_exit(void)
{
	unsigned int i;

	if (nftrace_op_registered & NFTRACE_NETDEV_OPS)
		nftrace_netdev_exit();
	for (i = 0; i < NFTRACE_NR_NET_OPS; i++)
		if (nftrace_op_registered & BIT_ULL(i))
			unregister_pernet_subsys(&nftrace_net_ops[i]);
	nftrace_op_registered = 0;
}
