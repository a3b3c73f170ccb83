//! The v2 API mode (`ETCDCTL_API=2`): etcdctl 3.4's v2 keys client, spoken over HTTP/1.1 JSON
//! to `/v2/keys`, `/v2/members`, `/v2/auth` and `/health`. No gRPC here; TLS set-up is shared
//! with the v3 core.
//!
//! [`parse`] is pure and runs before any runtime (usage errors and help need none); [`run`] does
//! the network work and writes the command's output to the writer it is given. Failures come
//! back as [`Exit`] (etcdctl v2's own texts and exit codes), for `main` to print as they are.

mod api;
mod cli;
mod client;
mod commands;
mod error;
mod flags;
mod output;
mod url;

use std::io::Write;

pub use cli::{Invocation, parse};
pub use error::Exit;

/// Runs a parsed invocation, writing its output to `out`.
pub async fn run(invocation: Invocation, out: &mut dyn Write) -> anyhow::Result<()> {
    match invocation {
        Invocation::Print(text) => Ok(out.write_all(text.as_bytes())?),
        Invocation::Run(run) => commands::run(*run, out).await,
    }
}

/// `--discovery-srv`: the client endpoints found under `domain`, as etcdctl's v2 client looks
/// them up (no service name in v2). Insecure ones are dropped unless `--insecure-discovery`,
/// each with etcdctl's line on stderr; none found means the caller falls back to its endpoint
/// flags.
pub fn discover_endpoints(domain: &str, insecure: bool) -> anyhow::Result<Vec<String>> {
    let found = crate::discovery::lookup(domain, "", insecure)?;
    for notice in found.notices() {
        crate::term::warn(notice);
    }
    Ok(found.endpoints)
}
