//! The command registry, as in jj: the command enum, the checks that run before the runtime,
//! and dispatch. One module per command group; each command is an `Args` struct (clap derive;
//! its doc comment is the help), a pure step that turns it into a request, and an async `run`.
//!
//! Every command line takes one path, whatever its API tree: [`Api::from_env`] picks the tree
//! (`ETCDCTL_API`), [`Api::parse`] parses it, [`run_offline`] answers the commands that need no
//! settings, [`Command::check_args`] rejects bad arguments, `Settings::resolve` reads the global
//! flags, and [`run`] dispatches to the command's module.
//!
//! Adding a command: its module here, a variant of [`Command`], its arm in [`run`] (and in
//! [`Command::check_args`] if it has a pure `plan`), its name in [`GROUPS`]; in `output`, one
//! method per response in its group's printer trait, whose default falls back (protobuf
//! writes the message, table and fields refuse), the bodies of the formats that print it their
//! own way, and its `ResponseKind` with a line in `Format::supports` if some format refuses it.
//!
//! The v2 tree (`ETCDCTL_API=2`, `src/v2/`) plugs into the same path: a variant `Api::V2`
//! returned by [`Api::from_env`] (which refuses `2` until then), its own `Cli` parsed by
//! [`Api::parse`] (which then returns an enum of the two parsed trees), and its arm in [`run`];
//! no second mechanism.

pub mod alarm;
pub mod auth;
pub mod bulk;
pub mod check;
pub mod completion;
pub mod context;
pub mod defrag;
pub mod diff;
pub mod doctor;
pub mod downgrade;
pub mod du;
pub mod elect;
pub mod endpoint;
pub mod kv;
pub mod lease;
pub mod line;
pub mod lock;
pub mod member;
pub mod mirror;
pub mod move_leader;
pub mod offline_defrag;
pub mod process;
pub mod progress;
pub mod prompt;
pub mod snapshot;
pub mod version;
pub mod watch;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::sync::Arc;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::cli::{self, Etcdctl, GlobalArgs};
use crate::client::{self, Client, Observer};
use crate::error::{CliError, ExitCode, Verbatim};
use crate::k8s::Decode;
use crate::output::{self, Format, PrintOptions, Printer, ResponseKind};
use crate::settings::Settings;

/// The command trees, one per etcd API; `ETCDCTL_API` picks one before anything is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `ETCDCTL_API=2`: etcdctl 3.4's v2 keys client (`src/v2/`), with its own urfave/cli
    /// parse step ([`crate::v2::parse`]), texts and exit codes.
    V2,
    V3,
}

impl Api {
    /// etcdctl reads `ETCDCTL_API` to pick the v2 or v3 client before it parses anything; only
    /// v3 exists here so far. Anything else is etcdctl's "unsupported API version" (exit 1, no
    /// `Error: `).
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_var(std::env::var_os("ETCDCTL_API").as_deref())
    }

    fn from_var(api: Option<&OsStr>) -> anyhow::Result<Self> {
        match api.map(OsStr::to_string_lossy).as_deref() {
            None | Some("") | Some("3") => Ok(Api::V3),
            Some("2") => Ok(Api::V2),
            Some(other) => Err(Verbatim {
                code: ExitCode::Error,
                message: format!("unsupported API version {other}"),
            }
            .into()),
        }
    }

    /// Parses the process's command line with this API's tree.
    pub fn parse(self) -> Result<Parsed, ParseError> {
        match self {
            Api::V3 => parse().map(Parsed::V3).map_err(ParseError::V3),
            Api::V2 => {
                let args: Vec<String> = std::env::args_os()
                    .skip(1)
                    .map(|arg| arg.to_string_lossy().into_owned())
                    .collect();
                crate::v2::parse(&args, &|key| std::env::var(key).ok())
                    .map(Parsed::V2)
                    .map_err(ParseError::V2)
            }
        }
    }
}

/// A command line parsed by its API's tree. Built once per process, so the size difference
/// between the trees costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    V3(Cli),
    V2(crate::v2::Invocation),
}

