# SPDX-License-Identifier: GPL-2.0 OR MIT
# Every field of every record, exactly, with five readers running at once,
# each of other hooks, families or netns, each holding its own records and
# no others. Oracles: the marks nft and ping -m set, the interfaces'
# /sys/class/net/*/ifindex, nft counters at each hook (a chain right after
# nftrace's, before the marks change, matching interfaces and mark), the
# CPU that taskset pins the pings to, and tcpdump's (AF_PACKET) stamps of
# the same packets entering and leaving the router.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

N=3	# echo requests per family
ns_ino() { stat -L -c %i /run/netns/$1; }
ifindex() { in_ns $1 cat /sys/class/net/$2/ifindex; }
client_ns=$(ns_ino client) router_ns=$(ns_ino router) server_ns=$(ns_ino server)
r_eth0=$(ifindex router eth0)
r_eth1=$(ifindex router eth1)
assert_ne "$r_eth0" "$r_eth1" "the router's two interfaces have two indexes"

# Neighbours resolved first (before the counters below).
in_ns client ping -c 1 -W 2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns client ping -6 -c 1 -W 2 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"

# Marks: ping -m 119 (0x77) sets the socket's on the client (seen from
# OUTPUT on); the client's mangle chain replaces it (seen from POSTROUTING
# on, since nftrace runs first at every hook); the router's prerouting
# mangle chain marks by family and direction (seen from FORWARD on).
# Crossing a veth into another netns clears the mark. The pings run on
# CPU 1 (taskset; the VM has two), and so does every record of them: veth
# hands each packet to the backlog of the CPU that sent it.
in_ns client nft -f - <<'NFT' || die "client ruleset"
table inet mk {
	chain h_out {
		type filter hook output priority mangle;
		icmp type echo-request meta mark set 0xc4
		icmpv6 type echo-request meta mark set 0xc6
	}
}
NFT
in_ns router nft -f - <<'NFT' || die "router ruleset"
table inet mk {
	chain h_pre {
		type filter hook prerouting priority mangle;
		icmp type echo-request meta mark set 0x4a000001
		icmp type echo-reply meta mark set 0x4a000002
		icmpv6 type echo-request meta mark set 0x6a000001
		icmpv6 type echo-reply meta mark set 0x6a000002
	}
}
# At priority -200: after nftrace (NF_IP_PRI_FIRST), before mangle.
table inet o {
	counter fwd4q {}
	counter fwd4r {}
	counter fwd6q {}
	counter fwd6r {}
	counter pre6q {}
	counter pre6r {}
	counter post6q {}
	counter post6r {}
	chain h_fwd {
		type filter hook forward priority -200;
		icmp type echo-request iifname "eth0" oifname "eth1" meta mark 0x4a000001 counter name "fwd4q"
		icmp type echo-reply iifname "eth1" oifname "eth0" meta mark 0x4a000002 counter name "fwd4r"
		icmpv6 type echo-request iifname "eth0" oifname "eth1" meta mark 0x6a000001 counter name "fwd6q"
		icmpv6 type echo-reply iifname "eth1" oifname "eth0" meta mark 0x6a000002 counter name "fwd6r"
	}
	chain h_pre {
		type filter hook prerouting priority -200;
		icmpv6 type echo-request iifname "eth0" meta mark 0 counter name "pre6q"
		icmpv6 type echo-reply iifname "eth1" meta mark 0 counter name "pre6r"
	}
	chain h_post {
		type filter hook postrouting priority -200;
		icmpv6 type echo-request iifname "eth0" oifname "eth1" meta mark 0x6a000001 counter name "post6q"
		icmpv6 type echo-reply iifname "eth1" oifname "eth0" meta mark 0x6a000002 counter name "post6r"
	}
}
NFT

