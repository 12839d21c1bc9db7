#!/usr/bin/env bash
# The rooms' include rule, checked (tests/rooms/CMakeLists.txt):
#   check.sh SOURCE_DIR BINARY_DIR GENERATOR {TARGET OBJECT ROOM HEADER allowed|refused}...
# Builds every probe in one keep-going build, then: an allowed probe's object
# exists; a refused probe has no object and the compiler said that HEADER was
# not found. Also: no source under sim/, models/ or dispatcher/ reaches another
# folder with a relative or absolute include path, which would get around the rule.
set -u
src=$1 bin=$2 gen=$3
shift 3
targets=() objs=() rooms=() headers=() expects=()
while [ $# -ge 5 ]; do
  targets+=("$1") objs+=("$2") rooms+=("$3") headers+=("$4") expects+=("$5")
  shift 5
done
[ ${#targets[@]} -gt 0 ] || { echo "rooms: no probes"; exit 1; }
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -f "${objs[@]}"
case $gen in
  Ninja*) keep=(-k 0) ;;
  *) keep=(-k) ;;
esac
cmake --build "$bin" --target "${targets[@]}" -- "${keep[@]}" >"$log" 2>&1
for i in "${!targets[@]}"; do
  what="${rooms[$i]} including ${headers[$i]}"
  if [ "${expects[$i]}" = allowed ]; then
    if [ -f "${objs[$i]}" ]; then
      echo "ok: $what compiles"
    else
      echo "FAIL: $what should compile (${targets[$i]})"; fail=1
    fi
  else
    if [ -f "${objs[$i]}" ]; then
      echo "FAIL: $what compiled: the rule is not enforced"; fail=1
    elif grep -E "/${targets[$i]}\.c:[0-9]+:[0-9]+: fatal error: '?${headers[$i]//./\\.}'?( file not found|: No such file)" "$log" >/dev/null; then
      echo "ok: $what refused (header not found)"
    else
      echo "FAIL: $what failed, but not on that include (${targets[$i]})"; fail=1
    fi
  fi
done
if [ $fail -ne 0 ]; then
  echo "--- build log"; cat "$log"
fi
# Include paths that leave the folder's include directories.
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(\.\./|/)[^"]*"' \
        "$src/sim" "$src/models" "$src/dispatcher" --include='*.c' --include='*.h' || true)
if [ -n "$bad" ]; then
  echo "FAIL: includes by path get around the rooms:"; echo "$bad"; fail=1
else
  echo "ok: no include by relative or absolute path in sim/, models/, dispatcher/"
fi
exit $fail
