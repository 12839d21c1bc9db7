# tradeoff.gp — the trade-off plane: lost rate against duplicate rate (95% CI bars),
# each point a policy (a run CSV) or a policy at one setting (a sweep CSV), labelled.
#
#   gnuplot -c plots/tradeoff.gp out/results.csv out          # dsim run --out out
#   gnuplot -c plots/tradeoff.gp out/sweep.csv out "KNOBS"     # dsim sweep
#
# ARG1  a dsim CSV (run or sweep)
# ARG2  the folder for tradeoff.png and tradeoff.svg
# ARG3  for a sweep: the knob columns, space-separated, whose values join the labels
#       (a "policies.NAME...." knob only those of policy NAME)

if (ARGC < 2) { print "usage: gnuplot -c tradeoff.gp CSV OUTDIR [KNOBS]"; exit status 2 }
csv = ARG1
out = ARG2
knobs = (ARGC >= 3) ? ARG3 : ""

set datafile separator comma
set datafile columnheaders
set datafile missing NaN

# Does knob k act on policy p? Knobs outside "policies." act on every policy.
acts(k, p) = strstrt(k, "policies.") != 1 || strstrt(k, "policies.".p.".") == 1
klabel(n, p) = n > words(knobs) ? "" : \
    (acts(word(knobs, n), p) ? " ".word(knobs, n)."=".strcol(word(knobs, n)) : "").klabel(n + 1, p)
label(dummy) = strcol("policy").klabel(1, strcol("policy"))

set grid
set key off
set offsets graph 0.1, graph 0.25, graph 0.1, graph 0.1
set xlabel "duplicate rate (extra copies per utterance)"
set ylabel "lost rate (per utterance)"
set bars small
# A constant axis gets a fixed range (gnuplot would warn "empty range").
stats csv using (column("duplicate_rate")) nooutput
if (STATS_max == STATS_min) { set xrange [STATS_min - 0.001:STATS_max + 0.001] }
stats csv using (column("lost_rate")) nooutput
if (STATS_max == STATS_min) { set yrange [STATS_min - 0.001:STATS_max + 0.001] }

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
    set output out."/tradeoff.".fmt
    set title "dsim: lost vs duplicated (mean ± 95% CI); lower left is better" noenhanced
    plot csv using (column("duplicate_rate")):(column("lost_rate")): \
             (column("duplicate_rate_ci95")):(column("lost_rate_ci95")) \
             with xyerrorbars pointtype 7 pointsize 0.8 linecolor rgb "#1f77b4", \
         csv using (column("duplicate_rate")):(column("lost_rate")):(label(0)) \
             with labels left offset 0.8,0.6 font ",8" noenhanced
    set output
}
