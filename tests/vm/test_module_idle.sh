# SPDX-License-Identifier: GPL-2.0
# Zero cost when idle: with the module loaded and no reader, ftrace shows
# the hook function is never called; with a reader it is; after the last
# reader closes (and after rmmod) it is not again.
. tests/vm/lib.sh

load_nftrace
tr=/sys/kernel/tracing
[ -w $tr/set_ftrace_filter ] || die "no ftrace at $tr"
echo nftrace_hook > $tr/set_ftrace_filter || die "nftrace_hook is not traceable"
echo function > $tr/current_tracer
at_exit sh -c "echo nop > $tr/current_tracer; echo > $tr/set_ftrace_filter"

calls() {
	echo > $tr/trace
	echo 1 > $tr/tracing_on
	ping -c 3 -i 0.1 -q 127.0.0.1 > /dev/null
	ping -6 -c 3 -i 0.1 -q ::1 > /dev/null
	echo 0 > $tr/tracing_on
	grep -c 'nftrace_hook' $tr/trace
}

assert_eq 0 "$(calls)" "hook calls with no reader"

cat /dev/nftrace > /dev/null &
reader=$!
sleep 0.5
# 6 echo requests and 6 replies on lo, each at 4 hooks.
assert_ge 48 "$(calls)" "hook calls with a reader"
kill $reader
wait $reader 2>/dev/null
sleep 0.2
assert_eq 0 "$(calls)" "hook calls after the last reader closed"

# nft's own view of the hooks, where nft can list them.
if nft list hooks > /dev/null 2>&1; then
	assert_eq 0 "$(nft list hooks | grep -c nftrace)" "nft list hooks: none of ours when idle"
fi
