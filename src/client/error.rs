//! The client core's errors: what failed, with the gRPC status kept, worded as etcdctl words
//! it (grpc-go's `rpc error: code = ... desc = ...`), and the details ectl adds below.

use tonic::{Code, Status};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server (or the transport) answered with a gRPC status; etcd's own errors keep their
    /// `etcdserver: ...` text, which is what etcdctl prints.
    #[error("{}", status_message(.0))]
    Rpc(Status),
    /// The member refused the credentials. etcdctl fails to connect here, hence its own kind.
    #[error("{}", status_message(.0))]
    Authentication(Status),
    /// `--command-timeout` ran out. The message is Go's, as etcdctl prints it; the attempts
    /// made before (each endpoint and how it failed) are the [`Error::details`].
    #[error("context deadline exceeded")]
    Timeout(Vec<EndpointFailure>),
    /// No endpoint could serve the request; each keeps its own cause.
    #[error("{}", all_failed_message(.0))]
    AllEndpointsFailed(Vec<EndpointFailure>),
    /// A write whose connection broke after it was sent: it is not sent again, since it may
    /// have been applied (a second txn could apply twice). `endpoint` is `host:port`.
    #[error(
        "the request was sent to {endpoint}, which closed the connection before answering: \
         it may or may not have been applied"
    )]
    InFlight { endpoint: String },
    /// A message over the client's size limit, worded as grpc-go words it for etcdctl; which
    /// flag to raise is in the [`Error::details`].
    #[error("{}", too_large_message(*.direction, *.size, *.limit))]
    TooLarge {
        direction: Direction,
        size: usize,
        limit: usize,
    },
    /// Bad endpoints, TLS files or other settings, found before any network I/O.
    #[error("{0}")]
    Config(String),
}

/// Which way a message goes, for size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A request, limited by `--max-request-bytes`.
    Request,
    /// A response, limited by `--max-recv-bytes`.
    Response,
}

#[derive(Debug, Clone)]
pub struct EndpointFailure {
    pub endpoint: String,
    pub cause: String,
    /// Whether the endpoint may work if asked again a little later (a frozen member, one
    /// without a leader, a broken connection), as opposed to one that cannot (nothing
    /// listening, not an etcd client port, TLS refused).
    pub transient: bool,
}

fn too_large_message(direction: Direction, size: usize, limit: usize) -> String {
    let what = match direction {
        Direction::Request => "trying to send message larger than max",
        Direction::Response => "grpc: received message larger than max",
    };
    format!("rpc error: code = ResourceExhausted desc = {what} ({size} vs. {limit})")
}

impl Error {
    /// The gRPC status code when the server answered.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Rpc(status) | Error::Authentication(status) => Some(status.code()),
            _ => None,
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::AllEndpointsFailed(_)) || self.code() == Some(Code::Unavailable)
    }

    /// What ectl knows beyond the message, for the lines after it (the message itself stays
    /// as etcdctl prints it): the attempts made before a timeout, the flag a size error is about.
    pub fn details(&self) -> Option<String> {
        match self {
            Error::Timeout(attempts) => {
                let mut text = String::from(
                    "nothing answered within --command-timeout: a member may have stopped \
                     answering, or the request needs more time",
                );
                if !attempts.is_empty() {
                    text.push_str("; tried:");
                    for a in attempts {
                        text.push_str(&format!("\n  {}: {}", a.endpoint, a.cause));
                    }
                }
                Some(text)
            }
            Error::TooLarge {
                direction,
                size,
                limit,
            } => Some(match direction {
                Direction::Request => format!(
                    "the request is {size} bytes, more than --max-request-bytes allows \
                     ({limit} bytes); {SERVER_REQUEST_LIMIT}"
                ),
                Direction::Response => format!(
                    "the response is {size} bytes, more than --max-recv-bytes allows \
                     ({limit} bytes): raise it, or ask for less (--limit, --keys-only)"
                ),
            }),
            // Under ectl's own limit but over the member's: the same advice.
            Error::Rpc(status) if status.message() == REQUEST_TOO_LARGE => Some(format!(
                "the request is more than the member accepts; {SERVER_REQUEST_LIMIT}: write \
                 less per request, or raise the member's limit"
            )),
            _ => None,
        }
    }
}

/// etcd's refusal of a request over its `--max-request-bytes`.
const REQUEST_TOO_LARGE: &str = "etcdserver: request is too large";

/// What every request-size message says about the member's own limit.
const SERVER_REQUEST_LIMIT: &str =
    "etcd itself refuses requests over its own --max-request-bytes (1.5 MiB by default)";

pub(super) fn status_message(status: &Status) -> String {
    let message = status.message();
    if message.starts_with("etcdserver: ") || message.starts_with("mvcc: ") {
        message.to_string()
    } else {
        format!(
            "rpc error: code = {} desc = {}",
            crate::go::grpc_code_name(status.code()),
            message
        )
    }
}

fn all_failed_message(failures: &[EndpointFailure]) -> String {
    let mut message = match failures {
        [only] => return format!("{}: {}", only.endpoint, only.cause),
        _ => format!("all {} endpoints failed:", failures.len()),
    };
    for f in failures {
        message.push_str(&format!("\n  {}: {}", f.endpoint, f.cause));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_errors_keep_their_text_and_others_read_like_grpc_go() {
        let e = Error::Rpc(Status::permission_denied("etcdserver: permission denied"));
        assert_eq!(e.to_string(), "etcdserver: permission denied");
        let e = Error::Rpc(Status::unimplemented("unknown service"));
        assert_eq!(
            e.to_string(),
            "rpc error: code = Unimplemented desc = unknown service"
        );
    }

    #[test]
    fn all_failed_names_each_endpoint() {
        let e = Error::AllEndpointsFailed(vec![
            EndpointFailure {
                endpoint: "a:1".into(),
                cause: "connection refused".into(),
                transient: false,
            },
            EndpointFailure {
                endpoint: "b:2".into(),
                cause: "no answer".into(),
                transient: true,
            },
        ]);
        assert_eq!(
            e.to_string(),
            "all 2 endpoints failed:\n  a:1: connection refused\n  b:2: no answer"
        );
        assert!(e.is_unavailable());
    }
}
