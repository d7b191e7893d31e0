# SPDX-License-Identifier: GPL-2.0
# CPU ids that no CPU is present at (issue 11, defect 9): booted with
# possible_cpus=8 on 2 vCPUs (make -C tests/vm check does), a reader has
# eight rings, as the ABI has one per CPU id, but only the two present
# CPUs' hold data pages: the reader's memory cgroup is charged for two
# 4 MiB rings, not eight (32 MiB before). The capture still maps and
# drains all eight and holds exactly the packets the nft counter counts.
# Not a test_*.sh: it needs its own boot.
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
assert_eq 0-7 "$(cat /sys/devices/system/cpu/possible)" "possible CPUs (possible_cpus=8)"
assert_eq 0-1 "$(cat /sys/devices/system/cpu/present)" "present CPUs"
load_nftrace
mk_tmpdir
mk_memcg absent
mk_ns absent
hook_counters absent

base=$(memcg_kernel_kb)
"${IN_CG[@]}" $CHECK capture 8 -h 2 -f 1 -B 4194304 -n /run/netns/absent > $T/out &
pid=$!
wait_for 10 grep -q started $T/out || die "the reader did not start"
charged=$(($(memcg_kernel_kb) - base))
echo "charged to the reader's cgroup: $charged kB"
# Two rings of a producer page and 1024 data pages (4100 kB), six of two
# pages (48 kB), the consumer slots, the reader: the rest is slack.
assert_ge 8200 "$charged" "kB charged: at least two full rings"
assert_le $((8200 + 1024)) "$charged" "kB charged: no more than two full rings"

in_ns absent ping -c 10 -i 0.1 -q 127.0.0.1 > /dev/null
wait $pid
assert_eq 0 $? "nftrace_check capture's own checks"
out=$(tail -n 1 $T/out)
echo "$out"
assert_eq "$(nft_counter -n absent ip t c_in)" "$(val records "$out")" "records at INPUT = the nft counter"
assert_eq "0 0 0" "$(val dropped "$out") $(val lost_seen "$out") $(val bad "$out")" \
	"dropped, lost, bad records"
