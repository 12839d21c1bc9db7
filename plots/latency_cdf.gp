# latency_cdf.gp — the latency tail of each policy of a run over ALL utterances,
# drawn from the quantiles in dsim's run CSV: P(latency > x) at p50, p90, p99 and
# p99.9 of the delivered ones, where a lost utterance never arrives: P = lost_rate
# + (1 - lost_rate) x (0.5, 0.1, 0.01, 0.001), log scale; a policy that loses 15 %
# levels off at 0.15 instead of falling to 0.001. A per-delivery latency file
# (dsim run --latencies, drawn by latency_ecdf.gp) gives the whole curve; these
# four points are what every run reports.
#
#   gnuplot -c plots/latency_cdf.gp out/results.csv out     # dsim run --out out
#
# ARG1  a dsim run CSV (one row per policy)
#       (dsim plot passes a copy spelled for gnuplot's data reader, sim_plot_gp_csv:
#       a name holding '"', ',' or '\' in the CSV as written is drawn cut short)
# ARG2  the folder for latency_cdf.png and latency_cdf.svg
# ARG3  the scenario's name, for the title
#
# A policy that delivered nothing has no quantile: every one of its utterances is
# lost, P(latency > x) = 1 at every x, drawn as a line at 1 across the others' range
# (the key says "nothing delivered"); when no policy delivered anything the figure
# says so.

if (ARGC < 2) { print "usage: gnuplot -c latency_cdf.gp RUN.csv OUTDIR"; exit status 2 }
csv = ARG1
out = ARG2
scen = (ARGC >= 3 && ARG3 ne "") ? ARG3 : csv

here = ARG0; sdir = ""
while (strstrt(here, "/") > 0) { sdir = sdir.here[1:strstrt(here, "/")]; here = here[strstrt(here, "/") + 1:] }
load sdir."style.gp"

set datafile separator comma
set datafile columnheaders
set datafile missing NaN

# One block per policy in a datablock: x = latency quantile, y = tail probability.
stats csv using 0 nooutput
n = STATS_records
names = "\t"
# the quantiles' range over the policies that have them (lo > hi: none has)
lo = 1e300; hi = -1e300; nnone = 0
array none[n]
do for [i=0:n-1] {
    stats csv every ::i::i using (q50 = column("latency_s.p50"), q999 = column("latency_s.p999"), 0) nooutput
    none[i + 1] = !(q50 == q50 && q999 == q999)
    nnone = nnone + none[i + 1]
    if (!none[i + 1]) { lo = q50 < lo ? q50 : lo; hi = q999 > hi ? q999 : hi }
}
if (lo > hi) { lo = 0; hi = 1 }
set print $tail
do for [i=0:n-1] {
    stats csv every ::i::i using (name = strcol("policy"), q50 = column("latency_s.p50"), \
          q90 = column("latency_s.p90"), q99 = column("latency_s.p99"), \
          q999 = column("latency_s.p999"), lr = column("lost_rate"), 0) nooutput
    names = names.name."\t"
    if (none[i + 1]) {
        print sprintf("%.10g 1", lo)
        print sprintf("%.10g 1", hi)
    } else {
        print sprintf("%.10g %.10g", q50, lr + (1 - lr) * 0.5)
        print sprintf("%.10g %.10g", q90, lr + (1 - lr) * 0.1)
        print sprintf("%.10g %.10g", q99, lr + (1 - lr) * 0.01)
        print sprintf("%.10g %.10g", q999, lr + (1 - lr) * 0.001)
    }
    print ""
    print ""
}
unset print
set datafile separator whitespace   # the datablock is plain columns
set datafile nocolumnheaders
nth(s, k) = k <= 1 ? s[2:strstrt(s[2:], "\t")] : nth(s[strstrt(s[2:], "\t") + 1:], k - 1)

keylen = 0
do for [i=1:n] { keylen = strlen(nth(names, i)) + (none[i] ? 20 : 0) > keylen ? strlen(nth(names, i)) + (none[i] ? 20 : 0) : keylen }
W = dsim_wider(1000, keylen, 8, 320)

set grid
set logscale y
set yrange [0.0005:(nnone > 0 ? 1.5 : 1)]   # a line at 1 stays in sight
if (nnone == n) {
    unset xtics
    set label 1 "no utterance was delivered:\nno latency was measured\n(every utterance lost: P = 1)" \
        at graph 0.5, graph 0.5 center
}
set key outside right top
set xlabel "latency: utterance end to first delivery (s)"
set ylabel "P(latency > x), all utterances (lost: never delivered)"

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal @dsim_png size W,700 font ",10"
    } else {
        set terminal svg size W,700 dynamic font ",10"
    }
    set output out."/latency_cdf.".fmt
    set title sprintf("%s: latency tail per policy over all utterances%s(p50, p90, p99, p99.9 of the delivered, mean over replications)", \
                      scen, nnone > 0 ? "\n" : " ") noenhanced   # (two lines beside the wider key)
    plot for [i=1:n] $tail index i-1 using 1:2 with linespoints linetype i \
         title nth(names, i).(none[i] ? " (nothing delivered)" : "") noenhanced
    set output
}
