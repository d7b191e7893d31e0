// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * options.c - nftrace-capture's command line (see options.h).
 *
 * tcpdump's habits: short options, a trailing pcap-filter expression made
 * of the remaining arguments. Everything is checked here, before any
 * device is opened, and a bad value says which option and what it takes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../include/nftrace.h"
#include "../kmod/nftrace_fmt.h"
#include "options.h"

#ifndef NFTRACE_VERSION
#define NFTRACE_VERSION "unknown"
#endif

enum {
	OPT_HOOKS = 256,
	OPT_NETNS,
	OPT_LINKTYPE,
	OPT_DEVICE,
	OPT_VERSION,
	OPT_DROPS,
	OPT_JSON,
	OPT_JOURNEY,
	OPT_FAMILIES,
};

static const struct option long_opts[] = {
	{ "hooks",		required_argument,	NULL, OPT_HOOKS },
	{ "families",		required_argument,	NULL, OPT_FAMILIES },
	{ "netns",		required_argument,	NULL, OPT_NETNS },
	{ "linktype",		required_argument, NULL, OPT_LINKTYPE },
	{ "device",		required_argument,	NULL, OPT_DEVICE },
	/* --dev is -i, not --device: an exact match wins over a prefix. */
	{ "interface",		required_argument,	NULL, 'i' },
	{ "dev",		required_argument,	NULL, 'i' },
	{ "drops",		no_argument,		NULL, OPT_DROPS },
	{ "format",		required_argument,	NULL, 'F' },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "journey",		no_argument,		NULL, OPT_JOURNEY },
	{ "snapshot-length",	required_argument,	NULL, 's' },
	{ "buffer-size",	required_argument,	NULL, 'B' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,	    NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 },
};

/* "+": the filter starts at the first non-option; ":": say what is missing. */
static const char short_opts[] = "+:w:r:F:c:s:B:i:46qvh";

/* The names of --hooks, by their bit in its mask (options.h). */
#define NFTRACE_NETDEV_OPT(hook)	(CAPTURE_NETDEV_SHIFT + (hook))
#define NR_HOOK_OPTS	(NFTRACE_NR_HOOKS + NFTRACE_NR_NETDEV_HOOKS)

static const char *const hook_opt_names[NR_HOOK_OPTS] = {
	[NFTRACE_HOOK_PREROUTING]	= "prerouting",
	[NFTRACE_HOOK_INPUT]		= "input",
	[NFTRACE_HOOK_FORWARD]		= "forward",
	[NFTRACE_HOOK_OUTPUT]		= "output",
	[NFTRACE_HOOK_POSTROUTING]	= "postrouting",
	[NFTRACE_NETDEV_OPT(NFTRACE_NETDEV_HOOK_INGRESS)] = "ingress",
	[NFTRACE_NETDEV_OPT(NFTRACE_NETDEV_HOOK_EGRESS)] = "egress",
};

