//! Runs one parsed command: dispatch to its module.

use crate::cli::Command;
use crate::commands::{self, Context, kv};

/// Commands that read no global flag or variable and talk to no server, run before settings
/// are resolved: etcdctl's `version` works with `-w bogus` and never asks for a password, and
/// completion scripts must print whatever the environment holds.
pub fn run_offline(command: &Command, out: &mut dyn std::io::Write) -> Option<anyhow::Result<()>> {
    match command {
        Command::Version(args) => Some(commands::version::run(args, out)),
        Command::Completion(args) => Some(commands::completion::run(args, out)),
        _ => None,
    }
}

pub async fn run(command: Command, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    match command {
        Command::Get(args) => kv::get::run(args, ctx).await,
        Command::Put(args) => kv::put::run(args, ctx).await,
        Command::Del(args) => kv::del::run(args, ctx).await,
        Command::Txn(args) => kv::txn::run(args, ctx).await,
        Command::Compaction(args) => kv::compact::run(args, ctx).await,
        Command::Version(args) => commands::version::run(&args, ctx.out),
        Command::Auth(args) => commands::auth::run(args, ctx).await,
        Command::User(args) => commands::auth::user::run(args, ctx).await,
        Command::Role(args) => commands::auth::role::run(args, ctx).await,
        Command::Completion(args) => commands::completion::run(&args, ctx.out),
        Command::Watch(args) => commands::watch::run(args, ctx).await,
        Command::Lease(args) => commands::lease::run(args, ctx).await,
        Command::Lock(args) => commands::lock::run(args, ctx).await,
        Command::Elect(args) => commands::elect::run(args, ctx).await,
        Command::Member(args) => commands::member::run(args, ctx).await,
        Command::Endpoint(args) => commands::endpoint::run(args, ctx).await,
        Command::Alarm(args) => commands::alarm::run(args, ctx).await,
        Command::Defrag(args) => commands::defrag::run(args, ctx).await,
        Command::MoveLeader(args) => commands::move_leader::run(args, ctx).await,
        Command::Snapshot(args) => commands::snapshot::run(args, ctx).await,
        Command::Downgrade(args) => commands::downgrade::run(args, ctx).await,
        Command::Doctor(args) => commands::doctor::run(args, ctx).await,
        Command::Du(args) => commands::du::run(args, ctx).await,
        Command::Diff(args) => commands::diff::run(args, ctx).await,
    }
}
