# SPDX-License-Identifier: GPL-2.0 OR MIT
# The bridge and ARP families (issue 14). A bridge br0 in namespace "sw"
# with two veth ports, p1 and p2, to hosts h1 and h2 (10.12.0.1, .2); br0
# itself is 10.12.0.254. Oracles: nft counters in bridge, arp and inet
# tables of sw, tcpdump on the port p1, tshark reading our pcapng.
#  1. --families bridge: 5 pings h1 -> h2, each request and reply at
#     bridge PREROUTING, FORWARD and POSTROUTING as often as nft counted
#     them, one packet id at the three hooks, in=br0 and the ports as
#     phys_in/phys_out, the Ethernet header first (tshark dissects
#     eth/ip/icmp, libpcap's 'icmp' compiled for Ethernet selects them);
#     what tcpdump sees on p1 is what bridge PREROUTING saw from it.
#  2. --families arp: h1 resolves br0: arp INPUT "who-has", arp OUTPUT
#     "reply ... is-at" br0's MAC, as the nft arp counters count.
#  3. br_netfilter, bridge-nf-call-iptables: --families bridge,ip shows
#     each forwarded request at bridge and ipv4 PREROUTING, FORWARD and
#     POSTROUTING under one packet id, the ipv4 records with the ports.
# nftrace never loads bridge modules itself: before step 3 br_netfilter
# is not loaded.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_tmpdir
modprobe -r br_netfilter 2>/dev/null

mk_bridge_host 10.12.0
ip -n sw addr add 10.12.0.254/24 dev br0
in_ns h1 ping -c 1 -W 1 -q 10.12.0.254 > /dev/null || die "h1 cannot reach br0"

in_ns sw nft -f - <<'NFT' || die "sw ruleset"
table bridge bt {
	counter c_pre {}
	counter c_fwd {}
	counter c_post {}
	chain h_pre { type filter hook prerouting priority 0; ip protocol icmp counter name "c_pre"; }
	chain h_fwd { type filter hook forward priority 0; ip protocol icmp counter name "c_fwd"; }
	chain h_post { type filter hook postrouting priority 0; ip protocol icmp counter name "c_post"; }
}
table arp at {
	counter c_in {}
	counter c_out {}
	chain h_in { type filter hook input priority 0; counter name "c_in"; }
	chain h_out { type filter hook output priority 0; counter name "c_out"; }
}
table ip it {
	counter c_fwd4 {}
	chain h_fwd { type filter hook forward priority 0; ip protocol icmp counter name "c_fwd4"; }
}
NFT

# capture NAME ARGS...: nftrace-capture in sw in the background, $T/NAME.*
capture() {
	bg_capture "$1" --netns /run/netns/sw "${@:2}"
}

stop_capture() { stop_bg_capture "$@"; }

# 1. The bridge family, into pcapng, with tcpdump on p1.
in_ns_bg sw tcpdump -i p1 -n -U -w $T/p1.pcap icmp 2> $T/tcpdump.err
tcpd=$!
wait_for 10 grep -q "listening on" $T/tcpdump.err || die "tcpdump did not start"
capture br --families bridge -w $T/br.pcapng icmp
in_ns h1 ping -c 5 -i 0.2 -W 1 -q 10.12.0.2 > /dev/null || fail "ping h2"
in_ns h1 ping -c 2 -i 0.2 -W 1 -q 10.12.0.254 > /dev/null || fail "ping br0"
stop_capture br
sleep $SLOW
kill -INT $tcpd
wait $tcpd
pre=$(nft_counter -n sw bridge bt c_pre)
fwd=$(nft_counter -n sw bridge bt c_fwd)
post=$(nft_counter -n sw bridge bt c_post)
# 5 echoes each way forwarded; 2 to br0: in at INPUT, replies out at OUTPUT.
assert_eq "12 10 12" "$pre $fwd $post" "nft: icmp at bridge prerouting, forward, postrouting"
# The file's fields, from one tshark run (each takes seconds to start in
# the guest): interface name and description, protocols, packet id,
# Ethernet and IP addresses, ICMP type; tab-separated, a line per frame.
tshark -r $T/br.pcapng -T fields -e frame.interface_name -e frame.interface_description \
	-e frame.protocols -e frame.packet_id -e eth.src -e eth.dst -e ip.src -e ip.dst \
	-e icmp.type > $T/br.fields 2>/dev/null
# brf AWK-PROGRAM: run over those fields.
brf() { awk -F'\t' "$1" $T/br.fields; }
assert_eq "FORWARD $fwd
INPUT 2
OUTPUT 2
POSTROUTING $post
PREROUTING $pre" \
	"$(brf '{ print $1 }' | sort | uniq -c | awk '{print $2, $1}')" \
	"our pcapng: each echo at its bridge hooks, as nft counted"
