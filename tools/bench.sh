#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/bench.sh - `make bench`: nftrace side by side with tcpdump, NFLOG
# and printk in a VM, and the ring, the drain and the text formatter
# natively on the host. A benchmark, not a test: it fails only when it
# cannot run.
#
#   tools/bench.sh [--host-only | --vm-only] [--quick] [--publish]
#   tools/bench.sh --report DIR [--publish]   the report of an earlier run
#
#   --quick     2 rounds of 20000 datagrams, short host runs: a smoke run
#               of the machinery, not figures to quote
#   --publish   copy the report and the chart over tools/bench/results.md
#               and tools/bench/vm-chart.png (what BENCHMARKS.md shows)
#
# Environment (the NFTRACE_* ones reach the guest through tools/vm/run):
#   NFTRACE_BENCH_ROUNDS (5), NFTRACE_BENCH_COUNT (100000 datagrams),
#   NFTRACE_BENCH_TCP_SECS (2), NFTRACE_BENCH_SNAPLEN (128),
#   NFTRACE_BENCH_WORKLOADS, NFTRACE_BENCH_CONFIGS (see
#   tools/bench/vm-bench.sh), NFTRACE_BENCH_PROFILE (configurations to
#   profile with perf after the rounds; default "base nft1 tcpdump nflog
#   printk", "" for none), NFTRACE_BENCH_PROFILE_WORKLOADS (the workloads
#   profiled: udp, the default, and fwd), NFTRACE_KO (the module the
#   guest loads), NFTRACE_BENCH_KO_X (a module the configuration C@X
#   loads instead: C@X is C with it, beside C in the same rounds),
#   NFTRACE_BENCH_CLOCK (tsc, the default, or hpet: the guest's
#   clocksource, see BENCHMARKS.md), NFTRACE_BENCH_WAIT (seconds to wait
#   for other VMs on this machine to finish first; 600).
#
# Everything lands in build/bench/run-DATE/ (build/bench/latest): the
# report results.md, vm-chart.png, the raw results and the logs.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

args=("$@")
host=1 vm=1 quick=0 publish=0 report_dir=
while [ $# -gt 0 ]; do
	case $1 in
	--host-only) vm=0 ;;
	--vm-only) host=0 ;;
	--quick) quick=1 ;;
	--publish) publish=1 ;;
	--report) report_dir=$(cd "${2:?--report DIR}" && pwd); shift ;;
	*) sed -n '9,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift
done

if [ $quick = 1 ]; then
	export NFTRACE_BENCH_ROUNDS=${NFTRACE_BENCH_ROUNDS:-2}
	export NFTRACE_BENCH_COUNT=${NFTRACE_BENCH_COUNT:-20000}
	export NFTRACE_BENCH_TCP_SECS=${NFTRACE_BENCH_TCP_SECS:-1}
fi
export NFTRACE_BENCH_ROUNDS=${NFTRACE_BENCH_ROUNDS:-5}
export NFTRACE_BENCH_COUNT=${NFTRACE_BENCH_COUNT:-100000}
export NFTRACE_BENCH_PROFILE=${NFTRACE_BENCH_PROFILE-base nft1 tcpdump nflog printk}
clock=${NFTRACE_BENCH_CLOCK:-tsc}

bench=$repo/build/bench
bin=$bench/bin
say() { echo "bench: $*"; }
t_start=$(date +%s)
if [ -z "$report_dir" ]; then
	out=$bench/run-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$bin" "$out"
	ln -sfn "$(basename "$out")" "$bench/latest"
	exec > >(tee "$out/bench.log") 2>&1
	echo "${args[*]}" >"$out/args"
	{ git rev-parse --short HEAD 2>/dev/null || echo '?'; } | tr -d '\n' >"$out/commit"
	git diff --quiet HEAD 2>/dev/null || echo ' plus uncommitted changes' >>"$out/commit"
else
	out=$report_dir
	host=0 vm=0
fi

# ---------------------------------------------------------------- build

CFLAGS="-O2 -g -Wall -Wextra -D_GNU_SOURCE"
PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
build() {	# name sources... [-- libs]
	local name=$1
	shift
	# shellcheck disable=SC2086
	gcc $CFLAGS -o "$bin/$name" "$@"
}
if [ $host = 1 ] || [ $vm = 1 ]; then
say "building the benchmark programs into $bin"
build udpflood tools/bench/udpflood.c
build pcapcount tools/bench/pcapcount.c
build kmsgtail tools/bench/kmsgtail.c
build fmt_bench tools/bench/fmt_bench.c kmod/nftrace_fmt.c
build ring_bench tools/bench/ring_bench.c user/nftrace_consumer.c -lpthread
have_drain=1
build drain_bench tools/bench/drain_bench.c user/nftrace_consumer.c \
	user/pcap_writer.c user/nflog.c kmod/nftrace_fmt.c $PCAP_LIBS || {
	have_drain=0
	say "warning: the drain benchmark does not build against user/: skipped"
}
fi

