# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/bench/vm-bench.sh - the in-VM half of `make bench`: run by
# tools/vm/run inside the guest (see tools/bench.sh), never by hand.
#
# One boot; ROUNDS rounds; in each round every workload runs under every
# configuration, in turn (A B C D ... A B C D ...), so that drift in the
# emulator hits every configuration alike. One line per run goes to
# $VMOUT/bench/results.tsv; the host turns them into medians.
#
# Workloads:
#   udp  COUNT datagrams of 64 bytes from udpflood (sendmmsg) over loopback
#   tcp  iperf3 over loopback for TCP_SECS seconds
#   fwd  COUNT datagrams from namespace bsrc, forwarded by this (the root)
#        namespace over veth pairs to a sink in namespace bdst
#
# Configurations (the hook is OUTPUT for udp and tcp, FORWARD for fwd):
#   base     no capture, nftrace not loaded
#   loaded   nftrace loaded, no reader
#   used     nftrace loaded, no reader, after a capture of every hook and
#            family with --drops: its 36 ops stay registered in every
#            netns, and ingress and egress on every device, idle
#   usedinet the same after a capture of IPv4 and IPv6 only (not in the
#            default set): used's cost without the other families
#   nft1     nftrace-capture -F pcap -w at the hook (pcap, as the
#            results before pcapng became -w's default measured)
#   nft1drops  the same with --drops (not in the default set): what
#            recording drops costs a packet that is not dropped
#   nftall   nftrace-capture -w at all five hooks
#   tcpdump  tcpdump -w on the interface (lo; the egress veth for fwd)
#   nflog    an nft "log group 1" rule at the hook, tcpdump -i nflog:1 -w
#   printk   an nft "log" rule at the hook, the kernel log read from
#            /dev/kmsg as a syslog daemon would
#   busy     no capture, a busy loop on CPU 1: a control. Under TCG on a
#            2-core host the vCPUs share the host's cores with the
#            emulator's own threads, so any work on CPU 1 (every
#            capture's consumer runs there) slows CPU 0 down too; this
#            shows by how much when that work is not a capture at all.
#
# Every capture keeps SNAPLEN bytes (tcpdump counts its 14-byte Ethernet
# header on lo in them). The load generator runs on CPU 0 (for tcp both
# iperf3 ends, so that the run is bound by one CPU's work, which is what a
# capture adds to); capture tools and the fwd sink run on CPU 1.
#
# Kept share: packets in the capture's output against an oracle, the IP
# counters of /proc/net/snmp over the run (per hook: PREROUTING sees
# InReceives, INPUT InDelivers, FORWARD ForwDatagrams, POSTROUTING
# OutRequests, which on 6.1 includes forwarded packets, and OUTPUT
# OutRequests less ForwDatagrams); for udp the sender's own count is
# logged beside it.
set -uo pipefail

: "${VMOUT:?run me through tools/vm/run}"
ROUNDS=${NFTRACE_BENCH_ROUNDS:-5}
COUNT=${NFTRACE_BENCH_COUNT:-100000}
TCP_SECS=${NFTRACE_BENCH_TCP_SECS:-2}
SNAPLEN=${NFTRACE_BENCH_SNAPLEN:-128}
WORKLOADS=${NFTRACE_BENCH_WORKLOADS:-udp tcp fwd}
CONFIGS=${NFTRACE_BENCH_CONFIGS:-base loaded used nft1 nftall tcpdump nflog printk busy}
PROFILE=${NFTRACE_BENCH_PROFILE:-}
PROFILE_WORKLOADS=${NFTRACE_BENCH_PROFILE_WORKLOADS:-udp}
KO=${NFTRACE_KO:-kmod/nftrace.ko}
BIN=${NFTRACE_BENCH_BIN:-build/bench/bin}
CAPTURE=${NFTRACE_BENCH_CAPTURE:-user/nftrace-capture}

out=$VMOUT/bench
logs=$out/logs
tmp=/tmp/bench
mkdir -p "$logs" "$tmp"
results=$out/results.tsv

GEN="taskset -c 0"	# the load generator
AUX="taskset -c 1"	# everything else

log() { echo "bench: $*"; }

# Wait up to 20 s for pattern in file (a tool saying it is ready).
wait_for() {
	local i
	for i in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	log "timeout waiting for '$2' in $1:"
	cat "$1" >&2
	return 1
}

# ---------------------------------------------------------------- setup

