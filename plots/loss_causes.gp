# loss_causes.gp — what each policy lost, and why: a stacked bar per policy of its
# lost utterances per run (mean over replications) split by lost_by_cause.*, from
# a dsim run CSV. The bars start at 0; causes no policy has are left out.
#
#   gnuplot -c plots/loss_causes.gp out/results.csv out [SCENARIO] ["CAUSE COLUMNS"]
#
# ARG1  a dsim run CSV (one row per policy)
#       (dsim plot passes a copy spelled for gnuplot's data reader, sim_plot_gp_csv:
#       a name holding '"', ',' or '\' in the CSV as written is drawn cut short)
# ARG2  the folder for loss_causes.png and loss_causes.svg
# ARG3  the scenario's name, for the title
# ARG4  the cause columns, space-separated (default: the eleven of dsim's metrics)

if (ARGC < 2) { print "usage: gnuplot -c loss_causes.gp RUN.csv OUTDIR [SCENARIO] [CAUSES]"; exit status 2 }
csv = ARG1
out = ARG2
scen = (ARGC >= 3 && ARG3 ne "") ? ARG3 : csv
all = (ARGC >= 4 && ARG4 ne "") ? ARG4 : \
  "lost_by_cause.ack_discard lost_by_cause.dedup_drop lost_by_cause.session_closed lost_by_cause.fenced lost_by_cause.processing_error lost_by_cause.node_crash lost_by_cause.network lost_by_cause.no_result lost_by_cause.no_node lost_by_cause.failover_exhausted lost_by_cause.unfinished"

here = ARG0; sdir = ""
while (strstrt(here, "/") > 0) { sdir = sdir.here[1:strstrt(here, "/")]; here = here[strstrt(here, "/") + 1:] }
load sdir."style.gp"

set datafile separator comma
set datafile columnheaders
set datafile missing NaN

# the causes some policy has
causes = ""
do for [i=1:words(all)] {
    stats csv using (column(word(all, i))) nooutput
    if (STATS_max > 0) { causes = causes." ".word(all, i) }
}
stats csv using (column("lost")) nooutput
top = STATS_max > 0 ? STATS_max * 1.1 : 1
npol = STATS_records

set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.7
# the policies' names run down at -35 degrees below the bars: a long one (about 0.26
# lines a character at font ",9") gets a taller margin and canvas, not a cut
namelen = 0
stats csv using (l = strlen(strcol("policy")), namelen = l > namelen ? l : namelen, 0) nooutput
bm = int(0.26 * namelen) + 2 > 8 ? int(0.26 * namelen) + 2 : 8
H = 600 + (bm - 8) * 16
set bmargin bm
set grid ytics
set yrange [0:top]
set ylabel "lost utterances per run (mean over replications)"
set xtics rotate by -35 left font ",9" noenhanced
set key outside right top font ",9" noenhanced title "cause"

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal @dsim_png size 1100,H font ",10"
    } else {
        set terminal svg size 1100,H dynamic font ",10"
    }
    set output out."/loss_causes.".fmt
    set title sprintf("%s: lost utterances per policy, by cause", scen) noenhanced
    if (words(causes) == 0) {
        set label 1 "no policy lost an utterance" at graph 0.5, graph 0.5 center
        plot csv using (0):xtic(strcol("policy")) notitle linecolor rgb "#ffffff"
        unset label 1
    } else {
        plot for [i=1:words(causes)] csv using (column(word(causes, i))):xtic(strcol("policy")) \
             linetype i dashtype 1 title word(causes, i)[15:]
    }
    set output
}
