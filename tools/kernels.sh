#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/kernels.sh - nftrace on Debian's four kernel lines: build nftrace.ko
# against each kernel's own headers, with the compiler that kernel was
# built with, and run the module's core tests on it in the VM.
#
#   tools/kernels.sh setup SUITE...    make or refresh SUITE's root
#   tools/kernels.sh build SUITE...    build/kernels/KREL/nftrace.ko, W=1,
#                                      failing on any warning
#   tools/kernels.sh test SUITE...     boot SUITE's kernel, run $TESTS
#   tools/kernels.sh check SUITE...    all three (make check-kernels)
#   tools/kernels.sh krel SUITE        the kernel release SUITE tests
#
# SUITE is bullseye (5.10), bookworm (6.1), trixie (6.12) or sid (7.x);
# with none, all four. bookworm-rt and sid-rt are the PREEMPT_RT kernels of
# those releases (sid's, without CONFIG_PREEMPT_RT_NEEDS_BH_LOCK, is where
# bottom halves off no longer keep a CPU's tasks apart).
#
# bookworm is this machine's own release: its headers
# and kernel are the ones tools/install-deps.sh installed. Every other suite
# gets a root of its own, made with debootstrap and kept in the cache,
# ${NFTRACE_CACHE:-/var/cache/nftrace}/roots/SUITE, which `make clean`
# leaves alone: linux-image-amd64 and linux-headers-amd64 of that release
# are installed there (they pull in the gcc the kernel was built with), the
# module is built in it (chroot), and the VM boots its /boot/vmlinuz with
# its /lib/modules (tools/vm/run --sysroot). Nothing of these roots changes
# what a plain `make` builds against. `setup` refreshes a root to the
# suite's current kernel: sid's moves.
#
# Environment: TESTS (the scripts, default the matrix set below; --drops
# where the kernel has drop reasons), SET=ci (the smaller set CI boots,
# below), BUILD_ONLY="SUITE..." (check builds these and boots none of
# them), NFTRACE_CACHE, MIRROR.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${NFTRACE_CACHE:-/var/cache/nftrace}
mirror=${MIRROR:-http://deb.debian.org/debian}
security=${mirror%/debian}/debian-security
all_suites="bullseye bookworm trixie sid"

# The module's core tests: text at all hooks (IPv4, IPv6, forwarded), the
# flood's accounting against nft counters, the ABI and a hostile consumer,
# hook selection, lifecycle, the tool's statistics and --drops, the bridge,
# ARP and netdev families.
matrix_tests="test_module_text.sh test_module_flood.sh test_module_abi.sh
	test_module_hooksel.sh test_module_idle.sh test_module_perm.sh
	test_module_lifecycle.sh test_module_gso.sh test_capture_text.sh
	test_capture_stats.sh test_capture_drops.sh test_fuzz_dev.sh
	test_module_cpushare.sh test_module_badlen.sh test_module_etwake.sh
	test_module_priority.sh test_capture_netns_reuse.sh test_capture_nfqueue.sh
	test_capture_ids.sh test_capture_conntrack.sh test_capture_bridge.sh
	test_capture_netdev.sh"
# What CI boots (.ci/run, SET=ci): the matrix set without the scripts
# about the tool's output (text, stats) or about scheduling (idle, the
# CPU-sharing writers, edge-triggered wakeups), which Debian 12's kernel
# and its PREEMPT_RT run in `make check`, so that CI stays within its 90
# minutes.
ci_tests="test_module_text.sh test_module_flood.sh test_module_abi.sh
	test_module_hooksel.sh test_module_perm.sh test_module_lifecycle.sh
	test_module_gso.sh test_capture_drops.sh test_fuzz_dev.sh
	test_module_badlen.sh test_module_priority.sh test_capture_netns_reuse.sh
	test_capture_nfqueue.sh test_capture_ids.sh test_capture_conntrack.sh
	test_capture_bridge.sh test_capture_netdev.sh"
# On PREEMPT_RT: what bottom halves, irq_work, timers and the drop probe
# do differently.
rt_tests="test_module_text.sh test_module_flood.sh test_module_abi.sh
	test_module_lifecycle.sh test_capture_stats.sh test_capture_drops.sh
	test_module_cpushare.sh test_module_etwake.sh test_fuzz_dev.sh
	test_capture_ids.sh test_capture_bridge.sh test_capture_netdev.sh"

die() {
	echo "kernels: $*" >&2
	exit 1
}

root_of() { # SUITE
	case $1 in
	bookworm|bookworm-rt) echo / ;;
	*) echo "$cache/roots/${1%-rt}" ;;
	esac
}

