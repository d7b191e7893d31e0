# SPDX-License-Identifier: GPL-2.0 OR MIT
# Remote capture with Wireshark's own sshdump: the router (a namespace)
# runs sshd with a key made for the test; tshark on the "desktop" (the
# root namespace) captures through sshdump, whose remote command is
# `nftrace-capture -w -` on the router. Forwarded UDP to port 10 must be
# in tshark's pcapng at FORWARD and POSTROUTING, as often as the router's
# nft counter saw it, each datagram under one packet id at both hooks.
# Stopping tshark must leave no reader on the router, though no packet
# comes after it that a write could fail on: the remote tool sees its
# stdout's reader (sshd) go.
. tests/vm/lib.sh

need_capture_tool
load_nftrace
mk_topology
mk_tmpdir
chmod 755 $T
export HOME=$T

SSH4_DESK=10.11.9.1 SSH4_ROUTER=10.11.9.2
ip link add wsh0 type veth peer name eth9 netns router || die "veth desktop"
ip addr add $SSH4_DESK/24 dev wsh0
ip -n router addr add $SSH4_ROUTER/24 dev eth9
ip link set wsh0 up
ip -n router link set eth9 up
at_exit ip link del wsh0

ssh-keygen -q -t ed25519 -N '' -C nftrace-test-host -f $T/hostkey || die "host key"
ssh-keygen -q -t ed25519 -N '' -C nftrace-test-user -f $T/id || die "user key"
cp $T/id.pub $T/authorized_keys
cat > $T/sshd_config <<EOF
ListenAddress $SSH4_ROUTER
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
mkdir -p /run/sshd
in_ns router /usr/sbin/sshd -f $T/sshd_config -E $T/sshd.log || die "sshd: $(cat $T/sshd.log)"
at_exit sh -c "kill \$(cat $T/sshd.pid) 2>/dev/null"
wait_for 10 _listening router 22 || die "sshd does not listen: $(cat $T/sshd.log)"

fwd10_rules

# What a user types in sshdump's "Remote capture command" (Other:).
remote="$PWD/$CAP -w - --hooks forward,postrouting -4 'udp port 10'"
tshark -i sshdump -o extcap.sshdump.remotehost:$SSH4_ROUTER \
	-o extcap.sshdump.remoteport:22 -o extcap.sshdump.remoteusername:root \
	-o extcap.sshdump.sshkey:$T/id \
	-o extcap.sshdump.remotecapturecommandselect:other \
	-o "extcap.sshdump.remotecapturecommand:$remote" \
	-w $T/x.pcapng > $T/tshark.out 2> $T/tshark.err &
ts=$!
wait_for 60 module_refcnt_is 1 ||
	die "no nftrace-capture on the router: $(cat $T/tshark.err; tail -n 5 $T/sshd.log)"
fwd10_check $ts "over ssh"
fwd=$(nft_counter -n router inet filt c_fwd10)
assert_eq "$fwd" \
	"$(tshark -r $T/x.pcapng -T fields -e frame.packet_id 2>/dev/null | sort | uniq -c | grep -c '^ *2 ')" \
	"over ssh: each packet id at two hooks"
# Expert info: each packet's comment is a Comment; nothing may be a Note,
# Warning or Error.
assert_eq "" "$(tshark -r $T/x.pcapng -Y '_ws.expert.severity >= 0x400000' 2>/dev/null)" \
	"no note, warning or error"
assert_eq "$((2 * fwd)) Comment" \
	"$(tshark -r $T/x.pcapng -T fields -e _ws.expert.severity 2>/dev/null | sort | uniq -c | sed 's/^ *//;s/1048576/Comment/')" \
	"expert info: a comment on every packet"

# The remote tool leaves with the capture, idle: no packet comes now.
wait_for 10 module_refcnt_is 0
assert_eq 0 "$(module_refcnt)" "no reader on the router once tshark has stopped"
assert_eq "" "$(pgrep -f "$CAP -w -")" "no nftrace-capture left on the router"
grep -q "Accepted publickey for root" $T/sshd.log ||
	fail "sshd: the key was not what logged in ($(tail -n 5 $T/sshd.log))"
expect_ok "rmmod after the capture" rmmod nftrace
