# SPDX-License-Identifier: GPL-2.0 OR MIT
# SIGINT or SIGTERM mid-capture, traffic still flowing: the tool stops
# promptly, writes out what the rings hold, exits 0 with its statistics,
# and the pcap is whole: exactly "captured" packets, none cut short.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

stat_of() {
	sed -n "s/^\([0-9]*\) packets $1\$/\1/p" $T/err
}

for sig in INT TERM; do
	$CAP --netns /run/netns/router -s 0 -F pcap -w $T/s.pcap 2> $T/err &
	cap=$!
	wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
	in_ns client ping -i 0.01 -q $SERVER4 > /dev/null &
	ping=$!
	tcp_send client server $SERVER4 300000
	tcp_send client server $SERVER6 300000
	kill -$sig $cap
	t=$SECONDS
	rc=0
	wait $cap || rc=$?
	kill $ping
	assert_eq 0 "$rc" "SIG$sig: exit status"
	assert_le 3 "$((SECONDS - t))" "SIG$sig: stopped within 3 s"
	n=$(tshark -r $T/s.pcap 2> $T/tshark.err | wc -l)
	assert_eq 0 "$(grep -ci 'cut short\|error' $T/tshark.err)" "SIG$sig: the pcap reads without error"
	assert_eq "$(stat_of captured)" "$n" "SIG$sig: packets in the pcap = captured"
	assert_ge 200 "$n" "SIG$sig: packets captured"
	assert_eq "$(($(stat_of captured) + $(stat_of 'dropped by kernel')))" \
		"$(stat_of 'received by filter')" "SIG$sig: received = captured + dropped"
done

# Idle: a namespace without traffic; SIGINT still ends it at once.
mk_ns quiet
$CAP --netns /run/netns/quiet -F pcap -w $T/idle.pcap 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
kill -INT $cap
t=$SECONDS
rc=0
wait $cap || rc=$?
assert_eq 0 "$rc" "idle: exit status"
assert_le 2 "$((SECONDS - t))" "idle: stopped within 2 s"
assert_eq 0 "$(stat_of captured)" "idle: 0 packets captured"
assert_eq 0 "$(tshark -r $T/idle.pcap 2>/dev/null | wc -l)" "idle: an empty, valid pcap"

# Text mode: the lines printed are the packets captured.
$CAP --netns /run/netns/router > $T/lines 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -i 0.01 -q $SERVER4 > /dev/null &
ping=$!
tcp_send client server $SERVER4 100000
kill -INT $cap
wait $cap
kill $ping
assert_eq "$(stat_of captured)" "$(wc -l < $T/lines)" "text: lines = captured"
