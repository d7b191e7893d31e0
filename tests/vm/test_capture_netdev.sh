# SPDX-License-Identifier: GPL-2.0 OR MIT
# vm-timeout: 600
# The netdev family (issue 14): ingress and egress, per device. The same
# container-style host as test_capture_bridge.sh: a bridge br0 in
# namespace "sw" with veth ports p1 and p2 to "containers" h1 and h2
# (10.13.0.1, .2). Oracles: nft counters in netdev (per device), bridge
# and ip tables of sw; tcpdump (AF_PACKET) on p1, each direction; tshark
# reading our pcapng.
#  1. --families netdev: 5 pings h1 -> h2; each request at ingress p1 and
#     egress p2, each reply at ingress p2 and egress p1, as the netdev
#     chains of those devices counted; the frames at ingress p1 (egress
#     p1) are the ones tcpdump received (sent) on p1; Ethernet headers,
#     one packet id from ingress to egress.
#  2. -i p1: only what passed p1, both ways.
#  3. Devices and namespaces that come during a capture are hooked, and
#     may go again while it runs.
#  4. Done-when: --families all with br_netfilter shows each forwarded
#     request at netdev ingress p1, bridge and ipv4 PREROUTING, FORWARD,
#     POSTROUTING and netdev egress p2 under one packet id, as each
#     family's nft counters counted, in text and in a pcapng tshark
#     dissects with no warning; --journey reads that file back as one
#     line per echo, from ingress p1 to egress p2.
# Egress exists from 5.16: before, ingress alone, and asking for egress
# is refused with the reason.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_tmpdir
modprobe -r br_netfilter 2>/dev/null

egress=1
[ "$(printf '5.16\n%s\n' "$(uname -r | cut -d- -f1)" | sort -V | head -n 1)" = 5.16 ] || egress=0

mk_bridge_host 10.13.0