void capture_usage(FILE *out)
{
	fputs(
"Usage: nftrace-capture [OPTION]... [FILTER]\n"
"       nftrace-capture -r FILE [OPTION]... [FILTER]\n"
"Capture the packets that pass the netfilter hooks, through /dev/nftrace.\n"
"Without -w, print one line per packet on stdout; with -w, write a pcapng\n"
"file. Status messages and statistics go to stderr.\n"
"\n"
"  -w FILE             write the packets to FILE ('-': stdout) instead of\n"
"                      printing them, as pcapng unless -F says otherwise\n"
"  -F, --format FORMAT with -w, the file format: pcapng (the default): raw\n"
"                      IP packets, one interface per hook, netns and\n"
"                      family, named after the hook, with direction,\n"
"                      interfaces, mark and drops per packet; or pcap,\n"
"                      NFLOG (the default there) or raw (--linktype)\n"
"  -r FILE             read the packets from FILE, a pcapng (or NFLOG\n"
"                      pcap) file that nftrace-capture wrote ('-': stdin),\n"
"                      instead of capturing; printed (or written) as live,\n"
"                      selected by --hooks, -4, -6 and FILTER\n"
"      --json          print one JSON object per packet on stdout\n"
"                      instead of a line (keys: see nftrace-capture(8))\n"
"      --journey       print one line per packet when its way through the\n"
"                      hooks ends: the hooks it passed in order, with its\n"
"                      interfaces, NAT where it changed it, and where it\n"
"                      was dropped (with --drops), or that no further\n"
"                      hook saw it within a second; in every family\n"
"  -c COUNT            stop after COUNT packets\n"
"  -s, --snapshot-length SNAPLEN\n"
"                      keep at most SNAPLEN bytes of each packet, counted\n"
"                      from its IP header (default 128; 0: 65535)\n"
"      --hooks LIST    capture at these hooks: a comma-separated list of\n"
"                      prerouting, input, forward, output, postrouting,\n"
"                      ingress, egress (netdev's), or all (default: all\n"
"                      the hooks of each family)\n"
"  -4                  capture IPv4 only\n"
"  -6                  capture IPv6 only (default: both)\n"
"      --families LIST capture in these netfilter families: a comma-\n"
"                      separated list of inet (ip and ip6), ip, ip6,\n"
"                      bridge, arp, netdev, or all (default: inet);\n"
"                      bridge and arp packets start at their Ethernet\n"
"                      header, netdev's at their device's (Ethernet, or\n"
"                      IP on a tun or wireguard device); arp has input,\n"
"                      output and forward of --hooks, netdev ingress and\n"
"                      egress (Linux 5.16 and later) on every device\n"
"  -i, --interface, --dev NAME[,NAME]...\n"
"                      record only the packets that have one of these\n"
"                      devices (up to 16, repeatable) as their input or\n"
"                      output device or bridge port, in every family\n"
"                      (default: all devices)\n"
"      --netns PATH|all\n"
"                      capture in the network namespace PATH names\n"
"                      (/run/netns/NAME, /proc/PID/ns/net), or in all of\n"
"                      them (default: the one nftrace-capture runs in)\n"
"      --drops         also record each packet that netfilter drops at\n"
"                      these hooks (a drop verdict, a policy, a reject),\n"
"                      once more, as dropped: \"dropped\" after the hook\n"
"                      in text, in the packet comment in pcapng, in\n"
"                      the NFLOG prefix in a pcap\n"
"  -B, --buffer-size KIB\n"
"                      ring size per CPU in KiB, a power of two from 64\n"
"                      to 262144 (default 1024)\n"
"      --linktype TYPE the pcap link type (and pcap, without -F):\n"
"                      nflog: each packet behind an NFLOG header\n"
"                      carrying hook, mark, interfaces and netns\n"
"                      (default); raw: the bare IP packet\n"
"  -q                  no live packet count, no loss messages, no banner\n"
"  -v                  print the configuration in force, and statistics\n"
"                      per CPU at exit\n"
"      --device PATH   open PATH instead of /dev/nftrace\n"
"  -h, --help          show this help and exit\n"
"      --version       show version information and exit\n"
"\n"
"FILTER is a pcap-filter(7) expression. It runs in the kernel on each\n"
"packet from its IP header on (bridge and arp: its Ethernet header;\n"
"netdev: its device's); a packet it rejects is not copied.\n"
"\n"
"On SIGINT or SIGTERM, or after COUNT packets, the capture stops, what the\n"
"rings still hold is written out, and stderr gets:\n"
"  N packets captured            written out\n"
"  N packets received by filter  matched the filter: captured by the\n"
"                                kernel plus dropped\n"
"  N packets dropped by kernel   lost because a ring was full\n"
"\n"
"Exit status: 0 when the capture ran and its output was written, 1 on\n"
"any error.\n", out);
}

static void print_version(FILE *out)
{
	fprintf(out, "nftrace-capture %s (nftrace ABI %u)\n%s\n",
		NFTRACE_VERSION, NFTRACE_ABI_VERSION, pcap_lib_version());
}

/* A whole, unsigned, decimal number no greater than max. */
static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