ECHO='icmp or (icmp6 and (ip6[40] == 128 or ip6[40] == 129))'
caps=()
# reader NAME NETNS ARGS...: a capture into $T/NAME (text, or -w), its
# status in $T/NAME.err.
reader() {
	local name=$1 ns=$2

	shift 2
	$CAP --netns /run/netns/$ns "$@" "$ECHO" > $T/$name 2> $T/$name.err &
	caps+=($!)
	wait_for 5 grep -q "capturing at" $T/$name.err ||
		die "reader $name did not start: $(cat $T/$name.err)"
}
reader fwd4 router --hooks forward -4 -F pcap -w $T/fwd4.pcap	# NFLOG
reader fwd6 router --hooks forward -6
reader pp6 router --hooks prerouting,postrouting -6
reader srv server --hooks input,output
reader cli client
in_ns router tcpdump -n -U -i any --time-stamp-precision=nano -w $T/router.pcap icmp \
	2> $T/tcpdump.err &
dump=$!
wait_for 5 grep -q "listening on" $T/tcpdump.err || die "tcpdump: $(cat $T/tcpdump.err)"

in_ns client taskset -c 1 ping -c $N -i 0.2 -m 119 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns client taskset -c 1 ping -6 -c $N -i 0.2 -m 119 -q $SERVER6 > /dev/null ||
	fail "ping -6 $SERVER6"
sleep 0.3
kill -INT "${caps[@]}"
for c in "${caps[@]}"; do
	wait $c || fail "a reader: exit $?"
done
kill $dump
wait $dump

# One nft call for all eight counters (nft takes a while in the guest).
got=$(in_ns router nft list counters table inet o |
	awk '$1 == "counter" { c = $2 } $1 == "packets" { printf "%s=%s ", c, $2 }')
want=
for c in fwd4q fwd4r fwd6q fwd6r pre6q pre6r post6q post6r; do
	want+="$c=$N "
done
assert_eq "$want" "$got" "nft at the router, right after nftrace: packets per (hook, in, out, mark)"

# expect_records NAME LINES: the records of reader NAME, time and ICMP id left
# out, are LINES (sorted), and its statistics count them.
expect_records() {
	local name=$1 want=$2 got

	got=$(sed -E 's/^[0-9:.]{18} //; s/ id [0-9]+ / id ID /; s/ id=[1-9][0-9]* / id=PID /' \
		$T/$name | sort)
	want=$(sort <<< "$want")
	if [ "$got" = "$want" ]; then
		ok "reader $name: its $(wc -l <<< "$got") records, field by field"
	else
		fail "reader $name: records differ (-expected +got):"
		echo "$want" > $T/want
		echo "$got" > $T/got
		diff $T/want $T/got | sed -n 's/^</-/p; s/^>/+/p'
	fi
	assert_eq "$(wc -l < $T/$name)" "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/$name.err)" \
		"reader $name: packets captured = records"
}

# lines FAMILY HOOK IN OUT MARK NETNS TYPE: one line per echo sequence.
lines() {
	local fam=$1 hook=$2 in=$3 out=$4 mark=$5 ns=$6 type=$7 s src dst len icmp

	if [ $fam = ipv4 ]; then len=84 icmp=icmp; else len=104 icmp=icmp6; fi
	if [ $type = request ]; then
		src=$CLIENT4 dst=$SERVER4
		[ $fam = ipv4 ] || src=$CLIENT6 dst=$SERVER6
	else
		src=$SERVER4 dst=$CLIENT4
		[ $fam = ipv4 ] || src=$SERVER6 dst=$CLIENT6
	fi
	for ((s = 1; s <= N; s++)); do
		echo "cpu1 $fam $hook id=PID in=$in out=$out mark=$mark netns=$ns ct=none len=$len $icmp $src > $dst echo $type id ID seq $s"
	done
}

expect_records fwd6 "$(lines ipv6 FORWARD eth0 eth1 0x6a000001 $router_ns request
	       lines ipv6 FORWARD eth1 eth0 0x6a000002 $router_ns reply)"
