# SPDX-License-Identifier: GPL-2.0 OR MIT
# Conntrack and NAT per record, on a DNAT'd TCP connection and forwarded
# UDP flows through the router: the client connects to the router's
# address, port 80, and the router's DNAT sends it to the server's 8080.
# Four captures run side by side (text, --json, pcapng, --journey) and
# must tell the same story, packet by packet:
#  - one id at PREROUTING, FORWARD and POSTROUTING;
#  - the destination changes between PREROUTING and FORWARD (DNAT runs
#    after nftrace's first-priority hook); replies keep the server's
#    source through POSTROUTING (their un-DNAT runs after it);
#  - no conntrack entry at PREROUTING yet (conntrack runs after
#    nftrace's hook), then the state and direction nft's own rules match
#    at FORWARD, counted by nft counters: new, established original,
#    established reply, untracked (notrack in the raw chain);
#  - the ct mark the ruleset sets on the connection, as conntrack -L
#    shows it, from the first record after it was set; conntrack -E's
#    NEW events, one per record at FORWARD with ct=new.
# tshark reads the pcapng (frame.packet_id, frame.interface_name,
# frame.comment), `tcpdump -r 'tcp port 80'` filters it, and -r of it
# prints what the live text and journey captures printed.
. tests/vm/lib.sh

need_capture_tool
command -v conntrack > /dev/null || die "no conntrack (tools/install-deps.sh)"
load_nftrace
mk_topology
mk_tmpdir

# Neighbours resolved first, before the ruleset counts anything.
in_ns client ping -c 1 -W 2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns router nft -f - <<NFT || die "router ruleset"
table ip nat {
	chain nat_pre {
		type nat hook prerouting priority dstnat;
		ip daddr $ROUTER4_C tcp dport 80 dnat to $SERVER4:8080
	}
}
table ip ctf {
	counter f_new {}
	counter f_orig {}
	counter f_reply {}
	counter f_untracked {}
	chain ct_raw {
		type filter hook prerouting priority raw;
		udp dport 9998 notrack
	}
	chain ct_fwd {
		type filter hook forward priority 0;
		ct state new counter name "f_new" ct mark set 0x2a
		ct state established ct direction original counter name "f_orig"
		ct state established ct direction reply counter name "f_reply"
		ct state untracked counter name "f_untracked"
	}
}
NFT

# The server: TCP on 8080 (read all, answer "ok"), UDP echo on 9999.
cat > $T/server.py <<'PY'
import socket, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 9999))
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(("0.0.0.0", 9998))	# no port unreachable back
def echo():
    while True:
        b, a = u.recvfrom(100)
        u.sendto(b, a)
threading.Thread(target=echo, daemon=True).start()
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 8080))
t.listen(1)
c, _ = t.accept()
n = 0
while n < 3000:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
c.sendall(b"ok")
c.close()
threading.Event().wait()	# echo on, until killed
PY
in_ns_bg server python3 $T/server.py
server=$!
at_exit kill $server
wait_for 30 _listening server 8080 || die "no listener on 8080"

in_ns_bg router conntrack -E -e NEW -o id > $T/events 2>&1
events=$!
ns=(--netns /run/netns/router -4)
filter=ip		# all of it: as the nft counters count
$CAP "${ns[@]}" "$filter" > $T/live.txt 2> $T/e1 &
c1=$!
$CAP "${ns[@]}" --json "$filter" > $T/live.json 2> $T/e2 &
c2=$!
$CAP "${ns[@]}" -w $T/c.pcapng "$filter" 2> $T/e3 &
c3=$!
$CAP "${ns[@]}" --journey "$filter" > $T/live.journey 2> $T/e4 &
c4=$!
for e in e1 e2 e3 e4; do
	wait_for 5 grep -q "capturing at" $T/$e || die "capture $e did not start: $(cat $T/$e)"
done

in_ns client python3 - $ROUTER4_C $SERVER4 <<'PY' || fail "client"
import socket, sys, time
router, server = sys.argv[1], sys.argv[2]
s = socket.create_connection((router, 80), timeout=20)
s.sendall(b"x" * 3000)
s.shutdown(socket.SHUT_WR)
assert s.recv(10) == b"ok"
s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
for i in range(3):
    u.sendto(b"echo", (server, 9999))
    u.recv(10)
for i in range(2):
    u.sendto(b"notrack", (server, 9998))
