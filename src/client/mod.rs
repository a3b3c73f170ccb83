//! The client core: endpoints and failover, timeouts, keepalive, TLS, authentication and the
//! request observer hook. It never prints; what happened is returned as [`Error`] or reported to
//! an [`Observer`].
//!
//! One endpoint is pinned while it works. A connection counts as up only once the member has
//! answered (see [`connect`]), so a dead or frozen member is skipped within `--dial-timeout`.
//! Requests that never reached a member are retried on the next endpoint, round-robin; requests
//! that did reach one are retried only when they are safe to repeat ([`Retry::Safe`]).

mod auth;
mod cluster;
mod concurrency;
mod connect;
pub mod endpoint;
mod hint;
mod kv;
pub mod lease;
mod maintenance;
pub mod session;
pub mod tls;
pub mod watch;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::pb::etcdserverpb::AuthenticateRequest;
use crate::pb::etcdserverpb::auth_client::AuthClient;
pub use endpoint::Endpoint;
pub use tls::TlsOptions;

/// Everything the core needs, resolved from flags and environment by the CLI layer.
#[derive(Debug, Clone)]
pub struct Config {
    pub endpoints: Vec<String>,
    pub dial_timeout: Duration,
    pub command_timeout: Duration,
    pub keepalive_time: Duration,
    pub keepalive_timeout: Duration,
    /// `Some` when TLS flags were given or `--insecure-transport=false`; endpoints without a
    /// scheme then use TLS.
    pub tls: Option<TlsOptions>,
    pub credentials: Option<Credentials>,
    pub max_request_bytes: usize,
    pub max_recv_bytes: usize,
}

/// etcdctl's client-side defaults: 2 MiB out, effectively unlimited in.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
pub const DEFAULT_MAX_RECV_BYTES: usize = i32::MAX as usize;

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server (or the transport) answered with a gRPC status; etcd's own errors keep their
    /// `etcdserver: ...` text, which is what etcdctl prints.
    #[error("{}", status_message(.0))]
    Rpc(Status),
    /// The member refused the credentials. etcdctl fails to connect here, hence its own kind.
    #[error("{}", status_message(.0))]
    Authentication(Status),
    /// `--command-timeout` ran out; the wording is Go's, which etcdctl prints.
    #[error("context deadline exceeded")]
    Timeout,
    /// No endpoint could serve the request; each keeps its own cause.
    #[error("{}", all_failed_message(.0))]
    AllEndpointsFailed(Vec<EndpointFailure>),
    /// Bad endpoints, TLS files or other settings, found before any network I/O.
    #[error("{0}")]
    Config(String),
}

#[derive(Debug)]
pub struct EndpointFailure {
    pub endpoint: String,
    pub cause: String,
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
}

fn status_message(status: &Status) -> String {
    let message = status.message();
    if message.starts_with("etcdserver: ") || message.starts_with("mvcc: ") {
        message.to_string()
    } else {
        format!(
            "rpc error: code = {} desc = {}",
            go_code_name(status.code()),
            message
        )
    }
}

/// grpc-go's names for status codes, as they appear in etcdctl's error lines.
fn go_code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "Canceled",
        Code::Unknown => "Unknown",
        Code::InvalidArgument => "InvalidArgument",
        Code::DeadlineExceeded => "DeadlineExceeded",
        Code::NotFound => "NotFound",
        Code::AlreadyExists => "AlreadyExists",
        Code::PermissionDenied => "PermissionDenied",
        Code::ResourceExhausted => "ResourceExhausted",
        Code::FailedPrecondition => "FailedPrecondition",
        Code::Aborted => "Aborted",
        Code::OutOfRange => "OutOfRange",
        Code::Unimplemented => "Unimplemented",
        Code::Internal => "Internal",
        Code::Unavailable => "Unavailable",
        Code::DataLoss => "DataLoss",
        Code::Unauthenticated => "Unauthenticated",
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

/// Whether a request that may have reached a member can be sent again elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads and other requests with no effect: any endpoint may answer.
    Safe,
    /// Writes: retried only when they provably never left this process.
    Unsafe,
}

