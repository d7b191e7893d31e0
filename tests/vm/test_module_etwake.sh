# SPDX-License-Identifier: GPL-2.0
# Edge-triggered epoll (EPOLLET) on an mmap reader and on a text reader,
# each drained after every event and never polled otherwise, under a
# trickle of 10 pings a second for 4 s: an event for nearly every ping
# (>= 30 of 40), and exactly the packets nftables counted at INPUT read.
# The trickle stays below the default wakeup_bytes (the timer wakes);
# "watermark" sets wakeup_bytes to 8, so that the hooks' wakeup does.
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
load_nftrace
mk_ns et
hook_counters et


for mode in mmap text watermark; do
	out=/tmp/etwake.$mode
	case $mode in
	watermark) args=(mmap /run/netns/et 60 8) ;;
	*) args=($mode /run/netns/et 60) ;;
	esac
	$CHECK etwake "${args[@]}" > $out 2>&1 &
	pid=$!
	wait_for 5 grep -q started $out || die "$mode: etwake did not start"
	before=$(nft_counter -n et ip t c_in)
	in_ns et ping -c 40 -i 0.1 -q 127.0.0.1 > /dev/null ||
		fail "$mode: ping"
	after=$(nft_counter -n et ip t c_in)
	# Until every packet counted is in a ring, however slow the guest.
	sleep 0.5
	kill -INT $pid
	wait $pid || fail "$mode: etwake exited $?"
	cat $out
	res=$(tail -n1 $out)
	assert_ge 30 "$(val events "$res")" "$mode: EPOLLET events for 40 pings"
	assert_eq $((after - before)) "$(val records "$res")" \
		"$mode: records read vs nft counter at INPUT"
	assert_eq 0 "$(val lost "$res")" "$mode: records lost"
	# The oldest unread record's age at each event, median (mmap only):
	# the trickle timer wakes within 100 ms (50 ms ticks); the hooks'
	# wakeup at the next tick (lazy irq_work), ~4 ms here.
	case $mode in
	mmap) assert_le 100 "$(val median_wake_ms "$res")" "$mode: median wake, ms" ;;
	watermark) assert_le 15 "$(val median_wake_ms "$res")" "$mode: median wake, ms" ;;
	esac
done