setup_guest() {
	# The printk configuration floods the kernel log: keep it off the
	# serial console, which would otherwise be what is measured.
	dmesg -n 1
	sysctl -qw net.ipv4.ip_forward=1
	# No IPv6 chatter (router solicitations, MLD) in the counts.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	sysctl -qw net.ipv6.conf.default.disable_ipv6=1

	ip netns add bsrc
	ip netns add bdst
	ip link add vs0 type veth peer name vs1 netns bsrc
	ip link add vd0 type veth peer name vd1 netns bdst
	ip addr add 10.200.1.1/24 dev vs0
	ip addr add 10.200.2.1/24 dev vd0
	ip link set vs0 up
	ip link set vd0 up
	ip -n bsrc addr add 10.200.1.2/24 dev vs1
	ip -n bsrc link set vs1 up
	ip -n bsrc link set lo up
	ip -n bsrc route add default via 10.200.1.1
	ip -n bdst addr add 10.200.2.2/24 dev vd1
	ip -n bdst link set vd1 up
	ip -n bdst link set lo up
	ip -n bdst route add default via 10.200.2.1
	# Permanent neighbours: no ARP exchange in the middle of a run.
	ip -n bsrc neigh replace 10.200.1.1 dev vs1 nud permanent \
		lladdr "$(cat /sys/class/net/vs0/address)"
	ip neigh replace 10.200.2.2 dev vd0 nud permanent \
		lladdr "$(ip netns exec bdst cat /sys/class/net/vd1/address)"

	# Sinks: bound, never read (see udpflood.c).
	$AUX ip netns exec bdst "$BIN/udpflood" -l -p 9 10.200.2.2 >/dev/null &
	$GEN iperf3 -s -D -p 5201 >/dev/null
	sleep 0.5
	ip netns exec bsrc ping -c 1 -W 2 10.200.2.2 >/dev/null ||
		log "warning: no ping through the router"

	# Every module the runs need is loaded once, outside the timing.
	nft_rules output 'log group 1; log prefix "warm "'
	nft delete table inet bench
	# perf's symbols (the profile step).
	sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
}

# A table "bench" with one chain at hook $1 holding rule $2.
nft_rules() {
	nft -f - <<-EOF
	table inet bench {
		chain c { type filter hook $1 priority 0; $2; }
	}
	EOF
}

# The module a configuration loads: NFTRACE_KO, or for "CONFIG@X" (an A/B
# run of a candidate module) NFTRACE_BENCH_KO_X with parameters
# NFTRACE_BENCH_KO_X_ARGS.
loaded_ko=

module_load() {	# [variant]
	local ko=$KO args=
	if [ -n "${1:-}" ]; then
		eval "ko=\${NFTRACE_BENCH_KO_$1:?no NFTRACE_BENCH_KO_$1}"
		eval "args=\${NFTRACE_BENCH_KO_$1_ARGS:-}"
	fi
	[ "$loaded_ko" = "$ko $args" ] && [ -e /dev/nftrace ] && return 0
	module_unload
	# shellcheck disable=SC2086
	insmod "$ko" $args || exit 1
	loaded_ko="$ko $args"
}

module_unload() {
	loaded_ko=
	[ -e /dev/nftrace ] || return 0
	rmmod nftrace || exit 1
}

# ------------------------------------------------------------- counters

# "InReceives InDelivers OutRequests ForwDatagrams" of /proc/net/snmp.
snmp() {
	awk '$1 == "Ip:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) col[$i] = i; next }
	     $1 == "Ip:" { print $col["InReceives"], $col["InDelivers"],
			   $col["OutRequests"], $col["ForwDatagrams"] }' /proc/net/snmp
}

# The packets the configuration's hook(s) saw between two snmp snapshots.
expected() {	# workload config[@variant] "before" "after"
	local -a a=($3) b=($4)
	set -- "$1" "${2%%@*}" "$3" "$4"
	local pre=$((b[0] - a[0])) in=$((b[1] - a[1]))
	local post=$((b[2] - a[2])) fwd=$((b[3] - a[3]))
	local out=$((post - fwd))

	case $2 in
	base|loaded|used|usedinet|busy) echo 0 ;;
	nftall) echo $((pre + in + fwd + out + post)) ;;
	*) [ "$1" = fwd ] && echo $fwd || echo $out ;;
	esac
}

# ------------------------------------------------------------ workloads

# Prints the throughput (pps or Mbit/s); the sender's count on fd 3.
run_udp() {
	local r
	r=$($GEN "$BIN/udpflood" -n "$COUNT" -k 127.0.0.1) || return 1
	echo "$r" >&3
	sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$r"
}

run_fwd() {
	local r
	r=$($GEN ip netns exec bsrc "$BIN/udpflood" -n "$COUNT" 10.200.2.2) || return 1
	echo "$r" >&3
	sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$r"
}

run_tcp() {
	local r
	r=$($GEN iperf3 -c 127.0.0.1 -p 5201 -t "$TCP_SECS" -f m) || return 1
	echo "$r" >&3
	awk '/sender$/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' <<<"$r"
}

# -------------------------------------------------------- configurations

