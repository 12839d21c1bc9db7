#!/usr/bin/env bash
# The core as a production server takes it. (1) The whole build installs into a
# fresh prefix; find_package(dsim X.Y) takes it only for the same 0.MINOR. (2)
# For a distribution prefix (/usr: libdir lib/<multiarch> on Debian) and for
# /usr/local, the core alone is configured, built and installed (component
# `dispatcher`, staged with DESTDIR), then a program outside the tree
# (tests/data/embed/consumer.c) builds against it as C and as C++, with
# pkg-config (shared and static) and with CMake's find_package(dsim CONFIG), with
# -Werror=unused-result, and runs: version, named errors, its own allocator, a re-entrant call
# refused; examples/server, copied out, builds against the /usr install and passes
# its test. The old pkg-config name `dispatcher` and #include <dispatcher.h> still work.
set -euo pipefail
if [ "${DSIM_SANITIZED:-0}" = 1 ]; then
    echo "skipped: the sanitizer build's library needs the sanitizer runtime"; exit 0
fi
dsim=$1
src=$2
build=$(dirname "$dsim")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
warn_flags="-Wall -Wextra -Wpedantic -Werror -Werror=unused-result"

# (1) the whole build
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
for f in bin/dsim include/dsim/dispatcher.h include/dsim/dispatcher_version.h \
         share/dsim/plots/sweep.gp share/dsim/scenario.schema.json share/dsim/results.schema.json \
         share/dsim/sweep.schema.json; do
    [ -e "$tmp/prefix/$f" ] || fail "$f not installed"
done
for f in libdsim-dispatcher.a libdsim-dispatcher.so pkgconfig/dsim-dispatcher.pc \
         pkgconfig/dispatcher.pc cmake/dsim/dsimConfig.cmake cmake/dsim/dsimTargets.cmake; do
    [ -n "$(find "$tmp/prefix" -path "*/$f")" ] || fail "$f not installed"
done
[ ! -e "$tmp/prefix/include/dispatcher.h" ] || fail "a bare include/dispatcher.h was installed"

# find_package(dsim X.Y) takes the install by the ABI rule (dispatcher/README.md,
# "Version and ABI"): the same MAJOR, or while MAJOR is 0 the same 0.MINOR only
# (each 0.MINOR breaks). The requests are derived from the installed version.
ver=$(sed -n 's/^#define DISP_VERSION_STRING "\(.*\)"/\1/p' "$tmp/prefix/include/dsim/dispatcher_version.h")
IFS=. read -r vmaj vmin _ <<< "$ver"
[ -n "$vmaj" ] && [ -n "$vmin" ] || fail "no DISP_VERSION_STRING in the installed dispatcher_version.h"
mkdir -p "$tmp/fp"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(fp C)\nfind_package(dsim ${WANT} CONFIG REQUIRED)\n' \
    > "$tmp/fp/CMakeLists.txt"
wants() { # wants VERSION: does find_package(dsim VERSION) take the install?
    rm -rf "$tmp/fp/b"
    cmake -S "$tmp/fp" -B "$tmp/fp/b" -DWANT="$1" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/fp.log" 2>&1
}
wants "$vmaj.$vmin" || { cat "$tmp/fp.log"; fail "find_package(dsim $vmaj.$vmin) refuses the $ver install"; }
if wants "$vmaj.$((vmin + 1))"; then fail "find_package(dsim $vmaj.$((vmin + 1))) takes the $ver install"; fi
if [ "$vmaj" = 0 ] && [ "$vmin" -gt 0 ]; then
    if wants "0.$((vmin - 1))"; then
        fail "find_package(dsim 0.$((vmin - 1))) takes the $ver install: each 0.MINOR breaks the ABI"
    fi
elif [ "$vmaj" != 0 ]; then
    wants "$vmaj.0" || fail "find_package(dsim $vmaj.0) refuses the $ver install (same MAJOR)"
fi

# the man page and the completions, made from the option tables
for f in share/man/man1/dsim.1 share/bash-completion/completions/dsim share/zsh/site-functions/_dsim; do
    [ -s "$tmp/prefix/$f" ] || fail "$f not installed"
