#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/debug-kernels.sh - nftrace under debug kernels: build Debian's 6.1
# (linux-source-6.1) with KASAN, lockdep, kmemleak, UBSAN and friends, and
# again with KCSAN, both with a small config for the test VM (everything it
# needs built in, no modules but nftrace.ko); build nftrace.ko against each,
# W=1, failing on any warning; run the module's core tests on each in the VM,
# then a kmemleak scan (tests/vm/debug_kmemleak.sh).
#
#   tools/debug-kernels.sh build FLAVOR...   build or reuse the kernel
#   tools/debug-kernels.sh module FLAVOR...  build/debug/KREL/nftrace.ko
#   tools/debug-kernels.sh test FLAVOR...    boot it, run $TESTS + kmemleak
#   tools/debug-kernels.sh check FLAVOR...   all three (make check-debug)
#   tools/debug-kernels.sh krel FLAVOR       the kernel release of FLAVOR
#
# FLAVOR is kasan (KASAN generic inline, lockdep with PROVE_LOCKING and
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS_*, kmemleak, UBSAN bounds and
# shift, DEBUG_LIST, spinlock/mutex debugging) or kcsan (KCSAN, which
# excludes KASAN, with lockdep); with none, both. KREL is
# 6.1.N-nftrace-FLAVOR.
#
# The kernels are built out of tree (O=) from one unpacked source, under
# ${NFTRACE_CACHE:-/var/cache/nftrace}/debug/, keyed by the linux-source
# package's version, the flavor, its config fragments and the functions of
# this script that build it: a second run reuses them. Each key's directory holds obj/ (the
# build tree, which is also the KDIR modules build against) and sysroot/
# (boot/vmlinuz-KREL and lib/modules/KREL, as tools/vm/run --sysroot takes
# them). The config is x86_64_defconfig + kvm_guest.config + the fragments
# below, applied with scripts/config and `make olddefconfig`; every option
# asked for is checked in the resulting .config, and the build stops if a
# dependency dropped one.
#
# Environment: TESTS (the scripts, default the set below), NFTRACE_CACHE,
# VMFLAGS (more tools/vm/run options), JOBS (make -j, default 2),
# NFTRACE_SLOW (the tests' slowness factor, default per flavor below).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${NFTRACE_CACHE:-/var/cache/nftrace}/debug
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-2}
all_flavors="kasan kcsan"

# Under the sanitizers and TCG the guest is some 5-10 times slower than
# the Debian kernel's: the module's core tests, not the whole suite. Not
# here: test_module_hooksel.sh reads nf_hook_state from the kernel's BTF,
# which these kernels (no debug info) lack; test_module_flood.sh needs a
# ping flood that overruns a 64 KiB ring drained every 100 ms, and at the
# debug kernels' pace (some 70 pings/s) it does not (test_capture_stats.sh
# overruns the rings with its consumer stopped, at any pace).
debug_tests="test_module_text.sh test_module_abi.sh test_module_lifecycle.sh
	test_capture_drops.sh test_fuzz_dev.sh test_capture_stats.sh"

# Each flavor's set, to stay well under an hour in TCG: on the KASAN guest
# test_capture_drops.sh alone took 28 minutes (its many tshark runs), so
# kasan runs it only when TESTS names it.
debug_tests_of() { # FLAVOR
	case $1 in
	kasan) echo "${debug_tests/test_capture_drops.sh/}" ;;
	*) echo "$debug_tests" ;;
	esac
}

die() {
	echo "debug-kernels: $*" >&2
	exit 1
}