# Hook of the single-hook configurations, in nft's and nftrace's words.
hook_of() { [ "$1" = fwd ] && echo forward || echo output; }
iface_of() { [ "$1" = fwd ] && echo vd0 || echo lo; }

cap_pid=
cap_err=$tmp/cap.err
cap_file=$tmp/cap.out

start_config() {	# workload config[@variant]
	local hook variant=
	hook=$(hook_of "$1")
	case $2 in *@*) variant=${2#*@} ;; esac
	set -- "$1" "${2%%@*}"
	rm -f "$cap_err" "$cap_file"
	cap_pid=
	case $2 in
	base)
		module_unload
		return 0 ;;
	busy)
		module_unload
		# A background job ignores SIGINT: stop_config sends it TERM.
		$AUX sh -c 'while :; do :; done' &
		cap_pid=$!
		return 0 ;;
	loaded)
		# A fresh module: no capture has registered its hooks yet.
		module_unload
		module_load "$variant"
		return 0 ;;
	used|usedinet)
		# A fresh module: only this capture's families registered.
		module_unload
		module_load "$variant"
		local families=all
		[ "$2" = usedinet ] && families=inet
		$AUX "$CAPTURE" -w /dev/null --hooks all --families $families \
			--drops 2>"$cap_err" &
		cap_pid=$!
		wait_for "$cap_err" "capturing at" || return 1
		kill -INT "$cap_pid"
		wait "$cap_pid"
		cap_pid=
		return 0 ;;
	nft1|nftall|nft1drops)
		module_load "$variant"
		local hooks=$hook drops=
		[ "$2" = nftall ] && hooks=all
		[ "$2" = nft1drops ] && drops=--drops
		$AUX "$CAPTURE" -F pcap -w "$cap_file" -s "$SNAPLEN" --hooks "$hooks" \
			$drops 2>"$cap_err" &
		cap_pid=$!
		wait_for "$cap_err" "capturing at" ;;
	tcpdump)
		module_unload
		$AUX tcpdump -i "$(iface_of "$1")" -s "$SNAPLEN" -w "$cap_file" \
			2>"$cap_err" &
		cap_pid=$!
		wait_for "$cap_err" "listening on" ;;
	nflog)
		module_unload
		nft_rules "$hook" "log group 1"
		$AUX tcpdump -i nflog:1 -s "$SNAPLEN" -w "$cap_file" 2>"$cap_err" &
		cap_pid=$!
		wait_for "$cap_err" "listening on" ;;
	printk)
		module_unload
		$AUX "$BIN/kmsgtail" "nftbench " "$cap_file" >"$cap_err" &
		cap_pid=$!
		wait_for "$cap_err" "ready" || return 1
		nft_rules "$hook" 'log prefix "nftbench "' ;;
	*)
		log "unknown configuration $2"
		return 1 ;;
	esac
}

# Stop the capture. Runs in the script's own shell, not in $(...): only
# the shell that started the capture can wait for it.
stop_config() {	# config
	if [ -n "$cap_pid" ]; then
		# The tools' own SIGINT handling (their statistics) is measured.
		kill -INT "$cap_pid" 2>/dev/null
		[ "$1" = busy ] && kill -TERM "$cap_pid" 2>/dev/null
		wait "$cap_pid" 2>/dev/null
		cap_pid=
	fi
	nft delete table inet bench 2>/dev/null
}

# After stop_config: print "kept reported_captured reported_dropped".
count_config() {	# workload config[@variant]
	local kept=- cap=- drop=-
	set -- "$1" "${2%%@*}"
	case $2 in
	nft1|nftall|nft1drops|tcpdump|nflog)
		kept=$("$BIN/pcapcount" "$cap_file" | sed -n 's/^packets=\([0-9]*\).*/\1/p')
		cap=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$cap_err")
		drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$cap_err") ;;
	printk)
		kept=$(sed -n 's/^lines=\([0-9]*\).*/\1/p' "$cap_err")
		cap=$kept ;;
	esac
	echo "${kept:--} ${cap:--} ${drop:--}"
}

# One measured run: one line of results.tsv.
run_one() {	# round workload config
	local w=$2 c=$3 tput s0 s1 exp res sender
	local tag=$1-$w-$c t0=$(date +%s.%N)

	start_config "$w" "$c" || { log "$tag: cannot start"; return 1; }
	s0=$(snmp)
	tput=$("run_$w" 3>"$logs/$tag.sender") || { log "$tag: workload failed"; tput=0; }
	# tcpdump stops without reading what the kernel still holds for it:
	# let it catch up (a TPACKET_V3 block is handed out after its 1 s
	# timeout). nftrace-capture and kmsgtail drain when they stop.
	case ${c%%@*} in tcpdump|nflog) sleep 1.2 ;; esac
	s1=$(snmp)
	stop_config "${c%%@*}"
	res=$(count_config "$w" "$c")
	exp=$(expected "$w" "$c" "$s0" "$s1")
	sender=$(sed -n 's/^sent=\([0-9]*\).*/\1/p' "$logs/$tag.sender")
	[ -f "$cap_err" ] && cp "$cap_err" "$logs/$tag.err"
	rm -f "$cap_file"
	# round workload config throughput expected kept captured dropped sent
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$w" "$c" "$tput" "$exp" \
		"$(tr ' ' '\t' <<<"$res")" "${sender:--}" >>"$results"
	log "$tag: $tput expected=$exp kept/captured/dropped=$res sent=${sender:--}" \
	    "($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s)"
}

