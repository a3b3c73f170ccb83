//! `--debug`: a human-readable trace on stderr of what the client core does, through `tracing`.
//!
//! Only ectl's own events are shown (the core's failovers, retries and token refreshes, plus the
//! dials and requests reported here); hyper's and h2's would drown them. Without `--debug` no
//! subscriber is installed, so every `tracing::debug!` in the core costs one cached check.

use std::time::Duration;

use tracing::{Level, debug};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, fmt};

use crate::client::{Call, Endpoint};

/// Sends ectl's `debug` events to stderr, one line each. Installing twice is harmless.
pub fn install() {
    let layer = fmt::layer()
        .with_writer(crate::term::trace_writer)
        .with_target(false)
        .with_filter(Targets::new().with_target("ectl", Level::DEBUG));
    let subscriber = tracing_subscriber::registry().with(layer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

pub(super) fn dialed(endpoint: &Endpoint, elapsed: Duration, result: Result<(), &str>) {
    match result {
        Ok(()) => debug!(%endpoint, ?elapsed, "connected"),
        Err(cause) => debug!(%endpoint, ?elapsed, cause, "dial failed"),
    }
}

pub(super) fn request(call: &Call<'_>) {
    debug!(endpoint = %call.endpoint, method = call.rpc.path, "request sent");
}

pub(super) fn response(call: &Call<'_>, elapsed: Duration, result: Result<(), &tonic::Status>) {
    match result {
        Ok(()) => {
            debug!(endpoint = %call.endpoint, method = call.rpc.path, ?elapsed, "response OK")
        }
        Err(status) => debug!(
            endpoint = %call.endpoint,
            method = call.rpc.path,
            ?elapsed,
            code = ?status.code(),
            message = status.message(),
            "response failed"
        ),
    }
}
