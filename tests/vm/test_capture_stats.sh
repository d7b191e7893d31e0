# SPDX-License-Identifier: GPL-2.0 OR MIT
# The exit statistics against an nftables counter on the same hook:
# received by filter = what nft counted, captured = what the pcap holds;
# and when the rings overrun, captured + dropped still = nft's count, with
# the losses reported (sequence gaps) adding up to "dropped by kernel".
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

stat_of() {
	sed -n "s/^\([0-9]*\) packets $1\$/\1/p" $T/err
}

in_ns router nft -f - <<'NFT' || die "nft ruleset"
table inet t {
	counter forwarded {}
	chain c {
		type filter hook forward priority 0;
		counter name forwarded
	}
}
NFT
$CAP --netns /run/netns/router --hooks forward -F pcap -w $T/a.pcap 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -c 5 -i 0.05 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns client ping -6 -c 5 -i 0.05 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"
tcp_send client server $SERVER4 100000
tcp_send client server $SERVER6 100000
kill -INT $cap
wait $cap || fail "capture: exit $?"
counted=$(nft_counter -n router inet t forwarded)
assert_ge 40 "$counted" "nft counted forwarded packets"
assert_eq "$counted" "$(stat_of 'received by filter')" "received by filter = nft counter"
assert_eq "$counted" "$(stat_of captured)" "captured = nft counter"
assert_eq 0 "$(stat_of 'dropped by kernel')" "dropped by kernel"
assert_eq "$counted" "$(tshark -r $T/a.pcap 2>/dev/null | wc -l)" "packets in the pcap = nft counter"

# Overrun: 64 KiB rings, the consumer stopped while a flood goes by.
mk_ns flood
in_ns flood nft -f - <<'NFT' || die "nft ruleset"
table ip t {
	counter out {}
	chain out {
		type filter hook output priority 0;
		counter name out
	}
}
NFT
$CAP --netns /run/netns/flood --hooks output -4 -B 64 -F pcap -w $T/o.pcap 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
kill -STOP $cap
in_ns flood ping -f -c 3000 -q 127.0.0.1 > /dev/null
kill -CONT $cap
sleep 1
kill -INT $cap
wait $cap || fail "capture: exit $?"
counted=$(nft_counter -n flood ip t out)
captured=$(stat_of captured)
dropped=$(stat_of 'dropped by kernel')
assert_eq 6000 "$counted" "nft counted echo requests and replies at OUTPUT"
assert_eq "$counted" "$((captured + dropped))" "captured + dropped = nft counter"
assert_eq "$counted" "$(stat_of 'received by filter')" "received by filter = nft counter"
assert_ge 1 "$dropped" "the rings overran"
assert_ge 1 "$captured" "packets were captured"
assert_eq "$captured" "$(tshark -r $T/o.pcap 2>/dev/null | wc -l)" "packets in the pcap = captured"
lost=$(sed -n 's/^nftrace-capture: lost \([0-9]*\) records (cpu[0-9]*)$/\1/p' $T/err |
       awk '{ n += $1 } END { print n + 0 }')
assert_eq "$dropped" "$lost" "losses reported = dropped by kernel"
