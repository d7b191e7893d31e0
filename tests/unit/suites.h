/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* suites.h - the Check suites check_main.c runs. */
#ifndef _NFTRACE_SUITES_H
#define _NFTRACE_SUITES_H

#include <check.h>

Suite *ring_suite(void);
Suite *consumer_suite(void);
Suite *fmt_suite(void);
Suite *nflog_suite(void);
Suite *pcap_suite(void);
Suite *opts_suite(void);
Suite *tool_suite(void);
Suite *pcapng_suite(void);
Suite *pcapng_read_suite(void);
Suite *pcap_read_suite(void);
Suite *json_suite(void);
Suite *journey_suite(void);

#endif /* _NFTRACE_SUITES_H */
