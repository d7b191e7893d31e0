# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Harness self-test, in the VM: the guest has what the nftrace tests rely
# on, and lib.sh's helpers work. Runs first in `make -C tests/vm check`;
# needs no nftrace module.
. tests/vm/lib.sh

assert_eq /vmout "$VMOUT" "VMOUT"
expect_ok "VMOUT writable" touch "$VMOUT/harness_guest"
expect_ok "repository is the working directory" test -f tools/vm/run
expect_ok "root writable (overlay)" touch harness_guest.tmp
rm -f harness_guest.tmp
for tool in bash ip nft tcpdump tshark python3 ping iperf3 insmod rmmod modprobe; do
	expect_ok "has $tool" command -v $tool
done

# Module autoloading through the modprobe helper: nf_tables is not loaded
# yet, nft must get it loaded by asking for it.
assert_eq /bin/modprobe-helper "$(cat /proc/sys/kernel/modprobe)" "kernel.modprobe"
expect_ok "nft autoloads nf_tables" nft add table inet harness
expect_ok "nf_tables loaded" test -d /sys/module/nf_tables
nft delete table inet harness

expect_ok "insmod a module file" insmod "/lib/modules/$(uname -r)/kernel/drivers/net/dummy.ko"
expect_ok "rmmod it" rmmod dummy

mk_topology
expect_ok "client pings server (IPv4, forwarded)" in_ns client ping -c 1 -W 5 $SERVER4
expect_ok "client pings server (IPv6, forwarded)" in_ns client ping -6 -c 1 -W 5 $SERVER6

# An nftables counter in the router's FORWARD hook sees exactly the
# forwarded packets: 3 echo requests and 3 replies, each family.
in_ns router nft -f - <<-EOF || die "router ruleset"
	table inet harness {
		counter fwd4 { }
		counter fwd6 { }
		chain forward {
			type filter hook forward priority 0;
			meta nfproto ipv4 icmp type { echo-request, echo-reply } counter name fwd4
			meta nfproto ipv6 icmpv6 type { echo-request, echo-reply } counter name fwd6
		}
	}
EOF
in_ns client ping -q -c 3 -i 0.2 $SERVER4 >/dev/null
in_ns client ping -q -6 -c 3 -i 0.2 $SERVER6 >/dev/null
assert_eq 6 "$(nft_counter -n router inet harness fwd4)" "forwarded ICMP packets"
assert_eq 6 "$(nft_counter -n router inet harness fwd6)" "forwarded ICMPv6 packets"
assert_eq 504 "$(nft_counter -n router inet harness fwd4 bytes)" "forwarded ICMP bytes"

tcp_send client server $SERVER4 100000
tcp_send client server $SERVER6 100000 5202

# tcpdump in the router sees the forwarded packets; tshark reads its pcap.
pcap=$VMOUT/harness_guest.pcap
in_ns_bg router tcpdump -i eth1 -n -c 4 -w "$pcap" icmp 2>"$HOME/tcpdump.err"
dump=$!
wait_for 5 grep -q "listening on eth1" "$HOME/tcpdump.err" || fail "tcpdump did not start"
in_ns client ping -q -c 2 -i 0.2 $SERVER4 >/dev/null
wait $dump
assert_eq 0 $? "tcpdump exit status"
# One tshark: it takes seconds to start under TCG.
dsts=$(tshark -r "$pcap" -T fields -e ip.dst 2>/dev/null | tr '\n' ' ')
assert_eq "$SERVER4 $CLIENT4 $SERVER4 $CLIENT4 " "$dsts" "tshark: destinations in tcpdump's pcap"

# in_ns_bg: $! is the command itself, so kill -INT $! reaches it.
in_ns_bg router tcpdump -i eth0 -w /dev/null 2>"$HOME/tcpdump2.err"
dump=$!
wait_for 5 grep -q "listening on eth0" "$HOME/tcpdump2.err" || fail "tcpdump did not start"
kill -INT $dump
if wait_for 3 _gone $dump; then ok "in_ns_bg: SIGINT stops tcpdump"; else fail "in_ns_bg: SIGINT did not stop tcpdump"; fi

# iperf3 through the router.
in_ns_bg server iperf3 -s -1 -B $SERVER4 >/dev/null
wait_for 5 in_ns server sh -c "ss -ltn | grep -q ':5201 '"
expect_ok "iperf3 client -> server" in_ns client iperf3 -c $SERVER4 -n 1M

# ftrace: a marker and an event.
tr=/sys/kernel/tracing
expect_ok "tracefs mounted" test -f $tr/trace_marker
echo > $tr/trace
echo "harness_guest marker" > $tr/trace_marker
echo 1 > $tr/events/net/net_dev_xmit/enable
in_ns client ping -c 1 -W 5 $SERVER4 >/dev/null
echo 0 > $tr/events/net/net_dev_xmit/enable
expect_ok "trace_marker in trace" grep -q "harness_guest marker" $tr/trace
expect_ok "net_dev_xmit events in trace" grep -q "net_dev_xmit:" $tr/trace
