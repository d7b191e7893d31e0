# SPDX-License-Identifier: GPL-2.0
# Only the hooks that readers ask for are registered, and the hooks that
# hand out the packet ids a reader's hooks look up: PREROUTING before
# INPUT, FORWARD and POSTROUTING, OUTPUT before POSTROUTING, in the
# reader's families. A reader of IPv4 output adds one hook call to a
# packet's path, a reader of IPv4 input two, not ten. Kprobes record
# which (hook, family) each call came from, for IPv4 and IPv6 loopback
# pings that pass all four local hooks: on nftrace_capture(), where a hook
# captures, the set must be the union of the running readers' wishes, in
# a netns made while they run too, and empty once they stop; on
# nftrace_hook_live(), where a hook does any work, that union and the
# id hooks; on nftrace_hook(), the union of every op wanted since insmod,
# as registered ops stay (test_capture_nfqueue.sh says why).
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
load_nftrace
mk_tmpdir

tr=/sys/kernel/tracing
[ -w $tr/kprobe_events ] || die "no kprobe events at $tr"
# struct nf_hook_state, the third argument, starts with the hook number
# and the family: u8 and u8 today, unsigned int and u8 on 5.10. Their
# offsets come from the kernel's BTF; the hook is read as its low byte.
command -v bpftool > /dev/null || die "no bpftool (tools/install-deps.sh)"
offsets=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw |
	  awk '/STRUCT .nf_hook_state. /{s=1; next} s && /^\[/{exit}
	       s && /.(hook|pf). /{sub("bits_offset=", "", $3); printf "%d ", $3 / 8}')
read -r hook_off pf_off <<< "$offsets"
[ -n "$pf_off" ] || die "no hook and pf in nf_hook_state's BTF: '$offsets'"
echo "nf_hook_state: hook at +$hook_off, pf at +$pf_off"
# The state is their third argument, nftrace_hook_live()'s second.
for p in "nftrace_sel nftrace_capture dx" "nftrace_reg nftrace_hook dx" \
	 "nftrace_live nftrace_hook_live si"; do
	set -- $p
	echo "p:$1 nftrace:$2 hook=+$hook_off(%$3):u8 pf=+$pf_off(%$3):u8" \
		>> $tr/kprobe_events || die "cannot probe $2"
	at_exit sh -c "echo 0 > $tr/events/kprobes/$1/enable; echo -:$1 >> $tr/kprobe_events"
	echo 1 > $tr/events/kprobes/$1/enable
done

# seen [NS]: the distinct "hook=H pf=P" of the captures during pings;
# $T/live gets those of the hook calls that did work, $T/reg all.
seen() {
	local run=()

	[ -n "${1:-}" ] && run=(ip netns exec "$1")
	echo > $tr/trace
	echo 1 > $tr/tracing_on
	"${run[@]}" ping -c 2 -i 0.1 -q 127.0.0.1 > /dev/null
	"${run[@]}" ping -6 -c 2 -i 0.1 -q ::1 > /dev/null
	echo 0 > $tr/tracing_on
	grep 'nftrace_reg:' $tr/trace | grep -o 'hook=[0-9]* pf=[0-9]*' |
		sort -u | tr '\n' ' ' > $T/reg
	grep 'nftrace_live:' $tr/trace | grep -o 'hook=[0-9]* pf=[0-9]*' |
		sort -u | tr '\n' ' ' > $T/live
	grep 'nftrace_sel:' $tr/trace | grep -o 'hook=[0-9]* pf=[0-9]*' |
		sort -u | tr '\n' ' '
}

# reader NAME HOOKMASK FAMILIES: an mmap reader, running until killed.
reader() {
	$CHECK capture 120 -h $2 -f $3 > $T/$1 &
	eval "pid_$1=$!"
	wait_for 5 grep -q started $T/$1 || die "reader $1 did not start"
}

stop() {
	local pid

	eval "pid=\$pid_$1"
	kill $pid
	wait $pid 2>/dev/null
}

assert_eq "" "$(seen)" "no reader: no captures"
assert_eq "" "$(cat $T/reg)" "no reader yet: no hook calls"

# NF_INET_LOCAL_OUT is 3, NF_INET_LOCAL_IN 1; NFPROTO_IPV4 2, NFPROTO_IPV6 10.
reader out4 8 1
assert_eq "hook=3 pf=2 " "$(seen)" "IPv4 output reader: its hook only"
assert_eq "hook=3 pf=2 " "$(cat $T/live)" \
	"IPv4 output reader: a traversal starts there, no id hook"

reader in6 2 2
assert_eq "hook=1 pf=10 hook=3 pf=2 " "$(seen)" "two readers: the union"
assert_eq "hook=0 pf=10 hook=1 pf=10 hook=3 pf=2 " "$(cat $T/live)" \
	"IPv6 input reader: IPv6 PREROUTING hands out its ids"

# A third reader sharing a hook, gone again, takes nothing away.
reader out46 8 3
assert_eq "hook=1 pf=10 hook=3 pf=10 hook=3 pf=2 " "$(seen)" "three readers"
stop out46
assert_eq "hook=1 pf=10 hook=3 pf=2 " "$(seen)" "a shared hook stays"
assert_eq "hook=0 pf=10 hook=1 pf=10 hook=3 pf=10 hook=3 pf=2 " "$(cat $T/reg)" \
	"the third reader's op stays registered, idle"

ip netns add hooksel_late
at_exit ip netns del hooksel_late
ip -n hooksel_late link set lo up
assert_eq "hook=1 pf=10 hook=3 pf=2 " "$(seen hooksel_late)" \
	"a netns made while readers run is hooked the same way"

stop out4
assert_eq "hook=1 pf=10 " "$(seen)" "first reader gone: its hook gone"
stop in6
assert_eq "" "$(seen)" "last reader gone: no captures"
assert_eq "" "$(cat $T/live)" "last reader gone: no hook does work"
assert_eq "hook=0 pf=10 hook=1 pf=10 hook=3 pf=10 hook=3 pf=2 " "$(cat $T/reg)" \
	"last reader gone: the ops used stay registered"
assert_eq "" "$(seen hooksel_late)" "nor in the late netns"
assert_eq "hook=0 pf=10 hook=1 pf=10 hook=3 pf=10 hook=3 pf=2 " "$(cat $T/reg)" \
	"the late netns has the same ops registered"

# POSTROUTING: forwarded packets start at PREROUTING, sent ones at OUTPUT.
reader post4 16 1
assert_eq "hook=4 pf=2 " "$(seen)" "IPv4 postrouting reader: its hook"
assert_eq "hook=0 pf=2 hook=3 pf=2 hook=4 pf=2 " "$(cat $T/live)" \
	"IPv4 postrouting reader: PREROUTING and OUTPUT hand out its ids"
stop post4

# All hooks, both families: the ten ops, in use by loopback's four hooks.
reader all 31 3
assert_eq "hook=0 pf=10 hook=0 pf=2 hook=1 pf=10 hook=1 pf=2 hook=3 pf=10 hook=3 pf=2 hook=4 pf=10 hook=4 pf=2 " \
	"$(seen)" "every hook"
stop all
assert_eq "" "$(seen)" "idle again: no captures"
assert_eq "hook=0 pf=10 hook=0 pf=2 hook=1 pf=10 hook=1 pf=2 hook=3 pf=10 hook=3 pf=2 hook=4 pf=10 hook=4 pf=2 " \
	"$(cat $T/reg)" "idle again: every op registered"
