//! `version`: which ectl this is and which etcd API it speaks.

use clap::Args;

use crate::commands::Context;

/// The etcdctl release whose behaviour ectl reproduces; scripts parse this line, so it names
/// that release rather than ectl's own version (which `ectl --version` prints).
pub const ETCDCTL_VERSION: &str = "3.4.23";

/// The etcd API version ectl speaks, in etcdctl's `API version:` line.
pub const API_VERSION: &str = "3.4";

/// Prints the version of ectl
#[derive(Debug, Clone, Args)]
pub struct VersionArgs {}

pub fn run(_: VersionArgs, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    writeln!(ctx.out, "etcdctl version: {ETCDCTL_VERSION}")?;
    writeln!(ctx.out, "API version: {API_VERSION}")?;
    Ok(())
}
