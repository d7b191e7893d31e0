# SPDX-License-Identifier: GPL-2.0 OR MIT
# --drops: where packets stop. nft rules on the router drop forwarded UDP
# to port 9, reject port 11, pass port 10, and drop echo requests to the
# router itself (IPv4 and IPv6); the client drops its own UDP to port 12
# at OUTPUT (process context); last, the server's IPv6 INPUT chain drops
# by policy. Each dropped packet must appear once more, marked dropped, at
# the hook whose rule dropped it, as many times as the rule's nft counter
# says; nothing else may be marked. Without --drops, or at hooks not
# captured, no drop records.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

# A kernel whose kfree_skb tracepoint gives no drop reason (before 5.17)
# cannot tell netfilter's drops from other frees: --drops must be refused
# there, clearly, and a capture without it still works.
if ! drop_reasons; then
	in_ns router $CAP --drops -c 1 -F pcap -w $T/x.pcap > $T/out 2> $T/err
	assert_eq 1 $? "--drops on $(uname -r): exit status"
	assert_eq "nftrace-capture: --drops: this kernel is too old to record drops (its kfree_skb tracepoint gives no drop reason; Linux 5.17 or later does)" \
		"$(cat $T/err)" "--drops on $(uname -r): the message"
	in_ns router $CAP -c 2 -F pcap -w $T/y.pcap 2> $T/err &
	cap=$!
	# Pings until the capture has its two packets (it may start late).
	for i in $(seq 40); do
		kill -0 $cap 2>/dev/null || break
		in_ns client ping -c 1 -W 1 -q $SERVER4 > /dev/null
		sleep 0.25
	done
	wait $cap
	assert_eq 0 $? "without --drops: a capture on $(uname -r)"
	assert_eq 2 "$(tshark -r $T/y.pcap 2>/dev/null | wc -l)" "without --drops: its packets"
	exit
fi

in_ns router nft -f - <<'NFT' || die "router ruleset"
table inet filt {
	counter c_drop9 {}
	counter c_rej11 {}
	counter c_pass10 {}
	counter c_echo4 {}
	counter c_echo6 {}
	chain hfwd {
		type filter hook forward priority 0;
		udp dport 9 counter name "c_drop9" drop
		udp dport 11 counter name "c_rej11" reject
		udp dport 10 counter name "c_pass10" accept
	}
	chain hin {
		type filter hook input priority 0;
		icmp type echo-request counter name "c_echo4" drop
		icmpv6 type echo-request counter name "c_echo6" drop
	}
}
NFT
in_ns client nft -f - <<'NFT' || die "client ruleset"
table ip filt {
	counter c_out12 {}
	chain hout {
		type filter hook output priority 0;
		udp dport 12 counter name "c_out12" drop
	}
}
NFT

# send_udp NS ADDR PORT N: N datagrams; a send that netfilter refuses
# (EPERM at OUTPUT) does not stop the rest.
send_udp() {
	in_ns "$1" python3 - "$2" "$3" "$4" <<-'EOF'
	import socket, sys, time
	s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET,
	                  socket.SOCK_DGRAM)
	for _ in range(int(sys.argv[3])):
	    try:
	        s.sendto(b"nftrace drops", (sys.argv[1], int(sys.argv[2])))
	    except PermissionError:
	        pass
	    time.sleep(0.005)
	EOF
}

traffic() {
	send_udp client $SERVER4 9 20
	send_udp client $SERVER4 10 20
	send_udp client $SERVER4 11 5
	in_ns client ping -c 3 -i 0.1 -W 1 -q $ROUTER4_C > /dev/null
	in_ns client ping -6 -c 3 -i 0.1 -W 1 -q $ROUTER6_C > /dev/null
	send_udp client $SERVER4 12 10
	sleep 0.3
}

# start NS ARGS...: a capture into $T/d.pcap, stopped by finish.
start() {
	local ns=$1

	shift
	$CAP --netns /run/netns/$ns "$@" 2> $T/err &
	cap=$!
	wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
}

finish() {
	kill -INT $cap
	wait $cap || fail "capture: exit $? ($(cat $T/err))"
}

# counts PCAP DISPLAY-FILTER...: how many frames each filter matches, on
# one line, from one tshark run.
counts() {
	echo $(tshark_counts "$@")
}

# Neighbours resolved first, so that no datagram waits for ARP.
in_ns client ping -c 1 -W 2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"

D='nflog.prefix contains "dropped"'
UDP='udp && !icmp'

# The router, every hook, both families.
start router --drops -F pcap -w $T/d.pcap
traffic
finish
assert_match 'drops too' "$(cat $T/err)" "the banner says drops are recorded"
drop9=$(nft_counter -n router inet filt c_drop9)
rej11=$(nft_counter -n router inet filt c_rej11)
echo4=$(nft_counter -n router inet filt c_echo4)
echo6=$(nft_counter -n router inet filt c_echo6)
assert_eq 20 "$drop9" "nft: dropped to port 9"
assert_eq 5 "$rej11" "nft: rejected to port 11"
assert_eq "20 5 3 3" "$drop9 $rej11 $echo4 $echo6" "nft: the drop rules' counters"
# The drop records, field by field, and no others: each dropped packet
# once, at the hook and netns (prefix) that dropped it, as often as the
# rule's counter says, with the interfaces it had there as /sys/class/net
# numbers them (in and out; none out at INPUT). One tshark run: it takes
# seconds to start in the guest.
r_ns=$(stat -L -c %i /run/netns/router)
r_eth0=$(in_ns router cat /sys/class/net/eth0/ifindex)
r_eth1=$(in_ns router cat /sys/class/net/eth1/ifindex)
want=$(sort <<-EOF
	$drop9 FORWARD netns=$r_ns dropped,$r_eth0,$r_eth1,9,,
	$rej11 FORWARD netns=$r_ns dropped,$r_eth0,$r_eth1,11,,
	$echo4 INPUT netns=$r_ns dropped,$r_eth0,,,8,
	$echo6 INPUT netns=$r_ns dropped,$r_eth0,,,,128
	EOF
)
got=$(tshark -r $T/d.pcap -Y "$D" -T fields -E separator=, -e nflog.prefix \
	-e nflog.ifindex_indev -e nflog.ifindex_outdev -e udp.dstport -e icmp.type \
	-e icmpv6.type 2>/dev/null | sort | uniq -c | sed 's/^ *//' | sort)
