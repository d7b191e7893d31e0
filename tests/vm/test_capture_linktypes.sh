# SPDX-License-Identifier: GPL-2.0 OR MIT
# Both link types read back by tshark: NFLOG with hook, prefix, interfaces
# and the IP packet behind them; RAW with the bare packet; `-w -` streamed
# into tshark; nanosecond timestamps.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

router_ns=$(stat -L -c %i /run/netns/router)
ifindex() { ip -n $1 -o link show $2 | cut -d: -f1; }
r_eth0=$(ifindex router eth0)
r_eth1=$(ifindex router eth1)

# capture FILE ARGS...: at the router's FORWARD hook, 2 pings each way.
capture() {
	local file=$1 cap

	shift
	$CAP --netns /run/netns/router --hooks forward -F pcap -w $file "$@" 2> $T/err &
	cap=$!
	wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
	in_ns client ping -c 2 -i 0.1 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
	in_ns client ping -6 -c 2 -i 0.1 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"
	kill -INT $cap
	wait $cap || fail "capture $*: exit $?"
}

fields() { # FILE FIELD...
	local file=$1 f args=()

	shift
	for f in "$@"; do args+=(-e "$f"); done
	tshark -r "$file" -T fields -E separator=, "${args[@]}" 2>/dev/null
}

t0=$(date +%s)
capture $T/nflog.pcap
assert_eq "NFLOG" "$(capinfos -E $T/nflog.pcap | sed -n 's/^File encapsulation: *//p')" \
	"nflog: file encapsulation"
assert_eq "nanoseconds (9)" "$(capinfos $T/nflog.pcap | sed -n 's/^File timestamp precision: *//p')" \
	"nflog: timestamp precision"
out=$(fields $T/nflog.pcap nflog.hook nflog.prefix nflog.ifindex_indev nflog.ifindex_outdev ip.src ip.dst icmp.type)
assert_eq 2 "$(grep -cx "2,FORWARD netns=$router_ns,$r_eth0,$r_eth1,$CLIENT4,$SERVER4,8" <<< "$out")" \
	"nflog: IPv4 requests: hook, prefix, interfaces, addresses"
assert_eq 2 "$(grep -cx "2,FORWARD netns=$router_ns,$r_eth1,$r_eth0,$SERVER4,$CLIENT4,0" <<< "$out")" \
	"nflog: IPv4 replies"
out=$(fields $T/nflog.pcap nflog.family nflog.protocol ipv6.src ipv6.dst icmpv6.type)
assert_eq 2 "$(grep -cx "10,0x86dd,$CLIENT6,$SERVER6,128" <<< "$out")" "nflog: IPv6 requests"
assert_eq 2 "$(grep -cx "10,0x86dd,$SERVER6,$CLIENT6,129" <<< "$out")" "nflog: IPv6 replies"
assert_eq 8 "$(fields $T/nflog.pcap frame.number | wc -l)" "nflog: 8 packets"
# Stamped now, to the nanosecond.
ts=$(fields $T/nflog.pcap frame.time_epoch | head -n1)
assert_match '^[0-9]+\.[0-9]{9}$' "$ts" "nflog: time with 9 decimals"
assert_ge "$t0" "${ts%.*}" "nflog: time not before the capture"
assert_le "$(date +%s)" "${ts%.*}" "nflog: time not after the capture"
# tcpdump reads it too.
assert_eq 8 "$(tcpdump -n -r $T/nflog.pcap 2>/dev/null | grep -c ICMP)" "nflog: tcpdump reads it"

# Packets longer than the snapshot length: behind NFLOG, their headers
# still dissect (the NFLOG message is whole, its payload cut, as with the
# kernel's own NFLOG); the IP header keeps the packet's length.
$CAP --netns /run/netns/router --hooks forward -4 -s 64 -F pcap -w $T/cut.pcap 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -c 2 -i 0.1 -s 1000 -q $SERVER4 > /dev/null || fail "ping -s 1000 $SERVER4"
kill -INT $cap
wait $cap || fail "capture -s 64: exit $?"
out=$(fields $T/cut.pcap ip.src ip.len icmp.type)
assert_eq 2 "$(grep -cx "$CLIENT4,1028,8" <<< "$out")" \
	"cut to 64 bytes: IPv4 echo requests of 1028 bytes, headers dissected"
assert_eq 0 "$(tshark -r $T/cut.pcap 2>/dev/null | grep -c 'NFLOG.*Packet size limited')" \
	"cut to 64 bytes: no packet left undissected at NFLOG"

capture $T/raw.pcap --linktype raw
assert_eq "Raw IP" "$(capinfos -E $T/raw.pcap | sed -n 's/^File encapsulation: *//p')" \
	"raw: file encapsulation"
out=$(fields $T/raw.pcap ip.src ip.dst ipv6.src ipv6.dst)
assert_eq 2 "$(grep -cx "$CLIENT4,$SERVER4,," <<< "$out")" "raw: IPv4 requests"
assert_eq 2 "$(grep -cx ",,$SERVER6,$CLIENT6" <<< "$out")" "raw: IPv6 replies"
assert_eq 8 "$(wc -l <<< "$out")" "raw: 8 packets"

# -w -: a pcap stream on stdout, status on stderr only, ending with -c.
in_ns client ping -i 0.05 -q $SERVER4 > /dev/null &
ping=$!
out=$(timeout 30 $CAP --netns /run/netns/router --hooks forward -4 -c 6 -F pcap -w - 2> $T/err |
      tshark -r - -T fields -E separator=, -e nflog.hook -e ip.proto 2> $T/tshark.err)
assert_eq 6 "$(grep -cx "2,1" <<< "$out")" "-w - | tshark: 6 forwarded ICMP packets"
assert_eq 0 "$(grep -ci 'cut short\|error' $T/tshark.err)" "-w - | tshark: no error"
assert_match "6 packets captured" "$(cat $T/err)" "-w -: stats on stderr"
out=$(timeout 30 $CAP --netns /run/netns/router --hooks forward -4 -c 4 --linktype raw \
	-w - 2> /dev/null | tshark -r - -T fields -e ip.src 2> /dev/null)
assert_eq 4 "$(wc -l <<< "$out")" "-w - raw | tshark: 4 packets"
kill $ping
