# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Harness self-test, in the VM: a script that passes but makes the kernel
# WARN (tests/vm/splat/splat.ko). tools/vm/run must still fail the run, from
# the kernel log alone (tests/vm/harness_selftest.sh checks).
. tests/vm/lib.sh

ko=tests/vm/splat/splat.ko
[ -f $ko ] || die "no $ko (make -C tests/vm splat)"
expect_ok "insmod $ko" insmod $ko
expect_ok "rmmod splat" rmmod splat
