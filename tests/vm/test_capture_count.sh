# SPDX-License-Identifier: GPL-2.0 OR MIT
# nftrace-capture -c N: exactly N packets, in the pcap, on stdout in text
# mode and in "N packets captured"; the tool stops by itself, exit 0,
# while the traffic goes on.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

# Traffic that does not stop by itself: echo requests every 50 ms.
in_ns client ping -i 0.05 -q $SERVER4 > /dev/null &

rc=0
timeout 30 $CAP --netns /run/netns/router --hooks forward -4 -c 10 \
	-F pcap -w $T/c.pcap 2> $T/err || rc=$?
assert_eq 0 "$rc" "-c 10 -w: exit status"
assert_eq 10 "$(tshark -r $T/c.pcap 2>/dev/null | wc -l)" "-c 10 -w: packets in the pcap"
assert_eq 10 "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)" \
	"-c 10 -w: packets captured"
rcvd=$(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' $T/err)
assert_ge 10 "$rcvd" "-c 10 -w: received by filter (the kernel may have more)"

rc=0
timeout 30 $CAP --netns /run/netns/router --hooks forward -4 -c 7 \
	> $T/lines 2> $T/err || rc=$?
assert_eq 0 "$rc" "-c 7 text: exit status"
assert_eq 7 "$(wc -l < $T/lines)" "-c 7 text: lines on stdout"
assert_eq 7 "$(grep -c ' ipv4 FORWARD .* icmp ' $T/lines)" "-c 7 text: forwarded ICMP lines"
assert_eq 7 "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)" \
	"-c 7 text: packets captured"
