# SPDX-License-Identifier: GPL-2.0 OR MIT
# What a user hits first: the module not loaded (and not installed; when
# installed, the capture loads it), no privileges, a bad --netns, a full
# disk, a closed pipe. Each gets a clear message and exit status 1; a pcap
# cut short by a full disk stays readable.
. tests/vm/lib.sh

need_capture_tool
mk_tmpdir

# run CMD...: its exit status into $rc, its stderr into $T/err.
run() {
	rc=0
	timeout 30 "$@" > $T/out 2> $T/err < /dev/null || rc=$?
}

unload_nftrace
run $CAP -c 1
assert_eq 1 "$rc" "no module: exit status"
assert_eq "nftrace-capture: /dev/nftrace not found, and modprobe nftrace did not load the module: install it (the nftrace-dkms package, or make install) or insmod nftrace.ko" \
	"$(cat $T/err)" "no module, none installed: message"
run $CAP --device /tmp/nftrace -c 1
assert_eq "nftrace-capture: /tmp/nftrace not found: load the nftrace module (modprobe nftrace)" \
	"$(cat $T/err)" "another device: not loaded for it"

# Installed (as make install or DKMS put it, in the guest's overlay):
# the first capture loads it.
# depmod takes the better part of a minute under TCG: the indexes it
# writes are put back from a copy afterwards rather than made again.
mods=/lib/modules/$(uname -r)
mkdir -p $mods/updates $T/moddep
cp -p $mods/modules.* $T/moddep/
at_exit sh -c "rm -f $mods/updates/nftrace.ko; cp -p $T/moddep/modules.* $mods/"
cp "$NFTRACE_KO" $mods/updates/nftrace.ko
depmod -a
ping -i 0.2 -q 127.0.0.1 > /dev/null &
pinger=$!
run $CAP -c 2
kill $pinger
wait $pinger 2>/dev/null
assert_eq 0 "$rc" "installed, not loaded: the capture loads it ($(cat $T/err))"
assert_eq 2 "$(grep -c ' OUTPUT \| INPUT \| PREROUTING \| POSTROUTING ' $T/out)" \
	"installed, not loaded: the capture's packets"
assert_eq "nftrace" "$(grep -o '^nftrace ' /proc/modules | tr -d ' ')" "loaded by modprobe"
rm -f $mods/updates/nftrace.ko
cp -p $T/moddep/modules.* $mods/

load_nftrace
mk_topology

run setpriv --reuid=65534 --regid=65534 --clear-groups $CAP -c 1
assert_eq 1 "$rc" "not root: exit status"
assert_match "/dev/nftrace: Permission denied: capturing needs root or CAP_NET_ADMIN" \
	"$(cat $T/err)" "not root: message"
run setpriv --inh-caps=-net_admin --bounding-set=-net_admin $CAP -c 1
assert_eq 1 "$rc" "root without CAP_NET_ADMIN: exit status"
assert_match "capturing needs root or CAP_NET_ADMIN" "$(cat $T/err)" \
	"root without CAP_NET_ADMIN: message"

run $CAP --netns /nonexistent -c 1
assert_eq 1 "$rc" "--netns missing: exit status"
assert_eq "nftrace-capture: --netns /nonexistent: No such file or directory" \
	"$(cat $T/err)" "--netns missing: message"
run $CAP --netns /etc/hostname -c 1
assert_eq 1 "$rc" "--netns not a namespace: exit status"
assert_match "configure: Invalid argument" "$(cat $T/err)" "--netns not a namespace: message"

run $CAP -B 100 -c 1
assert_eq 1 "$rc" "bad -B: exit status"
assert_match "-B: bad value '100'" "$(cat $T/err)" "bad -B: message"

# A full disk: a 64 KiB tmpfs, and a ping flood through the router.
mkdir $T/small
mount -t tmpfs -o size=64k small $T/small || die "mount tmpfs"
at_exit umount $T/small
$CAP --netns /run/netns/router --hooks forward -F pcap -w $T/small/full.pcap 2> $T/err &
cap=$!
wait_for 5 grep -q "capturing at" $T/err || die "capture did not start: $(cat $T/err)"
in_ns client ping -f -c 2000 -q $SERVER4 > /dev/null
if ! wait_for 10 eval '! kill -0 $cap 2>/dev/null'; then
	fail "disk full: still running"
	kill -INT $cap
fi
rc=0
wait $cap || rc=$?
assert_eq 1 "$rc" "disk full: exit status"
assert_match "full.pcap: No space left on device" "$(cat $T/err)" "disk full: message"
n=$(tshark -r $T/small/full.pcap 2> $T/tshark.err | wc -l)
assert_eq 0 "$(grep -ci 'cut short\|error' $T/tshark.err)" "disk full: the pcap reads without error"
assert_ge 300 "$n" "disk full: packets kept (as many as fit)"
assert_eq "$n" "$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' $T/err)" \
	"disk full: captured = what the file holds"

# A closed pipe: the reader goes away after 100 bytes. That is the end of
# the capture (as for `-w - | wireshark -k -i -` when Wireshark closes),
# not an error: status 0, the statistics, no "Broken pipe".
in_ns client ping -i 0.02 -q $SERVER4 > /dev/null &
ping=$!
{ timeout 30 $CAP --netns /run/netns/router --hooks forward -F pcap -w - 2> $T/err
  echo $? > $T/rc; } | head -c 100 > /dev/null
kill $ping
assert_eq 0 "$(cat $T/rc)" "closed pipe: exit status ($(cat $T/err))"
assert_eq 0 "$(grep -c "Broken pipe" $T/err)" "closed pipe: no error message"
assert_match "[0-9]+ packets received by filter" "$(cat $T/err)" "closed pipe: the statistics"
