# SPDX-License-Identifier: GPL-2.0
# Bad ioctls, bad mappings and a hostile consumer get clean errors: the
# kernel stays in its rings, keeps its accounting, and another reader is
# unaffected (every packet an nftables counter counted, it saw).
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
load_nftrace

expect_ok "ioctl and mmap argument checks" $CHECK abi
if [ "$SLOW" = 1 ]; then
	expect_ok "poll() woken within 100 ms by a trickle" $CHECK wake
else
	# NFTRACE_SLOW: nftrace_check times the wakeup from when its child
	# should have sent (200 ms after the poll began); on a slow guest the
	# fork and the timers are late by as much, so the bound scales.
	w=$($CHECK wake 2>&1)
	echo "$w"
	assert_match "poll=1 revents=0x1 " "$w" "poll() woken by a trickle"
	assert_eq "" "$(grep FAIL <<< "$w" | grep -v ': woken ')" "nftrace_check wake: no other failure"
	ms=$(val ms_after_send "$w")
	assert_le $((100 * SLOW)) "${ms%.*}" "ms from the packet to the wakeup (100 x NFTRACE_SLOW at most)"
fi

# Counters at the four hooks loopback traffic crosses, in a fresh netns.
mk_ns victim
hook_counters victim
# The honest reader: cat, restricted to nothing; it sees every netns.
cat /dev/nftrace > /tmp/honest &
honest=$!
$CHECK hostile 4 > /tmp/hostile &
hostile=$!
wait_for 5 grep -q started /tmp/hostile || die "hostile reader did not start"
in_ns victim ping -c 600 -i 0.005 -q 127.0.0.1 > /dev/null
in_ns victim ping -6 -c 100 -i 0.005 -q ::1 > /dev/null
wait $hostile || fail "hostile reader exited $?"
sleep 0.5
kill $honest
wait $honest 2>/dev/null

ns=$(stat -L -c %i /run/netns/victim)
want=0
for c in c_pre c_in c_out c_post; do
	want=$((want + $(nft_counter -n victim ip t $c)))
done
got=$(grep -c "ipv4 .* netns=$ns " /tmp/honest)
lost=$(awk '/^lost/ { n += $2 } END { print n + 0 }' /tmp/honest)
assert_eq 0 "$lost" "honest reader lost nothing"
assert_eq "$want" "$got" "honest reader's IPv4 lines vs nft counters at 4 hooks"
assert_match "scribbles=[1-9]" "$(cat /tmp/hostile)" "hostile reader scribbled"

# The record header grew by appending (packet ids, conntrack): a reader
# built against the v1 header (88 bytes) still reads every record, finds
# the packet at hdr_len, and its own checks pass.
CHECK_V1=tests/vm/nftrace_check_v1
[ -x $CHECK_V1 ] || die "no $CHECK_V1 (make -C tests/vm)"
mk_ns v1
$CHECK_V1 capture 6 -n /run/netns/v1 > /tmp/v1 2>&1 &
v1=$!
wait_for 5 grep -q started /tmp/v1 || die "v1 reader did not start"
in_ns v1 ping -c 5 -i 0.1 -q 127.0.0.1 > /dev/null
in_ns v1 ping -6 -c 5 -i 0.1 -q ::1 > /dev/null
wait $v1
assert_eq 0 $? "v1 reader: its own checks (hdr_len, lengths, the IP version at hdr_len)"
cat /tmp/v1
# 2 x 5 echo requests and replies, each at 4 hooks.
assert_eq "records=80 lost_seen=0 bad=0" "$(grep -o 'records=[0-9]* lost_seen=[0-9]* bad=[0-9]*' /tmp/v1)" \
	"v1 reader: every record of the pings, none malformed"
