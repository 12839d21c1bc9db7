# latency_ecdf.gp — the whole latency distribution of each policy of a run: the
# empirical CDF of "utterance end -> first delivery" over ALL utterances of every
# replication (a lost utterance never arrives, so a policy that loses 15 % of its
# utterances plateaus at 0.85), from the table `dsim plot LATENCIES.csv` computes
# (the latencies of `dsim run --latencies FILE`, the number of utterances from the
# run's results.json beside it).
#
#   build/dsim run scenarios/incident-2025-12-30.json --out out --latencies out/latencies.csv
#   build/dsim plot out/latencies.csv               # runs this script
#
# ARG1  the ECDF table: blocks (two blank lines apart) of latency_s TAB fraction TAB policy
# ARG2  the folder for latency_cdf.png and latency_cdf.svg
# ARG3  the scenario's name, for the title
# ARG4  "all" (the fraction is of all utterances), "delivered" (no utterance count
#       known) or "none" (an empty table: the latencies file has no row, and no
#       results.json names its policies)
#
# A policy that delivered nothing has a block at fraction 0 (over the others'
# latencies, or with an empty latency when no policy delivered anything): its line
# stays at 0 and the key says "nothing delivered". When nothing was delivered at
# all (or the table is empty: a latencies file without rows) the figure says so.

if (ARGC < 2) { print "usage: gnuplot -c latency_ecdf.gp ECDF.tsv OUTDIR [SCENARIO] [all|delivered]"; exit status 2 }
data = ARG1
out = ARG2
scen = (ARGC >= 3 && ARG3 ne "") ? ARG3 : data
over = (ARGC >= 4 && ARG4 ne "") ? ARG4 : "all"

here = ARG0; sdir = ""
while (strstrt(here, "/") > 0) { sdir = sdir.here[1:strstrt(here, "/")]; here = here[strstrt(here, "/") + 1:] }
load sdir."style.gp"

set datafile separator "\t"
# the blocks (policies) and the latencies measured (counted: stats on no valid
# point defines no STATS_ variable)
n = 0; nlat = 0
if (over ne "none") {
    stats data using (n = column(-2) + 1, c = column(1), nlat = nlat + (c == c), 0) nooutput
}
array names[n > 0 ? n : 1]
array top[n > 0 ? n : 1]
do for [i=1:n] {
    top[i] = 0
    stats data index i-1 using (names[i] = strcol(3), top[i] = column(2) > top[i] ? column(2) : top[i], 0) nooutput
}

keylen = 0
do for [i=1:n] { keylen = strlen(names[i]) + (top[i] > 0 ? 0 : 20) > keylen ? strlen(names[i]) + (top[i] > 0 ? 0 : 20) : keylen }
W = dsim_wider(1150, keylen, 7.2, 290)

set grid
set logscale x
set key outside right top font ",9" noenhanced
set yrange [0:1]
set ytics 0.1
set xlabel "latency: utterance end to first delivery (s, log scale)"
set ylabel (over eq "all" ? "fraction of all utterances delivered within x (lost: never)" \
                          : "fraction of delivered utterances (lost ones not counted)")

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal @dsim_png size W,700 font ",10"
    } else {
        set terminal svg size W,700 dynamic font ",10"
    }
    set output out."/latency_cdf.".fmt
    set title sprintf("%s: latency CDF per policy (all replications; %s)", scen, \
                      over eq "all" ? "its plateau is 1 - lost rate" : "delivered utterances only") noenhanced
    if (nlat > 0) {
        plot for [i=1:n] data index i-1 using 1:2 with steps linetype i linewidth 2 \
             title names[i].(top[i] > 0 ? "" : " (nothing delivered)")
    } else {
        # no latency at all: the frame, the key of each policy, and why it is empty
        unset logscale x
        set xrange [0:1]
        unset xtics
        set xlabel "latency: utterance end to first delivery (none measured)"
        set label 1 (n > 0 ? "no utterance was delivered: every CDF stays at 0" \
                           : "no utterance was delivered (the latencies file has no rows)") \
            at graph 0.5, graph 0.5 center
        if (n > 0) {
            plot for [i=1:n] 0 with lines linetype i linewidth 2 title names[i]." (nothing delivered)"
        } else {
            plot 2 notitle
        }
        unset label 1
        set logscale x
        set xtics
        set autoscale x
    }
    set output
}
