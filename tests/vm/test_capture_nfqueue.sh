# SPDX-License-Identifier: GPL-2.0 OR MIT
# Starting and stopping a capture never costs an NFQUEUE listener a packet
# (issue 11, defect 6). Unregistering a netfilter hook drops every packet
# NFQUEUE holds in the netns (nf_queue_nf_hook_drop()), so nftrace's hooks,
# once registered, stay until rmmod. An inline IPS is played by nfq_hold:
# it holds 20 UDP datagrams queued at INPUT while a capture of every hook,
# with --drops where the kernel has them, starts and stops, then accepts
# them. The oracles: the
# datagrams the receiving socket gets, and the verdicts the kernel refuses
# (ENOENT: the packet was dropped meanwhile).
#  - First capture since insmod: it registers the hooks. Nothing is lost.
#    The kernel re-queues each held packet once (nf_reinject() resumes at
#    a hook index that the new entry op has shifted), so the listener sees
#    each twice: what inserting any netfilter hook does, printed, not
#    asserted.
#  - Second capture: the hook tables do not change at all: exactly 20
#    queued, 20 verdicts, 20 delivered.
#  - rmmod with packets held does drop them: the kernel's price for
#    unloading any hook module, stated in the README; shown here.
. tests/vm/lib.sh

need_capture_tool
HOLD=tests/vm/nfq_hold
[ -x $HOLD ] || die "no $HOLD (make -C tests/vm)"
N=20
load_nftrace
mk_tmpdir
mk_ns nfq

in_ns nfq nft -f - <<'NFT' || die "ruleset"
table inet t {
	chain hin {
		type filter hook input priority 0;
		udp dport 9999 counter queue num 7
	}
}
NFT

# The receiving socket: prints "ready", then how many datagrams came
# within SECS seconds, or within a second after the Nth.
cat > $T/recv.py <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 9999))
s.settimeout(0.2)
print("ready", flush=True)
n, want = 0, int(sys.argv[1])
end = time.time() + int(sys.argv[2])
while time.time() < end:
    try:
        s.recv(100)
        n += 1
        if n == want:
            end = min(end, time.time() + 1)
    except socket.timeout:
        pass
print(n, flush=True)
PY

# round NAME ACTION [SECS]: N datagrams held while ACTION runs, then
# released; the receiver counts for at most SECS (60) seconds. Leaves
# "delivered queued verdicts refused" in $T/NAME.
round() {
	local name=$1 action=$2 secs=${3:-60} hold_pid recv_pid out

	in_ns_bg nfq python3 $T/recv.py $N $secs > $T/$name.recv
	recv_pid=$!
	in_ns_bg nfq $HOLD 7 $N > $T/$name.hold
	hold_pid=$!
	wait_for 30 grep -q ready $T/$name.recv || die "$name: receiver not ready after 30 s"
	wait_for 30 grep -q bound $T/$name.hold || die "$name: nfq_hold not bound after 30 s"
	in_ns nfq python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"held by an IPS", ("127.0.0.1", 9999))' $N
	wait_for 20 grep -q "held $N" $T/$name.hold || die "$name: nfq_hold holds $(cat $T/$name.hold)"

	$action

	kill -USR1 $hold_pid
	wait_for 10 grep -q released $T/$name.hold || die "$name: no release"
	wait $recv_pid
	kill -TERM $hold_pid
	wait $hold_pid
	out=$(tail -n 1 $T/$name.hold)
	echo "$name: delivered $(tail -n 1 $T/$name.recv); nfq_hold: $out"
	echo "$(tail -n 1 $T/$name.recv) $(val queued "$out") $(val verdicts "$out") $(val refused "$out")" > $T/$name
}

# --drops (its exit ops too) where the kernel can record drops (5.17+).
drops=
drop_reasons && drops=--drops

capture_start_stop() {
	$CAP -F pcap -w $T/cap.pcap --hooks all $drops 2> $T/cap.err &
	local pid=$!
	wait_for 20 grep -q "capturing at" $T/cap.err || die "capture did not start: $(cat $T/cap.err)"
	kill -INT $pid
	wait $pid
	assert_eq 0 $? "the capture exits 0"
}

round first capture_start_stop
read -r delivered queued verdicts refused < $T/first
assert_eq $N "$delivered" "first capture: held datagrams delivered"
assert_eq 0 "$refused" "first capture: verdicts refused (packets dropped)"
echo "first capture: the kernel re-queued $((queued - N)) of $N on hook insertion"

round second capture_start_stop
read -r delivered queued verdicts refused < $T/second
assert_eq $N "$delivered" "second capture: held datagrams delivered"
assert_eq 0 "$refused" "second capture: verdicts refused"
assert_eq $N "$queued" "second capture: packets queued (none re-queued)"
assert_eq $N "$verdicts" "second capture: verdicts"

# Two readers, one stopping while the other runs, then both gone.
two_readers() {
	$CAP -F pcap -w $T/a.pcap --hooks input 2> $T/a.err &
	local a=$!
	$CAP -F pcap -w $T/b.pcap --hooks prerouting,output $drops 2> $T/b.err &
	local b=$!
	wait_for 20 grep -q "capturing at" $T/a.err || die "reader a did not start"
	wait_for 20 grep -q "capturing at" $T/b.err || die "reader b did not start"
	kill -INT $b; wait $b
	kill -INT $a; wait $a
}
round third two_readers
read -r delivered queued verdicts refused < $T/third
assert_eq "$N $N $N 0" "$delivered $queued $verdicts $refused" \
	"two readers: delivered queued verdicts refused"

assert_eq $((3 * N + $(cat $T/first | cut -d' ' -f2) - N)) \
	"$(in_ns nfq nft list chain inet t hin | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')" \
	"nft: the queue rule's packets (each round's, and the first's re-queued)"

rmmod_held() {
	unload_nftrace
}
round rmmod rmmod_held 15
read -r delivered queued verdicts refused < $T/rmmod
echo "rmmod with $N held: $delivered delivered, $refused verdicts refused (the kernel's price of unloading a hook)"
