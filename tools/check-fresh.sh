#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/check-fresh.sh - `make check-fresh`: the README's first command,
# `make demo`, on a bare Debian 12, as a new user would run it. As root:
#
#   1. a bare root from `debootstrap --variant=minbase` (cached as a tarball
#      under $NFTRACE_CACHE/fresh, keyed by the debootstrap command), unpacked
#      into a new scratch directory on every run, so that whatever `make demo`
#      installs is installed afresh each time;
#   2. a `git clone` of the committed HEAD (or $NFTRACE_FRESH_REF) in it, with
#      the host's apt sources and resolv.conf;
#   3. /proc, /sys, /dev, /dev/pts bound into it, then, chrooted, with no
#      stdin: `cd /root/nftrace && make demo` (which boots the qemu VM);
#   4. the host's tshark reads the clone's out.pcap: it must hold packets at
#      all five hooks (nflog.hook 0..4).
#
# Environment:
#   NFTRACE_CACHE       the cache directory (/var/cache/nftrace): the bare root
#                       tarball, the scratch roots, the last run's log and pcap
#   NFTRACE_FRESH_REF   the commit to clone (HEAD), e.g. an older one to see
#                       the check fail
#   NFTRACE_KEEP_FRESH  1: keep the scratch root (unmounted) after the run
#   NFTRACE_FRESH_TIMEOUT  the limit of `make demo` in seconds (3600)
#
# Exit status 0 when the demo ran and its capture has every hook, 1 otherwise.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${NFTRACE_CACHE:-/var/cache/nftrace}
ref=${NFTRACE_FRESH_REF:-HEAD}
keep=${NFTRACE_KEEP_FRESH:-0}
demo_timeout=${NFTRACE_FRESH_TIMEOUT:-3600}
suite=bookworm
mirror=http://deb.debian.org/debian
# The bare root: a changed command (options, suite, mirror) or way of making
# it (layout, below) is a new tarball.
dbs_opts=(--variant=minbase "--include=git,make,ca-certificates" "$suite")
layout=2
clone_in=/root/nftrace # where the user's clone is, in the root

say() {
	printf 'check-fresh: %s\n' "$*"
}
die() {
	say "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount, chroot)"

# Seconds per phase, for the summary.
phases=()
t_phase=$(date +%s)
phase_done() { # NAME
	local now
	now=$(date +%s)
	phases+=("$(printf '%-22s %5ss' "$1" $((now - t_phase)))")
	t_phase=$now
}
t_start=$t_phase

# Host tools: debootstrap and zstd for the root, tshark for the oracle.
missing=()
for tool in debootstrap:debootstrap zstd:zstd tshark:tshark findmnt:util-linux; do
	command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]} on the host"
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

rev=$(git -C "$repo" rev-parse --verify "$ref^{commit}") ||
	die "no commit $ref in $repo"

mkdir -p "$cache/fresh"
avail_gb=$(($(df --output=avail -k "$cache/fresh" | tail -n1) / 1024 / 1024))
[ "$avail_gb" -ge 8 ] ||
	die "$cache/fresh has ${avail_gb}G free, the run needs about 8G (set NFTRACE_CACHE)"