# ------------------------------------------------------ the machine's load

# VMs other than this run's own (which shares $out/vm over 9p).
others() { { pgrep -af '^qemu-system' || true; } | grep -cvF -- "$out/vm" || true; }
if [ $host = 1 ] || [ $vm = 1 ]; then

# Other VMs on this machine (CI, other sessions) take the cores the
# figures are about: wait for them to end, then note any that start.
wait=${NFTRACE_BENCH_WAIT:-600}
while [ "$(others)" -gt 0 ] && [ "$wait" -gt 0 ]; do
	say "$(others) other VM(s) running: waiting (${wait}s left)"
	sleep 10
	wait=$((wait - 10))
done
[ "$(others)" = 0 ] || say "warning: measuring while other VMs run"
( while :; do
	echo "$(date +%s) $(cut -d' ' -f1 /proc/loadavg) $(others)"
	sleep 5
  done ) >"$out/host-load.log" &
monitor=$!
trap 'kill $monitor 2>/dev/null || true' EXIT
fi

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ------------------------------------------------------------- host runs

# A callgrind profile as inclusive instructions per record by function,
# the harness's own frames left out.
per_record() {	# callgrind.out records
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		awk -v n="$2" '/^ *[0-9,]+ +\(/ {
			ir = $1; gsub(",", "", ir); sub(/ \[.*/, "")
			f = $NF; sub(/.*:/, "", f)
			if (f !~ /^[A-Za-z_][A-Za-z0-9_.@]*$/ ||
			    f ~ /^(TOTALS|main|drain|on_record|__libc_start_main.*)$/ || seen[f]++)
				next
			printf "%8.0f  %s\n", ir / n, f
		}' | head -n 14
}

run_host() {
	local h=$out/host n=10000000 reps=5 dn=1000000 tmp i t0 t1
	mkdir -p "$h"
	[ $quick = 1 ] && n=2000000 reps=3 dn=200000

	say "ring: producer thread on CPU 0, consumer thread on CPU 1"
	"$bin/ring_bench" -n $n -r $reps 64 128 256 | tee "$h/ring.txt"
	"$bin/ring_bench" -n $n -r $reps -C lib 64 128 256 | tee -a "$h/ring.txt"
	"$bin/ring_bench" -n $n -r $reps -i 0 128 | tee -a "$h/ring.txt"
	"$bin/ring_bench" -n $n -r $reps -m drop -i 0 128 | tee -a "$h/ring.txt"

	if [ $have_drain = 1 ]; then
		# tmpfs, so that the file system is not what is measured.
		tmp=$(mktemp -d /dev/shm/nftrace-bench.XXXXXX)
		say "drain: $dn records from 2 full rings to a pcap on tmpfs ($tmp)"
		for lt in nflog raw; do
			"$bin/drain_bench" -n $dn -r $reps -l $lt -k "$tmp/big-$lt.pcap" \
				"$tmp/out.pcap" | tee -a "$h/drain.txt"
			for i in $(seq $reps); do
				t0=$(date +%s%N)
				tcpdump -r "$tmp/big-$lt.pcap" -w "$tmp/td.pcap" 2>/dev/null
				t1=$(date +%s%N)
				echo "tcpdump-rw linktype=$lt run=$i records=$dn secs=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f", d / 1e9 }')"
			done | tee -a "$h/drain.txt"
		done
		say "drain: callgrind, instructions per record by function"
		for lt in nflog raw; do
			valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.drain.$lt" \
				--toggle-collect=drain "$bin/drain_bench" -n 100000 -r 1 \
				-l $lt "$tmp/out.pcap" >/dev/null 2>&1
			per_record "$tmp/cg.drain.$lt" 100000 >"$h/drain-callgrind-$lt.txt"
		done
		rm -rf "$tmp"
	fi

	say "text formatter: callgrind, instructions per record"
	for k in udp4 tcp4 icmp4 udp6 tcp6; do
		valgrind --tool=callgrind --callgrind-out-file="$h/cg.fmt.$k" \
			--toggle-collect=nftrace_fmt_record "$bin/fmt_bench" -n 10000 $k \
			>/dev/null 2>"$h/cg.fmt.$k.log"
		ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$h/cg.fmt.$k.log")
		echo "fmt-callgrind kind=$k records=10000 ir_per_record=$((ir / 10000))"
	done | tee "$h/fmt.txt"
	per_record "$h/cg.fmt.udp4" 10000 >"$h/fmt-callgrind-udp4.txt"
	"$bin/fmt_bench" -n 200000 udp4 tcp4 icmp4 udp6 tcp6 | tee -a "$h/fmt.txt"
}

