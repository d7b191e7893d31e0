# SPDX-License-Identifier: GPL-2.0
# The syscall fuzzer (tests/vm/fuzz_dev.c) on /dev/nftrace for 20 s while
# packets flow: every call returns (fuzz_dev's watchdog; the harness's
# timeout behind it), no invariant breaks, nothing splats (tools/vm/run),
# and nothing leaks: once the fuzzer has exited no vmap of nftrace is left,
# the module's refcount is 0, the kernel memory charged to the fuzzer's
# cgroup is given back, Slab and VmallocUsed are back near where they were
# and rmmod succeeds.
#
#   NFTRACE_FUZZ_SEED=N     the seed (default 1; stress_fuzz_dev.sh: random)
#   NFTRACE_FUZZ_SECS=N     seconds of fuzzing (20; stress_fuzz_dev.sh: 120)
#   NFTRACE_FUZZ_THREADS=N  fuzzing threads (3; stress_fuzz_dev.sh: 4)
#   NFTRACE_HOLD_KEYS=0     let the netfilter static keys flip (see below)
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

# Memory, once deferred frees (RCU, netns cleanup, fput) have run and
# caches and empty slabs are given back.
settle() {
	sleep "${1:-2}"
	echo 3 > /proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f"
	done 2>/dev/null
}
meminfo_kb() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}
nftrace_vmaps() {
	grep -c '\[nftrace\]' /proc/vmallocinfo
}

# The fuzzer runs in a memory cgroup of its own: the rings, the readers
# and whatever else the kernel allocates for it with __GFP_ACCOUNT are
# charged there, and must be uncharged once it has gone.
cg=/sys/fs/cgroup
mountpoint -q $cg || mount -t cgroup2 none $cg || die "mount cgroup2"
echo +memory > $cg/cgroup.subtree_control || die "memory controller"
cg=$cg/fuzz_dev
mkdir -p $cg || die "mkdir $cg"
at_exit rmdir $cg
memcg_kernel_kb() {
	awk '$1 == "kernel" { print int($2 / 1024) }' $cg/memory.stat
}
memcg_settled() { # MAX_KB
	settle 1
	[ "$(memcg_kernel_kb)" -le "$1" ]
}

# A call that sleeps in the kernel this long is reported by the kernel
# too (hung task: a splat), not only by fuzz_dev's watchdog.
hung=/proc/sys/kernel/hung_task_timeout_secs
at_exit sh -c "echo $(cat $hung) > $hung"
echo 60 > $hung

# Under qemu's multi-threaded TCG a CPU that runs through a netfilter
# static branch while another CPU rewrites it (the nf_hooks_needed keys
# flip when the first hook of a family and hook point comes or the last
# goes) can go on executing the stale int3 for good: a soft lockup at
# ip_local_deliver+0x5c that real hardware cannot have (TESTING.md).
# The fuzzer starts and stops readers hundreds of times a second. Unless
# NFTRACE_HOLD_KEYS=0, a base chain at every hook holds the keys up:
# nftrace still registers and unregisters its hooks, but no code is
# rewritten.
if [ "${NFTRACE_HOLD_KEYS:-1}" = 1 ]; then
	nft -f - <<'NFT' || die "nft: the table that holds the static keys"
table inet nftrace_hold {
	chain h_pre { type filter hook prerouting priority 0; }
	chain h_in { type filter hook input priority 0; }
	chain h_fwd { type filter hook forward priority 0; }
	chain h_out { type filter hook output priority 0; }
	chain h_post { type filter hook postrouting priority 0; }
}
NFT
	at_exit nft delete table inet nftrace_hold
fi

load_nftrace
mk_ns fuzz_quiet	# readers of it wait: nothing happens there
mk_ns fuzz_busy
settle
slab0=$(meminfo_kb Slab) sunr0=$(meminfo_kb SUnreclaim) vmalloc0=$(meminfo_kb VmallocUsed)
echo "before: Slab ${slab0} kB, SUnreclaim ${sunr0} kB, VmallocUsed ${vmalloc0} kB"

# Traffic: a ping flood in fuzz_busy, IPv6 pings in this namespace (and
# the fuzzer's own UDP).
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
FUZZ_HANG_SECS=45 timeout -k 10 $((secs + 240)) \
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh $cg \
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

# Leaks: no file, no ring, no charge left behind.
wait_for 5 test "$(cat /sys/module/nftrace/refcnt)" = 0
assert_eq 0 "$(cat /sys/module/nftrace/refcnt)" "module refcount once the fuzzer is gone"
assert_eq 0 "$(nftrace_vmaps)" "nftrace vmaps left in /proc/vmallocinfo"
wait_for 30 memcg_settled 512
assert_le 512 "$(memcg_kernel_kb)" "kB of kernel memory still charged to the fuzzer's cgroup"
settle 3
slab=$(meminfo_kb Slab) sunr=$(meminfo_kb SUnreclaim) vmalloc=$(meminfo_kb VmallocUsed)
echo "after: Slab ${slab} kB, SUnreclaim ${sunr} kB, VmallocUsed ${vmalloc} kB"
assert_le 4096 $((slab - slab0)) "Slab growth, kB"
assert_le 2048 $((sunr - sunr0)) "SUnreclaim growth, kB"
assert_le 1024 $((vmalloc - vmalloc0)) "VmallocUsed growth, kB"
expect_ok "rmmod after the fuzzer" rmmod nftrace
