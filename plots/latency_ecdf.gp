# latency_ecdf.gp — the whole latency distribution of each policy of a run: the
# empirical CDF of "utterance end -> first delivery" over every delivered utterance
# of every replication, from the file `dsim run --latencies FILE` writes.
#
#   build/dsim run scenarios/incident-2025-12-30.json --latencies lat.csv
#   gnuplot -c plots/latency_ecdf.gp lat.csv out       # or: dsim plot lat.csv --out out
#
# ARG1  a latencies CSV: policy,replication,latency_s (policy names without spaces)
# ARG2  the folder for latency_cdf.png and latency_cdf.svg

if (ARGC < 2) { print "usage: gnuplot -c latency_ecdf.gp LATENCIES.csv OUTDIR"; exit status 2 }
csv = ARG1
out = ARG2

set datafile separator comma
set datafile columnheaders
# the policies in file order (rows are grouped by policy)
names = system(sprintf("tail -n +2 '%s' | cut -d, -f1 | uniq | tr '\\n' ' '", csv))
n = words(names)
if (n == 0) { print "latency_ecdf.gp: no rows in ".csv; exit status 2 }

set grid
set logscale x
set key right bottom
set yrange [0:1]
set xlabel "latency: utterance end to first delivery (s, log scale)"
set ylabel "fraction of delivered utterances"

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
            set terminal pngcairo size 1000,700 font ",10"
        } else {
            set terminal png size 1000,700
        }
    } else {
        set terminal svg size 1000,700 dynamic font ",10"
    }
    set output out."/latency_cdf.".fmt
    set title "dsim: latency CDF per policy (all replications)" noenhanced
    plot for [i=1:n] csv using (strcol(1) eq word(names, i) ? column(3) : NaN):(1.0) \
         smooth cnormal with lines linewidth 2 dashtype 1 + (i - 1) / 8 \
         title word(names, i) noenhanced
    set output
}