PY
sleep 1
kill -INT $c1 $c2 $c3 $c4
for c in $c1 $c2 $c3 $c4; do
	wait $c || fail "capture $c: exit $?"
done
in_ns router conntrack -L -p tcp -o id > $T/ct.tcp 2>/dev/null
kill $events

# --- text: one id at three hooks; addresses; ct as nft's rules saw it -------
# Per id, one line: proto, source > destination as received | ct at
# PREROUTING, FORWARD | source > destination forwarded | ct mark at
# FORWARD, POSTROUTING | POSTROUTING's addresses and state as FORWARD's.
# The client's ephemeral ports read "C". Then the ct states at FORWARD,
# counted as the nft rules count them.
text_summary() { # FILE
	python3 - "$1" $CLIENT4 <<'PY'
import re, sys
path, client = sys.argv[1:3]
ids, out = {}, []
for line in open(path):
    m = re.search(r" (PREROUTING|FORWARD|POSTROUTING|INPUT|OUTPUT) id=(\d+) .* "
                  r"ct=(\S+)( ct_mark=(\S+))? len=\d+ (tcp|udp) (\S+) > (\S+?):? ",
                  line)
    if not m:
        out.append("unparsed: " + line.strip())
        continue
    addr = lambda a: re.sub(re.escape(client) + r":\d+$", client + ":C", a)
    ids.setdefault(m[2], []).append(
        (m[1], m[3], m[5] or "-", m[6], addr(m[7]), addr(m[8])))
counts = dict.fromkeys(("new", "orig", "reply", "untracked"), 0)
for pid, recs in ids.items():
    hooks = [r[0] for r in recs]
    if hooks != ["PREROUTING", "FORWARD", "POSTROUTING"]:
        out.append("id %s: hooks %s" % (pid, hooks))
        continue
    pre, fwd, post = recs
    out.append("%s %s > %s | %s %s | %s > %s | %s %s | %s" % (
        pre[3], pre[4], pre[5], pre[1], fwd[1], fwd[4], fwd[5], fwd[2],
        post[2], "same" if (post[1], post[3:]) == (fwd[1], fwd[3:]) else
        "post differs"))
    st = fwd[1].split(",")
    counts["new"] += st[0] == "new"
    counts["orig"] += st[0] == "established" and "reply" not in st
    counts["reply"] += st[0] == "established" and "reply" in st
    counts["untracked"] += st[0] == "untracked"
print("\n".join(sorted(set(out))))
print(" ".join("%s=%d" % kv for kv in counts.items()))
print("ids=%d" % len(ids))
PY
}
text_summary $T/live.txt > $T/text.out
cat $T/text.out >&2
new=$(nft_counter -n router ip ctf f_new)
orig=$(nft_counter -n router ip ctf f_orig)
reply=$(nft_counter -n router ip ctf f_reply)
untr=$(nft_counter -n router ip ctf f_untracked)
assert_eq "new=2 untracked=2" "new=$new untracked=$untr" \
	"nft: the TCP and UDP flows are new once each, two datagrams untracked"
assert_eq "new=$new orig=$orig reply=$reply untracked=$untr" \
	"$(grep '^new=' $T/text.out)" \
	"text: the ct state at FORWARD, as the nft counters count it"
assert_eq "ids=$((new + orig + reply + untr))" "$(grep '^ids=' $T/text.out)" \
	"text: one id per packet forwarded"
C=$CLIENT4 S=$SERVER4
assert_eq "tcp $C:C > $ROUTER4_C:80 | none established,dnat | $C:C > $S:8080 | 0x2a 0x2a | same
tcp $C:C > $ROUTER4_C:80 | none new,dnat | $C:C > $S:8080 | - 0x2a | same
tcp $S:8080 > $C:C | none established,reply,dnat | $S:8080 > $C:C | 0x2a 0x2a | same
udp $C:C > $S:9998 | none untracked | $C:C > $S:9998 | - - | same
udp $C:C > $S:9999 | none established | $C:C > $S:9999 | 0x2a 0x2a | same
udp $C:C > $S:9999 | none new | $C:C > $S:9999 | - 0x2a | same
udp $S:9999 > $C:C | none established,reply | $S:9999 > $C:C | 0x2a 0x2a | same" \
	"$(grep -v '^\(new\|ids\)=' $T/text.out)" \
	"text: DNAT seen at FORWARD, ct none at PREROUTING, then nft's state; the ct mark once set"
