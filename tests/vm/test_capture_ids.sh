# SPDX-License-Identifier: GPL-2.0 OR MIT
# Packet ids (nftrace_packet_id()). A packet keeps its id at every hook of
# one traversal, and distinct packets have distinct ids:
#  - 100 000 forwarded datagrams, each numbered in its payload: each
#    number is in the pcapng file at PREROUTING, FORWARD and POSTROUTING
#    under one id, no id under two numbers, and as many as the router's
#    nft counters counted (read by a pcapng reader of the test's own);
#  - loopback: a ping to 127.0.0.1 is sent (OUTPUT, POSTROUTING) under
#    one id and received again (PREROUTING, INPUT) under another;
#  - a copy (nft dup, made inside the original's FORWARD hook) is a
#    packet of its own, sent at OUTPUT and POSTROUTING with its own id,
#    while the original keeps its id at POSTROUTING;
#  - GSO: a TCP send's large packets pass OUTPUT and POSTROUTING whole,
#    segmented only after, under one id each.
# And the conntrack fields cost no dependency: the module imports no
# conntrack symbol, and capturing loads no nf_conntrack.
. tests/vm/lib.sh

need_capture_tool
mk_tmpdir

assert_eq "" "$(modinfo -F depends "$NFTRACE_KO")" "nftrace.ko depends on no module"
# Earlier scripts of the same boot may have loaded conntrack: unload it
# and every module above it, so that this one sees who loads it.
unload_tree() {
	local m

	[ -d /sys/module/$1 ] || return 0
	for m in $(ls /sys/module/$1/holders 2>/dev/null); do
		unload_tree $m
	done
	rmmod $1 2>/dev/null
}
for ns in $(ip netns list | cut -d' ' -f1); do ip netns del $ns; done
nft flush ruleset
wait_for 10 unload_tree nf_conntrack
unload_tree nf_conntrack
[ -d /sys/module/nf_conntrack ] && die "nf_conntrack stays loaded: $(cat /sys/module/nf_conntrack/refcnt) users"
load_nftrace
mk_topology

# --- 100 000 forwarded datagrams ---------------------------------------------
in_ns router nft -f - <<'NFT' || die "router ruleset"
table inet ids {
	counter c_pre {}
	counter c_fwd {}
	counter c_post {}
	chain ids_pre {
		type filter hook prerouting priority 0;
		udp dport 7777 counter name "c_pre"
	}
	chain ids_fwd {
		type filter hook forward priority 0;
		udp dport 7777 counter name "c_fwd"
	}
	chain ids_post {
		type filter hook postrouting priority 0;
		udp dport 7777 counter name "c_post"
	}
}
NFT
in_ns client ping -c 1 -W 2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"

N=100000
$CAP --netns /run/netns/router -4 -B 16384 -s 32 -w $T/ids.pcapng \
	'udp dst port 7777' 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client python3 - $SERVER4 $N <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(struct.pack("!I", i), (sys.argv[1], 7777))
    if i % 500 == 499:
        time.sleep(0.002)	# the veth backlog holds 1000
PY
sleep 0.5
kill -INT $cap
wait $cap || fail "capture: exit $? ($(cat $T/err))"
grep -q "^0 packets dropped by kernel" $T/err || fail "ring losses: $(cat $T/err)"

counts="$(nft_counter -n router inet ids c_pre) $(nft_counter -n router inet ids c_fwd) $(nft_counter -n router inet ids c_post)"
assert_eq "$N $N $N" "$counts" "nft: every datagram forwarded"
python3 tests/vm/pcapng_ids.py $T/ids.pcapng | python3 -c '
import sys
ids, seqs, bad = {}, {}, 0
for line in sys.stdin:
    f = line.split()
    if f[0] == "dropcount":
        drops = int(f[1])
        continue
    seq = int(f[2][56:64], 16)	# after the IPv4 and UDP headers
    ids.setdefault(f[1], []).append((f[0], seq))
    seqs.setdefault(seq, set()).add(f[1])
for pid, recs in ids.items():
    if [h for h, _ in recs] != ["PREROUTING", "FORWARD", "POSTROUTING"] or \
       len({s for _, s in recs}) != 1 or pid == "-" or pid == "0":
        bad += 1
        if bad < 5:
            print("id %s: %s" % (pid, recs), file=sys.stderr)