/// What the core reports about its work, for `--debug` traces and cURL printing.
pub trait Observer: Send + Sync {
    /// A connection attempt to `endpoint` finished after `elapsed`.
    fn dialed(&self, endpoint: &Endpoint, elapsed: Duration, result: Result<(), &str>);
    /// A request is about to be sent. `encode` yields the protobuf body, computed only on demand.
    fn request(&self, call: &Call<'_>);
    /// The request's outcome.
    fn response(&self, call: &Call<'_>, elapsed: Duration, result: Result<(), &Status>);
}

/// One request on the wire.
pub struct Call<'a> {
    pub endpoint: &'a Endpoint,
    pub tls: bool,
    /// The gRPC path, e.g. `/etcdserverpb.KV/Range`.
    pub method: &'static str,
    pub token: Option<&'a str>,
    pub encode: &'a dyn Fn() -> Vec<u8>,
}

struct Pinned {
    index: usize,
    channel: Channel,
}

pub struct Client {
    config: Config,
    endpoints: Vec<Endpoint>,
    /// Built up front when any endpoint uses TLS, so bad certificate files are reported before
    /// any connection is tried; `None` keeps plain connections free of certificate loading.
    tls_config: Option<Arc<rustls::ClientConfig>>,
    pinned: Mutex<Option<Pinned>>,
    /// Where the next dial starts: the endpoint after the last one that failed.
    next_index: Mutex<usize>,
    token: Mutex<Option<String>>,
    observer: Option<Arc<dyn Observer>>,
}

impl Client {
    /// Validates the settings; no connection is made until the first request.
    pub fn new(config: Config) -> Result<Self, Error> {
        if config.endpoints.is_empty() {
            return Err(Error::Config("no endpoints given".into()));
        }
        let endpoints = config
            .endpoints
            .iter()
            .map(|e| Endpoint::parse(e))
            .collect::<Result<Vec<_>, _>>()?;
        let tls_config = if endpoints.iter().any(|e| e.uses_tls(config.tls.is_some())) {
            Some(tls::client_config(&config.tls.clone().unwrap_or_default())?)
        } else {
            None
        };
        Ok(Self {
            config,
            endpoints,
            tls_config,
            pinned: Mutex::new(None),
            next_index: Mutex::new(0),
            token: Mutex::new(None),
            observer: None,
        })
    }

    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// A connection for a streaming RPC (watch, lease keep-alive, snapshot, lock, elect): the
    /// pinned member, dialled (and authenticated) within `--dial-timeout` per endpoint. Streams
    /// run until done, so no command timeout applies; when one breaks, call
    /// [`Client::stream_broken`] and ask again to move to the next member.
    pub async fn stream_connection(&self) -> Result<StreamConnection<'_>, Error> {
        let budget = self.config.dial_timeout * (self.endpoints.len() as u32 + 1);
        let deadline = Instant::now() + budget + self.config.command_timeout;
        let (index, channel) = self.connection(deadline, &mut Vec::new()).await?;
        // A token `stream_broken` dropped is renewed on the member still pinned.
        if self.config.credentials.is_some() && self.token.lock().unwrap().is_none() {
            self.authenticate(index, deadline).await?;
        }
        Ok(StreamConnection {
            client: self,
            index,
            grpc: Grpc {
                channel,
                max_request_bytes: self.config.max_request_bytes,
                max_recv_bytes: self.config.max_recv_bytes,
            },
        })
    }

    /// The stream on `connection` failed: forget its member so the next connection is made to
    /// the following endpoint. A rejected token is dropped too, to be renewed on reconnect.
    pub fn stream_broken(&self, connection: &StreamConnection<'_>, status: &Status) {
        tracing::debug!(endpoint = %connection.endpoint(), code = ?status.code(), "stream broken");
        if is_invalid_token(status) {
            *self.token.lock().unwrap() = None;
            return;
        }
        self.unpin(connection.index);
    }

