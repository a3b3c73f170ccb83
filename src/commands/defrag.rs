//! `defrag`: defragment the backend of every given endpoint (or every member with `--cluster`),
//! one at a time.

use clap::Args;

use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::term::progress;

/// Defragments the storage of the etcd members with given endpoints
///
/// One line per member; exit status 1 if any of them failed.
///
/// Examples:
///   ectl defrag                 each of --endpoints
///   ectl defrag --cluster       every member of the cluster
///   ectl defrag --data-dir /var/lib/etcd   a stopped member's files, offline
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DefragArgs {
    /// use all endpoints from the cluster member list
    #[arg(long)]
    pub cluster: bool,
    /// Optional. If present, defragments a data directory not in use by etcd.
    #[arg(long, default_value = "")]
    pub data_dir: String,
}

pub async fn run(args: DefragArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    if !args.data_dir.is_empty() {
        return super::offline_defrag::run(&args.data_dir);
    }
    let mut failures = 0;
    let endpoints = ctx.endpoints(args.cluster).await?;
    // Defragmenting a large backend takes a while: on a terminal, which member is at work.
    let bar = progress::steps(endpoints.len() as u64);
    for ep in endpoints {
        if let Some(bar) = &bar {
            bar.set_message(format!("defragmenting {ep}"));
        }
        let result = match ctx.endpoint_client(&ep) {
            Ok(client) => client
                .defragment()
                .await
                .map(drop)
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        let mut report = || -> std::io::Result<()> {
            match &result {
                Ok(()) => {
                    writeln!(ctx.out, "Finished defragmenting etcd member[{ep}]")?;
                    ctx.out.flush()?;
                }
                Err(e) => crate::term::warn(format_args!(
                    "Failed to defragment etcd member[{ep}] ({e:#})"
                )),
            }
            Ok(())
        };
        // The member's line goes above the bar, not through it.
        match &bar {
            Some(bar) => bar.suspend(report)?,
            None => report()?,
        }
        failures += usize::from(result.is_err());
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if failures > 0 {
        return Err(
            CliError::error(format!("failed to defragment {failures} etcd member(s)")).into(),
        );
    }
    Ok(())
}
