#!/usr/bin/env bash
# Install everything nftrace needs to build, test and demo on Debian 12, as root.
# Idempotent and non-interactive: safe to run on every CI run and by `make demo`.
#
# The kernel the VM boots and the headers the module is built against are pinned
# to one ABI: the one Debian's linux-image-amd64 metapackage points at (override
# with NFTRACE_KABI=6.1.0-NN). The image is installed for real so that the guest,
# which shares this root over 9p, finds /lib/modules/$KABI for module autoloading.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# --rt: Debian's PREEMPT_RT kernel of the same ABI too (make vmcheck-rt).
# --debug: linux-source-6.1 and what building a kernel from it takes
# (tools/debug-kernels.sh, make check-debug).
# --deb: what building the Debian packages takes (make deb).
want_rt=0 want_debug=0 want_deb=0
for a in "$@"; do
	case $a in
	--rt) want_rt=1 ;;
	--debug) want_debug=1 ;;
	--deb) want_deb=1 ;;
	*) echo "install-deps: unknown option $a (--rt, --debug, --deb)" >&2; exit 1 ;;
	esac
done

need_update=1
apt_install() {
	if [ $need_update = 1 ]; then
		apt-get update -qq
		need_update=0
	fi
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

kabi=${NFTRACE_KABI:-}
if [ -z "$kabi" ]; then
	apt-get update -qq
	need_update=0
	kabi=$(apt-cache depends linux-image-amd64 |
	       sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -n1)
fi
[ -n "$kabi" ] || { echo "install-deps: cannot resolve kernel ABI" >&2; exit 1; }

pkgs=(
	build-essential pkg-config libpcap-dev check sparse
	qemu-system-x86 busybox-static cpio kmod
	tcpdump tshark jq nftables conntrack iproute2 iperf3 procps psmisc iputils-ping python3
	openssh-server openssh-client libcap2-bin
	gnuplot-nox valgrind linux-perf debootstrap xz-utils zstd bpftool
	"linux-image-$kabi-amd64" "linux-headers-$kabi-amd64"
)
[ $want_rt = 1 ] && pkgs+=("linux-image-$kabi-rt-amd64" "linux-headers-$kabi-rt-amd64")
[ $want_debug = 1 ] && pkgs+=(linux-source-6.1 bc bison flex libelf-dev libssl-dev
	dwarves rsync)
[ $want_deb = 1 ] && pkgs+=(dpkg-dev debhelper dh-dkms dkms fakeroot lintian)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt_install "${missing[@]}"
fi
echo "install-deps: ready (kernel $kabi-amd64)"
