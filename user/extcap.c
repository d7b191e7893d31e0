// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * extcap.c - nftrace-capture as a Wireshark extcap (see extcap.h). The
 * sentences Wireshark reads are extcap(4)'s: "extcap", "interface",
 * "dlt", "arg" and "value" lines of {key=value} fields.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "../include/nftrace.h"
#include "extcap.h"

#ifndef NFTRACE_VERSION
#define NFTRACE_VERSION	"unknown"
#endif

enum {
	X_INTERFACES = 256,
	X_VERSION,
	X_INTERFACE,
	X_DLTS,
	X_CONFIG,
	X_RELOAD,
	X_CAPTURE,
	X_FIFO,
	X_FILTER,
	X_CONTROL_IN,
	X_CONTROL_OUT,
	X_DEBUG,
	X_DEBUG_FILE,
	/* The capture dialog's fields, as --extcap-config describes them. */
	C_HOOKS,
	C_FAMILY,
	C_NETNS,
	C_DROPS,
	C_SNAPLEN,
	C_BUFFER,
	C_INTERFACE,
};

static const struct option long_opts[] = {
	{ "extcap-interfaces",	no_argument,		NULL, X_INTERFACES },
	{ "extcap-version",	optional_argument,	NULL, X_VERSION },
	{ "extcap-interface",	required_argument,	NULL, X_INTERFACE },
	{ "extcap-dlts",	no_argument,		NULL, X_DLTS },
	{ "extcap-config",	no_argument,		NULL, X_CONFIG },
	{ "extcap-reload-option", required_argument,	NULL, X_RELOAD },
	{ "capture",		no_argument,		NULL, X_CAPTURE },
	{ "fifo",		required_argument,	NULL, X_FIFO },
	{ "extcap-capture-filter", required_argument,	NULL, X_FILTER },
	{ "extcap-control-in",	required_argument,	NULL, X_CONTROL_IN },
	{ "extcap-control-out",	required_argument,	NULL, X_CONTROL_OUT },
	{ "debug",		no_argument,		NULL, X_DEBUG },
	{ "debug-file",		required_argument,	NULL, X_DEBUG_FILE },
	{ "hooks",		required_argument,	NULL, C_HOOKS },
	{ "family",		required_argument,	NULL, C_FAMILY },
	{ "netns",		required_argument,	NULL, C_NETNS },
	{ "drops",		no_argument,		NULL, C_DROPS },
	{ "snaplen",		required_argument,	NULL, C_SNAPLEN },
	{ "buffer-size",	required_argument,	NULL, C_BUFFER },
	{ "interface",		required_argument,	NULL, C_INTERFACE },
	{ NULL,			0,			NULL, 0 },
};

/* The dialog's fields: their numbers in --extcap-config. */
enum {
	ARG_HOOKS, ARG_FAMILY, ARG_NETNS, ARG_DROPS, ARG_SNAPLEN, ARG_BUFFER,
	ARG_INTERFACE,
};

int extcap_wanted(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	int i;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, EXTCAP_INTERFACE))
		return 1;
	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--extcap-", 9) ||
		    !strcmp(argv[i], "--capture"))
			return 1;
	return 0;
}

static void print_interfaces(FILE *out)
{
	fprintf(out,
		"extcap {version=%s}{help=man:nftrace-capture(8)}\n"
		"interface {value=" EXTCAP_INTERFACE "}{display=nftrace: netfilter hooks}\n",
		NFTRACE_VERSION);
}

/* Raw IP in each IDB of the pcapng (pcapng_writer.c: DLT_RAW, 12). */
static void print_dlts(FILE *out)
{
	fputs("dlt {number=12}{name=RAW}{display=IPv4 and IPv6 packets at the netfilter hooks}\n",
	      out);
}

/* The namespaces to offer: this one, all, and those of ip netns. */
static void print_netns_values(FILE *out)
{
	struct dirent **names;
	int n, i;

	fprintf(out, "value {arg=%d}{value=self}{display=this one (nftrace-capture's)}{default=true}\n",
		ARG_NETNS);
	fprintf(out, "value {arg=%d}{value=all}{display=all of them}\n",
		ARG_NETNS);
	n = scandir("/run/netns", &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *d = names[i]->d_name;

		/* Brace and backslash would end or escape the field. */
		if (d[0] != '.' && !strpbrk(d, "{}\\"))
			fprintf(out, "value {arg=%d}{value=/run/netns/%s}{display=%s}\n",
				ARG_NETNS, d, d);
		free(names[i]);
	}
	if (n > 0)
		free(names);
}

