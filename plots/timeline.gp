# timeline.gp — the worst session window of a dsim timeline (--timeline FILE):
# every attempt of that session as a bar (labelled when it was not the delivery) on the node worker that ran it, coloured
# by what became of it, and the scheduler's and the client's instants of the
# session marked (ack-timeout discards, duplicate deliveries, dispatch timeouts,
# cancels, failovers, errors). `dsim plot TIMELINE.json` picks the session and
# the window (plot_timeline.c) and runs this script:
#
#   build/dsim run scenarios/incident-2025-12-30.json --replications 1 --timeline tl.json
#   build/dsim plot tl.json --out out          # out/timeline.png, out/timeline.svg
#
# ARG1  the data prefix: PREFIX.bars.tsv, PREFIX.marks.tsv, PREFIX.meta.gp
# ARG2  the folder for timeline.png and timeline.svg
# ARG3  the scenario's name, for the title

if (ARGC < 2) { print "usage: gnuplot -c timeline.gp PREFIX OUTDIR [SCENARIO]"; exit status 2 }
pre = ARG1
out = ARG2

here = ARG0; sdir = ""
while (strstrt(here, "/") > 0) { sdir = sdir.here[1:strstrt(here, "/")]; here = here[strstrt(here, "/") + 1:] }
load sdir."style.gp"
load pre.".meta.gp"
scen = (ARGC >= 3 && ARG3 ne "") ? ARG3 : (tl_scenario ne "" ? tl_scenario : pre)
bars = pre.".bars.tsv"
marks = pre.".marks.tsv"

# outcome classes 1..5 as line types 101..105
set linetype 101 dashtype 1 linewidth 1 linecolor rgb "#2ca02c"   # delivered (the client's first copy)
set linetype 102 dashtype 1 linewidth 1 linecolor rgb "#ff7f0e"   # duplicate (a later copy)
set linetype 103 dashtype 1 linewidth 1 linecolor rgb "#d62728"   # discarded by the ack timeout
set linetype 104 dashtype 1 linewidth 1 linecolor rgb "#7f7f7f"   # stopped: aborted, superseded, crashed, refused, skipped
set linetype 105 dashtype 1 linewidth 1 linecolor rgb "#9467bd"   # other: dedup drop, fenced, lost on the network, ...

set datafile separator "\t"
set style fill solid 0.85 border rgb "#333333"
set grid xtics
set xrange [tl_from:tl_to]
set yrange [0.3:tl_rows + 0.7]
set xlabel "simulated time (s)"
set key outside below horizontal font ",9" noenhanced
set ytics font ",9" noenhanced
set lmargin 26
set rmargin 9

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal @dsim_png size 1300,(260 + 34 * tl_rows) font ",10"
    } else {
        set terminal svg size 1300,(260 + 34 * tl_rows) dynamic font ",10"
    }
    set output out."/timeline.".fmt
    # a labelled bar's label goes above it, the next labelled one on its row below, and so on
    # (alternating per row, so two neighbours on one row do not print over each other)
    array lab_up[tl_rows + 2]
    do for [i = 1:tl_rows + 2] { lab_up[i] = 0 }
    set title sprintf("%s, %s, session %d: the worst session window (in the session: lost %d, duplicate copies %d, ack-timeout discards %d)", \
                      scen, tl_run, tl_session, tl_lost, tl_dups, tl_discards) noenhanced
    plot bars using (($2 + $3) / 2):1:(($3 - $2) / 2):(0.32):(100 + $4) with boxxyerror linecolor variable notitle, \
         NaN with boxes linetype 101 title "attempt: delivered", \
         NaN with boxes linetype 102 title "attempt: duplicate", \
         NaN with boxes linetype 103 title "attempt: discarded (ack timeout)", \
         NaN with boxes linetype 104 title "attempt: stopped", \
         NaN with boxes linetype 105 title "attempt: other", \
         bars using 2:($4 != 1 ? (lab_up[int($1)] = 1 - lab_up[int($1)], $1 + (lab_up[int($1)] ? 0.45 : -0.45)) : NaN):($4 != 1 ? stringcolumn(5) : "") with labels left offset 0.3,0 font ",7" notitle, \
         marks using ($3 == 1 ? $2 : NaN):1 with points pointtype 9 pointsize 1.0 linecolor rgb "#2ca02c" title "delivery", \
         marks using ($3 == 2 ? $2 : NaN):1 with points pointtype 13 pointsize 1.6 linecolor rgb "#ff7f0e" title "duplicate delivery", \
         marks using ($3 == 3 ? $2 : NaN):1 with points pointtype 2 pointsize 1.8 linewidth 2 linecolor rgb "#d62728" title "ack-timeout discard", \
         marks using ($3 == 4 ? $2 : NaN):1 with points pointtype 11 pointsize 1.3 linecolor rgb "#000000" title "dispatch timeout", \
         marks using ($3 == 5 ? $2 : NaN):($1 + 0.22) with points pointtype 1 pointsize 1.3 linecolor rgb "#555555" title "cancel sent", \
         marks using ($3 == 7 ? $2 : NaN):($1 - 0.22) with points pointtype 5 pointsize 0.9 linecolor rgb "#1f77b4" title "failover dispatched", \
         marks using ($3 == 6 ? $2 : NaN):1 with points pointtype 3 pointsize 1.5 linecolor rgb "#9467bd" title "error to the client"
    set output
}