done
cmp -s "$tmp/prefix/share/man/man1/dsim.1" <("$dsim" --man) || fail "the installed dsim.1 is not dsim --man's"
comp="$tmp/prefix/share/bash-completion/completions/dsim"
bash -c "source '$comp' && complete -p dsim" > "$tmp/complete.out" 2>&1 ||
    fail "bash cannot source the completion: $(cat "$tmp/complete.out")"
grep -F -- "-F _dsim dsim" "$tmp/complete.out" > /dev/null || fail "complete -p dsim: $(cat "$tmp/complete.out")"
# it completes what the parser takes: a command, an option, a choice, '--opt=' values
ask() { bash -c "source '$comp'; COMP_WORDS=($*); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _dsim; echo \"\${COMPREPLY[*]}\""; }
[ "$(ask dsim ru)" = run ] || fail "completion of 'dsim ru': $(ask dsim ru)"
[ "$(ask dsim help hu)" = hunt ] || fail "completion of 'dsim help hu': $(ask dsim help hu)"
[ "$(ask dsim run --fo)" = --format ] || fail "completion of 'dsim run --fo': $(ask dsim run --fo)"
[ "$(ask dsim run --format "''")" = "table json csv" ] || fail "completion of --format: $(ask dsim run --format "''")"
[ "$(ask dsim tune x --format=j)" = json ] || fail "completion of --format=j: $(ask dsim tune x --format=j)"
# dsim's commands and a command's options, as its --help lists them
commands=$("$dsim" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 { print $1 }')
options() { "$dsim" "$1" --help | sed -n '/^options:/,$p' | grep -o -- '--[a-z][a-z-]*' | sort -u; }
for cmd in $commands; do
    for opt in $(options "$cmd"); do
        case " $(ask dsim "$cmd" "$opt") " in *" $opt "*) ;; *) fail "bash completion of $cmd lacks $opt" ;; esac
        grep -F -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$tmp/prefix/share/man/man1/dsim.1" > /dev/null ||
            fail "dsim.1 lacks $cmd's $opt"
    done
done
if command -v zsh > /dev/null; then # zsh is in DEBS: CI has it
    zfun="$tmp/prefix/share/zsh/site-functions"
    zsh -n "$zfun/_dsim" || fail "_dsim is not valid zsh"
    # zsh's own completion system, typing in a pseudo-terminal (tests/zsh_complete.zsh)
    zask() { zsh "$src/tests/zsh_complete.zsh" "$zfun" "$*" | tr '\n' ' ' | sed 's/ $//'; }
    if zsh -c 'zmodload zsh/zpty' 2> /dev/null; then
        [ "$(zask dsim ru)" = run ] || fail "zsh completion of 'dsim ru': '$(zask dsim ru)'"
        [ "$(zask dsim help hu)" = hunt ] || fail "zsh completion of 'dsim help hu': '$(zask dsim help hu)'"
        want=$(printf '%s\n' $commands | sort | tr '\n' ' ' | sed 's/ $//')
        [ "$(zask dsim help '')" = "$want" ] || fail "zsh completion of 'dsim help ': '$(zask dsim help '')', want '$want'"
        [ "$(zask dsim run --fo)" = --format ] || fail "zsh completion of 'dsim run --fo': '$(zask dsim run --fo)'"
        [ "$(zask dsim run --format=)" = "csv json table" ] ||
            fail "zsh completion of --format=: '$(zask dsim run --format=)'"
        for cmd in $commands; do
            [ "$cmd" = help ] && continue
            offered=" $(zask dsim "$cmd" --) "
            for opt in $(options "$cmd"); do
                case "$offered" in *" $opt "*) ;; *) fail "zsh completion of $cmd lacks $opt (offers:$offered)" ;; esac
            done
        done
    else
        echo "note: zsh has no zpty module here: zsh's completion is only parsed"
    fi
