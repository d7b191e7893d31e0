# SPDX-License-Identifier: GPL-2.0 OR MIT
# Text mode: one line per packet on stdout, the very lines the module's
# read() prints (one formatter) but in local time; status on stderr only.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir
router_ns=$(stat -L -c %i /run/netns/router)

# The oracle for the TCP lines: the router's counts of each kind of segment.
in_ns router nft -f - <<'NFT' || die "router counters"
table inet c {
	counter syn {}
	counter synack {}
	counter fin {}
	chain h_fwd {
		type filter hook forward priority 0;
		tcp dport 5201 tcp flags == syn counter name "syn"
		tcp sport 5201 tcp flags == syn | ack counter name "synack"
		tcp dport 5201 tcp flags == fin | ack counter name "fin"
	}
}
NFT

# The module's own text (UTC, every netns and hook) alongside.
cat /dev/nftrace > $T/module &
mod=$!
# India: UTC+05:30 all year, so the minutes move too.
TZ=Asia/Kolkata $CAP --netns /run/netns/router --hooks forward > $T/lines 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -c 3 -i 0.1 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
in_ns client ping -6 -c 3 -i 0.1 -q $SERVER6 > /dev/null || fail "ping -6 $SERVER6"
tcp_send client server $SERVER4 3000
sleep 0.5	# the module's trickle wakeup delivers cat's tail
kill -INT $cap
rc=0
wait $cap || rc=$?
kill $mod
wait $mod 2> /dev/null
assert_eq 0 "$rc" "exit status after SIGINT"

head4="ipv4 FORWARD id=[1-9][0-9]* in=eth0 out=eth1 mark=0x0 netns=$router_ns ct=none"
head6r="ipv6 FORWARD id=[1-9][0-9]* in=eth1 out=eth0 mark=0x0 netns=$router_ns ct=none"
assert_eq 3 "$(grep -Ec "^[0-9:.]{18} cpu[0-9]+ $head4 len=84 icmp $CLIENT4 > $SERVER4 echo request id [0-9]+ seq [1-3]\$" $T/lines)" \
	"IPv4 echo request lines"
assert_eq 3 "$(grep -Ec " $head6r len=104 icmp6 $SERVER6 > $CLIENT6 echo reply id [0-9]+ seq [1-3]\$" $T/lines)" \
	"IPv6 echo reply lines"
# (tcp_send retries until the listener is up: maybe more than one SYN;
# as many as nft counted.)
syn=$(nft_counter -n router inet c syn)
assert_ge 1 "$syn" "nft: SYNs forwarded"
assert_eq "$syn" "$(grep -Ec " $head4 len=60 tcp $CLIENT4:[0-9]+ > $SERVER4:5201 \[S\] seq [0-9]+ ack 0 win [0-9]+\$" $T/lines)" \
	"TCP SYN lines"
assert_eq "$(nft_counter -n router inet c synack)" \
	"$(grep -Ec " tcp $SERVER4:5201 > $CLIENT4:[0-9]+ \[S\.\] " $T/lines)" "TCP SYN-ACK lines"
assert_eq "$(nft_counter -n router inet c fin)" \
	"$(grep -Ec " tcp $CLIENT4:[0-9]+ > $SERVER4:5201 \[F\.\] " $T/lines)" "TCP FIN lines"

# stdout holds packet lines only; the statistics count them.
assert_eq 0 "$(grep -Evc '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} cpu' $T/lines)" \
	"stdout: nothing but packet lines"
assert_eq "$(wc -l < $T/lines)" "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)" \
	"lines = packets captured"

# The module printed the same records the same way, time apart.
mine=$(cut -d' ' -f2- $T/lines | sort | md5sum)
theirs=$(grep " FORWARD .* netns=$router_ns " $T/module | cut -d' ' -f2- | sort | md5sum)
assert_eq "$theirs" "$mine" "lines as the module's read() prints them"

# The same packet, stamped once: 05:30 apart, the same nanoseconds.
secs() { # HH:MM:SS.NNNNNNNNN -> seconds of the day, and the fraction
	IFS=:. read -r h m s f <<< "$1"
	echo "$((10#$h * 3600 + 10#$m * 60 + 10#$s)) $f"
}
line=$(grep -m1 " echo request " $T/lines)
rest=${line#* }
utc=$(grep -F -m1 " $rest" $T/module | cut -d' ' -f1)
read -r l lf <<< "$(secs "${line%% *}")"
read -r u uf <<< "$(secs "$utc")"
assert_eq 19800 "$(( (l - u + 86400) % 86400 ))" "local time is UTC+05:30"
assert_eq "$uf" "$lf" "the same nanoseconds"

# -q: no banner; the statistics still.
in_ns client ping -i 0.05 -q $SERVER4 > /dev/null &
ping=$!
timeout 30 $CAP -q --netns /run/netns/router --hooks forward -c 2 > $T/lines 2> $T/err
kill $ping
assert_eq 0 "$(grep -c 'capturing at' $T/err)" "-q: no banner"
assert_eq 2 "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)" "-q: statistics"
assert_eq 2 "$(wc -l < $T/lines)" "-q: lines"
