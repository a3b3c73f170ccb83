//! `lease grant|revoke|timetolive|list|keep-alive`: leases, their ids in hex as etcdctl prints
//! and parses them.

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use crate::cli::values::go_parse_int;
use crate::client::{self, lease::KeepAliveEvent};
use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::Workbench;
use crate::commands::process::{Sigint, die_of_sigint};
use crate::error::{CliError, ExitCode};
use crate::output::{self, ResponseKind, lease_hex};

/// Lease related commands
///
/// Examples:
///   ectl lease grant 60
///   ectl put --lease=694d7a1a6e1e0c0a k v
///   ectl lease keep-alive 694d7a1a6e1e0c0a
#[derive(Debug, Clone, Args)]
#[command(arg_required_else_help = true)]
#[command(verbatim_doc_comment)]
pub struct LeaseArgs {
    #[command(subcommand)]
    pub command: LeaseCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum LeaseCommand {
    Grant(GrantArgs),
    Revoke(RevokeArgs),
    Timetolive(TimeToLiveArgs),
    List(ListArgs),
    KeepAlive(KeepAliveArgs),
}

/// Creates leases
///
/// Example:
///   ectl lease grant 60        a lease of 60 seconds; prints its ID in hex
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct GrantArgs {
    /// <ttl> in seconds
    #[arg(value_name = "TTL")]
    pub args: Vec<String>,
}

/// Revokes leases
///
/// Revoking a lease deletes every key attached to it.
///
/// Example:
///   ectl lease revoke 694d7a1a6e1e0c0a     deletes the keys attached to it
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct RevokeArgs {
    /// <leaseID> in hex
    #[arg(value_name = "LEASE_ID", add = ArgValueCompleter::new(Positional(&[Source::Leases])))]
    pub args: Vec<String>,
}

/// Get lease information
///
/// Example:
///   ectl lease timetolive 694d7a1a6e1e0c0a --keys
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct TimeToLiveArgs {
    /// Get keys attached to this lease
    #[arg(long)]
    pub keys: bool,
    /// <leaseID> in hex
    #[arg(value_name = "LEASE_ID", add = ArgValueCompleter::new(Positional(&[Source::Leases])))]
    pub args: Vec<String>,
}

/// List all active leases
///
/// Example:
///   ectl lease list -w json
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ListArgs {
    /// etcdctl ignores arguments here
    #[arg(hide = true)]
    pub args: Vec<String>,
}

/// Keeps leases alive (renew)
///
/// Renews the lease until it expires or is revoked, or until Ctrl-C; one line per renewal.
/// Unlike etcdctl 3.4, a lease that is lost (or never existed) ends with a non-zero exit code.
///
/// Examples:
///   ectl lease keep-alive 694d7a1a6e1e0c0a          until the lease is gone or Ctrl-C
///   ectl lease keep-alive --once 694d7a1a6e1e0c0a   renew once
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct KeepAliveArgs {
    /// Resets the keep-alive time to its original value and exits immediately
    #[arg(long)]
    pub once: bool,
    /// <leaseID> in hex
    #[arg(value_name = "LEASE_ID", add = ArgValueCompleter::new(Positional(&[Source::Leases])))]
    pub args: Vec<String>,
}

pub async fn run(args: LeaseArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    match args.command {
        LeaseCommand::Grant(a) => grant(a, ctx).await,
        LeaseCommand::Revoke(a) => revoke(a, ctx).await,
        LeaseCommand::Timetolive(a) => time_to_live(a, ctx).await,
        LeaseCommand::List(_) => list(ctx).await,
        LeaseCommand::KeepAlive(a) => keep_alive(a, ctx).await,
    }
}

/// etcdctl's `leaseFromArgs`: Go's `strconv.ParseInt(arg, 16, 64)`.
pub fn parse_lease_id(arg: &str) -> Result<i64, CliError> {
    go_parse_int(arg, 16)
        .map_err(|e| CliError::bad_args(format!("bad lease ID arg ({e}), expecting ID in Hex")))
}

/// The one lease ID argument, or `message` as the usage error.
fn one_lease_id(args: &[String], message: &str) -> Result<i64, CliError> {
    match args {
        [id] => parse_lease_id(id),
        _ => Err(CliError::bad_args(message)),
    }
}

pub fn plan_grant(args: &GrantArgs) -> Result<i64, CliError> {
    let [ttl] = args.args.as_slice() else {
        return Err(CliError::bad_args("lease grant command needs TTL argument"));
    };
    go_parse_int(ttl, 10).map_err(|e| CliError::bad_args(format!("bad TTL ({e})")))
}

/// etcdctl wraps a failed grant or revoke as `failed to <what> lease (<cause>)`, exit 1; a
/// connection that never came up keeps ectl's own error (exit 2).
fn failed(what: &str, e: client::Error) -> anyhow::Error {
    match e {
        client::Error::Rpc(_) | client::Error::Timeout(_) => {
            CliError::error(format!("failed to {what} lease ({e})")).into()
        }
        e => e.into(),
    }
}

/// etcdctl exits 2 ("bad connection") on any error of timetolive, list and keep-alive.
fn bad_connection(e: client::Error) -> anyhow::Error {
    match e {
        client::Error::Rpc(_) | client::Error::Timeout(_) => {
            CliError::new(ExitCode::BadConnection, e).into()
        }
        e => e.into(),
    }
}

async fn grant(args: GrantArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let ttl = plan_grant(&args)?;
    ctx.ensure_format(ResponseKind::Lease)?;
    let resp = ctx
        .client()?
        .lease_grant(ttl)
        .await
        .map_err(|e| failed("grant", e))?;
    ctx.printer(ctx.style()).lease_grant(&resp)?;
    Ok(())
}

async fn revoke(args: RevokeArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let id = one_lease_id(&args.args, "lease revoke command needs 1 argument")?;
    ctx.ensure_format(ResponseKind::LeaseRevoke)?;
    let resp = ctx
        .client()?
        .lease_revoke(id)
        .await
        .map_err(|e| failed("revoke", e))?;
    ctx.printer(ctx.style()).lease_revoke(id, &resp)?;
    Ok(())
}

async fn time_to_live(args: TimeToLiveArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let id = one_lease_id(
        &args.args,
        "lease timetolive command needs lease ID as argument",
    )?;
    ctx.ensure_format(ResponseKind::Lease)?;
    let mut resp = ctx
        .client()?
        .lease_time_to_live(id, args.keys)
        .await
        .map_err(bad_connection)?;
    // etcd lists the keys in its map's order, which changes from call to call; sorted, the
    // output is the same every time (a documented difference from etcdctl).
    resp.keys.sort();
    ctx.printer(ctx.style())
        .lease_time_to_live(&resp, args.keys)?;
    Ok(())
}

async fn list(ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Lease)?;
    let resp = ctx.client()?.lease_leases().await.map_err(bad_connection)?;
    ctx.printer(ctx.style()).lease_list(&resp)?;
    Ok(())
}

