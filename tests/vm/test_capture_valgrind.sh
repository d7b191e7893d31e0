# SPDX-License-Identifier: GPL-2.0 OR MIT
# nftrace-capture under valgrind memcheck, against the real device: a
# capture with -w to a file and a filter that stops after -c packets, one
# in text mode, one stopped by SIGINT under a TCP flow, one with -v (per
# CPU statistics). Each must exit 0 with a clean valgrind report: no
# invalid access, no uninitialised byte used or handed to the kernel, no
# definite, indirect or possible leak (--leak-check=full
# --error-exitcode=1).
. tests/vm/lib.sh

need_capture_tool
command -v valgrind > /dev/null || die "no valgrind (apt-get install valgrind)"
load_nftrace
mk_topology
mk_tmpdir

VG=(valgrind --error-exitcode=97 --leak-check=full
    --errors-for-leak-kinds=definite,indirect,possible
    --show-leak-kinds=definite,indirect,possible --track-origins=yes)

# vg NAME CMD...: CMD under valgrind; its exit status and valgrind's say.
vg() {
	local name=$1 rc=0

	shift
	timeout -s INT -k 10 240 "${VG[@]}" --log-file="$T/$name.vg" "$@" \
		> "$T/$name.out" 2> "$T/$name.err" || rc=$?
	vg_check "$name" "$rc"
}

vg_check() { # NAME RC
	local summary

	summary=$(grep 'ERROR SUMMARY' "$T/$1.vg")
	echo "$1: ${summary#==*== }"
	assert_match "ERROR SUMMARY: 0 errors" "$summary" "$1: valgrind errors"
	assert_eq 0 "$2" "$1: exit status under valgrind"
	if [ "$2" != 0 ] || ! [[ $summary =~ "ERROR SUMMARY: 0 errors" ]]; then
		cat "$T/$1.vg" "$T/$1.err"
	fi
}

stat_of() { # NAME WHAT
	sed -n "s/^\([0-9]*\) packets $2\$/\1/p" "$T/$1.err"
}

# Echo requests every 50 ms through the router, all along.
in_ns client ping -i 0.05 -q $SERVER4 > /dev/null &

# -w to a file, a filter, -c: stops by itself.
vg pcap $CAP --netns /run/netns/router --hooks forward -4 -c 20 \
	-F pcap -w "$T/v.pcap" 'icmp[icmptype] == icmp-echo'
assert_eq 20 "$(stat_of pcap captured)" "pcap: packets captured"
assert_eq 20 "$(tcpdump -n -r "$T/v.pcap" 2>/dev/null | wc -l)" "pcap: packets in the file"

# Text, with a filter.
vg text $CAP --netns /run/netns/router -c 10 'icmp or udp'
assert_eq 10 "$(wc -l < "$T/text.out")" "text: lines on stdout"
assert_eq 10 "$(grep -c ' icmp ' "$T/text.out")" "text: ICMP lines"

# SIGINT under a TCP flow, everything kept (-s 0), -w to a file.
"${VG[@]}" --log-file="$T/sigint.vg" $CAP --netns /run/netns/router -s 0 \
	-F pcap -w "$T/s.pcap" 'tcp' > "$T/sigint.out" 2> "$T/sigint.err" &
cap=$!
wait_for 120 grep -q "capturing at" "$T/sigint.err" || fail "sigint: capture did not start: $(cat "$T/sigint.err")"
tcp_send client server $SERVER4 200000
kill -INT $cap
rc=0
wait $cap || rc=$?
vg_check sigint "$rc"
assert_ge 20 "$(stat_of sigint captured)" "sigint: packets captured"
assert_eq "$(stat_of sigint captured)" "$(tcpdump -n -r "$T/s.pcap" 2>/dev/null | wc -l)" \
	"sigint: packets in the file = captured"

# -v: the configuration and per-CPU statistics.
vg verbose $CAP --netns /run/netns/router -v -c 5 -F pcap -w "$T/v2.pcap" 'icmp'
assert_eq 5 "$(stat_of verbose captured)" "verbose: packets captured"
