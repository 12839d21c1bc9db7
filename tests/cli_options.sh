#!/usr/bin/env bash
# One option grammar for every command (sim/cli/opts.c): --opt=V and --opt V give
# the same bytes; -j N is --jobs N and never a scenario; '--' ends the options;
# '-' is the standard input; an unknown option, a missing value, a flag given a
# value and a bad number exit 2 with "dsim: CMD: ..." and "try 'dsim CMD --help'";
# --help exits 0 with the command's usage; the top-level synopsis lists every
# command's options as its --help does.
set -uo pipefail
DSIM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$2
. "$SRC/tests/cli_lib.sh" cli-options
cd "$SRC" || exit 1
TINY=tests/data/tiny.json
KNOB=policies.fenced.ack_timeout_s

# same A B WHAT: the two files hold the same bytes
same() {
    cmp -s "$1" "$2" || fail "$3: outputs differ: $(diff "$1" "$2" | head -5)"
}
# ok NAME ARGS...: dsim ARGS exits 0; stdout in $TMP/NAME.out
ok() {
    local name=$1
    shift
    "$DSIM" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" ||
        fail "dsim $* exits $?: $(head -c 300 "$TMP/$name.err")"
}
# bad CMD WORDS ARGS...: dsim ARGS exits 2 naming CMD, saying WORDS, pointing at CMD's help
bad() {
    local cmd=$1 words=$2
    shift 2
    "$DSIM" "$@" > "$TMP/bad.out" 2> "$TMP/bad.err"
    local rc=$?
    [ "$rc" -eq 2 ] || fail "dsim $* exits $rc, expected 2"
    grep -F -- "dsim: $cmd: $words" "$TMP/bad.err" > /dev/null ||
        fail "dsim $*: '$(head -c 300 "$TMP/bad.err")' lacks 'dsim: $cmd: $words'"
    grep -Fx -- "try 'dsim $cmd --help'" "$TMP/bad.err" > /dev/null ||
        fail "dsim $*: no \"try 'dsim $cmd --help'\" line"
    [ ! -s "$TMP/bad.out" ] || fail "dsim $*: printed on stdout: $(head -c 200 "$TMP/bad.out")"
}

# --- run: every form of a value gives the same report; -j 2 is not a scenario
ok r1 run "$TINY" --format csv --replications 3 --seed 11 --jobs 1
ok r2 run --format=csv "$TINY" --replications=3 --seed=11 -j 2
ok r3 run -j2 --seed 11 --format=csv --replications 3 -- "$TINY"
ok r4 run - --format csv --replications 3 --seed 11 < "$TINY"
same "$TMP/r1.out" "$TMP/r2.out" "run --opt V / --opt=V / -j 2"
same "$TMP/r1.out" "$TMP/r3.out" "run -jN and --"
same "$TMP/r1.out" "$TMP/r4.out" "run - (the standard input)"
grep '^fenced,3,' "$TMP/r1.out" > /dev/null || fail "run: --replications 3 not applied: $(head -2 "$TMP/r1.out")"
ok r5 run "$TINY" --format csv --replications 4 --seed 11
cmp -s "$TMP/r1.out" "$TMP/r5.out" && fail "run: --replications changes nothing (the test compares nothing)"
# a file whose name starts with '-' is a scenario after '--'
cp "$TINY" "$TMP/--odd.json"
(cd "$TMP" && "$DSIM" run --format csv --replications 3 --seed 11 -- --odd.json) > "$TMP/r6.out" 2>&1 ||
    fail "run -- --odd.json: $(head -3 "$TMP/r6.out")"
