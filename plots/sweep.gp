# sweep.gp — duplicates and lost (with 95% CI bars) against a swept knob, one line
# per policy (and per value of the other knobs that act on it), from a dsim sweep CSV.
#
#   gnuplot -c plots/sweep.gp out/sweep.csv out [XKNOB] ["OTHER KNOBS"] ["|P1|P2|"]
#
# ARG1  the sweep CSV (dsim sweep --out DIR writes DIR/sweep.csv)
# ARG2  the folder for sweep.png and sweep.svg
# ARG3  the knob on the x axis, a column name (default: column 2, the first knob)
# ARG4  the other knobs, space-separated column names: their values split the lines
#       of the policies they act on (a "policies.NAME...." knob acts on NAME only)
# ARG5  the policies to draw, as "|name|name|" (default: all)
# `dsim plot` and `dsim sweep --plot` pass all five.

if (ARGC < 2) { print "usage: gnuplot -c sweep.gp SWEEP.csv OUTDIR [XKNOB] [OTHER_KNOBS] [|P1|P2|]"; exit status 2 }
csv = ARG1
out = ARG2
xcol = (ARGC >= 3 && ARG3 ne "") ? ARG3 : 2
xname = (ARGC >= 3 && ARG3 ne "") ? ARG3 : "knob"
others = (ARGC >= 4) ? ARG4 : ""
only = (ARGC >= 5) ? ARG5 : ""

set datafile separator comma
set datafile columnheaders
set datafile missing NaN   # rows of other lines are skipped, not line breaks

# Does knob k act on policy p? Knobs outside "policies." act on every policy.
acts(k, p) = strstrt(k, "policies.") != 1 || strstrt(k, "policies.".p.".") == 1
# A line's name: the policy, then KNOB=value for each other knob that acts on it.
okeys(n, p) = n > words(others) ? "" : \
    (acts(word(others, n), p) ? " ".word(others, n)."=".strcol(word(others, n)) : "").okeys(n + 1, p)
rowkey(dummy) = strcol("policy").okeys(1, strcol("policy"))
drawn(dummy) = only eq "" || strstrt(only, "|".strcol("policy")."|") > 0
# The n-th name of a "|a|b|c|" list.
nth(s, n) = n <= 1 ? s[2:strstrt(s[2:], "|")] : nth(s[strstrt(s[2:], "|") + 1:], n - 1)

# Every distinct line name, in order of first appearance.
keys = "|"
nkeys = 0
stats csv using (k = rowkey(0), (drawn(0) && strstrt(keys, "|".k."|") == 0 ? (keys = keys.k."|", nkeys = nkeys + 1) : 0), 0) nooutput

set grid
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
set key outside right top font ",9"
set xlabel xname noenhanced
set bars small
set style data yerrorlines
sel(col, i) = rowkey(0) eq nth(keys, i) ? column(col) : NaN
# A constant column gets a fixed range (gnuplot would warn "empty y range").

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
            set terminal pngcairo size 1000,800 font ",10"
        } else {
            set terminal png size 1000,800
        }
    } else {
        set terminal svg size 1000,800 dynamic font ",10"
    }
    set output out."/sweep.".fmt
    set multiplot layout 2,1 title "dsim sweep (mean ± 95% CI over replications)" noenhanced
    set ylabel "duplicates per run"
    stats csv using (column("duplicates")) nooutput
    if (STATS_max == STATS_min) { set yrange [STATS_min - 1:STATS_max + 1] } else { set autoscale y }
    plot for [i=1:nkeys] csv using (column(xcol)):(sel("duplicates", i)):(column("duplicates_ci95")) \
         title nth(keys, i) noenhanced pointtype 7 pointsize 0.6
    set ylabel "lost per run"
    stats csv using (column("lost")) nooutput
    if (STATS_max == STATS_min) { set yrange [STATS_min - 1:STATS_max + 1] } else { set autoscale y }
    plot for [i=1:nkeys] csv using (column(xcol)):(sel("lost", i)):(column("lost_ci95")) \
         title nth(keys, i) noenhanced pointtype 7 pointsize 0.6
    unset multiplot
    set output
}
