#!/bin/bash
# cli_validate.sh DSIM SOURCE_DIR — dsim's global flags, usage errors and
# `dsim validate`: every shipped scenario passes, and every bad input in
# tests/data/bad/NAME.json fails with exit 2 and exactly the messages in
# tests/data/bad/NAME.err (golden files; paths are relative to SOURCE_DIR).
set -u
dsim=$1
cd "$2" || exit 1
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
failed=0

# run WANT_RC ARGS... : runs dsim, keeps stdout and stderr, checks the exit code
run() {
    local want=$1
    shift
    "$dsim" "$@" >"$out" 2>"$err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: dsim $* exited $rc, expected $want"
        sed 's/^/  stderr: /' "$err"
        failed=1
        return 1
    fi
    return 0
}

# same_text FILE EXPECTED WHAT : exact comparison
same_text() {
    if [ "$(cat "$1")" != "$2" ]; then
        echo "FAIL: $3"
        diff <(printf '%s\n' "$2") "$1" | sed 's/^/  /'
        failed=1
    fi
}

run 0 --version && same_text "$out" "dsim 0.2.0" "--version"
run 0 --help
for c in run sweep check tune validate; do
    grep -q "^  dsim $c " "$out" || { echo "FAIL: --help has no synopsis of $c"; failed=1; }
    grep -q "^  $c " "$out" || { echo "FAIL: --help has no line for $c"; failed=1; }
done
run 2 && same_text "$err" "dsim: missing command
try 'dsim --help'" "no command"
run 2 rnu scenarios/steady-light.json && same_text "$err" "dsim: unknown command 'rnu'; did you mean 'run'?
try 'dsim --help'" "misspelled command"
run 2 --frobnicate && same_text "$err" "dsim: unknown option '--frobnicate'
try 'dsim --help'" "unknown global option"
run 2 validate && same_text "$err" "dsim: validate: missing SCENARIO
try 'dsim validate --help'" "validate without a file"
run 2 validate --quiet --strict scenarios/steady-light.json && same_text "$err" "dsim: validate: unknown option '--strict'
try 'dsim validate --help'" "validate with an unknown option"
run 2 validate --max-nodes many scenarios/steady-light.json && same_text "$err" "dsim: validate: --max-nodes: expected an integer 1..1000000, got 'many'
try 'dsim validate --help'" "validate with a bad limit"
run 2 validate tests/data/bad/no-such-file.json && same_text "$err" "dsim: tests/data/bad/no-such-file.json: cannot open: No such file or directory" "missing file"
run 0 validate --help

