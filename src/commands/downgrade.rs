//! `downgrade validate|enable|cancel`: etcdctl 3.6's cluster downgrade commands. etcd 3.4 and
//! 3.5 do not have the Downgrade RPC; against them these fail with a clear error (exit 1, the
//! code etcdctl 3.6 exits with there).

use clap::{Args, Subcommand};

use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::pb::etcdserverpb::DowngradeRequest;
use crate::pb::etcdserverpb::downgrade_request::DowngradeAction;

/// Downgrade related commands (etcd 3.6 and later)
///
/// Examples:
///   ectl downgrade validate 3.5
///   ectl downgrade enable 3.5
///   ectl downgrade cancel
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DowngradeArgs {
    #[command(subcommand)]
    pub command: DowngradeCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DowngradeCommand {
    Validate(VersionArgs),
    Enable(VersionArgs),
    Cancel(CancelArgs),
}

/// Validate downgrade capability before starting downgrade (validate), or start a downgrade
/// action to cluster (enable)
///
/// Examples:
///   ectl downgrade validate 3.5
///   ectl downgrade enable 3.5
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct VersionArgs {
    /// <TARGET_VERSION>
    #[arg(value_name = "TARGET_VERSION")]
    pub args: Vec<String>,
}

/// Cancel the ongoing downgrade action to cluster
///
/// Example:
///   ectl downgrade cancel
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct CancelArgs {}

/// The request and the word etcdctl prints in its success line.
pub fn plan(command: &DowngradeCommand) -> Result<(DowngradeRequest, &'static str), CliError> {
    let (action, word, args) = match command {
        DowngradeCommand::Validate(a) => (DowngradeAction::Validate, "validate", &a.args),
        DowngradeCommand::Enable(a) => (DowngradeAction::Enable, "enable", &a.args),
        DowngradeCommand::Cancel(_) => {
            let request = DowngradeRequest {
                action: DowngradeAction::Cancel as i32,
                version: String::new(),
            };
            return Ok((request, "cancel"));
        }
    };
    let version = match args.as_slice() {
        [] => return Err(CliError::bad_args("TARGET_VERSION not provided")),
        [v] if v.is_empty() => return Err(CliError::bad_args("target version not provided")),
        [v] => v.clone(),
        _ => return Err(CliError::bad_args("too many arguments")),
    };
    Ok((
        DowngradeRequest {
            action: action as i32,
            version,
        },
        word,
    ))
}

pub async fn run(args: DowngradeArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let (request, word) = plan(&args.command)?;
    ctx.ensure_format(ResponseKind::Downgrade)?;
    let resp = match ctx.client()?.downgrade(request).await {
        Ok(resp) => resp,
        Err(e) if e.code() == Some(tonic::Code::Unimplemented) => {
            return Err(CliError::error(format!(
                "downgrade is not supported by this server (it needs etcd 3.6 or later): {e}"
            ))
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    ctx.printer(ctx.style()).downgrade(word, &resp)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_as_etcdctl_3_6() {
        let v = |a: &[&str]| {
            DowngradeCommand::Enable(VersionArgs {
                args: a.iter().map(|s| s.to_string()).collect(),
            })
        };
        assert_eq!(
            plan(&v(&[])).unwrap_err().to_string(),
            "TARGET_VERSION not provided"
        );
        assert_eq!(
            plan(&v(&["a", "b"])).unwrap_err().to_string(),
            "too many arguments"
        );
        let (req, word) = plan(&v(&["3.5"])).unwrap();
        assert_eq!(
            (req.action, req.version.as_str(), word),
            (1, "3.5", "enable")
        );
        let (req, _) = plan(&DowngradeCommand::Cancel(CancelArgs {})).unwrap();
        assert_eq!(req.action, DowngradeAction::Cancel as i32);
    }
}
