//! `version`: which ectl this is and which etcd API it speaks.

use std::io::Write;

use clap::Args;

use crate::cli::ETCDCTL_VERSION;

/// The etcd API version ectl speaks, in etcdctl's `API version:` line.
pub const API_VERSION: &str = "3.4";

/// Prints etcdctl's version lines, as scripts expect (ectl's own: ectl --version)
///
/// The lines are etcdctl 3.4.23's, `etcdctl version: 3.4.23` and `API version: 3.4`, because
/// scripts parse them; `ectl --version` prints the version of ectl itself.
///
/// Example:
///   ectl version
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct VersionArgs {
    /// Ignored, as etcdctl ignores them (`etcdctl version foo` prints the version).
    #[arg(hide = true)]
    pub ignored: Vec<std::ffi::OsString>,
}

/// The two lines; they need no settings and no server (see `commands::run_offline`).
pub fn run(_: &VersionArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "etcdctl version: {ETCDCTL_VERSION}")?;
    writeln!(out, "API version: {API_VERSION}")?;
    Ok(())
}