static void print_config(FILE *out)
{
	static const char *const hooks[] = {
		"prerouting", "input", "forward", "output", "postrouting",
		"ingress", "egress",
	};
	static const char *const hook_names[] = {
		"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
		"INGRESS (netdev)", "EGRESS (netdev)",
	};
	unsigned int i;

	fprintf(out, "arg {number=%d}{call=--hooks}{display=Hooks}{type=multicheck}{required=true}{tooltip=The netfilter hooks to capture at (ingress and egress: the netdev family's)}\n",
		ARG_HOOKS);
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		fprintf(out, "value {arg=%d}{value=%s}{display=%s}{default=true}{enabled=true}\n",
			ARG_HOOKS, hooks[i], hook_names[i]);
	fprintf(out, "arg {number=%d}{call=--family}{display=Family}{type=selector}{tooltip=The netfilter family: IPv4, IPv6, both, bridge (Ethernet frames), ARP, netdev (every device's ingress and egress), or all of them}\n",
		ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=both}{display=IPv4 and IPv6}{default=true}\n", ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=ipv4}{display=IPv4}\n", ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=ipv6}{display=IPv6}\n", ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=bridge}{display=bridge}\n", ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=arp}{display=ARP}\n", ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=netdev}{display=netdev}\n", ARG_FAMILY);
	fprintf(out, "value {arg=%d}{value=all}{display=all}\n", ARG_FAMILY);
	fprintf(out, "arg {number=%d}{call=--netns}{display=Network namespace}{type=selector}{reload=true}{placeholder=Reload}{tooltip=Where to capture: this namespace, all of them, or one of /run/netns}\n",
		ARG_NETNS);
	print_netns_values(out);
	fprintf(out, "arg {number=%d}{call=--drops}{display=Record drops}{type=boolflag}{default=false}{tooltip=Also record each packet netfilter drops at these hooks, once more, with the comment \"dropped\"}\n",
		ARG_DROPS);
	fprintf(out, "arg {number=%d}{call=--snaplen}{display=Snapshot length}{type=integer}{range=0,%u}{default=%u}{tooltip=Bytes kept of each packet from its IP header (0: %u)}\n",
		ARG_SNAPLEN, NFTRACE_SNAPLEN_MAX, NFTRACE_SNAPLEN_DEFAULT,
		NFTRACE_SNAPLEN_MAX);
	fprintf(out, "arg {number=%d}{call=--buffer-size}{display=Buffer per CPU (KiB)}{type=integer}{range=%u,%u}{default=1024}{tooltip=Ring size per CPU, a power of two}\n",
		ARG_BUFFER, NFTRACE_RING_MIN / 1024, NFTRACE_RING_MAX / 1024);
	fprintf(out, "arg {number=%d}{call=--interface}{display=Devices}{type=string}{tooltip=Only packets in or out of these devices, comma-separated (at most %u); empty: all}\n",
		ARG_INTERFACE, NFTRACE_MAX_DEVICES);
}

/*
 * The dialog's hooks, all checked by default, as the chosen family has
 * them: without netdev, its ingress and egress are left out; for netdev
 * alone, the others. Left as they are when none would remain, for the
 * tool to say what is missing.
 */
static const char *family_hooks(const char *hooks, const char *family,
				 char *buf, size_t size)
{
	int netdev = family && (!strcmp(family, "netdev") ||
				!strcmp(family, "all"));
	int others = !family || strcmp(family, "netdev");
	const char *p = hooks;
	size_t len = 0;

	buf[0] = '\0';
	for (;;) {
		size_t n = strcspn(p, ",");
		int is_netdev = (n == 7 && !strncmp(p, "ingress", 7)) ||
				(n == 6 && !strncmp(p, "egress", 6));

		if (n && (is_netdev ? netdev : others))
			len += snprintf(buf + len, len < size ? size - len : 0,
					"%s%.*s", len ? "," : "", (int)n, p);
		if (!p[n])
			break;
		p += n + 1;
	}
	return buf[0] && len < size ? buf : hooks;
}

#define MAX_ARGS	24