same "$TMP/r1.out" "$TMP/r6.out" "run -- --odd.json"
bad run "unknown option '--frmat'; did you mean '--format'?" run "$TINY" --frmat csv
bad run "unknown option '-x'" run "$TINY" -x
bad run "--format needs a value" run "$TINY" --format
bad run "--format: expected table, json or csv, got 'xml'" run "$TINY" --format=xml
bad run "--jobs: expected an integer 1..1024, got '0'" run "$TINY" -j 0
bad run "--replications: expected an integer 1..100000, got '-3'" run "$TINY" --replications -3
bad run "--out: expected a folder name, got ''" run "$TINY" --out=
bad run "one SCENARIO only, got another: '2'" run "$TINY" -j1 2
bad run "missing SCENARIO" run -j 2
bad run "--max-nodes: expected an integer 1..1000000, got 'x'" run "$TINY" --max-nodes=x
# --help is a flag like any other: given a value it is "takes no value"
bad run "--help takes no value" run "$TINY" --help=x
bad fit "--help takes no value" fit --help=1
# a name cut short is not abbreviated, but the suggestion is the name it begins,
# not one two edits away (--help); none when it begins several (fit: --report, --replications)
bad run "unknown option '--rep'; did you mean '--replications'?" run "$TINY" --rep 5
bad fit "unknown option '--rep'" fit x.log -o x.json --rep 5
grep -F "did you mean" "$TMP/bad.err" > /dev/null && fail "fit --rep: $(head -1 "$TMP/bad.err")"

# --- check
ok c1 check "$TINY" --replications 3 --jobs 1 --tap
ok c2 check --replications=3 -j 2 --tap -- "$TINY"
same "$TMP/c1.out" "$TMP/c2.out" "check --opt V / --opt=V / -j 2 / --"
bad check "--tap takes no value" check "$TINY" --tap=yes
bad check "--junit needs a value" check "$TINY" --junit
bad check "unknown option '--jnit'; did you mean '--junit'?" check --jnit r.xml "$TINY"
bad check "missing FILE|DIR" check -j 2

# --- validate
ok v1 validate "$TINY" --max-nodes 7
ok v2 validate --max-nodes=7 -- "$TINY"
same "$TMP/v1.out" "$TMP/v2.out" "validate --max-nodes V / =V"
ok v3 validate -q "$TINY"
ok v4 validate --quiet "$TINY"
[ ! -s "$TMP/v3.out" ] && [ ! -s "$TMP/v4.out" ] || fail "validate -q / --quiet print a summary"
bad validate "--max-nodes needs a value" validate "$TINY" --max-nodes
bad validate "unknown option '--quite'; did you mean '--quiet'?" validate --quite "$TINY"
bad validate "'-' (the standard input) given twice" validate - - < "$TINY"

# --- sweep and merge
ok s1 sweep "$TINY" --param "$KNOB=5,30" --out "$TMP/s1" --replications 2 --jobs 1
ok s2 sweep --param="$KNOB=5,30" --out="$TMP/s2" -j 2 --replications=2 -- "$TINY"
same "$TMP/s1/sweep.csv" "$TMP/s2/sweep.csv" "sweep --opt V / --opt=V / -j 2"
ok s3 sweep "$TINY" --param "$KNOB=5,30" --out "$TMP/sh" --replications 2 --shard 1/2
ok s4 sweep "$TINY" --param="$KNOB=5,30" --out="$TMP/sh" --replications=2 --shard=2/2
ok m1 merge "$TMP/sh/sweep-1-of-2.csv" "$TMP/sh/sweep-2-of-2.csv" -o "$TMP/m1.csv"
ok m2 merge -o"$TMP/m2.csv" "$TMP/sh/sweep-1-of-2.csv" "$TMP/sh/sweep-2-of-2.csv"
ok m3 merge --out="$TMP/m3.csv" "$TMP/sh/sweep-1-of-2.csv" "$TMP/sh/sweep-2-of-2.csv"
same "$TMP/s1/sweep.csv" "$TMP/m1.csv" "merge -o FILE"
same "$TMP/m1.csv" "$TMP/m2.csv" "merge -oFILE"
same "$TMP/m1.csv" "$TMP/m3.csv" "merge --out=FILE"
bad sweep "--param needs a value" sweep "$TINY" --param
bad sweep "unknown option '--parm'; did you mean '--param'?" sweep "$TINY" --parm "$KNOB=5"
bad sweep "--resume takes no value" sweep "$TINY" --resume=1
bad merge "missing --out FILE" merge "$TMP/sh/sweep-1-of-2.csv"
bad merge "-o needs a value" merge "$TMP/sh/sweep-1-of-2.csv" -o