    /// Sends one unary request under `--command-timeout`, failing over as `retry` allows and
    /// re-authenticating once if the token was rejected.
    pub async fn unary<Req, Resp, F, Fut>(
        &self,
        method: &'static str,
        retry: Retry,
        request: Req,
        send: F,
    ) -> Result<Resp, Error>
    where
        Req: prost::Message + Clone,
        F: Fn(Grpc, tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
    {
        let deadline = Instant::now() + self.config.command_timeout;
        let mut failures: Vec<EndpointFailure> = Vec::new();
        let mut reauthenticated = false;
        loop {
            let (index, channel) = self.connection(deadline, &mut failures).await?;
            let endpoint = &self.endpoints[index];
            let token = self.token.lock().unwrap().clone();
            let mut req = tonic::Request::new(request.clone());
            if let Some(token) = &token {
                insert_token(&mut req, token)?;
            }
            req.set_timeout(deadline.saturating_duration_since(Instant::now()));

            let started = Instant::now();
            let call = Call {
                endpoint,
                tls: endpoint.uses_tls(self.config.tls.is_some()),
                method,
                token: token.as_deref(),
                encode: &|| request.encode_to_vec(),
            };
            if let Some(observer) = &self.observer {
                observer.request(&call);
            }
            let grpc = Grpc {
                channel,
                max_request_bytes: self.config.max_request_bytes,
                max_recv_bytes: self.config.max_recv_bytes,
            };
            let outcome = tokio::time::timeout_at(deadline.into(), send(grpc, req)).await;
            let result = match outcome {
                Ok(result) => result,
                Err(_) => {
                    tracing::debug!(%endpoint, method, "no response within --command-timeout");
                    return Err(Error::Timeout);
                }
            };
            if let Some(observer) = &self.observer {
                observer.response(&call, started.elapsed(), result.as_ref().map(|_| ()));
            }
            let status = match result {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) => status,
            };

            if is_invalid_token(&status) && self.config.credentials.is_some() && !reauthenticated {
                reauthenticated = true;
                tracing::debug!(%endpoint, "auth token rejected; authenticating again");
                *self.token.lock().unwrap() = None;
                self.authenticate(index, deadline).await?;
                continue;
            }
            let reached_member = !is_connection_failure(&status);
            let retryable =
                status.code() == Code::Unavailable && (retry == Retry::Safe || !reached_member);
            if !retryable || self.endpoints.len() == 1 {
                return Err(Error::Rpc(status));
            }
            let hint = hint::for_status(&status, Some(endpoint), Some(call.tls));
            let code = status.code();
            tracing::debug!(%endpoint, ?code, "request failed; trying the next endpoint");
            failures.push(EndpointFailure {
                endpoint: endpoint.to_string(),
                cause: with_hint(status_message(&status), hint),
            });
            if failures.len() >= self.endpoints.len() {
                return Err(Error::AllEndpointsFailed(failures));
            }
            self.unpin(index);
        }
    }