print("ids=%d numbers=%d bad=%d shared=%d dropcount=%d" % (len(ids), len(seqs),
      bad, sum(len(v) > 1 for v in seqs.values()), drops))
' > $T/ids.out
assert_eq "ids=$N numbers=$N bad=0 shared=0 dropcount=0" "$(cat $T/ids.out)" \
	"each datagram: one id at its three hooks, its own"

# relabel: "HOOK id=N" words in order, N renumbered 1, 2, ... as they come.
relabel() {
	grep -o '\(PREROUTING\|INPUT\|FORWARD\|OUTPUT\|POSTROUTING\)\( dropped\)\? id=[0-9]*' |
		awk '{ id = $NF; if (!(id in n)) n[id] = ++k; $NF = n[id]; print }' |
		tr '\n' ' '
}

# --- loopback ----------------------------------------------------------------
mk_ns lo1
$CAP --netns /run/netns/lo1 -4 icmp > $T/lo.txt 2> $T/lo.err &
cap=$!
wait_for 5 grep -q "capturing at" $T/lo.err || die "capture did not start: $(cat $T/lo.err)"
in_ns lo1 taskset -c 0 ping -c 1 -W 2 -q 127.0.0.1 > /dev/null || fail "ping 127.0.0.1"
sleep 0.3
kill -INT $cap
wait $cap || fail "loopback capture: exit $?"
assert_eq "OUTPUT 1 POSTROUTING 1 PREROUTING 2 INPUT 2 OUTPUT 3 POSTROUTING 3 PREROUTING 4 INPUT 4 " \
	"$(relabel < $T/lo.txt)" "loopback: sent under one id, received under another"

# --- a copy: nft dup -----------------------------------------------------------
in_ns router nft -f - <<NFT || die "nft dup"
table ip dupt {
	chain dup_fwd {
		type filter hook forward priority 0;
		udp dport 7778 dup to $SERVER4
	}
}
NFT
$CAP --netns /run/netns/router -4 'udp dst port 7778' > $T/dup.txt 2> $T/dup.err &
cap=$!
wait_for 5 grep -q "capturing at" $T/dup.err || die "capture did not start: $(cat $T/dup.err)"
in_ns client taskset -c 1 python3 - $SERVER4 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"dup", (sys.argv[1], 7778))
    time.sleep(0.05)
PY
sleep 0.3
kill -INT $cap
wait $cap || fail "dup capture: exit $?"
one="PREROUTING 1 FORWARD 1 OUTPUT 2 POSTROUTING 2 POSTROUTING 1 "
assert_eq "$one$(echo "$one" | tr 12 34)$(echo "$one" | tr 12 56)" \
	"$(relabel < $T/dup.txt)" "nft dup: the copy has its own id, the original keeps its own"

# --- GSO -----------------------------------------------------------------------
$CAP --netns /run/netns/client -4 --hooks output,postrouting -s 40 \
	'tcp dst port 5201' > $T/gso.txt 2> $T/gso.err &
cap=$!
wait_for 5 grep -q "capturing at" $T/gso.err || die "capture did not start: $(cat $T/gso.err)"
tcp_send client server $SERVER4 400000
sleep 0.3
kill -INT $cap
wait $cap || fail "gso capture: exit $?"
# Each id: OUTPUT then POSTROUTING, the same length.
bad=$(grep -o '\(OUTPUT\|POSTROUTING\) id=[0-9]* .* len=[0-9]*' $T/gso.txt |
	sed 's/ in=.* len=/ /' |
	awk '{ h[$2] = h[$2] $1 " "; l[$2] = l[$2] $3 " " }
	     END { for (i in h) { split(l[i], a, " ");
		   if (h[i] != "OUTPUT POSTROUTING " || a[1] != a[2]) n++ }
		   print n + 0 }')
assert_eq 0 "$bad" "GSO: each id at OUTPUT and POSTROUTING, one length"
big=$(grep -o ' OUTPUT id=.* len=[0-9]*' $T/gso.txt | sed 's/.*len=//' |
	awk '$1 > 1500 { n++ } END { print n + 0 }')
assert_ge 1 "$big" "GSO: packets larger than the MTU at the hooks"

[ -d /sys/module/nf_conntrack ] && fail "capturing loaded nf_conntrack" ||
	ok "capturing, conntrack fields included, loaded no nf_conntrack"
