# SPDX-License-Identifier: GPL-2.0
# A reader of one netns never sees another's packets, even one that got
# its inode number: the reader keeps its netns alive (issue 11, defect 4).
# Reader A is bound to netns a, then a is deleted and namespaces b1..bN
# are made, each with traffic on lo. A must record nothing, while a reader
# of every netns sees it all (exactly, against an nft counter in b1). Once
# A exits, its netns goes: a new namespace gets a's inode number, which
# shows both that the reference is dropped and that reuse happens here
# (unfixed, b1..bN got a's number and A captured their packets).
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_tmpdir

# banner FILE: the tool's "capturing at ..." line is out: it is hooked.
banner() {
	grep -q '^nftrace-capture: capturing' "$1"
}

mk_ns a
ino_a=$(stat -L -c %i /run/netns/a)
$CAP --netns /run/netns/a --hooks output -4 > $T/a.txt 2> $T/a.err &
reader_a=$!
$CAP --netns all --hooks output -4 > $T/all.txt 2> $T/all.err &
reader_all=$!
wait_for 5 banner $T/a.err || die "reader of a did not start: $(cat $T/a.err)"
wait_for 5 banner $T/all.err || die "reader of all did not start: $(cat $T/all.err)"
ip netns del a

# The namespaces that come next, traffic in each while A runs.
reused=0
for i in $(seq 1 20); do
	sleep 0.2	# the deleted netns is freed by a workqueue
	mk_ns b$i
	ino=$(stat -L -c %i /run/netns/b$i)
	echo "b$i inode $ino (a: $ino_a)"
	[ "$ino" = "$ino_a" ] && reused=$((reused + 1))
	if [ $i = 1 ]; then
		ino_b1=$ino
		ip netns exec b1 nft -f - <<-'NFT'
		table ip t {
			counter out { }
			chain output {
				type filter hook output priority 0;
				icmp type { echo-request, echo-reply } counter name out
			}
		}
		NFT
	fi
	in_ns b$i ping -c 2 -i 0.2 -q 127.0.0.1 > /dev/null
done
echo "b1..b20 with a's inode while its reader ran: $reused"

kill -INT $reader_a $reader_all
wait $reader_a $reader_all
assert_eq 0 "$(wc -l < $T/a.txt)" "reader of deleted netns a: records of b1..b20"
assert_eq 0 "$(grep -c "netns=$ino_a " $T/all.txt)" \
	"reader of all: records with a's inode (a is held, not reused)"
n=$(nft_counter -n b1 ip t out)
assert_ge 1 "$n" "nft counter in b1"
assert_eq "$n" "$(grep -c "netns=$ino_b1 .*icmp" $T/all.txt)" \
	"reader of all: b1's echo packets at OUTPUT, against nft"

# Reader A is gone: so is a, and its number comes back.
reused_after=0
for i in $(seq 1 20); do
	sleep 0.2
	mk_ns c$i
	ino=$(stat -L -c %i /run/netns/c$i)
	echo "c$i inode $ino (a: $ino_a)"
	if [ "$ino" = "$ino_a" ]; then
		reused_after=1
		break
	fi
done
assert_eq 1 "$reused_after" \
	"a's inode number reused once its reader closed (reference dropped)"
