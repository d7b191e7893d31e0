# SPDX-License-Identifier: GPL-2.0
# Two tasks on one CPU write the same ring: a UDP flood (SCHED_OTHER) and a
# fast ping (SCHED_FIFO, preempting the flood wherever its timer fires),
# both pinned to CPU 0, both sending from process context through OUTPUT.
# Outside PREEMPT_RT, bottom halves off keep them apart; on PREEMPT_RT
# without CONFIG_PREEMPT_RT_NEEDS_BH_LOCK (6.18+) only nftrace's per-CPU
# local lock does. Every record must be whole: the mmap reader's records
# equal the kernel's captured count, its sequence gaps the dropped count,
# and captured + dropped what an nft counter at OUTPUT counted.
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
FUZZ=tests/vm/fuzz_dev
[ -x $CHECK ] && [ -x $FUZZ ] || die "no $CHECK or $FUZZ (make -C tests/vm)"
load_nftrace
mk_ns share
mk_tmpdir
in_ns share nft -f - <<'NFT' || die "nft ruleset"
table ip t {
	counter c_out {}
	chain hout { type filter hook output priority 0; counter name "c_out"; }
}
NFT
echo "kernel $(uname -r), PREEMPT_RT: $(grep -c PREEMPT_RT /proc/version 2>/dev/null || echo 0)"

# OUTPUT (bit 3), IPv4, this netns, 4 MiB rings drained every 5 ms, for
# 40 s: the senders are done long before.
$CHECK capture 40 -h 8 -f 1 -B 4194304 -d 5 -n /run/netns/share > $T/cap &
cap=$!
wait_for 5 grep -q started $T/cap || die "capture did not start"

in_ns share taskset -c 0 $FUZZ flood 127.0.0.1 9 200000 > $T/flood 2>&1 &
flood=$!
in_ns share chrt -f 50 taskset -c 0 ping -q -i 0.0002 -c 10000 127.0.0.1 > $T/ping 2>&1 &
pinger=$!
wait $flood || fail "the flood: $(cat $T/flood)"
wait $pinger
wait $cap || fail "nftrace_check capture: exit $? ($(tail -n 3 $T/cap))"
r=$(tail -n1 $T/cap)
echo "$r"
counted=$(nft_counter -n share ip t c_out)
# 200000 datagrams, 10000 echo requests and 10000 replies.
assert_ge 210000 "$counted" "nft counted the flood and the pings at OUTPUT"
assert_eq "$counted" "$(val seen "$r")" "seen vs nft counter"
assert_eq "$counted" "$(($(val captured "$r") + $(val dropped "$r")))" "captured + dropped vs nft counter"
assert_eq "$(val captured "$r")" "$(val records "$r")" "every captured record read back"
assert_eq 0 "$(val bad "$r")" "records that do not parse"