static const struct {
	const char *name;
	unsigned int families;
} family_opt_names[] = {
	{ "inet",	NFTRACE_FAMILIES_INET },
	{ "ip",		NFTRACE_FAMILY_IPV4 },
	{ "ipv4",	NFTRACE_FAMILY_IPV4 },
	{ "ip6",	NFTRACE_FAMILY_IPV6 },
	{ "ipv6",	NFTRACE_FAMILY_IPV6 },
	{ "bridge",	NFTRACE_FAMILY_BRIDGE },
	{ "arp",	NFTRACE_FAMILY_ARP },
	{ "netdev",	NFTRACE_FAMILY_NETDEV },
	{ "all",	NFTRACE_FAMILIES_ALL },
};

unsigned int capture_parse_families(const char *list, char *err)
{
	unsigned int families = 0, i;
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < sizeof(family_opt_names) /
				sizeof(family_opt_names[0]); i++)
			if (strlen(family_opt_names[i].name) == n &&
			    !strncasecmp(p, family_opt_names[i].name, n))
				break;
		if (i == sizeof(family_opt_names) / sizeof(family_opt_names[0])) {
			snprintf(err, OPTS_ERR_SIZE,
				 "--families: bad family '%.*s' (use inet, ip, ip6, bridge, arp, netdev or all)",
				 (int)n, p);
			return 0;
		}
		families |= family_opt_names[i].families;
		if (!p[n])
			return families;
		p += n + 1;
	}
}

/*
 * ARP has input, output and forward, numbered its own way: the --hooks
 * names it has, as its hook mask.
 */
static unsigned int arp_hooks(unsigned int hooks)
{
	unsigned int arp = 0;

	if (hooks & (1U << NFTRACE_HOOK_INPUT))
		arp |= 1U << NFTRACE_ARP_HOOK_IN;
	if (hooks & (1U << NFTRACE_HOOK_OUTPUT))
		arp |= 1U << NFTRACE_ARP_HOOK_OUT;
	if (hooks & (1U << NFTRACE_HOOK_FORWARD))
		arp |= 1U << NFTRACE_ARP_HOOK_FORWARD;
	return arp;
}

int capture_wants(const struct capture_opts *o, unsigned int family,
		  unsigned int hook)
{
	unsigned int fam, hooks = o->hooks;

	switch (family) {
	case NFTRACE_NFPROTO_IPV4:
		fam = NFTRACE_FAMILY_IPV4;
		break;
	case NFTRACE_NFPROTO_IPV6:
		fam = NFTRACE_FAMILY_IPV6;
		break;
	case NFTRACE_NFPROTO_BRIDGE:
		fam = NFTRACE_FAMILY_BRIDGE;
		break;
	case NFTRACE_NFPROTO_ARP:
		fam = NFTRACE_FAMILY_ARP;
		hooks = o->hooks_arp;
		break;
	case NFTRACE_NFPROTO_NETDEV:
		fam = NFTRACE_FAMILY_NETDEV;
		hooks = o->hooks_netdev;
		break;
	default:
		return 0;
	}
	return (o->families & fam) && hook < 32 && (hooks & (1U << hook));
}

static int is_device(const struct capture_opts *o, const char *name)
{
	unsigned int i;

	if (!name[0])
		return 0;
	for (i = 0; i < o->nr_devices; i++)
		if (!strncmp(o->devices[i], name, NFTRACE_IFNAMSIZ))
			return 1;
	return 0;
}

/* What the kernel does with NFTRACE_IOC_SET_DEVICES, for -r. */
int capture_wants_device(const struct capture_opts *o,
			 const struct nftrace_record *rec)
{
	return !o->nr_devices || is_device(o, rec->ifname_in) ||
	       is_device(o, rec->ifname_out) ||
	       (nftrace_rec_has_phys_in(rec) &&
		is_device(o, rec->phys_ifname_in)) ||
	       (nftrace_rec_has_phys_out(rec) &&
		is_device(o, rec->phys_ifname_out));
}

/*
 * -i NAME[,NAME]..., added to those of earlier -i: each a device name
 * the kernel could have (shorter than NFTRACE_IFNAMSIZ), a name given
 * twice kept once.
 */
