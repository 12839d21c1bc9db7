# tradeoff.gp — the trade-off plane: lost rate against duplicate rate (mean ±
# 95% CI bars; both axes start at 0), a legend entry per policy (a run CSV) or
# per sweep line (a policy and the values of the other knobs), whose points
# follow the swept knob; the larger open circle marks the knob's first value.
#
#   gnuplot -c plots/tradeoff.gp out/results.csv out [SCENARIO]          # dsim run --out out
#   gnuplot -c plots/tradeoff.gp out/sweep.csv out [SCENARIO] XKNOB ["OTHER KNOBS"] ["XLABEL"]
#
# ARG1  a dsim CSV (run or sweep)
#       (dsim plot passes a copy spelled for gnuplot's data reader, sim_plot_gp_csv:
#       a name holding '"', ',' or '\' in the CSV as written is drawn cut short)
# ARG2  the folder for tradeoff.png and tradeoff.svg
# ARG3  the scenario's name, for the title
# ARG4  for a sweep: the knob the points of a line follow (default: the first knob)
# ARG5  for a sweep: the other knobs, space-separated, whose values split the lines
#       (a "policies.NAME...." knob only those of policy NAME)
# ARG6  for a sweep: the knob in words, for the title
#
# Rows without a CI (one replication: an empty _ci95 field, no ± from one sample)
# are drawn as points without bars; along a knob whose values are names (an enum)
# the open circle marks its first value in the sweep's order.

if (ARGC < 2) { print "usage: gnuplot -c tradeoff.gp CSV OUTDIR [SCENARIO] [XKNOB] [OTHER_KNOBS] [XLABEL]"; exit status 2 }
csv = ARG1
out = ARG2
scen = (ARGC >= 3 && ARG3 ne "") ? ARG3 : csv
others = (ARGC >= 5) ? ARG5 : ""

here = ARG0; sdir = ""
while (strstrt(here, "/") > 0) { sdir = sdir.here[1:strstrt(here, "/")]; here = here[strstrt(here, "/") + 1:] }
load sdir."style.gp"

set datafile separator comma
set datafile columnheaders
set datafile missing NaN

xk = (ARGC >= 4 && ARG4 ne "") ? ARG4 : ""
xlab = (ARGC >= 6 && ARG6 ne "") ? ARG6 : xk

# The other knobs of a line's name (knobs.gp).
load sdir."knobs.gp"
keys = "\t"
nkeys = 0
stats csv using (k = rowkey(0), (strstrt(keys, "\t".k."\t") == 0 ? (keys = keys.k."\t", nkeys = nkeys + 1) : 0), 0) nooutput
if (nkeys == 0) { print "tradeoff.gp: no rows in ".csv; exit status 2 }
sel(col, i) = rowkey(0) eq nth(keys, i) ? column(col) : NaN
# the knob's first value: its smallest, or for a knob of names the first in the file
numchars(s) = strlen(s) == 0 ? 1 : (strstrt("0123456789+-.eE", s[1:1]) > 0 ? numchars(s[2:]) : 0)
isnum(s) = strlen(s) > 0 && strstrt("0123456789+-.", s[1:1]) > 0 && numchars(s)
xcat = 0; xname1 = ""
if (xk ne "") {
    stats csv using (v = strcol(xk), xname1 = xname1 eq "" ? v : xname1, \
          xcat = xcat || !isnum(v), 0) nooutput
}
if (xk ne "" && !xcat) {
    stats csv using (column(xk)) nooutput
    xfirst = STATS_min
}
isfirst(dummy) = xcat ? strcol(xk) eq xname1 : column(xk) == xfirst
first(col, i) = (xk ne "" && isfirst(0)) ? sel(col, i) : NaN
# Whether every row has both CIs (allci), and some row one (anyci).
nrow = 0; nci = 0
stats csv using (nrow = nrow + 1, a = column("duplicate_rate_ci95"), \
      b = column("lost_rate_ci95"), nci = nci + (a == a && b == b), 0) nooutput
allci = nci == nrow; anyci = nci > 0
citext = allci ? "mean ± 95% CI" : anyci ? "mean; ± 95% CI where there are several replications" \
                                  : "one replication: no CI"

keylen = 0
do for [i=1:nkeys] { keylen = strlen(nth(keys, i)) > keylen ? strlen(nth(keys, i)) : keylen }
W = dsim_wider(1100, keylen, 7.2, 290)

set grid
set key outside right top font ",9" noenhanced
set xlabel "duplicate rate (extra copies per utterance)"
set ylabel "lost rate (never delivered, per utterance)"
set bars small
# Rates are never below 0: both axes start there (an all-0 axis gets [0:0.01]).
ci(m) = (c = column(m."_ci95"), c == c ? c : 0)
# (both stats before either range is fixed: stats honours a fixed range)
stats csv using (column("duplicate_rate") + ci("duplicate_rate")) nooutput
dmax = STATS_max
stats csv using (column("lost_rate") + ci("lost_rate")) nooutput
lmax = STATS_max
set xrange [0:(dmax > 0 ? dmax * 1.08 : 0.01)]
set yrange [0:(lmax > 0 ? lmax * 1.08 : 0.01)]

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal @dsim_png size W,700 font ",10"
    } else {
        set terminal svg size W,700 dynamic font ",10"
    }
    set output out."/tradeoff.".fmt
    if (xk eq "") {
        set title sprintf("%s: lost vs duplicated per policy (%s); lower left is better", scen, citext) noenhanced
        if (allci) {
            plot for [i=1:nkeys] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)): \
                 (column("duplicate_rate_ci95")):(column("lost_rate_ci95")) \
                 with xyerrorbars linetype i title nth(keys, i)
        } else {
            plot for [i=1:nkeys] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)) \
                 with points linetype i title nth(keys, i), \
                 for [i=1:(anyci ? nkeys : 0)] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)): \
                 (anyci ? column("duplicate_rate_ci95") : 0):(anyci ? column("lost_rate_ci95") : 0) \
                 with xyerrorbars linetype i notitle
        }
    } else {
        set title sprintf("%s: lost vs duplicated along %s (%s; open circle: its %s); lower left is better", \
                          scen, xlab, citext, xcat ? "first value, ".xname1 : "smallest value") noenhanced
        if (allci) {
            plot for [i=1:nkeys] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)): \
                 (column("duplicate_rate_ci95")):(column("lost_rate_ci95")) \
                 with xyerrorlines linetype i title nth(keys, i), \
                 for [i=1:nkeys] csv using (first("duplicate_rate", i)):(first("lost_rate", i)) \
                 with points linetype i pointtype 6 pointsize 2.2 notitle
        } else {
            plot for [i=1:nkeys] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)) \
                 with linespoints linetype i title nth(keys, i), \
                 for [i=1:(anyci ? nkeys : 0)] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)): \
                 (anyci ? column("duplicate_rate_ci95") : 0):(anyci ? column("lost_rate_ci95") : 0) \
                 with xyerrorbars linetype i notitle, \
                 for [i=1:nkeys] csv using (first("duplicate_rate", i)):(first("lost_rate", i)) \
                 with points linetype i pointtype 6 pointsize 2.2 notitle
        }
    }
    set output
}