assert_eq "bridge" "$(brf '{ print $2 }' | sed 's/.*family=//' | sort -u)" \
	"our pcapng: every interface of the bridge family"
assert_eq "eth:ethertype:ip:icmp:data" "$(brf '{ print $3 }' | sort -u)" \
	"our pcapng: Ethernet, IP, ICMP, as tshark dissects it"
assert_eq "" "$(tshark -r $T/br.pcapng -Y '_ws.expert.severity >= 0x400000' 2>/dev/null)" \
	"our pcapng: no note, warning or error"
assert_eq "5 $mac_h1 $mac_h2 10.12.0.1 10.12.0.2 8" \
	"$(brf '$1 == "FORWARD" && $9 == "8" { print $5, $6, $7, $8, $9 }' | sort | uniq -c |
	   sed 's/^ *//')" \
	"our pcapng: the forwarded requests, Ethernet and IP addresses"
# One id at the three hooks of each forwarded echo.
assert_eq "10" "$(brf '$1 == "FORWARD" { print $4 }' | sort -u | wc -l)" "ids at FORWARD: one per echo"
assert_eq "" "$(brf '$1 == "FORWARD" { f[$4] = 1 } { n[$4]++ }
	END { for (i in f) if (n[i] != 3) print i, n[i] }')" \
	"each forwarded echo's id at exactly its three bridge hooks"
assert_eq "$(tcpdump -r $T/p1.pcap -nn 2>/dev/null | grep -c 'echo request')" \
	"$(brf '$1 == "PREROUTING" && $9 == "8"' | wc -l)" \
	"bridge PREROUTING saw every request tcpdump saw on p1"
# libpcap reads a file of Ethernet interfaces, and filters it as Ethernet:
# h1's echo requests, 5 to h2 at three hooks, 2 to br0 at PREROUTING and
# INPUT.
assert_eq "19 19" "$(tcpdump -r $T/br.pcapng -nn "ether src $mac_h1 and icmp[icmptype] == 8" 2>/dev/null | wc -l) $(brf "\$5 == \"$mac_h1\" && \$9 == \"8\"" | wc -l)" \
	"tcpdump -r with an Ethernet filter, as tshark counts"
# The text of the same file: ports, bridge, Ethernet.
$CAP -r $T/br.pcapng --families bridge --hooks forward 'icmp[icmptype] == 8' > $T/br.txt 2> $T/br-r.err
assert_eq 5 "$(grep -c " bridge FORWARD id=[0-9]* in=br0 phys_in=p1 out=br0 phys_out=p2 mark=0x0 netns=[0-9]* ct=none len=98 ether $mac_h1 > $mac_h2 icmp 10.12.0.1 > 10.12.0.2 echo request" $T/br.txt)" \
	"text (-r, Ethernet filter): the forwarded requests with bridge and ports ($(head -n 1 $T/br.txt))"

# 1b. --drops in the bridge family: a bridge forward rule drops UDP to
# port 9; each datagram is at PREROUTING, at FORWARD, and at FORWARD again
# as dropped, never at POSTROUTING.
if drop_reasons; then
	in_ns sw nft -f - <<-'NFT' || die "sw drop ruleset"
	table bridge bd {
		counter c_drop {}
		chain h_fwd { type filter hook forward priority 0; udp dport 9 counter name "c_drop" drop; }
	}
	NFT
	capture drops --families bridge --drops 'udp port 9'
	udp_burst h1 10.12.0.2 9 4 "bridge drop"
	stop_capture drops
	dropped=$(nft_counter -n sw bridge bd c_drop)
	assert_eq 4 "$dropped" "nft: dropped in bridge forward"
	assert_eq "bridge FORWARD 4
bridge FORWARD dropped 4
bridge PREROUTING 4" \
		"$(awk '{ print $3, $4, ($5 == "dropped" ? "dropped" : "") }' $T/drops.out |
		   sed 's/ $//' | sort | uniq -c | awk '{ c = $1; $1 = ""; print substr($0, 2), c }')" \
		"--drops: each datagram at PREROUTING, FORWARD, and dropped at FORWARD"
	assert_eq 4 "$(grep ' bridge FORWARD dropped ' $T/drops.out | grep -c " in=br0 phys_in=p1 out=br0 phys_out=p2 .* udp 10.12.0.1:[0-9]* > 10.12.0.2:9 ")" \
		"--drops: the drop records with bridge, ports and packet"
	assert_eq "" "$(comm -3 <(grep ' bridge FORWARD dropped ' $T/drops.out | grep -o ' id=[0-9]*' | sort) \
		<(grep ' bridge PREROUTING ' $T/drops.out | grep -o ' id=[0-9]*' | sort))" \
		"--drops: each drop record has the id of its packet at PREROUTING"
	in_ns sw nft delete table bridge bd
