# SPDX-License-Identifier: GPL-2.0
# The syscall fuzzer (tests/vm/fuzz_dev.c) on /dev/nftrace for 20 s while
# packets flow: every call returns (fuzz_dev's watchdog; the harness's
# timeout behind it), no invariant breaks, nothing splats (tools/vm/run),
# and nothing leaks: once the fuzzer has exited no vmap of nftrace is left,
# the module's refcount is 0, no kernel page and no slab object stays
# charged to the fuzzer's cgroup, Slab and VmallocUsed are back near where
# they were and rmmod succeeds.
#
#   NFTRACE_FUZZ_SEED=N     the seed (default 1; stress_fuzz_dev.sh: random)
#   NFTRACE_FUZZ_SECS=N     seconds of fuzzing (20; stress_fuzz_dev.sh: 120)
#   NFTRACE_FUZZ_THREADS=N  fuzzing threads (3; stress_fuzz_dev.sh: 4)
#   NFTRACE_HOLD_KEYS=0     let the netfilter static keys and the kfree_skb
#                           tracepoint flip (lib.sh: hold_static_keys,
#                           hold_drop_probe)
#   NFTRACE_SLOW=N          a guest N times slower (lib.sh): the hang
#                           watchdog, the hung-task detector and the
#                           timeout N times longer
#
# stress_fuzz_dev.sh sources this file with FUZZ_* defaults of its own and
# FUZZ_CHURN=1: namespaces and interfaces come and go during the run.
. tests/vm/lib.sh

FUZZ=tests/vm/fuzz_dev
[ -x $FUZZ ] || die "no $FUZZ (make -C tests/vm)"
seed=${NFTRACE_FUZZ_SEED:-${FUZZ_SEED:-1}}
secs=${NFTRACE_FUZZ_SECS:-${FUZZ_SECS:-20}}
threads=${NFTRACE_FUZZ_THREADS:-${FUZZ_THREADS:-3}}
churn=${FUZZ_CHURN:-0}
T=$(mktemp -d)
at_exit rm -rf "$T"

mk_memcg fuzz_dev
hung_task_timeout $((60 * SLOW))
hold_static_keys

load_nftrace
hold_drop_probe
mk_ns fuzz_quiet	# readers of it wait: nothing happens there
mk_ns fuzz_busy
settle
mem_baseline

# Traffic: a ping flood in fuzz_busy, IPv6 pings in this namespace (and
# the fuzzer's own UDP). Every other echo reply in fuzz_busy is dropped at
# INPUT, for the readers that record drops.
in_ns fuzz_busy nft -f - <<'NFT' || die "fuzz_busy: the drop rule"
table ip fuzz_drop {
	chain h_in {
		type filter hook input priority 0;
		icmp type echo-reply numgen inc mod 2 == 0 drop
	}
}
NFT
in_ns_bg fuzz_busy ping -f -q 127.0.0.1 > /dev/null
ping_busy=$!
ping -6 -q -i 0.002 ::1 > /dev/null &
ping_root=$!

# With FUZZ_CHURN: namespaces born and deleted, and a veth pair that goes
# away under its traffic, over and over.
churner=
if [ "$churn" = 1 ]; then
	(
		n=0
		while :; do
			n=$((n + 1))
			ip netns add fz_churn
			ip -n fz_churn link set lo up
			ip link add fz0 type veth peer name fz1 netns fz_churn
			ip addr add 10.11.77.1/24 dev fz0
			ip link set fz0 up
			ip -n fz_churn addr add 10.11.77.2/24 dev fz1
			ip -n fz_churn link set fz1 up
			ping -q -c 200 -i 0.002 10.11.77.2 > /dev/null 2>&1 &
			ip netns exec fz_churn ping -q -c 50 -i 0.002 127.0.0.1 > /dev/null &
			sleep 0.3
			ip link del fz0
			ip netns del fz_churn
			wait
			echo $n > "$T/churned"
		done
	) &
	churner=$!
fi

echo "fuzz_dev $seed $secs $threads (replay: NFTRACE_FUZZ_SEED=$seed NFTRACE_FUZZ_SECS=$secs NFTRACE_FUZZ_THREADS=$threads)"
rc=0
FUZZ_HANG_SECS=$((45 * SLOW)) timeout -k 10 $((secs + 240 * SLOW)) \
	"${IN_CG[@]}" \
	$FUZZ "$seed" "$secs" "$threads" > "$T/out" 2>&1 || rc=$?
cat "$T/out"
assert_eq 0 "$rc" "fuzz_dev $seed $secs $threads: exit status"
assert_match "seed=$seed passed" "$(tail -n1 "$T/out")" "fuzz_dev's verdict"

if [ -n "$churner" ]; then
	kill $churner
	wait $churner 2>/dev/null
	ip link del fz0 2>/dev/null
	ip netns del fz_churn 2>/dev/null
	echo "churn: $(cat "$T/churned" 2>/dev/null || echo 0) namespaces and veth pairs came and went"
fi
kill $ping_busy $ping_root
wait $ping_busy $ping_root 2>/dev/null
release_drop_probe

# Leaks: no file, no ring, no charge left behind.
wait_for 5 module_refcnt_is 0
assert_eq 0 "$(cat /sys/module/nftrace/refcnt)" "module refcount once the fuzzer is gone"
assert_eq 0 "$(nftrace_vmaps)" "nftrace vmaps left in /proc/vmallocinfo"
# Every kernel page the fuzzer had charged (rings, vmalloc'd arrays, page
# tables, stacks) is given back, counted page by page. A namespace its
# children made is torn down later, by a workqueue (cleanup_net), and
# stays charged until then: slow on PREEMPT_RT under TCG, so up to 180 s
# there. memory.stat's "kernel" is no oracle for this: on 7.2-rt it kept
# 0.9 to 2.6 MB (charges cached per CPU) with no page charged.
settle_secs=90
[ "$(uname -v | grep -c PREEMPT_RT)" = 1 ] && settle_secs=180
wait_for $settle_secs memcg_pages_settled 0
left=$(memcg_kernel_pages)
[ "$left" = 0 ] || memcg_kernel_pages -v > /dev/null
assert_eq 0 "$left" "kernel pages still charged to the fuzzer's cgroup"
assert_le 512 "$(memcg_slab_kb)" "kB of slab objects still charged to the fuzzer's cgroup"
settle 3
assert_mem_growth
expect_ok "rmmod after the fuzzer" rmmod nftrace