static int parse_devices(struct capture_opts *o, const char *list, char *err)
{
	const char *p = list;

	for (;;) {
		char name[NFTRACE_IFNAMSIZ] = "";
		size_t n = strcspn(p, ",");

		if (!n || n >= NFTRACE_IFNAMSIZ) {
			snprintf(err, OPTS_ERR_SIZE,
				 "-i: bad device name '%.*s': from 1 to %u characters",
				 (int)n, p, NFTRACE_IFNAMSIZ - 1);
			return -1;
		}
		memcpy(name, p, n);
		if (!is_device(o, name)) {
			if (o->nr_devices == NFTRACE_MAX_DEVICES) {
				snprintf(err, OPTS_ERR_SIZE,
					 "-i: more than %u devices",
					 NFTRACE_MAX_DEVICES);
				return -1;
			}
			memcpy(o->devices[o->nr_devices++], name, sizeof(name));
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

unsigned int capture_parse_hooks(const char *list, char *err)
{
	unsigned int hooks = 0, i;
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 3 && !strncasecmp(p, "all", 3)) {
			hooks |= CAPTURE_HOOKS_ALL;
		} else {
			for (i = 0; i < NR_HOOK_OPTS; i++)
				if (strlen(hook_opt_names[i]) == n &&
				    !strncasecmp(p, hook_opt_names[i], n))
					break;
			if (i == NR_HOOK_OPTS) {
				snprintf(err, OPTS_ERR_SIZE,
					 "--hooks: bad hook '%.*s' (use prerouting, input, forward, output, postrouting, ingress, egress or all)",
					 (int)n, p);
				return 0;
			}
			hooks |= 1U << i;
		}
		if (!p[n])
			return hooks;
		p += n + 1;
	}
}

const char *capture_hooks_str(unsigned int hooks, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < NR_HOOK_OPTS; i++) {
		if (!(hooks & (1U << i)))
			continue;
		len += snprintf(buf + len, len < size ? size - len : 0, "%s%s",
				len ? "," : "", hook_opt_names[i]);
	}
	return buf;
}

/* The trailing arguments as one expression, as tcpdump joins them. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static enum opts_result bad(char *err, const char *opt, const char *arg,
			    const char *what)
{
	snprintf(err, OPTS_ERR_SIZE, "%s: bad value '%s': %s", opt, arg, what);
	return OPTS_ERROR;
}

/* Two options that each say what to print, given together. */
static enum opts_result conflict(char *err, const char *opt,
				 const char *other)
{
	snprintf(err, OPTS_ERR_SIZE,
		 "%s and %s each choose the output: give one of them", opt,
		 other);
	return OPTS_ERROR;
}

/*
 * The --hooks mask as each selected family has its hooks; every one of
 * them needs one. A hook another family has is no error (arp and
 * prerouting, netdev and input), but netdev's hooks alone are what
 * someone who forgot --families netdev gives.
 */
static int split_hooks(struct capture_opts *o, unsigned int hooks, char *err)
{
	const char *why = NULL;

	o->hooks = hooks & NFTRACE_HOOKS_ALL;
	o->hooks_arp = arp_hooks(o->hooks);
	o->hooks_netdev = (hooks & CAPTURE_HOOKS_NETDEV) >> CAPTURE_NETDEV_SHIFT;
	if (!(o->families & NFTRACE_FAMILY_NETDEV) && !o->hooks)
		why = "--hooks ingress and egress are the netdev family's: add --families netdev";
	else if ((o->families & (NFTRACE_FAMILIES_INET | NFTRACE_FAMILY_BRIDGE)) &&
		 !o->hooks)
		why = "--families ip, ip6, bridge: none of the --hooks is theirs (they have prerouting, input, forward, output and postrouting)";
	else if ((o->families & NFTRACE_FAMILY_ARP) && !o->hooks_arp)
		why = "--families arp: none of the --hooks is ARP's (it has input, output and forward)";
	else if ((o->families & NFTRACE_FAMILY_NETDEV) && !o->hooks_netdev)
		why = "--families netdev: none of the --hooks is netdev's (it has ingress and egress)";
	if (why) {
		snprintf(err, OPTS_ERR_SIZE, "%s", why);
		return -1;
	}
	return 0;
}

