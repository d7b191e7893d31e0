# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tests/vm/lib.sh - sourced by the VM tests (tests/vm/test_*.sh, stress_*.sh).
#
#   . tests/vm/lib.sh
#   load_nftrace
#   mk_topology                 # client <-> router <-> server, IPv4 and IPv6
#   in_ns client ping -c 3 -q "$SERVER4"
#   assert_eq 6 "$(nft_counter -n router inet t fwd)" "forwarded packets"
#
# The tests run in the VM only (tools/vm/run, as `make -C tests/vm check`
# does): they load modules and create namespaces. ok and fail record a check
# and go on; die records a failure and stops. At exit the script's namespaces
# are deleted, its background jobs killed, the at_exit commands run (use
# at_exit, not trap ... EXIT), and the exit status is 1 if any check failed.

set -uo pipefail

[ "${NFTRACE_VM:-}" = 1 ] || {
	echo "$0: runs in the test VM only: tools/vm/run $0" >&2
	exit 1
}

_name=$(basename "$0" .sh)
_passed=0
_failed=0
_namespaces=()
_at_exit=()

ok() {
	_passed=$((_passed + 1))
	echo "ok   $*"
}

fail() {
	_failed=$((_failed + 1))
	echo "FAIL $*"
}

die() {
	fail "$@"
	exit 1
}

# at_exit CMD...: run CMD when the script exits, last registered first.
at_exit() {
	_at_exit=("$(printf '%q ' "$@")" "${_at_exit[@]}")
}

_gone() {
	! kill -0 "$@" 2>/dev/null
}

_cleanup() {
	local rc=$? c ns pids

	trap - EXIT
	for c in "${_at_exit[@]}"; do
		eval "$c" || true
	done
	pids=$(jobs -p)
	if [ -n "$pids" ]; then
		kill $pids 2>/dev/null
		wait_for 2 _gone $pids || kill -9 $pids 2>/dev/null
		wait 2>/dev/null
	fi
	for ns in "${_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ $_failed = 0 ] || rc=1
	echo "$_name: $_passed ok, $_failed failed, exit $rc"
	exit $rc
}
trap _cleanup EXIT

# --- assertions: MSG says what is checked; failures show both values -------

assert_eq() { # EXPECTED ACTUAL MSG
	if [ "$1" = "$2" ]; then ok "$3: $2"; else fail "$3: expected $1, got $2"; fi
}

assert_ne() { # UNEXPECTED ACTUAL MSG
	if [ "$1" != "$2" ]; then ok "$3: $2"; else fail "$3: got $2, expected anything else"; fi
}

_num() { [[ $1 =~ ^-?[0-9]+$ ]]; }

assert_ge() { # MIN ACTUAL MSG
	if _num "$2" && [ "$2" -ge "$1" ]; then ok "$3: $2"; else fail "$3: expected >= $1, got $2"; fi
}

assert_le() { # MAX ACTUAL MSG
	if _num "$2" && [ "$2" -le "$1" ]; then ok "$3: $2"; else fail "$3: expected <= $1, got $2"; fi
}

assert_match() { # EXTENDED-REGEX ACTUAL MSG
	if [[ $2 =~ $1 ]]; then ok "$3"; else fail "$3: expected /$1/, got '$2'"; fi
}

