/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * extcap.h - nftrace-capture as a Wireshark extcap (extcap(4)): the
 * interface "nftrace" in Wireshark's and tshark's interface list.
 *
 * Wireshark runs every program in its extcap directories with
 * --extcap-interfaces, then, for an interface, --extcap-dlts,
 * --extcap-config (the capture dialog's fields) and at last --capture
 * --fifo PATH with the fields' values. nftrace-capture is in that mode
 * when it is called by the name "nftrace" (the link make install puts
 * there) or with any of those options; the capture then is an ordinary
 * one, written as pcapng to the fifo, configured by the same option
 * parser as the command line, so that a bad value gets the same message.
 */
#ifndef _NFTRACE_EXTCAP_H
#define _NFTRACE_EXTCAP_H

#include <stdio.h>

#include "options.h"

#define EXTCAP_INTERFACE	"nftrace"

/* Whether argv asks for extcap mode. */
int extcap_wanted(int argc, char **argv);

/*
 * Parse an extcap command line. A query (--extcap-interfaces, -dlts,
 * -config, -reload-option) is answered on out: OPTS_EXIT. --capture fills
 * o as capture_parse_opts() would for "-w FIFO -F pcapng -q [config]
 * [filter]": OPTS_RUN. Anything else: OPTS_ERROR with err set (Wireshark
 * shows the extcap's standard error).
 */
enum opts_result extcap_parse(struct capture_opts *o, int argc, char **argv,
			      FILE *out, char *err);

#endif /* _NFTRACE_EXTCAP_H */