# The config fragments: NAME=y, NAME=n, NAME=VALUE. Every line is checked
# in the final .config (=n: not set).
common_fragment() {
	cat <<'EOF'
# What the VM needs (tools/vm/init), built in
CONFIG_LOCALVERSION_AUTO=n
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_MODULE_SIG=n
CONFIG_BLK_DEV_INITRD=y
CONFIG_ACPI=y
CONFIG_PCI=y
CONFIG_VIRTIO=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_CONSOLE=y
CONFIG_HW_RANDOM=y
CONFIG_HW_RANDOM_VIRTIO=y
CONFIG_NETWORK_FILESYSTEMS=y
CONFIG_NET_9P=y
CONFIG_NET_9P_VIRTIO=y
CONFIG_9P_FS=y
CONFIG_9P_FS_POSIX_ACL=y
CONFIG_OVERLAY_FS=y
CONFIG_TMPFS=y
CONFIG_DEVTMPFS=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_UNIX98_PTYS=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_DEBUG_FS=y
CONFIG_PREEMPT_VOLUNTARY=y
CONFIG_IKCONFIG=n
CONFIG_DEBUG_INFO_NONE=y
CONFIG_DEBUG_INFO=n
# What the tests use
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_INET=y
CONFIG_IPV6=y
CONFIG_PACKET=y
CONFIG_NET_NS=y
CONFIG_USER_NS=y
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_NETDEVICES=y
CONFIG_NET_CORE=y
CONFIG_VETH=y
CONFIG_DUMMY=y
CONFIG_TUN=y
CONFIG_BRIDGE=y
CONFIG_NETFILTER=y
CONFIG_NETFILTER_ADVANCED=y
CONFIG_NETFILTER_NETLINK_QUEUE=y
CONFIG_NETFILTER_NETLINK_LOG=y
CONFIG_NF_CONNTRACK=y
CONFIG_NF_NAT=y
CONFIG_NF_DEFRAG_IPV4=y
CONFIG_NF_DEFRAG_IPV6=y
CONFIG_NF_TABLES=y
CONFIG_NF_TABLES_INET=y
CONFIG_NF_TABLES_NETDEV=y
CONFIG_NF_TABLES_IPV4=y
CONFIG_NF_TABLES_IPV6=y
CONFIG_NF_TABLES_BRIDGE=y
CONFIG_NFT_NUMGEN=y
CONFIG_NFT_OBJREF=y
CONFIG_NFT_CT=y
CONFIG_NFT_LOG=y
CONFIG_NFT_LIMIT=y
CONFIG_NFT_MASQ=y
CONFIG_NFT_NAT=y
CONFIG_NFT_QUEUE=y
CONFIG_NFT_QUOTA=y
CONFIG_NFT_REJECT=y
CONFIG_NFT_REJECT_INET=y
CONFIG_NFT_REJECT_IPV4=y
CONFIG_NFT_REJECT_IPV6=y
CONFIG_NFT_HASH=y
CONFIG_NFT_DUP_NETDEV=y
CONFIG_NFT_FWD_NETDEV=y
CONFIG_NFT_DUP_IPV4=y
CONFIG_NFT_DUP_IPV6=y
CONFIG_BRIDGE_NETFILTER=n
CONFIG_BPF=y
CONFIG_BPF_SYSCALL=y
CONFIG_KPROBES=y
CONFIG_KPROBE_EVENTS=y
CONFIG_FTRACE=y
CONFIG_FUNCTION_TRACER=y
CONFIG_DYNAMIC_FTRACE=y
CONFIG_TRACING=y
CONFIG_SOFTLOCKUP_DETECTOR=y
CONFIG_DETECT_HUNG_TASK=y
# Not needed, and slow to build: off
CONFIG_DRM=n
CONFIG_SOUND=n
CONFIG_USB_SUPPORT=n
CONFIG_WLAN=n
CONFIG_WIRELESS=n
CONFIG_CFG80211=n
CONFIG_ETHERNET=n
CONFIG_ATA=n
CONFIG_SCSI=n
CONFIG_MD=n
CONFIG_NFS_FS=n
CONFIG_NFSD=n
CONFIG_SECURITY_SELINUX=n
CONFIG_AGP=n
CONFIG_HAMRADIO=n
CONFIG_PCCARD=n
CONFIG_INFINIBAND=n
CONFIG_RFKILL=n
CONFIG_EXPERT=y
CONFIG_BLOCK=n
CONFIG_AUDIT=n
CONFIG_SECURITY=n
CONFIG_EFI=n
CONFIG_KEXEC=n
CONFIG_CRASH_DUMP=n
CONFIG_SUSPEND=n
CONFIG_HIBERNATION=n
CONFIG_X86_MCE=n
CONFIG_MICROCODE=n
CONFIG_NUMA=n
CONFIG_XEN=n
CONFIG_IP_PNP=n
CONFIG_IPV6_SIT=n
CONFIG_NETLABEL=n
CONFIG_NETFILTER_XTABLES=n
CONFIG_IP_NF_IPTABLES=n
CONFIG_IP6_NF_IPTABLES=n
CONFIG_NET_SCHED=n
CONFIG_HOTPLUG_PCI=n
CONFIG_VIRTIO_NET=n
CONFIG_MACINTOSH_DRIVERS=n
CONFIG_NETCONSOLE=n
CONFIG_VT=n
CONFIG_INPUT=n
CONFIG_HID=n
CONFIG_HWMON=n
CONFIG_DMADEVICES=n
CONFIG_ACPI_WMI=n
CONFIG_ACPI_VIDEO=n
CONFIG_ACPI_BATTERY=n
CONFIG_ACPI_AC=n
CONFIG_ACPI_FAN=n
CONFIG_ACPI_DOCK=n
CONFIG_ACPI_THERMAL=n
CONFIG_ACPI_BGRT=n
CONFIG_QUOTA=n
CONFIG_PERF_EVENTS_INTEL_UNCORE=n
CONFIG_PERF_EVENTS_INTEL_RAPL=n
CONFIG_PERF_EVENTS_INTEL_CSTATE=n
CONFIG_XFRM_USER=n
CONFIG_IP_MROUTE=n
CONFIG_TCP_CONG_ADVANCED=n
CONFIG_DNS_RESOLVER=n
CONFIG_NET_SELFTESTS=n
CONFIG_PHYLIB=n
CONFIG_I2C=n
CONFIG_PPS=n
CONFIG_PTP_1588_CLOCK=n
CONFIG_POWER_SUPPLY=n
CONFIG_WATCHDOG=n
CONFIG_NEW_LEDS=n
CONFIG_X86_PLATFORM_DEVICES=n
CONFIG_IOMMU_SUPPORT=n
CONFIG_CGROUP_DEBUG=n
CONFIG_CGROUP_RDMA=n
CONFIG_CGROUP_HUGETLB=n
CONFIG_SERIO=n
EOF
}

