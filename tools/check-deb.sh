#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/check-deb.sh - `make check-deb`: the Debian packages as a user
# gets them. As root:
#
#   1. `make deb` (tools/deb.sh): both packages, lintian without errors;
#   2. a bare Debian 12 root (check-fresh's cached debootstrap tarball,
#      unpacked afresh) with the host's apt sources;
#   3. in it, `apt-get install ./nftrace_*.deb ./nftrace-dkms_*.deb` and
#      the VM's kernel and its headers ($KABI, as tools/install-deps.sh
#      resolves it): apt pulls dkms, DKMS builds nftrace.ko; the module
#      must be in /lib/modules/$KABI/updates/dkms with that vermagic and
#      in modules.dep, `nftrace-capture --version` must run, the extcap
#      link and the udev rule must be there;
#   4. the VM booted from that root's kernel and /lib/modules (tools/vm/run
#      --sysroot, tests/vm/deb_guest.sh): no module at boot, and the
#      packaged nftrace-capture's first capture loads the one DKMS built
#      and captures, with no insmod;
#   5. `apt-get purge` of both: the module, its DKMS tree and its source
#      must be gone from every kernel's tree.
#
# Environment: NFTRACE_CACHE (/var/cache/nftrace), as check-fresh's;
# NFTRACE_KABI (the kernel ABI, e.g. 6.1.0-57; default: the host's VM
# kernel, the newest /lib/modules/*-amd64 with headers).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${NFTRACE_CACHE:-/var/cache/nftrace}

say() { printf 'check-deb: %s\n' "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }
failed=0
check() {	# WHAT COMMAND...: one line, ok or FAIL
	local what=$1
	shift
	if "$@" > /dev/null 2>&1; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		failed=1
	fi
}

[ "$(id -u)" = 0 ] || die "must run as root (chroot, apt-get)"
kabi=${NFTRACE_KABI:-}
if [ -z "$kabi" ]; then
	kabi=$(ls -d /lib/modules/*-amd64/build 2>/dev/null | grep -v -- '-rt-' |
	       sed 's|/lib/modules/\(.*\)-amd64/build|\1|' | sort -V | tail -n1)
fi
[ -n "$kabi" ] || die "no kernel ABI: set NFTRACE_KABI or run tools/install-deps.sh"
krel=$kabi-amd64

# 1. The packages.
bash "$repo/tools/deb.sh" || die "make deb"
version=$(dpkg-parsechangelog -l "$repo/tools/debian/changelog" -SVersion)
debs=("$repo/build/deb/nftrace_${version}_amd64.deb"
      "$repo/build/deb/nftrace-dkms_${version}_all.deb")

# 2. The bare root.
tarball=$(ls -t "$cache"/fresh/bookworm-minbase-*.tar.zst 2>/dev/null | head -n1)
[ -n "$tarball" ] || die "no bare root in $cache/fresh: run make check-fresh once"
scratch=$(mktemp -d "$cache/fresh/deb.XXXXXX")
root=$scratch/root
cleanup() {
	local rc=$? p
	set +e
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	umount "$root/proc" 2>/dev/null || umount -l "$root/proc" 2>/dev/null
	if [ $rc != 0 ]; then
		say "kept $scratch" >&2
	elif ! findmnt -rn -o TARGET | grep -q "^$scratch/"; then
		rm -rf "$scratch"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$root"
zstd -dc "$tarball" | tar --numeric-owner --xattrs -C "$root" -x
chmod 755 "$root"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
	rm -f "$root/etc/apt/sources.list"
else
	cp /etc/apt/sources.list "$root/etc/apt/sources.list"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "${debs[@]}" "$root/tmp/"
mount -t proc proc "$root/proc"
say "bare root from $tarball"

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive "$@"; }

# 3. Install, as a user would.
in_root apt-get update -qq > "$scratch/install.log" 2>&1 || die "apt-get update"
in_root apt-get install -y --no-install-recommends \
	"/tmp/${debs[0]##*/}" "/tmp/${debs[1]##*/}" "linux-headers-$krel" \
	"linux-image-$krel" \
	>> "$scratch/install.log" 2>&1 ||
	{ tail -n 30 "$scratch/install.log" >&2; die "apt-get install"; }
sed -n '/Building for\|Installing to\|Setting up nftrace/p' "$scratch/install.log"

ko=/lib/modules/$krel/updates/dkms/nftrace.ko
check "dkms status: installed for $krel" \
	sh -c "chroot '$root' dkms status | grep -q 'nftrace/$version, $krel, x86_64: installed'"
check "$ko: vermagic $krel" \
	sh -c "chroot '$root' modinfo -F vermagic $ko | grep -q '^$krel '"
check "$ko: version $version" \
	sh -c "[ \"\$(chroot '$root' modinfo -F version $ko)\" = '$version' ]"
check "modules.dep has it (modprobe nftrace finds it)" \
	grep -q '^updates/dkms/nftrace.ko:' "$root/lib/modules/$krel/modules.dep"
check "nftrace-capture --version runs" \
	sh -c "chroot '$root' nftrace-capture --version | grep -q 'nftrace-capture $version'"
check "the extcap link" \
	sh -c "[ \"\$(readlink -f '$root/usr/lib/x86_64-linux-gnu/wireshark/extcap/nftrace')\" = '$root/usr/sbin/nftrace-capture' ]"
check "the udev rule" test -s "$root/lib/udev/rules.d/99-nftrace.rules"
check "the man page" test -s "$root/usr/share/man/man8/nftrace-capture.8.gz"

# 4. The VM, booted from that root's kernel and modules: the packaged
# tool's first capture loads the module DKMS built.
if NFTRACE_DEB_ROOT=$root "$repo/tools/vm/run" --sysroot "$root" --kernel "$krel" \
	--timeout 900 --out "$scratch/vm" tests/vm/deb_guest.sh > "$scratch/vm.log" 2>&1; then
	echo "ok   the VM from that root: the first capture loads the DKMS module"
else
	grep -E '^(ok|FAIL)' "$scratch/vm.log"
	echo "FAIL the VM from that root (its log: $scratch/vm.log)"
	failed=1
fi

# 5. Purge: nothing of the module is left.
in_root apt-get purge -y nftrace-dkms nftrace >> "$scratch/install.log" 2>&1 ||
	{ tail -n 30 "$scratch/install.log" >&2; die "apt-get purge"; }
check "purged: no nftrace.ko in any kernel's tree" \
	sh -c "! find '$root/lib/modules' -name 'nftrace.ko*' | grep -q ."
check "purged: no DKMS tree" sh -c "! chroot '$root' dkms status | grep -q nftrace"
check "purged: no /usr/src/nftrace-$version" test ! -e "$root/usr/src/nftrace-$version"
check "purged: not in modules.dep" \
	sh -c "! grep -q nftrace '$root/lib/modules/$krel/modules.dep'"

[ $failed = 0 ] || die "see above; the install log: $scratch/install.log (kept)"
say "PASS: both packages install in a bare root, DKMS builds nftrace.ko for $krel, purge removes it"
