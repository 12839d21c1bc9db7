#!/usr/bin/env bash
# cli_valgrind.sh DSIM SOURCE_DIR — valgrind memcheck of a short `dsim run` and
# `dsim check` of tests/data/tiny.json: 0 errors, 0 definite or indirect leaks.
# Skipped (exit 0, with a message) when valgrind is not installed, and in the
# sanitizer build (DSIM_SANITIZED=1, or an ASan binary): ASan and valgrind don't mix.
set -u
DSIM=$1
SRC=$2
if [ "${DSIM_SANITIZED:-}" = 1 ] || grep -q __asan_init "$DSIM" 2>/dev/null; then
    echo "cli_valgrind: skipped in the sanitizer build (ASan and valgrind don't mix)"
    exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "cli_valgrind: skipped: valgrind not installed (make deps installs it)"
    exit 0
fi
TMP=$(mktemp -d /tmp/dsim-cli-valgrind.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --track-origins=yes --quiet)

# vg WANT_RC NAME ARGS...: runs dsim under memcheck; valgrind's own verdict is
# exit 99 and its report goes to TMP/NAME.vg.
vg() {
    local want=$1 name=$2
    shift 2
    "${VG[@]}" --log-file="$TMP/$name.vg" "$DSIM" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" = 99 ] || [ -s "$TMP/$name.vg" ]; then
        echo "FAIL: valgrind reports errors or leaks for: dsim $*"
        cat "$TMP/$name.vg"
        FAILS=$((FAILS + 1))
    elif [ "$rc" != "$want" ]; then
        echo "FAIL: dsim $* exited $rc under valgrind, expected $want"
        head -c 2000 "$TMP/$name.err"
        FAILS=$((FAILS + 1))
    fi
}

vg 0 run run "$SRC/tests/data/tiny.json" --replications 1 --jobs 1
vg 0 check check "$SRC/tests/data/tiny.json" --replications 1 --jobs 2 --junit "$TMP/report.xml"
vg 1 failing check "$SRC/tests/data/failing.json" --replications 1 --tap
vg 2 broken check "$SRC/tests/data/failing.json" "$TMP/missing.json"

if [ "$FAILS" -ne 0 ]; then
    exit 1
fi
echo "cli_valgrind: 0 errors, 0 leaks in 4 runs"
