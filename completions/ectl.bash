
_ectl_complete() {
    local IFS=$'\013' line=$COMP_LINE word lead i j=-1
    local -a words=() args=() found=()
    # Words as ectl sees them: bash splits `a:b` and `a=b` into three words; glue back what
    # the command line has no blank between.
    for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
        word=${COMP_WORDS[i]}
        lead=${line%%[![:blank:]]*}
        line=${line#"$lead"}
        if ((j > 0)) && [[ -z $lead ]] && [[ $word =~ ^[:=]+$ || ${words[j]} =~ [:=]$ ]]; then
            words[j]+=$word
        else
            words[++j]=$word
        fi
        line=${line#"$word"}
    done
    for word in "${words[@]}"; do
        case $word in
        \'*) word=${word#\'} word=${word%\'} ;;
        \"*) word=${word#\"} word=${word%\"} ;;
        *) IFS= read word <<<"$word" ;;
        esac
        args+=("$word")
    done
    local ectl=${args[0]}
    [[ $ectl == "~/"* ]] && ectl=$HOME/${ectl#"~/"}
    IFS=$'\013' read -r -d '' -a found < <(
        _CLAP_IFS=$'\013' _CLAP_COMPLETE_INDEX=$j ECTL_COMPLETE=bash "$ectl" -- "${args[@]}" 2>/dev/null
    )
    # What bash will not replace: the word up to its last `:` or `=`, or an opening quote.
    local raw=${words[j]} quote= prefix=
    [[ $raw == *"$2" ]] && prefix=${raw%"$2"}
    case $raw in \'* | \"*) quote=${raw:0:1} ;; esac
    COMPREPLY=()
    for word in "${found[@]}"; do
        if [[ -n $quote ]]; then
            word=${word#"${prefix#"$quote"}"}
        else
            printf -v word %q "$word"
            [[ $word == "$prefix"* ]] || continue
            word=${word#"$prefix"}
        fi
        COMPREPLY+=("$word")
    done
    if compopt +o nospace 2>/dev/null && ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[=/:] ]]; then
        compopt -o nospace
    fi
}
complete -o nospace -o nosort -F _ectl_complete ectl 2>/dev/null ||
    complete -o nospace -F _ectl_complete ectl