/*
 * -w alone writes pcapng (pcap with --linktype, which is pcap's), -F
 * picks the file format, --json prints on stdout: say so when they do
 * not go together.
 */
static int check_format(struct capture_opts *o, char *err)
{
	const char *why = NULL;

	if (o->format == OUTPUT_JSON && o->outfile)
		why = "--json prints on stdout: leave out -w";
	else if (o->format == OUTPUT_JOURNEY && o->outfile)
		why = "--journey prints on stdout: leave out -w";
	else if ((o->format == OUTPUT_PCAP || o->format == OUTPUT_PCAPNG) &&
		 !o->outfile)
		why = "-F names the format of the -w file: give -w FILE";
	else if (o->format == OUTPUT_PCAPNG && o->linktype_set)
		why = "--linktype is for pcap: pcapng holds raw IP packets";
	else if ((o->format == OUTPUT_PCAP || o->linktype_set) &&
		 (o->families & ~NFTRACE_FAMILIES_INET))
		why = "a pcap file holds IPv4 and IPv6 packets only: write bridge, arp and netdev captures as pcapng";
	if (why) {
		snprintf(err, OPTS_ERR_SIZE, "%s", why);
		return -1;
	}
	if (o->outfile && o->format == OUTPUT_TEXT)
		o->format = o->linktype_set ? OUTPUT_PCAP : OUTPUT_PCAPNG;
	return 0;
}

/*
 * -r reads a file instead of the device: the options that configure the
 * kernel's capture have nothing to act on. --hooks, -4 and -6 select
 * records, the filter selects packets, -s cuts them (default: as they
 * are in the file).
 */
static int check_read(struct capture_opts *o, char *err)
{
	const char *opt = NULL;

	if (!o->readfile)
		return 0;
	if (o->drops)
		opt = "--drops";
	else if (o->netns)
		opt = "--netns";
	else if (o->device)
		opt = "--device";
	else if (o->ring_size_set)
		opt = "-B";
	if (opt) {
		snprintf(err, OPTS_ERR_SIZE,
			 "%s is for a live capture: -r reads what a capture wrote",
			 opt);
		return -1;
	}
	if (!o->snaplen_set)
		o->snaplen = NFTRACE_SNAPLEN_MAX;
	return 0;
}

