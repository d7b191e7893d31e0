# SPDX-License-Identifier: GPL-2.0
# cat /dev/nftrace: IPv4 and IPv6 lines at all five hooks, for traffic
# forwarded through a router namespace; two readers each see everything;
# the router's FORWARD lines match what tcpdump (AF_PACKET) saw there.
. tests/vm/lib.sh

load_nftrace
mk_topology
T=$(mktemp -d)

# Two independent readers, started before any traffic.
cat /dev/nftrace > $T/a &
a=$!
cat /dev/nftrace > $T/b &
b=$!
in_ns router tcpdump -U -n -i eth0 -w $T/router.pcap 'icmp or icmp6' 2>/dev/null &
dump=$!
sleep 2	# tcpdump attaches

in_ns client ping -c 3 -i 0.2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns client ping -6 -c 3 -i 0.2 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"
tcp_send client server $SERVER4 20000
tcp_send client server $SERVER6 20000

sleep 0.5	# the trickle wakeup delivers the tail
kill $dump	# SIGINT is ignored by background jobs of a script
wait $dump
kill $a $b
wait $a $b 2>/dev/null

router_ns=$(stat -L -c %i /run/netns/router)
for fam in ipv4 ipv6; do
	for hook in PREROUTING INPUT FORWARD OUTPUT POSTROUTING; do
		n=$(grep -c " $fam $hook " $T/a)
		assert_ge 1 "$n" "$fam $hook lines"
	done
done

# Forwarded echo requests: at the router, in from the client side, out to
# the server side; as many as tcpdump saw arriving on the router's eth0.
fwd4=$(grep -c " ipv4 FORWARD in=eth0 out=eth1 mark=0x0 netns=$router_ns len=84 icmp $CLIENT4 > $SERVER4 echo request" $T/a)
fwd6=$(grep -c " ipv6 FORWARD in=eth0 out=eth1 mark=0x0 netns=$router_ns len=104 icmp6 $CLIENT6 > $SERVER6 echo request" $T/a)
assert_eq 3 "$fwd4" "IPv4 echo requests at the router's FORWARD hook"
assert_eq 3 "$fwd6" "IPv6 echo requests at the router's FORWARD hook"
seen4=$(tcpdump -n -r $T/router.pcap "icmp[icmptype] == icmp-echo and src $CLIENT4" 2>/dev/null | wc -l)
seen6=$(tcpdump -n -r $T/router.pcap "icmp6 and ip6[40] == 128 and src $CLIENT6" 2>/dev/null | wc -l)
assert_eq "$seen4" "$fwd4" "FORWARD IPv4 requests vs tcpdump on the router"
assert_eq "$seen6" "$fwd6" "FORWARD IPv6 requests vs tcpdump on the router"

# The TCP handshake, decoded, at the client's OUTPUT hook.
assert_ge 1 "$(grep -Ec " ipv4 OUTPUT in=- out=eth0 .* tcp $CLIENT4:[0-9]+ > $SERVER4:5201 \[S\] seq [0-9]+ ack 0 win [0-9]+" $T/a)" \
	"IPv4 SYN decoded at OUTPUT"
assert_ge 1 "$(grep -Ec " ipv6 OUTPUT in=- out=eth0 .* tcp \\[$CLIENT6\\]:[0-9]+ > \\[$SERVER6\\]:5201 \[S\]" $T/a)" \
	"IPv6 SYN decoded at OUTPUT"

# Two readers, the same records of the test's traffic (background IPv6
# neighbour discovery may reach one reader before the other starts).
ours() { grep -E 'echo (request|reply)|:5201 ' "$1" | cut -d' ' -f1-12 | sort; }
assert_ge 1 "$(ours $T/a | wc -l)" "test traffic lines of reader a"
assert_eq "$(ours $T/a | md5sum)" "$(ours $T/b | md5sum)" "reader b saw what reader a saw"
assert_eq 0 "$(grep -c lost $T/a)" "no loss reported at this rate"
rm -rf $T
