# SPDX-License-Identifier: GPL-2.0 OR MIT
# The VM booted from tools/check-deb.sh's root (tools/vm/run --sysroot:
# its kernel, and its /lib/modules with the module DKMS built there): no
# module at boot; the packaged nftrace-capture's first capture loads the
# one DKMS built (modprobe, as root) and captures, with no insmod.
. tests/vm/lib.sh

root=${NFTRACE_DEB_ROOT:?the root check-deb.sh installed the packages in}
cap=$root/usr/sbin/nftrace-capture
ko=/lib/modules/$(uname -r)/updates/dkms/nftrace.ko
mk_tmpdir

assert_eq "" "$(grep '^nftrace ' /proc/modules)" "no module at boot"
[ -f $ko ] || die "no $ko in the packages' root"
ping -i 0.2 -q 127.0.0.1 > /dev/null &
pinger=$!
rc=0
timeout 120 $cap -c 4 > $T/out 2> $T/err || rc=$?
kill $pinger
wait $pinger 2>/dev/null
assert_eq 0 $rc "the packaged tool's first capture: exit status ($(cat $T/err))"
assert_eq 4 "$(grep -c ' ipv4 \(OUTPUT\|POSTROUTING\|PREROUTING\|INPUT\) ' $T/out)" \
	"the packaged tool's first capture: its packets"
assert_eq "$(modinfo -F srcversion $ko)" "$(cat /sys/module/nftrace/srcversion)" \
	"the module loaded is the one DKMS built"
rmmod nftrace || fail "rmmod nftrace"
