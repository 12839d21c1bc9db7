# tradeoff.gp — the trade-off plane: lost rate against duplicate rate (mean ±
# 95% CI bars; both axes start at 0), a legend entry per policy (a run CSV) or
# per sweep line (a policy and the values of the other knobs), whose points
# follow the swept knob; the larger open circle marks the knob's first value.
#
#   gnuplot -c plots/tradeoff.gp out/results.csv out [SCENARIO]          # dsim run --out out
#   gnuplot -c plots/tradeoff.gp out/sweep.csv out [SCENARIO] XKNOB ["OTHER KNOBS"] ["XLABEL"]
#
# ARG1  a dsim CSV (run or sweep)
# ARG2  the folder for tradeoff.png and tradeoff.svg
# ARG3  the scenario's name, for the title
# ARG4  for a sweep: the knob the points of a line follow (default: the first knob)
# ARG5  for a sweep: the other knobs, space-separated, whose values split the lines
#       (a "policies.NAME...." knob only those of policy NAME)
# ARG6  for a sweep: the knob in words, for the title

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

# Does knob k act on policy p? Knobs outside "policies." act on every policy.
acts(k, p) = strstrt(k, "policies.") != 1 || strstrt(k, "policies.".p.".") == 1
okeys(n, p) = n > words(others) ? "" : \
    (acts(word(others, n), p) ? " ".word(others, n)."=".strcol(word(others, n)) : "").okeys(n + 1, p)
rowkey(dummy) = strcol("policy").okeys(1, strcol("policy"))
nth(s, n) = n <= 1 ? s[2:strstrt(s[2:], "|")] : nth(s[strstrt(s[2:], "|") + 1:], n - 1)
keys = "|"
nkeys = 0
stats csv using (k = rowkey(0), (strstrt(keys, "|".k."|") == 0 ? (keys = keys.k."|", nkeys = nkeys + 1) : 0), 0) nooutput
if (nkeys == 0) { print "tradeoff.gp: no rows in ".csv; exit status 2 }
sel(col, i) = rowkey(0) eq nth(keys, i) ? column(col) : NaN
if (xk ne "") {
    stats csv using (column(xk)) nooutput
    xfirst = STATS_min
}
first(col, i) = (xk ne "" && column(xk) == xfirst) ? sel(col, i) : NaN

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
        set terminal @dsim_png size 1100,700 font ",10"
    } else {
        set terminal svg size 1100,700 dynamic font ",10"
    }
    set output out."/tradeoff.".fmt
    if (xk eq "") {
        set title sprintf("%s: lost vs duplicated per policy (mean ± 95%% CI); lower left is better", scen) noenhanced
        plot for [i=1:nkeys] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)): \
             (column("duplicate_rate_ci95")):(column("lost_rate_ci95")) \
             with xyerrorbars linetype i title nth(keys, i)
    } else {
        set title sprintf("%s: lost vs duplicated along %s (mean ± 95%% CI; open circle: its smallest value); lower left is better", scen, xlab) noenhanced
        plot for [i=1:nkeys] csv using (sel("duplicate_rate", i)):(sel("lost_rate", i)): \
             (column("duplicate_rate_ci95")):(column("lost_rate_ci95")) \
             with xyerrorlines linetype i title nth(keys, i), \
             for [i=1:nkeys] csv using (first("duplicate_rate", i)):(first("lost_rate", i)) \
             with points linetype i pointtype 6 pointsize 2.2 notitle
    }
    set output
}