# --------------------------------------------------------------- the VM

run_vm() {
	local append=""
	[ -e user/nftrace-capture ] && [ -e "${NFTRACE_KO:-kmod/nftrace.ko}" ] || {
		say "no user/nftrace-capture or module: make all first"
		return 1
	}
	# TCG's default clocksource is an emulated HPET: every clock read
	# traps to the emulator, a cost no real machine has, and every
	# capture timestamps each packet. See BENCHMARKS.md.
	[ "$clock" = tsc ] && append="tsc=reliable clocksource=tsc"
	echo "$clock" >"$out/clock"
	say "VM: ${NFTRACE_BENCH_ROUNDS} rounds, ${NFTRACE_BENCH_COUNT} datagrams, clocksource $clock"
	NFTRACE_BENCH_BIN=$bin tools/vm/run --timeout 3000 --out "$out/vm" \
		${append:+--append "$append"} tools/bench/vm-bench.sh || {
		say "the VM run failed: see $out/vm/console.log"
		return 1
	}
}

# --------------------------------------------------------------- report

host_tables() {
	local h=$out/host lt r
	[ -f "$h/ring.txt" ] || return 0
	echo
	echo "**The ring, in userspace** (kmod/nftrace_ring.h; producer thread on CPU 0, consumer on CPU 1; median of the repeats, range in brackets)"
	echo
	echo "| snaplen | record | consumer | consumer on an empty ring | producer on a full ring | records/s | GB/s |"
	echo "|---:|---:|---|---|---|---:|---:|"
	awk '/median/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "| %s | %s B | %s | %s | %s | %.1f M (%.1f–%.1f) | %.2f |\n", v["snaplen"], v["record"],
			v["consumer"] == "lib" ? "libnftrace" : "ring steps",
			v["idle"] ? "spins " v["idle"] " pauses" : "looks again at once",
			v["mode"] == "block" ? "waits" : "drops, as the kernel",
			v["rate"] / 1e6, v["min"] / 1e6, v["max"] / 1e6, v["rate"] * v["record"] / 1e9
	}' "$h/ring.txt"
	if [ -f "$h/drain.txt" ]; then
		echo
		echo "**The drain** (2 full rings, $(awk '/records=/ { sub(/.*records=/, ""); print $1; exit }' "$h/drain.txt") records of 92-byte UDP packets, to a pcap on tmpfs; median)"
		echo
		echo "| path | link type | records/s |"
		echo "|---|---|---:|"
		for lt in nflog raw; do
			awk -v lt=$lt '$1 == "drain" && /median/ && $0 ~ "linktype=" lt {
				sub(/.*median rate=/, ""); printf "| nftrace-capture drain (libnftrace + pcap_writer) | %s | %.2f M |\n", lt, $1 / 1e6 }' "$h/drain.txt"
			r=$(awk -v lt=$lt '$1 == "tcpdump-rw" && $0 ~ "linktype=" lt { split($4, a, "="); split($5, b, "="); print a[2] / b[2] }' "$h/drain.txt" | median)
			printf '| `tcpdump -r big.pcap -w out.pcap` (libpcap read + write) | %s | %.2f M |\n' $lt "$(awk -v r="$r" 'BEGIN { print r / 1e6 }')"
		done
	fi
	for lt in nflog raw; do
		[ -s "$h/drain-callgrind-$lt.txt" ] || continue
		echo
		echo "Drain, $lt link type: instructions per record by function, callees included (callgrind):"
		echo
		echo '```'
		head -n 8 "$h/drain-callgrind-$lt.txt"
		echo '```'
	done
	echo
	echo "**The text formatter** (nftrace_fmt_record(), kmod/nftrace_fmt.c, built -O2 in userspace)"
	echo
	echo "| packet | instructions/record (callgrind) | ns/record (native, indicative) | line bytes |"
	echo "|---|---:|---:|---:|"
	awk '$1 == "fmt-callgrind" { split($2, kv, "="); split($4, iv, "="); ir[kv[2]] = iv[2]; order[++n] = kv[2] }
	     $1 == "fmt" && $2 ~ /^kind=/ { split($2, kv, "="); split($4, tv, "="); split($5, bv, "="); ns[kv[2]] = tv[2]; by[kv[2]] = bv[2] }
	     END { for (j = 1; j <= n; j++) { kind = order[j]; printf "| %s | %s | %s | %s |\n", kind, ir[kind], ns[kind], by[kind] } }' "$h/fmt.txt"
	if [ -s "$h/fmt-callgrind-udp4.txt" ]; then
		echo
		echo "Formatter, udp4: instructions per record by function, callees included (callgrind):"
		echo
		echo '```'
		head -n 8 "$h/fmt-callgrind-udp4.txt"
		echo '```'
	fi
}