# --- tune
ok t1 tune "$TINY" --knob "$KNOB=5:60" --minimize lost --budget 6 --replications 2 --jobs 1
ok t2 tune --knob="$KNOB=5:60" --minimize=lost --budget=6 -j 2 --replications=2 -- "$TINY"
same "$TMP/t1.out" "$TMP/t2.out" "tune --opt V / --opt=V / -j 2"
bad tune "--minimize needs a value" tune "$TINY" --knob "$KNOB=5:60" --minimize
bad tune "missing --minimize EXPR" tune "$TINY" --knob "$KNOB=5:60"
bad tune "unknown option '--knobs'; did you mean '--knob'?" tune "$TINY" --knobs "$KNOB=5:60"
# tune's own texts are refused as option errors are: "tune: ...", then "try ..."
bad tune "--knob '$KNOB=60:5': expected KEY=LO:HI with numbers LO < HI" tune "$TINY" --knob "$KNOB=60:5" --minimize lost
bad tune "--knob $KNOB given twice" tune "$TINY" --knob "$KNOB=5:60" --knob "$KNOB=1,2" --minimize lost
bad tune "--minimize 'lost +': expected a metric name or a number" tune "$TINY" --knob "$KNOB=5:60" --minimize 'lost +'
bad tune "--subject-to 'lost < 1': expected '<=' or '>='" tune "$TINY" --knob "$KNOB=5:60" --minimize lost --subject-to 'lost < 1'
bad tune "--tie-break 'x': unknown metric" tune "$TINY" --knob "$KNOB=5:60" --minimize lost --tie-break x
# the message says what is accepted: digits, not 1e3
bad tune "--budget: expected a number of runs 1..100000000, in digits, got '1e3'" tune "$TINY" --knob "$KNOB=5:60" --minimize lost --budget 1e3
# a number an objective cannot use: not finite, or large enough that a sum of finite metrics overflows
bad tune "--minimize '1e999*events': the number at column 1 is out of range" tune "$TINY" --knob "$KNOB=5:60" --minimize '1e999*events'
bad tune "--minimize '1e308*events + 1e308*events': the number at column 1 is out of range" tune "$TINY" --knob "$KNOB=5:60" --minimize '1e308*events + 1e308*events'
bad tune "--minimize 'events*1e101': the number at column 8 is out of range" tune "$TINY" --knob "$KNOB=5:60" --minimize 'events*1e101'
ok t3 tune "$TINY" --knob "$KNOB=5:60" --minimize '1e100*lost - 1e100' --budget 6 --replications 2
# an objective undefined for every setting (nothing is ever delivered) is said so, exit 1;
# not "no setting met every constraint" (there is none, or it holds)
jq '.network.loss = 1' "$TINY" > "$TMP/lossall.json"
for sub in "" "--subject-to=lost <= 100"; do
    "$DSIM" tune "$TMP/lossall.json" -q --knob "$KNOB=5:60" --minimize latency_s.p99 --budget 4 \
        --replications 2 ${sub:+"$sub"} > "$TMP/u.out" 2> "$TMP/u.err"
    rc=$?
    [ "$rc" = 1 ] || fail "tune of an objective never defined ($sub): exit $rc, expected 1"
    grep -Fx "the objective was undefined (n/a) for every setting: latency_s.p99 had no value on some replication of each (a latency of a run that delivered nothing); $([ -n "$sub" ] && echo "the least violating setting is shown" || echo "the one shown is the first by the tie-break, then by evaluation order")" \
        "$TMP/u.out" > /dev/null || fail "tune of an objective never defined ($sub): $(sed -n 4,7p "$TMP/u.out")"
    grep -F "no setting met" "$TMP/u.out" > /dev/null && fail "tune ($sub): blames the constraints"
done

# --- hunt
ok h1 hunt "$TINY" --policy fenced --invariant 'utterances == 10' --budget 3 --out "$TMP/h.json" --jobs 1
ok h2 hunt --policy=fenced --invariant='utterances == 10' --budget=3 --out="$TMP/h.json" -j 2 -- "$TINY"
same "$TMP/h1.out" "$TMP/h2.out" "hunt --opt V / --opt=V / -j 2"
bad hunt "--budget needs a value" hunt "$TINY" --policy fenced --invariant 'lost == 0' --budget
bad hunt "unknown option '--invariants'; did you mean '--invariant'?" hunt "$TINY" --policy fenced --invariants 'lost == 0'
bad hunt "--invariant 'lost <': expected EXPR <= EXPR" hunt "$TINY" --policy fenced --invariant 'lost <'
bad hunt "--budget: expected a number of runs 1..100000000, in digits, got '1e3'" hunt "$TINY" --policy fenced --invariant 'lost == 0' --budget 1e3

