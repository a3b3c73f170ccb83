//! Runs one parsed command: dispatch to its module, and the `--debug` trace of client events.

use std::sync::Arc;
use std::time::Duration;

use crate::cli::Command;
use crate::client::{Call, Endpoint, Observer};
use crate::commands::{self, Context, kv};

pub async fn run(command: Command, ctx: &mut Context<'_>) -> anyhow::Result<()> {
    match command {
        Command::Get(args) => kv::get::run(args, ctx).await,
        Command::Put(args) => kv::put::run(args, ctx).await,
        Command::Del(args) => kv::del::run(args, ctx).await,
        Command::Txn(args) => kv::txn::run(args, ctx).await,
        Command::Compaction(args) => kv::compact::run(args, ctx).await,
        Command::Version(args) => commands::version::run(args, ctx),
    }
}

/// The observer behind `--debug`: one stderr line per dial and per request.
pub fn debug_observer() -> Arc<dyn Observer> {
    Arc::new(DebugTrace)
}

struct DebugTrace;

impl Observer for DebugTrace {
    fn dialed(&self, endpoint: &Endpoint, elapsed: Duration, result: Result<(), &str>) {
        match result {
            Ok(()) => eprintln!("ectl: dial {endpoint}: connected in {elapsed:.1?}"),
            Err(cause) => eprintln!("ectl: dial {endpoint}: failed after {elapsed:.1?}: {cause}"),
        }
    }

    fn request(&self, call: &Call<'_>) {
        eprintln!("ectl: -> {} {}", call.endpoint, call.method);
    }

    fn response(&self, call: &Call<'_>, elapsed: Duration, result: Result<(), &tonic::Status>) {
        match result {
            Ok(()) => eprintln!(
                "ectl: <- {} {} OK in {elapsed:.1?}",
                call.endpoint, call.method
            ),
            Err(status) => eprintln!(
                "ectl: <- {} {} {:?} in {elapsed:.1?}: {}",
                call.endpoint,
                call.method,
                status.code(),
                status.message()
            ),
        }
    }
}