    /// The pinned channel, dialling endpoints round-robin from the last good one if needed.
    /// Failed dials are appended to `failures`; when every endpoint has failed, they are the error.
    async fn connection(
        &self,
        deadline: Instant,
        failures: &mut Vec<EndpointFailure>,
    ) -> Result<(usize, Channel), Error> {
        if let Some(p) = self.pinned.lock().unwrap().as_ref() {
            return Ok((p.index, p.channel.clone()));
        }
        let start = *self.next_index.lock().unwrap();
        for offset in 0..self.endpoints.len() {
            let index = (start + offset) % self.endpoints.len();
            let endpoint = &self.endpoints[index];
            if failures.iter().any(|f| f.endpoint == endpoint.original) {
                continue;
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout);
            }
            let budget = self
                .config
                .dial_timeout
                .min(deadline.saturating_duration_since(Instant::now()));
            tracing::debug!(%endpoint, ?budget, "dialing");
            let started = Instant::now();
            let dialed = self.dial(endpoint, budget).await;
            if let Some(observer) = &self.observer {
                observer.dialed(
                    endpoint,
                    started.elapsed(),
                    dialed.as_ref().map(|_| ()).map_err(String::as_str),
                );
            }
            match dialed {
                Ok(channel) => {
                    *self.pinned.lock().unwrap() = Some(Pinned {
                        index,
                        channel: channel.clone(),
                    });
                    if self.config.credentials.is_some() && self.token.lock().unwrap().is_none() {
                        self.authenticate(index, deadline).await?;
                    }
                    return Ok((index, channel));
                }
                Err(cause) => failures.push(EndpointFailure {
                    endpoint: endpoint.original.clone(),
                    cause,
                }),
            }
        }
        Err(Error::AllEndpointsFailed(std::mem::take(failures)))
    }

    fn unpin(&self, index: usize) {
        tracing::debug!(endpoint = %self.endpoints[index], "unpinned");
        *self.pinned.lock().unwrap() = None;
        *self.next_index.lock().unwrap() = (index + 1) % self.endpoints.len();
    }

    async fn dial(&self, endpoint: &Endpoint, budget: Duration) -> Result<Channel, String> {
        let tls = match &self.tls_config {
            Some(config) if endpoint.uses_tls(self.config.tls.is_some()) => {
                Some((config.clone(), self.server_name(endpoint)?))
            }
            _ => None,
        };
        let uses_tls = tls.is_some();
        let liveness = Arc::new(connect::Liveness::default());
        let connector = connect::Connector {
            host: endpoint.host.clone(),
            port: endpoint.port,
            tls,
            liveness: liveness.clone(),
        };
        let uri = format!("http://{}", endpoint.authority());
        let builder = tonic::transport::Endpoint::from_shared(uri)
            .map_err(|e| e.to_string())?
            .http2_keep_alive_interval(self.config.keepalive_time)
            .keep_alive_timeout(self.config.keepalive_timeout)
            .keep_alive_while_idle(true);
        let connecting = async {
            let channel = builder
                .connect_with_connector(connector)
                .await
                .map_err(|e| {
                    let hint = hint::for_connection(&e, Some(endpoint), Some(uses_tls));
                    with_hint(cause_chain(&e), hint)
                })?;
            liveness.answered().await;
            Ok(channel)
        };
        match tokio::time::timeout(budget, connecting).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no answer within {} (dial timeout): {}",
                humanize_duration(budget),
                hint::for_silence(uses_tls)
            )),
        }
    }

    fn server_name(&self, endpoint: &Endpoint) -> Result<ServerName<'static>, String> {
        let name = self
            .config
            .tls
            .as_ref()
            .and_then(|t| t.server_name.clone())
            .unwrap_or_else(|| endpoint.host.clone());
        ServerName::try_from(name).map_err(|e| format!("TLS server name: {e}"))
    }

    async fn authenticate(&self, index: usize, deadline: Instant) -> Result<(), Error> {
        let Some(credentials) = &self.config.credentials else {
            return Ok(());
        };
        let channel = match self.pinned.lock().unwrap().as_ref() {
            Some(p) if p.index == index => p.channel.clone(),
            _ => return Err(Error::Config("authentication without a connection".into())),
        };
        let request = AuthenticateRequest {
            name: credentials.user.clone(),
            password: credentials.password.clone(),
        };
        let endpoint = &self.endpoints[index];
        let call = Call {
            endpoint,
            tls: endpoint.uses_tls(self.config.tls.is_some()),
            method: "/etcdserverpb.Auth/Authenticate",
            token: None,
            encode: &|| prost::Message::encode_to_vec(&request),
        };
        if let Some(observer) = &self.observer {
            observer.request(&call);
        }
        let started = Instant::now();
        let mut req = tonic::Request::new(request.clone());
        req.set_timeout(deadline.saturating_duration_since(Instant::now()));
        let result =
            tokio::time::timeout_at(deadline.into(), AuthClient::new(channel).authenticate(req))
                .await
                .map_err(|_| Error::Timeout)?;
        if let Some(observer) = &self.observer {
            observer.response(&call, started.elapsed(), result.as_ref().map(|_| ()));
        }
        let token = match result {
            Ok(response) => response.into_inner().token,
            // As clientv3 does: with auth disabled, credentials are simply not needed.
            Err(status) if status.message() == "etcdserver: authentication is not enabled" => {
                return Ok(());
            }
            Err(status) => return Err(Error::Authentication(status)),
        };
        tracing::debug!(%endpoint, user = %credentials.user, "authenticated; token obtained");
        *self.token.lock().unwrap() = Some(token);
        Ok(())
    }
}

