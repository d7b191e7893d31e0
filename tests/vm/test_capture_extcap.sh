# SPDX-License-Identifier: GPL-2.0 OR MIT
# nftrace in Wireshark, through the real client: tshark finds the extcap
# (nftrace-capture called "nftrace", in the personal extcap folder of
# Wireshark 4.0, ~/.config/wireshark/extcap), lists the interface, offers
# the router's namespace in the config, and captures with the options
# tshark passes (-o extcap.nftrace.*) and a capture filter: forwarded UDP
# to port 10 at FORWARD and POSTROUTING in the router, each datagram at
# both hooks as often as the router's nft counter saw it. Stopping
# tshark leaves no reader behind; a user without CAP_NET_ADMIN gets
# Wireshark's "Error by extcap pipe" with the reason.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir
chmod 755 $T

export HOME=$T
mkdir -p $HOME/.config/wireshark/extcap
ln -s "$PWD/$CAP" $HOME/.config/wireshark/extcap/nftrace

assert_eq 1 "$(tshark -D 2>/dev/null | grep -c '^[0-9]*\. nftrace (nftrace: netfilter hooks)$')" \
	"tshark -D lists the interface"
assert_eq 1 "$($HOME/.config/wireshark/extcap/nftrace --extcap-interface nftrace --extcap-config |
	grep -Fxc 'value {arg=2}{value=/run/netns/router}{display=router}')" \
	"the namespace selector offers the router"

fwd10_rules
tshark -i nftrace -o extcap.nftrace.netns:/run/netns/router \
	-o extcap.nftrace.hooks:forward,postrouting -o extcap.nftrace.family:ipv4 \
	-f 'udp port 10' -w $T/x.pcapng > $T/tshark.out 2> $T/tshark.err &
ts=$!
wait_for 60 module_refcnt_is 1 || die "tshark did not start nftrace: $(cat $T/tshark.err)"
fwd10_check $ts "tshark's capture"
wait_for 5 module_refcnt_is 0
assert_eq 0 "$(module_refcnt)" "no reader once tshark has stopped"

# Killed outright: the extcap loses its fifo's reader and goes too, at
# its next write (EPIPE), as Wireshark's own extcaps do. The fifo's reader
# is tshark's dumpcap, which outlives tshark until its own next write to
# tshark fails: pings all along, so that there is always a next write.
tshark -i nftrace -w $T/y.pcapng > /dev/null 2>&1 &
ts=$!
wait_for 60 module_refcnt_is 1 || die "tshark did not start nftrace"
kill -KILL $ts
wait $ts 2>/dev/null
ping -i 0.2 -q 127.0.0.1 > /dev/null &
pinger=$!
wait_for 30 module_refcnt_is 0
kill $pinger
wait $pinger 2>/dev/null
assert_eq 0 "$(module_refcnt)" "no reader once tshark was killed"

# Its fifo's reader killed while no packet comes: the extcap sees the
# fifo's POLLERR when its rings are idle and goes, with nothing to write.
tshark -i nftrace -f 'udp port 9' -w $T/z.pcapng > /dev/null 2>&1 &
ts=$!
wait_for 60 module_refcnt_is 1 || die "tshark did not start nftrace"
pkill -KILL -x dumpcap
kill -KILL $ts
wait $ts 2>/dev/null
wait_for 5 module_refcnt_is 0
assert_eq 0 "$(module_refcnt)" "no reader once the fifo's reader was killed, idle"

# Its fifo's reader never came (dumpcap killed before opening it): the
# extcap waits for it without holding a reader of nftrace, and goes when
# the process that started it goes. (It used to open the device first and
# then block in opening the fifo, for ever.)
mkfifo $T/lonely
sh -c "$HOME/.config/wireshark/extcap/nftrace --extcap-interface nftrace \
	--capture --fifo $T/lonely 2> $T/lonely.err & echo \$! > $T/lonely.pid; sleep 3" &