# --- live and agent: every range is said as it is
bad agent "--port: expected an integer 1..65535, got '70000'" agent "$TINY" --policy fenced --node 0 --time-zero 1 --port 70000
bad agent "--node: expected an integer 0..4294967294, got '-1'" agent "$TINY" --policy fenced --node -1 --time-zero 1 --port 5
bad agent "--time-zero: expected an integer >= 0, got 'abc'" agent "$TINY" --policy fenced --node 0 --time-zero abc --port 5
bad agent "--port N is required" agent "$TINY" --policy fenced --node 0 --time-zero 1
bad live "--drain: expected simulated seconds > 0 and <= 1e6, got '1e7'" live "$TINY" --drain 1e7
# (--format xml after it: a binary that took the speed fails on the format, not running for ever)
bad live "--speed: expected a number 1e-3..1e6, got '1e-4'" live "$TINY" --speed 1e-4 --format xml
bad agent "--speed: expected a number 1e-3..1e6, got '1e-300'" agent "$TINY" --policy fenced --node 0 --time-zero 1 --port 5 --speed 1e-300 --replication x
# the bounds themselves are accepted (parsing stops at --help, which exits 0 only if they were)
ok lv1 live "$TINY" --speed 1e-3 --drain 1e6 --help

# --- analyze (a log of the tiny run)
ok l0 run "$TINY" --log "$TMP/tiny.log"
ok a1 analyze "$TMP/tiny.log" --format json
ok a2 analyze --format=json -- "$TMP/tiny.log"
same "$TMP/a1.out" "$TMP/a2.out" "analyze --format V / =V"
bad analyze "--format needs a value" analyze "$TMP/tiny.log" --format
bad analyze "--format: expected table or json, got 'csv'" analyze "$TMP/tiny.log" --format csv

# --- fit (a log in the reference's format)
ok f0 run "$TINY" --log "$TMP/lingua.log" --log-format=lingua
mkdir -p "$TMP/f1" "$TMP/f2"
ok f1 fit "$TMP/lingua.log" -o "$TMP/f1/x.json" --replications 3
ok f2 fit --replications=3 --out="$TMP/f2/x.json" -- "$TMP/lingua.log"
same "$TMP/f1/x.json" "$TMP/f2/x.json" "fit -o FILE / --out=FILE"
same "$TMP/f1/x.trace.csv" "$TMP/f2/x.trace.csv" "fit's trace"
bad fit "--replications needs a value" fit "$TMP/lingua.log" -o "$TMP/f3.json" --replications

# --- plot and report take their options alike (drawing needs gnuplot)
bad plot "--out needs a value" plot x.csv --out
bad plot "one CSV only, got another: 'y.csv'" plot x.csv y.csv
bad report "--plots needs a value" report dir --plots
bad report "unknown option '--plot'; did you mean '--plots'?" report dir --plot plots
if command -v gnuplot > /dev/null; then
    ok p0 run "$TINY" --out "$TMP/run"
    ok p1 plot "$TMP/run/results.csv" --out "$TMP/p1" --plots plots
    ok p2 plot --out="$TMP/p2" --scripts=plots -- "$TMP/run/results.csv"
    [ "$(cd "$TMP/p1" && ls)" = "$(cd "$TMP/p2" && ls)" ] || fail "plot --out V / =V draw different files"
fi

# --- the global options take no stray operand: exit 2, the operand named, nothing on stdout
for args in "--help x" "-h x" "--version x" "-V x" "--man x" "--completion bash x" \
            "--completion=zsh x" "help run x" "help x"; do
    "$DSIM" $args > "$TMP/g.out" 2> "$TMP/g.err"
    rc=$?
    [ "$rc" = 2 ] && [ ! -s "$TMP/g.out" ] && grep -F "'x'" "$TMP/g.err" > /dev/null &&
        grep -Fx "try 'dsim --help'" "$TMP/g.err" > /dev/null ||
        fail "dsim $args: exit $rc, stdout $(wc -c < "$TMP/g.out") bytes, stderr: $(head -c 200 "$TMP/g.err")"
