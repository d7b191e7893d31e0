# SPDX-License-Identifier: GPL-2.0 OR MIT
# The live count, as tcpdump -w shows it: "Got N" on stderr when stderr is
# a terminal (a pty from script(1) here), ending on the final count and a
# newline before the statistics; never with -q, with stderr not a
# terminal, or with the pcap going to stdout.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir
command -v script > /dev/null || die "no script(1) (bsdutils)"

# Echo requests every 50 ms, for as long as the test runs.
in_ns client ping -i 0.05 -q $SERVER4 > /dev/null &

# on_tty LOG CMD: CMD with its stdin, stdout and stderr on a pty; the
# terminal's output (CR LF for each newline) lands in LOG.
on_tty() {
	local log=$1

	shift
	timeout 60 script -qec "$*" "$log" > /dev/null < /dev/null
}

capture="$CAP --netns /run/netns/router --hooks forward -4 -c 20"

rc=0
on_tty $T/tty.log "$capture -F pcap -w $T/l.pcap" || rc=$?
assert_eq 0 "$rc" "on a tty: exit status"
assert_eq 20 "$(tshark -r $T/l.pcap 2>/dev/null | wc -l)" "on a tty: packets in the pcap"
# Each update rewrites the line: "\rGot N".
counts=$(tr '\r' '\n' < $T/tty.log | sed -n 's/^Got \([0-9]*\)$/\1/p')
echo "live counts: $(echo $counts)"
assert_ge 2 "$(wc -w <<< "$counts")" "on a tty: the count was updated while capturing (every 200 ms over ~1 s)"
assert_eq 20 "$(tail -n1 <<< "$counts")" "on a tty: the last count is the final one"
sorted=$(sort -n <<< "$counts" | tr '\n' ' ')
assert_eq "$sorted" "$(tr '\n' ' ' <<< "$counts")" "on a tty: the count never goes down"
# The statistics start on a line of their own, after the count.
assert_match $'Got 20\r\n20 packets captured' "$(cat $T/tty.log)" \
	"on a tty: a newline ends the count before the statistics"

on_tty $T/q.log "$capture -q -F pcap -w $T/q.pcap"
assert_eq 0 "$(grep -c Got $T/q.log)" "-q: no live count"

on_tty $T/redir.log "$capture -F pcap -w $T/r.pcap 2> $T/redir.err"
assert_eq 0 "$(grep -c Got $T/redir.log $T/redir.err | awk -F: '{ s += $2 } END { print s }')" \
	"stderr not a tty: no live count"
assert_match '20 packets captured' "$(cat $T/redir.err)" "stderr not a tty: statistics still there"

on_tty $T/stdout.log "$capture -w - > $T/s.pcap"
assert_eq 0 "$(grep -c Got $T/stdout.log)" "-w -: no live count"
assert_eq 20 "$(tshark -r $T/s.pcap 2>/dev/null | wc -l)" "-w -: packets in the pcap on stdout"
