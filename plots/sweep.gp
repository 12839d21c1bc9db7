# sweep.gp — duplicates and lost against a swept knob (mean ± 95% CI over
# replications, never below 0), one line per policy (and per value of the other
# knobs that act on it); below them the paired difference of each line against
# the baseline policy with its 95% CI, from the per-replication values (every
# point of a sweep runs the same seeds, so the difference is paired: bars above
# that overlap can hide a clear difference).
#
#   gnuplot -c plots/sweep.gp out/sweep.csv out [XKNOB] ["OTHER KNOBS"] ["<TAB>P1<TAB>P2<TAB>"] \
#           [PAIRED.csv] [SCENARIO] ["KNOB IN WORDS (unit)"] ["REFERENCE"]
#
# ARG1  the sweep CSV (dsim sweep --out DIR writes DIR/sweep.csv)
#       (dsim plot passes a copy spelled for gnuplot's data reader, sim_plot_gp_csv:
#       a name holding '"', ',' or '\' in the CSV as written is drawn cut short)
# ARG2  the folder for sweep.png and sweep.svg
# ARG3  the knob on the x axis, a column name (default: column 2, the first knob)
# ARG4  the other knobs, space-separated column names (each found whole among the
#       header's knob columns: a knob of a policy named with a space is one): their values split the lines
#       of the policies they act on (a "policies.NAME...." knob acts on NAME only)
# ARG5  the policies to draw, each between tabs: "\tname\tname\t" (default: all)
# ARG6  the paired differences, a CSV with the sweep CSV's rows (dsim plot writes
#       it from sweep.json: DIR/sweep_paired.csv); "" draws no paired panels
# ARG7  the scenario's name, for the title; ARG8 the x axis label; ARG9 what the
#       paired difference is taken against (for the panels' labels)
# `dsim plot` and `dsim sweep --plot` pass all nine.
#
# Whatever valid sweep it is given, it draws: rows without a CI (one replication:
# the _ci95 field is empty, there is no ± from one sample) are drawn as points on
# their line without a bar; a knob whose values are names (an enum, such as
# policies.NAME.pending=fail,queue) is drawn as categories, each name a tic in
# the order of the sweep, the lines side by side and not joined (and so is a
# knob of one value).

if (ARGC < 2) { print "usage: gnuplot -c sweep.gp SWEEP.csv OUTDIR [XKNOB] [OTHER_KNOBS] [<TAB>P1<TAB>P2<TAB>] [PAIRED.csv] [SCENARIO] [XLABEL] [REFERENCE]"; exit status 2 }
csv = ARG1
out = ARG2
xcol = (ARGC >= 3 && ARG3 ne "") ? ARG3 : 2
xname = (ARGC >= 3 && ARG3 ne "") ? ARG3 : "knob"
others = (ARGC >= 4) ? ARG4 : ""
only = (ARGC >= 5) ? ARG5 : ""
pcsv = (ARGC >= 6) ? ARG6 : ""
scen = (ARGC >= 7 && ARG7 ne "") ? ARG7 : csv
xlab = (ARGC >= 8 && ARG8 ne "") ? ARG8 : xname
ref = (ARGC >= 9 && ARG9 ne "") ? ARG9 : "the baseline policy"

here = ARG0; sdir = ""
while (strstrt(here, "/") > 0) { sdir = sdir.here[1:strstrt(here, "/")]; here = here[strstrt(here, "/") + 1:] }
load sdir."style.gp"

set datafile separator comma
set datafile columnheaders
set datafile missing NaN   # rows of other lines are skipped, not line breaks

# A line's name: the policy, then KNOB=value for each other knob that acts on it
# (knobs.gp).
load sdir."knobs.gp"
drawn(dummy) = only eq "" || strstrt(only, "\t".strcol("policy")."\t") > 0

