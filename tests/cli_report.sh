#!/usr/bin/env bash
# cli_report.sh DSIM SOURCE_DIR — dsim report DIR: one self-contained HTML page of a
# run or sweep folder, rendered by a real browser (headless Chromium).
#
# 1. A small run (--latencies and --timeline into the folder): report.html has the
#    scenario summary, the policy table with paired differences (a significant one
#    coloured), four inline SVG figures, and no reference outside the file.
# 2. Chromium renders it to a PNG: no console message (the page has no script, so
#    any is an error), and the PNG is not blank (its pixels vary, and enough of
#    them are not the background). The detector itself is checked on a page that
#    logs an error and on a blank page. (Chromium logs no console line for a file
#    it cannot load: that the page references nothing outside itself is checked
#    in the HTML, in 1.)
# 3. A sweep folder: the plots against the knob and a table per point. 3d: a
#    timeline without attempts gives a page that says so.
# 4. Bad folders: exit 2 with a message, no report.html, no temporary left.
set -u
DSIM=$1
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-report

command -v chromium >/dev/null || { echo "FAIL: chromium is not installed (apt-get install chromium)"; exit 1; }
command -v gnuplot >/dev/null || { echo "FAIL: gnuplot is not installed"; exit 1; }

# render HTML PNG: Chromium's screenshot; its console lines into PNG.console
render() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --no-default-browser-check --disable-extensions --disable-background-networking \
        --disable-sync --disable-dev-shm-usage --user-data-dir="$TMP/profile" \
        --enable-logging=stderr --v=0 --force-device-scale-factor=0.5 --window-size=1280,2400 \
        --screenshot="$2" \
        "file://$1" >/dev/null 2>"$2.log"
    local rc=$?
    grep -F ':CONSOLE' "$2.log" >"$2.console"
    return $rc
}
# pixels PNG: "STDDEV INK" of the grey levels (0..255) and the fraction of pixels
# that differ from the most common one; a PNG decoder of its own (zlib, the five
# row filters), so nothing beyond python3 is needed.
pixels() {
    python3 - "$1" <<'PY'
import struct, sys, zlib
from collections import Counter
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), "unexpected PNG format %d/%d" % (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
grey = Counter()
row_at = 0
for y in range(h):
    f = raw[row_at]
    line = bytearray(raw[row_at + 1:row_at + 1 + stride])
    row_at += 1 + stride
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 2 == 0:  # every other row and column is plenty
        for x in range(0, w, 2):
            o = x * bpp
            grey[(line[o] * 299 + line[o + 1] * 587 + line[o + 2] * 114) // 1000] += 1
n = sum(grey.values())
mean = sum(g * k for g, k in grey.items()) / n
sd = (sum(k * (g - mean) ** 2 for g, k in grey.items()) / n) ** 0.5
ink = 1 - grey.most_common(1)[0][1] / n
print("%.2f %.4f" % (sd, ink))
PY
}

# 1. A small run into a folder.
jq '.replications = 2 | del(.expect)' "$SRC/scenarios/incident-2025-12-30.json" >"$TMP/w.json"
R=$TMP/run
"$DSIM" run "$TMP/w.json" --out "$R" --latencies "$R/latencies.csv" --timeline "$R/timeline.json" \
    --timeline-filter policy=lingua-2025-12-28,replication=0 >/dev/null 2>"$TMP/err" ||
    fail "run: $(cat "$TMP/err")"
[ -s "$R/summary.txt" ] || fail "run --out wrote no summary.txt"
"$DSIM" report "$R" --plots "$SRC/plots" >"$TMP/out" 2>"$TMP/err" || fail "report: $(cat "$TMP/err")"
grep -q "report written to $R/report.html" "$TMP/out" || fail "report: stdout $(cat "$TMP/out")"
[ ! -s "$TMP/err" ] || fail "report: unexpected stderr: $(cat "$TMP/err")"
H=$R/report.html
python3 - "$H" "$R/results.json" <<'PY' || fail "report.html: see above"
import html, json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
res = json.load(open(sys.argv[2]))
bad = []
def check(c, m):
    if not c: bad.append(m)
check(page.startswith("<!DOCTYPE html>"), "no doctype")
check("<script" not in page.lower(), "a script")
refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', page) + re.findall(r'url\(\s*([^)#][^)]*)\)', page)
check(all(r.startswith("#") for r in refs), "references outside the page: %s" % [r for r in refs if not r.startswith("#")][:5])
check("@import" not in page, "@import")
check(page.count("<svg") == 4, "%d inline SVGs, expected 4 (latency, loss causes, trade-off, timeline)" % page.count("<svg"))
check("<?xml" not in page, "an XML prologue inside the page")
ids = re.findall(r'\bid=["\']([^"\']+)', page)
check(len(ids) == len(set(ids)), "ids not unique")
check(html.escape(res["scenario"]) in page, "no scenario name")
check("home-gpu" in page and "world assumptions" in page, "no scenario summary")
for p in res["policies"]:
    check(">%s</td>" % html.escape(p["name"]) in page, "no row for " + p["name"])
check(page.count('class="better"') + page.count('class="worse"') > 0, "no significant difference coloured")
# a coloured cell is one whose paired CI excludes 0
for m in re.finditer(r'<td class="(better|worse|differs)">[^<]*<span class="d">&Delta; ([-+0-9.]+)(?: &plusmn; ([0-9.]+))?', page):
    d, h = float(m.group(2)), float(m.group(3) or "nan")
    check(abs(d) > h, "coloured but not significant: %s" % m.group(0))
check("never delivered" in page or "lost" in page, "no loss figure")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
[ -z "$(ls -A "$R" | grep -E '^\.report\.tmp|\.tmp\.')" ] || fail "temporaries left in $R: $(ls -A "$R")"
# the timeline figure: the session it names is the worst of the file (3 x lost +
# duplicate deliveries + ack-timeout discards), with that session's counts
python3 - "$H" "$R/timeline.json" <<'PY' || fail "timeline figure: see above"
import json, re, sys
from collections import Counter
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"session (\d+): the worst session window \(in the session: lost (\d+), "
              r"duplicate copies (\d+), ack-timeout discards (\d+)\)", page)
assert m, "no timeline title"
s, lost, dups, disc = map(int, m.groups())
c = Counter()
for e in json.load(open(sys.argv[2]))["traceEvents"]:
    if e["ph"] == "i" and "session" in e.get("args", {}):
        c[(e["args"]["session"], e["name"])] += 1
score = lambda x: 3 * c[(x, "never_delivered")] + c[(x, "duplicate_delivery")] + c[(x, "ack_timeout_discard")]
sessions = {k[0] for k in c}
assert score(s) == max(score(x) for x in sessions), "session %d is not the worst" % s
assert (lost, dups, disc) == (c[(s, "never_delivered")], c[(s, "duplicate_delivery")], c[(s, "ack_timeout_discard")]), \
    "counts %s differ from the file's" % ((lost, dups, disc),)
assert lost + dups + disc > 0, "nothing went wrong: the check cannot fail"
PY

# 2. The browser.
render "$H" "$TMP/page.png" || fail "chromium failed: $(tail -3 "$TMP/page.png.log")"
[ ! -s "$TMP/page.png.console" ] || fail "console messages: $(cat "$TMP/page.png.console")"
read -r sd ink <<<"$(pixels "$TMP/page.png")"
python3 -c "import sys; sys.exit(0 if $sd > 20 and $ink > 0.02 else 1)" ||
    fail "the render looks blank: grey stddev $sd, non-background $ink"
# the detector: a page that logs an error is caught, a blank page measures blank
printf '<!DOCTYPE html><html><body><script>console.error("x")</script></body></html>' >"$TMP/broken.html"
render "$TMP/broken.html" "$TMP/broken.png"
[ -s "$TMP/broken.png.console" ] || fail "console.error gave no console line: the check cannot fail"
printf '<!DOCTYPE html><html><body></body></html>' >"$TMP/blank.html"
render "$TMP/blank.html" "$TMP/blank.png"
read -r sd ink <<<"$(pixels "$TMP/blank.png")"
python3 -c "import sys; sys.exit(0 if $sd < 1 and $ink < 0.001 else 1)" ||
    fail "a blank page measured stddev $sd, non-background $ink"

# 3. A sweep folder.
"$DSIM" sweep "$TMP/w.json" --param policies.lingua-2025-12-28.ack_timeout_s=5,30 --out "$TMP/sw" \
    >/dev/null 2>"$TMP/err" || fail "sweep: $(cat "$TMP/err")"
"$DSIM" report "$TMP/sw" --plots "$SRC/plots" >/dev/null 2>"$TMP/err" || fail "report sweep: $(cat "$TMP/err")"
S=$TMP/sw/report.html
[ "$(grep -o '<svg' "$S" | wc -l)" = 2 ] || fail "sweep report: not 2 SVGs (sweep, trade-off)"
grep -q "paired difference of lost" "$S" || fail "sweep report: no paired panel"
[ "$(grep -c '<caption>point ' "$S")" = 2 ] || fail "sweep report: not a table per point"
# the Scenario section (summary.txt) describes the sweep that ran: the one --param
# with its 2 values (not the file's sweep block, which this scenario lacks)
jq -e '.sweep == null' "$TMP/w.json" >/dev/null || fail "w.json has a sweep block"
grep -q "sweep: 1 knob, 2 points" "$TMP/sw/summary.txt" ||
    fail "sweep summary.txt: $(grep -o 'sweep: .*' "$TMP/sw/summary.txt")"
grep -q "sweep: 1 knob, 2 points" "$S" || fail "sweep report: $(grep -o 'sweep: [0-9]* knobs*, [0-9]* points*' "$S")"
render "$S" "$TMP/sweep.png" || fail "chromium on the sweep report failed"
[ ! -s "$TMP/sweep.png.console" ] || fail "sweep report console: $(cat "$TMP/sweep.png.console")"

# 3b. A world that delivers nothing, and a sweep of one replication: the report is
#     written and says what is missing.
jq '.network.loss = 1' "$SRC/tests/data/tiny.json" >"$TMP/lossall.json"
"$DSIM" run "$TMP/lossall.json" --out "$TMP/la" --latencies "$TMP/la/latencies.csv" >/dev/null
"$DSIM" report "$TMP/la" --plots "$SRC/plots" >/dev/null 2>"$TMP/err" || fail "report of nothing delivered: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "report of nothing delivered: stderr $(cat "$TMP/err")"
grep -q "No utterance was delivered, by any policy" "$TMP/la/report.html" || fail "lossall report does not say nothing was delivered"
[ "$(grep -o '<svg' "$TMP/la/report.html" | wc -l)" = 3 ] || fail "lossall report: not 3 figures"
"$DSIM" sweep "$SRC/tests/data/tiny.json" --param policies.fenced.dispatch_timeout_s=10,20 --replications 1 \
    --out "$TMP/one" >/dev/null
"$DSIM" report "$TMP/one" --plots "$SRC/plots" >/dev/null 2>"$TMP/err" || fail "report of one replication: $(cat "$TMP/err")"
[ "$(grep -o '<svg' "$TMP/one/report.html" | wc -l)" = 2 ] || fail "one-replication report: not 2 figures"

# 3c. Policies named a"b\c,d and x,y (which gnuplot's data reader would cut at '"' and
#     ',' and whose '\' it would drop): every figure of a run's and a sweep's report
#     draws them exactly.
jq '.policies[0].name = "a\"b\\c,d" | .policies[1].name = "x,y"' "$SRC/tests/data/tiny.json" >"$TMP/q.json"
"$DSIM" run "$TMP/q.json" --out "$TMP/q" --latencies "$TMP/q/latencies.csv" \
    --timeline "$TMP/q/timeline.json" >/dev/null 2>"$TMP/err" || fail "run a\"b\\c,d: $(cat "$TMP/err")"
jq '.sweep = {"policies.x,y.dispatch_timeout_s": [10, 20], "policies.a\"b\\c,d.pending": ["fail", "queue"]}' \
    "$TMP/q.json" >"$TMP/qs.json"
"$DSIM" sweep "$TMP/qs.json" --out "$TMP/qs" >/dev/null 2>"$TMP/err" || fail "sweep a\"b\\c,d: $(cat "$TMP/err")"
for d in q qs; do
    "$DSIM" report "$TMP/$d" --plots "$SRC/plots" >/dev/null 2>"$TMP/err" || fail "report $d: $(cat "$TMP/err")"
done
python3 - "$TMP/q/report.html" "$TMP/qs/report.html" <<'PY' || fail "report: a name not drawn exactly (above)"
import re, sys, xml.etree.ElementTree as ET
Q = 'a"b\\c,d'
bad = 0
for path, want in ((sys.argv[1], [[Q, "x,y"]] * 3 + [None]),
                   (sys.argv[2], [[Q + " pending=fail", Q + " pending=queue", "x,y"]] * 2)):
    svgs = re.findall(r"<svg.*?</svg>", open(path, encoding="utf-8").read(), re.S)
    if len(svgs) != len(want):
        print("%s: %d figures, expected %d" % (path, len(svgs), len(want)), file=sys.stderr)
        bad = 1
        continue
    for k, (svg, labels) in enumerate(zip(svgs, want)):
        texts = {"".join(t.itertext()) for t in ET.fromstring(svg).iter() if t.tag.endswith("text")}
        if labels is None:  # the timeline: its title names the run, its policy first
            labels = [t for t in texts if t.startswith("tiny, " + Q + " #")][:1] or ["tiny, " + Q + " #..."]
        for l in labels:
            if l not in texts:
                print("%s: figure %d lacks %r" % (path, k + 1, l), file=sys.stderr)
                bad = 1
sys.exit(bad)
PY

# 3d. A timeline.json that holds no attempt (the filter kept a window past the
#     run): the page is written, its Timeline section says so in place of the
#     figure; an empty timeline.json is refused as a timeline, not a CSV.
"$DSIM" run "$SRC/tests/data/tiny.json" --out "$TMP/et" --timeline "$TMP/et/timeline.json" \
    --timeline-filter from=100000 -q >/dev/null 2>"$TMP/err" || fail "run (empty timeline): $(cat "$TMP/err")"
[ "$(grep -c '"cat":"attempt"' "$TMP/et/timeline.json")" = 0 ] || fail "the filter kept attempts"
"$DSIM" report "$TMP/et" --plots "$SRC/plots" >/dev/null 2>"$TMP/err" ||
    fail "report of a timeline without attempts: exit $?: $(cat "$TMP/err")"
grep -q 'id="timeline"' "$TMP/et/report.html" && grep -q "timeline.json holds no attempt" "$TMP/et/report.html" ||
    fail "report of a timeline without attempts: the Timeline section does not say it is empty"
[ "$(grep -o '<svg' "$TMP/et/report.html" | wc -l)" = 3 ] || fail "report of a timeline without attempts: not 3 figures"
: >"$TMP/et/timeline.json"
rm -f "$TMP/et/report.html"
"$DSIM" report "$TMP/et" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -qF "et/timeline.json: empty (expected a dsim timeline" "$TMP/err" ||
    fail "an empty timeline.json: $(cat "$TMP/err")"
[ ! -e "$TMP/et/report.html" ] || fail "an empty timeline.json: a report.html"

# 4. Bad folders.
mkdir "$TMP/empty"
"$DSIM" report "$TMP/empty" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -q "neither results.json" "$TMP/err" || fail "empty folder: $(cat "$TMP/err")"
for i in 1 2; do
    "$DSIM" sweep "$SRC/tests/data/tiny.json" --param policies.fenced.dispatch_timeout_s=10,20 \
        --shard $i/2 --out "$TMP/shards" >/dev/null
done
"$DSIM" report "$TMP/shards" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -qF "shards of a sweep" "$TMP/err" &&
    grep -qF "dsim merge $TMP/shards/sweep-*-of-2.csv -o $TMP/shards/sweep.csv" "$TMP/err" ||
    fail "a folder of shards: $(cat "$TMP/err")"
"$DSIM" report "$TMP/no/such" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -qF "report: $TMP/no/such: No such file or directory (expected the folder of dsim run" "$TMP/err" ||
    fail "no such folder: $(cat "$TMP/err")"
"$DSIM" report "$SRC/tests/data/tiny.json" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -qF "tiny.json: not a folder" "$TMP/err" || fail "a file: $(cat "$TMP/err")"
mkdir "$TMP/broken"
cp "$R/results.csv" "$TMP/broken/"
printf '{"scenario": "x", "policies": [' >"$TMP/broken/results.json"
"$DSIM" report "$TMP/broken" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -q "broken/results.json:1:" "$TMP/err" || fail "broken JSON: $(cat "$TMP/err")"
[ -z "$(ls -A "$TMP/broken" | grep -v '^results\.')" ] || fail "broken: left $(ls -A "$TMP/broken")"
"$DSIM" report >/dev/null 2>"$TMP/err"
[ $? = 2 ] || fail "no folder: not exit 2"
# A CSV cut short or malformed: exit 2 naming FILE:LINE, no report.html, nothing left;
# a cut latencies.csv is not taken for the latencies of another run.
badcsv() { # badcsv NAME FILE WANT: FILE of a copy of the run folder replaced by $TMP/new
    rm -rf "$TMP/$1"; cp -r "$R" "$TMP/$1"; rm -f "$TMP/$1/report.html"
    mv "$TMP/new" "$TMP/$1/$2"
    "$DSIM" report "$TMP/$1" --plots "$SRC/plots" >/dev/null 2>"$TMP/err"
    [ $? = 2 ] && grep -qF -- "$3" "$TMP/err" || fail "$1: $(cat "$TMP/err")"
    if grep -q "of another run" "$TMP/err"; then fail "$1: the note of another run"; fi
    [ ! -e "$TMP/$1/report.html" ] || fail "$1: a report.html"
    [ -z "$(ls -A "$TMP/$1" | grep -E '^\.report\.tmp|\.tmp\.')" ] || fail "$1: temporaries left"
}
# (not fed through a pipe: fail() in a subshell would count nothing)
head -c 200 "$R/latencies.csv" >"$TMP/new"
badcsv cutlat latencies.csv "cutlat/latencies.csv:5: the last line is cut short (no newline at its end)"
sed '2s/,0,/,abc,/' "$R/results.csv" >"$TMP/new"
badcsv abcrun results.csv "abcrun/results.csv:2: column '"
{ head -n 1 "$R/results.csv"; sed -n 2p "$R/results.csv" | cut -d, -f1-30; } >"$TMP/new"
badcsv shortrun results.csv "shortrun/results.csv:2: 30 fields, expected"

# A figure over fewer replications (or pairs) than the run's is marked (n=k) on
# the page, as in the run's table: a latency over the 1 of 6 replications that
# delivered, and its paired difference over that one pair.
jq '.workload.sessions=1 | .workload.utterances_per_session=2 | .replications=6 | .network.loss=0.5
    | del(.expect) | .nodes[0].on_cancel="abort_by_job_id"
    | .policies=[.policies[0], {"name":"kill","preset":"lingua-2025-12-28","dispatch_timeout_s":0.2,
                                "scan_interval_s":0,"max_failovers":0}]' \
    "$SRC/scenarios/steady-light.json" >"$TMP/nk.json"
"$DSIM" run "$TMP/nk.json" -q --out "$TMP/nk" >"$TMP/nk.table" || fail "nk run exits $?"
grep -qE '^latency_s\.p99 .*\(n=1\)' "$TMP/nk.table" || fail "nk: the table has no (n=1): $(grep p99 "$TMP/nk.table")"
"$DSIM" report "$TMP/nk" --plots "$SRC/plots" >/dev/null || fail "nk report exits $?"
row=$(grep -o '<tr><td class="name">kill.*' "$TMP/nk/report.html")
k=$(echo "$row" | grep -o '(n=1)' | wc -l)
[ "$k" -ge 2 ] && echo "$row" | grep -qF '&Delta; 0 (n=1)' ||
    fail "nk: the page's kill row marks (n=1) $k times: $row"

cli_finish "cli_report: all checks passed"