nd_chains="chain i1 { type filter hook ingress device \"p1\" priority 0; ip protocol icmp counter name \"c_i1\"; }
	chain i2 { type filter hook ingress device \"p2\" priority 0; ip protocol icmp counter name \"c_i2\"; }"
[ $egress = 1 ] && nd_chains+="
	chain e1 { type filter hook egress device \"p1\" priority 0; ip protocol icmp counter name \"c_e1\"; }
	chain e2 { type filter hook egress device \"p2\" priority 0; ip protocol icmp counter name \"c_e2\"; }"
in_ns sw nft -f - <<NFT || die "sw ruleset"
table netdev nd {
	counter c_i1 {}
	counter c_i2 {}
	counter c_e1 {}
	counter c_e2 {}
	$nd_chains
}
# Bridge chains at "filter" (-200), before br_netfilter's hooks (0): a
# chain at 0 after them is skipped when br_netfilter hands the packet back.
table bridge bt {
	counter c_pre {}
	counter c_fwd {}
	counter c_post {}
	chain h_pre { type filter hook prerouting priority filter; ip protocol icmp counter name "c_pre"; }
	chain h_fwd { type filter hook forward priority filter; ip protocol icmp counter name "c_fwd"; }
	chain h_post { type filter hook postrouting priority filter; ip protocol icmp counter name "c_post"; }
}
table ip it {
	counter c_pre4 {}
	counter c_fwd4 {}
	counter c_post4 {}
	chain h_pre { type filter hook prerouting priority 0; ip protocol icmp counter name "c_pre4"; }
	chain h_fwd { type filter hook forward priority 0; ip protocol icmp counter name "c_fwd4"; }
	chain h_post { type filter hook postrouting priority 0; ip protocol icmp counter name "c_post4"; }
}
NFT

# counters: every counter of sw, "name value" per line, from one nft call
# (ten would take seconds under TCG, and counted runs this often).
counters() {
	ip netns exec sw nft list counters |
		awk '$1 == "counter" { c = $2 } $1 == "packets" && c { print c, $2; c = "" }'
}

# counted NAME: how much counter NAME grew since $T/before.
counted() {
	echo $(( $(counters | awk -v c=$1 '$1 == c { print $2 }') -
		 $(awk -v c=$1 '$1 == c { print $2 }' $T/before) ))
}

# capture NAME ARGS...: bg_capture, the counters noted first ($T/before).
capture() {
	counters > $T/before
	bg_capture "$@"
}

stop_capture() { stop_bg_capture "$@"; }

# 1. The netdev family into pcapng; tcpdump on p1, each direction.
in_ns_bg sw tcpdump -i p1 -Q in -n -U -w $T/p1in.pcap icmp 2> $T/tcpdump-in.err
tin=$!
in_ns_bg sw tcpdump -i p1 -Q out -n -U -w $T/p1out.pcap icmp 2> $T/tcpdump-out.err
tout=$!
wait_for 10 grep -q "listening on" $T/tcpdump-in.err || die "tcpdump (in) did not start"
wait_for 10 grep -q "listening on" $T/tcpdump-out.err || die "tcpdump (out) did not start"
capture nd --netns /run/netns/sw --families netdev -w $T/nd.pcapng icmp
in_ns h1 ping -c 5 -i 0.2 -W 1 -q 10.13.0.2 > /dev/null || fail "ping h2"
stop_capture nd
sleep $SLOW
kill -INT $tin $tout
wait $tin $tout
i1=$(counted c_i1) i2=$(counted c_i2) e1=$(counted c_e1) e2=$(counted c_e2)
if [ $egress = 1 ]; then
	assert_eq "5 5 5 5" "$i1 $i2 $e1 $e2" "nft: icmp at ingress p1, p2, egress p1, p2"
else
	assert_eq "5 5" "$i1 $i2" "nft: icmp at ingress p1, p2"
fi
$CAP -r $T/nd.pcapng --families netdev > $T/nd.txt 2> $T/nd-r.err
# "HOOK DEVICE count", the device being in= at ingress, out= at egress.
expect="netdev EGRESS p1 $e1
netdev EGRESS p2 $e2
netdev INGRESS p1 $i1
netdev INGRESS p2 $i2"
[ $egress = 1 ] || expect=$(grep INGRESS <<< "$expect")
assert_eq "$expect" \
	"$(awk '{ d = ($4 == "INGRESS") ? $6 : $7; sub(/^(in|out)=/, "", d); print $3, $4, d }' $T/nd.txt |
	   sort | uniq -c | awk '{ print $2, $3, $4, $1 }')" \
	"each echo at the ingress and egress of its devices, as nft counted"
assert_eq 0 "$(grep -vc ' netdev \(INGRESS id=[0-9]* in=p[12] out=-\|EGRESS id=[0-9]* in=- out=p[12]\) ' $T/nd.txt)" \
	"netdev records: the device is in= at ingress, out= at egress ($(head -n 1 $T/nd.txt))"
assert_eq 5 "$(grep -c " netdev INGRESS id=[0-9]* in=p1 out=- .* ether $mac_h1 > $mac_h2 icmp 10.13.0.1 > 10.13.0.2 echo request" $T/nd.txt)" \
	"text: the requests at ingress p1, Ethernet and IP"
assert_eq "netdev" "$(tshark -r $T/nd.pcapng -T fields -e frame.interface_description 2>/dev/null |
	sed 's/.*family=//' | sort -u)" "our pcapng: every interface of the netdev family"
assert_eq "eth:ethertype:ip:icmp:data" \
	"$(tshark -r $T/nd.pcapng -T fields -e frame.protocols 2>/dev/null | sort -u)" \
	"our pcapng: Ethernet, IP, ICMP, as tshark dissects it"
assert_eq "" "$(tshark -r $T/nd.pcapng -Y '_ws.expert.severity >= 0x400000' 2>/dev/null)" \
	"our pcapng: no note, warning or error"
# frames ARGS: one line per ICMP frame, its addresses, type and sequence.
frames() {
	tshark "$@" -T fields -e eth.src -e eth.dst -e ip.src -e ip.dst -e icmp.type \
		-e icmp.seq 2>/dev/null | sort
}
assert_eq "$(frames -r $T/p1in.pcap)" \
	"$(frames -r $T/nd.pcapng -Y 'frame.interface_name == "INGRESS" && frame.comment contains "in=p1 "')" \
	"ingress p1: the frames tcpdump received on p1"
if [ $egress = 1 ]; then
	assert_eq "$(frames -r $T/p1out.pcap)" \
		"$(frames -r $T/nd.pcapng -Y 'frame.interface_name == "EGRESS" && frame.comment contains "out=p1 "')" \
		"egress p1: the frames tcpdump sent on p1"
	# The bridge forwards a frame from ingress to egress: one traversal.
	assert_eq "10" "$(grep -o ' id=[0-9]*' $T/nd.txt | sort | uniq -c | awk '$1 == 2' | wc -l)" \
		"one id per echo, at its ingress and its egress"
fi

# 2. -i p1: what passed p1, both ways, and nothing else.
capture dev --netns /run/netns/sw --families netdev -i p1 icmp
in_ns h1 ping -c 3 -i 0.2 -W 1 -q 10.13.0.2 > /dev/null || fail "ping h2 (-i p1)"
stop_capture dev
expect="INGRESS in=p1 $(counted c_i1)"
[ $egress = 1 ] && expect="EGRESS out=p1 $(counted c_e1)
$expect"
assert_eq "$expect" \
	"$(awk '{ print $4, ($4 == "INGRESS") ? $6 : $7 }' $T/dev.out | sort | uniq -c | awk '{ print $2, $3, $1 }')" \
	"-i p1: each echo where it passed p1, as nft counted there"

# 3. A netns and a device born during a capture of every netns, then
# gone while it still runs.
capture late --netns all --families netdev --hooks ingress 'icmp and net 10.13.9.0/24'
mk_ns late
ip link add l0 type veth peer name l1 netns late || die "veth to late"
ip addr add 10.13.9.1/24 dev l0
ip link set l0 up
ip -n late addr add 10.13.9.2/24 dev l1
ip -n late link set l1 up
# lt_rules DEVICE: a netdev table counting ICMP at DEVICE's ingress.
lt_rules() {
	cat <<-NFT
	table netdev late_t {
		counter c_late {}
		chain h_in { type filter hook ingress device "$1" priority 0; ip protocol icmp counter name "c_late"; }
	}
	NFT
}
lt_rules l1 | in_ns late nft -f - || die "late: netdev ruleset"
lt_rules l0 | nft -f - || die "netdev ruleset on l0"
at_exit sh -c "nft delete table netdev late_t 2>/dev/null || true"
wait_for 10 ping -c 1 -W 1 -q 10.13.9.2 > /dev/null || fail "ping late"
ping -c 3 -i 0.2 -W 1 -q 10.13.9.2 > /dev/null || fail "ping late, 3 times"
l1=$(nft_counter -n late netdev late_t c_late)
l0=$(nft_counter netdev late_t c_late)
nft delete table netdev late_t
ip link del l0
ip netns del late
sleep $SLOW
stop_capture late
assert_ge 4 "$l1" "nft: icmp at ingress l1 (in late)"
assert_ge 4 "$l0" "nft: icmp at ingress l0"
assert_eq "$l1" "$(grep -c ' netdev INGRESS id=[0-9]* in=l1 out=- .* icmp 10.13.9.1 > 10.13.9.2 echo request' $T/late.out)" \
	"ingress of a device born during the capture, in a netns born then too, as nft counted"
assert_eq "$l0" "$(grep -c ' netdev INGRESS id=[0-9]* in=l0 out=- .* icmp 10.13.9.2 > 10.13.9.1 echo reply' $T/late.out)" \
	"ingress of its peer, born during the capture in the first netns, as nft counted"
late_ns=$(grep -m 1 ' in=l1 ' $T/late.out | grep -o ' netns=[0-9]*')
assert_ne " netns=$(stat -L -c %i /proc/self/ns/net)" "$late_ns" "l1's records are late's netns"
assert_eq "" "$(grep -v ' netdev INGRESS ' $T/late.out)" "--hooks ingress: ingress only"

if [ $egress = 0 ]; then
	$CAP --families netdev --hooks egress -c 1 > $T/noegress.out 2> $T/noegress.err
	assert_eq 1 $? "--hooks egress before 5.16: refused"
	assert_match "egress" "$(cat $T/noegress.err)" "--hooks egress before 5.16: the reason"
fi

# 4. Done-when: --families all, br_netfilter on, text and pcapng.
modprobe br_netfilter || die "modprobe br_netfilter"
in_ns sw sysctl -qw net.bridge.bridge-nf-call-iptables=1 || die "bridge-nf-call-iptables"
for out in txt pcapng; do
	if [ $out = txt ]; then
		capture all --netns /run/netns/sw --families all icmp
	else
		capture all --netns /run/netns/sw --families all -w $T/all.pcapng icmp
	fi
	in_ns h1 ping -c 3 -i 0.2 -W 1 -q 10.13.0.2 > /dev/null || fail "ping h2 ($out)"
	stop_capture all
	[ $out = txt ] && cp $T/all.out $T/all.txt ||
		$CAP -r $T/all.pcapng --families all > $T/all.txt 2> $T/all-r.err
	# Every family's nft counters against the records of each hook.
	expect="bridge FORWARD $(counted c_fwd)
bridge POSTROUTING $(counted c_post)
bridge PREROUTING $(counted c_pre)
ipv4 FORWARD $(counted c_fwd4)
ipv4 POSTROUTING $(counted c_post4)
ipv4 PREROUTING $(counted c_pre4)
netdev EGRESS $(( $(counted c_e1) + $(counted c_e2) ))
netdev INGRESS $(( $(counted c_i1) + $(counted c_i2) ))"
	[ $egress = 1 ] || expect=$(grep -v EGRESS <<< "$expect")
	assert_eq "$expect" "$(awk '{ print $3, $4 }' $T/all.txt | sort | uniq -c | awk '{ print $2, $3, $1 }')" \
		"--families all ($out): every hook's records, as each family's nft counters counted"
	# Each forwarded request: ingress p1, three bridge and three ipv4
	# hooks, egress p2, in that order, under one id.
	path="netdev/INGRESS bridge/PREROUTING ipv4/PREROUTING bridge/FORWARD ipv4/FORWARD bridge/POSTROUTING ipv4/POSTROUTING netdev/EGRESS"
	[ $egress = 1 ] || path=${path% *}
	assert_eq "3" "$(grep ' icmp 10.13.0.1 > 10.13.0.2 echo request' $T/all.txt |
		awk '{ match($0, / id=[0-9]+/); id = substr($0, RSTART + 4, RLENGTH - 4)
		       p[id] = p[id] (p[id] == "" ? "" : " ") $3 "/" $4 }
		     END { for (i in p) print p[i] }' | grep -cx "$path")" \
		"--families all ($out): each request's journey under one id ($(grep -c . $T/all.txt) records)"
