//! `lock <name> [exec-command args...]`: hold a distributed lock, through the v3lock service.
//!
//! The lock is held with a session lease (`--ttl`) kept alive meanwhile. v3lock runs the same
//! mutex recipe etcdctl runs in its client, on the same keys (`<name>/<lease in hex>`), so ectl
//! and etcdctl locks on one name exclude each other. Released (unlocked, and the lease revoked)
//! on Ctrl-C or SIGTERM, and when the command ends.

use std::ffi::OsString;
use std::io::Write;

use clap::Args;

use crate::cli::values::go_int64;
use crate::client::session::{Session, SessionLost};
use crate::client::{self, Client};
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::commands::process::{Failure, Interrupts, UserCommand};
use crate::error::{CliError, CommandFailed};
use crate::go;
use crate::output::{self, Format, PrintOptions, ResponseKind};
use crate::pb::etcdserverpb::RangeRequest;

/// Acquires a named lock
///
/// Prints the lock's key once it is held, and holds it until Ctrl-C. With a command, runs it
/// while holding the lock (with ETCD_LOCK_KEY and ETCD_LOCK_REV set), then releases the lock
/// and exits with the command's exit code.
///
/// Examples:
///   ectl lock mylock
///   ectl lock mylock -- sh -c 'echo "holding $ETCD_LOCK_KEY"'
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct LockArgs {
    /// timeout for session
    #[arg(long, default_value = "10", value_parser = go_int64)]
    pub ttl: i64,
    /// <lockname> [exec-command arg1 arg2 ...]
    #[arg(value_name = "LOCKNAME")]
    pub args: Vec<OsString>,
}

pub async fn run(args: LockArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let Some((name, command)) = args.args.split_first() else {
        return Err(CliError::bad_args(
            "lock takes a lock name argument and an optional command to execute",
        )
        .into());
    };
    if command.is_empty() {
        ctx.ensure_format(ResponseKind::Get)?;
    }
    let mut interrupts = Interrupts::install()?;
    let (format, style) = (ctx.format(), ctx.style());
    let (client, out) = ctx.client_and_out()?;
    let session = Session::start(client, args.ttl).await?;
    let mut holder = Holder {
        client,
        session: &session,
        key: None,
    };
    let result = holder
        .hold(
            arg_bytes(name),
            command,
            &mut interrupts,
            (format, style, out),
        )
        .await;
    // Revoking the lease deletes the lock key too, so both go out at once: one round trip.
    let (unlocked, revoked) = tokio::join!(holder.release(), session.close());
    result?;
    unlocked?;
    revoked?;
    Ok(())
}

/// Where and how to print: format, style and the output.
type Output<'o> = (Format, PrintOptions, &'o mut dyn Write);

struct Holder<'c, 's> {
    client: &'c Client,
    session: &'s Session<'c>,
    /// The holder key, once the lock is held.
    key: Option<Vec<u8>>,
}

impl Holder<'_, '_> {
    async fn hold(
        &mut self,
        name: Vec<u8>,
        command: &[OsString],
        interrupts: &mut Interrupts,
        (format, style, out): Output<'_>,
    ) -> anyhow::Result<()> {
        let keep_alive = self.session.keep_alive();
        tokio::pin!(keep_alive);
        let locked = tokio::select! {
            locked = self.client.lock(name, self.session.lease()) => locked?,
            lost = &mut keep_alive => return Err(session_lost(lost)),
            _ = interrupts.recv() => return Err(CliError::error(go::CONTEXT_CANCELED).into()),
        };
        self.key = Some(locked.key.clone());

        if !command.is_empty() {
            out.flush()?;
            let revision = locked.header.map_or(0, |h| h.revision);
            let child = exec_command(command, &locked.key, revision);
            let child = tokio::task::spawn_blocking(move || child.run().map_err(failed));
            tokio::pin!(child);
            // As etcdctl: a signal now is left to the command (a terminal sends Ctrl-C to both),
            // and the lock is released once it ends.
            let mut lost = false;
            let status = loop {
                tokio::select! {
                    status = &mut child => break status?,
                    _ = interrupts.recv() => {}
                    _ = &mut keep_alive, if !lost => lost = true,
                }
            };
            return status;
        }

        let resp = self
            .client
            .range(RangeRequest {
                key: locked.key,
                ..Default::default()
            })
            .await?;
        if resp.kvs.is_empty() {
            return Err(CliError::error("lock lost on init").into());
        }
        output::printer(format, style, &mut *out).get(&resp)?;
        out.flush()?;
        tokio::select! {
            _ = interrupts.recv() => Ok(()),
            lost = &mut keep_alive => Err(session_lost(lost)),
        }
    }

    /// Unlocks if the lock is held.
    async fn release(&mut self) -> Result<(), client::Error> {
        match self.key.take() {
            Some(key) => self.client.unlock(key).await.map(drop),
            None => Ok(()),
        }
    }
}

/// The error for a session that ended while the lock was held or wanted.
fn session_lost(lost: SessionLost) -> anyhow::Error {
    match lost {
        SessionLost::Expired => CliError::error("session expired").into(),
        SessionLost::Failed(e) => e.into(),
    }
}

/// The command etcdctl runs under the lock: `ETCD_LOCK_KEY` and `ETCD_LOCK_REV` come before
/// the inherited environment, so variables already set win.
fn exec_command(command: &[OsString], key: &[u8], revision: i64) -> UserCommand {
    let added = [
        ("ETCD_LOCK_KEY", key.to_vec()),
        ("ETCD_LOCK_REV", revision.to_string().into_bytes()),
    ];
    UserCommand::new(command, &added, &[])
}

/// A command that ran and failed exits ectl with its own status, as etcdctl 3.5 does.
fn failed(failure: Failure) -> anyhow::Error {
    match failure.status {
        Some(status) => CommandFailed {
            status,
            message: failure.message,
        }
        .into(),
        None => CliError::error(failure.message).into(),
    }
}
