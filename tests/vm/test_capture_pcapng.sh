# SPDX-License-Identifier: GPL-2.0 OR MIT
# -F pcapng on real traffic: the router forwards UDP to port 10 and
# answers pings. Each packet is in the file at the hooks it passed, under
# the interface named after the hook, as often as the router's nft
# counters saw it, with the direction the hook implies and a comment
# naming the router's own interfaces and indexes, packet id, netns cookie
# and conntrack (none: nothing here loads it) (a forwarded packet still
# has its input interface at POSTROUTING: ip_output() passes it); the
# server's port unreachables, which quote the UDP header, are left out of
# the UDP counts. tcpdump filters the file, and the statistics blocks
# count what each interface holds. `-r` reads the file back: the text it
# prints is, line for line, what a live text capture beside it printed;
# --hooks and a filter select; --json has each packet's hook as tshark
# reads its interface. `-r` of an NFLOG pcap file written beside them
# prints the live lines but for what NFLOG does not hold.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

in_ns router nft -f - <<'NFT' || die "router ruleset"
table inet filt {
	counter c_fwd10 {}
	counter c_echo4 {}
	chain hfwd {
		type filter hook forward priority 0;
		udp dport 10 counter name "c_fwd10" accept
	}
	chain hin {
		type filter hook input priority 0;
		icmp type echo-request counter name "c_echo4" accept
	}
}
NFT

# Neighbours resolved first, outside the capture.
in_ns client ping -c 1 -W 2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"

$CAP --netns /run/netns/router -4 -F pcapng -w $T/c.pcapng 'udp port 10 or icmp' 2> $T/err &
cap=$!
# The same capture as text, live, beside it: what -r must print; and as
# an NFLOG pcap file.
$CAP --netns /run/netns/router -4 'udp port 10 or icmp' > $T/live.txt 2> $T/live.err &
live=$!
$CAP --netns /run/netns/router -4 -F pcap -w $T/c.pcap 'udp port 10 or icmp' 2> $T/pcap.err &
pcap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
wait_for 5 grep -q "capturing at" $T/live.err || die "text capture did not start: $(cat $T/live.err)"
wait_for 5 grep -q "capturing at" $T/pcap.err || die "pcap capture did not start: $(cat $T/pcap.err)"
assert_match ', pcapng, link-type RAW,' "$(cat $T/err)" "the banner names the format"
in_ns client python3 - $SERVER4 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(10):
    s.sendto(b"nftrace pcapng", (sys.argv[1], 10))
    time.sleep(0.005)
PY
in_ns client ping -c 3 -i 0.1 -W 1 -q $ROUTER4_C > /dev/null
sleep 0.3
kill -INT $cap $live $pcap
wait $cap || fail "capture: exit $? ($(cat $T/err))"
wait $live || fail "text capture: exit $? ($(cat $T/live.err))"
wait $pcap || fail "pcap capture: exit $? ($(cat $T/pcap.err))"

fwd=$(nft_counter -n router inet filt c_fwd10)
echo4=$(nft_counter -n router inet filt c_echo4)
assert_eq "10 3" "$fwd $echo4" "nft: the counters"

fields() { # DISPLAY-FILTER: name|direction|comment of each packet, counted
	tshark -r $T/c.pcapng -Y "$1" -T fields -E separator='|' \
		-e frame.interface_name -e frame.packet_flags_direction \
		-e frame.comment 2>/dev/null |
		sed 's/ cpu=[0-9]* id=[1-9][0-9]* netns_cookie=[1-9][0-9]* / /' | sort | uniq -c |
		sed 's/^ *//'
}
in0=$(ip -n router -o link show dev eth0 | cut -d: -f1)
in1=$(ip -n router -o link show dev eth1 | cut -d: -f1)
assert_eq "$fwd FORWARD|0x00000000|in=eth0 in_ifindex=$in0 out=eth1 out_ifindex=$in1 mark=0x0 ct=none
$fwd POSTROUTING|0x00000002|in=eth0 in_ifindex=$in0 out=eth1 out_ifindex=$in1 mark=0x0 ct=none
$fwd PREROUTING|0x00000001|in=eth0 in_ifindex=$in0 out=- out_ifindex=0 mark=0x0 ct=none" \
	"$(fields 'udp.dstport == 10 && !icmp')" "forwarded UDP: three hooks, direction, interfaces"
assert_eq "$echo4 INPUT|0x00000001|in=eth0 in_ifindex=$in0 out=- out_ifindex=0 mark=0x0 ct=none
$echo4 PREROUTING|0x00000001|in=eth0 in_ifindex=$in0 out=- out_ifindex=0 mark=0x0 ct=none" \
	"$(fields 'icmp.type == 8')" "echo requests to the router: in at PREROUTING and INPUT"
assert_eq $((3 * fwd)) "$(tcpdump -nr $T/c.pcapng 'udp dst port 10' 2>/dev/null | wc -l)" \
	"tcpdump filters the pcapng file"
captured=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)
assert_eq "$captured" "$(capinfos -M -c $T/c.pcapng | sed -n 's/^Number of packets: *//p')" \
	"capinfos counts what the tool says it wrote"
assert_eq "$captured" "$(capinfos $T/c.pcapng | sed -n 's/^ *Number of packets = //p' | paste -sd+ | bc)" \
	"the statistics blocks add up to the packets written"

# -r: the file read back prints what the live text capture printed, line
# for line (records of several CPUs come out in the same merged order).
$CAP -r $T/c.pcapng > $T/read.txt 2> $T/read.err
assert_eq 0 $? "-r: exit status ($(cat $T/read.err))"
assert_eq "$captured" "$(wc -l < $T/live.txt)" "the live text capture's lines"
assert_eq "" "$(diff $T/live.txt $T/read.txt)" "-r prints what the live capture printed"
assert_eq "$fwd" "$($CAP -r $T/c.pcapng --hooks forward 'udp dst port 10' | wc -l)" \
	"-r selects by hook and filter"
assert_eq "$(tshark -r $T/c.pcapng -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c)" \
	"$($CAP -r $T/c.pcapng --json | jq -r .hook | sort | uniq -c)" \
	"-r --json: each packet's hook, as tshark reads the interfaces"

# -r of the NFLOG pcap file: the live lines but for what NFLOG does not
# hold: interfaces by index ("#3", from ip link), no CPU (0), id or ct.
names=$(ip -n router -o link | sed -n 's/^\([0-9]*\): \([^:@]*\).*/s,\\(in\\|out\\)=\2 ,\\1=#\1 ,g;/p')
sed -e 's/ cpu[0-9]* / cpu0 /' -e 's/ id=[0-9]*//' -e 's/ ct=none//' \
	-e "$names" $T/live.txt > $T/want-pcap.txt
$CAP -r $T/c.pcap > $T/read-pcap.txt 2> $T/read-pcap.err
assert_eq 0 $? "-r of the pcap file: exit status ($(cat $T/read-pcap.err))"
assert_eq "$captured" "$(wc -l < $T/read-pcap.txt)" "-r of the pcap file: every packet"
assert_eq "" "$(diff $T/want-pcap.txt $T/read-pcap.txt)" \
	"-r of the pcap file prints the live lines, interfaces by index"
assert_eq "$((3 * fwd))" "$(tcpdump -nr $T/c.pcap 2>/dev/null | grep -c 'UDP, length')" \
	"tcpdump reads the pcap file"
