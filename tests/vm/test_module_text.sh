# SPDX-License-Identifier: GPL-2.0
# cat /dev/nftrace: IPv4 and IPv6 lines at all five hooks, for traffic
# forwarded through a router namespace; two readers each see everything;
# the router's FORWARD lines match what tcpdump (AF_PACKET) saw there.
. tests/vm/lib.sh

load_nftrace
mk_topology
T=$(mktemp -d)

# The oracle: in each namespace, nft counts the test's traffic (echoes and
# TCP to port 5201) per family and hook, and the SYNs sent to port 5201.
for ns in client router server; do
	{
		echo "table inet cnt {"
		echo "counter syn4 {}"
		echo "counter syn6 {}"
		for hook in prerouting input forward output postrouting; do
			echo "counter c4_$hook {}"
			echo "counter c6_$hook {}"
			echo "chain h_$hook {"
			echo "type filter hook $hook priority 0;"
			echo "icmp type { echo-request, echo-reply } counter name c4_$hook"
			echo "icmpv6 type { echo-request, echo-reply } counter name c6_$hook"
			for fam in 4 6; do
				echo "meta nfproto ipv$fam tcp dport 5201 counter name c${fam}_$hook"
				echo "meta nfproto ipv$fam tcp sport 5201 counter name c${fam}_$hook"
			done
			if [ $hook = output ]; then
				echo "meta nfproto ipv4 tcp dport 5201 tcp flags == syn counter name syn4"
				echo "meta nfproto ipv6 tcp dport 5201 tcp flags == syn counter name syn6"
			fi
			echo "}"
		done
		echo "}"
	} | in_ns $ns nft -f - || die "nft: counters in $ns"
done
# counted NAME: counter NAME's packets, summed over the namespaces (read
# once, after the traffic, into $T/counted: nft is slow to start in the VM).
counted() {
	[ -s $T/counted ] || for ns in client router server; do
		in_ns $ns nft list counters table inet cnt
	done | awk '$1 == "counter" { c = $2 } $1 == "packets" { n[c] += $2 }
		END { for (c in n) print c, n[c] }' > $T/counted
	awk -v c=$1 '$1 == c { print $2 }' $T/counted
}

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
# ours FILE: the lines of the test's traffic, up to the packet's addresses.
ours() { grep -E 'echo (request|reply)|:5201 ' "$1" | cut -d' ' -f1-12 | sort; }
ours $T/a > $T/ours
total=0
for fam in 4 6; do
	for hook in prerouting input forward output postrouting; do
		n=$(counted c${fam}_$hook)
		total=$((total + n))
		assert_eq "$n" "$(grep -c " ipv$fam ${hook^^} " $T/ours)" \
			"ipv$fam ${hook^^} lines of the test's traffic, as nft counted them"
	done
done

# Forwarded echo requests: at the router, in from the client side, out to
# the server side; as many as tcpdump saw arriving on the router's eth0.
fwd4=$(grep -c " ipv4 FORWARD id=[1-9][0-9]* in=eth0 out=eth1 mark=0x0 netns=$router_ns ct=none len=84 icmp $CLIENT4 > $SERVER4 echo request" $T/a)
fwd6=$(grep -c " ipv6 FORWARD id=[1-9][0-9]* in=eth0 out=eth1 mark=0x0 netns=$router_ns ct=none len=104 icmp6 $CLIENT6 > $SERVER6 echo request" $T/a)
assert_eq 3 "$fwd4" "IPv4 echo requests at the router's FORWARD hook"
assert_eq 3 "$fwd6" "IPv6 echo requests at the router's FORWARD hook"
seen4=$(tcpdump -n -r $T/router.pcap "icmp[icmptype] == icmp-echo and src $CLIENT4" 2>/dev/null | wc -l)
seen6=$(tcpdump -n -r $T/router.pcap "icmp6 and ip6[40] == 128 and src $CLIENT6" 2>/dev/null | wc -l)
assert_eq "$seen4" "$fwd4" "FORWARD IPv4 requests vs tcpdump on the router"
assert_eq "$seen6" "$fwd6" "FORWARD IPv6 requests vs tcpdump on the router"

# The TCP handshake, decoded, at the client's OUTPUT hook (tcp_send
# retries until the listener is up: as many SYNs as nft counted).
assert_eq "$(counted syn4)" "$(grep -Ec " ipv4 OUTPUT id=[1-9][0-9]* in=- out=eth0 .* tcp $CLIENT4:[0-9]+ > $SERVER4:5201 \[S\] seq [0-9]+ ack 0 win [0-9]+" $T/a)" \
	"IPv4 SYNs decoded at OUTPUT"
assert_eq "$(counted syn6)" "$(grep -Ec " ipv6 OUTPUT id=[1-9][0-9]* in=- out=eth0 .* tcp \\[$CLIENT6\\]:[0-9]+ > \\[$SERVER6\\]:5201 \[S\]" $T/a)" \
	"IPv6 SYNs decoded at OUTPUT"

# Two readers, the same records of the test's traffic (background IPv6
# neighbour discovery may reach one reader before the other starts).
assert_eq $total "$(wc -l < $T/ours)" "test traffic lines of reader a, as nft counted them"
assert_eq "$(md5sum < $T/ours)" "$(ours $T/b | md5sum)" "reader b saw what reader a saw"
assert_eq 0 "$(grep -c lost $T/a)" "no loss reported at this rate"
rm -rf $T