flavor_fragment() { # FLAVOR
	case $1 in
	kasan) cat <<'EOF'
# Debug: KASAN, lockdep, kmemleak, UBSAN, ...
CONFIG_DEBUG_KERNEL=y
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_LOCKDEP=y
CONFIG_PROVE_LOCKING=y
CONFIG_PROVE_RCU=y
CONFIG_DEBUG_SPINLOCK=y
CONFIG_DEBUG_MUTEXES=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_OBJECTS=y
CONFIG_DEBUG_OBJECTS_TIMERS=y
CONFIG_DEBUG_OBJECTS_WORK=y
CONFIG_DEBUG_OBJECTS_RCU_HEAD=y
CONFIG_DEBUG_OBJECTS_PERCPU_COUNTER=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=n
CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=32000
CONFIG_UBSAN=y
CONFIG_UBSAN_BOUNDS=y
CONFIG_UBSAN_SHIFT=y
CONFIG_UBSAN_ALIGNMENT=n
CONFIG_UBSAN_TRAP=n
CONFIG_DEBUG_LIST=y
EOF
	;;
	kcsan) cat <<'EOF'
# Debug: KCSAN (no KASAN), with lockdep
CONFIG_DEBUG_KERNEL=y
CONFIG_KASAN=n
CONFIG_KCSAN=y
CONFIG_LOCKDEP=y
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_SPINLOCK=y
CONFIG_DEBUG_MUTEXES=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_LIST=y
EOF
	;;
	*) die "unknown flavor $1 (kasan, kcsan)" ;;
	esac
}

src_version() {
	dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
		die "no linux-source-6.1: apt-get install linux-source-6.1"
}

dir_of() { # FLAVOR
	local key ver
	# What makes the kernel: not the test list, so that changing it
	# rebuilds nothing.
	ver=$(src_version)
	key=$( { echo "$ver"; echo "$1"; common_fragment; flavor_fragment "$1"
		declare -f unpack apply_fragment build; } | sha256sum | cut -c1-12)
	echo "$cache/$1-$key"
}