# every shipped scenario is valid, one by one, all at once (the schema lives in
# schema/, not among them) and as a folder
run 0 validate scenarios/*.json
for f in scenarios/*.json; do
    if run 0 validate "$f"; then
        name=$(sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p' "$f" | head -1)
        head -1 "$out" | grep -q "^$name ($f)$" || { echo "FAIL: summary of $f starts: $(head -1 "$out")"; failed=1; }
        grep -q "^  policies: " "$out" || { echo "FAIL: summary of $f lists no policies"; failed=1; }
    fi
done
run 0 validate scenarios/

# bad input: exit 2, nothing on stdout, exactly the golden messages on stderr
n=0
for f in tests/data/bad/*.json; do
    n=$((n + 1))
    if run 2 validate "$f"; then
        same_text "$err" "$(cat "${f%.json}.err")" "messages for $f"
        [ -s "$out" ] && { echo "FAIL: $f printed a summary"; failed=1; }
    fi
done
[ "$n" -ge 20 ] || { echo "FAIL: only $n bad inputs"; failed=1; }

# a limit flag lets a big scenario through; a good and a bad file together exit 2
run 0 validate --max-nodes 200000 tests/data/bad/limit-nodes.json
run 0 validate --max-utterances=200000000 -q tests/data/bad/limit-utterances.json && same_text "$out" "" "--quiet"
if run 2 validate scenarios/steady-light.json tests/data/bad/out-of-range.json; then
    grep -q "^steady-light " "$out" || { echo "FAIL: the good file's summary is missing"; failed=1; }
    same_text "$err" "$(cat tests/data/bad/out-of-range.err)" "mixed good and bad files"
fi

# The summary prints no inf, and no mean past the cap on every draw (~73 years).
sed -e 's/"gap_s": {"dist": "uniform", "min": 2, "max": 4}/"gap_s": {"dist": "pareto", "alpha": 0.5, "min": 1}/' \
    -e 's/"tts": {"dist": "lognormal", "median": 0.2, "sigma": 0.3}/"tts": {"dist": "weibull", "shape": 0.01, "scale": 1e7}/' \
    scenarios/steady-light.json >"$out.means.json"
if run 0 validate "$out.means.json"; then
    grep -q "gap pareto alpha 0.5 min 1 (no finite mean; a draw is capped at 2.31e+09 s)" "$out" ||
        { echo "FAIL: infinite mean: $(grep gap "$out")"; failed=1; }
    grep -q "tts past the 2.31e+09 s cap on a draw" "$out" ||
        { echo "FAIL: mean past the cap: $(grep 'stage means' "$out")"; failed=1; }
    ! grep -qi "inf\b\|e+1[0-9][0-9]" "$out" || { echo "FAIL: inf or a huge mean printed"; failed=1; }
fi
rm -f "$out.means.json"
# A stage or a gap with a max: its mean is the mean of the clamped draw,
# E[min(X, max)], not the base mean nor the max (review 2, 7; audit 2, A F6);
# a mixture component's max counts too. The figures are the closed form
# (python: m e^(s^2/2) Phi(z - s) + L Q(z), z = ln(L/m)/s): 8.04 and 3.98 s.
sed -e 's/"tts": {"dist": "lognormal", "median": 0.2, "sigma": 0.3}/"tts": {"dist": "lognormal", "median": 1, "sigma": 8, "max": 20}/' \
    -e 's/"gap_s": {"dist": "uniform", "min": 2, "max": 4}/"gap_s": {"dist": "mixture", "components": [{"weight": 1, "dist": "lognormal", "median": 1, "sigma": 5, "max": 10}]}/' \
    scenarios/steady-light.json >"$out.max.json"
if run 0 validate "$out.max.json"; then
    grep -q "stage means: .*, tts 8.04 s$" "$out" ||
        { echo "FAIL: a stage's max: $(grep 'stage means' "$out")"; failed=1; }
    grep -q "gap mixture of 1 (mean 3.98 s)" "$out" ||
        { echo "FAIL: a component's max: $(grep gap "$out")"; failed=1; }
    ! grep -q "cap on a draw\|e+1[0-9]" "$out" || { echo "FAIL: a mean no draw reaches: $(cat "$out")"; failed=1; }
fi
rm -f "$out.max.json"

# heavy-tail-stalls' ASR: 0.96 lognormal + 0.04 pareto alpha 1.2 min 5, max
# 600: 0.96 x 0.5 e^0.125 + 0.04 x (5 + 25 (1 - (5/600)^0.2)) = 1.360 s, not the
# 1.74 s of the unclamped mixture; the max clamps the sum with per_audio_s, so
# the per-audio part is a bound. A stall of pareto alpha 1.1 min 5, max 600:
# 5 + 50 (1 - 120^-0.1) = 24.0 s, not 55 s (audit 2, A F6).
if run 0 validate scenarios/heavy-tail-stalls.json; then
    grep -q "stage means: asr 1.36 s + at most 0.1 s per audio s, nmt 0.217 s, tts 0.453 s$" "$out" ||
        { echo "FAIL: a mixture's max: $(grep 'stage means' "$out")"; failed=1; }
fi
# A mixture's components' per_audio_s count in the audio term, by weight, as the
# sampler adds each: components 0.5 and 0.3 s per audio s, weights 1 and 1, and
# the mixture's own 0.1: + 0.5 s per audio s (review R7: the term was left out).
jq '.nodes[0].stages.asr = {"dist": "mixture", "per_audio_s": 0.1, "components": [
      {"weight": 1, "dist": "const", "value": 1, "per_audio_s": 0.5},
      {"weight": 1, "dist": "const", "value": 2, "per_audio_s": 0.3}]}' \
    scenarios/steady-light.json >"$out.mx.json"
if run 0 validate "$out.mx.json"; then
    grep -q "stage means: asr 1.5 s + 0.5 s per audio s," "$out" ||
        { echo "FAIL: a mixture's per-audio term: $(grep 'stage means' "$out")"; failed=1; }
fi
rm -f "$out.mx.json"
if run 0 validate scenarios/policy-shootout-stalls.json; then
    grep -q "faults: stall 5% (+24 s mean, in asr)" "$out" ||
        { echo "FAIL: a stall's max: $(grep 'faults' "$out")"; failed=1; }
fi

[ "$failed" -eq 0 ] && echo "cli_validate: all passed ($n bad inputs)"
exit "$failed"
