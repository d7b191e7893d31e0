# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# chart.gp - the VM table as a PNG (tools/bench.sh runs it):
#   gnuplot -e "datafile='vm-chart.dat'; outfile='vm-chart.png'; subtitle='...'" chart.gp
# Data: one line per configuration, "name" then the throughput ratio to no
# capture for udp tcp fwd, then the kept share for udp tcp fwd ("-": none).

if (!exists("subtitle")) subtitle = ""
set terminal pngcairo size 1100,900 font "DejaVu Sans,11"
set output outfile
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb "#dddddd"
set key outside bottom center horizontal
# Bar i (1..3) of group g sits at g + (i - 2) / 4 (3 series, gap 1).
lbl(v) = (v == v) ? sprintf("%.2f", v) : ""
pct(v) = (v == v) ? sprintf("%.0f", 100 * v) : ""
set xtics nomirror font ",9"
set multiplot layout 2,1 title "nftrace, tcpdump, NFLOG and printk under load (qemu TCG, 2 vCPUs)\n".subtitle noenhanced

set title "Sender throughput with the capture running, relative to no capture (median of rounds)"
set ylabel "ratio to no capture"
set yrange [0:1.3]
set arrow 1 from graph 0, first 0.9 to graph 1, first 0.9 nohead dt 2 lc rgb "#aa0000"
set label 1 "0.90: the target for nftrace at one hook" at graph 0.005, first 1.22 left tc rgb "#aa0000" font ",9"
plot datafile using 2:xtic(1) title "UDP flood, lo" lc rgb "#4477aa", \
     '' using 3 title "TCP stream, lo" lc rgb "#66ccee", \
     '' using 4 title "UDP, forwarded" lc rgb "#228833", \
     '' using ($0 - 0.25):2:(lbl($2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0):3:(lbl($3)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0 + 0.25):4:(lbl($4)) with labels offset 0,0.6 font ",8" notitle

unset arrow 1
unset label 1
set title "Share of the packets at the hook(s) that the capture kept (median of rounds)"
set ylabel "kept"
set yrange [0:115]
set format y "%.0f%%"
plot datafile using ($5*100):xtic(1) title "UDP flood, lo" lc rgb "#4477aa", \
     '' using ($6*100) title "TCP stream, lo" lc rgb "#66ccee", \
     '' using ($7*100) title "UDP, forwarded" lc rgb "#228833", \
     '' using ($0 - 0.25):($5*100):(pct($5)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0):($6*100):(pct($6)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($0 + 0.25):($7*100):(pct($7)) with labels offset 0,0.6 font ",8" notitle
unset multiplot
