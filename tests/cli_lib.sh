# cli_lib.sh — what the shell tests share; sourced as `. "$SRC/tests/cli_lib.sh" NAME`.
# Sets TMP (a scratch folder removed on exit), PID (a background dsim the test may
# start: killed on exit), FAILS and fail(); cli_finish prints the verdict and exits.
TMP=$(mktemp -d "/tmp/dsim-$1.XXXXXX")
PID=
cli_cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cli_cleanup EXIT
FAILS=0
fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}
# cli_finish MESSAGE: exit 1 naming the failed checks, or print MESSAGE and exit 0.
cli_finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS checks failed"
        exit 1
    fi
    echo "$1"
    exit 0
}