krel_of() { # FLAVOR
	local d
	d=$(dir_of "$1")
	[ -f "$d/krel" ] || die "$1: not built (tools/debug-kernels.sh build $1)"
	cat "$d/krel"
}

# One unpacked source for both flavors, per package version.
unpack() {
	local ver src
	ver=$(src_version)
	src=$cache/linux-source-$ver
	if [ ! -f "$src/.nftrace-unpacked" ]; then
		echo "debug-kernels: unpacking $tarball ($ver)" >&2
		rm -rf "$src" "$src.tmp"
		mkdir -p "$src.tmp"
		tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
		mv "$src.tmp" "$src"
		touch "$src/.nftrace-unpacked"
	fi
	echo "$src"
}

# Apply a fragment with scripts/config.
apply_fragment() { # SRC OBJ FRAGMENT-FILE
	local src=$1 obj=$2 line name val args=()
	while IFS= read -r line; do
		case $line in ''|'#'*) continue ;; esac
		name=${line%%=*}
		name=${name#CONFIG_}
		val=${line#*=}
		case $val in
		y) args+=(--enable "$name") ;;
		n) args+=(--disable "$name") ;;
		m) args+=(--module "$name") ;;
		\"*) args+=(--set-str "$name" "$(eval echo "$val")") ;;
		*) args+=(--set-val "$name" "$val") ;;
		esac
	done < "$3"
	"$src/scripts/config" --file "$obj/.config" "${args[@]}"
}

# Every line of the fragment must be in .config as asked.
check_fragment() { # OBJ FRAGMENT-FILE
	local obj=$1 line name val bad=0
	while IFS= read -r line; do
		case $line in ''|'#'*) continue ;; esac
		name=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			if grep -q "^$name=" "$obj/.config"; then
				echo "debug-kernels: $name: asked n, got $(grep "^$name=" "$obj/.config")" >&2
				bad=1
			fi
		elif ! grep -qx "$name=$val" "$obj/.config"; then
			echo "debug-kernels: $name: asked $val, got $(grep -E "^(# )?${name}[= ]" "$obj/.config" || echo nothing)" >&2
			bad=1
		fi
	done < "$2"
	[ $bad = 0 ] || die "$obj/.config lacks options asked for (a dependency dropped them)"
}

build() { # FLAVOR
	local flavor=$1 d src obj sysroot krel t0 kmake
	d=$(dir_of "$flavor")
	if [ -f "$d/.nftrace-built" ]; then
		echo "debug-kernels: $flavor: reusing $(cat "$d/krel") in $d"
		return
	fi
	src=$(unpack)
	obj=$d/obj
	sysroot=$d/sysroot
	mkdir -p "$obj"
	kmake=(nice -n 19 make -C "$src" O="$obj" LOCALVERSION="-nftrace-$flavor")
	{ common_fragment; flavor_fragment "$flavor"; } > "$d/fragment.config"
	echo "debug-kernels: $flavor: configuring in $obj"
	"${kmake[@]}" -s x86_64_defconfig
	"${kmake[@]}" -s kvm_guest.config
	apply_fragment "$src" "$obj" "$d/fragment.config"
	"${kmake[@]}" -s olddefconfig
	check_fragment "$obj" "$d/fragment.config"
	krel=$("${kmake[@]}" -s kernelrelease)
	echo "debug-kernels: $flavor: building $krel (make -j$jobs, log $d/build.log)"
	t0=$(date +%s)
	"${kmake[@]}" -j"$jobs" bzImage modules > "$d/build.log" 2>&1 ||
		{ tail -n 40 "$d/build.log" >&2; die "$flavor: the kernel build failed ($d/build.log)"; }
	"${kmake[@]}" -j"$jobs" modules_prepare >> "$d/build.log" 2>&1
	echo "$(($(date +%s) - t0))" > "$d/build-seconds"
	rm -rf "$sysroot"
	mkdir -p "$sysroot/boot"
	"${kmake[@]}" INSTALL_MOD_PATH="$sysroot" modules_install >> "$d/build.log" 2>&1
	depmod -b "$sysroot" "$krel"
	[ -s "$sysroot/lib/modules/$krel/modules.builtin" ] ||
		die "$flavor: no modules.builtin in $sysroot/lib/modules/$krel"
	cp "$obj/arch/x86/boot/bzImage" "$sysroot/boot/vmlinuz-$krel"
	cp "$obj/.config" "$sysroot/boot/config-$krel"
	echo "$krel" > "$d/krel"
	touch "$d/.nftrace-built"
	echo "debug-kernels: $flavor: $krel built in $(cat "$d/build-seconds")s, in $d"
}