else
	ok "--drops in the bridge family: this kernel has no drop reasons (before 5.17)"
fi

# 2. ARP, as text: h1 resolves br0 again.
ip -n h1 neigh flush dev eth0
# Neighbour probes of step 1 are counted too: the counts during the capture.
capture arp --families arp
ain0=$(nft_counter -n sw arp at c_in)
aout0=$(nft_counter -n sw arp at c_out)
in_ns h1 ping -c 1 -W 1 -q 10.12.0.254 > /dev/null || fail "ping br0 after flush"
sleep $SLOW
ain=$(( $(nft_counter -n sw arp at c_in) - ain0 ))
aout=$(( $(nft_counter -n sw arp at c_out) - aout0 ))
stop_capture arp
assert_eq "$ain" "$(grep -c ' arp INPUT ' $T/arp.out)" "arp INPUT records, as nft counted"
assert_eq "$aout" "$(grep -c ' arp OUTPUT ' $T/arp.out)" "arp OUTPUT records, as nft counted"
assert_ge 1 "$(grep -c " arp INPUT id=[0-9]* in=br0 out=- .* ether $mac_h1 > ff:ff:ff:ff:ff:ff arp who-has 10.12.0.254 tell 10.12.0.1" $T/arp.out)" \
	"arp INPUT: h1's request ($(grep ' INPUT ' $T/arp.out | head -n 1))"
assert_ge 1 "$(grep -c " arp OUTPUT id=[0-9]* in=- out=br0 .* arp reply 10.12.0.254 is-at $mac_br" $T/arp.out)" \
	"arp OUTPUT: br0's reply ($(grep ' OUTPUT ' $T/arp.out | head -n 1))"
assert_eq "" "$(grep -v ' arp \(INPUT\|OUTPUT\) ' $T/arp.out)" "arp capture: nothing but ARP's hooks"
assert_eq "" "$(grep '^br_netfilter ' /proc/modules)" "nftrace loaded no br_netfilter"

# 3. br_netfilter: the IPv4 hooks inside the bridge ones, one id.
modprobe br_netfilter || die "modprobe br_netfilter"
in_ns sw sysctl -qw net.bridge.bridge-nf-call-iptables=1 || die "bridge-nf-call-iptables"
capture brnf --families bridge,ip --hooks prerouting,forward,postrouting -w $T/brnf.pcapng icmp
in_ns h1 ping -c 3 -i 0.2 -W 1 -q 10.12.0.2 > /dev/null || fail "ping h2 with br_netfilter"
stop_capture brnf
fwd4=$(nft_counter -n sw ip it c_fwd4)
assert_eq 6 "$fwd4" "nft: icmp at ipv4 forward, through br_netfilter"
# Raw IP and Ethernet interfaces in one file: tshark reads it, libpcap
# (1.10) refuses it, as the man page says.
assert_eq 36 "$(tshark -r $T/brnf.pcapng 2>/dev/null | wc -l)" "tshark reads bridge and ipv4 in one file"
tcpdump -r $T/brnf.pcapng > /dev/null 2> $T/tcpdump-mixed.err
assert_match "different from the type of the first interface" "$(cat $T/tcpdump-mixed.err)" \
	"tcpdump refuses a file of two link types"
$CAP -r $T/brnf.pcapng --families bridge,ip 'icmp[icmptype] == 8' > $T/brnf.txt 2>> $T/brnf.err
assert_eq "bridge FORWARD 3
bridge POSTROUTING 3
bridge PREROUTING 3
ipv4 FORWARD 3
ipv4 POSTROUTING 3
ipv4 PREROUTING 3" \
	"$(awk '{print $3, $4}' $T/brnf.txt | sort | uniq -c | awk '{print $2, $3, $1}')" \
	"each request at its bridge and ipv4 hooks"
assert_eq "3" "$(grep -o ' id=[0-9]*' $T/brnf.txt | sort | uniq -c | awk '$1 == 6' | wc -l)" \
	"one id for each request at its six hooks"
assert_eq 3 "$(grep -c " ipv4 FORWARD id=[0-9]* in=br0 phys_in=p1 out=br0 phys_out=p2 " $T/brnf.txt)" \
	"ipv4 FORWARD through br_netfilter: the bridge and its ports"
in_ns sw sysctl -qw net.bridge.bridge-nf-call-iptables=0
expect_ok "rmmod after the captures" rmmod nftrace
