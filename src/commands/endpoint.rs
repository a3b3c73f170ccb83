//! `endpoint health|status|hashkv`: one answer per endpoint, each asked on its own connection.
//! Also the per-endpoint helpers `defrag` and `move-leader` share: a client for one endpoint and
//! `--cluster` discovery through the member list.

use std::time::Instant;

use clap::{Args, Subcommand};

use crate::cli::values::{go_bool, go_int64};
use crate::client::Client;
use crate::commands::Context;
use crate::error::CliError;
use crate::go;
use crate::output::{EndpointHash, EndpointHealth, EndpointStatus, ResponseKind};
use crate::pb::etcdserverpb::RangeRequest;

/// Endpoint related commands
///
/// Examples:
///   ectl endpoint health --cluster
///   ectl endpoint status -w table
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct EndpointArgs {
    /// use all endpoints from the cluster member list
    #[arg(long, global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = go_bool)]
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
    #[arg(long, default_value = "0", value_parser = go_int64, allow_hyphen_values = true)]
    pub rev: i64,
}

async fn check_health(endpoint: String, client: anyhow::Result<Client>) -> EndpointHealth {
    let client = match client {
        Ok(client) => client,
        Err(e) => {
            return EndpointHealth {
                endpoint,
                health: false,
                took: String::new(),
                error: format!("{e:#}"),
            };
        }
    };
    let started = Instant::now();
    let request = RangeRequest {
        key: b"health".to_vec(),
        ..Default::default()
    };
    let result = client.range(request).await;
    let took = go::duration(started.elapsed());
    match result {
        Ok(_) => EndpointHealth {
            endpoint,
            health: true,
            took,
            error: String::new(),
        },
        // A permission error went through consensus too: the member is healthy.
        Err(e) if e.code() == Some(tonic::Code::PermissionDenied) => EndpointHealth {
            endpoint,
            health: true,
            took,
            error: String::new(),
        },
        Err(e) => EndpointHealth {
            endpoint,
            health: false,
            took,
            error: e.to_string(),
        },
    }
}

async fn health(cluster: bool, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let eps = ctx.endpoints(cluster).await?;
    // All endpoints at once, on this thread (the client's futures are not `Send`).
    let local = tokio::task::LocalSet::new();
    let mut results: Vec<Option<EndpointHealth>> = vec![None; eps.len()];
    local
        .run_until(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, ep) in eps.iter().enumerate() {
                let client = ctx.endpoint_client(ep);
                let ep = ep.clone();
                tasks.spawn_local(async move { (i, check_health(ep, client).await) });
            }
            while let Some(done) = tasks.join_next().await {
                let (i, health) = done?;
                results[i] = Some(health);
            }
            anyhow::Ok(())
        })
        .await?;
    let list: Vec<EndpointHealth> = results.into_iter().flatten().collect();
    ctx.printer(ctx.style()).endpoint_health(&list)?;
    if list.iter().any(|h| !h.error.is_empty()) {
        return Err(CliError::error("unhealthy cluster").into());
    }
    Ok(())
}

async fn status(cluster: bool, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let mut list = Vec::new();
    let mut failed = 0;
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
                super::warn(format_args!(
                    "Failed to get the status of endpoint {ep} ({e:#})"
                ));
                failed += 1;
            }
        }
    }
    ctx.printer(ctx.style()).endpoint_status(&list)?;
    if failed > 0 {
        return Err(
            CliError::error(format!("failed to get the status of {failed} endpoint(s)")).into(),
        );
    }
    Ok(())
}

async fn hashkv(cluster: bool, rev: i64, ctx: &mut Context<'_>) -> anyhow::Result<()> {
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
                super::warn(format_args!(
                    "Failed to get the hash of endpoint {ep} ({e:#})"
                ));
                last_error = Some(e);
            }
        }
    }
    ctx.printer(ctx.style()).endpoint_hash(&list)?;
    match last_error {
        // Whatever the cause, this is etcdctl's plain failure (exit 1).
        Some(e) => Err(CliError::error(format!("{e:#}")).into()),
        None => Ok(()),
    }
}

pub async fn run(args: EndpointArgs, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Endpoint)?;
    match args.command {
        EndpointCommand::Health(_) => health(args.cluster, ctx).await,
        EndpointCommand::Status(_) => status(args.cluster, ctx).await,
        EndpointCommand::Hashkv(h) => hashkv(args.cluster, h.rev, ctx).await,
    }
}
