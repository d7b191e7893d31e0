#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Harness self-test, on the host: one VM boot that must FAIL, because one
# script exits 1 (harness_exit1.sh) and another, which passes, makes the
# kernel WARN (harness_splat.sh). The boot of `make -C tests/vm check`,
# which must pass, is the other half: a run without a splat passes.
#
#   tests/vm/harness_selftest.sh [tools/vm/run options]
set -uo pipefail
cd "$(dirname "$0")/../.."

out=build/vm/selftest-$(date +%Y%m%d-%H%M%S)-$$
log=$out/run.log
mkdir -p "$out"
passed=0
failed=0

ok() {
	echo "ok   $*"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

check() { # MSG EXTENDED-REGEX: a line of the run's output must match
	if grep -Eq -- "$2" "$log"; then
		ok "$1"
	else
		fail "$1: no line matches /$2/"
	fi
}

echo "harness self-test: a VM run that must fail (log: $log)"
tools/vm/run "$@" --out "$out" tests/vm/harness_exit1.sh tests/vm/harness_splat.sh \
	> "$log" 2>&1
rc=$?
if [ $rc = 1 ]; then
	ok "the run fails"
else
	fail "the run fails: expected exit 1, got $rc"
fi
check "a script exiting 1 is a FAIL" '^FAIL tests/vm/harness_exit1\.sh \(1\)$'
check "the WARNing script itself passes" '^PASS tests/vm/harness_splat\.sh$'
check "the kernel log is a FAIL" '^FAIL kernel log \(splat in '
check "the WARNING is shown, in splat.ko" '^\[ *[0-9.]+\] WARNING: .* splat_init\+.*\[splat\]$'
check "with the script that caused it" 'vm: \[2/2\] tests/vm/harness_splat\.sh$'
check "the tally" '^vm: 1 passed, 2 failed$'

if [ $failed != 0 ]; then
	echo "harness self-test: FAIL; the run's output:"
	cat "$log"
fi
echo "selftest: $passed passed, $failed failed"
[ $failed = 0 ]
