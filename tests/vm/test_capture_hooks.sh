# SPDX-License-Identifier: GPL-2.0 OR MIT
# --hooks: packets come from the named hooks only, and from each of them;
# the NFLOG header records which one.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir

# capture NETNS HOOKS: 3 IPv4 pings client -> server, captured at HOOKS in
# NETNS; prints "hook count" per hook seen.
capture() {
	$CAP --netns /run/netns/$1 --hooks $2 -4 -F pcap -w $T/h.pcap icmp 2> $T/err &
	local cap=$!

	wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
	in_ns client ping -c 3 -i 0.1 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
	kill -INT $cap
	wait $cap || fail "capture at $2: exit $?"
	tshark -r $T/h.pcap -T fields -e nflog.hook 2>/dev/null | sort -n | uniq -c |
		awk '{ printf "%s:%s ", $2, $1 }'
}

# Requests and replies cross the router: 6 packets per routing hook.
assert_eq "2:6 " "$(capture router forward)" "router, forward"
assert_eq "0:6 4:6 " "$(capture router prerouting,postrouting)" "router, prerouting,postrouting"
assert_eq "0:6 2:6 4:6 " "$(capture router all)" "router, all"
assert_eq "0:6 2:6 4:6 " "$(capture router PREROUTING,forward,postrouting)" "router, names in any case"
# The server receives the requests (INPUT) and sends the replies (OUTPUT).
assert_eq "1:3 3:3 " "$(capture server input,output)" "server, input,output"
assert_eq "0:3 1:3 3:3 4:3 " "$(capture server all)" "server, all"
assert_eq "3:3 " "$(capture client output)" "client, output"

rc=0
$CAP --hooks input,bogus -c 1 2> $T/err || rc=$?
assert_eq 1 "$rc" "bad hook: exit status"
assert_match "--hooks: bad hook 'bogus'" "$(cat $T/err)" "bad hook: message"
