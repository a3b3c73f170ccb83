//! `lock <name> [exec-command args...]`: hold a distributed lock, through the v3lock service.
//!
//! The lock is held with a session lease (`--ttl`) kept alive meanwhile. v3lock runs the same
//! mutex recipe etcdctl runs in its client, on the same keys (`<name>/<lease in hex>`), so ectl
//! and etcdctl locks on one name exclude each other. Released (unlocked, and the lease revoked)
//! on Ctrl-C or SIGTERM, and when the command ends.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};

use clap::Args;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::cli::values::go_int64;
use crate::client::session::{Session, SessionLost};
use crate::client::{self, Client};
use crate::commands::{Context, arg_bytes};
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
    #[arg(long, default_value = "10", value_parser = go_int64, allow_hyphen_values = true)]
    pub ttl: i64,
    /// <lockname> [exec-command arg1 arg2 ...]
    #[arg(value_name = "LOCKNAME")]
    pub args: Vec<OsString>,
}

pub async fn run(args: LockArgs, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let Some((name, command)) = args.args.split_first() else {
        return Err(CliError::bad_args(
            "lock takes a lock name argument and an optional command to execute",
        )
        .into());
    };
    if command.is_empty() {
        ctx.ensure_format(ResponseKind::Get)?;
    }
    let mut interrupts = Interrupts::new()?;
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
    let unlocked = holder.release().await;
    let revoked = session.close().await;
    result?;
    unlocked?;
    revoked?;
    Ok(())
}

/// SIGINT and SIGTERM, which etcdctl's lock and elect handle alike.
pub struct Interrupts {
    int: Signal,
    term: Signal,
}

impl Interrupts {
    /// Installs the handlers: from here on these signals no longer kill the process.
    pub fn new() -> std::io::Result<Interrupts> {
        Ok(Interrupts {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}

/// etcdctl's error when interrupted before the lock (or leadership) was won.
pub const CANCELED: &str = "context canceled";

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
            _ = interrupts.recv() => return Err(CliError::error(CANCELED).into()),
        };
        self.key = Some(locked.key.clone());

        if !command.is_empty() {
            out.flush()?;
            let revision = locked.header.map_or(0, |h| h.revision);
            let child = exec_command(command, &locked.key, revision);
            let child = tokio::task::spawn_blocking(move || run_to_end(child));
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

/// The command, with etcdctl's environment: its own (minus `ETCDCTL_API`, which etcdctl
/// unsets at start) after `ETCD_LOCK_KEY` and `ETCD_LOCK_REV`, so that variables already set
/// win, as Go's `exec` keeps the last of duplicates. Stdin is /dev/null.
fn exec_command(command: &[OsString], key: &[u8], revision: i64) -> Command {
    use std::os::unix::ffi::OsStrExt;
    let mut child = Command::new(&command[0]);
    child.args(&command[1..]).env_remove("ETCDCTL_API");
    let lock_env = [
        ("ETCD_LOCK_KEY", std::ffi::OsStr::from_bytes(key).to_owned()),
        ("ETCD_LOCK_REV", revision.to_string().into()),
    ];
    for (name, value) in lock_env {
        if std::env::var_os(name).is_none() {
            child.env(name, value);
        }
    }
    child.stdin(Stdio::null());
    child
}

/// Runs the command to its end; a failure is the command's own exit status (128 + N for a
/// death by signal N), worded as Go's `exec` package words it.
fn run_to_end(mut command: Command) -> anyhow::Result<()> {
    let program = command.get_program().to_owned();
    let status: ExitStatus = command.status().map_err(|e| {
        let name = program.to_string_lossy();
        let message = if !name.contains('/') && e.kind() == std::io::ErrorKind::NotFound {
            format!("exec: {name:?}: executable file not found in $PATH")
        } else {
            format!("fork/exec {name}: {}", go::errno_text(&e))
        };
        CliError::error(message)
    })?;
    if status.success() {
        return Ok(());
    }
    let (code, message) = match (status.code(), status.signal()) {
        (Some(code), _) => (code, format!("exit status {code}")),
        (None, Some(signal)) => (128 + signal, format!("signal: {}", go::signal_name(signal))),
        (None, None) => (1, "unknown exit status".to_string()),
    };
    Err(CommandFailed {
        status: u8::try_from(code).unwrap_or(1),
        message,
    }
    .into())
}