expect_records pp6 "$(lines ipv6 PREROUTING eth0 - 0x0 $router_ns request
	      lines ipv6 PREROUTING eth1 - 0x0 $router_ns reply
	      lines ipv6 POSTROUTING eth0 eth1 0x6a000001 $router_ns request
	      lines ipv6 POSTROUTING eth1 eth0 0x6a000002 $router_ns reply)"
srv=
cli=
for fam in ipv4 ipv6; do
	cmark=0xc4
	[ $fam = ipv4 ] || cmark=0xc6
	srv+="$(lines $fam INPUT eth0 - 0x0 $server_ns request
		lines $fam OUTPUT - eth0 0x0 $server_ns reply)
"
	cli+="$(lines $fam OUTPUT - eth0 0x77 $client_ns request
		lines $fam POSTROUTING - eth0 $cmark $client_ns request
		lines $fam PREROUTING eth0 - 0x0 $client_ns reply
		lines $fam INPUT eth0 - 0x0 $client_ns reply)
"
done
expect_records srv "${srv%$'\n'}"
expect_records cli "${cli%$'\n'}"

# The NFLOG reader: hook, family, prefix (netns), interface indexes,
# addresses, type and sequence, as tshark reads them.
want=$(for s in $(seq $N); do
	echo "2,2,FORWARD netns=$router_ns,$r_eth0,$r_eth1,$CLIENT4,$SERVER4,8,$s"
	echo "2,2,FORWARD netns=$router_ns,$r_eth1,$r_eth0,$SERVER4,$CLIENT4,0,$s"
done | sort)
got=$(tshark -r $T/fwd4.pcap -T fields -E separator=, -e nflog.hook -e nflog.family \
	-e nflog.prefix -e nflog.ifindex_indev -e nflog.ifindex_outdev -e ip.src -e ip.dst \
	-e icmp.type -e icmp.seq 2>/dev/null | sort)
assert_eq "$want" "$got" "reader fwd4 (pcap): every record's NFLOG fields"
assert_eq $((2 * N)) "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/fwd4.err)" \
	"reader fwd4: packets captured"

# Stamps: each packet's FORWARD record is stamped after tcpdump saw it come
# in on one interface and before it saw it leave by the other (one clock,
# CLOCK_REALTIME; stamps of a fixed width compare as strings).
# stamps FILE: "request|reply SEQ STAMP [IFACE In|Out]" per packet. (Read
# outside the router's netns, tcpdump names no interface: "?"; on the
# router each packet comes In once and goes Out once.)
stamps() {
	tcpdump -n -tt --nano -r "$1" 2>/dev/null |
		sed -nE 's/^([0-9]+\.[0-9]{9}) (([a-z0-9?]+) +(In|Out) +)?.*ICMP echo (request|reply), id [0-9]+, seq ([0-9]+),.*/\5 \6 \1 \3 \4/p'
}
stamps $T/router.pcap > $T/router.ts
stamps $T/fwd4.pcap > $T/fwd4.ts
in_order=0
while read -r type seq ts _; do
	t_in=$(awk -v t=$type -v s=$seq '$1 == t && $2 == s && $5 == "In" { print $3 }' $T/router.ts)
	t_out=$(awk -v t=$type -v s=$seq '$1 == t && $2 == s && $5 == "Out" { print $3 }' $T/router.ts)
	if [ -n "$t_in" ] && [ -n "$t_out" ] && [[ ! $ts < $t_in ]] && [[ ! $t_out < $ts ]]; then
		in_order=$((in_order + 1))
	else
		echo "echo $type seq $seq: tcpdump in '$t_in', nftrace FORWARD '$ts', tcpdump out '$t_out'"
	fi
done < $T/fwd4.ts
assert_eq $((2 * N)) "$in_order" "pcap stamps between tcpdump's in and out of the same packet"
