//! ectl's live completion for bash and zsh: clap_complete's calling convention, with the
//! registration scripts a person at a prompt needs. Bash's words are rejoined where bash split
//! them at `:` and `=` (COMP_WORDBREAKS), so `--endpoints=127.0.0.1:2379` reaches ectl as one
//! word; quoted words reach ectl unquoted and the values offered come back quoted for the
//! shell (`my\ key`); ectl is called as the user typed it (or from PATH), never through the
//! path of the binary that printed the script; and a word with nothing typed is offered
//! nothing rather than flags alone, whose common prefix `--` the shell would insert (in fish
//! too, whose script is clap_complete's).

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use clap_complete::engine::{self, CompletionCandidate};
use clap_complete::env::EnvCompleter;

/// Bash: the words rejoined, unquoted for ectl, the answers quoted and trimmed to the part of
/// the word bash replaces (after its last `:` or `=`).
const BASH: &str = r#"
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
        _CLAP_IFS=$'\013' _CLAP_COMPLETE_INDEX=$j VAR=bash "$ectl" -- "${args[@]}" 2>/dev/null
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
"#;

/// Zsh splits words itself; they reach ectl unquoted, and `_describe` quotes what it inserts.
/// The same file works sourced and installed on `$fpath`.
const ZSH: &str = r#"#compdef ectl
function _ectl() {
    local ectl=${words[1]/#\~/$HOME}
    local -a args=("${(Q)words[@]}")
    # Inside an open quote, zsh keeps the quote in the word; $PREFIX is the text after it.
    [[ -n $compstate[quote] ]] && args[CURRENT]=$PREFIX
    local -a found=("${(@f)$(
        _CLAP_IFS=$'\n' _CLAP_COMPLETE_INDEX=$((CURRENT - 1)) VAR=zsh \
            "$ectl" -- "${args[@]}" 2>/dev/null
    )}")
    [[ -n $found ]] && _describe -V values found
}
# Autoloaded from $fpath, this file is the body of `_ectl`, run for the first Tab: complete
# now (the definition above serves the Tabs after). Sourced, register the function.
if [[ $funcstack[1] == _ectl ]]; then
    _ectl "$@"
else
    compdef _ectl ectl
fi
"#;

/// A shell with live completion: how it is registered, which word it asks about, and how the
/// candidates go back to it.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    name: &'static str,
    /// ectl's own registration script (`VAR` standing for the variable that switches ectl into
    /// completing); `None` for clap_complete's fish script.
    script: Option<&'static str>,
    /// The index of the word being completed, from the words passed.
    index: fn(&[OsString]) -> usize,
    entry: fn(&CompletionCandidate) -> String,
    /// Each entry on its own line, rather than joined by the script's separator.
    lines: bool,
}

pub const BASH_COMPLETER: Live = Live {
    name: "bash",
    script: Some(BASH),
    index: |_| index_from_script(),
    entry: |c| c.get_value().to_string_lossy().into_owned(),
    lines: false,
};

pub const ZSH_COMPLETER: Live = Live {
    name: "zsh",
    script: Some(ZSH),
    index: |_| index_from_script(),
    entry: zsh_entry,
    lines: false,
};

/// Fish: clap_complete's registration; the candidates filtered as for bash and zsh.
pub const FISH_COMPLETER: Live = Live {
    name: "fish",
    script: None,
    // Fish passes the words up to the cursor: the last one is being completed.
    index: |args| args.len().saturating_sub(1),
    entry: fish_entry,
    lines: true,
};

/// `_describe` reads `value:description`; a `:` in a value (a key) is escaped.
fn zsh_entry(c: &CompletionCandidate) -> String {
    let value = c.get_value().to_string_lossy();
    let mut entry = value.replace('\\', "\\\\").replace(':', "\\:");
    if let Some(help) = first_help_line(c) {
        entry.push(':');
        entry.push_str(&help.replace('\\', "\\\\"));
    }
    entry
}

/// `value<TAB>description`.
fn fish_entry(c: &CompletionCandidate) -> String {
    let mut entry = c.get_value().to_string_lossy().into_owned();
    if let Some(help) = first_help_line(c) {
        entry.push('\t');
        entry.push_str(&help);
    }
    entry
}

fn first_help_line(c: &CompletionCandidate) -> Option<String> {
    let help = c.get_help()?.to_string();
    Some(help.lines().next().unwrap_or_default().to_string())
}

impl EnvCompleter for Live {
    fn name(&self) -> &'static str {
        self.name
    }

    fn is(&self, name: &str) -> bool {
        name == self.name
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        match self.script {
            Some(script) => buf.write_all(script.replace("VAR", var).as_bytes()),
            None => clap_complete::env::Fish.write_registration(var, name, bin, completer, buf),
        }
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let index = (self.index)(&args);
        let entries: Vec<String> = offered(cmd, args, index, current_dir)?
            .iter()
            .map(self.entry)
            .collect();
        if self.lines {
            entries.iter().try_for_each(|e| writeln!(buf, "{e}"))
        } else {
            buf.write_all(entries.join(&separator()).as_bytes())
        }
    }
}

/// The separator the script reads the answers with.
fn separator() -> String {
    std::env::var("_CLAP_IFS").unwrap_or_else(|_| "\n".into())
}

/// The index of the word being completed, as the bash and zsh scripts pass it.
fn index_from_script() -> usize {
    std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse().ok())
        .unwrap_or_default()
}

/// The candidates for the word at `index`. With nothing typed, flags are no suggestion: beside
/// the one live value (`member remove <TAB>`) they would keep the shell from inserting it, and
/// alone (`lease revoke <TAB>` with no live lease) the shell would insert their common prefix
/// `--`. So they are offered once a `-` is typed.
fn offered(
    cmd: &mut clap::Command,
    mut args: Vec<OsString>,
    index: usize,
    current_dir: Option<&Path>,
) -> std::io::Result<Vec<CompletionCandidate>> {
    if args.len() <= index {
        args.resize(index + 1, OsString::new());
    }
    let nothing_typed = args[index].is_empty();
    let mut found = engine::complete(cmd, args, index, current_dir)?;
    if nothing_typed {
        found.retain(|c| !is_flag(c));
    }
    Ok(found)
}

fn is_flag(candidate: &CompletionCandidate) -> bool {
    candidate.get_value().to_string_lossy().starts_with('-')
}
