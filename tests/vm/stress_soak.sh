# SPDX-License-Identifier: GPL-2.0
# test_soak_short.sh with 10 million datagrams (after a round of 100 000
# that measures the rate): the same two concurrent mmap readers, the same
# exact accounting against nftables, over a run of minutes.
#
#   NFTRACE_SOAK_PACKETS=N  another count (tools/vm/run tests/vm/stress_soak.sh)
SOAK_PACKETS=10000000
. tests/vm/test_soak_short.sh
