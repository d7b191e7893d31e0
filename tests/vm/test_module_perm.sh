# SPDX-License-Identifier: GPL-2.0
# /dev/nftrace is root's: mode 0600, and open() needs CAP_NET_ADMIN even
# when the mode would let a user in; CAP_NET_RAW alone is not enough.
. tests/vm/lib.sh

load_nftrace
assert_eq "600 root root" "$(stat -c '%a %U %G' /dev/nftrace)" "device node mode and owner"

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

out=$(as_nobody cat /dev/nftrace 2>&1)
assert_match "Permission denied" "$out" "unprivileged open of the 0600 node"

chmod 0666 /dev/nftrace
at_exit chmod 0600 /dev/nftrace
out=$(as_nobody cat /dev/nftrace 2>&1)
assert_match "Operation not permitted" "$out" "unprivileged open of a 0666 node: EPERM"
out=$(as_nobody --inh-caps=+net_raw --ambient-caps=+net_raw cat /dev/nftrace 2>&1)
assert_match "Operation not permitted" "$out" "open with CAP_NET_RAW only: EPERM"
out=$(setpriv --bounding-set=-net_admin --inh-caps=-net_admin timeout 1 cat /dev/nftrace 2>&1)
assert_match "Operation not permitted" "$out" "root without CAP_NET_ADMIN: EPERM"
out=$(timeout 1 cat /dev/nftrace 2>&1; echo "rc=$?")
assert_match "rc=124" "$out" "root with CAP_NET_ADMIN reads until stopped"