fi
if command -v man > /dev/null; then
    MANWIDTH=80 man -l "$tmp/prefix/share/man/man1/dsim.1" > "$tmp/man.txt" 2> "$tmp/man.err" ||
        fail "man -l dsim.1: $(cat "$tmp/man.err")"
    for cmd in $commands; do
        grep -E "^ +dsim $cmd\$" "$tmp/man.txt" > /dev/null || fail "man dsim: no section for dsim $cmd"
    done
    if command -v groff > /dev/null && groff -man -ww -z "$tmp/prefix/share/man/man1/dsim.1" 2>&1 | grep . > /dev/null; then
        groff -man -ww -z "$tmp/prefix/share/man/man1/dsim.1"; fail "groff warns about dsim.1"
    fi
fi
echo "ok man page and completions: installed, bash and zsh complete, man renders"

multiarch=$(gcc -print-multiarch 2>/dev/null || true)
cp "$src/tests/data/embed/consumer.c" "$src/tests/data/embed/CMakeLists.txt" "$tmp/"
cp "$src/tests/data/embed/consumer.c" "$tmp/consumer.cc"

# (2) the core alone, per prefix
n=0
for prefix in /usr /usr/local; do
    n=$((n + 1))
    b="$tmp/build$n"
    stage="$tmp/stage$n"
    cmake -S "$src" -B "$b" -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_TESTING=OFF \
        -DCMAKE_BUILD_TYPE=Release > "$tmp/configure.log" 2>&1 ||
        { cat "$tmp/configure.log"; fail "configure for $prefix"; }
    cmake --build "$b" -j 2 --target dispatcher dispatcher_shared > "$tmp/build.log" 2>&1 ||
        { cat "$tmp/build.log"; fail "build for $prefix"; }
    DESTDIR="$stage" cmake --install "$b" --component dispatcher > /dev/null
    root="$stage$prefix"
    [ -f "$root/include/dsim/dispatcher.h" ] || fail "$prefix: include/dsim/dispatcher.h"
    pc=$(find "$root" -name dsim-dispatcher.pc)
    [ -n "$pc" ] || fail "$prefix: dsim-dispatcher.pc not installed"
    libdir=$(dirname "$(dirname "$pc")")
    if [ "$prefix" = /usr ] && [ -e /etc/debian_version ] && [ -n "$multiarch" ]; then
        [ "$libdir" = "$root/lib/$multiarch" ] ||
            fail "/usr: expected libdir lib/$multiarch (GNUInstallDirs), got ${libdir#"$root"/}"
    fi
    [ -f "$libdir/libdsim-dispatcher.a" ] || fail "$prefix: libdsim-dispatcher.a"
    soname=$(readelf -d "$libdir/libdsim-dispatcher.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
    case "$soname" in libdsim-dispatcher.so.[0-9]*) ;; *) fail "$prefix: SONAME '$soname'" ;; esac
    [ -e "$libdir/$soname" ] || fail "$prefix: $soname not installed"
    if readelf -d "$libdir/$soname" | grep NEEDED | grep -v 'libc\.so' | grep . >/dev/null; then
        readelf -d "$libdir/$soname" | grep NEEDED
        fail "$prefix: the shared core needs more than libc"
    fi
    if nm -D --defined-only "$libdir/$soname" | grep ' disp__' >/dev/null; then
        fail "$prefix: internal disp__ symbols exported"
    fi

    export PKG_CONFIG_PATH="$libdir/pkgconfig"
    export PKG_CONFIG_LIBDIR="$libdir/pkgconfig" # this install's .pc files only
    cflags=$(pkg-config --cflags dsim-dispatcher)
    libs=$(pkg-config --libs dsim-dispatcher)
    # the .pc file points into this install, wherever it was staged
    inc=$(pkg-config --variable=includedir dsim-dispatcher)
    [ "$(realpath "$inc")" = "$(realpath "$root/include")" ] || fail "$prefix: includedir $inc"
    case "$cflags" in *"-I$inc"*) ;; *) fail "$prefix: pkg-config --cflags: $cflags" ;; esac
    [ "$(pkg-config --modversion dsim-dispatcher)" = "$(pkg-config --modversion dispatcher)" ] ||
        fail "$prefix: the old module name 'dispatcher' does not forward"
    # pkg-config, C, shared
    cc -std=c11 $warn_flags $cflags "$tmp/consumer.c" $libs -o "$tmp/c_shared$n"
    # pkg-config, C++, shared
    g++ -std=c++17 $warn_flags $cflags "$tmp/consumer.cc" $libs -o "$tmp/cxx_shared$n"
    # pkg-config cflags, C, the static archive: nothing but libc needed at run time
    cc -std=c11 $warn_flags $cflags "$tmp/consumer.c" "$libdir/libdsim-dispatcher.a" \
        -o "$tmp/c_static$n"
    if ldd "$tmp/c_static$n" | grep -Ev 'libc\.so|ld-linux|linux-vdso' | grep '=>' >/dev/null; then
        ldd "$tmp/c_static$n"; fail "$prefix: the static core pulls in more than libc"
    fi
    # the old name: pkg-config dispatcher and #include <dispatcher.h>
    sed 's|<dsim/dispatcher.h>|<dispatcher.h>|' "$tmp/consumer.c" > "$tmp/old.c"
    cc -std=c11 $warn_flags $(pkg-config --cflags dispatcher) "$tmp/old.c" \
        $(pkg-config --libs dispatcher) -o "$tmp/old$n"
    # an ignored result does not compile under -Werror=unused-result
    printf '#include <dsim/dispatcher.h>\nvoid f(disp *d) { disp_advance(d, 0); }\n' > "$tmp/ignored.c"
    if cc -std=c11 -Werror=unused-result $cflags -c "$tmp/ignored.c" -o "$tmp/ignored.o" 2> /dev/null; then
        fail "$prefix: an ignored disp_advance() result compiles under -Werror=unused-result"
    fi
    LD_LIBRARY_PATH="$libdir" ldd "$tmp/c_shared$n" | grep "$libdir/$soname" >/dev/null ||
        fail "$prefix: the pkg-config build does not load $soname"
    for exe in c_shared$n cxx_shared$n c_static$n old$n; do
        LD_LIBRARY_PATH="$libdir" "$tmp/$exe" > "$tmp/$exe.out" || { cat "$tmp/$exe.out"; fail "$prefix: $exe"; }
    done
    grep -q "^re-entrant call: DISP_EBUSY" "$tmp/c_shared$n.out" || fail "$prefix: no EBUSY line"
    # CMake: find_package(dsim CONFIG), C against dsim::dispatcher, C++ against
    # dsim::dispatcher_shared
    unset PKG_CONFIG_LIBDIR
    cmake -S "$tmp" -B "$tmp/consumer$n" -DCMAKE_PREFIX_PATH="$root" \
        -DCMAKE_BUILD_TYPE=Release > "$tmp/cc.log" 2>&1 || { cat "$tmp/cc.log"; fail "$prefix: find_package(dsim)"; }
    cmake --build "$tmp/consumer$n" > "$tmp/cb.log" 2>&1 || { cat "$tmp/cb.log"; fail "$prefix: CMake consumer build"; }
    "$tmp/consumer$n/consumer_c" > /dev/null || fail "$prefix: CMake consumer_c"
    "$tmp/consumer$n/consumer_cxx" > /dev/null || fail "$prefix: CMake consumer_cxx"
    # examples/server copied out of the tree: builds against the install, passes its test
    if [ "$prefix" = /usr ]; then
        cp -r "$src/examples/server" "$tmp/server"
        cmake -S "$tmp/server" -B "$tmp/server/build" -DCMAKE_PREFIX_PATH="$root" \
            -DCMAKE_C_FLAGS="$warn_flags" > "$tmp/sc.log" 2>&1 &&
            cmake --build "$tmp/server/build" > "$tmp/sc.log" 2>&1 ||
            { cat "$tmp/sc.log"; fail "$prefix: examples/server against the install"; }
        python3 "$tmp/server/test_server.py" "$tmp/server/build/dsim-example-server" \
            > "$tmp/st.log" 2>&1 || { cat "$tmp/st.log"; fail "$prefix: examples/server test"; }
    fi
    echo "ok $prefix: libdir ${libdir#"$root"/}, $soname, pkg-config + CMake, C + C++"
done
cat "$tmp/c_shared1.out"
echo PASS