# 1. The bare root, from the cache or from debootstrap.
key=$(printf '%s\n' debootstrap "${dbs_opts[@]}" "$mirror" "$layout" | sha256sum | cut -c1-12)
tarball=$cache/fresh/$suite-minbase-$key.tar.zst
if [ ! -s "$tarball" ]; then
	say "debootstrap ${dbs_opts[*]} DIR $mirror (cached as $tarball)"
	boot=$(mktemp -d "$cache/fresh/debootstrap.XXXXXX")
	debootstrap "${dbs_opts[@]}" "$boot" "$mirror" > "$boot.log" 2>&1 || {
		tail -n 20 "$boot.log" >&2
		rm -rf "$boot" "$boot.log"
		die "debootstrap failed"
	}
	# As an installed system has it: / is 0755 (not mktemp's 0700, which
	# stops apt's _apt user), no downloaded .debs left in apt's cache.
	chmod 755 "$boot"
	rm -f "$boot"/var/cache/apt/archives/*.deb
	tar --numeric-owner --xattrs -C "$boot" -c . | zstd -q -T0 > "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
	echo "debootstrap ${dbs_opts[*]} DIR $mirror" > "$tarball.cmd"
	rm -rf "$boot" "$boot.log"
else
	say "bare root from the cache: $tarball"
fi
phase_done "host tools, bare root"

scratch=$(mktemp -d "$cache/fresh/run.XXXXXX")
root=$scratch/root
log=$scratch/demo.log
mounted=()

cleanup() {
	local rc=$? p m
	set +e
	# Anything still running in the root (a daemon an install started,
	# make demo's children after a timeout or ^C) would keep the mounts
	# busy: end it, by pid.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	for ((m = ${#mounted[@]} - 1; m >= 0; m--)); do
		umount "${mounted[m]}" 2>/dev/null || umount -l "${mounted[m]}"
	done
	if findmnt -rn -o TARGET | grep -q "^$scratch/"; then
		say "mounts left behind:" >&2
		findmnt -rn -o TARGET | grep "^$scratch/" >&2
		rc=1
	elif [ "$keep" = 1 ]; then
		say "kept the scratch root: $root"
	else
		rm -rf "$scratch"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$root"
zstd -dc "$tarball" | tar --numeric-owner --xattrs -C "$root" -x
chmod 755 "$root"
phase_done "unpack the bare root"

# 2. The clone, as a user gets it: committed files only.
git clone -q --no-hardlinks --no-checkout "$repo" "$root$clone_in"
git -C "$root$clone_in" fetch -q "$repo" "$rev"
git -C "$root$clone_in" checkout -q --detach "$rev"
say "cloned $(git -C "$repo" log -1 --format='%h %s' "$rev" | cut -c1-70)"
# The same archive as the host: its sources (deb822 or one-line), its DNS.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
	rm -f "$root/etc/apt/sources.list"
else
	cp /etc/apt/sources.list "$root/etc/apt/sources.list"
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# What every chroot has: services that packages install are not started
# (they would outlive the run, in the root, on the host).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
phase_done "clone + apt sources"

# 3. make demo, chrooted.
mnt() { # ARGS... DIR
	mount "$@"
	mounted+=("${!#}")
}
mnt -t proc proc "$root/proc"
mnt --bind /sys "$root/sys"
mnt --bind /dev "$root/dev"
mnt --bind /dev/pts "$root/dev/pts"
mnt -t tmpfs -o mode=1777 shm "$root/dev/shm"

say "chroot $root: cd $clone_in && make demo (log: $log)"
rc=0
timeout --foreground -k 30 "$demo_timeout" chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c "cd $clone_in && make demo" </dev/null 2>&1 | tee "$log" ||
	rc=${PIPESTATUS[0]}
phase_done "make demo (chroot)"

# The evidence outlives the scratch root.
last=$cache/fresh/last
rm -rf "$last"
mkdir -p "$last"
cp "$log" "$last/demo.log"
pcap=$root$clone_in/out.pcap
[ -f "$pcap" ] && cp "$pcap" "$last/out.pcap"

summary() {
	echo
	echo "==== check-fresh: $(git -C "$repo" log -1 --format='%h' "$rev") ($ref)"
	printf '  %s\n' "${phases[@]}"
	printf '  %-22s %5ss\n' total $(($(date +%s) - t_start))
	echo "  log and pcap: $last"
}

if [ "$rc" != 0 ]; then
	summary
	echo "  make demo exited $rc; its last lines:"
	tail -n 15 "$log" | sed 's/^/    | /'
	die "make demo failed on a fresh Debian 12 ($ref)"
fi

# 4. The oracle: the host's tshark, not the demo's own summary.
[ -s "$pcap" ] || { summary; die "make demo exited 0 but left no $clone_in/out.pcap"; }
names=(PREROUTING INPUT FORWARD OUTPUT POSTROUTING)
counts=(0 0 0 0 0)
while read -r n hook; do
	case $hook in [0-4]) counts[hook]=$n ;; esac
done < <(tshark -r "$pcap" -T fields -e nflog.hook 2>/dev/null | sort -n | uniq -c)
phase_done "tshark"
summary
echo "  packets per hook (tshark -e nflog.hook):"
bad=()
for h in 0 1 2 3 4; do
	printf '    %s %-12s %6s\n' "$h" "${names[h]}" "${counts[h]}"
	[ "${counts[h]}" -gt 0 ] || bad+=("${names[h]}")
done
[ ${#bad[@]} = 0 ] || die "out.pcap has no packet at ${bad[*]}"
say "PASS: make demo on a fresh Debian 12 captured at all five hooks"
