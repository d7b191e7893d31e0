# SPDX-License-Identifier: GPL-2.0
# 100 cycles of: insmod; readers of every kind (an mmap reader of every
# namespace, cat /dev/nftrace, nftrace-capture -w on odd cycles, an mmap
# reader of a namespace that is about to go, and two readers blocked in
# read, poll, epoll_wait or select on a quiet namespace); a namespace born
# mid-capture, traffic in it and through a veth pair into it; the
# interface, then the namespace, deleted under the traffic; the blocked
# readers ended by SIGTERM or SIGKILL, the others by SIGKILL; every tenth
# cycle, readers blocked in each call woken by a STOP from another thread
# (fuzz_dev stopwake); rmmod. After each cycle: module refcount 0, no
# vmap of nftrace left, rmmod succeeds. After all: nothing charged to the
# readers' memory cgroup, Slab and VmallocUsed back near where they were.
# No splat (tools/vm/run).
#
#   NFTRACE_CYCLES=N    cycles (100)
#   NFTRACE_HOLD_KEYS=0 let the netfilter static keys flip (see below)
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
FUZZ=tests/vm/fuzz_dev
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
[ -x $FUZZ ] || die "no $FUZZ (make -C tests/vm)"
[ -x $CAP ] || echo "no $CAP (make user): its cycles use nftrace_check instead"
cycles=${NFTRACE_CYCLES:-100}
T=$(mktemp -d)
at_exit rm -rf "$T"

mk_memcg stress_lifecycle
hung_task_timeout 60
hold_static_keys

unload_nftrace
mk_ns lc_quiet
settle
mem_baseline

hows=(read poll epoll select)
good=0 stopwakes=0 start=$SECONDS
for i in $(seq "$cycles"); do
	insmod "$NFTRACE_KO" || { fail "cycle $i: insmod"; break; }
	wait_for 2 test -c $NFTRACE_DEV || { fail "cycle $i: no $NFTRACE_DEV"; break; }

	"${IN_CG[@]}" $CHECK capture 60 > "$T/all" 2>&1 &
	all=$!
	"${IN_CG[@]}" cat $NFTRACE_DEV > /dev/null &
	text=$!
	if [ -x $CAP ] && [ $((i % 2)) = 1 ]; then
		"${IN_CG[@]}" $CAP --netns all -q -F pcap -w "$T/c.pcap" 2> "$T/tool" &
	else
		"${IN_CG[@]}" $CHECK capture 60 -B 65536 -d 50 > "$T/tool" 2>&1 &
	fi
	tool=$!
	how1=${hows[$((i % 4))]} how2=${hows[$(((i + 1) % 4))]}
	"${IN_CG[@]}" $FUZZ block $how1 /run/netns/lc_quiet > "$T/blk1" 2>&1 &
	blk1=$!
	"${IN_CG[@]}" $FUZZ block $how2 /run/netns/lc_quiet > "$T/blk2" 2>&1 &
	blk2=$!
	wait_for 10 grep -q started "$T/all" || fail "cycle $i: mmap reader did not start: $(cat "$T/all")"
	wait_for 10 grep -q blocked "$T/blk1" || fail "cycle $i: $how1 reader did not block: $(cat "$T/blk1")"
	wait_for 10 grep -q blocked "$T/blk2" || fail "cycle $i: $how2 reader did not block: $(cat "$T/blk2")"

	# A namespace born mid-capture, a reader of it alone, traffic in it
	# and through a veth pair into it; then the interface and the
	# namespace go away under the traffic.
	ns=lc$i
	ip netns add $ns
	ip -n $ns link set lo up
	ip link add lc0 type veth peer name lc1 netns $ns
	ip addr add 10.11.88.1/24 dev lc0
	ip link set lc0 up
	ip -n $ns addr add 10.11.88.2/24 dev lc1
	ip -n $ns link set lc1 up
	"${IN_CG[@]}" $CHECK capture 60 -n /run/netns/$ns > "$T/ns" 2>&1 &
	nsr=$!
	wait_for 10 grep -q started "$T/ns" || fail "cycle $i: reader of $ns did not start: $(cat "$T/ns")"
	ping -q -w 2 -i 0.002 10.11.88.2 > /dev/null 2>&1 &
	p1=$!
	ip netns exec $ns ping -q -w 2 -f 127.0.0.1 > /dev/null 2>&1 &
	p2=$!
	ping -q -c 20 -i 0.01 127.0.0.1 > /dev/null &
	p3=$!
	sleep 0.3
	ip link del lc0 || fail "cycle $i: ip link del lc0"
	ip netns del $ns || fail "cycle $i: ip netns del $ns"
	wait $p1 $p2 $p3

	# Blocked readers: still blocked, then one ended by SIGTERM (its call
	# is interrupted), the other by SIGKILL; every other reader SIGKILL.
	for b in "$T/blk1" "$T/blk2"; do
		if grep -q returned "$b"; then
			fail "cycle $i: a blocked reader woke up: $(cat "$b")"
		fi
	done
	kill -TERM $blk1
	kill -9 $blk2 $all $text $tool $nsr
	wait $blk1 $blk2 $all $text $tool $nsr 2>/dev/null

	if [ $((i % 10)) = 0 ]; then
		out=$("${IN_CG[@]}" $FUZZ stopwake 4 /run/netns/lc_quiet 2>&1) ||
			fail "cycle $i: fuzz_dev stopwake: $out"
		echo "cycle $i: $out"
		stopwakes=$((stopwakes + 4))
	fi

	wait_for 5 module_refcnt_is 0 ||
		fail "cycle $i: refcount $(cat /sys/module/nftrace/refcnt) after every reader went"
	n=$(nftrace_vmaps)
	[ "$n" = 0 ] || fail "cycle $i: $n nftrace vmaps left after every reader went"
	rmmod nftrace || { fail "cycle $i: rmmod"; break; }
	good=$((good + 1))
	[ $((i % 10)) = 0 ] && echo "cycle $i: $((SECONDS - start)) s so far"
done
elapsed=$((SECONDS - start))
assert_eq "$cycles" "$good" "cycles of insmod, capture, traffic, kill, rmmod"
echo "lifecycle: $good cycles in ${elapsed} s, $stopwakes blocked readers woken by STOP"

wait_for 30 memcg_pages_settled 0
assert_eq 0 "$(memcg_kernel_pages)" "kernel pages still charged to the readers' cgroup"
assert_le 512 "$(memcg_slab_kb)" "kB of slab objects still charged to the readers' cgroup"
settle 3
assert_mem_growth
