# SPDX-License-Identifier: GPL-2.0
# Under a flood that overruns a small ring: records + losses (sequence
# gaps) equal the kernel's captured + dropped, and captured + dropped
# equals what an nftables counter on the same hook counted. Text read()
# accounts the same way with "lost N records" lines.
. tests/vm/lib.sh

CHECK=tests/vm/nftrace_check
[ -x $CHECK ] || die "no $CHECK (make -C tests/vm)"
load_nftrace
mk_ns flood
in_ns flood nft -f - <<'NFT' || die "nft ruleset"
table ip t {
	counter c_out {}
	chain hout { type filter hook output priority 0; counter name "c_out"; }
}
NFT

# mmap consumer of the OUTPUT hook (bit 3), IPv4, of this netns only,
# 64 KiB rings drained every 100 ms: it cannot keep up.
$CHECK capture 6 -h 8 -f 1 -B 65536 -d 100 -n /run/netns/flood > /tmp/cap &
cap=$!
wait_for 5 grep -q started /tmp/cap || die "capture did not start"
in_ns flood ping -f -c 3000 -q 127.0.0.1 > /dev/null
wait $cap || fail "nftrace_check capture: exit $? ($(cat /tmp/cap))"
r=$(tail -n1 /tmp/cap)
echo "$r"
counted=$(nft_counter -n flood ip t c_out)
assert_eq 6000 "$counted" "nft counted echo requests and replies at OUTPUT"
assert_eq "$counted" "$(($(val captured "$r") + $(val dropped "$r")))" "captured + dropped vs nft counter"
assert_eq "$counted" "$(val seen "$r")" "seen vs nft counter"
assert_ge 1 "$(val dropped "$r")" "the flood overran the ring"
assert_ge 1 "$(val captured "$r")" "records were captured"

# Text: a reader that stops reading while the flood runs.
cat /dev/nftrace > /tmp/text &
reader=$!
# Stopped only once it sleeps in read() on the device: started, hooked.
reading() {
	[ "$(readlink /proc/$reader/fd/3)" = /dev/nftrace ] &&
		[ "$(awk '{ print $3 }' /proc/$reader/stat)" = S ]
}
wait_for 20 reading || die "the text reader did not start"
kill -STOP $reader
in_ns flood ping -f -c 5000 -q 127.0.0.1 > /dev/null
kill -CONT $reader
sleep 1
kill $reader
wait $reader 2>/dev/null
ns=$(stat -L -c %i /run/netns/flood)
lines=$(grep -c "ipv4 OUTPUT .* netns=$ns " /tmp/text)
lost=$(awk '/^lost/ { n += $2 } END { print n + 0 }' /tmp/text)
other=$(grep -v "^lost" /tmp/text | grep -vc " netns=$ns ")
assert_ge 1 "$lost" "text reader reported losses"
# Every record the ring took or lost: 4 hooks x 10000 packets in netns
# flood; the root netns was quiet.
assert_eq 40000 "$((lost + $(grep -vc '^lost' /tmp/text)))" "text lines + lost records"
assert_eq 0 "$other" "lines from other namespaces"
