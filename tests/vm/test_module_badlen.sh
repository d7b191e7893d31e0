# SPDX-License-Identifier: GPL-2.0
# A consumer slot pointed at payload bytes 0xff (a "record" whose length
# word is 0xffffffff, which NFTRACE_ALIGN() wraps to 0) while the same
# reader's text interface is read: read() reports the skipped records as
# lost and then sleeps, SIGKILL ends it at once, and no soft lockup shows
# in the kernel log (most telling booted with --append preempt=none).
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
load_nftrace
echo "preemption: $(cat /sys/kernel/debug/sched/preempt 2>/dev/null)"

$CHECK badlen > /tmp/badlen 2>&1
rc=$?
out=$(cat /tmp/badlen)
echo "$out"
if [ $rc != 0 ]; then
	fail "read() under a consumer slot at a 0xffffffff length word (exit $rc)"
	# A reader still spinning: give the watchdog the time to say so.
	sleep 25
	exit 1
fi
ok "read() under a consumer slot at a 0xffffffff length word"
assert_match "lost_line=1" "$out" "the skipped records reported lost"
unload_nftrace
