# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# vm-table.awk - the VM half's results.tsv (see vm-bench.sh) as medians:
#
#   awk -v mode=md  -f vm-table.awk results.tsv   the Markdown table
#   awk -v mode=dat -f vm-table.awk results.tsv   gnuplot's data (chart.gp)
#
# Throughput is compared per round: each run against the same round's
# no-capture run of the same workload, so that slow drift of the emulator
# cancels; the table gives the median of those ratios and their range.
# Kept: packets in the capture's output / packets the hook(s) saw (the
# oracle vm-bench.sh logs as "expected"). Loss accounting: what the tool
# said it dropped against what it really lost (expected - kept), summed
# over the rounds.
# Plain awk (Debian's is mawk): no asort.

function median(s,    n, a, i, j, t) {
	n = split(s, a, " ")
	if (!n)
		return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function minmax(s, want,    n, a, i, m) {
	n = split(s, a, " ")
	m = a[1]
	for (i = 2; i <= n; i++)
		if (want == "min" ? a[i] + 0 < m + 0 : a[i] + 0 > m + 0)
			m = a[i]
	return m
}

function add(arr, key, v) {
	arr[key] = (key in arr) ? arr[key] " " v : v
}

BEGIN {
	FS = "\t"
	nw = split("udp tcp fwd", W, " ")
	nc = split("base loaded usedinet used nft1 nft1drops nftall tcpdump nflog printk busy", C, " ")
	wname["udp"] = "UDP flood, loopback"
	wname["tcp"] = "TCP stream (iperf3), loopback"
	wname["fwd"] = "UDP flood, forwarded between namespaces"
	unit["udp"] = "datagrams/s"; unit["tcp"] = "Mbit/s"; unit["fwd"] = "datagrams/s"
	cname["base"] = "no capture"
	cname["loaded"] = "nftrace loaded, no reader"
	cname["used"] = "nftrace loaded, no reader, after a capture of every hook and family"
	cname["usedinet"] = "nftrace loaded, no reader, after a capture of every IPv4 and IPv6 hook"
	cname["nft1"] = "nftrace, one hook"
	cname["nft1drops"] = "nftrace, one hook, --drops"
	cname["nftall"] = "nftrace, all five hooks"
	cname["tcpdump"] = "tcpdump (AF_PACKET)"
	cname["nflog"] = "NFLOG + tcpdump -i nflog"
	cname["printk"] = "printk (nft log)"
	cname["busy"] = "control: no capture, CPU 1 busy"
	short["base"] = "no capture"; short["loaded"] = "loaded"
	short["used"] = "loaded, used"; short["usedinet"] = "loaded, used (inet)"
	short["nft1"] = "nftrace, 1 hook"; short["nftall"] = "nftrace, 5 hooks"
	short["nft1drops"] = "nftrace, 1 hook, drops"
	short["tcpdump"] = "tcpdump"; short["nflog"] = "NFLOG"; short["printk"] = "printk"
	short["busy"] = "CPU 1 busy (control)"
	for (j = 1; j <= nc; j++)
		known[C[j]] = 1
}

/^#/ || NF < 9 { next }
{
	r = $1; w = $2; c = $3
	# A configuration with another module (C@X): listed after the rest.
	if (!(c in known)) {
		known[c] = 1
		C[++nc] = c
		split(c, cv, "@")
		cname[c] = cname[cv[1]] ", module " cv[2]
		short[c] = short[cv[1]] " @" cv[2]
	}
	seen[w, c] = 1
	tput[r, w, c] = $4
	add(T, w SUBSEP c, $4)
	runs[w, c]++
	if ($5 > 0 && $6 != "-") {
		add(K, w SUBSEP c, $6 / $5)
		lost[w, c] += $5 - $6
		if ($8 != "-" || c ~ /^(nft1|nft1drops|nftall|tcpdump|nflog)(@|$)/) {
			saiddrop[w, c] += $8
			hasdrop[w, c] = 1
		}
		# nftrace: every packet captured or counted dropped, exactly
		# (a run whose statistics were not read cannot say so).
		if ($7 == "-" || $8 == "-" || $7 + $8 != $5)
			inexact[w, c]++
		if ($7 != "-" && $7 != $6)
			mismatch[w, c]++
	}
	rounds[r] = 1
}

END {
	for (r in rounds)
		for (i = 1; i <= nw; i++)
			for (j = 1; j <= nc; j++) {
				w = W[i]; c = C[j]
				if (((r, w, c) in tput) && ((r, w, "base") in tput) &&
				    tput[r, w, "base"] > 0)
					add(R, w SUBSEP c, tput[r, w, c] / tput[r, w, "base"])
			}
	if (mode == "dat") {
		# config ratio(udp tcp fwd) kept(udp tcp fwd); "-" when absent
		for (j = 1; j <= nc; j++) {
			c = C[j]
			for (i = 1; i <= nw && !((W[i], c) in seen); i++)
				;
			if (i > nw)
				continue	# not measured in this run
			line = "\"" short[c] "\""
			for (i = 1; i <= nw; i++) {
				w = W[i]
				line = line " " (((w SUBSEP c) in R) ? sprintf("%.6f", median(R[w, c])) : "-")
			}
			for (i = 1; i <= nw; i++) {
				w = W[i]
				line = line " " (((w SUBSEP c) in K) ? sprintf("%.6f", median(K[w, c])) : "-")
			}
			print line
		}
		exit
	}
	for (i = 1; i <= nw; i++) {
		w = W[i]
		if (!((w, "base") in seen))
			continue
		printf "\n**%s** (%s; %d rounds)\n\n", wname[w], unit[w], runs[w, "base"]
		print "| configuration | throughput, median | vs no capture: median (range) | kept, median | drops reported / real losses |"
		print "|---|---:|---:|---:|---|"
		for (j = 1; j <= nc; j++) {
			c = C[j]
			if (!((w, c) in seen))
				continue
			k = w SUBSEP c
			ratio = (k in R) ? sprintf("%.2f (%.2f–%.2f)", median(R[k]), minmax(R[k], "min"), minmax(R[k], "max")) : "–"
			kept = (k in K) ? sprintf("%.1f%%", 100 * median(K[k])) : "–"
			acct = "–"
			if (k in K) {
				if (hasdrop[w, c])
					acct = sprintf("%d / %d", saiddrop[w, c], lost[w, c])
				else
					acct = sprintf("none reported / %d", lost[w, c])
				if (c ~ /^nft(1|all|1drops)(@|$)/)
					acct = acct (inexact[w, c] || mismatch[w, c] ? " (NOT exact)" : " (exact)")
			}
			printf "| %s | %.0f | %s | %s | %s |\n", cname[c], median(T[k]), ratio, kept, acct
		}
	}
}
