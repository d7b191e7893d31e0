// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_opts.c - nftrace-capture's command line (user/options.c): values,
 * defaults, every kind of bad value, the filter compiled as the kernel
 * will run it, and the man page covering what --help lists.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/extcap.h"
#include "../../user/options.h"
#include "../../include/nftrace.h"
#include "pkt.h"
#include "suites.h"

#define MAX_ARGS	32

static struct capture_opts o;
static char err[OPTS_ERR_SIZE];
static FILE *out;
static char *out_buf;
static size_t out_len;

static void setup(void)
{
	out = open_memstream(&out_buf, &out_len);
	ck_assert_ptr_nonnull(out);
	err[0] = '\0';
}

static void teardown(void)
{
	capture_opts_free(&o);
	fclose(out);
	free(out_buf);
}

/* parse("-c", "5", NULL) */
static enum opts_result parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 1] = { "nftrace-capture" };
	int argc = 1;
	const char *a;
	va_list ap;

	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, MAX_ARGS);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	capture_opts_free(&o);
	return capture_parse_opts(&o, argc, argv, out, err);
}

static void expect_error(const char *needle)
{
	ck_assert_ptr_nonnull(strstr(err, needle));
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(parse(NULL), OPTS_RUN);
	ck_assert_ptr_null(o.outfile);
	ck_assert_ptr_null(o.device);
	ck_assert_ptr_null(o.netns);
	ck_assert_ptr_null(o.filter);
	ck_assert_uint_eq(o.count, 0);
	ck_assert_uint_eq(o.snaplen, NFTRACE_SNAPLEN_DEFAULT);
	ck_assert_uint_eq(o.hooks, NFTRACE_HOOKS_ALL);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_INET);
	ck_assert_uint_eq(o.ring_size, 0);
	ck_assert_int_eq(o.linktype, DLT_NFLOG);
	ck_assert_int_eq(o.quiet, 0);
	ck_assert_int_eq(o.verbose, 0);
}
END_TEST

