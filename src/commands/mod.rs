//! The command registry, as in jj and cargo: the command enum, [`GROUPS`], the checks that run
//! before the runtime, and dispatch, nothing else. One module per command group; each command is
//! an `Args` struct (clap derive; its doc comment is the help), a pure step that turns it into a
//! request, and an async `run`. What every command uses is in [`prelude`]; the parse tree built
//! from this registry is in [`tree`]; which API tree runs at all is `crate::app`'s choice.
//!
//! After the parse, [`run_offline`] answers the commands that need no settings,
//! [`Command::check_args`] rejects bad arguments, `Settings::resolve` reads the global flags,
//! and [`run`] dispatches to the command's module.
//!
//! Adding a command takes four files: its module here; its line in this registry (a variant of
//! [`Command`], its arm in [`run`], and [`Command::check_args`] if it has a pure `plan`, its name
//! in [`GROUPS`]); for a new RPC, one row in `client/rpc.rs`, which makes the `Client` method;
//! and its printer: a method in its group's module in `output`, whose default falls back
//! (protobuf writes the message, table and fields refuse), with a `ResponseKind` and a line in
//! `Format::supports` if some format refuses it; for ectl's own reports, one module in
//! `output/report/` whose type implements `Report` (its kind says which formats draw it).

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
pub mod history;
pub mod kv;
pub mod lease;
pub mod line;
pub mod lock;
pub mod maintain;
pub mod member;
pub mod migrate;
pub mod mirror;
pub mod move_leader;
pub mod offline_defrag;
pub mod prelude;
pub mod process;
pub mod range;
pub mod snapshot;
pub mod status;
pub mod survey;
pub mod tree;
pub mod version;
pub mod watch;

use clap::Subcommand;

use crate::cli::{self, Etcdctl};
use crate::error::CliError;
use prelude::Workbench;

/// The whole v3 tree with the process environment, for help, completions and man pages.
pub use tree::command;

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
    Migrate(Etcdctl<migrate::MigrateArgs>),
    // ectl-only commands; etcdctl has none of these names.
    Doctor(Etcdctl<doctor::DoctorArgs>),
    Du(Etcdctl<du::DuArgs>),
    Diff(Etcdctl<diff::DiffArgs>),
    Context(Etcdctl<context::ContextArgs>),
    Status(Etcdctl<status::StatusArgs>),
    Maintain(Etcdctl<maintain::MaintainArgs>),
    History(Etcdctl<history::HistoryArgs>),
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
            Command::History(Etcdctl(args)) => history::plan(args).map(drop),
            _ => Ok(()),
        }
    }

    /// Whether the command reads a `--db` file offline; every other one needs a server. This
    /// is the one place that decides it.
    pub fn reads_offline(&self) -> bool {
        matches!(
            self,
            Command::Get(_)
                | Command::Export(_)
                | Command::Du(_)
                | Command::Diff(_)
                | Command::History(_)
        )
    }
}

/// etcdctl's groups, in its README's order; every visible command belongs to one.
pub(crate) const GROUPS: &[cli::Group] = &[
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
        &[
            "doctor", "du", "diff", "history", "context", "export", "import", "status", "maintain",
        ],
    ),
    (
        "Utility commands",
        &[
            "make-mirror",
            "migrate",
            "check",
            "version",
            "completion",
            "help",
        ],
    ),
];
/// Commands that read no global flag or variable and talk to no server, run before settings
/// are resolved: etcdctl's `version` works with `-w bogus` and never asks for a password, and
/// completion scripts must print whatever the environment holds.
/// `context add` reads the global flags given, but never a server.
pub fn run_offline(
    command: &Command,
    global: &crate::cli::GlobalArgs,
    out: &mut dyn std::io::Write,
) -> Option<anyhow::Result<()>> {
    match command {
        Command::Version(Etcdctl(args)) => Some(version::run(args, out)),
        Command::Completion(Etcdctl(args)) => Some(completion::run(args, out)),
        Command::Context(Etcdctl(args)) => Some(context::run(args, global, out)),
        Command::Migrate(Etcdctl(args)) => Some(migrate::run(args, out)),
        _ => None,
    }
}

pub async fn run(command: Command, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    if ctx.settings.db.is_some() && !command.reads_offline() {
        return Err(CliError::bad_args(
            "this command needs a server; --db reads a file offline for get, du, export, history \
             and diff only",
        )
        .into());
    }
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
        Command::Status(Etcdctl(args)) => status::run(args, ctx).await,
        Command::Maintain(Etcdctl(args)) => maintain::run(args, ctx).await,
        Command::History(Etcdctl(args)) => history::run(args, ctx).await,
        // `main` runs these before resolving settings; a library caller may come here with them.
        Command::Version(Etcdctl(args)) => version::run(&args, ctx.out),
        Command::Completion(Etcdctl(args)) => completion::run(&args, ctx.out),
        Command::Migrate(Etcdctl(args)) => migrate::run(&args, ctx.out),
        // `context add` saves the global flags as given, which settings no longer hold.
        Command::Context(_) => Err(crate::error::CliError::error(
            "context runs before the settings are resolved: see commands::run_offline",
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::tree::tests::parse;
    use super::*;
    use crate::error::ExitCode;
    use crate::settings::Settings;

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
}
