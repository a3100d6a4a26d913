# tools/bench.gp: the chart of `make bench` (docs/bench.png).
#   gnuplot -e "datafile='build/bench/bench.dat'; outfile='docs/bench.png'; subtitle='...'" tools/bench.gp
# datafile: one case per line, in table order:
#   "label" req/s-ratio-to-plain worker-µs-per-request worker-CPU-ratio-to-plain

if (!exists("datafile")) datafile = 'build/bench/bench.dat'
if (!exists("outfile")) outfile = 'docs/bench.png'
if (!exists("subtitle")) subtitle = ''

stats datafile using 2 nooutput
n = STATS_records
rmax = STATS_max
stats datafile using 4 nooutput
if (STATS_max > rmax) rmax = STATS_max
xmax = (rmax * 1.1 > 1.15) ? rmax * 1.1 : 1.15
stats datafile using 3 nooutput
usmax = STATS_max

set terminal pngcairo size 1250, 90 + 38 * n font 'DejaVu Sans,10'
set output outfile
set encoding utf8
set termoption noenhanced

set multiplot layout 1, 2 title "jwtgate: make bench, nginx + auth_jwt, one worker\n" . subtitle font ',11'

set style fill solid 0.8 border -1
set yrange [n - 0.5 : -0.5]
set ytics nomirror scale 0
set grid xtics lc rgb '#dddddd'
set tmargin 6
set key at graph 0.5, graph 1.06 center center horizontal samplen 2

# left: requests/s as a fraction of plain nginx, with the targets
set lmargin 34
set rmargin 2
set xrange [0 : xmax]
set xtics 0.1
set xlabel 'ratio to plain nginx in the same run (median); dashed: targets 0.85 and 0.90'
set arrow 1 from 0.85, graph 0 to 0.85, graph 1 nohead lc rgb '#cc0000' dt 2 lw 1.5
set arrow 2 from 0.90, graph 0 to 0.90, graph 1 nohead lc rgb '#e69500' dt 2 lw 1.5
plot datafile using ($2 / 2):($0 - 0.18):($2 / 2):(0.16):ytic(1) with boxxyerror \
         lc rgb '#4a7ab5' title 'req/s', \
     '' using ($4 / 2):($0 + 0.18):($4 / 2):(0.16) with boxxyerror \
         lc rgb '#e0a040' title 'worker CPU (plain µs / case µs)', \
     '' using ($2 + 0.01):($0 - 0.18):(sprintf('%.2f', $2)) with labels left font ',7' notitle, \
     '' using ($4 + 0.01):($0 + 0.18):(sprintf('%.2f', $4)) with labels left font ',7' notitle

# right: worker CPU per request
unset arrow 1
unset arrow 2
unset key
set lmargin 2
set rmargin 4
set xrange [0 : usmax * 1.18]
set xtics autofreq
set format y ''
set xlabel 'nginx worker CPU, µs per request (median)'
plot datafile using ($3 / 2):0:($3 / 2):(0.35) with boxxyerror \
         lc rgb '#6aa84f' notitle, \
     '' using ($3 + usmax * 0.01):0:(sprintf('%.1f', $3)) with labels left font ',8' notitle

unset multiplot