/// A connected member for one streaming RPC; see [`Client::stream_connection`].
pub struct StreamConnection<'a> {
    client: &'a Client,
    index: usize,
    pub grpc: Grpc,
}

impl StreamConnection<'_> {
    pub fn endpoint(&self) -> &Endpoint {
        &self.client.endpoints[self.index]
    }

    /// Wraps `message` (the first message of a stream, or a unary request on this connection)
    /// with the auth token, reporting it to the observer as a request to `method`.
    pub fn request<T: prost::Message>(
        &self,
        method: &'static str,
        message: T,
    ) -> Result<tonic::Request<T>, Error> {
        let token = self.client.token.lock().unwrap().clone();
        let endpoint = self.endpoint();
        if let Some(observer) = &self.client.observer {
            observer.request(&Call {
                endpoint,
                tls: endpoint.uses_tls(self.client.config.tls.is_some()),
                method,
                token: token.as_deref(),
                encode: &|| message.encode_to_vec(),
            });
        }
        let mut request = tonic::Request::new(message);
        if let Some(token) = &token {
            insert_token(&mut request, token)?;
        }
        Ok(request)
    }
}

/// A connected channel plus the message limits every generated client must be built with.
pub struct Grpc {
    pub channel: Channel,
    pub max_request_bytes: usize,
    pub max_recv_bytes: usize,
}

fn insert_token<T>(req: &mut tonic::Request<T>, token: &str) -> Result<(), Error> {
    let value = token
        .parse()
        .map_err(|_| Error::Config("the server issued an auth token that is not ASCII".into()))?;
    req.metadata_mut().insert("token", value);
    Ok(())
}

/// A rejected or expired token. The KV, lease and auth services say so with `Unauthenticated`;
/// the lock and election services pass the same error on with `Unknown`.
pub(crate) fn is_invalid_token(status: &Status) -> bool {
    matches!(status.code(), Code::Unauthenticated | Code::Unknown)
        && status.message().contains("invalid auth token")
}

/// tonic reports a request that could not be written to a connection as `Unavailable` with a
/// transport error; such a request never reached etcd and may go elsewhere even if it writes.
fn is_connection_failure(status: &Status) -> bool {
    use std::error::Error as _;
    status.code() == Code::Unavailable
        && status
            .source()
            .is_some_and(|s| s.is::<tonic::transport::Error>())
}

/// `cause`, followed by what to do about it when there is a hint.
fn with_hint(cause: String, hint: Option<String>) -> String {
    match hint {
        Some(hint) => format!("{cause}; {hint}"),
        None => cause,
    }
}

/// The distinct messages of an error and its sources, joined the way Go wraps errors.
fn cause_chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.retain(|p| p != "transport error");
    if parts.is_empty() {
        "transport error".into()
    } else {
        parts.join(": ")
    }
}

/// Go's duration notation (`2s`, `1.5s`, `300ms`), as the flags are written.
pub fn humanize_duration(d: Duration) -> String {
    crate::go::duration(d)
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
            },
            EndpointFailure {
                endpoint: "b:2".into(),
                cause: "no answer".into(),
            },
        ]);
        assert_eq!(
            e.to_string(),
            "all 2 endpoints failed:\n  a:1: connection refused\n  b:2: no answer"
        );
        assert!(e.is_unavailable());
    }

    #[test]
    fn invalid_tokens_are_recognised_whichever_service_reports_them() {
        let message = "etcdserver: invalid auth token";
        assert!(is_invalid_token(&Status::unauthenticated(message)));
        assert!(is_invalid_token(&Status::unknown(message)));
        assert!(!is_invalid_token(&Status::unknown("something else")));
        assert!(!is_invalid_token(&Status::permission_denied(message)));
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let c = Credentials {
            user: "root".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(humanize_duration(Duration::from_secs(2)), "2s");
        assert_eq!(humanize_duration(Duration::from_millis(1500)), "1.5s");
    }
}
