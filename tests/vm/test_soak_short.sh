# SPDX-License-Identifier: GPL-2.0
# Soak, short: 50 000 UDP datagrams at full rate (fuzz_dev flood:
# sendmmsg on lo, in a namespace of their own) while two mmap readers
# (nftrace_check capture) take them at once: A at every hook with 1 MiB
# rings, B at OUTPUT only with 64 KiB rings drained every 20 ms, so that
# it drops. For each reader nftrace_check checks that the records it read
# are the kernel's "captured" and that the gaps in their sequence numbers
# are its "dropped"; here captured + dropped must equal what nftables
# counted at the same hooks, and every datagram must have been counted.
#
#   NFTRACE_SOAK_PACKETS=N  datagrams (50 000; stress_soak.sh: 10 million)
#
# stress_soak.sh sources this file with SOAK_PACKETS of its own; past
# 200 000 datagrams a first, short round measures the rate, from which the
# capture window of the long one is set.
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
FUZZ=tests/vm/fuzz_dev
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
[ -x $FUZZ ] || die "no $FUZZ (make -C tests/vm)"
packets=${NFTRACE_SOAK_PACKETS:-${SOAK_PACKETS:-50000}}
T=$(mktemp -d)
at_exit rm -rf "$T"

load_nftrace
mk_ns soak
hook_counters soak

counters() {
	local c

	for c in c_pre c_in c_out c_post; do
		nft_counter -n soak ip t $c
	done | tr '\n' ' '
}
reset_counters() {
	in_ns soak nft reset counters table ip t > /dev/null
}

# round NAME PACKETS WINDOW: both readers for WINDOW seconds, PACKETS
# datagrams flooded in chunks of at most a million, then the accounting.
# Sets $pps to the flood's overall rate.
round() {
	local name=$1 n=$2 window=$3 left chunk t0 t1 secs r a b pre in out post

	reset_counters
	$CHECK capture "$window" -h 0x1f -f 1 -n /run/netns/soak > "$T/a" &
	a=$!
	$CHECK capture "$window" -h 8 -f 1 -B 65536 -d 20 -n /run/netns/soak > "$T/b" &
	b=$!
	wait_for 10 grep -q started "$T/a" || die "$name: reader A did not start"
	wait_for 10 grep -q started "$T/b" || die "$name: reader B did not start"
	t0=$(date +%s.%N)
	left=$n
	while [ "$left" -gt 0 ]; do
		chunk=$((left < 1000000 ? left : 1000000))
		r=$(in_ns soak $FUZZ flood 127.0.0.1 9999 $chunk) || die "$name: flood: $r"
		left=$((left - chunk))
		echo "$name: $r ($((n - left)) of $n)"
	done
	t1=$(date +%s.%N)
	secs=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
	pps=$(awk "BEGIN { printf \"%d\", $n / ($t1 - $t0) }")
	echo "$name: $n datagrams in $secs s: $pps per second"
	assert_eq 1 "$(awk "BEGIN { print ($secs < $window - 1) }")" \
		"$name: the flood ended within the capture window (${window}s)"
	wait $a || fail "$name: reader A: nftrace_check exit $? ($(tail -n1 "$T/a"))"
	wait $b || fail "$name: reader B: nftrace_check exit $? ($(tail -n1 "$T/b"))"
	a=$(tail -n1 "$T/a")
	b=$(tail -n1 "$T/b")
	echo "$name: A (all hooks, 1 MiB): $a"
	echo "$name: B (OUTPUT, 64 KiB, slow): $b"
	read -r pre in out post <<< "$(counters)"
	echo "$name: nft counted prerouting $pre input $in output $out postrouting $post"
	assert_eq "$n" "$out" "$name: datagrams nft counted at OUTPUT"
	assert_eq "$n" "$post" "$name: datagrams nft counted at POSTROUTING"
	assert_eq "$((pre + in + out + post))" \
		"$(($(val captured "$a") + $(val dropped "$a")))" \
		"$name: A: captured + dropped vs nft at 4 hooks"
	assert_eq "$((pre + in + out + post))" "$(val seen "$a")" "$name: A: seen vs nft"
	assert_eq "$(val captured "$a")" "$(val records "$a")" "$name: A: records read = captured"
	assert_eq "$(val dropped "$a")" "$(val lost_seen "$a")" "$name: A: sequence gaps = dropped"
	assert_eq "$out" "$(($(val captured "$b") + $(val dropped "$b")))" \
		"$name: B: captured + dropped vs nft at OUTPUT"
	assert_eq "$(val captured "$b")" "$(val records "$b")" "$name: B: records read = captured"
	assert_eq "$(val dropped "$b")" "$(val lost_seen "$b")" "$name: B: sequence gaps = dropped"
	assert_ge 1 "$(val dropped "$b")" "$name: B, the slow reader, dropped"
	assert_eq 00 "$(val bad "$a")$(val bad "$b")" "$name: malformed records (A, B)"
}

if [ "$packets" -gt 200000 ]; then
	# A first round of 100 000 to measure the rate under capture.
	round calibrate 100000 20
	window=$(( packets / pps * 2 + 30 ))
else
	window=20
fi
start=$SECONDS
round soak "$packets" "$window"
echo "soak: $packets datagrams, $((SECONDS - start)) s for the round (capture window ${window}s)"
