//! `downgrade validate|enable|cancel`: etcdctl 3.6's cluster downgrade commands. etcd 3.4 and
//! 3.5 do not have the Downgrade RPC; against them these fail with a clear error (exit 1, the
//! code etcdctl 3.6 exits with there).

use std::io::Write;

use clap::{Args, Subcommand};
use prost::Message;

use crate::commands::Context;
use crate::error::CliError;
use crate::output::Format;
use crate::pb::etcdserverpb::downgrade_request::DowngradeAction;
use crate::pb::etcdserverpb::{DowngradeRequest, DowngradeResponse};

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

pub async fn run(args: DowngradeArgs, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let (request, word) = plan(&args.command)?;
    let format = ctx.format();
    if matches!(format, Format::Table | Format::Fields) {
        return Err(CliError::bad_feature(format!(
            "{} not supported as output format",
            format.name()
        ))
        .into());
    }
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
    print(ctx.out, format, word, &resp)?;
    Ok(())
}

fn print(
    out: &mut dyn Write,
    format: Format,
    word: &str,
    resp: &DowngradeResponse,
) -> std::io::Result<()> {
    match format {
        Format::Protobuf => out.write_all(&resp.encode_to_vec()),
        Format::Json => {
            let mut fields = Vec::new();
            if let Some(h) = resp.header {
                let mut hf = Vec::new();
                for (name, value) in [
                    ("cluster_id", h.cluster_id as i128),
                    ("member_id", h.member_id as i128),
                    ("revision", h.revision as i128),
                    ("raft_term", h.raft_term as i128),
                ] {
                    if value != 0 {
                        hf.push(format!("\"{name}\":{value}"));
                    }
                }
                fields.push(format!("\"header\":{{{}}}", hf.join(",")));
            }
            if !resp.version.is_empty() {
                fields.push(format!(
                    "\"version\":{}",
                    serde_json::to_string(&resp.version)?
                ));
            }
            writeln!(out, "{{{}}}", fields.join(","))
        }
        _ => writeln!(
            out,
            "Downgrade {word} success, cluster version {}",
            resp.version
        ),
    }
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

    #[test]
    fn success_lines() {
        let resp = DowngradeResponse {
            header: None,
            version: "3.5.0".into(),
        };
        let mut out = Vec::new();
        print(&mut out, Format::Simple, "validate", &resp).unwrap();
        assert_eq!(out, b"Downgrade validate success, cluster version 3.5.0\n");
        out.clear();
        print(&mut out, Format::Json, "validate", &resp).unwrap();
        assert_eq!(out, b"{\"version\":\"3.5.0\"}\n");
    }
}
