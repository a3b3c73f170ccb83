//! `compaction`: discard the key-value history before a revision.

use clap::Args;

use crate::cli::values::go_parse_int;
use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::pb::etcdserverpb::CompactionRequest;

/// Compacts the event history in etcd
///
/// Example:
///   ectl compaction 1234      forget every revision before 1234
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct CompactArgs {
    /// 'true' to wait for compaction to physically remove all old revisions
    #[arg(long)]
    pub physical: bool,
    /// <revision>
    #[arg(value_name = "REVISION")]
    pub args: Vec<String>,
}

pub fn plan(args: &CompactArgs) -> Result<CompactionRequest, CliError> {
    let [revision] = args.args.as_slice() else {
        return Err(CliError::bad_args("compaction command needs 1 argument"));
    };
    // etcdctl reports a malformed revision with exit code 1, not as a usage error.
    let revision = go_parse_int(revision, 10).map_err(CliError::error)?;
    Ok(CompactionRequest {
        revision,
        physical: args.physical,
    })
}

pub async fn run(args: CompactArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let request = plan(&args)?;
    let revision = request.revision;
    ctx.client()?.compact(request).await?;
    // etcdctl prints this line whatever the output format.
    writeln!(ctx.out, "compacted revision {revision}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_decimal_revision() {
        let args = |v: &[&str]| CompactArgs {
            physical: true,
            args: v.iter().map(|s| s.to_string()).collect(),
        };
        let r = plan(&args(&["42"])).unwrap();
        assert_eq!((r.revision, r.physical), (42, true));
        assert_eq!(
            plan(&args(&[])).unwrap_err().code,
            crate::error::ExitCode::BadArgs
        );
        assert_eq!(
            plan(&args(&["x"])).unwrap_err().code,
            crate::error::ExitCode::Error
        );
    }
}