# Every distinct line name, in order of first appearance.
keys = "\t"
nkeys = 0
stats csv using (k = rowkey(0), (drawn(0) && strstrt(keys, "\t".k."\t") == 0 ? (keys = keys.k."\t", nkeys = nkeys + 1) : 0), 0) nooutput
if (nkeys == 0) { print "sweep.gp: no rows to draw in ".csv; exit status 2 }

# a CI half-width, 0 where there is none (one replication: an empty field)
ci(m) = (c = column(m."_ci95"), c == c ? c : 0)
sel(col, i) = rowkey(0) eq nth(keys, i) ? column(col) : NaN
# Whether every row drawn from FILE has both CIs (allci), and some row one (anyci).
nrow = 0; nci = 0
stats csv using (drawn(0) ? (nrow = nrow + 1, a = column("duplicates_ci95"), \
      b = column("lost_ci95"), nci = nci + (a == a && b == b)) : 0, 0) nooutput
allci = nci == nrow; anyci = nci > 0
citext = allci ? "mean ± 95% CI over replications" : anyci ? \
    "mean; ± 95% CI where there are several replications" : "one replication: no CI"

# The knob's values in order of first appearance; names (not numbers) make it a
# knob of categories (xcat), drawn at 1, 2, ... with the lines side by side.
numchars(s) = strlen(s) == 0 ? 1 : (strstrt("0123456789+-.eE", s[1:1]) > 0 ? numchars(s[2:]) : 0)
isnum(s) = strlen(s) > 0 && strstrt("0123456789+-.", s[1:1]) > 0 && numchars(s)
xs = "\t"; nx = 0; xcat = 0
stats csv using (v = strcol(xcol), xcat = xcat || !isnum(v), \
      (strstrt(xs, "\t".v."\t") == 0 ? (xs = xs.v."\t", nx = nx + 1) : 0), 0) nooutput
xcat = xcat || nx == 1   # one value: a single tic, not an empty range
place(v, k) = k > nx ? NaN : (nth(xs, k) eq v ? k : place(v, k + 1))
xat(i) = xcat ? place(strcol(xcol), 1) + (nkeys > 1 ? (i - (nkeys + 1) / 2.0) * 0.5 / nkeys : 0) \
              : column(xcol)
