/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * options.h - nftrace-capture's command line, all of it in one struct.
 */
#ifndef _NFTRACE_OPTIONS_H
#define _NFTRACE_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <pcap/pcap.h>

#include "../include/nftrace.h"
#include "output.h"

/*
 * The hook mask of --hooks: the IPv4, IPv6 and bridge hooks' bits
 * (1 << NFTRACE_HOOK_*), then the netdev family's.
 */
#define CAPTURE_NETDEV_SHIFT	NFTRACE_NR_HOOKS
#define CAPTURE_HOOKS_NETDEV	(NFTRACE_NETDEV_HOOKS_ALL << CAPTURE_NETDEV_SHIFT)
#define CAPTURE_HOOKS_ALL	(NFTRACE_HOOKS_ALL | CAPTURE_HOOKS_NETDEV)

struct capture_opts {
	const char *device;	/* --device; NULL: /dev/nftrace */
	const char *outfile;	/* -w: a file ("-": stdout); NULL: text */
	const char *readfile;	/* -r: read this pcapng ("-": stdin) */
	enum output_format format;	/* -F, --json, --journey; from -w: pcap */
	unsigned long count;	/* -c: stop after this many; 0: never */
	unsigned int snaplen;	/* -s, bytes from the IP header */
	int snaplen_set;	/* -s was given */
	unsigned int hooks;	/* --hooks: 1 << NFTRACE_HOOK_* */
	unsigned int hooks_arp;	/* the same, ARP's: 1 << NFTRACE_ARP_HOOK_* */
	unsigned int hooks_netdev;	/* 1 << NFTRACE_NETDEV_HOOK_* */
	unsigned int families;	/* --families, -4, -6: NFTRACE_FAMILY_* */
	const char *netns;	/* --netns: a path, "all"; NULL: our own */
	/* -i, --interface: record only packets of these; none: all */
	char devices[NFTRACE_MAX_DEVICES][NFTRACE_IFNAMSIZ];
	unsigned int nr_devices;
	unsigned int ring_size;	/* -B, in bytes; 0: the default */
	int linktype;		/* --linktype: DLT_NFLOG or DLT_RAW */
	int linktype_set;	/* --linktype was given */
	int drops;		/* --drops: NFTRACE_CFG_DROPS */
	int ring_size_set;	/* -B was given */
	int quiet;		/* -q */
	int verbose;		/* -v, repeatable */
	char *filter;		/* the trailing expression; NULL: none */
	int extcap;		/* run by Wireshark (extcap.c) */
};

enum opts_result {
	OPTS_RUN,		/* capture with these options */
	OPTS_EXIT,		/* --help or --version printed: exit 0 */
	OPTS_ERROR,		/* err says what is wrong: exit 1 */
};

#define OPTS_ERR_SIZE	PCAP_ERRBUF_SIZE

/*
 * Parse argv into o (which it initialises). Help and version text go to
 * out. o->filter is allocated: free with capture_opts_free().
 */
enum opts_result capture_parse_opts(struct capture_opts *o, int argc,
				    char **argv, FILE *out, char *err);
void capture_opts_free(struct capture_opts *o);

/*
 * --hooks LIST into a hook mask (CAPTURE_HOOKS_ALL's bits); 0 (with err
 * set) when LIST is bad.
 */
unsigned int capture_parse_hooks(const char *list, char *err);

/* --families LIST into NFTRACE_FAMILY_* bits; 0 (err set) when bad. */
unsigned int capture_parse_families(const char *list, char *err);

/* Whether the capture_opts select a record of this family and hook. */
int capture_wants(const struct capture_opts *o, unsigned int family,
		  unsigned int hook);

/* "prerouting,input,ingress" for a hook mask (--hooks'), into buf. */
const char *capture_hooks_str(unsigned int hooks, char *buf, size_t size);

/* Whether the record is of one of the -i devices (or there are none). */
int capture_wants_device(const struct capture_opts *o,
			 const struct nftrace_record *rec);

/*
 * Compile o->filter for packets that start at their IP header (DLT_RAW)
 * or Ethernet header (DLT_EN10MB), returning o->snaplen on a match as the
 * kernel expects. -1 with err set when the expression does not compile.
 */
int capture_compile_filter(const struct capture_opts *o, int dlt,
			   struct bpf_program *prog, char *err);

void capture_usage(FILE *out);

#endif /* _NFTRACE_OPTIONS_H */
