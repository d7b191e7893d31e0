# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Harness self-test, in the VM: a script that fails. tools/vm/run must
# report it as FAIL and fail the run (tests/vm/harness_selftest.sh checks).
echo "harness_exit1: exiting 1 on purpose"
exit 1