# The module, in a copy of kmod/ (Kbuild writes beside the sources).
module() { # FLAVOR
	local flavor=$1 d krel out src log
	d=$(dir_of "$flavor")
	krel=$(krel_of "$flavor")
	out=$repo/build/debug/$krel
	src=$out/src
	log=$out/build.log
	rm -rf "$src" && mkdir -p "$src"
	cp -r kmod include "$src/"
	make -C "$d/obj" M="$src/kmod" W=1 modules > "$log" 2>&1 ||
		{ cat "$log" >&2; die "$flavor: $krel: the module build failed"; }
	if grep -E 'warning:|error:' "$log"; then
		die "$flavor: $krel: the module build has warnings ($log)"
	fi
	cp "$src/kmod/nftrace.ko" "$out/nftrace.ko"
	echo "debug-kernels: $flavor: build/debug/$krel/nftrace.ko, W=1, no warnings"
}

# How many times slower than the Debian kernel's the guest runs (TCG and
# the sanitizers): the tests' waits for something to happen are scaled by
# it (NFTRACE_SLOW, tests/vm/lib.sh), what they assert is not.
slowness_of() { # FLAVOR
	case $1 in
	kasan) echo 5 ;;
	kcsan) echo 4 ;;
	esac
}

vmtest() { # FLAVOR
	local flavor=$1 d krel t scripts=()
	d=$(dir_of "$flavor")
	krel=$(krel_of "$flavor")
	for t in ${TESTS:-$(debug_tests_of "$flavor")}; do
		scripts+=("tests/vm/${t##*/}")
	done
	scripts+=(tests/vm/debug_kmemleak.sh)
	# The capture tests need the tool: make check-debug builds it, a
	# `tools/debug-kernels.sh test` alone would find none.
	make -s user >/dev/null
	make -s -C tests/vm nftrace_check fuzz_dev >/dev/null
	echo "debug-kernels: $flavor: booting $krel"
	# shellcheck disable=SC2086 # VMFLAGS: words
	NFTRACE_KO=build/debug/$krel/nftrace.ko \
	NFTRACE_SLOW=${NFTRACE_SLOW:-$(slowness_of "$flavor")} \
	NFTRACE_CYCLES=${NFTRACE_CYCLES:-5} \
		tools/vm/run --kernel "$krel" --sysroot "$d/sysroot" --mem 3072 \
		--timeout 7200 --script-timeout 1800 \
		--known tools/vm/known-kernel-reports ${VMFLAGS:-} \
		--out "build/vm/debug-$krel" "${scripts[@]}"
}

[ $# -ge 1 ] || { sed -n '12,16s/^# \{0,1\}//p' "$0" >&2; exit 2; }
cmd=$1
shift
[ "$(id -u)" = 0 ] || die "must run as root (depmod into the sysroot, the VM)"
flavors=${*:-$all_flavors}

case $cmd in
build)
	bash tools/install-deps.sh --debug
	for f in $flavors; do build "$f"; done ;;
module) for f in $flavors; do module "$f"; done ;;
test) for f in $flavors; do vmtest "$f"; done ;;
krel) krel_of "$1" ;;
check)
	bash tools/install-deps.sh --debug
	failed=()
	for f in $flavors; do
		echo "======== debug-kernels: $f ========"
		( build "$f" && module "$f" && vmtest "$f" ) || failed+=("$f")
	done
	echo "======== debug-kernels: ${flavors// /, }: ${#failed[@]} failed ${failed[*]:-} ========"
	[ ${#failed[@]} = 0 ] ;;
*) die "unknown command $cmd" ;;
esac
