# SPDX-License-Identifier: GPL-2.0 OR MIT
# The last script of a debug kernel's run (tools/debug-kernels.sh): after
# the other scripts have loaded, used and unloaded nftrace, unload it if it
# is still there, have kmemleak scan twice (an object is reported once it
# stays unreferenced over two scans at least 5 s apart) and fail if any leak
# reported has nftrace in its backtrace. All the leaks found are printed and
# kept in $VMOUT/kmemleak.
#
# On these kernels nftrace.ko is the only module (everything else is built
# in), and kmemleak symbolizes a backtrace when it prints it: a frame of a
# module unloaded by then prints as a bare address (`[<ffffffffc...>]
# 0xffffffffc...`). Such a frame is nftrace's, and counts as "nftrace".
# Leaks without either are the kernel's own: reported, not failed.
. tests/vm/lib.sh

kml=/sys/kernel/debug/kmemleak
[ -e $kml ] || { echo "SKIP: no $kml (a kernel without CONFIG_DEBUG_KMEMLEAK)"; exit 0; }
unload_nftrace

for i in 1 2; do
	echo scan > $kml || die "kmemleak scan $i: is kmemleak disabled? (dmesg | grep kmemleak)"
	sleep 6
done
echo scan > $kml || die "kmemleak scan 3"
cat $kml > /tmp/kmemleak
cp /tmp/kmemleak "$VMOUT/kmemleak" 2>/dev/null || true

total=$(grep -c '^unreferenced object' /tmp/kmemleak || true)
echo "kmemleak: $total unreferenced object(s) reported"
cat /tmp/kmemleak

# One record per leak, its lines joined by '|'; the nftrace ones.
ours=$(awk '/^unreferenced object/ { if (r != "") print r; r = $0; next }
	    { r = r "|" $0 } END { if (r != "") print r }' /tmp/kmemleak |
       grep -E 'nftrace|\] 0xffffffff[0-9a-f]{8}' || true)
if [ -n "$ours" ]; then
	fail "kmemleak: $(echo "$ours" | grep -c .) leak(s) with nftrace (or an unloaded module) in the backtrace:"
	echo "$ours" | tr '|' '\n'
else
	ok "kmemleak: no leak with nftrace in its backtrace"
	[ "$total" = 0 ] ||
		echo "note: the $total leak(s) above are the kernel's own (no nftrace frame): reported, not failed"
fi