/// Why a command line did not parse: clap's usage error (v3), or the v2 client's own screen
/// and exit code (its urfave/cli texts).
pub enum ParseError {
    V3(clap::Error),
    V2(crate::v2::Exit),
}

/// A parsed v3 command line.
#[derive(Debug)]
pub struct Cli {
    pub global: GlobalArgs,
    pub command: Command,
}

/// The top level of the v3 tree: ectl's name, version and help, and the global flags. The
/// commands are added by [`command_with_env`] (all of them) or [`parsing_tree`] (those a
/// command line may name).
#[derive(Parser)]
#[command(
    name = "ectl",
    version,
    about = "A fast, faithful etcd v3 command-line client (drop-in for etcdctl)",
    after_help = "`ectl version` prints etcdctl's version lines (etcdctl version: 3.4.23, API \
                  version: 3.4), for the scripts that parse them; `ectl --version` prints \
                  ectl's own version.\nEvery command's own options come first in its help \
                  (`ectl <command> -h`), then the global options, which may come before or \
                  after the command.",
    infer_subcommands = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
struct TopLevel {
    #[command(flatten)]
    global: GlobalArgs,
}

/// The commands; each one's help is its `Args` struct's doc comment. Each is built only when
/// the command line names it (see [`Etcdctl`]).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    Get(Etcdctl<kv::get::GetArgs>),
    Put(Etcdctl<kv::put::PutArgs>),
    Del(Etcdctl<kv::del::DelArgs>),
    Txn(Etcdctl<kv::txn::TxnArgs>),
    Compaction(Etcdctl<kv::compact::CompactArgs>),
    Version(Etcdctl<version::VersionArgs>),
    Auth(Etcdctl<auth::AuthArgs>),
    User(Etcdctl<auth::user::UserArgs>),
    Role(Etcdctl<auth::role::RoleArgs>),
    Completion(Etcdctl<completion::CompletionArgs>),
    Watch(Etcdctl<watch::WatchArgs>),
    Lease(Etcdctl<lease::LeaseArgs>),
    Lock(Etcdctl<lock::LockArgs>),
    Elect(Etcdctl<elect::ElectArgs>),
    Member(Etcdctl<member::MemberArgs>),
    Endpoint(Etcdctl<endpoint::EndpointArgs>),
    Alarm(Etcdctl<alarm::AlarmArgs>),
    Defrag(Etcdctl<defrag::DefragArgs>),
    MoveLeader(Etcdctl<move_leader::MoveLeaderArgs>),
    Snapshot(Etcdctl<snapshot::SnapshotArgs>),
    Downgrade(Etcdctl<downgrade::DowngradeArgs>),
    MakeMirror(Etcdctl<mirror::MakeMirrorArgs>),
    Check(Etcdctl<check::CheckArgs>),
    Export(Etcdctl<bulk::ExportArgs>),
    Import(Etcdctl<bulk::ImportArgs>),
    // ectl-only commands; etcdctl has none of these names.
    Doctor(Etcdctl<doctor::DoctorArgs>),
    Du(Etcdctl<du::DuArgs>),
    Diff(Etcdctl<diff::DiffArgs>),
    Context(Etcdctl<context::ContextArgs>),
}

impl Command {
    /// The command's own argument errors, found without I/O (`put` does not read its value).
    /// etcdctl reports them before anything about the global flags, so `main` checks them
    /// before resolving the settings: `put -w bogus` is "needs 1 argument" (exit 128), and
    /// `--user root get` fails without asking for a password.
    pub fn check_args(&self) -> Result<(), CliError> {
        use kv::{compact, del, get, put};
        match self {
            Command::Get(Etcdctl(args)) => get::plan(args).map(drop),
            Command::Put(Etcdctl(args)) => put::plan(args, || Ok(b"value".to_vec())).map(drop),
            Command::Del(Etcdctl(args)) => del::plan(args).map(drop),
            Command::Compaction(Etcdctl(args)) => compact::plan(args).map(drop),
            Command::MakeMirror(Etcdctl(args)) => mirror::plan(args).map(drop),
            Command::Export(Etcdctl(args)) => bulk::export_plan(args).map(drop),
            _ => Ok(()),
        }
    }
}

