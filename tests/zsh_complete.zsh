# zsh_complete.zsh DIR LINE — prints, one a line and sorted, the words zsh's own
# completion system offers for the command line LINE, with DIR (holding _dsim) first
# in fpath: an interactive zsh in a pseudo-terminal (zsh/zpty) types LINE and a
# Tab, and compadd is wrapped to print what it adds. Exit 1 if zsh never answers,
# 2 if it cannot start one in a pseudo-terminal.
zmodload zsh/zpty || exit 2
dir=$1 line=$2
zpty z zsh -f -i || exit 2
# reads the pseudo-terminal until its output holds $1 (10 s at most)
typeset out=
wait_for() {
    local chunk
    integer i
    for (( i = 0; i < 200; i++ )); do
        while zpty -r -t z chunk 2>/dev/null; do out+=$chunk; done
        [[ $out == *$1* ]] && return 0
        sleep 0.05
    done
    return 1
}
zpty -w z "PROMPT='> '; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
    local -a __hits; builtin compadd -A __hits "$@"; local h
    for h in $__hits; do print -r -- "CAND:$h"; done
    builtin compadd "$@"
}'
zpty -w z "bindkey '^I' complete-word; print -r -- READY-\$((6 * 7))"
wait_for READY-42 || { zpty -d z; exit 1; }
out=
zpty -n -w z "$line"$'\t'
sleep 0.2
zpty -w z $'\C-u'"print -r -- DONE-\$((6 * 7))"
wait_for DONE-42 || { zpty -d z; exit 1; }
zpty -d z
print -r -- "$out" | tr -d '\r' | sed -n 's/^.*CAND:\([^[:cntrl:]]*\).*$/\1/p' | sort -u