expect_ok() { # MSG CMD...: CMD must succeed
	local msg=$1 out rc=0

	shift
	out=$("$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then ok "$msg"; else fail "$msg: '$*' exited $rc: $out"; fi
}

expect_fail() { # MSG CMD...: CMD must fail
	local msg=$1 out rc=0

	shift
	out=$("$@" 2>&1) || rc=$?
	if [ $rc != 0 ]; then ok "$msg"; else fail "$msg: '$*' succeeded: $out"; fi
}

# The guest's chroot has no /dev/fd: no process substitution (< <(CMD));
# read from a here-string of $(CMD) instead.

# NFTRACE_TRACE=1: trace every command with the script's elapsed seconds
# (set -x), to find where a slow test spends its time.
if [ "${NFTRACE_TRACE:-0}" = 1 ]; then
	PS4='+ ${SECONDS}s ${BASH_SOURCE[0]##*/}:${LINENO}: '
	set -x
fi

# NFTRACE_SLOW=N: this guest runs some N times slower than the Debian
# kernel's (a debug kernel under TCG; tools/debug-kernels.sh sets it). The
# waits for something to happen (wait_for, tcp_send) last N times longer;
# what the tests assert does not change. Default 1.
SLOW=${NFTRACE_SLOW:-1}
[[ $SLOW =~ ^[1-9][0-9]*$ ]] || SLOW=1

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds (for
# SECONDS times $SLOW at most).
wait_for() {
	local end=$((SECONDS + $1 * SLOW))

	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# --- the module -----------------------------------------------------------

NFTRACE_KO=${NFTRACE_KO:-kmod/nftrace.ko}
NFTRACE_DEV=/dev/nftrace

nftrace_loaded() {
	[ -d /sys/module/nftrace ]
}

unload_nftrace() {
	if nftrace_loaded; then
		rmmod nftrace || die "rmmod nftrace"
	fi
}

# load_nftrace [PARAM=VALUE...]: a fresh instance of $NFTRACE_KO.
load_nftrace() {
	[ -f "$NFTRACE_KO" ] || die "no module $NFTRACE_KO (make module)"
	unload_nftrace
	insmod "$NFTRACE_KO" "$@" || die "insmod $NFTRACE_KO $*"
	wait_for 2 test -c "$NFTRACE_DEV" || die "no $NFTRACE_DEV after insmod"
}

# The capture tool; need_capture_tool stops a test that has none.
CAP=user/nftrace-capture

need_capture_tool() {
	[ -x $CAP ] || die "no $CAP (make user)"
}

# mk_tmpdir: a scratch directory in T, removed at exit.
# The module's reference count: one per open file of /dev/nftrace.
module_refcnt() { cat /sys/module/nftrace/refcnt; }
module_refcnt_is() { [ "$(module_refcnt)" = "$1" ]; }

mk_tmpdir() {
	T=$(mktemp -d)
	at_exit rm -rf "$T"
}

# val KEY LINE: the number after KEY= in LINE (nftrace_check's and
# fuzz_dev's summaries: "records=N ... captured=N dropped=N").
val() {
	sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<< "$2"
}

# --- namespaces and the standard topology ----------------------------------

# mk_ns NAME: a new network namespace with lo up, deleted at exit.
mk_ns() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || die "ip netns add $1"
	_namespaces+=("$1")
	ip -n "$1" link set lo up
}

# in_ns NAME CMD...: run CMD in namespace NAME.
in_ns() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# in_ns_bg NAME CMD...: start CMD in namespace NAME in the background, with
# $! its pid. Use it for what you will signal: `in_ns NAME CMD &` makes $!
# a subshell's pid, and the subshell does not pass kill -INT $! on.
in_ns_bg() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" &
}

# mk_bridge_host NET: a container host. Namespace sw holds a bridge br0
# with veth ports p1 and p2 to "containers" h1 and h2, whose eth0 are
# NET.1 and NET.2 (NET: three octets); STP off, ports forwarding at once.
# Sets mac_h1, mac_h2 and mac_br. br0 has no address.
mk_bridge_host() {
	mk_ns sw
	mk_ns h1
	mk_ns h2
	ip -n sw link add br0 type bridge || die "bridge"
	ip -n sw link add p1 type veth peer name eth0 netns h1 || die "veth p1"
	ip -n sw link add p2 type veth peer name eth0 netns h2 || die "veth p2"
	ip -n sw link set p1 master br0
	ip -n sw link set p2 master br0
	for l in br0 p1 p2; do ip -n sw link set $l up; done
	ip -n h1 addr add $1.1/24 dev eth0
	ip -n h2 addr add $1.2/24 dev eth0
	ip -n h1 link set eth0 up
	ip -n h2 link set eth0 up
	ip -n sw link set br0 type bridge stp_state 0 forward_delay 0
	wait_for 10 in_ns h1 ping -c 1 -W 1 -q $1.2 > /dev/null || die "h1 cannot reach h2"
	mac_h1=$(ip -n h1 -br link show eth0 | awk '{print $3}')
	mac_h2=$(ip -n h2 -br link show eth0 | awk '{print $3}')
	mac_br=$(ip -n sw -br link show br0 | awk '{print $3}')
}

# bg_capture NAME ARGS...: nftrace-capture ARGS in the background, output
# in $T/NAME.out and .err, its pid in $cap; returns once it has opened the
# device (the module's only reader), and $SLOW more. stop_bg_capture NAME
# lets $SLOW pass, stops it with SIGINT and asserts its exit status 0.
bg_capture() {
	local name=$1

	shift
	$CAP "$@" > $T/$name.out 2> $T/$name.err &
	cap=$!
	wait_for 10 module_refcnt_is 1 || die "$name: the capture did not start: $(cat $T/$name.err)"
	sleep $SLOW
}

stop_bg_capture() {
	sleep $SLOW
	kill -INT $cap
	wait $cap
	assert_eq 0 $? "$1: exit status ($(tail -n 3 $T/$1.err))"
}

#   client            router                server
#   eth0  ---------  eth0   eth1  ---------  eth0
#   .1.2/24          .1.1   .2.1             .2.2/24    (10.11.x.x)
#   :1::2/64         :1::1  :2::1            :2::2/64   (fd00:11:x::)
#
# The router forwards IPv4 and IPv6; client and server route everything
# through it, so client <-> server traffic crosses the router's FORWARD hook.
CLIENT4=10.11.1.2 ROUTER4_C=10.11.1.1 ROUTER4_S=10.11.2.1 SERVER4=10.11.2.2
CLIENT6=fd00:11:1::2 ROUTER6_C=fd00:11:1::1 ROUTER6_S=fd00:11:2::1 SERVER6=fd00:11:2::2

mk_topology() {
	mk_ns client
	mk_ns router
	mk_ns server
	ip -n client link add eth0 type veth peer name eth0 netns router || die "veth client"
	ip -n server link add eth0 type veth peer name eth1 netns router || die "veth server"

	# nodad: the addresses are usable at once, not after duplicate detection.
	ip -n client addr add $CLIENT4/24 dev eth0
	ip -n client addr add $CLIENT6/64 dev eth0 nodad
	ip -n router addr add $ROUTER4_C/24 dev eth0
	ip -n router addr add $ROUTER6_C/64 dev eth0 nodad
	ip -n router addr add $ROUTER4_S/24 dev eth1
	ip -n router addr add $ROUTER6_S/64 dev eth1 nodad
	ip -n server addr add $SERVER4/24 dev eth0
	ip -n server addr add $SERVER6/64 dev eth0 nodad
	ip -n client link set eth0 up
	ip -n router link set eth0 up
	ip -n router link set eth1 up
	ip -n server link set eth0 up
	ip -n client route add default via $ROUTER4_C
	ip -n client -6 route add default via $ROUTER6_C
	ip -n server route add default via $ROUTER4_S
	ip -n server -6 route add default via $ROUTER6_S

	in_ns router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		die "router: enable forwarding"
}

# udp_burst NS ADDR PORT [COUNT] [PAYLOAD]: COUNT (10) datagrams from
# namespace NS to ADDR:PORT (IPv4), 5 ms apart.
udp_burst() {
	in_ns "$1" python3 - "$2" "$3" "${4:-10}" "${5:-nftrace}" <<-'EOF'
	import socket, sys, time
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	for _ in range(int(sys.argv[3])):
	    s.sendto(sys.argv[4].encode(), (sys.argv[1], int(sys.argv[2])))
	    time.sleep(0.005)
	EOF
}

# For a capture by tshark through an extcap, at FORWARD and POSTROUTING
# in the router of mk_topology, filter 'udp port 10', into $T/x.pcapng.
# fwd10_rules: the router counts what it forwards to port 10.
fwd10_rules() {
	in_ns router nft -f - <<-'NFT' || die "router ruleset"
	table inet filt {
		counter c_fwd10 {}
		chain hfwd {
			type filter hook forward priority 0;
			udp dport 10 counter name "c_fwd10" accept
		}
	}
	NFT
	in_ns client ping -c 1 -W 2 -q $SERVER4 > /dev/null || fail "ping $SERVER4"
}

# fwd10_check TSHARK-PID WHAT: once tshark captures, 10 datagrams to port
# 10 and two pings (not captured); tshark stopped (SIGINT) must exit 0,
# and its capture must hold each datagram at FORWARD and POSTROUTING as
# often as the router's counter saw it, nothing else.
fwd10_check() {
	local ts=$1 what=$2 rc fwd

	sleep $((2 * SLOW))	# from open to START: configure, map
	udp_burst client $SERVER4 10 10 "nftrace $what"
	in_ns client ping -c 2 -i 0.2 -W 1 -q $SERVER4 > /dev/null
	sleep $((3 * SLOW))
	kill -INT $ts
	wait $ts
	rc=$?
	assert_eq 0 $rc "tshark's exit status ($(cat $T/tshark.err))"
	fwd=$(nft_counter -n router inet filt c_fwd10)
	assert_eq 10 "$fwd" "nft: forwarded to port 10"
	assert_eq "$fwd FORWARD
$fwd POSTROUTING" \
		"$(tshark -r $T/x.pcapng -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | sed 's/^ *//')" \
		"$what: each datagram at FORWARD and POSTROUTING, nothing else"
	assert_eq "" "$(tshark -r $T/x.pcapng -Y 'ip.dst != '$SERVER4' || !udp' 2>/dev/null)" \
		"$what: only the forwarded UDP to the server"
}

_listening() { # NS PORT
	[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]
}

# tcp_send FROM TO ADDR [BYTES] [PORT]: one TCP connection from namespace FROM
# to a listener in namespace TO on ADDR (IPv4 or IPv6), BYTES sent and all of
# them received, or the check fails. Plain python3: no netcat variant to pick.
tcp_send() {
	local from=$1 to=$2 addr=$3 bytes=${4:-10000} port=${5:-5201} got tmp

	tmp=$(mktemp)
	in_ns "$to" python3 - "$addr" "$port" "$SLOW" > "$tmp" <<-'EOF' &
	import socket, sys
	addr, port, slow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.settimeout(10 * slow)
	s.bind((addr, port))
	s.listen(1)
	c, _ = s.accept()
	c.settimeout(10 * slow)
	n = 0
	while True:
	    b = c.recv(65536)
	    if not b:
	        break
	    n += len(b)
	print(n)
	EOF
	local server=$!

	# A connection tried before the listen() would add a SYN and a RST to
	# the traffic that tests count.
	# (A debug kernel under TCG takes more than 10 s to start python.)
	wait_for 60 _listening "$to" "$port" || fail "tcp_send: no listener on port $port"
	in_ns "$from" python3 - "$addr" "$port" "$bytes" "$SLOW" <<-'EOF'
	import socket, sys, time
	addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	slow = int(sys.argv[4])
	for _ in range(50):  # until the listener is up
	    try:
	        s = socket.create_connection((addr, port), timeout=10 * slow)
	        break
	    except ConnectionRefusedError:
	        time.sleep(0.1)
	else:
	    sys.exit("tcp_send: no listener on %s port %d" % (addr, port))
	s.sendall(b"x" * n)
	s.close()
	EOF
	wait $server
	got=$(cat "$tmp")
	rm -f "$tmp"
	assert_eq "$bytes" "$got" "tcp $from -> $to [$addr]:$port bytes received"
}

# --- tshark --------------------------------------------------------------------

# tshark_counts FILE FILTER...: how many frames of FILE each display filter
# matches, a line each in the order given, from one tshark run (each run
# takes seconds to start under TCG): a protocol hierarchy tap per filter,
# whose top-level lines (unindented: "frame", or each link layer) count
# what the filter matched. Nothing if tshark fails (a bad filter, a bad
# file).
tshark_counts() {
	local file=$1 f args=() out

	shift
	for f in "$@"; do args+=(-z "io,phs,$f"); done
	out=$(tshark -r "$file" -q "${args[@]}" 2>&1) ||
		{ echo "tshark_counts: $out" >&2; return 1; }
	awk 'BEGIN { for (i = 1; i < ARGC; i++) want[i] = ARGV[i]; n = ARGC - 1; ARGC = 1 }
	     /^Filter: / { cur = substr($0, 9) }
	     /^=/ { cur = "" }
	     /^[^ ].* frames:[0-9]+ / && cur != "" { split($2, a, ":"); got[cur] += a[2] }
	     END { for (i = 1; i <= n; i++) print got[want[i]] + 0 }' "$@" <<< "$out"
}

# --- nftables ----------------------------------------------------------------

# nft_counter [-n NS] FAMILY TABLE COUNTER [packets|bytes]: a named
# counter's value (packets by default).
nft_counter() {
	local ns=()

	if [ "$1" = -n ]; then
		ns=(ip netns exec "$2")
		shift 2
	fi
	"${ns[@]}" nft list counter "$1" "$2" "$3" |
		grep -o "${4:-packets} [0-9]*" | cut -d' ' -f2
}

# --- leak checks and long runs (test_fuzz_dev.sh, stress_*.sh) --------------

# settle [SECONDS]: let deferred frees (RCU, netns cleanup, fput) run, then
# give back caches and empty slabs, so that memory figures compare.
settle() {
	sleep "${1:-2}"
	echo 3 > /proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f"
	done 2>/dev/null
}

meminfo_kb() { # FIELD
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# mem_baseline, then (after settle) assert_mem_growth: Slab, SUnreclaim and
# VmallocUsed may not have grown by more than noise since the baseline.
mem_baseline() {
	slab0=$(meminfo_kb Slab) sunr0=$(meminfo_kb SUnreclaim) vmalloc0=$(meminfo_kb VmallocUsed)
	echo "before: Slab ${slab0} kB, SUnreclaim ${sunr0} kB, VmallocUsed ${vmalloc0} kB"
}

assert_mem_growth() {
	local slab sunr vmalloc

	slab=$(meminfo_kb Slab) sunr=$(meminfo_kb SUnreclaim) vmalloc=$(meminfo_kb VmallocUsed)
	echo "after: Slab ${slab} kB, SUnreclaim ${sunr} kB, VmallocUsed ${vmalloc} kB"
	assert_le 4096 $((slab - slab0)) "Slab growth, kB"
	assert_le 2048 $((sunr - sunr0)) "SUnreclaim growth, kB"
	assert_le 1024 $((vmalloc - vmalloc0)) "VmallocUsed growth, kB"
}

# hook_counters NS: counters c_pre, c_in, c_out, c_post in table ip t of NS,
# at the four hooks loopback traffic crosses (read with nft_counter).
hook_counters() {
	in_ns "$1" nft -f - <<'NFT' || die "nft: hook counters in $1"
table ip t {
	counter c_pre {}
	counter c_in {}
	counter c_out {}
	counter c_post {}
	chain hpre { type filter hook prerouting priority 0; counter name "c_pre"; }
	chain hin { type filter hook input priority 0; counter name "c_in"; }
	chain hout { type filter hook output priority 0; counter name "c_out"; }
	chain hpost { type filter hook postrouting priority 0; counter name "c_post"; }
}
NFT
}

nftrace_vmaps() {
	grep -c '\[nftrace\]' /proc/vmallocinfo
}

# mk_memcg NAME: a memory cgroup, removed at exit, in MEMCG; IN_CG=(...)
# runs a command in it. What the kernel allocates for the readers started
# there (rings, readers: __GFP_ACCOUNT) is charged to it until freed.
mk_memcg() {
	local root=/sys/fs/cgroup

	mountpoint -q $root || mount -t cgroup2 none $root || die "mount cgroup2"
	echo +memory > $root/cgroup.subtree_control || die "memory controller"
	MEMCG=$root/$1
	mkdir -p "$MEMCG" || die "mkdir $MEMCG"
	at_exit rmdir "$MEMCG"
	IN_CG=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$MEMCG")
}

# Kernel memory charged to MEMCG. memory.stat says "kernel" since 5.18;
# before, what is charged and neither anonymous nor file memory.
memcg_kernel_kb() {
	awk -v cur="$(cat "$MEMCG/memory.current")" '
		{ v[$1] = $2 }
		END {
			if ("kernel" in v) k = v["kernel"]
			else k = cur - v["anon"] - v["file"]
			print int(k / 1024)
		}' "$MEMCG/memory.stat"
}

# Kernel pages charged to MEMCG, counted page by page (memcg_pages.py:
# /proc/kpagecgroup): what a leak of ring or vmalloc pages leaves, without
# what memory.stat's "kernel" also holds, the charges cached per CPU.
# -v: their flags on standard error too.
memcg_kernel_pages() { # [-v]
	python3 tests/vm/memcg_pages.py "$@" "$MEMCG"
}

# Slab objects charged to MEMCG, in kB (memory.stat).
memcg_slab_kb() {
	awk '$1 == "slab" { print int($2 / 1024) }' "$MEMCG/memory.stat"
}

memcg_pages_settled() { # MAX_PAGES
	settle 1
	[ "$(memcg_kernel_pages)" -le "$1" ]
}

# A call that sleeps in the kernel this long is reported by the kernel
# too (hung task: a splat in the log), for the rest of the script.
hung_task_timeout() { # SECONDS
	local f=/proc/sys/kernel/hung_task_timeout_secs

	at_exit sh -c "echo $(cat $f) > $f"
	echo "$1" > $f
}

# Under qemu's multi-threaded TCG a CPU that runs through a netfilter
# static branch while another CPU rewrites it (the nf_hooks_needed keys
# flip when the first hook of a family and hook point comes or the last
# goes) can go on executing the stale int3 for good: a soft lockup at
# ip_local_deliver+0x5c that real hardware cannot have (TESTING.md).
# Scripts that start and stop readers, or load and unload the module, many
# times call this: unless
# NFTRACE_HOLD_KEYS=0, a base chain at every hook holds the keys up, so
# nftrace still registers and unregisters its hooks but no code is
# rewritten.
hold_static_keys() {
	[ "${NFTRACE_HOLD_KEYS:-1}" = 1 ] || return 0
	nft -f - <<'NFT' || die "nft: the table that holds the static keys"
table inet nftrace_hold {
	chain h_pre { type filter hook prerouting priority 0; }
	chain h_in { type filter hook input priority 0; }
	chain h_fwd { type filter hook forward priority 0; }
	chain h_out { type filter hook output priority 0; }
	chain h_post { type filter hook postrouting priority 0; }
}
NFT
	at_exit nft delete table inet nftrace_hold
}

# The kfree_skb tracepoint's key and static call are rewritten the same
# way when nftrace's drop probe comes (the first running reader of drops)
# or goes (the last): an int3 Oops at sk_skb_reason_drop+0x36 on 7.2 under
# TCG, in test_fuzz_dev.sh, whose readers of drops come and go under a
# ping flood. Such a script calls this after load_nftrace and before any
# traffic: a reader of drops in an empty namespace of its own keeps the
# probe registered (nftrace registers it once for all its readers of
# drops), so the others' comings and goings rewrite no code; it calls
# release_drop_probe once the traffic has stopped. Enabling the
# skb:kfree_skb trace event instead does not do: nftrace's probe joining
# it still changes the static call (and an Oops at 34 s on 7.2-rt).
hold_drop_probe() {
	local banner

	[ "${NFTRACE_HOLD_KEYS:-1}" = 1 ] || return 0
	drop_reasons || return 0
	mk_ns nftrace_hold_drops
	banner=$(mktemp)
	at_exit rm -f "$banner"
	$CAP --drops --netns /run/netns/nftrace_hold_drops > /dev/null \
		2> "$banner" &
	_drop_holder=$!
	at_exit release_drop_probe
	wait_for 30 grep -q "drops too" "$banner" ||
		die "the reader of drops that holds the probe: $(cat "$banner")"
}

release_drop_probe() {
	[ -n "${_drop_holder:-}" ] || return 0
	kill "$_drop_holder" 2>/dev/null
	wait "$_drop_holder" 2>/dev/null
	_drop_holder=
}

# Whether the kernel says why it frees a packet (5.17+): --drops needs it.
drop_reasons() {
	grep -q 'field:.* reason;' /sys/kernel/tracing/events/skb/kfree_skb/format 2>/dev/null
}
