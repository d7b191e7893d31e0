# SPDX-License-Identifier: GPL-2.0 OR MIT
# A pcap-filter expression runs in the kernel: only matching packets are
# captured and "received by filter"; the others are not copied at all. A
# bad expression fails before the capture starts, leaving no file.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

stat_of() { # captured | received by filter | dropped by kernel
	sed -n "s/^\([0-9]*\) packets $1\$/\1/p" $T/err
}

# Echo requests from the client only, at the router's FORWARD hook.
$CAP --netns /run/netns/router --hooks forward -F pcap -w $T/f.pcap \
	icmp and src host $CLIENT4 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -c 5 -i 0.1 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns client ping -6 -c 3 -i 0.1 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"
tcp_send client server $SERVER4 5000
kill -INT $cap
rc=0
wait $cap || rc=$?
assert_eq 0 "$rc" "exit status after SIGINT"
assert_eq 5 "$(tshark -r $T/f.pcap 2>/dev/null | wc -l)" "packets in the pcap"
assert_eq 5 "$(tshark -r $T/f.pcap -Y "icmp.type == 8 and ip.src == $CLIENT4" 2>/dev/null | wc -l)" \
	"all of them echo requests from the client"
assert_eq 5 "$(stat_of captured)" "packets captured"
assert_eq 5 "$(stat_of 'received by filter')" "packets received by filter"
assert_eq 0 "$(stat_of 'dropped by kernel')" "packets dropped by kernel"

# IPv6, with -6 and an expression on the ICMPv6 type (echo request: 128).
$CAP --netns /run/netns/router --hooks forward -6 -F pcap -w $T/f6.pcap \
	'icmp6 and ip6[40] == 128' 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -6 -c 4 -i 0.1 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"
in_ns client ping -c 2 -i 0.1 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
kill -INT $cap
wait $cap
assert_eq 4 "$(tshark -r $T/f6.pcap -Y "icmpv6.type == 128 and ipv6.src == $CLIENT6" 2>/dev/null | wc -l)" \
	"IPv6 echo requests in the pcap"
assert_eq 4 "$(stat_of captured)" "IPv6: packets captured"

# Bad expressions: exit 1 with the reason, before anything is created.
for expr in "tcp port" "ether host 1:2:3:4:5:6" "nosuchproto"; do
	rc=0
	$CAP -F pcap -w $T/never.pcap $expr > $T/out 2> $T/err || rc=$?
	assert_eq 1 "$rc" "'$expr': exit status"
	assert_match "bad filter expression '$expr'" "$(cat $T/err)" "'$expr': message"
	assert_eq 0 "$(grep -c capturing $T/err)" "'$expr': nothing captured"
	[ ! -e $T/never.pcap ] && ok "'$expr': no file" || fail "'$expr': file created"
done
