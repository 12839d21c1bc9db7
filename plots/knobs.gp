# knobs.gp — the other knobs of a sweep line's name, shared by sweep.gp and
# tradeoff.gp: rowkey(0) is the row's policy, then " KNOB=value" for each knob
# column named in `others` (space-separated) that acts on that policy. The
# script sets `csv` (the data file, whose header it reads) and `others` before
# it loads this file.

# Does knob k act on policy p? Knobs outside "policies." act on every policy.
acts(k, p) = strstrt(k, "policies.") != 1 || strstrt(k, "policies.".p.".") == 1
# (a knob of the line's own policy by its key alone: the policy is named before it)
short(k, p) = strstrt(k, "policies.".p.".") == 1 ? k[strlen(p) + 11:] : k
# The other knobs as a tab-separated list of the header's knob columns (between
# point and policy) that `others` names: a knob of a policy whose name holds a space
# (or a quote, which word() would take for one) is one column, not the words
# that split it.
knobs_of(i) = (h = columnhead(i), h eq "policy" || h eq "" || i > 300 ? "" : \
    (strstrt(" ".others." ", " ".h." ") > 0 ? h."\t" : "").knobs_of(i + 1))
otab = "\t"
if (others ne "") { stats csv every ::0::0 using (otab = "\t".knobs_of(2), 0) nooutput }
nothers = 0
do for [i=1:strlen(otab)] { nothers = nothers + (otab[i:i] eq "\t") }
nothers = nothers - 1
okeys(n, p) = n > nothers ? "" : \
    (acts(nth(otab, n), p) ? " ".short(nth(otab, n), p)."=".strcol(nth(otab, n)) : "").okeys(n + 1, p)
rowkey(dummy) = strcol("policy").okeys(1, strcol("policy"))
# The n-th name of a list "\ta\tb\tc\t" (a tab cannot be in a name: the loader refuses control characters).
nth(s, n) = n <= 1 ? s[2:strstrt(s[2:], "\t")] : nth(s[strstrt(s[2:], "\t") + 1:], n - 1)