START_TEST(test_values)
{
	ck_assert_int_eq(parse("-w", "out.pcap", "-c", "10", "-s", "0", "-B",
			       "64", "-q", "-v", "-v", "-4", "--netns", "all",
			       "--linktype", "RAW", "--device", "/tmp/x",
			       NULL), OPTS_RUN);
	ck_assert_str_eq(o.outfile, "out.pcap");
	ck_assert_uint_eq(o.count, 10);
	ck_assert_uint_eq(o.snaplen, 65535);
	ck_assert_uint_eq(o.ring_size, 65536);
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_int_eq(o.verbose, 2);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_IPV4);
	ck_assert_str_eq(o.netns, "all");
	ck_assert_int_eq(o.linktype, DLT_RAW);
	ck_assert_int_eq(o.format, OUTPUT_PCAP);	/* --linktype: pcap */
	ck_assert_str_eq(o.device, "/tmp/x");
	ck_assert_int_eq(o.drops, 0);
	/* -w alone: pcapng, as dumpcap writes; -F pcap: pcap. */
	ck_assert_int_eq(parse("-w", "out", NULL), OPTS_RUN);
	ck_assert_int_eq(o.format, OUTPUT_PCAPNG);
	ck_assert_int_eq(parse("-w", "out", "-F", "pcap", NULL), OPTS_RUN);
	ck_assert_int_eq(o.format, OUTPUT_PCAP);
	ck_assert_int_eq(o.linktype, DLT_NFLOG);

	ck_assert_int_eq(parse("--drops", NULL), OPTS_RUN);
	ck_assert_int_eq(o.drops, 1);

	ck_assert_int_eq(parse("-6", "-s", "1500", "-B", "262144",
			       "--snapshot-length=96", "--buffer-size=1024",
			       "-w", "-", "--linktype=nflog", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_IPV6);
	ck_assert_uint_eq(o.snaplen, 96);
	ck_assert_uint_eq(o.ring_size, 1 << 20);
	ck_assert_str_eq(o.outfile, "-");
	ck_assert_int_eq(o.linktype, DLT_NFLOG);

	ck_assert_int_eq(parse("-4", "-6", "-B", "262144", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_INET);
	ck_assert_uint_eq(o.ring_size, NFTRACE_RING_MAX);
}
END_TEST

START_TEST(test_hooks)
{
	ck_assert_int_eq(parse("--hooks", "prerouting,INPUT", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks, 0x3);
	ck_assert_int_eq(parse("--hooks=forward", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks, 1 << NFTRACE_HOOK_FORWARD);
	ck_assert_int_eq(parse("--hooks", "output,postrouting,output", NULL),
			 OPTS_RUN);
	ck_assert_uint_eq(o.hooks, 0x18);
	ck_assert_int_eq(parse("--hooks", "all", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks, NFTRACE_HOOKS_ALL);
	ck_assert_int_eq(parse("--hooks", "input,all", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks, NFTRACE_HOOKS_ALL);
}
END_TEST

START_TEST(test_families)
{
	ck_assert_int_eq(parse("--families", "bridge", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_BRIDGE);
	ck_assert_int_eq(parse("--families", "inet,ARP", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_INET | NFTRACE_FAMILY_ARP);
	ck_assert_uint_eq(o.hooks_arp, NFTRACE_ARP_HOOKS_ALL);
	ck_assert_int_eq(parse("--families", "ip6", "-4", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_INET);
	ck_assert_int_eq(parse("--families=all", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_ALL);
	/* ARP's own numbers for the hooks it has. */
	ck_assert_int_eq(parse("--families", "arp", "--hooks",
			       "output,forward,postrouting", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks_arp, (1U << NFTRACE_ARP_HOOK_OUT) |
				       (1U << NFTRACE_ARP_HOOK_FORWARD));
	ck_assert(capture_wants(&o, NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_OUT));
	ck_assert(!capture_wants(&o, NFTRACE_NFPROTO_ARP, NFTRACE_ARP_HOOK_IN));
	ck_assert(!capture_wants(&o, NFTRACE_NFPROTO_IPV4, NFTRACE_HOOK_OUTPUT));
	ck_assert_int_eq(parse("--families", "arp", "--hooks", "prerouting",
			       NULL), OPTS_ERROR);
	expect_error("none of the --hooks is ARP's (it has input, output and forward)");
	ck_assert_int_eq(parse("--families", "ipx", NULL), OPTS_ERROR);
	expect_error("--families: bad family 'ipx' (use inet, ip, ip6, bridge, arp, netdev or all)");
	ck_assert_int_eq(parse("--families", "bridge,", NULL), OPTS_ERROR);
	expect_error("bad family ''");
	/* Outputs that hold IP packets only. */
	ck_assert_int_eq(parse("--families", "bridge", "-w", "x", "-F", "pcap",
			       NULL), OPTS_ERROR);
	expect_error("a pcap file holds IPv4 and IPv6 packets only");
}
END_TEST

/* netdev: its family, its hooks, and what --hooks misses with it. */
START_TEST(test_netdev)
{
	char buf[96];

	ck_assert_int_eq(parse("--families", "netdev", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_NETDEV);
	ck_assert_uint_eq(o.hooks_netdev, NFTRACE_NETDEV_HOOKS_ALL);
	ck_assert(capture_wants(&o, NFTRACE_NFPROTO_NETDEV,
				NFTRACE_NETDEV_HOOK_EGRESS));
	ck_assert(!capture_wants(&o, NFTRACE_NFPROTO_NETDEV, 2));
	ck_assert(!capture_wants(&o, NFTRACE_NFPROTO_IPV4,
				 NFTRACE_HOOK_INPUT));
	ck_assert_int_eq(parse("--families", "all", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.families & NFTRACE_FAMILY_NETDEV,
			  NFTRACE_FAMILY_NETDEV);
	ck_assert(capture_wants(&o, NFTRACE_NFPROTO_NETDEV,
				NFTRACE_NETDEV_HOOK_INGRESS));
	ck_assert_int_eq(parse("--families", "ip,netdev", "--hooks",
			       "Egress,input", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks_netdev, 1U << NFTRACE_NETDEV_HOOK_EGRESS);
	ck_assert_uint_eq(o.hooks, 1U << NFTRACE_HOOK_INPUT);
	ck_assert(capture_wants(&o, NFTRACE_NFPROTO_NETDEV,
				NFTRACE_NETDEV_HOOK_EGRESS));
	ck_assert(!capture_wants(&o, NFTRACE_NFPROTO_NETDEV,
				 NFTRACE_NETDEV_HOOK_INGRESS));
	ck_assert(!capture_wants(&o, NFTRACE_NFPROTO_IPV6, NFTRACE_HOOK_INPUT));
	ck_assert_int_eq(parse("--families", "netdev", "--hooks", "ingress",
			       NULL), OPTS_RUN);
	ck_assert_uint_eq(o.hooks_netdev, 1U << NFTRACE_NETDEV_HOOK_INGRESS);
	ck_assert_uint_eq(o.hooks, 0);
	ck_assert_uint_eq(capture_parse_hooks("all", err), CAPTURE_HOOKS_ALL);
	ck_assert_str_eq(capture_hooks_str(CAPTURE_HOOKS_ALL, buf, sizeof(buf)),
			 "prerouting,input,forward,output,postrouting,ingress,egress");

	/* A family without any of --hooks: said, as for ARP. */
	ck_assert_int_eq(parse("--families", "netdev", "--hooks",
			       "input,output", NULL), OPTS_ERROR);
	expect_error("--families netdev: none of the --hooks is netdev's (it has ingress and egress)");
	ck_assert_int_eq(parse("--hooks", "ingress", NULL), OPTS_ERROR);
	expect_error("--hooks ingress and egress are the netdev family's: add --families netdev");
	ck_assert_int_eq(parse("--families", "arp", "--hooks", "egress", NULL),
			 OPTS_ERROR);
	expect_error("add --families netdev");
	ck_assert_int_eq(parse("--families", "netdev,bridge", "--hooks",
			       "ingress", NULL), OPTS_ERROR);
	expect_error("--families ip, ip6, bridge: none of the --hooks is theirs");
	ck_assert_int_eq(parse("--families", "netdev,arp", "--hooks",
			       "ingress,prerouting", NULL), OPTS_ERROR);
	expect_error("none of the --hooks is ARP's");
	/* IP packets only in these outputs. */
	ck_assert_int_eq(parse("--families", "netdev", "-w", "x", "-F", "pcap",
			       NULL), OPTS_ERROR);
	expect_error("a pcap file holds IPv4 and IPv6 packets only: write bridge, arp and netdev captures as pcapng");
	ck_assert_int_eq(parse("--families", "netdev", "-w", "x",
			       "--linktype", "raw", NULL), OPTS_ERROR);
	expect_error("a pcap file holds IPv4 and IPv6 packets only");
}
END_TEST

/* -i, --interface, --dev: names, repeated and listed; their limits. */
START_TEST(test_devices)
{
	struct test_rec tr;
	struct nftrace_record *rec;
	__u8 pkt[20] = { 0x45 };

	ck_assert_int_eq(parse(NULL), OPTS_RUN);
	ck_assert_uint_eq(o.nr_devices, 0);
	ck_assert_int_eq(parse("-i", "a", "--interface", "b,c", "--dev", "a,d",
			       NULL), OPTS_RUN);
	ck_assert_uint_eq(o.nr_devices, 4);
	ck_assert_str_eq(o.devices[0], "a");
	ck_assert_str_eq(o.devices[1], "b");
	ck_assert_str_eq(o.devices[2], "c");
	ck_assert_str_eq(o.devices[3], "d");
	/* --dev is -i, --device is still the device file. */
	ck_assert_int_eq(parse("--device", "/x", "--dev=wg0", NULL), OPTS_RUN);
	ck_assert_str_eq(o.device, "/x");
	ck_assert_uint_eq(o.nr_devices, 1);
	ck_assert_int_eq(parse("-i", "0123456789abcde", NULL), OPTS_RUN);
	ck_assert_str_eq(o.devices[0], "0123456789abcde");
	ck_assert_int_eq(parse("-i", "0123456789abcdef", NULL), OPTS_ERROR);
	expect_error("-i: bad device name '0123456789abcdef': from 1 to 15 characters");
	ck_assert_int_eq(parse("-i", "eth0,", NULL), OPTS_ERROR);
	expect_error("-i: bad device name ''");
	ck_assert_int_eq(parse("-i", "", NULL), OPTS_ERROR);
	expect_error("-i: bad device name ''");
	ck_assert_int_eq(parse("-i", NULL), OPTS_ERROR);
	expect_error("-i needs a value");
	ck_assert_int_eq(parse("-i", "a,b,c,d,e,f,g,h", "-i",
			       "i,j,k,l,m,n,o,p", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.nr_devices, NFTRACE_MAX_DEVICES);
	ck_assert_str_eq(o.devices[15], "p");
	ck_assert_int_eq(parse("-i", "a,b,c,d,e,f,g,h", "-i",
			       "i,j,k,l,m,n,o,p,q", NULL), OPTS_ERROR);
	expect_error("-i: more than 16 devices");

	/* -r selects by them as the kernel does: in, out, bridge ports. */
	ck_assert_int_eq(parse("-i", "eth1,p2", NULL), OPTS_RUN);
	rec = rec_full(rec_make(&tr, NFTRACE_NFPROTO_IPV4, 0, pkt, 20, 20));
	ck_assert(!capture_wants_device(&o, rec));
	memcpy(rec->ifname_out, "eth1", 5);
	ck_assert(capture_wants_device(&o, rec));
	memset(rec->ifname_out, 0, sizeof(rec->ifname_out));
	memcpy(rec->phys_ifname_out, "p2", 3);
	ck_assert(capture_wants_device(&o, rec));
	ck_assert_int_eq(parse(NULL), OPTS_RUN);
	ck_assert(capture_wants_device(&o, rec));
}
END_TEST

START_TEST(test_bad_hooks)
{
	static const char *const bad[] = {
		"foo", "", "input,", ",input", "input,,output", "pre",
		"prerouting;input", "input output", "alll",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse("--hooks", bad[i], NULL), OPTS_ERROR);
		expect_error("--hooks: bad hook");
		expect_error("use prerouting, input, forward, output, postrouting, ingress, egress or all");
	}
	ck_assert_int_eq(parse("--hooks", "input,foo", NULL), OPTS_ERROR);
	expect_error("'foo'");
}
END_TEST

START_TEST(test_bad_buffer_size)
{
	static const char *const bad[] = {
		"0", "32", "100", "63", "524288", "1048576", "abc", "-64",
		"", "64k", " 64", "+64", "99999999999999999999999",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse("-B", bad[i], NULL), OPTS_ERROR);
		expect_error("-B: bad value");
		expect_error("a power of two from 64 to 262144");
	}
}
END_TEST

START_TEST(test_bad_snaplen)
{
	static const char *const bad[] = {
		"65536", "-1", "abc", "12x", "", "1e3", "4294967297",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse("-s", bad[i], NULL), OPTS_ERROR);
		expect_error("-s: bad value");
	}
	ck_assert_int_eq(parse("-s", "1", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.snaplen, 1);
	ck_assert_int_eq(parse("-s", "65535", NULL), OPTS_RUN);
	ck_assert_uint_eq(o.snaplen, 65535);
}
END_TEST

START_TEST(test_bad_other)
{
	ck_assert_int_eq(parse("-c", "0", NULL), OPTS_ERROR);
	expect_error("-c: bad value '0'");
	ck_assert_int_eq(parse("-c", "x", NULL), OPTS_ERROR);
	ck_assert_int_eq(parse("-c", NULL), OPTS_ERROR);
	expect_error("-c needs a value");
	ck_assert_int_eq(parse("--hooks", NULL), OPTS_ERROR);
	expect_error("--hooks needs a value");
	ck_assert_int_eq(parse("--linktype", "ether", NULL), OPTS_ERROR);
	expect_error("--linktype: bad value 'ether': nflog or raw");
	ck_assert_int_eq(parse("--netns", "", NULL), OPTS_ERROR);
	ck_assert_int_eq(parse("-w", "", NULL), OPTS_ERROR);
	ck_assert_int_eq(parse("-x", NULL), OPTS_ERROR);
	expect_error("unknown option -x");
	ck_assert_int_eq(parse("--bogus", NULL), OPTS_ERROR);
	expect_error("unknown option --bogus");
}
END_TEST

/* -r: a file instead of the device; the capture's own options refused. */
START_TEST(test_read)
{
	ck_assert_int_eq(parse("-r", "x.pcapng", NULL), OPTS_RUN);
	ck_assert_str_eq(o.readfile, "x.pcapng");
	ck_assert_uint_eq(o.snaplen, 65535);	/* as the file has them */
	ck_assert_int_eq(o.format, OUTPUT_TEXT);
	ck_assert_int_eq(parse("-r", "-", "-s", "64", "--json", "-6",
			       "--hooks", "input", "icmp6", NULL), OPTS_RUN);
	ck_assert_str_eq(o.readfile, "-");
	ck_assert_uint_eq(o.snaplen, 64);
	ck_assert_int_eq(o.format, OUTPUT_JSON);
	ck_assert_uint_eq(o.hooks, 1U << NFTRACE_HOOK_INPUT);
	ck_assert_str_eq(o.filter, "icmp6");
	ck_assert_int_eq(parse("-r", "a", "-w", "b", "-F", "pcapng", NULL),
			 OPTS_RUN);
	ck_assert_int_eq(o.format, OUTPUT_PCAPNG);

	ck_assert_int_eq(parse("-r", "", NULL), OPTS_ERROR);
	expect_error("-r: bad value '': a file name, or -");
	ck_assert_int_eq(parse("-r", "a", "--drops", NULL), OPTS_ERROR);
	expect_error("--drops is for a live capture: -r reads what a capture wrote");
	ck_assert_int_eq(parse("-r", "a", "--netns", "all", NULL), OPTS_ERROR);
	expect_error("--netns is for a live capture");
	ck_assert_int_eq(parse("-r", "a", "-B", "64", NULL), OPTS_ERROR);
	expect_error("-B is for a live capture");
	ck_assert_int_eq(parse("--device", "/x", "-r", "a", NULL), OPTS_ERROR);
	expect_error("--device is for a live capture");
}
END_TEST

/* --journey: lines on stdout, live or from a file; not with -w, --json, -F. */
START_TEST(test_journey)
{
	ck_assert_int_eq(parse("--journey", "--drops", NULL), OPTS_RUN);
	ck_assert_int_eq(o.format, OUTPUT_JOURNEY);
	ck_assert_int_eq(parse("-r", "x.pcapng", "--journey", "--hooks",
			       "prerouting,forward", NULL), OPTS_RUN);
	ck_assert_int_eq(o.format, OUTPUT_JOURNEY);
	ck_assert_uint_eq(o.hooks, 0x5);
	/* Every family: the journey follows them all. */
	ck_assert_int_eq(parse("--journey", "--families", "all", NULL),
			 OPTS_RUN);
	ck_assert_int_eq(o.format, OUTPUT_JOURNEY);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_ALL);
	ck_assert_int_eq(parse("--families", "bridge,netdev", "--journey",
			       "--hooks", "ingress,egress,forward", NULL),
			 OPTS_RUN);
	ck_assert_uint_eq(o.hooks_netdev, NFTRACE_NETDEV_HOOKS_ALL);
	/* But a pcap file still holds IP packets only. */
	ck_assert_int_eq(parse("--journey", "--families", "all",
			       "--linktype", "raw", NULL), OPTS_ERROR);
	expect_error("a pcap file holds IPv4 and IPv6 packets only");

	ck_assert_int_eq(parse("--journey", "-w", "x", NULL), OPTS_ERROR);
	expect_error("--journey prints on stdout: leave out -w");
	ck_assert_int_eq(parse("-w", "-", "--journey", NULL), OPTS_ERROR);
	expect_error("--journey prints on stdout: leave out -w");
	ck_assert_int_eq(parse("-r", "a", "-w", "b", "--journey", NULL),
			 OPTS_ERROR);
	expect_error("--journey prints on stdout: leave out -w");
	ck_assert_int_eq(parse("--journey", "--json", NULL), OPTS_ERROR);
	expect_error("--json and --journey each choose the output: give one of them");
	ck_assert_int_eq(parse("--json", "--journey", NULL), OPTS_ERROR);
	expect_error("--journey and --json each choose the output");
	ck_assert_int_eq(parse("-w", "x", "-F", "pcap", "--journey", NULL),
			 OPTS_ERROR);
	expect_error("--journey and -F each choose the output");
	ck_assert_int_eq(parse("--journey", "-F", "pcapng", "-w", "x", NULL),
			 OPTS_ERROR);
	expect_error("-F and --journey each choose the output");
}
END_TEST

/* The extcap dialect: queries answered, a capture turned into options. */
START_TEST(test_extcap)
{
	char *ifs[] = { "nftrace", "--extcap-interfaces",
			"--extcap-version=4.0", NULL };
	char *cap[] = { "/x/extcap/nftrace", "--capture", "--extcap-interface",
			"nftrace", "--extcap-capture-filter", "udp port 10",
			"--fifo", "/tmp/fifo", "--hooks", "forward,input",
			"--family", "ipv6", "--netns", "all", "--drops",
			"--snaplen", "0", "--buffer-size", "64", NULL };
	char *self[] = { "nftrace", "--capture", "--extcap-interface",
			 "nftrace", "--fifo", "f", "--netns", "self", "--family",
			 "both", NULL };
	char *other[] = { "nftrace", "--extcap-interface", "eth0",
			  "--extcap-dlts", NULL };
	char *cfg[] = { "nftrace", "--extcap-interface", "nftrace",
			"--extcap-config", NULL };
	char *plain[] = { "nftrace-capture", "-c", "1", NULL };

	ck_assert(extcap_wanted(3, ifs));
	ck_assert(extcap_wanted(2, (char *[]){ "/usr/sbin/nftrace-capture",
					       "--capture", NULL }));
	ck_assert(!extcap_wanted(3, plain));
	ck_assert_int_eq(extcap_parse(&o, 3, ifs, out, err), OPTS_EXIT);
	fflush(out);
	ck_assert_int_eq(strncmp(out_buf, "extcap {version=", 16), 0);
	ck_assert_ptr_nonnull(strstr(out_buf, "}{help=man:nftrace-capture(8)}\n"
		"interface {value=nftrace}{display=nftrace: netfilter hooks}\n"));

	ck_assert_int_eq(extcap_parse(&o, 19, cap, out, err), OPTS_RUN);
	ck_assert(o.extcap);
	ck_assert_str_eq(o.outfile, "/tmp/fifo");
	ck_assert_int_eq(o.format, OUTPUT_PCAPNG);
	ck_assert(o.quiet);
	ck_assert_str_eq(o.filter, "udp port 10");
	ck_assert_uint_eq(o.hooks, (1U << NFTRACE_HOOK_FORWARD) |
				   (1U << NFTRACE_HOOK_INPUT));
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_IPV6);
	ck_assert_str_eq(o.netns, "all");
	ck_assert(o.drops);
	ck_assert_uint_eq(o.snaplen, 65535);
	ck_assert_uint_eq(o.ring_size, 64 * 1024);
	capture_opts_free(&o);

	ck_assert_int_eq(extcap_parse(&o, 10, self, out, err), OPTS_RUN);
	ck_assert_ptr_null(o.netns);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_INET);
	ck_assert_uint_eq(o.hooks, NFTRACE_HOOKS_ALL);
	ck_assert_ptr_null(o.filter);

	self[9] = "bridge";
	ck_assert_int_eq(extcap_parse(&o, 10, self, out, err), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_BRIDGE);
	self[9] = "all";
	ck_assert_int_eq(extcap_parse(&o, 10, self, out, err), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILIES_ALL);
	self[9] = "ipx";
	ck_assert_int_eq(extcap_parse(&o, 10, self, out, err), OPTS_ERROR);
	expect_error("--family: bad value 'ipx': both, ipv4, ipv6, bridge, arp, netdev or all");
	/* netdev: the dialog's hooks as the family has them. */
	self[9] = "netdev";
	ck_assert_int_eq(extcap_parse(&o, 10, self, out, err), OPTS_RUN);
	ck_assert_uint_eq(o.families, NFTRACE_FAMILY_NETDEV);
	ck_assert_uint_eq(o.hooks_netdev, NFTRACE_NETDEV_HOOKS_ALL);
	{
		char *nd[] = { "nftrace", "--capture", "--extcap-interface",
			       "nftrace", "--fifo", "f", "--hooks",
			       "input,ingress,egress", "--family", "netdev",
			       "--interface", "eth0,wg0", NULL };

		ck_assert_int_eq(extcap_parse(&o, 12, nd, out, err), OPTS_RUN);
		ck_assert_uint_eq(o.families, NFTRACE_FAMILY_NETDEV);
		ck_assert_uint_eq(o.hooks_netdev, NFTRACE_NETDEV_HOOKS_ALL);
		ck_assert_uint_eq(o.hooks, 0);
		ck_assert_uint_eq(o.nr_devices, 2);
		ck_assert_str_eq(o.devices[1], "wg0");
		/* Without netdev, its hooks are left out. */
		nd[9] = "both";
		ck_assert_int_eq(extcap_parse(&o, 12, nd, out, err), OPTS_RUN);
		ck_assert_uint_eq(o.hooks, 1U << NFTRACE_HOOK_INPUT);
		ck_assert_uint_eq(o.hooks_netdev, 0);
		nd[9] = "all";
		ck_assert_int_eq(extcap_parse(&o, 12, nd, out, err), OPTS_RUN);
		ck_assert_uint_eq(o.hooks, 1U << NFTRACE_HOOK_INPUT);
		ck_assert_uint_eq(o.hooks_netdev, NFTRACE_NETDEV_HOOKS_ALL);
		/* None of the family's: the tool says so. */
		nd[7] = "ingress";
		nd[9] = "ipv4";
		ck_assert_int_eq(extcap_parse(&o, 12, nd, out, err), OPTS_ERROR);
		expect_error("add --families netdev");
		/* An empty device field: all devices. */
		nd[9] = "netdev";
		nd[11] = "";
		ck_assert_int_eq(extcap_parse(&o, 12, nd, out, err), OPTS_RUN);
		ck_assert_uint_eq(o.nr_devices, 0);
	}

	ck_assert_int_eq(extcap_parse(&o, 4, other, out, err), OPTS_ERROR);
	expect_error("no extcap interface eth0: this one is nftrace");
	ck_assert_int_eq(extcap_parse(&o, 4, cfg, out, err), OPTS_EXIT);
	fflush(out);
	ck_assert_ptr_nonnull(strstr(out_buf, "arg {number=0}{call=--hooks}{display=Hooks}{type=multicheck}"));
	ck_assert_ptr_nonnull(strstr(out_buf, "value {arg=2}{value=all}{display=all of them}\n"));
	ck_assert_ptr_nonnull(strstr(out_buf, "value {arg=1}{value=bridge}{display=bridge}\n"
					      "value {arg=1}{value=arp}{display=ARP}\n"
					      "value {arg=1}{value=netdev}{display=netdev}\n"));
	ck_assert_ptr_nonnull(strstr(out_buf, "value {arg=0}{value=egress}{display=EGRESS (netdev)}{default=true}{enabled=true}\n"));
	ck_assert_ptr_nonnull(strstr(out_buf, "arg {number=6}{call=--interface}{display=Devices}{type=string}"));
	/* Wireshark's reload button: the netns values again, nothing else. */
	{
		char *rl[] = { "nftrace", "--extcap-interface", "nftrace",
			       "--extcap-reload-option", "netns", NULL };
		size_t before;

		fflush(out);
		before = out_len;
		ck_assert_int_eq(extcap_parse(&o, 5, rl, out, err), OPTS_EXIT);
		fflush(out);
		ck_assert_ptr_nonnull(strstr(out_buf + before,
			"value {arg=2}{value=self}"));
		ck_assert_ptr_null(strstr(out_buf + before, "arg {number="));
		rl[4] = "hooks";
		ck_assert_int_eq(extcap_parse(&o, 5, rl, out, err), OPTS_ERROR);
		expect_error("no reloadable option hooks");
	}
	cap[10] = "--snaplen";
	cap[11] = "70000";
	ck_assert_int_eq(extcap_parse(&o, 19, cap, out, err), OPTS_ERROR);
	expect_error("-s: bad value '70000'");
}
END_TEST

START_TEST(test_help_and_version)
{
	ck_assert_int_eq(parse("--help", NULL), OPTS_EXIT);
	fflush(out);
	ck_assert_ptr_nonnull(strstr(out_buf, "Usage: nftrace-capture"));
	ck_assert_int_eq(parse("-h", "-c", "0", NULL), OPTS_EXIT);
	ck_assert_int_eq(parse("--version", NULL), OPTS_EXIT);
	fflush(out);
	ck_assert_ptr_nonnull(strstr(out_buf, "nftrace ABI 1"));
	ck_assert_ptr_nonnull(strstr(out_buf, "libpcap version"));
}
END_TEST

/* The filter is what follows the options, joined as tcpdump joins it. */
START_TEST(test_filter_joined)
{
	ck_assert_int_eq(parse("-c", "1", "tcp", "port", "22", NULL), OPTS_RUN);
	ck_assert_str_eq(o.filter, "tcp port 22");
	ck_assert_int_eq(parse("udp and not port 53", NULL), OPTS_RUN);
	ck_assert_str_eq(o.filter, "udp and not port 53");
	/* After the expression starts, nothing is an option. */
	ck_assert_int_eq(parse("icmp", "-c", "5", NULL), OPTS_RUN);
	ck_assert_str_eq(o.filter, "icmp -c 5");
	ck_assert_uint_eq(o.count, 0);
}
END_TEST

static unsigned int run_filter(const struct bpf_program *prog, const __u8 *p,
			       unsigned int len)
{
	return bpf_filter(prog->bf_insns, p, len, len);
}

/* Compiled for DLT_RAW: matches from the IP header, returns the snaplen. */
START_TEST(test_filter_compiled)
{
	struct bpf_program prog;
	__u8 v4[40], v6[60];

	pkt_ipv4(v4, "10.0.0.1", "10.0.0.2", 6, 20);
	pkt_tcp(v4 + 20, 22, 40000, 1, 0, 0x02, 100);
	pkt_ipv6(v6, "2001:db8::1", "2001:db8::2", 17, 20);
	pkt_udp(v6 + 40, 53, 40000, 12);

	ck_assert_int_eq(parse("-s", "200", "tcp", "port", "22", NULL),
			 OPTS_RUN);
	ck_assert_int_eq(capture_compile_filter(&o, DLT_RAW, &prog, err), 0);
	ck_assert_uint_eq(run_filter(&prog, v4, 40), 200);
	ck_assert_uint_eq(run_filter(&prog, v6, 60), 0);
	pcap_freecode(&prog);

	ck_assert_int_eq(parse("ip6", "and", "udp", "src", "port", "53", NULL),
			 OPTS_RUN);
	ck_assert_int_eq(capture_compile_filter(&o, DLT_RAW, &prog, err), 0);
	ck_assert_uint_eq(run_filter(&prog, v4, 40), 0);
	ck_assert_uint_eq(run_filter(&prog, v6, 60), NFTRACE_SNAPLEN_DEFAULT);
	pcap_freecode(&prog);

	ck_assert_int_eq(parse("src", "host", "10.0.0.1", NULL), OPTS_RUN);
	ck_assert_int_eq(capture_compile_filter(&o, DLT_RAW, &prog, err), 0);
	ck_assert_uint_gt(run_filter(&prog, v4, 40), 0);
	pcap_freecode(&prog);
}
END_TEST

START_TEST(test_filter_errors)
{
	static const char *const bad[] = {
		"tcp port", "nosuchproto", "port 99999", "ether host 1:2:3:4:5:6",
		"(tcp",
	};
	struct bpf_program prog;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(bad[i], NULL), OPTS_RUN);
		ck_assert_int_eq(capture_compile_filter(&o, DLT_RAW, &prog, err), -1);
		expect_error("bad filter expression '");
		expect_error(bad[i]);
	}
}
END_TEST

START_TEST(test_hooks_str)
{
	char buf[64];

	ck_assert_str_eq(capture_hooks_str(NFTRACE_HOOKS_ALL, buf, sizeof(buf)),
			 "prerouting,input,forward,output,postrouting");
	ck_assert_str_eq(capture_hooks_str(0x12, buf, sizeof(buf)),
			 "input,postrouting");
	ck_assert_str_eq(capture_hooks_str(0, buf, sizeof(buf)), "");
	ck_assert_str_eq(capture_hooks_str(0x3, buf, 12), "prerouting,");
}
END_TEST

/* Every option --help lists is in the man page. */
START_TEST(test_manpage_covers_help)
{
	static const char *const opts[] = {
		"-w", "-c", "-s", "--snapshot-length", "--hooks", "-4", "-6",
		"--netns", "-B", "--buffer-size", "--linktype", "-q", "-v",
		"--device", "-h", "--help", "--version", "--drops",
		"--journey", "--families", "-i", "--interface", "--dev",
	};
	char *man = NULL, want[64], *w;
	size_t len = 0;
	unsigned int i;
	const char *c;
	FILE *f;

	f = fopen(NFTRACE_MANPAGE, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(getdelim(&man, &len, '\0', f), 0);
	fclose(f);

	ck_assert_int_eq(parse("--help", NULL), OPTS_EXIT);
	fflush(out);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		/* In --help as given, in troff with its dashes escaped. */
		ck_assert_ptr_nonnull(strstr(out_buf, opts[i]));
		for (c = opts[i], w = want; *c; c++) {
			if (*c == '-')
				*w++ = '\\';
			*w++ = *c;
		}
		*w = '\0';
		ck_assert_msg(strstr(man, want) != NULL,
			      "man page lacks %s", want);
	}
	free(man);
}
END_TEST

Suite *opts_suite(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_hooks);
	tcase_add_test(tc, test_families);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_devices);
	tcase_add_test(tc, test_bad_hooks);
	tcase_add_test(tc, test_bad_buffer_size);
	tcase_add_test(tc, test_bad_snaplen);
	tcase_add_test(tc, test_bad_other);
	tcase_add_test(tc, test_help_and_version);
	tcase_add_test(tc, test_filter_joined);
	tcase_add_test(tc, test_filter_compiled);
	tcase_add_test(tc, test_filter_errors);
	tcase_add_test(tc, test_hooks_str);
	tcase_add_test(tc, test_manpage_covers_help);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_journey);
	tcase_add_test(tc, test_extcap);
	suite_add_tcase(s, tc);
	return s;
}