flavour_of() { # SUITE: the metapackages' flavour
	case $1 in *-rt) echo rt-amd64 ;; *) echo amd64 ;; esac
}

# The kernel release a root's linux-image-amd64 points at.
krel_of() { # SUITE
	local root
	case $1 in
	bookworm)
		# As the top-level Makefile picks it: the newest non-rt headers.
		ls -d /lib/modules/*/build 2>/dev/null | grep -v -- '-rt-' | sort -V |
			tail -n1 | cut -d/ -f4
		return ;;
	bookworm-rt)
		ls -d /lib/modules/*-rt-amd64/build 2>/dev/null | sort -V |
			tail -n1 | cut -d/ -f4
		return ;;
	esac
	root=$(root_of "$1")
	[ -f "$root/var/lib/dpkg/status" ] || die "$1: no root (tools/kernels.sh setup $1)"
	chroot "$root" dpkg-query -W -f '${Depends}' "linux-image-$(flavour_of "$1")" |
		tr ',' '\n' | sed -n 's/^ *linux-image-\([^ ]*-amd64\).*/\1/p' | head -n1
}

sources_of() { # SUITE
	case $1 in
	bullseye|trixie|bullseye-rt|trixie-rt)
		echo "deb $mirror ${1%-rt} main"
		echo "deb $mirror ${1%-rt}-updates main"
		echo "deb $security ${1%-rt}-security main" ;;
	sid|sid-rt)	echo "deb $mirror sid main" ;;
	*)	die "unknown suite $1 (bullseye, bookworm, trixie, sid)" ;;
	esac
}

# Run a command in a root with /proc and /dev, unmounted again however it
# ends.
in_root() { # ROOT CMD...
	local root=$1 rc=0
	shift
	mount -t proc proc "$root/proc"
	mount --bind /dev "$root/dev"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive INITRD=No \
		"$@" || rc=$?
	umount "$root/dev" "$root/proc"
	return $rc
}

setup() { # SUITE
	local suite=$1 root krel flavour
	root=$(root_of "$suite")
	flavour=$(flavour_of "$suite")
	case $suite in
	bookworm) bash tools/install-deps.sh; return ;;
	bookworm-rt) bash tools/install-deps.sh --rt; return ;;
	esac
	sources_of "$suite" >/dev/null
	if [ ! -f "$root/.nftrace-debootstrap" ]; then
		command -v debootstrap >/dev/null ||
			apt-get install -y -qq -o DPkg::Lock::Timeout=600 debootstrap >/dev/null
		echo "kernels: $suite: debootstrap into $root"
		rm -rf "$root"
		mkdir -p "$(dirname "$root")"
		debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$root.log" 2>&1 ||
			{ tail -n 20 "$root.log" >&2; die "$suite: debootstrap failed ($root.log)"; }
		touch "$root/.nftrace-debootstrap"
	fi
	sources_of "$suite" > "$root/etc/apt/sources.list"
	# The archive these machines reach may serve a suite's Release file
	# past its Valid-Until (sid's expires within a week).
	echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/90nftrace"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	echo "kernels: $suite: installing its kernel and headers"
	# INITRD=No: the VM boots its own initramfs; the kernel's postinst
	# hook need not make one.
	# perl, python3: kernel-doc, which W=1 runs.
	in_root "$root" sh -c 'apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends \
			linux-image-'"$flavour"' linux-headers-'"$flavour"' \
			make perl python3 >/dev/null' ||
		die "$suite: cannot install linux-image-$flavour and linux-headers-$flavour"
	krel=$(krel_of "$suite")
	[ -r "$root/boot/vmlinuz-$krel" ] && [ -d "$root/lib/modules/$krel/kernel" ] &&
		[ -d "$root/usr/src/linux-headers-$krel" ] ||
		die "$suite: no kernel, modules or headers for $krel in $root"
	echo "kernels: $suite: $krel ready in $root"
}

