//! `endpoint health|status|hashkv`: one answer per endpoint, each asked on its own connection.
//! Also the per-endpoint helpers `defrag` and `move-leader` share: a client for one endpoint and
//! `--cluster` discovery through the member list.

use clap::{Args, Subcommand};

use crate::cli::values::go_int64;
use crate::commands::prelude::Workbench;
use crate::commands::survey::{all_at_once, check_health};
use crate::error::{CliError, ExitCode, Verbatim};
use crate::output::{EndpointHash, EndpointHealth, EndpointStatus, ResponseKind};

/// Endpoint related commands
///
/// Examples:
///   ectl endpoint health --cluster
///   ectl endpoint status -w table
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct EndpointArgs {
    /// use all endpoints from the cluster member list
    #[arg(long, global = true)]
    pub cluster: bool,
    #[command(subcommand)]
    pub command: EndpointCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum EndpointCommand {
    Health(HealthArgs),
    Status(StatusArgs),
    Hashkv(HashArgs),
}

/// Checks the healthiness of endpoints specified in `--endpoints` flag
///
/// Each endpoint gets a linearizable read of the key "health" (a permission error still
/// proves the member is healthy); one line per endpoint, exit status 1 if any is unhealthy.
///
/// Example:
///   ectl endpoint health --cluster      every member, found through member list
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct HealthArgs {}

/// Prints out the status of endpoints specified in `--endpoints` flag
///
/// When --write-out is set to simple, this command prints out comma-separated status lists
/// for each endpoint. The items in the lists are endpoint, ID, version, db size, is leader,
/// is learner, raft term, raft index, raft applied index, errors.
///
/// Example:
///   ectl --endpoints=10.0.0.1:2379,10.0.0.2:2379 endpoint status -w table
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct StatusArgs {}

/// Prints the KV history hash for each endpoint in --endpoints
///
/// Example:
///   ectl endpoint hashkv --cluster --rev 1234
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct HashArgs {
    /// maximum revision to hash (default: all revisions)
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub rev: i64,
}

async fn health(cluster: bool, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let eps = ctx.endpoints(cluster).await?;
    let mut jobs = Vec::new();
    for ep in eps {
        let client = ctx.endpoint_client(&ep);
        jobs.push(check_health(ep, client, false));
    }
    let results = all_at_once(jobs).await?;
    let (list, hints): (Vec<EndpointHealth>, Vec<Option<String>>) = results.into_iter().unzip();
    ctx.printer(ctx.style()).endpoint_health(&list)?;
    if list.iter().any(|h| !h.error.is_empty()) {
        let hint = hints.into_iter().flatten().next();
        return Err(CliError::error("unhealthy cluster").with_hint(hint).into());
    }
    Ok(())
}

async fn status(cluster: bool, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let mut list = Vec::new();
    let mut failed = false;
    for ep in ctx.endpoints(cluster).await? {
        let result = match ctx.endpoint_client(&ep) {
            Ok(client) => client.status().await.map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(status) => list.push(EndpointStatus {
                endpoint: ep,
                status,
            }),
            Err(e) => {
                crate::term::warn(format_args!(
                    "Failed to get the status of endpoint {ep} ({e:#})"
                ));
                failed = true;
            }
        }
    }
    ctx.printer(ctx.style()).endpoint_status(&list)?;
    if failed {
        // etcdctl exits 1 without an `Error:` line: the lines above said what failed.
        return Err(Verbatim {
            code: ExitCode::Error,
            message: String::new(),
        }
        .into());
    }
    Ok(())
}

async fn hashkv(cluster: bool, rev: i64, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let mut list = Vec::new();
    let mut last_error = None;
    for ep in ctx.endpoints(cluster).await? {
        let result = match ctx.endpoint_client(&ep) {
            Ok(client) => client.hash_kv(rev).await.map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(hash) => list.push(EndpointHash { endpoint: ep, hash }),
            Err(e) => {
                crate::term::warn(format_args!(
                    "Failed to get the hash of endpoint {ep} ({e:#})"
                ));
                last_error = Some(e);
            }
        }
    }
    ctx.printer(ctx.style()).endpoint_hash(&list)?;
    match last_error {
        // Whatever the cause, this is etcdctl's plain failure (exit 1).
        Some(e) => Err(CliError::error(format!("{e:#}"))
            .with_hint(crate::error::hint(&e))
            .into()),
        None => Ok(()),
    }
}

pub async fn run(args: EndpointArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Endpoint)?;
    match args.command {
        EndpointCommand::Health(_) => health(args.cluster, ctx).await,
        EndpointCommand::Status(_) => status(args.cluster, ctx).await,
        EndpointCommand::Hashkv(h) => hashkv(args.cluster, h.rev, ctx).await,
    }
}
