# SPDX-License-Identifier: GPL-2.0
# Non-linear and GSO packets: a TCP stream over veth leaves the client as
# super-packets larger than the MTU, with their payload in page frags. The
# module copies them whole (snaplen 65535) and byte-exact, and truncates
# them cleanly at a small snaplen; tshark reads both pcaps.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir
ip netns exec client ethtool -K eth0 tso on gso on > /dev/null 2>&1

in_ns client $CAP -q --hooks output -4 -s 65535 --linktype raw -w $T/full.pcap 'tcp port 5201' 2> $T/full.err &
full=$!
in_ns client $CAP -q --hooks output -4 -s 100 --linktype raw -w $T/snap.pcap 'tcp port 5201' 2> $T/snap.err &
snap=$!
sleep 2
tcp_send client server $SERVER4 400000
sleep 0.5
kill $full $snap
wait $full $snap

fields() { tshark -r "$1" -T fields -e frame.len -e frame.cap_len -e tcp.len "${@:2}" 2>/dev/null; }
max=$(fields $T/full.pcap | awk '$1 > m { m = $1 } END { print m + 0 }')
assert_ge 1501 "$max" "largest captured packet (GSO super-packet) bytes"
# The stream's extent (retransmissions under load may repeat segments):
# relative seq starts at 1 after the SYN; only segments with data count.
payload=$(tshark -r $T/full.pcap -T fields -e tcp.seq -e tcp.len 2>/dev/null |
	  awk '$2 > 0 && $1 + $2 - 1 > m { m = $1 + $2 - 1 } END { print m + 0 }')
assert_eq 400000 "$payload" "TCP stream bytes captured at OUTPUT"
whole=$(fields $T/full.pcap | awk '$1 != $2' | wc -l)
assert_eq 0 "$whole" "packets captured short of their length at snaplen 65535"
# Every payload byte is what tcp_send sent ('x' is 0x78).
bad=$(tshark -r $T/full.pcap -T fields -e tcp.payload 2>/dev/null | tr -d ':' | grep -cv '^\(78\)*$')
assert_eq 0 "$bad" "packets with payload bytes that are not 'x'"

# At snaplen 100 the same packets are cut at 100 bytes, lengths intact.
assert_eq "$(fields $T/full.pcap | wc -l)" "$(fields $T/snap.pcap | wc -l)" "packets at snaplen 100"
assert_eq 0 "$(fields $T/snap.pcap | awk '$2 > 100' | wc -l)" "packets longer than snaplen"
assert_eq "$max" "$(fields $T/snap.pcap | awk '$1 > m { m = $1 } END { print m + 0 }')" \
	"original length kept at snaplen 100"
