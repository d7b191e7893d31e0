# SPDX-License-Identifier: GPL-2.0
# The priority parameter must leave the --drops exit op (NF_IP_PRI_LAST)
# strictly after the entry op: at NF_IP_PRI_LAST the module refuses to
# load, with EINVAL and a message saying why; below it, it loads.
. tests/vm/lib.sh

unload_nftrace
dmesg -C
out=$(insmod "$NFTRACE_KO" priority=2147483647 2>&1)
rc=$?
echo "insmod priority=2147483647: exit $rc: $out"
assert_ne 0 "$rc" "insmod priority=NF_IP_PRI_LAST fails"
# insmod words every EINVAL as "Invalid parameters": ask the syscall.
errno=$(python3 - "$NFTRACE_KO" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDONLY)
# finit_module(fd, params, flags) is syscall 313 on x86_64
ret = libc.syscall(313, fd, b"priority=2147483647", 0)
print(0 if ret == 0 else ctypes.get_errno())
PY
)
assert_eq 22 "$errno" "finit_module(priority=2147483647) errno (EINVAL)"
nftrace_loaded && fail "the module stayed loaded" && unload_nftrace
assert_match "nftrace: priority 2147483647: must be below NF_IP_PRI_LAST" \
	"$(dmesg)" "the kernel log says why"

for prio in -150 2147483646 -2147483648; do
	load_nftrace priority=$prio
	assert_eq "$prio" "$(cat /sys/module/nftrace/parameters/priority)" \
		"loads with priority=$prio"
	unload_nftrace
done
