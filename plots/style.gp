# style.gp — the line types every dsim plot uses (loaded by the other scripts).
#
# 11 colours that stay apart on white and in grey print, crossed with 4 dash
# patterns and 7 point types: line i has colour (i-1) % 11, dash (i-1) % 4 and
# point (i-1) % 7, so two lines of a plot share all three only 308 lines apart,
# and neighbours differ in all three. (The shoot-out draws 17 policies.)
array DSIM_COLOURS[11] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", \
                          "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#000000"]
array DSIM_DASHES[4] = [1, 2, 4, 5]      # solid, dashed, dot-dash, dot-dot-dash
array DSIM_POINTS[7] = [7, 5, 9, 11, 13, 4, 6]
do for [i=1:308] {
    set linetype i linecolor rgb DSIM_COLOURS[(i - 1) % 11 + 1] dashtype DSIM_DASHES[(i - 1) % 4 + 1] \
        pointtype DSIM_POINTS[(i - 1) % 7 + 1] linewidth 1.6 pointsize 0.8
}
set linetype cycle 308

# dsim_wider(w, len, px, room): the canvas width w, grown when a key entry of len
# characters (px pixels each as gnuplot reckons them: about 8 at font ",10", 7.2 at
# ",9", in PNG; 8 more for the sample) needs more than the room the layout keeps
# for it, so that a long policy name does not push the plot and its centred title
# (which names the scenario) off the canvas.
dsim_wider(w, len, px, room) = px * (len + 8) > room ? w + int(px * (len + 8) - room) : w

# dsim_terminal(fmt, w, h): pngcairo when there, else png; svg for the report.
dsim_png = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"