report() {
	local r=$out/results.md res=$out/vm/bench/results.tsv
	[ -f "$out/clock" ] && clock=$(cat "$out/clock")
	{
		echo "# nftrace benchmarks: $(date -u -r "$out/host-load.log" '+%Y-%m-%d %H:%M UTC'), commit $(cat "$out/commit" 2>/dev/null || echo '?')"
		echo
		echo "Command: \`make bench\` (\`bash tools/bench.sh$(sed 's/^./ &/' "$out/args" 2>/dev/null)\`)"
		echo
		echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1) (family $(lscpu | sed -n 's/^CPU family: *//p'), L2 $(lscpu | sed -n 's/^L2 cache: *//p'), L3 $(lscpu | sed -n 's/^L3 cache: *//p')$(lscpu | sed -n 's/^Hypervisor vendor: *\(.*\)/; itself a \1 guest/p')), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, host kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")."
		if [ -f "$res" ]; then
			echo "VM: qemu $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p;q'), TCG, 2 vCPUs, 2 GiB; $(head -n1 "$out/vm/bench/guest-info.txt"); clocksource $clock."
			echo "Runs: $(sed -n 2p "$out/vm/bench/guest-info.txt")."
		fi
		awk 'NR == 1 { t0 = $1 } $3 > 0 { busy++ } { n++; l += $2 }
		     END { if (n) printf "Host load during the run: mean loadavg %.2f; other VMs running in %d of %d samples (5 s apart).\n", l / n, busy, n }' "$out/host-load.log"
		if [ -f "$res" ]; then
			echo
			echo "## In the VM"
			awk -v mode=md -f tools/bench/vm-table.awk "$res"
			echo
			echo "![chart](vm-chart.png)"
			echo
			echo "**Where CPU 0's time goes** (perf record -C 0 -g -e cpu-clock during one more flood per workload and configuration; share of CPU 0's samples spent inside each function and its callees)"
			echo
			echo '```'
			for p in "$out"/vm/bench/profile-*.txt; do
				[ -f "$p" ] || continue
				sed -n '1s/^# //p' "$p"
				sed -n '/inclusive/,$p' "$p" | sed 1d |
					grep -vE '__sys_sendmmsg|udp_sendmsg|native_safe_halt' |
					awk '{ printf "    %7s  %s\n", $1, $NF }'
			done
			echo '```'
		fi
		if [ -d "$out/host" ]; then
			echo
			echo "## On the host"
			host_tables
		fi
		echo
		if [ -z "$report_dir" ]; then
			echo "Wall time of \`make bench\`: $(( $(date +%s) - t_start )) s."
		else
			awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "Wall time of `make bench`: about %d s (from the load samples).\n", b - a + 5 }' "$out/host-load.log"
		fi
	} >"$r"
	if [ -f "$res" ]; then
		awk -v mode=dat -f tools/bench/vm-table.awk "$res" >"$out/vm-chart.dat"
	fi
	# The chart plots what the capturing configurations kept: without
	# one (NFTRACE_BENCH_CONFIGS="base loaded used") there is none.
	if [ -f "$res" ] && grep -qv -- ' - - -$' "$out/vm-chart.dat"; then
		gnuplot -e "datafile='$out/vm-chart.dat'; outfile='$out/vm-chart.png'; subtitle='$(sed -n 2p "$out/vm/bench/guest-info.txt"), clocksource $clock; $(date -u -r "$res" +%Y-%m-%d)'" \
			tools/bench/chart.gp
	fi
	say "report: $r"
	cat "$r"
}

status=0
[ $host = 0 ] || run_host || status=1
[ $vm = 0 ] || run_vm || status=1
report
if [ $publish = 1 ]; then
	cp "$out/results.md" tools/bench/results.md
	[ -f "$out/vm-chart.png" ] && cp "$out/vm-chart.png" tools/bench/vm-chart.png
	say "published tools/bench/results.md and tools/bench/vm-chart.png"
fi
exit $status