# A count's bar never goes below 0: the axis starts there (a 0 row gets [0:1]).
set grid
set bars small
set style data yerrorlines
set autoscale xfix
set offsets graph 0.04, graph 0.04, 0, 0
if (xcat) {
    set offsets 0, 0, 0, 0
    set xrange [0.5:nx + 0.5]
    set xtics (nth(xs, 1) 1) noenhanced
    do for [k=2:nx] { set xtics add (nth(xs, k) k) }
}
rows = pcsv ne "" ? 2 : 1
# The canvas: 1200 px wide, two panels of 366 px and the key beside them in the
# last 264 px; wider when a line's name would not fit there (gnuplot drops key
# entries wider than the room it has, reckoning a character at the terminal's
# width, about 7.2 px at font ",9" in PNG, with 12 more for the sample), or a
# line of the x label (a long policy name in a knob's words) is longer than the
# 61 characters of the longest knob words, so the panels' labels do not overlap.
keylen = 0
do for [i=1:nkeys] { keylen = strlen(nth(keys, i)) > keylen ? strlen(nth(keys, i)) : keylen }
xlablen = 0; rest = xlab
while (strlen(rest) > 0) {
    nl = strstrt(rest, "\n")
    xlablen = (nl > 0 ? nl - 1 : strlen(rest)) > xlablen ? (nl > 0 ? nl - 1 : strlen(rest)) : xlablen
    rest = nl > 0 ? rest[nl + 1:] : ""
}
pw = xlablen > 62 ? int(8 * xlablen) : 366
kx = 84 + 2 * pw + 120
W = 7.2 * (keylen + 12) > 264 ? kx + int(7.2 * (keylen + 12)) : kx + 264
ml = W == 1200 ? 0.07 : 84.0 / W
mr = W == 1200 ? 0.76 : (84.0 + 2 * pw + 96) / W
msp = W == 1200 ? 0.08 : 96.0 / W
mkey = W == 1200 ? 0.78 : 1.0 * kx / W

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal @dsim_png size W,(rows == 2 ? 900 : 520) font ",10"
    } else {
        set terminal svg size W,(rows == 2 ? 900 : 520) dynamic font ",10"
    }
    set output out."/sweep.".fmt
    set multiplot layout rows,2 margins ml,mr,(rows == 2 ? 0.07 : 0.12),0.9 spacing msp,0.12 \
        title sprintf("%s: sweep of %s (%s)", scen, xname, citext) noenhanced font ",11"
    set key at screen mkey, 0.9 left top font ",9" noenhanced title "line (policy, other knobs)" left
    if (rows == 1) { set xlabel xlab noenhanced } else { unset xlabel }
    do for [m in "duplicates lost"] {
        set title (m eq "duplicates" ? "duplicates" : "lost")
        set ylabel (m eq "duplicates" ? "duplicates per run (extra copies)" : "lost per run (never delivered)")
        set autoscale y   # stats honours a fixed range: free it first
        stats csv using (drawn(0) ? column(m) + ci(m) : NaN) nooutput
        top = STATS_max
        set yrange [0:(top > 0 ? top * 1.05 : 1)]
        if (allci && !xcat) {
            plot for [i=1:nkeys] csv using (column(xcol)):(sel(m, i)):(column(m."_ci95")) \
                 linetype i title nth(keys, i)
        } else {
            # a point per row (joined along a numeric knob), a bar where there is a CI
            if (xcat) {
                plot for [i=1:nkeys] csv using (xat(i)):(sel(m, i)) with points linetype i \
                     title nth(keys, i), \
                     for [i=1:(anyci ? nkeys : 0)] csv using (xat(i)):(sel(m, i)):(anyci ? column(m."_ci95") : 0) \
                     with yerrorbars linetype i notitle
            } else {
                plot for [i=1:nkeys] csv using (xat(i)):(sel(m, i)) with linespoints linetype i \
                     title nth(keys, i), \
                     for [i=1:(anyci ? nkeys : 0)] csv using (xat(i)):(sel(m, i)):(anyci ? column(m."_ci95") : 0) \
                     with yerrorbars linetype i notitle
            }
        }
        unset key
    }
    if (rows == 2) {
        set xlabel xlab noenhanced
        do for [m in "duplicates lost"] {
            # a difference may be negative: the range spans every bar drawn and 0
            set autoscale y
            stats pcsv using (drawn(0) ? column(m) - ci(m) : NaN) nooutput
            lo = STATS_min < 0 ? STATS_min : 0
            stats pcsv using (drawn(0) ? column(m) + ci(m) : NaN) nooutput
            hi = STATS_max > 0 ? STATS_max : 0
            pad = hi > lo ? (hi - lo) * 0.05 : 1
            set yrange [lo - pad:hi + pad]
            set title sprintf("paired difference of %s\nvs %s (same seeds)", m, ref) noenhanced
            set ylabel sprintf("difference in %s per run", m)
            if (allci && !xcat) {
                plot for [i=1:nkeys] pcsv using (column(xcol)):(sel(m, i)):(column(m."_ci95")) \
                     linetype i notitle, \
                     0 with lines linecolor rgb "#555555" dashtype 3 linewidth 1 notitle
            } else {
                plot for [i=1:nkeys] pcsv using (xat(i)):(sel(m, i)) \
                     with points linetype i notitle, \
                     for [i=1:(xcat ? 0 : nkeys)] pcsv using (xat(i)):(sel(m, i)) \
                     with lines linetype i notitle, \
                     for [i=1:(anyci ? nkeys : 0)] pcsv using (xat(i)):(sel(m, i)):(anyci ? column(m."_ci95") : 0) \
                     with yerrorbars linetype i notitle, \
                     0 with lines linecolor rgb "#555555" dashtype 3 linewidth 1 notitle
            }
        }
    }
    unset multiplot
    unset title
    set output
}
