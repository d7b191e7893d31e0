# SPDX-License-Identifier: GPL-2.0 OR MIT
# --drops never labels a drop with another packet's hook. One process
# sends, to 127.0.0.1 in a namespace of its own, UDP datagrams that
# PREROUTING queues to NFQUEUE 7 (no listener: freed, not a netfilter
# drop, so they leave their PREROUTING frame behind) alternating with
# echo requests that INPUT drops. The skb slab hands a freed datagram's
# address to the next echo request. nft counters are the oracle: a
# reader of PREROUTING only reports no drop at all (none happens there);
# a reader of PREROUTING and INPUT reports every INPUT drop at INPUT.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_tmpdir
mk_ns q

in_ns q nft -f - <<'NFT' || die "ruleset"
table ip t {
	counter c_queued {}
	counter c_dropped {}
	chain hpre {
		type filter hook prerouting priority 0;
		udp dport 7777 counter name "c_queued" queue num 7
	}
	chain hin {
		type filter hook input priority 0;
		icmp type echo-request counter name "c_dropped" drop
	}
}
NFT

# N rounds of a datagram then an echo request, from one task.
traffic() {
	in_ns q python3 - "$1" <<-'EOF'
	import socket, struct, sys, time
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
	def csum(b):
	    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    s = (s >> 16) + (s & 0xffff)
	    return ~(s + (s >> 16)) & 0xffff
	for i in range(int(sys.argv[1])):
	    u.sendto(b"queued, no listener", ("127.0.0.1", 7777))
	    h = struct.pack("!BBHHH", 8, 0, 0, 0x4e54, i) + b"dropped at INPUT"
	    h = h[:2] + struct.pack("!H", csum(h)) + h[4:]
	    r.sendto(h, ("127.0.0.1", 0))
	    time.sleep(0.002)
	EOF
}

# run NAME HOOKS: a text capture of drops at HOOKS while traffic flows.
run() {
	$CAP --netns /run/netns/q --drops --hooks "$2" -4 > $T/$1 2> $T/$1.err &
	cap=$!
	wait_for 5 grep -q "capturing at" $T/$1.err ||
		die "$1: capture did not start: $(cat $T/$1.err)"
	traffic 200
	sleep 0.3
	kill -INT $cap
	wait $cap || fail "$1: capture exit $? ($(cat $T/$1.err))"
}

run pre prerouting
assert_eq 200 "$(nft_counter -n q ip t c_queued)" "nft: datagrams queued at PREROUTING"
assert_eq 200 "$(nft_counter -n q ip t c_dropped)" "nft: echo requests dropped at INPUT"
assert_eq 400 "$(grep -c ' ipv4 PREROUTING id=[1-9][0-9]* in=lo ' $T/pre)" \
	"PREROUTING only: every packet recorded on its way in"
assert_eq 0 "$(grep -c ' dropped ' $T/pre)" \
	"PREROUTING only: no drop reported (none happened there)"

run both prerouting,input
assert_eq 400 "$(nft_counter -n q ip t c_dropped)" "nft: echo requests dropped at INPUT"
assert_eq 200 "$(grep -c ' ipv4 INPUT dropped id=[1-9][0-9]* in=lo .* icmp' $T/both)" \
	"PREROUTING and INPUT: every INPUT drop reported at INPUT"
assert_eq 0 "$(grep -c ' PREROUTING dropped ' $T/both)" \
	"PREROUTING and INPUT: none at PREROUTING"