assert_match "dport=80 src=$S dst=$C sport=8080 .*mark=42 " "$(cat $T/ct.tcp)" \
	"conntrack -L: the DNAT'd connection, its mark 42 (0x2a)"
assert_eq "$new" "$(grep -c NEW $T/events)" "conntrack -E: one NEW event per ct=new at FORWARD"

# --- JSON: the same records, read by python's json -----------------------------
python3 - $T/live.json > $T/json.txt <<'PY'
import json, sys
hooks = {"PREROUTING", "FORWARD", "POSTROUTING"}
for line in open(sys.argv[1]):
    r = json.loads(line)
    ct = r["ct"]
    st = [ct["state"]] + (["reply"] if ct.get("dir") == "reply" else []) + \
        (["snat"] if ct.get("snat") else []) + (["dnat"] if ct.get("dnat") else [])
    print("%s %d %s %s" % (r["hook"], r["packet_id"], ",".join(st),
                           "0x%x" % ct["mark"] if ct.get("mark") else "-"))
PY
sed -n 's/.* \(PREROUTING\|FORWARD\|POSTROUTING\) id=\([0-9]*\) .* ct=\([^ ]*\)\( ct_mark=\([^ ]*\)\)\? len=.*/\1 \2 \3 \5/p' \
	$T/live.txt | sed 's/ $/ -/' | sort > $T/text.ids
assert_eq "$(sort $T/json.txt)" "$(cat $T/text.ids)" "JSON: hook, packet_id, ct of every record, as text"

# --- pcapng: tshark and tcpdump ------------------------------------------------
tshark -r $T/c.pcapng -T fields -E separator=' ' -e frame.interface_name \
	-e frame.packet_id -e frame.comment 2>/dev/null |
	sed 's/^\([A-Z]*\) \([0-9]*\) .* ct=\([^ ]*\).*/\1 \2 \3/' | sort > $T/tshark.txt
assert_eq "$(cut -d' ' -f1-3 $T/text.ids | sort)" "$(cat $T/tshark.txt)" \
	"tshark: interface name, frame.packet_id, comment's ct of every packet, as text"
in_syn=$(grep -c " PREROUTING .* > $ROUTER4_C:80 " $T/live.txt)
assert_eq "$in_syn" "$(tcpdump -nr $T/c.pcapng 'tcp port 80' 2>/dev/null | wc -l)" \
	"tcpdump -r 'tcp port 80': the client's packets as they came in"
assert_ge 1 "$in_syn" "the client sent packets"

# --- -r: the same text as live -------------------------------------------------
$CAP -r $T/c.pcapng > $T/r.txt 2> $T/r.err || fail "-r: $(cat $T/r.err)"
assert_eq "$(sort $T/live.txt)" "$(sort $T/r.txt)" "-r prints the live text"

# --- the journey view: one line per packet, live and from -r ------------------
$CAP -r $T/c.pcapng --journey > $T/r.journey 2> $T/r.err || fail "-r --journey: $(cat $T/r.err)"
assert_eq "$(sort $T/live.journey)" "$(sort $T/r.journey)" "-r --journey prints the live journeys"
assert_eq "$(grep -o ' PREROUTING id=[0-9]*' $T/live.txt | sed 's/.*=//' | sort -n)" \
	"$(sed 's/^[^ ]* id=\([0-9]*\) .*/\1/' $T/live.journey | sort -n)" \
	"journey: one line per id the text shows"
out_tcp=$(grep -c " PREROUTING .* tcp $S:8080 > " $T/live.txt)
assert_eq "$in_syn tcp $C:C > $ROUTER4_C:80  PREROUTING eth0 (DNAT -> $S:8080) -> FORWARD -> POSTROUTING eth1
$out_tcp tcp $S:8080 > $C:C  PREROUTING eth1 -> FORWARD -> POSTROUTING eth0
2 udp $C:C > $S:9998  PREROUTING eth0 -> FORWARD -> POSTROUTING eth1
3 udp $C:C > $S:9999  PREROUTING eth0 -> FORWARD -> POSTROUTING eth1
3 udp $S:9999 > $C:C  PREROUTING eth1 -> FORWARD -> POSTROUTING eth0" \
	"$(sed -E "s/^[^ ]* id=[0-9]* //; s/ \[[^]]*\]  /  /; s/$C:[0-9]+/$C:C/g" $T/live.journey |
	   sort | uniq -c | sed 's/^ *//' | sort -k2)" \
	"journey: each packet's hooks, the DNAT at PREROUTING, one line each"