enum opts_result capture_parse_opts(struct capture_opts *o, int argc,
				    char **argv, FILE *out, char *err)
{
	unsigned int hooks;
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->snaplen = NFTRACE_SNAPLEN_DEFAULT;
	hooks = CAPTURE_HOOKS_ALL;
	o->linktype = DLT_NFLOG;

	/* Start over on every call (the unit tests parse many lines). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'w':
			if (!*optarg)
				return bad(err, "-w", optarg,
					   "a file name, or -");
			o->outfile = optarg;
			break;
		case 'r':
			if (!*optarg)
				return bad(err, "-r", optarg,
					   "a file name, or -");
			o->readfile = optarg;
			break;
		case 'c':
			if (parse_ulong(optarg, ~0UL, &v) || !v)
				return bad(err, "-c", optarg,
					   "a packet count, 1 or more");
			o->count = v;
			break;
		case 's':
			if (parse_ulong(optarg, NFTRACE_SNAPLEN_MAX, &v))
				return bad(err, "-s", optarg,
					   "a snapshot length from 0 (meaning 65535) to 65535");
			o->snaplen = v ? v : NFTRACE_SNAPLEN_MAX;
			o->snaplen_set = 1;
			break;
		case 'B':
			if (parse_ulong(optarg, NFTRACE_RING_MAX / 1024, &v) ||
			    v < NFTRACE_RING_MIN / 1024 || (v & (v - 1)))
				return bad(err, "-B", optarg,
					   "KiB per CPU, a power of two from 64 to 262144");
			o->ring_size = v * 1024;
			o->ring_size_set = 1;
			break;
		case '4':
		case '6':
			o->families |= c == '4' ? NFTRACE_FAMILY_IPV4 :
						  NFTRACE_FAMILY_IPV6;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_HOOKS:
			hooks = capture_parse_hooks(optarg, err);
			if (!hooks)
				return OPTS_ERROR;
			break;
		case 'i':
			if (parse_devices(o, optarg, err) < 0)
				return OPTS_ERROR;
			break;
		case OPT_FAMILIES:
			v = capture_parse_families(optarg, err);
			if (!v)
				return OPTS_ERROR;
			o->families |= v;
			break;
		case OPT_NETNS:
			if (!*optarg)
				return bad(err, "--netns", optarg,
					   "a namespace file, or all");
			o->netns = optarg;
			break;
		case OPT_LINKTYPE:
			if (!strcasecmp(optarg, "nflog"))
				o->linktype = DLT_NFLOG;
			else if (!strcasecmp(optarg, "raw"))
				o->linktype = DLT_RAW;
			else
				return bad(err, "--linktype", optarg,
					   "nflog or raw");
			o->linktype_set = 1;
			break;
		case 'F':
			if (o->format == OUTPUT_JOURNEY)
				return conflict(err, "-F", "--journey");
			if (!strcasecmp(optarg, "pcap"))
				o->format = OUTPUT_PCAP;
			else if (!strcasecmp(optarg, "pcapng"))
				o->format = OUTPUT_PCAPNG;
			else
				return bad(err, "-F", optarg,
					   "pcap or pcapng");
			break;
		case OPT_JSON:
			if (o->format == OUTPUT_JOURNEY)
				return conflict(err, "--json", "--journey");
			o->format = OUTPUT_JSON;
			break;
		case OPT_JOURNEY:
			if (o->format == OUTPUT_JSON)
				return conflict(err, "--journey", "--json");
			if (o->format == OUTPUT_PCAP ||
			    o->format == OUTPUT_PCAPNG)
				return conflict(err, "--journey", "-F");
			o->format = OUTPUT_JOURNEY;
			break;
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case OPT_DROPS:
			o->drops = 1;
			break;
		case 'h':
			capture_usage(out);
			return OPTS_EXIT;
		case OPT_VERSION:
			print_version(out);
			return OPTS_EXIT;
		case ':':
			snprintf(err, OPTS_ERR_SIZE, "%s needs a value",
				 argv[optind - 1]);
			return OPTS_ERROR;
		default:
			if (optopt && optopt < 256)
				snprintf(err, OPTS_ERR_SIZE,
					 "unknown option -%c", optopt);
			else
				snprintf(err, OPTS_ERR_SIZE,
					 "unknown option %s", argv[optind - 1]);
			return OPTS_ERROR;
		}
	}
	if (!o->families)
		o->families = NFTRACE_FAMILIES_INET;
	if (split_hooks(o, hooks, err) < 0 || check_format(o, err) < 0 ||
	    check_read(o, err) < 0)
		return OPTS_ERROR;
	if (optind < argc) {
		o->filter = join_args(argc - optind, argv + optind);
		if (!o->filter) {
			snprintf(err, OPTS_ERR_SIZE, "out of memory");
			return OPTS_ERROR;
		}
	}
	return OPTS_RUN;
}

void capture_opts_free(struct capture_opts *o)
{
	free(o->filter);
	o->filter = NULL;
}

int capture_compile_filter(const struct capture_opts *o, int dlt,
			   struct bpf_program *prog, char *err)
{
	pcap_t *p;

	p = pcap_open_dead(dlt, (int)o->snaplen);
	if (!p) {
		snprintf(err, OPTS_ERR_SIZE, "pcap_open_dead failed");
		return -1;
	}
	if (pcap_compile(p, prog, o->filter ? o->filter : "", 1,
			 PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, OPTS_ERR_SIZE, "bad filter expression '%s'%s: %s",
			 o->filter ? o->filter : "",
			 dlt == DLT_RAW ? "" : " (for Ethernet frames)",
			 pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	return 0;
}
