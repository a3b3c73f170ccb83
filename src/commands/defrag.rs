//! `defrag`: defragment the backend of every given endpoint (or every member with `--cluster`),
//! one at a time.

use clap::Args;

use crate::cli::values::go_bool;
use crate::commands::Context;
use crate::error::CliError;

/// Defragments the storage of the etcd members with given endpoints
///
/// One line per member; exit status 1 if any of them failed.
///
/// Examples:
///   ectl defrag                 each of --endpoints
///   ectl defrag --cluster       every member of the cluster
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DefragArgs {
    /// use all endpoints from the cluster member list
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = go_bool)]
    pub cluster: bool,
    /// Optional. If present, defragments a data directory not in use by etcd.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub data_dir: String,
}

pub async fn run(args: DefragArgs, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    if !args.data_dir.is_empty() {
        return Err(CliError::bad_feature(
            "--data-dir (offline defragmentation) is not supported by ectl: defragment the running member instead",
        )
        .into());
    }
    let mut failures = 0;
    for ep in ctx.endpoints(args.cluster).await? {
        let result = match ctx.endpoint_client(&ep) {
            Ok(client) => client
                .defragment()
                .await
                .map(drop)
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                writeln!(ctx.out, "Finished defragmenting etcd member[{ep}]")?;
                ctx.out.flush()?;
            }
            Err(e) => {
                super::warn(format_args!(
                    "Failed to defragment etcd member[{ep}] ({e:#})"
                ));
                failures += 1;
            }
        }
    }
    if failures > 0 {
        return Err(
            CliError::error(format!("failed to defragment {failures} etcd member(s)")).into(),
        );
    }
    Ok(())
}
