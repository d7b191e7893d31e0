# SPDX-License-Identifier: GPL-2.0
# What an idle nftrace costs. Loaded and never used: nothing, ftrace shows
# the hook function is never called and nft lists none of its hooks. With
# a reader: a hook call per packet and hook. After the last reader: the
# hooks stay registered (unregistering one drops NFQUEUE's packets in
# flight: test_capture_nfqueue.sh), so the hook is called as often as
# before, and returns at once: it never reaches nftrace_capture(). After
# rmmod: no hook of ours anywhere, and packets pass (a hook left behind
# would call into freed module text: an Oops in the kernel log). Where the
# kernel lists hooks (CONFIG_NETFILTER_NETLINK_HOOK; not Debian's 6.1),
# `nft list hooks` says the same.
. tests/vm/lib.sh

load_nftrace
tr=/sys/kernel/tracing
[ -w $tr/set_ftrace_filter ] || die "no ftrace at $tr"
echo 'nftrace_hook nftrace_capture' > $tr/set_ftrace_filter ||
	die "nftrace_hook or nftrace_capture is not traceable"
echo function > $tr/current_tracer
at_exit sh -c "echo nop > $tr/current_tracer; echo > $tr/set_ftrace_filter"

# calls: "HOOK CAPTURE", the calls of each during 3 pings each way over
# IPv4 and IPv6 loopback: 12 packets, each at 4 hooks.
calls() {
	echo > $tr/trace
	echo 1 > $tr/tracing_on
	ping -c 3 -i 0.1 -q 127.0.0.1 > /dev/null
	ping -6 -c 3 -i 0.1 -q ::1 > /dev/null
	echo 0 > $tr/tracing_on
	echo "$(grep -c ' nftrace_hook <-' $tr/trace) $(grep -c ' nftrace_capture <-' $tr/trace)"
}

# our_hooks: how many of our ops nft lists; "-" where the kernel lists none.
our_hooks() {
	local l

	l=$(nft list hooks 2>/dev/null)
	if grep -q 'hook ' <<< "$l"; then
		grep -c 'nftrace_hook' <<< "$l"
	else
		echo -
	fi
}
# Some hook is always listed where listing works: a table of our own.
nft add table inet nftrace_idle && at_exit nft delete table inet nftrace_idle
nft add chain inet nftrace_idle c '{ type filter hook output priority 0; }'
[ "$(our_hooks)" = - ] && echo "nft list hooks: this kernel lists no hooks"

assert_eq "0 0" "$(calls)" "loaded, never used: hook and capture calls"
assert_match '^(0|-)$' "$(our_hooks)" "loaded, never used: nft list hooks shows none of ours"

cat /dev/nftrace > /dev/null &
reader=$!
sleep 0.5
# 6 echo requests and 6 replies on lo, each at 4 hooks: 48, and as many
# captures (the text reader wants every hook and family).
read -r hook capture <<< "$(calls)"
assert_ge 48 "$hook" "hook calls with a reader"
assert_eq "$hook" "$capture" "a capture for every hook call with a reader of all"
kill $reader
wait $reader 2>/dev/null
sleep 0.2

read -r idle_hook idle_capture <<< "$(calls)"
assert_eq "$hook" "$idle_hook" "after the last reader: hook calls (the hooks stay)"
assert_eq 0 "$idle_capture" "after the last reader: captures"
# The ten entry ops, in the root netns: IPv4 and IPv6, five hooks each.
assert_match '^(10|-)$' "$(our_hooks)" "after the last reader: nft list hooks shows our ten"

unload_nftrace
assert_match '^(0|-)$' "$(our_hooks)" "after rmmod: none of ours"
ping -c 2 -i 0.1 -q 127.0.0.1 > /dev/null
assert_eq 0 $? "after rmmod: IPv4 pings pass"
ping -6 -c 2 -i 0.1 -q ::1 > /dev/null
assert_eq 0 $? "after rmmod: IPv6 pings pass"