enum opts_result extcap_parse(struct capture_opts *o, int argc, char **argv,
			      FILE *out, char *err)
{
	const char *iface = NULL, *fifo = NULL, *filter = NULL;
	const char *reload = NULL, *hooks = NULL, *family = NULL;
	char hooks_buf[128];
	int interfaces = 0, dlts = 0, config = 0, capture = 0;
	char *args[MAX_ARGS] = { argv[0] };
	int n = 1, c;
	enum opts_result ret;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case X_INTERFACES: interfaces = 1; break;
		case X_VERSION: break;	/* any Wireshark will do */
		case X_INTERFACE: iface = optarg; break;
		case X_DLTS: dlts = 1; break;
		case X_CONFIG: config = 1; break;
		case X_RELOAD: reload = optarg; break;
		case X_CAPTURE: capture = 1; break;
		case X_FIFO: fifo = optarg; break;
		case X_FILTER: filter = optarg; break;
		case X_CONTROL_IN:
		case X_CONTROL_OUT:
		case X_DEBUG:
		case X_DEBUG_FILE:
			break;	/* no toolbar controls, no debug log */
		case C_HOOKS:
			hooks = optarg;
			break;
		case C_FAMILY:
			family = optarg;
			if (!strcmp(optarg, "ipv4")) {
				args[n++] = "-4";
			} else if (!strcmp(optarg, "ipv6")) {
				args[n++] = "-6";
			} else if (!strcmp(optarg, "bridge") ||
				   !strcmp(optarg, "arp") ||
				   !strcmp(optarg, "netdev") ||
				   !strcmp(optarg, "all")) {
				args[n++] = "--families";
				args[n++] = optarg;
			} else if (strcmp(optarg, "both")) {
				snprintf(err, OPTS_ERR_SIZE,
					 "--family: bad value '%s': both, ipv4, ipv6, bridge, arp, netdev or all",
					 optarg);
				return OPTS_ERROR;
			}
			break;
		case C_NETNS:
			if (strcmp(optarg, "self")) {
				args[n++] = "--netns";
				args[n++] = optarg;
			}
			break;
		case C_DROPS:
			args[n++] = "--drops";
			break;
		case C_SNAPLEN:
			args[n++] = "-s";
			args[n++] = optarg;
			break;
		case C_BUFFER:
			args[n++] = "-B";
			args[n++] = optarg;
			break;
		case C_INTERFACE:
			if (*optarg) {
				args[n++] = "-i";
				args[n++] = optarg;
			}
			break;
		case '?':
		default:
			snprintf(err, OPTS_ERR_SIZE, "unknown extcap option %s",
				 argv[optind - 1]);
			return OPTS_ERROR;
		}
		if (n > MAX_ARGS - 10) {	/* room for what follows */
			snprintf(err, OPTS_ERR_SIZE, "too many options");
			return OPTS_ERROR;
		}
	}
	if (interfaces) {
		print_interfaces(out);
		return OPTS_EXIT;
	}
	if (!iface || strcmp(iface, EXTCAP_INTERFACE)) {
		snprintf(err, OPTS_ERR_SIZE,
			 "no extcap interface %s: this one is " EXTCAP_INTERFACE,
			 iface ? iface : "given (--extcap-interface)");
		return OPTS_ERROR;
	}
	if (dlts) {
		print_dlts(out);
		return OPTS_EXIT;
	}
	if (reload) {
		if (strcmp(reload, "netns")) {
			snprintf(err, OPTS_ERR_SIZE, "no reloadable option %s",
				 reload);
			return OPTS_ERROR;
		}
		print_netns_values(out);
		return OPTS_EXIT;
	}
	if (config) {
		print_config(out);
		return OPTS_EXIT;
	}
	if (!capture || !fifo) {
		snprintf(err, OPTS_ERR_SIZE,
			 "nothing to do: --extcap-interfaces, --extcap-dlts, --extcap-config, or --capture --fifo PATH");
		return OPTS_ERROR;
	}
	if (hooks) {
		args[n++] = "--hooks";
		args[n++] = (char *)family_hooks(hooks, family, hooks_buf,
						 sizeof(hooks_buf));
	}
	args[n++] = "-w";
	args[n++] = (char *)fifo;
	args[n++] = "-F";
	args[n++] = "pcapng";
	args[n++] = "-q";
	if (filter && *filter) {
		args[n++] = "--";
		args[n++] = (char *)filter;
	}
	args[n] = NULL;
	ret = capture_parse_opts(o, n, args, out, err);
	o->extcap = 1;
	return ret;
}