/// etcdctl 3.4's top-level commands (cobra adds `help` and `completion`). The ones ectl does not
/// have yet are reserved as hidden commands that refuse to run, so an abbreviation resolves as
/// in etcdctl: `co` is ambiguous there (`compaction`, `completion`), never a compaction here.
const ETCDCTL_COMMANDS: &[&str] = &[
    "alarm",
    "auth",
    "check",
    "compaction",
    "completion",
    "defrag",
    "del",
    "elect",
    "endpoint",
    "get",
    "help",
    "lease",
    "lock",
    "make-mirror",
    "member",
    "migrate",
    "move-leader",
    "put",
    "role",
    "snapshot",
    "txn",
    "user",
    "version",
    "watch",
];

/// etcdctl's groups, in its README's order; every visible command belongs to one.
const GROUPS: &[cli::Group] = &[
    (
        "Key-value commands",
        &["get", "put", "del", "txn", "compaction", "watch", "lease"],
    ),
    (
        "Cluster maintenance commands",
        &[
            "member",
            "endpoint",
            "alarm",
            "defrag",
            "snapshot",
            "move-leader",
            "downgrade",
        ],
    ),
    ("Concurrency commands", &["lock", "elect"]),
    ("Authentication commands", &["auth", "user", "role"]),
    // ectl's own commands (etcdctl has none of these).
    (
        "Beyond etcdctl",
        &["doctor", "du", "diff", "context", "export", "import"],
    ),
    (
        "Utility commands",
        &["make-mirror", "check", "version", "completion", "help"],
    ),
];

/// The v3 command tree as ectl parses it, with `env` the environment lookup (the process's in
/// [`parse`]): the derived definitions rewritten by [`cli::etcdctl_tree`] to parse as etcdctl's,
/// and the top-level help listing the commands in [`GROUPS`].
///
/// Completions and man pages should be generated from this.
pub fn command_with_env(env: &dyn Fn(&OsStr) -> Option<OsString>) -> clap::Command {
    cli::grouped(ungrouped_tree(env), GROUPS)
}

/// [`command_with_env`] without the grouped listing, which costs building every command once
/// more: for what never shows the top-level help.
fn ungrouped_tree(env: &dyn Fn(&OsStr) -> Option<OsString>) -> clap::Command {
    let all = TopLevel::command().subcommands(commands().get_subcommands().cloned());
    cli::etcdctl_tree(all, ETCDCTL_COMMANDS, env, &[])
}

/// The whole tree as live completion reads it (at every Tab), with the process environment.
pub fn completion_tree() -> clap::Command {
    ungrouped_tree(&|name| std::env::var_os(name))
}

/// A command holding every command of the registry, unbuilt (their arguments deferred).
fn commands() -> clap::Command {
    Command::augment_subcommands(clap::Command::new("commands"))
}