async fn keep_alive(args: KeepAliveArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let id = one_lease_id(
        &args.args,
        "lease keep-alive command needs lease ID as argument",
    )?;
    ctx.ensure_format(ResponseKind::Lease)?;
    if args.once {
        let resp = ctx
            .client()?
            .lease_keep_alive_once(id)
            .await
            .map_err(bad_connection)?;
        if resp.ttl <= 0 {
            // clientv3's KeepAliveOnce turns this answer into ErrLeaseNotFound.
            return Err(CliError::new(
                ExitCode::BadConnection,
                "etcdserver: requested lease not found",
            )
            .into());
        }
        ctx.printer(ctx.style()).lease_keep_alive(&resp)?;
        return Ok(());
    }

    // From here on Ctrl-C ends the keep-alive with everything printed flushed.
    let mut sigint = Sigint::install()?;
    let (format, style) = (ctx.format(), ctx.style());
    let (client, out) = ctx.client_and_out()?;
    let mut keep_alive = client.lease_keep_alive(id);
    loop {
        let event = tokio::select! {
            biased;
            _ = sigint.recv() => return Err(die_of_sigint(out)),
            event = keep_alive.next() => event?,
        };
        let mut printer = output::printer(format, style, &mut *out);
        let lost = match event {
            KeepAliveEvent::Renewed(resp) => {
                printer.lease_keep_alive(&resp)?;
                drop(printer);
                out.flush()?;
                continue;
            }
            KeepAliveEvent::Gone(_) => "expired or revoked",
            KeepAliveEvent::NoAnswer => {
                "got no keep-alive answer within its TTL: it may have expired"
            }
        };
        printer.lease_keep_alive_end(id)?;
        drop(printer);
        out.flush()?;
        // etcdctl 3.4 exits 0 here; a lost lease is a failure.
        return Err(CliError::error(format!("lease {} {lost}", lease_hex(id))).into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_ids_parse_as_etcdctl_parses_them() {
        assert_eq!(
            parse_lease_id("457ea1fe59ac2611").unwrap(),
            0x457ea1fe59ac2611
        );
        assert_eq!(parse_lease_id("-1").unwrap(), -1);
        assert_eq!(parse_lease_id("7fffffffffffffff").unwrap(), i64::MAX);
        let e = parse_lease_id("zz").unwrap_err();
        assert_eq!(e.code, ExitCode::BadArgs);
        assert_eq!(
            e.message,
            "bad lease ID arg (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting ID in Hex"
        );
        assert_eq!(
            parse_lease_id("8000000000000000").unwrap_err().message,
            "bad lease ID arg (strconv.ParseInt: parsing \"8000000000000000\": value out of range), expecting ID in Hex"
        );
        assert!(parse_lease_id("0x10").is_err());
    }

    #[test]
    fn grant_needs_one_decimal_ttl() {
        let grant = |a: &[&str]| {
            plan_grant(&GrantArgs {
                args: a.iter().map(|s| s.to_string()).collect(),
            })
        };
        assert_eq!(grant(&["60"]).unwrap(), 60);
        assert_eq!(
            grant(&[]).unwrap_err().message,
            "lease grant command needs TTL argument"
        );
        assert_eq!(
            grant(&["abc"]).unwrap_err().message,
            "bad TTL (strconv.ParseInt: parsing \"abc\": invalid syntax)"
        );
        assert!(grant(&["1", "2"]).is_err());
    }
}
