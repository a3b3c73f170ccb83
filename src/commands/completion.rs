//! `completion`: shell completion scripts generated from the clap definitions.

mod shells;

use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use clap::{Args, FromArgMatches};
use clap_complete::Shell;
use clap_complete::engine::{CompletionCandidate, ValueCompleter};
use clap_complete::env::{self, Shells};

use crate::cli::GlobalArgs;
use crate::client::Client;
use crate::keys::prefix_end;
use crate::pb::etcdserverpb::{AuthRoleListRequest, AuthUserListRequest, RangeRequest};
use crate::settings::Settings;

/// Generates the shell completion script for ectl
///
/// The script completes commands, flags and their values, and live data from the cluster the
/// command line points at (keys; with --endpoints, TLS and --user as typed or from ETCDCTL_*):
/// `ectl get /reg<TAB>`. It calls ectl back for each completion; `--static` prints a script
/// that needs no callback and offers no live data.
///
/// Examples:
///   source <(ectl completion bash)                            # bash, this shell only
///   ectl completion bash > /etc/bash_completion.d/ectl        # bash, every shell
///   ectl completion zsh > "${fpath[1]}/_ectl"                 # zsh
///   ectl completion fish > ~/.config/fish/completions/ectl.fish
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
    /// Print a script that completes from the command definitions alone, without live data
    #[arg(long = "static")]
    pub static_script: bool,
}

/// Prints the script; it needs no settings and no server (see `commands::run_offline`).
pub fn run(args: &CompletionArgs, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    if args.static_script {
        clap_complete::generate(args.shell, &mut super::tree::command(), "ectl", out);
        return Ok(());
    }
    write_live_script(args.shell, out)
}

/// The live completion script for `shell`; `completions/` holds these for bash, zsh and fish.
pub fn write_live_script(shell: Shell, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let Some(live) = LIVE.0.iter().find(|s| s.is(&shell.to_string())) else {
        anyhow::bail!("no live completion for {shell}: use --static");
    };
    // ectl from PATH, not the path of this binary: the script must survive the binary moving.
    // (The bash and zsh scripts call ectl as the user typed it.)
    live.write_registration(COMPLETE_VAR, "ectl", "ectl", "ectl", out)?;
    Ok(())
}

/// The shells with live completion; bash and zsh through ectl's own scripts, fish with
/// ectl's choice of candidates.
const LIVE: Shells<'static> = Shells(&[
    &shells::BASH_COMPLETER,
    &shells::ZSH_COMPLETER,
    &shells::FISH_COMPLETER,
    &env::Powershell,
    &env::Elvish,
]);

/// The environment variable that switches ectl into answering a shell's completion request.
/// Not clap's default `COMPLETE`, so an unrelated variable of that name cannot hijack a run.
pub const COMPLETE_VAR: &str = "ECTL_COMPLETE";

/// Answers a completion request when the shell's registration script called ectl for one
/// (then the process exits); otherwise returns at once, costing one environment lookup.
pub fn answer_if_requested() {
    clap_complete::CompleteEnv::with_factory(super::tree::completion_tree)
        .var(COMPLETE_VAR)
        .shells(LIVE)
        .complete();
}

/// How long live completion may wait on the cluster: a dead or frozen cluster must never stall
/// the shell.
const LIVE_DIAL_TIMEOUT: Duration = Duration::from_millis(500);
const LIVE_COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// More candidates than this are of no use at a prompt.
const LIVE_LIMIT: i64 = 500;

/// What a positional value names: things read live from the cluster, or a fixed word list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Positionals that are fixed words rather than cluster data (permission types).
    Words(&'static [&'static str]),
    Keys,
    Leases,
    Members,
    Users,
    Roles,
}

/// Key completion for a command's `[key [range_end]]` or `[prefix]` positionals: what a new
/// command that reads keys adds to them (`#[arg(add = ArgValueCompleter::new(KEYS))]`).
pub const KEYS: Positional = Positional(&[Source::Keys, Source::Keys]);