/// The tree for parsing `argv`: [`command_with_env`] with only the commands its command word
/// may name (`ge` names `get`), unbuilt until the parse builds the one it names, and without
/// the grouped listing. Every global flag is copied into every command of a tree when it is
/// built, and each listed summary costs building its command: a tree of one command costs a
/// fraction of the whole. The variables of the global args `unread` are ignored.
fn parsing_tree(
    argv: &[OsString],
    env: &dyn Fn(&OsStr) -> Option<OsString>,
    unread: &[&'static str],
) -> clap::Command {
    let top = TopLevel::command();
    let word = cli::command_word(&top, argv);
    let named =
        |name: &str| word.is_some_and(|word| name.as_bytes().starts_with(word.as_encoded_bytes()));
    let all = commands();
    let top = top.subcommands(
        all.get_subcommands()
            .filter(|sub| named(sub.get_name()))
            .cloned(),
    );
    let reserved: Vec<&'static str> = ETCDCTL_COMMANDS
        .iter()
        .copied()
        .filter(|n| named(n))
        .collect();
    cli::etcdctl_tree(top, &reserved, env, unread)
}

/// [`command_with_env`] with the process environment.
pub fn command() -> clap::Command {
    command_with_env(&|name| std::env::var_os(name))
}

/// Variables etcdctl applies only after the command has used the flag: `get`, `put` and `del`
/// take their deadline before reading the environment, so `ETCDCTL_COMMAND_TIMEOUT` never
/// reaches them (`compaction` does read it).
const ENV_READ_TOO_LATE: &[(&str, &str)] = &[
    ("get", "command_timeout"),
    ("put", "command_timeout"),
    ("del", "command_timeout"),
];

/// Parses the command line as etcdctl would (see [`command`]).
pub fn parse() -> Result<Cli, clap::Error> {
    parse_from(std::env::args_os(), &|name| std::env::var_os(name))
}

/// [`parse`] for a given command line and environment.
pub fn parse_from(
    argv: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    env: &dyn Fn(&OsStr) -> Option<OsString>,
) -> Result<Cli, clap::Error> {
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let mut cmd = parsing_tree(&argv, env, &[]);
    // Help, and the usage errors that list commands or suggest one, show the whole tree: the
    // line is parsed again with it, whose answer is the one that counts.
    let mut matches = match cmd.try_get_matches_from_mut(&argv) {
        Ok(matches) => matches,
        Err(_) => {
            cmd = command_with_env(env);
            if let Some(e) = cli::unknown_command_after_unknown_flag(&cmd, &argv) {
                return Err(e);
            }
            cmd.try_get_matches_from_mut(&argv)?
        }
    };
    let unread: Vec<&'static str> = ENV_READ_TOO_LATE
        .iter()
        .filter(|(command, id)| {
            matches.subcommand_name() == Some(command)
                && matches.value_source(id) == Some(clap::parser::ValueSource::EnvVariable)
        })
        .map(|(_, id)| *id)
        .collect();
    if !unread.is_empty() {
        cmd = parsing_tree(&argv, env, &unread);
        matches = cmd.try_get_matches_from_mut(&argv)?;
    }
    if let Some(name) = matches.subcommand_name()
        && !<Command as Subcommand>::has_subcommand(name)
    {
        return Err(cmd.error(
            clap::error::ErrorKind::InvalidSubcommand,
            format!("`{name}` is an etcdctl command that ectl does not implement yet"),
        ));
    }
    let mut cli = TopLevel::from_arg_matches(&matches)
        .and_then(|top| {
            Ok(Cli {
                global: top.global,
                command: Command::from_arg_matches(&matches)?,
            })
        })
        .map_err(|e| e.format(&mut cmd))?;
    // `--endpoints` given before and after the command: pflag appends, clap keeps the last.
    if let Some(endpoints) = cli::global_values_in_order(&cmd, &matches, &argv, "endpoints") {
        cli.global.endpoints = endpoints;
    }
    // The top level's own arguments only: the globals (`matches.ids()` also lists ids that
    // `value_source` does not know at this level).
    cli.global.explicit = cmd
        .get_arguments()
        .map(|arg| arg.get_id().as_str())
        .filter(|id| {
            matches!(
                matches.value_source(id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        })
        .map(str::to_string)
        .collect();
    Ok(cli)
}

/// Commands that read no global flag or variable and talk to no server, run before settings
/// are resolved: etcdctl's `version` works with `-w bogus` and never asks for a password, and
/// completion scripts must print whatever the environment holds.
pub fn run_offline(command: &Command, out: &mut dyn std::io::Write) -> Option<anyhow::Result<()>> {
    match command {
        Command::Version(Etcdctl(args)) => Some(version::run(args, out)),
        Command::Completion(Etcdctl(args)) => Some(completion::run(args, out)),
        Command::Context(Etcdctl(args)) => Some(context::run(args, out)),
        _ => None,
    }
}

pub async fn run(command: Command, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    match command {
        Command::Get(Etcdctl(args)) => kv::get::run(args, ctx).await,
        Command::Put(Etcdctl(args)) => kv::put::run(args, ctx).await,
        Command::Del(Etcdctl(args)) => kv::del::run(args, ctx).await,
        Command::Txn(Etcdctl(args)) => kv::txn::run(args, ctx).await,
        Command::Compaction(Etcdctl(args)) => kv::compact::run(args, ctx).await,
        Command::Auth(Etcdctl(args)) => auth::run(args, ctx).await,
        Command::User(Etcdctl(args)) => auth::user::run(args, ctx).await,
        Command::Role(Etcdctl(args)) => auth::role::run(args, ctx).await,
        Command::Watch(Etcdctl(args)) => watch::run(args, ctx).await,
        Command::Lease(Etcdctl(args)) => lease::run(args, ctx).await,
        Command::Lock(Etcdctl(args)) => lock::run(args, ctx).await,
        Command::Elect(Etcdctl(args)) => elect::run(args, ctx).await,
        Command::Member(Etcdctl(args)) => member::run(args, ctx).await,
        Command::Endpoint(Etcdctl(args)) => endpoint::run(args, ctx).await,
        Command::Alarm(Etcdctl(args)) => alarm::run(args, ctx).await,
        Command::Defrag(Etcdctl(args)) => defrag::run(args, ctx).await,
        Command::MoveLeader(Etcdctl(args)) => move_leader::run(args, ctx).await,
        Command::Snapshot(Etcdctl(args)) => snapshot::run(args, ctx).await,
        Command::Downgrade(Etcdctl(args)) => downgrade::run(args, ctx).await,
        Command::MakeMirror(Etcdctl(args)) => mirror::run(args, ctx).await,
        Command::Check(Etcdctl(args)) => check::run(args, ctx).await,
        Command::Export(Etcdctl(args)) => bulk::export(args, ctx).await,
        Command::Import(Etcdctl(args)) => bulk::import(args, ctx).await,
        Command::Doctor(Etcdctl(args)) => doctor::run(args, ctx).await,
        Command::Du(Etcdctl(args)) => du::run(args, ctx).await,
        Command::Diff(Etcdctl(args)) => diff::run(args, ctx).await,
        // `main` runs these before resolving settings; a library caller may come here with them.
        Command::Version(_) | Command::Completion(_) | Command::Context(_) => {
            run_offline(&command, ctx.out).unwrap_or(Ok(()))
        }
    }
}

/// What a running command may use: settings, a lazily connected client, and the output.
pub struct Context<'a> {
    pub settings: Settings,
    pub out: &'a mut dyn Write,
    observer: Option<Arc<dyn Observer>>,
    client: Option<Client>,
}

impl<'a> Context<'a> {
    pub fn new(settings: Settings, out: &'a mut dyn Write) -> Self {
        Self {
            settings,
            out,
            observer: None,
            client: None,
        }
    }

    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The client, built on first use; it connects on its first request.
    pub fn client(&mut self) -> anyhow::Result<&Client> {
        if self.client.is_none() {
            let config = self.client_config()?;
            self.client = Some(self.new_client(config)?);
        }
        Ok(self.client.as_ref().expect("client was just built"))
    }

    /// The client settings with complete credentials: the `--user` password is asked for
    /// here, on first use, because etcdctl asks when it connects (after a command's own
    /// prompts, such as `user add`'s). Clients for single endpoints start from this too.
    pub fn client_config(&mut self) -> Result<client::Config, CliError> {
        if let Some(user) = self.settings.password_wanted_for.take() {
            let password = prompt::ask_password(&mut *self.out, "Password: ")?;
            if !password.is_empty() {
                self.settings.client.credentials = Some(client::Credentials { user, password });
            }
        }
        Ok(self.settings.client.clone())
    }

    /// A separate client with other settings (one endpoint of several, no credentials, ...),
    /// reporting to the same observer as [`Context::client`] so `--print-curl` and `--debug`
    /// show its requests too.
    pub fn new_client(&self, config: client::Config) -> Result<Client, client::Error> {
        let client = Client::new(config)?;
        Ok(match &self.observer {
            Some(observer) => client.with_observer(observer.clone()),
            None => client,
        })
    }

    /// A client for `endpoint` alone, with the command's other settings.
    pub fn endpoint_client(&mut self, endpoint: &str) -> anyhow::Result<Client> {
        Ok(self.client()?.for_endpoint(endpoint)?)
    }

    /// `--endpoints`, or with `--cluster` every member's client URLs from the member list (asked
    /// without credentials, as etcdctl does: listing members needs none).
    pub async fn endpoints(&self, cluster: bool) -> anyhow::Result<Vec<String>> {
        if !cluster {
            return Ok(self.settings.client.endpoints.clone());
        }
        let client = self.new_client(client::Config {
            credentials: None,
            ..self.settings.client.clone()
        })?;
        let members = client.member_list().await.map_err(|e| {
            CliError::error(format!(
                "failed to fetch endpoints from etcd cluster member list: {e}"
            ))
        })?;
        Ok(members
            .members
            .into_iter()
            .flat_map(|m| m.client_ur_ls)
            .collect())
    }

    /// The client and the output at once, for streams that print while they receive (watch).
    pub fn client_and_out(&mut self) -> anyhow::Result<(&Client, &mut (dyn Write + 'a))> {
        self.client()?;
        let client = self.client.as_ref().expect("client was just built");
        Ok((client, &mut *self.out))
    }

    pub fn format(&self) -> Format {
        self.settings.format
    }

    /// Fails with etcdctl's exit-4 error when the chosen format cannot print `kind`; commands
    /// call it before sending anything.
    pub fn ensure_format(&self, kind: ResponseKind) -> Result<(), crate::error::CliError> {
        self.settings.format.ensure_supports(kind)
    }

    pub fn style(&self) -> PrintOptions {
        PrintOptions {
            hex: self.settings.hex,
            value_only: false,
            decode: None,
        }
    }

    /// The style with `--decode`, which only the simple format applies (the others print values
    /// as bytes, in base64 or protobuf).
    pub fn decoding_style(&self, decode: Option<Decode>) -> Result<PrintOptions, CliError> {
        if decode.is_some() && self.format() != Format::Simple {
            return Err(CliError::bad_args(
                "--decode is only for `--write-out=simple`",
            ));
        }
        Ok(PrintOptions {
            decode,
            ..self.style()
        })
    }

    pub fn printer(&mut self, style: PrintOptions) -> Box<dyn Printer + '_> {
        output::printer(self.settings.format, style, &mut *self.out)
    }
}

/// A line on stderr beside the command's output, for what etcdctl reports there and goes on
/// (one endpoint of several failed, a watch was canceled) and for what only a person at a
/// terminal is shown (`snapshot save`'s summary). The one place commands write to stderr;
/// errors that end a command go back to `main` instead.
pub fn warn(message: impl std::fmt::Display) {
    // Nothing useful is left to do when stderr itself is gone.
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// The arguments of a command that takes none (its help is on its enum variant): etcdctl
/// accepts them, and ignores or refuses them, so they are collected and hidden.
#[derive(Debug, Clone, clap::Args)]
pub struct NoArgs {
    #[arg(hide = true)]
    pub args: Vec<std::ffi::OsString>,
}

/// Positional arguments are bytes: keys need not be UTF-8.
pub fn arg_bytes(arg: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    arg.as_bytes().to_vec()
}

/// Parses `argv` as one command's arguments, for unit tests of `plan` functions.
#[cfg(test)]
pub(crate) fn try_parse_args<A: clap::Args + clap::FromArgMatches>(
    argv: &[&str],
) -> Result<A, clap::Error> {
    let cmd = <Etcdctl<A> as clap::Args>::augment_args(clap::Command::new("test"));
    let matches = cmd.try_get_matches_from(std::iter::once("test").chain(argv.iter().copied()))?;
    <Etcdctl<A> as clap::FromArgMatches>::from_arg_matches(&matches).map(|args| args.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use std::any::TypeId;
    use std::time::Duration;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        parse_from(std::iter::once("ectl").chain(args.iter().copied()), &|_| {
            None
        })
    }

    #[test]
    fn abbreviations_resolve_as_etcdctls_prefix_matching() {
        assert!(matches!(
            parse(&["ge", "k"]).unwrap().command,
            Command::Get(_)
        ));
        assert!(matches!(
            parse(&["compact", "5"]).unwrap().command,
            Command::Compaction(_)
        ));
        assert!(matches!(
            parse(&["v"]).unwrap().command,
            Command::Version(_)
        ));
        // Ambiguous among etcdctl's commands, whether or not ectl has them all.
        for ambiguous in ["c", "co", "comp", "d", "de", "e", "m"] {
            let err = parse(&[ambiguous, "x"]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidSubcommand, "{ambiguous}");
        }
    }

    #[test]
    fn etcdctl_commands_ectl_lacks_are_refused_by_name() {
        let missing = ETCDCTL_COMMANDS
            .iter()
            .find(|name| **name != "help" && !<Command as Subcommand>::has_subcommand(name));
        if let Some(name) = missing {
            let err = parse(&[name, "--any", "thing"]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidSubcommand);
            assert!(err.to_string().contains("does not implement"), "{err}");
        }
        assert_eq!(
            parse(&["bogus"]).unwrap_err().kind(),
            ErrorKind::InvalidSubcommand
        );
    }

    #[test]
    fn repeated_flags_override_themselves() {
        let cli = parse(&[
            "-w",
            "json",
            "-w",
            "fields",
            "--hex",
            "--hex=false",
            "get",
            "k",
        ])
        .unwrap();
        assert_eq!(
            (cli.global.write_out.as_str(), cli.global.hex),
            ("fields", false)
        );
        let Command::Get(Etcdctl(get)) = parse(&[
            "get",
            "k",
            "--limit=1",
            "--limit",
            "2",
            "--prefix",
            "--prefix",
        ])
        .unwrap()
        .command
        else {
            panic!("not get");
        };
        assert_eq!((get.limit, get.prefix), (2, true));
    }

    #[test]
    fn values_may_start_with_a_dash() {
        let cli = parse(&[
            "--dial-timeout",
            "-1s",
            "get",
            "k",
            "--limit",
            "-1",
            "--rev",
            "-2",
        ])
        .unwrap();
        assert_eq!(cli.global.dial_timeout, Duration::ZERO);
        let Command::Get(Etcdctl(get)) = cli.command else {
            panic!("not get");
        };
        assert_eq!((get.limit, get.rev), (-1, -2));
        let Command::Put(Etcdctl(put)) = parse(&["put", "k", "v", "--lease", "--prev-kv"])
            .unwrap()
            .command
        else {
            panic!("not put");
        };
        assert_eq!((put.lease.as_str(), put.prev_kv), ("--prev-kv", false));
    }

    #[test]
    fn empty_or_invalid_variables_are_ignored() {
        let env = |name: &OsStr| -> Option<OsString> {
            let value = match name.to_str()? {
                "ETCDCTL_HEX" => "yes",
                "ETCDCTL_DIAL_TIMEOUT" => "",
                "ETCDCTL_KEEPALIVE_TIME" => "2",
                "ETCDCTL_COMMAND_TIMEOUT" => "1m30s",
                "ETCDCTL_DEBUG" => "true",
                "ETCDCTL_WRITE_OUT" => "bogus",
                _ => return None,
            };
            Some(value.into())
        };
        let cmd = command_with_env(&env);
        let reads_env = |id: &str| {
            cmd.get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no {id}"))
                .get_env()
                .is_some()
        };
        for ignored in ["hex", "dial_timeout", "keepalive_time"] {
            assert!(!reads_env(ignored), "{ignored}");
        }
        // Valid values stay, even a format etcdctl itself reports as unsupported later.
        for kept in ["command_timeout", "debug", "write_out", "endpoints"] {
            assert!(reads_env(kept), "{kept}");
        }
    }

    #[test]
    fn api_versions_as_etcdctl_reads_them() {
        assert_eq!(Api::from_var(None).unwrap(), Api::V3);
        assert_eq!(Api::from_var(Some(OsStr::new(""))).unwrap(), Api::V3);
        assert_eq!(Api::from_var(Some(OsStr::new("3"))).unwrap(), Api::V3);
        assert_eq!(Api::from_var(Some(OsStr::new("2"))).unwrap(), Api::V2);
        let err = Api::from_var(Some(OsStr::new("3.5"))).unwrap_err();
        let unprefixed = err.downcast_ref::<Verbatim>().expect("etcdctl's own words");
        assert_eq!(
            (unprefixed.code, unprefixed.message.as_str()),
            (ExitCode::Error, "unsupported API version 3.5")
        );
    }

    #[test]
    fn argument_errors_come_before_settings_errors() {
        let cli = parse(&["-w", "bogus", "put"]).unwrap();
        assert!(Settings::resolve(&cli.global).is_err());
        assert_eq!(
            cli.command.check_args().unwrap_err().code,
            ExitCode::BadArgs
        );
        assert!(
            parse(&["put", "k", "v"])
                .unwrap()
                .command
                .check_args()
                .is_ok()
        );
        assert!(parse(&["get"]).unwrap().command.check_args().is_err());
        assert!(
            parse(&["del", "a", "b", "c"])
                .unwrap()
                .command
                .check_args()
                .is_err()
        );
        assert!(
            parse(&["compaction", "x"])
                .unwrap()
                .command
                .check_args()
                .is_err()
        );
    }

    /// Catches a command registered without [`Etcdctl`], whose flags would parse as clap's.
    #[test]
    fn every_flag_of_every_command_takes_its_value_as_pflag_does() {
        fn check(cmd: &clap::Command, path: &str, wrong: &mut Vec<String>) {
            for arg in cmd.get_arguments().filter(|arg| !arg.is_positional()) {
                let pflag_like = if arg.get_value_parser().type_id() == TypeId::of::<bool>() {
                    arg.is_require_equals_set() && arg.get_num_args() == Some((0..=1).into())
                } else {
                    !arg.get_action().takes_values() || arg.is_allow_hyphen_values_set()
                };
                if !pflag_like {
                    wrong.push(format!("{path} --{}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()), wrong);
            }
        }
        let mut cmd = command_with_env(&|_| None);
        cmd.build();
        let mut wrong = Vec::new();
        check(&cmd, "ectl", &mut wrong);
        assert!(wrong.is_empty(), "{wrong:?}");
        assert!(cmd.find_subcommand("get").is_some_and(|get| {
            get.get_arguments()
                .any(|arg| arg.get_id() == "prefix" && arg.is_require_equals_set())
        }));
    }

    #[test]
    fn every_visible_command_is_in_exactly_one_group() {
        let cmd = command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let homes = GROUPS
                .iter()
                .filter(|(_, names)| names.contains(&sub.get_name()))
                .count();
            assert_eq!(homes, 1, "{} is in {homes} groups", sub.get_name());
        }
    }

    #[test]
    fn every_commands_help_shows_an_example() {
        // clap's own `help` subcommands and etcdctl's reserved names need no examples.
        fn documented(cmd: &clap::Command) -> bool {
            !cmd.is_hide_set() && cmd.get_name() != "help"
        }
        fn check(cmd: &mut clap::Command, path: &str, missing: &mut Vec<String>) {
            let name = format!("{path} {}", cmd.get_name());
            if !cmd.render_long_help().to_string().contains("  ectl ") {
                missing.push(name.clone());
            }
            for sub in cmd.get_subcommands_mut().filter(|s| documented(s)) {
                check(sub, &name, missing);
            }
        }
        let mut root = command();
        root.build();
        let mut missing = Vec::new();
        for sub in root.get_subcommands_mut().filter(|s| documented(s)) {
            check(sub, "ectl", &mut missing);
        }
        assert!(missing.is_empty(), "no example in the help of: {missing:?}");
    }

    #[test]
    fn the_help_lists_groups_with_each_commands_summary() {
        let help = command().render_help().to_string();
        assert!(help.contains("Key-value commands:\n  get"), "{help}");
        assert!(help.contains("Concurrency commands:\n  lock"), "{help}");
        assert!(help.contains("Gets the key or a range of keys"), "{help}");
        assert!(help.contains("Options:\n"), "{help}");
    }
}
