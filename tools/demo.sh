#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make demo: on a fresh Debian 12 machine, install what nftrace needs (as
# root), build it, boot the test VM and capture, with nftrace-capture, what
# a router receives, sends and forwards (tools/vm/demo-guest.sh); then copy
# the capture to ./out.pcap and show each packet with the hook it was
# captured at.
set -euo pipefail
cd "$(dirname "$0")/.."

section() {
	printf '\n==== %s\n' "$*"
}

if [ "$(id -u)" = 0 ]; then
	section "dependencies"
	bash tools/install-deps.sh
else
	echo "demo: not root: skipping tools/install-deps.sh (the VM needs root to read /boot)"
fi

section "build"
make

section "the VM: load nftrace.ko, capture at the router, send traffic"
out=build/vm/demo
rm -rf "$out"
rc=0
tools/vm/run --out "$out" tools/vm/demo-guest.sh || rc=$?

section "nftrace-capture's stderr"
tr '\r' '\n' < "$out/capture.err" | grep -v '^Got ' || true
if [ $rc != 0 ]; then
	echo "demo: FAIL: the VM run failed (its files: $out)"
	exit 1
fi
cp "$out/out.pcap" out.pcap

section "out.pcap (LINKTYPE_NFLOG): each packet at its hook"
# Without TCP analysis: tshark would take the same segment seen at three
# hooks for retransmissions.
tshark -r out.pcap -o tcp.analyze_sequence_numbers:FALSE -T fields \
	-e frame.number -e nflog.hook -e nflog.prefix -e ip.src -e ip.dst \
	-e ipv6.src -e ipv6.dst -e _ws.col.Protocol -e _ws.col.Info 2>/dev/null |
	awk -F'\t' '
	BEGIN { printf "%4s  %-16s  %-14s  %-14s  %-6s  %s\n", "no",
		       "hook (prefix)", "source", "destination", "proto", "info" }
	{
		split($3, prefix, " ")
		src = $4 != "" ? $4 : $6
		dst = $5 != "" ? $5 : $7
		printf "%4s  %-16s  %-14s  %-14s  %-6s  %.44s\n", $1,
		       $2 " " prefix[1], src, dst, $8, $9
	}'

section "packets per hook"
tshark -r out.pcap -T fields -e nflog.hook -e nflog.prefix 2>/dev/null |
	awk '{ print $1, $2 }' | sort -n | uniq -c
echo
echo "demo: the capture is in ./out.pcap (try: tshark -r out.pcap -V | less)"