done

# --- every command: --help, an unknown option, what its synopsis says
for cmd in $("$DSIM" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 { print $1 }'); do
    ok help "$cmd" --help
    head -1 "$TMP/help.out" | grep "^usage: dsim $cmd " > /dev/null || fail "$cmd --help: $(head -1 "$TMP/help.out")"
    ok help2 "$cmd" -h
    same "$TMP/help.out" "$TMP/help2.out" "$cmd -h / --help"
    ok help3 help "$cmd"
    same "$TMP/help.out" "$TMP/help3.out" "help $cmd / $cmd --help"
    bad "$cmd" "unknown option '--no-such-option'" "$cmd" --no-such-option
    # every long option of the help is in the top-level synopsis, and is accepted
    "$DSIM" --help > "$TMP/top.out"
    for opt in $(sed -n '/^options:/,$p' "$TMP/help.out" | grep -o -- '^  \(-., \)\?--[a-z][a-z-]*' |
                 grep -o -- '--[a-z-]*' | sort -u); do
        [ "$opt" = --help ] && continue
        case "$opt" in --max-*) continue ;; esac
        awk -v c="  dsim $cmd " 'index($0, c) == 1 { on = 1; print; next } /^  dsim / { on = 0 } on' \
            "$TMP/top.out" | grep -F -- "[$opt" > /dev/null ||
            awk -v c="  dsim $cmd " 'index($0, c) == 1 { on = 1; print; next } /^  dsim / { on = 0 } on' \
                "$TMP/top.out" | grep -F -- " $opt " > /dev/null ||
            fail "dsim --help: the synopsis of $cmd lacks $opt"
        # given without the operand the command needs, nothing runs (a command that
        # needs none, a server, is not started here)
        case "$(head -1 "$TMP/help.out" | awk '{ print $4 }')" in ''|'['*|-*) continue ;; esac
        (cd "$TMP" && timeout 10 "$DSIM" "$cmd" "$opt" < /dev/null > /dev/null 2> "$TMP/o.err")
        grep -F "unknown option" "$TMP/o.err" > /dev/null && fail "$cmd refuses its own $opt"
    done
done
# README's synopsis is dsim --help's
"$DSIM" --help | sed -n '2,/^  dsim --help/p' | sed 's/^  //' > "$TMP/syn.txt"
awk '/^```$/ { if (on) exit; if (seen) on = 1; next } /^This synopsis is `dsim --help`/ { seen = 1 } on' \
    README.md > "$TMP/readme-syn.txt"
cmp -s "$TMP/syn.txt" "$TMP/readme-syn.txt" ||
    fail "README's synopsis is not dsim --help's: $(diff "$TMP/readme-syn.txt" "$TMP/syn.txt" | head -5)"
# an option of one value given twice takes the last (README, Command line)
"$DSIM" run "$SRC/scenarios/steady-light.json" -q --format json --seed 3 --seed 4 >"$TMP/twice.json" &&
    "$DSIM" run "$SRC/scenarios/steady-light.json" -q --format json --seed 4 >"$TMP/once.json" ||
    fail "--seed given twice: not run"
cmp -s "$TMP/twice.json" "$TMP/once.json" || fail "--seed 3 --seed 4 is not --seed 4"
# --- D F8: the help states --log-format's default; zsh descriptions are whole clauses
"$DSIM" run --help | tr -s ' \n' ' ' | grep -qF 'lines (with --log; default: dsim)' ||
    fail "run --help: --log-format's default not stated"
"$DSIM" --completion zsh > "$TMP/comp.zsh"
grep -qF "'--format=[table or json]:table|json:(table json)'" "$TMP/comp.zsh" ||
    fail "zsh: analyze's --format: $(grep -F "'--format=[table" "$TMP/comp.zsh")"
grep -qF "'--ignore-censoring[drop the attempts that timed out or failed instead of fitting them as censored]'" "$TMP/comp.zsh" ||
    fail "zsh: fit's --ignore-censoring: $(grep -F ignore-censoring "$TMP/comp.zsh")"

cli_finish "cli_options: one grammar across run, check, validate, sweep, merge, tune, hunt, analyze, fit, plot, report"
