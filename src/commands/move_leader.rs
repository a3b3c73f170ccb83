//! `move-leader <id>`: find the leader among the endpoints and ask it to hand leadership over.

use clap::Args;
use clap_complete::engine::ArgValueCompleter;

use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::go;
use crate::output::ResponseKind;

/// Transfers leadership to another etcd cluster member.
///
/// The leader must be one of --endpoints. Example:
///   ectl move-leader 8e9e05c52164694d
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct MoveLeaderArgs {
    /// <transferee-member-id> (hexadecimal)
    #[arg(value_name = "TRANSFEREE_MEMBER_ID", add = ArgValueCompleter::new(Positional(&[Source::Members])))]
    pub args: Vec<String>,
}

pub fn plan(args: &MoveLeaderArgs) -> Result<u64, CliError> {
    let [target] = args.args.as_slice() else {
        return Err(CliError::bad_args("move-leader command needs 1 argument"));
    };
    go::parse_hex_u64(target).map_err(CliError::bad_args)
}

pub async fn run(args: MoveLeaderArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let target = plan(&args)?;
    ctx.ensure_format(ResponseKind::MoveLeader)?;
    let endpoints = ctx.settings.client.endpoints.clone();
    for ep in &endpoints {
        let client = ctx.endpoint_client(ep)?;
        let status = client.status().await?;
        let member_id = status.header.map(|h| h.member_id).unwrap_or_default();
        if member_id == status.leader {
            let resp = client.move_leader(target).await?;
            ctx.printer(ctx.style())
                .move_leader(member_id, target, &resp)?;
            return Ok(());
        }
    }
    Err(CliError::bad_args(format!(
        "no leader endpoint given at [{}]",
        endpoints.join(" ")
    ))
    .into())
}