# -------------------------------------------------------------- profile

# perf's view of CPU 0, where the udp sender and its softirqs run, under
# a few configurations (cpu-clock: TCG has no PMU), for BENCHMARKS.md's
# "what limits each figure": the top symbols by self time, then the
# inclusive share of each capture mechanism's entry points.
PERF_KEYS='nftrace_|nf_hook_slow|tpacket_rcv|packet_rcv|dev_queue_xmit_nit'
PERF_KEYS+='|__nf_log_packet|nfulnl_log_packet|nf_log_ip_packet|nf_log_buf_close'
PERF_KEYS+='|vprintk_emit|console_unlock|nft_do_chain|skb_copy_bits|ktime_get_real'
PERF_KEYS+='|irq_work_queue|__local_bh_enable_ip|udp_sendmsg|__sys_sendmmsg|native_safe_halt'
profile() {
	local c w
	local -a gen
	command -v perf >/dev/null || { log "no perf: skipping profiles"; return 0; }
	for w in $PROFILE_WORKLOADS; do
	case $w in
	udp) gen=("$BIN/udpflood" -n "$COUNT" -k 127.0.0.1) ;;
	fwd) gen=(ip netns exec bsrc "$BIN/udpflood" -n "$COUNT" 10.200.2.2) ;;
	*) log "no profile of workload $w"; continue ;;
	esac
	for c in $PROFILE; do
		start_config "$w" "$c" || continue
		perf record -q -C 0 -g -e cpu-clock -F 4000 -o "$tmp/perf.data" -- \
			$GEN "${gen[@]}" >"$logs/profile-$w-$c.sender" 2>/dev/null
		stop_config "${c%%@*}"
		{
			echo "# $w, $c: $(cat "$logs/profile-$w-$c.sender")"
			echo "# perf record -C 0 -g -e cpu-clock; self time, top symbols"
			# -v: without it this perf prints bare addresses here.
			perf report -v --kallsyms=/proc/kallsyms -i "$tmp/perf.data" --no-children --sort sym \
				--stdio -g none --percent-limit 0.5 2>"$logs/perf-report-$w-$c.err" |
				sed -nE 's/^ +([0-9.]+%) +0x[0-9a-f]+ . (\[.\] .*)/\1 \2/p' |
				head -n 40
			echo "# inclusive (children) share of the capture paths"
			perf report -v --kallsyms=/proc/kallsyms -i "$tmp/perf.data" --children --sort sym \
				--stdio -g none 2>/dev/null |
				sed -nE 's/^ +([0-9.]+%) +([0-9.]+%) +0x[0-9a-f]+ . (\[.\] .*)/\1 \2 \3/p' |
				grep -E "$PERF_KEYS" | head -n 40
		} >"$out/profile-$w-$c.txt"
		rm -f "$tmp/perf.data" "$cap_file"
	done
	done
	module_unload
}

# ----------------------------------------------------------------- main

for t in "$BIN/udpflood" "$BIN/pcapcount" "$BIN/kmsgtail" "$CAPTURE" "$KO"; do
	[ -e "$t" ] || { log "missing $t (make bench builds it)"; exit 1; }
done
setup_guest
printf '# round\tworkload\tconfig\tthroughput\texpected\tkept\tcaptured\tdropped\tsent\n' >"$results"
{
	echo "kernel $(uname -r), $(nproc) CPUs, qemu TCG"
	echo "rounds=$ROUNDS count=$COUNT tcp_secs=$TCP_SECS snaplen=$SNAPLEN"
	echo "workloads=$WORKLOADS"
	echo "configs=$CONFIGS"
	tcpdump --version 2>&1 | head -n 2
	nft --version
	iperf3 --version | head -n 1
} >"$out/guest-info.txt"

t0=$(date +%s)
for round in $(seq "$ROUNDS"); do
	for w in $WORKLOADS; do
		for c in $CONFIGS; do
			run_one "$round" "$w" "$c"
		done
	done
	log "round $round done after $(($(date +%s) - t0))s"
done
[ -z "$PROFILE" ] || profile
module_unload
log "done after $(($(date +%s) - t0))s"