/// Completes positional values by their position: `Positional(&[Source::Users, Source::Roles])`
/// for `user grant-role <user> <role>`. Positions past the list get nothing.
#[derive(Debug, Clone, Copy)]
pub struct Positional(pub &'static [Source]);

impl ValueCompleter for Positional {
    fn complete(&self, current: &OsStr) -> Vec<CompletionCandidate> {
        self.complete_at(0, current)
    }

    fn complete_at(&self, index: usize, current: &OsStr) -> Vec<CompletionCandidate> {
        let index = positionals_before_current().unwrap_or(index);
        match self.0.get(index) {
            Some(Source::Words(words)) => {
                let typed = current.to_string_lossy();
                let matching = words.iter().filter(|w| w.starts_with(typed.as_ref()));
                matching.map(|w| CompletionCandidate::new(*w)).collect()
            }
            Some(Source::Keys) => keys(current),
            Some(&source) => names(source, current),
            None => Vec::new(),
        }
    }
}

/// Keys of the cluster the command line points at that start with what is typed so far.
fn keys(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = crate::commands::prelude::arg_bytes(current);
    let range_end = if typed.is_empty() {
        vec![0]
    } else {
        prefix_end(&typed)
    };
    let request = RangeRequest {
        key: if typed.is_empty() { vec![0] } else { typed },
        range_end,
        limit: LIVE_LIMIT,
        keys_only: true,
        // Any member's view is good enough for a suggestion, and cheaper.
        serializable: true,
        ..RangeRequest::default()
    };
    live(|client| async move {
        let response = client.range(request).await.ok()?;
        Some(
            response
                .kvs
                .into_iter()
                .map(|kv| CompletionCandidate::new(OsString::from_vec(kv.key)))
                .collect(),
        )
    })
}

/// Lease ids (hex, as commands take them), member ids (hex, with the member's name as help),
/// user or role names that start with what is typed.
fn names(source: Source, current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy().into_owned();
    let mut offered = live(|client| async move {
        let named: Vec<(String, Option<String>)> = match source {
            Source::Leases => client
                .lease_leases()
                .await
                .ok()?
                .leases
                .iter()
                .map(|lease| (crate::output::lease_hex(lease.id), None))
                .collect(),
            Source::Members => client
                .member_list(Default::default())
                .await
                .ok()?
                .members
                .into_iter()
                .map(|m| {
                    (
                        format!("{:x}", m.id),
                        Some(m.name).filter(|n| !n.is_empty()),
                    )
                })
                .collect(),
            Source::Users => client
                .user_list(AuthUserListRequest {})
                .await
                .ok()?
                .users
                .into_iter()
                .map(|user| (user, None))
                .collect(),
            Source::Roles => client
                .role_list(AuthRoleListRequest {})
                .await
                .ok()?
                .roles
                .into_iter()
                .map(|role| (role, None))
                .collect(),
            Source::Keys | Source::Words(_) => return None,
        };
        Some(
            named
                .into_iter()
                .map(|(name, help)| CompletionCandidate::new(name).help(help.map(Into::into)))
                .collect(),
        )
    });
    offered.retain(|c| c.get_value().to_string_lossy().starts_with(&typed));
    offered
}

/// Runs `query` against the cluster named on the command line being completed, within the
/// live-completion time limits; any failure yields no candidates.
fn live<F, Fut>(query: F) -> Vec<CompletionCandidate>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Option<Vec<CompletionCandidate>>>,
{
    let Some(client) = client_for_command_line() else {
        return Vec::new();
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let deadline = LIVE_DIAL_TIMEOUT + LIVE_COMMAND_TIMEOUT;
    runtime
        .block_on(async { tokio::time::timeout(deadline, query(client)).await })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The client the partly typed command line would use: its global flags (endpoints, TLS,
/// `--user`), and their `ETCDCTL_*` variables, with short timeouts and no password prompt.
fn client_for_command_line() -> Option<Client> {
    let matches = parse_leniently(&command_line())?;
    let global = GlobalArgs::from_arg_matches(&matches).ok()?;
    // Without its password the user cannot authenticate; the cluster may still answer.
    let mut config = Settings::resolve(&global).ok()?.client;
    config.dial_timeout = config.dial_timeout.min(LIVE_DIAL_TIMEOUT);
    config.command_timeout = config.command_timeout.min(LIVE_COMMAND_TIMEOUT);
    Client::new(config).ok()
}

/// The command line being completed: the shell calls `ectl -- ectl <words...>`, the word being
/// completed last.
fn command_line() -> Vec<OsString> {
    std::env::args_os()
        .skip_while(|arg| arg != "--")
        .skip(1)
        .collect()
}

fn parse_leniently(words: &[OsString]) -> Option<clap::ArgMatches> {
    super::tree::completion_tree()
        .ignore_errors(true)
        .try_get_matches_from(words)
        .ok()
}

/// How many positional values the innermost subcommand already has before the word being
/// completed. clap_complete reports the same index (0) for the first and the second value of
/// a multi-value positional, so the position is counted here from the parsed command line.
fn positionals_before_current() -> Option<usize> {
    let words = command_line();
    let (_current, before) = words.split_last()?;
    let mut root = super::tree::completion_tree();
    // The commands' arguments are there once built.
    root.build();
    let mut matches = parse_leniently(before)?;
    let mut cmd = &root;
    while let Some((name, sub)) = matches.clone().subcommand() {
        cmd = cmd.find_subcommand(name)?;
        matches = sub.clone();
    }
    Some(
        cmd.get_positionals()
            .map(|arg| {
                matches
                    .get_raw(arg.get_id().as_str())
                    .map_or(0, |v| v.len())
            })
            .sum(),
    )
}