starter=$!
wait_for 5 test -s $T/lonely.pid || die "the extcap did not start"
lonely=$(cat $T/lonely.pid)
sleep 1
assert_eq 0 "$(module_refcnt)" "no reader while the fifo has none"
wait $starter
wait_for 5 sh -c "! kill -0 $lonely 2>/dev/null"
assert_eq 0 $? "the extcap went with its starter ($(cat $T/lonely.err))"

# Without CAP_NET_ADMIN: the reason, in Wireshark's words.
setpriv --reuid=65534 --regid=65534 --clear-groups \
	tshark -i nftrace -a duration:1 -w /tmp/nobody.pcapng > $T/nobody.out 2> $T/nobody.err
assert_ne 0 $? "tshark as nobody: exit status"
assert_eq 1 "$(grep -Fc 'Error by extcap pipe: nftrace-capture: /dev/nftrace: Permission denied: capturing needs root or CAP_NET_ADMIN' $T/nobody.err)" \
	"tshark as nobody: the reason ($(cat $T/nobody.err))"
# The group model (man page, WIRESHARK): a group may read the device, and
# a copy of the tool that only it may run has CAP_NET_ADMIN; the kernel
# still asks every opener for the capability. Nobody in the group captures
# through tshark; nobody outside it, or with the group but a tool without
# the capability, gets the reason in Wireshark's words.
groupadd -r nftrace || die "groupadd nftrace"
gid=$(getent group nftrace | cut -d: -f3)
chgrp nftrace /dev/nftrace && chmod 0660 /dev/nftrace || die "the device's group"
install -d -m 0755 $T/bin
install -o root -g nftrace -m 0750 $CAP $T/bin/nftrace-capture
setcap cap_net_admin+ep $T/bin/nftrace-capture || die "setcap"
ln -sf $T/bin/nftrace-capture $HOME/.config/wireshark/extcap/nftrace
setpriv --reuid=65534 --regid=65534 --groups=$gid \
	tshark -i nftrace -o extcap.nftrace.netns:/run/netns/router \
	-o extcap.nftrace.hooks:forward,postrouting -f 'udp port 10' \
	-a duration:$((6 * SLOW)) -w /tmp/group.pcapng > $T/group.out 2> $T/group.err &
ts=$!
wait_for 60 module_refcnt_is 1 || die "tshark in the group did not start nftrace: $(cat $T/group.err)"
sleep $((2 * SLOW))
udp_burst client $SERVER4 10 10 "nftrace group"
wait $ts
assert_eq 0 $? "tshark in the group: exit status ($(cat $T/group.err))"
assert_eq "10 FORWARD
10 POSTROUTING" \
	"$(tshark -r /tmp/group.pcapng -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | sed 's/^ *//')" \
	"tshark in the group: each datagram at FORWARD and POSTROUTING"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	tshark -i nftrace -a duration:1 -w /tmp/nogroup.pcapng > /dev/null 2> $T/nogroup.err
# Wireshark cannot run the extcap, so it has no such interface for them.
assert_eq 1 "$(grep -Fc 'You do not have permission to capture on device "nftrace"' $T/nogroup.err)" \
	"tshark outside the group: the tool is not theirs to run ($(cat $T/nogroup.err))"
setcap -r $T/bin/nftrace-capture
setpriv --reuid=65534 --regid=65534 --groups=$gid \
	tshark -i nftrace -a duration:1 -w /tmp/nocap.pcapng > /dev/null 2> $T/nocap.err
assert_eq 1 "$(grep -Fc 'Error by extcap pipe: nftrace-capture: /dev/nftrace: Operation not permitted: capturing needs root or CAP_NET_ADMIN' $T/nocap.err)" \
	"tshark in the group, the tool without the capability: the reason ($(cat $T/nocap.err))"
expect_ok "rmmod after the captures" rmmod nftrace
