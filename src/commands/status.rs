//! `status` (ectl only): one view of the cluster, from the member list, every member's status and
//! health and the alarm list, asked at once (see [`survey`]).

use clap::Args;

use crate::commands::prelude::Workbench;
use crate::commands::survey::survey;
use crate::error::CliError;
use crate::output::ResponseKind;

/// Shows every member of the cluster in one view (ectl only)
///
/// One row per member of the member list: name, ID, endpoint, leader, learner, version, DB
/// size, in use and quota (etcd >= 3.6 reports its quota), raft term, index, applied index
/// with its lag behind the leader, alarms, health and the health check's latency. A member
/// that does not answer is a row with its error. A table on a terminal; -w simple (one
/// comma-separated line per member) and -w json for scripts.
///
/// Exit status: 0 when every member is healthy; 1 when one is not (unreachable, unhealthy,
/// or with an alarm); 2 when no member answers the member list.
///
/// Examples:
///   ectl status
///   ectl status -w json | jq '.members[] | select(.healthy | not)'
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct StatusArgs {}

pub async fn run(_args: StatusArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Report)?;
    let view = survey(ctx).await?;
    ctx.print_report(ctx.style(), &view)?;
    let unhealthy: Vec<&str> = view
        .members
        .iter()
        .filter(|m| !m.healthy())
        .map(|m| m.name.as_str())
        .collect();
    if !unhealthy.is_empty() {
        let names = unhealthy
            .iter()
            .map(|n| if n.is_empty() { "(unstarted)" } else { n })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(CliError::error(format!(
            "unhealthy cluster: {} of {} members unhealthy ({names})",
            unhealthy.len(),
            view.members.len()
        ))
        .into());
    }
    Ok(())
}
