#!/usr/bin/env bash
# The core as a production server would take it: install into a fresh prefix, then
# build and run a program against dispatcher.pc with nothing but libc.
set -euo pipefail
if [ "${DSIM_SANITIZED:-0}" = 1 ]; then
    echo "skipped: the sanitizer build's library needs the sanitizer runtime"; exit 0
fi
dsim=$1
src=$2
build=$(dirname "$dsim")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
for f in bin/dsim include/dispatcher.h share/dsim/plots/sweep.gp share/dsim/scenario.schema.json; do
    [ -e "$tmp/prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
pc=$(find "$tmp/prefix" -name dispatcher.pc)
[ -n "$pc" ] || { echo "FAIL: dispatcher.pc not installed"; exit 1; }
cat > "$tmp/server.c" <<'C'
#include <dispatcher.h>
#include <stdio.h>
#include <string.h>
static int assigns;
static void sink(void *ctx, const disp_cmd *c)
{
    (void)ctx;
    if (c->kind == DISP_CMD_ASSIGN)
        assigns++;
}
int main(void)
{
    disp_policy p;
    if (disp_policy_preset(&p, "lingua-2025-12-28") != 0)
        return 1;
    disp *d = disp_new(&p, sink, NULL, NULL, NULL);
    /* every input's result is checked (DISP_NODISCARD: -Werror refuses otherwise) */
    if (disp_node_up(d, 0, 1, 0, 4) != 0 ||
        disp_utterance(d, 1000, 7, 0, 3 * DISP_NS_PER_S, NULL) != 0 ||
        disp_advance(d, 31 * DISP_NS_PER_S + 1) != 0) /* the 30 s timeout: failover to node 1 */
        return 1;
    if (disp_node_up(d, 0, 2, 0, DISP_SLOTS_MAX + 1) != DISP_EINVAL)
        return 1; /* a refused input says so */
    disp_free(d);
    printf("assigns %d\n", assigns);
    return assigns == 2 ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$(dirname "$pc")"
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags dispatcher) "$tmp/server.c" \
    $(pkg-config --libs dispatcher) -o "$tmp/server"
# nothing but libc (and the loader) may be needed
if ldd "$tmp/server" | grep -Ev 'libc\.so|ld-linux|linux-vdso' | grep -q '=>'; then
    echo "FAIL: the core pulls in more than libc:"; ldd "$tmp/server"; exit 1
fi
"$tmp/server"
echo PASS
