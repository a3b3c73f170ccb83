//! `alarm list|disarm`: the cluster's alarms (NOSPACE, CORRUPT).

use clap::{Args, Subcommand};

use crate::commands::prelude::{NoArgs, Workbench};
use crate::commands::survey::alarm_list;
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::pb::etcdserverpb::alarm_request::AlarmAction;
use crate::pb::etcdserverpb::{AlarmRequest, AlarmResponse};

/// Alarm related commands
///
/// Examples:
///   ectl alarm list
///   ectl alarm disarm       after freeing space (compaction + defrag)
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct AlarmArgs {
    #[command(subcommand)]
    pub command: AlarmCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AlarmCommand {
    /// Disarms all alarms
    ///
    /// Example:
    ///   ectl alarm disarm
    #[command(verbatim_doc_comment)]
    Disarm(NoArgs),
    /// Lists all alarms
    ///
    /// Example:
    ///   ectl alarm list -w json
    #[command(verbatim_doc_comment)]
    List(NoArgs),
}

pub async fn run(args: AlarmArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let resp = match args.command {
        AlarmCommand::List(a) => {
            if !a.args.is_empty() {
                return Err(CliError::bad_args("alarm list command accepts no arguments").into());
            }
            ctx.ensure_format(ResponseKind::Alarm)?;
            ctx.client()?.alarm(alarm_list()).await?
        }
        AlarmCommand::Disarm(a) => {
            if !a.args.is_empty() {
                return Err(CliError::bad_args("alarm disarm command accepts no arguments").into());
            }
            ctx.ensure_format(ResponseKind::Alarm)?;
            // As clientv3 does: list the alarms, disarm each one, and report those disarmed
            // (with no header).
            let client = ctx.client()?;
            let active = client.alarm(alarm_list()).await?;
            let mut disarmed = AlarmResponse::default();
            for alarm in active.alarms {
                let resp = client
                    .alarm(AlarmRequest {
                        action: AlarmAction::Deactivate as i32,
                        member_id: alarm.member_id,
                        alarm: alarm.alarm,
                    })
                    .await?;
                disarmed.alarms.extend(resp.alarms);
            }
            disarmed
        }
    };
    ctx.printer(ctx.style()).alarm(&resp)?;
    Ok(())
}