assert_eq "$want" "$got" "drop records: count, hook, netns, in and out ifindex, packet"
# The way in is still recorded, and the dropped packets go no further.
read -r in9 post9 post10 drop10 all <<< "$(counts $T/d.pcap \
	"!($D) && $UDP && udp.dstport == 9 && nflog.hook == 2" \
	"$UDP && udp.dstport == 9 && nflog.hook == 4" \
	"!($D) && $UDP && udp.dstport == 10 && nflog.hook == 4" \
	"$D && udp.dstport == 10" frame)"
assert_eq 20 "$in9" "port 9: recorded entering FORWARD too"
assert_eq 0 "$post9" "port 9: never at POSTROUTING"
assert_eq 20 "$post10" "port 10: passes through POSTROUTING"
assert_eq 0 "$drop10" "port 10: never dropped"
# The drop record is the packet as it was: same bytes as on the way in.
assert_eq 2 "$(tshark -r $T/d.pcap -Y "$UDP && udp.dstport == 9 && nflog.hook == 2" \
	-T fields -e ip.id -e data.data 2>/dev/null | sort | uniq -c | awk '{ print $1 }' | sort -u)" \
	"port 9: each packet twice at FORWARD (in, dropped), identical"
captured=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)
assert_eq "$all" "$captured" "drop records count as captured packets"

# Text: "FORWARD dropped" lines, each after the packet's entry line.
$CAP --netns /run/netns/router --drops --hooks forward -4 -c 20 'udp dst port 9' \
	> $T/lines 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "text capture did not start: $(cat $T/err)"
send_udp client $SERVER4 9 10
wait $cap || fail "text capture: exit $? ($(cat $T/err))"
assert_eq 10 "$(grep -c ' ipv4 FORWARD dropped id=[1-9][0-9]* in=eth0 out=eth1 .* udp .*:9 length ' $T/lines)" \
	"text: 10 'FORWARD dropped' lines"
assert_eq 10 "$(grep -c ' ipv4 FORWARD id=[1-9][0-9]* in=eth0 out=eth1 ' $T/lines)" "text: 10 entry lines"
# A drop record has the id of the packet it drops: the ten ids, each
# once entering FORWARD and once dropped there.
assert_eq 10 "$(grep -o ' FORWARD id=[0-9]*' $T/lines | sort -u | wc -l)" \
	"text: ten distinct ids entering FORWARD"
assert_eq "$(grep -o ' FORWARD id=[0-9]*' $T/lines | sed 's/.*=//' | sort -n)" \
	"$(grep -o ' FORWARD dropped id=[0-9]*' $T/lines | sed 's/.*=//' | sort -n)" \
	"text: each drop record has the id its packet had entering FORWARD"
assert_eq "$(printf 'in,dropped %.0s' {1..10})" \
	"$(awk '{ printf "%s", ($5 == "dropped") ? ",dropped " : "in" }' $T/lines)" \
	"text: each drop right after its packet's entry"

# Without --drops, none; nor at hooks not captured.
start router --hooks forward -4 -F pcap -w $T/n.pcap
send_udp client $SERVER4 9 10
finish
assert_eq "10 0" "$(counts $T/n.pcap "$UDP && udp.dstport == 9" "$D")" \
	"without --drops: the packets, and no drop records"
start router --drops --hooks prerouting,postrouting -4 -F pcap -w $T/p.pcap
send_udp client $SERVER4 9 10
finish
assert_eq "10 0" "$(counts $T/p.pcap "$UDP && udp.dstport == 9 && nflog.hook == 0" "$D")" \
	"drops at an uncaptured hook: the packets at PREROUTING, and no drop record"

# Dropped at OUTPUT, in the sender's own system call.
start client --drops --hooks output -4 -F pcap -w $T/o.pcap
send_udp client $SERVER4 12 10
finish
out12=$(nft_counter -n client ip filt c_out12)
assert_eq 20 "$out12" "nft: dropped at the client's OUTPUT (10 earlier, 10 now)"
assert_eq "10 10" "$(counts $T/o.pcap "$D && $UDP && udp.dstport == 12 && nflog.hook == 3" \
	"!($D) && $UDP && udp.dstport == 12 && nflog.hook == 3")" \
	"OUTPUT: the drops, in process context, and the packets on their way in"

# A chain's drop policy, IPv6, at the server's INPUT.
in_ns server nft -f - <<'NFT' || die "server ruleset"
table ip6 pol {
	counter c_pol {}
	chain hin {
		type filter hook input priority 0; policy drop;
		meta l4proto ipv6-icmp accept	# neighbour discovery
		udp dport 14 counter name "c_pol"
	}
}
NFT
start server --drops --hooks input -6 -F pcap -w $T/s.pcap
send_udp client $SERVER6 14 7
finish
pol=$(nft_counter -n server ip6 pol c_pol)
assert_eq 7 "$pol" "nft: IPv6 datagrams that met the server's drop policy"
assert_eq $pol "$(counts $T/s.pcap "$D && ipv6 && udp.dstport == 14 && nflog.hook == 1")" \
	"a drop policy is a drop: IPv6, at INPUT"
