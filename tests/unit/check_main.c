// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check_main.c - runs the unit test suites: all of them, or those named on
 * the command line (check_nftrace ring consumer).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "ring",	ring_suite },
	{ "consumer",	consumer_suite },
	{ "fmt",	fmt_suite },
	{ "nflog",	nflog_suite },
	{ "pcap",	pcap_suite },
	{ "opts",	opts_suite },
	{ "tool",	tool_suite },
	{ "pcapng",	pcapng_suite },
	{ "pcapng_read", pcapng_read_suite },
	{ "pcap_read", pcap_read_suite },
	{ "json",	json_suite },
	{ "journey",	journey_suite },
};

#define NR_SUITES	(sizeof(suites) / sizeof(suites[0]))

static int wanted(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	unsigned int i;
	int failed;

	for (i = 0; i < NR_SUITES; i++) {
		if (!wanted(argc, argv, suites[i].name))
			continue;
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (!sr) {
		fprintf(stderr, "usage: %s [SUITE]... (ring consumer fmt nflog pcap opts tool pcapng json journey)\n",
			argv[0]);
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