# The module, built where the headers are, with the flags of kmod/Makefile.
build() { # SUITE
	local suite=$1 root krel out log src cc
	root=$(root_of "$suite")
	krel=$(krel_of "$suite")
	out=$repo/build/kernels/$krel
	log=$out/build.log
	mkdir -p "$out"
	if [ "$root" = / ]; then
		src=$out/src
		rm -rf "$src" && mkdir -p "$src"
		cp -r kmod include "$src/"
		make -C "/lib/modules/$krel/build" M="$src/kmod" W=1 modules > "$log" 2>&1 ||
			{ cat "$log" >&2; die "$suite: $krel: the build failed"; }
	else
		# A directory of its own: builds for one root may overlap.
		src=$(mktemp -d "$root/tmp/nftrace-build.XXXXXX")
		cp -r kmod include "$src/"
		in_root "$root" make -C "/lib/modules/$krel/build" \
			M="${src#"$root"}/kmod" W=1 modules > "$log" 2>&1 ||
			{ cat "$log" >&2; die "$suite: $krel: the build failed"; }
	fi
	if grep -E 'warning:|error:' "$log"; then
		die "$suite: $krel: the build has warnings ($log)"
	fi
	cp "$src/kmod/nftrace.ko" "$out/nftrace.ko"
	rm -rf "$src"
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$root/usr/src/linux-headers-$krel/.config")
	echo "kernels: $suite: $krel: build/kernels/$krel/nftrace.ko, W=1, no warnings ($cc)"
}

vmtest() { # SUITE
	local suite=$1 root krel scripts=() t sysroot=() tests
	root=$(root_of "$suite")
	krel=$(krel_of "$suite")
	[ "$root" = / ] || sysroot=(--sysroot "$root")
	case ${SET:-matrix} in
	matrix) tests=$matrix_tests ;;
	ci) tests=$ci_tests ;;
	*) die "SET=$SET: matrix or ci" ;;
	esac
	case $suite in *-rt) tests=$rt_tests ;; esac
	for t in ${TESTS:-$tests}; do
		scripts+=("tests/vm/${t##*/}")
	done
	make -s -C tests/vm nftrace_check fuzz_dev >/dev/null
	echo "kernels: $suite: booting $krel"
	NFTRACE_KO=build/kernels/$krel/nftrace.ko \
		tools/vm/run --kernel "$krel" "${sysroot[@]}" --timeout 3000 --script-timeout 300 \
		--out "build/vm/kernels-$krel" "${scripts[@]}"
}

[ $# -ge 1 ] || { sed -n '7,12s/^# \{0,1\}//p' "$0" >&2; exit 2; }
cmd=$1
shift
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, the VM reads /boot)"
suites=${*:-$all_suites}

case $cmd in
setup|build)
	for s in $suites; do "$cmd" "$s"; done ;;
test)
	for s in $suites; do vmtest "$s"; done ;;
krel)
	krel_of "$1" ;;
check)
	# The roots first, side by side: debootstrap and apt wait on the
	# network more than on the CPU.
	# Suites that share a root (sid, sid-rt) are set up one after the
	# other, in one job.
	failed=() pids=() roots=()
	mkdir -p build/kernels
	rm -f build/kernels/setup-failed
	for s in $suites; do
		r=$(root_of "$s")
		case " ${roots[*]:-} " in *" $r "*) continue ;; esac
		roots+=("$r")
		(
			for t in $suites; do
				[ "$(root_of "$t")" = "$r" ] || continue
				setup "$t" > "build/kernels/setup-$t.log" 2>&1 ||
					{ echo "$t" >> build/kernels/setup-failed; exit 1; }
			done
		) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	for s in $(cat build/kernels/setup-failed 2>/dev/null); do
		cat "build/kernels/setup-$s.log"
		failed+=("$s")
	done
	for s in $suites; do
		case " ${failed[*]:-} " in *" $s "*) continue ;; esac
		echo "======== kernels: $s ========"
		tail -n1 "build/kernels/setup-$s.log"
		case " ${BUILD_ONLY:-} " in
		*" $s "*) build "$s" || failed+=("$s") ;;
		*) ( build "$s" && vmtest "$s" ) || failed+=("$s") ;;
		esac
	done
	echo "======== kernels: ${suites// /, }: ${#failed[@]} failed ${failed[*]:-} ========"
	[ ${#failed[@]} = 0 ] ;;
*)
	die "unknown command $cmd" ;;
esac
