//! What `--print-curl` and `--debug` show of the client's work. The core reports every dial and
//! request to an [`Observer`]; the observer built here turns those reports into curl command
//! lines ([`curl`]) and `tracing` events ([`debug`]), written to stderr through the terminal
//! layer.

pub mod curl;
pub mod debug;

use std::sync::Arc;
use std::time::Duration;

use crate::client::{Call, Endpoint, Observer};
use crate::settings::Settings;

/// The observer the settings ask for, or `None` (the common case) so the core skips all reporting.
/// With `--debug`, installs the stderr `tracing` subscriber as well.
pub fn from_settings(settings: &Settings) -> Option<Arc<dyn Observer>> {
    if !settings.debug && !settings.print_curl {
        return None;
    }
    if settings.debug {
        debug::install();
    }
    Some(Arc::new(Stderr {
        curl: settings
            .print_curl
            .then(|| curl::Curl::new(settings.client.tls.as_ref())),
        debug: settings.debug,
    }))
}

struct Stderr {
    curl: Option<curl::Curl>,
    debug: bool,
}

impl Observer for Stderr {
    fn dialed(&self, endpoint: &Endpoint, elapsed: Duration, result: Result<(), &str>) {
        if let (Some(curl), Err(cause)) = (&self.curl, result) {
            crate::term::trace(&curl.dial_failure(endpoint, cause));
        }
        if self.debug {
            debug::dialed(endpoint, elapsed, result);
        }
    }

    fn request(&self, call: &Call<'_>) {
        if let Some(curl) = &self.curl {
            crate::term::trace(&curl.request(call));
        }
        if self.debug {
            debug::request(call);
        }
    }

    fn response(&self, call: &Call<'_>, elapsed: Duration, result: Result<(), &tonic::Status>) {
        if self.debug {
            debug::response(call, elapsed, result);
        }
    }
}
