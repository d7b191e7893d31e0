# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The guest half of `make demo` (tools/demo.sh): capture at the router of
# the standard topology (tests/vm/lib.sh) while it receives and sends its own
# (local) traffic, at INPUT and OUTPUT, and forwards the client's to the
# server, at PREROUTING, FORWARD and POSTROUTING, in IPv4 and IPv6. Leaves
# $VMOUT/out.pcap and nftrace-capture's stderr in $VMOUT/capture.err.
. tests/vm/lib.sh

load_nftrace
mk_topology

# The filter leaves out IPv6's own chatter (neighbour discovery, MLD).
in_ns_bg router user/nftrace-capture -F pcap -w "$VMOUT/out.pcap" \
	'tcp or icmp or icmp6[icmp6type] == icmp6-echo or icmp6[icmp6type] == icmp6-echoreply' \
	2>"$VMOUT/capture.err"
capture=$!
wait_for 10 grep -q "capturing" "$VMOUT/capture.err" || die "nftrace-capture did not start"

expect_ok "local: client pings the router (IPv4)" in_ns client ping -c 1 -W 5 $ROUTER4_C
expect_ok "local: client pings the router (IPv6)" in_ns client ping -6 -c 1 -W 5 $ROUTER6_C
expect_ok "forwarded: client pings the server (IPv4)" in_ns client ping -c 1 -W 5 $SERVER4
expect_ok "forwarded: client pings the server (IPv6)" in_ns client ping -6 -c 1 -W 5 $SERVER6
tcp_send client server $SERVER4 1000
tcp_send client server $SERVER6 1000

sleep 0.5 # the records of the last packets reach the reader
kill -INT $capture
wait $capture
assert_eq 0 $? "nftrace-capture exit status"
expect_ok "out.pcap written" test -s "$VMOUT/out.pcap"
