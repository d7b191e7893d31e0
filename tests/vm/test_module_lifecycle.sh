# SPDX-License-Identifier: GPL-2.0
# Lifecycle: rmmod while a reader is blocked is refused cleanly and loses
# nothing; namespaces created while capturing are hooked too; interfaces
# and namespaces going away mid-capture; load/capture/kill -9/rmmod cycles.
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
load_nftrace
# Twenty loads and unloads under traffic would flip the nf_hooks_needed
# keys forty times: 7.2-rt took the emulator's int3 Oops here in a CI run.
hold_static_keys

# A reader blocked in read(): rmmod must fail with "in use", and the reader
# must still get what comes after.
cat /dev/nftrace > /tmp/blocked &
reader=$!
sleep 0.5
out=$(rmmod nftrace 2>&1)
assert_match "in use" "$out" "rmmod with a blocked reader"
assert_eq yes "$(nftrace_loaded && echo yes)" "module still loaded"

# A namespace born after the capture started is hooked as well.
mk_ns late
in_ns late ping -c 2 -i 0.2 -q 127.0.0.1 > /dev/null
late=$(stat -L -c %i /run/netns/late)

# An interface and a namespace deleted while packets flow through them.
mk_ns gone
ip link add gone0 type veth peer name gone1 netns gone
ip addr add 10.11.9.1/24 dev gone0
ip link set gone0 up
ip -n gone addr add 10.11.9.2/24 dev gone1
ip -n gone link set gone1 up
ping -c 50 -i 0.01 -q 10.11.9.2 > /dev/null 2>&1 &
pinger=$!
sleep 0.2
ip link del gone0
ip netns del gone
wait $pinger
sleep 0.3
kill $reader
wait $reader 2>/dev/null
assert_eq 16 "$(grep -c "netns=$late .*echo" /tmp/blocked)" "echo lines from the late namespace (2 requests, 2 replies, 4 hooks)"
assert_ge 1 "$(grep -c 'out=gone0' /tmp/blocked)" "lines through the deleted interface"
expect_ok "rmmod after the last reader closed" rmmod nftrace

# Cycles: load, capture under traffic, kill -9 the reader, rmmod.
cycles=${NFTRACE_CYCLES:-20}
good=0
alive=0
lines=0
mk_tmpdir
# cat_started: a ping on 127.0.0.1 came out of cat (it reads from its
# first read() on, some time after the shell started it).
cat_started() {
	ping -c 1 -q 127.0.0.1 > /dev/null
	grep -q ' icmp 127.0.0.1 > 127.0.0.1 echo ' $T/cat
}
# echo_lines: cat's lines of the ::1 pings (5 requests, 5 replies, each at
# OUTPUT, POSTROUTING, PREROUTING and INPUT: 40).
echo_lines() { grep -c ' icmp6 ::1 > ::1 echo ' $T/cat; }
cat_has_40() { [ "$(echo_lines)" = 40 ]; }
vmalloc() { awk '/^VmallocUsed:/ { print $2 }' /proc/meminfo; }
before=$(vmalloc)
for i in $(seq $cycles); do
	insmod "$NFTRACE_KO" || break
	# (Killed long before its 60 s.)
	$CHECK capture $((60 * SLOW)) > /dev/null &
	cap=$!
	ping -c 20 -i 0.01 -q 127.0.0.1 > /dev/null
	cat /dev/nftrace > $T/cat &
	c=$!
	wait_for 3 cat_started || echo "cycle $i: nothing from cat after 3 s"
	ping -c 5 -i 0.01 -q ::1 > /dev/null
	# Both readers ran: the mmap reader is still capturing, cat printed
	# every line of the pings that followed its start.
	kill -0 $cap 2>/dev/null && alive=$((alive + 1))
	wait_for 3 cat_has_40 && lines=$((lines + 1)) ||
		echo "cycle $i: cat printed $(echo_lines) of the 40 ::1 echo lines"
	kill -9 $cap $c
	wait $cap $c 2>/dev/null
	rmmod nftrace || break
	good=$((good + 1))
done
assert_eq $cycles $good "load/capture/kill -9/rmmod cycles"
assert_eq $cycles $alive "cycles whose mmap reader was still capturing at kill -9"
assert_eq $cycles $lines "cycles whose text reader printed its 40 ::1 echo lines"
# Each reader maps 2 MiB of rings per CPU: a leaked one would show.
sleep 0.5
assert_le 1024 "$(( $(vmalloc) - before ))" "vmalloc kB not returned after $cycles cycles"