done
assert_eq "eth:ethertype:ip:icmp:data" \
	"$(tshark -r $T/all.pcapng -T fields -e frame.protocols -Y 'eth' 2>/dev/null | sort -u)" \
	"--families all pcapng: the Ethernet frames, as tshark dissects them"
assert_eq "raw:ip:icmp:data" \
	"$(tshark -r $T/all.pcapng -T fields -e frame.protocols -Y '!eth' 2>/dev/null | sort -u)" \
	"--families all pcapng: the ipv4 records, raw IP"
assert_eq "" "$(tshark -r $T/all.pcapng -Y '_ws.expert.severity >= 0x400000' 2>/dev/null)" \
	"--families all pcapng: no note, warning or error"
# The journey view of the same file: one line per echo, its eight hooks.
$CAP -r $T/all.pcapng --families all --journey 'icmp' > $T/journey.txt 2> $T/journey.err
hops="netdev INGRESS P -> bridge PREROUTING -> ipv4 PREROUTING -> bridge FORWARD -> ipv4 FORWARD -> bridge POSTROUTING -> ipv4 POSTROUTING"
[ $egress = 1 ] && hops+=" -> netdev EGRESS Q" || hops+=" Q"
req=${hops/P/p1} rep=${hops/P/p2}
assert_eq "3 3" "$(grep -c "icmp 10.13.0.1 > 10.13.0.2 echo request.*  ${req/Q/p2}\$" $T/journey.txt) $(grep -c "icmp 10.13.0.2 > 10.13.0.1 echo reply.*  ${rep/Q/p1}\$" $T/journey.txt)" \
	"--journey --families all: each echo on one line, from ingress to egress ($(head -n 1 $T/journey.txt))"
assert_eq 6 "$(grep -c . $T/journey.txt)" "--journey: one line per echo, nothing else"
in_ns sw sysctl -qw net.bridge.bridge-nf-call-iptables=0
ip netns del h1
ip netns del h2
ip netns del sw
expect_ok "rmmod after the captures, the devices gone" rmmod nftrace
