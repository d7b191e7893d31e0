# SPDX-License-Identifier: GPL-2.0
# test_fuzz_dev.sh for longer (120 s, 4 threads, a fresh random seed each
# run, printed), while namespaces and a veth pair come and go under the
# traffic. The same checks: every call returns, no splat, no leak.
#
#   NFTRACE_FUZZ_SEED=N NFTRACE_FUZZ_SECS=N NFTRACE_FUZZ_THREADS=N
#   replay or lengthen a run (tools/vm/run tests/vm/stress_fuzz_dev.sh).
FUZZ_SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
FUZZ_SECS=120
FUZZ_THREADS=4
FUZZ_CHURN=1
. tests/vm/test_fuzz_dev.sh
