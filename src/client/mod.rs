//! The client core: endpoints and failover, timeouts, keepalive, TLS, authentication and the
//! request observer hook. It never prints; what happened is returned as [`Error`] or reported to
//! an [`Observer`].
//!
//! One endpoint is pinned while it works. A connection counts as up only once the member has
//! answered (see [`connect`]), so a dead or frozen member is skipped within `--dial-timeout`.
//! Requests that never reached a member are retried on the next endpoint, round-robin; requests
//! that did reach one are retried only when they are safe to repeat ([`Retry::Safe`]).

mod concurrency;
pub(crate) mod connect;
pub mod endpoint;
mod error;
mod failure;
mod hint;
mod history;
mod kv;
pub mod lease;
mod maintenance;
pub mod rpc;
pub mod session;
pub mod streamed;
pub mod tls;
pub mod watch;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::pb::etcdserverpb::AuthenticateRequest;
use crate::pb::etcdserverpb::auth_client::AuthClient;
pub use endpoint::Endpoint;
use error::status_message;
pub use error::{Direction, EndpointFailure, Error};
pub use hint::for_destination;
use rpc::Rpc;
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

/// One gRPC call on a member's connection, as a request method hands it to the sending loop,
/// which may make it again on another member.
pub trait GrpcCall<Req, Resp>: Fn(Grpc, tonic::Request<Req>) -> Self::Reply {
    type Reply: Future<Output = Result<tonic::Response<Resp>, Status>>;
}

impl<Req, Resp, F, Reply> GrpcCall<Req, Resp> for F
where
    F: Fn(Grpc, tonic::Request<Req>) -> Reply,
    Reply: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    type Reply = Reply;
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
    pub rpc: Rpc,
    pub token: Option<&'a str>,
    pub encode: &'a dyn Fn() -> Vec<u8>,
}

struct Pinned {
    index: usize,
    channel: Channel,
    /// Whether the member has answered on it yet (see [`Client::race`]).
    liveness: Arc<connect::Liveness>,
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
    /// A token the user gave (`--auth-jwt-token`): sent with every request as it is, never
    /// renewed, and handed on to the clients made from this one.
    given_token: Option<String>,
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
            given_token: None,
            observer: None,
        })
    }

    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The client sending `token` (when given) with every request instead of one obtained
    /// with credentials.
    pub fn with_token(mut self, token: Option<String>) -> Self {
        *self.token.get_mut().unwrap() = token.clone();
        self.given_token = token;
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
        let (index, channel, _) = self.connection(deadline, &mut Vec::new()).await?;
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
        // A user's own token cannot be renewed: it stays, and the error says it was refused.
        if is_invalid_token(status) && self.config.credentials.is_some() {
            *self.token.lock().unwrap() = None;
            return;
        }
        self.unpin(connection.index);
    }

    /// Sends one unary request under `--command-timeout`, failing over as `retry` allows and
    /// re-authenticating once if the token was rejected.
    ///
    /// Every endpoint is tried at most once per round. When a round ends with every endpoint
    /// failed and some failure may pass (a frozen member, no leader yet, a broken connection),
    /// another round starts after a short pause, until the deadline; otherwise the command
    /// fails at once, naming each endpoint.
    pub async fn unary<Req: prost::Message + Clone, Resp>(
        &self,
        rpc: Rpc,
        retry: Retry,
        request: Req,
        send: impl GrpcCall<Req, Resp>,
    ) -> Result<Resp, Error> {
        let size = request.encoded_len();
        if size > self.config.max_request_bytes {
            return Err(Error::TooLarge {
                direction: Direction::Request,
                size,
                limit: self.config.max_request_bytes,
            });
        }
        let deadline = Instant::now() + self.config.command_timeout;
        let mut failures: Vec<EndpointFailure> = Vec::new();
        let mut reauthenticated = false;
        let mut pause = ROUND_PAUSE_START;
        loop {
            let (index, channel, liveness) = match self.connection(deadline, &mut failures).await {
                Ok(connected) => connected,
                Err(Error::AllEndpointsFailed(round))
                    if round.iter().any(|f| f.transient) && Instant::now() + pause < deadline =>
                {
                    tracing::debug!(?pause, "every endpoint failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(ROUND_PAUSE_MAX);
                    continue;
                }
                Err(Error::AllEndpointsFailed(round)) if round.iter().any(|f| f.transient) => {
                    tokio::time::sleep_until(deadline.into()).await;
                    return Err(Error::Timeout(round));
                }
                Err(e) => return Err(e),
            };
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
                rpc,
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
            let sending = send(grpc, req);
            let outcome = match liveness.answer() {
                Some(_) => tokio::time::timeout_at(deadline.into(), sending).await,
                None => match self
                    .first_answer(endpoint, &liveness, retry, deadline, sending)
                    .await
                {
                    Ok(outcome) => outcome,
                    Err(failure) => {
                        tracing::debug!(%endpoint, cause = failure.cause, "no answer to the request");
                        self.unpin(index);
                        failures.push(failure);
                        continue;
                    }
                },
            };
            let Ok(result) = outcome else {
                tracing::debug!(%endpoint, method = rpc.path, "no response within --command-timeout");
                failures.push(EndpointFailure {
                    endpoint: endpoint.to_string(),
                    cause: format!("{}: no response", rpc.path),
                    transient: true,
                });
                return Err(Error::Timeout(failures));
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
            if is_deadline(&status) {
                failures.push(EndpointFailure {
                    endpoint: endpoint.to_string(),
                    cause: format!("{}: {}", rpc.path, status_message(&status)),
                    transient: true,
                });
                return Err(Error::Timeout(failures));
            }
            if let Some((size, limit)) = response_too_large(&status) {
                return Err(Error::TooLarge {
                    direction: Direction::Response,
                    size,
                    limit,
                });
            }
            let failure = failure::classify(&status);
            let (transient, may_retry) = match failure {
                failure::Failure::Answer => return Err(Error::Rpc(status)),
                failure::Failure::NotServed | failure::Failure::NotEtcd => (false, true),
                failure::Failure::Unavailable => (true, retry == Retry::Safe),
                failure::Failure::ConnectionLost => {
                    if retry == Retry::Unsafe {
                        tracing::debug!(%endpoint, method = rpc.path, "connection lost with the write out");
                        return Err(Error::InFlight {
                            endpoint: endpoint.authority(),
                        });
                    }
                    (true, true)
                }
            };
            // The connection is suspect whatever happens next.
            self.unpin(index);
            if !may_retry {
                return Err(Error::Rpc(status));
            }
            let hint = hint::for_status(&status, Some(endpoint), Some(call.tls));
            tracing::debug!(%endpoint, ?failure, "request failed; trying the next endpoint");
            failures.push(EndpointFailure {
                endpoint: endpoint.to_string(),
                cause: hint::with_hint(describe(failure, &status), hint),
                transient,
            });
            // A lone endpoint's gRPC refusal is best said as the server said it; a listener
            // that is not etcd is named, through the all-failed error.
            if self.endpoints.len() == 1 && failure == failure::Failure::NotServed {
                return Err(Error::Rpc(status));
            }
        }
    }

    /// The pinned channel, dialling the endpoints not yet in `failures` if needed, staggered
    /// (see [`Client::race`]) from the one after the last that failed. Failed dials are
    /// appended to `failures`; when every endpoint has failed, they are the error (and
    /// `failures` starts afresh, for another round).
    async fn connection(
        &self,
        deadline: Instant,
        failures: &mut Vec<EndpointFailure>,
    ) -> Result<(usize, Channel, Arc<connect::Liveness>), Error> {
        if let Some(p) = self.pinned.lock().unwrap().as_ref() {
            return Ok((p.index, p.channel.clone(), p.liveness.clone()));
        }
        let start = *self.next_index.lock().unwrap();
        let order: Vec<usize> = (0..self.endpoints.len())
            .map(|offset| (start + offset) % self.endpoints.len())
            .filter(|&i| {
                let original = &self.endpoints[i].original;
                !failures.iter().any(|f| &f.endpoint == original)
            })
            .collect();
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Timeout(std::mem::take(failures)));
        }
        if order.is_empty() {
            return Err(Error::AllEndpointsFailed(std::mem::take(failures)));
        }
        let budget = self
            .config
            .dial_timeout
            .min(deadline.saturating_duration_since(now));
        match self.race(&order, budget, failures).await {
            Some((index, channel, liveness)) => {
                *self.pinned.lock().unwrap() = Some(Pinned {
                    index,
                    channel: channel.clone(),
                    liveness: liveness.clone(),
                });
                if self.config.credentials.is_some() && self.token.lock().unwrap().is_none() {
                    self.authenticate(index, deadline).await?;
                }
                Ok((index, channel, liveness))
            }
            None if Instant::now() >= deadline => Err(Error::Timeout(std::mem::take(failures))),
            None => Err(Error::AllEndpointsFailed(std::mem::take(failures))),
        }
    }

    /// Staggered dialling, as in happy eyeballs (RFC 8305): dials `order[0]`; when it has not
    /// answered within its head start ([`head_start`]), dials the next one as well, and so on;
    /// a failed dial starts the next at once. The first member to answer wins and the other
    /// attempts are dropped; of two that answer in the same instant, the earlier in `order`
    /// wins, so a healthy first endpoint is always the one used. Each dial is bounded by
    /// `budget`. Failures are appended to `failures`; `None` when every dial failed.
    ///
    /// A lone endpoint has nothing to race: its connection is used as soon as it is open, so
    /// the first request goes out with the HTTP/2 preface instead of a round trip later (etcd
    /// says nothing before it has read the preface), and [`Client::first_answer`] holds the
    /// member to the same dial timeout. (A TLS handshake is no answer: under TLS 1.3 a member
    /// that requires a client certificate refuses ours only after it.)
    async fn race(
        &self,
        order: &[usize],
        budget: Duration,
        failures: &mut Vec<EndpointFailure>,
    ) -> Option<(usize, Channel, Arc<connect::Liveness>)> {
        type Attempt<'a> = Pin<Box<dyn Future<Output = Result<Channel, EndpointFailure>> + 'a>>;
        let await_answer = order.len() > 1;
        let mut attempts: Vec<(usize, Arc<connect::Liveness>, Attempt<'_>)> = Vec::new();
        let mut next = 0;
        let mut head_start: Pin<Box<dyn Future<Output = ()>>> = Box::pin(std::future::ready(()));
        std::future::poll_fn(|cx| {
            loop {
                while next < order.len()
                    && (attempts.is_empty() || head_start.as_mut().poll(cx).is_ready())
                {
                    let index = order[next];
                    next += 1;
                    let liveness = Arc::new(connect::Liveness::default());
                    head_start = Box::pin(self::head_start(liveness.clone()));
                    let dial = self.dial_observed(index, budget, liveness.clone(), await_answer);
                    attempts.push((index, liveness, Box::pin(dial)));
                }
                let mut failed = false;
                let mut i = 0;
                while i < attempts.len() {
                    match attempts[i].2.as_mut().poll(cx) {
                        Poll::Ready(Ok(channel)) => {
                            let (index, liveness, _) = attempts.swap_remove(i);
                            return Poll::Ready(Some((index, channel, liveness)));
                        }
                        Poll::Ready(Err(failure)) => {
                            failures.push(failure);
                            drop(attempts.remove(i));
                            failed = true;
                        }
                        Poll::Pending => i += 1,
                    }
                }
                if attempts.is_empty() && next >= order.len() {
                    return Poll::Ready(None);
                }
                if !failed {
                    return Poll::Pending;
                }
                // A failure is an answer: the next endpoint need not wait out a head start.
                head_start = Box::pin(std::future::ready(()));
            }
        })
        .await
    }

    /// [`Client::dial`] of endpoint `index`, reported to the observer.
    async fn dial_observed(
        &self,
        index: usize,
        budget: Duration,
        liveness: Arc<connect::Liveness>,
        await_answer: bool,
    ) -> Result<Channel, EndpointFailure> {
        let endpoint = &self.endpoints[index];
        tracing::debug!(%endpoint, ?budget, "dialing");
        let started = Instant::now();
        let dialed = self.dial(endpoint, budget, liveness, await_answer).await;
        if let Some(observer) = &self.observer {
            let result = dialed
                .as_ref()
                .map(|_| ())
                .map_err(|(cause, _)| cause.as_str());
            observer.dialed(endpoint, started.elapsed(), result);
        }
        dialed.map_err(|(cause, transient)| EndpointFailure {
            endpoint: endpoint.original.clone(),
            cause,
            transient,
        })
    }

    fn unpin(&self, index: usize) {
        let mut pinned = self.pinned.lock().unwrap();
        if pinned.as_ref().is_some_and(|p| p.index == index) {
            tracing::debug!(endpoint = %self.endpoints[index], "unpinned");
            *pinned = None;
            *self.next_index.lock().unwrap() = (index + 1) % self.endpoints.len();
        }
    }

    /// One connection to `endpoint`, within `budget`: up once the member answered with HTTP/2
    /// (see [`connect`]), or with `await_answer` false as soon as it is open. The error is the
    /// cause, with a hint, and whether it may pass.
    async fn dial(
        &self,
        endpoint: &Endpoint,
        budget: Duration,
        liveness: Arc<connect::Liveness>,
        await_answer: bool,
    ) -> Result<Channel, (String, bool)> {
        let tls = match &self.tls_config {
            Some(config) if endpoint.uses_tls(self.config.tls.is_some()) => Some((
                config.clone(),
                self.server_name(endpoint).map_err(|e| (e, false))?,
            )),
            _ => None,
        };
        let uses_tls = tls.is_some();
        let connector = connect::Connector {
            host: endpoint.host.clone(),
            port: endpoint.port,
            tls,
            liveness: liveness.clone(),
        };
        let uri = format!("http://{}", endpoint.authority());
        let builder = tonic::transport::Endpoint::from_shared(uri)
            .map_err(|e| (e.to_string(), false))?
            // Big answers stream at window / round trip: hyper's 2 MiB stream window holds a
            // 20 ms link to 100 MB/s. 8 MiB lets it reach 400 MB/s, and bounds what a slow
            // reader of a fast loopback answer buffers.
            .initial_stream_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .http2_keep_alive_interval(self.config.keepalive_time)
            .keep_alive_timeout(self.config.keepalive_timeout)
            .keep_alive_while_idle(true);
        let connecting = async {
            let channel = builder
                .connect_with_connector(connector)
                .await
                .map_err(|e| {
                    let hint = hint::for_connection(&e, Some(endpoint), Some(uses_tls));
                    (hint::with_hint(hint::cause_chain(&e), hint), false)
                })?;
            if !await_answer {
                return Ok(channel);
            }
            match liveness.answered().await {
                connect::Answer::Http2 => Ok(channel),
                answer => Err((answer.cause(uses_tls), false)),
            }
        };
        match tokio::time::timeout(budget, connecting).await {
            Ok(result) => result,
            Err(_) => Err((self.silence(budget, uses_tls), true)),
        }
    }

    /// The first request on a connection the member has not answered on yet (see
    /// [`Client::race`]): its outcome, or the dial's failure when the member's first bytes show
    /// it is no etcd, or none come within `--dial-timeout`. A request that may not be sent
    /// twice is then still waited for, to the deadline, as it would have been on a member that
    /// answered: nothing shows it was not read.
    async fn first_answer<T>(
        &self,
        endpoint: &Endpoint,
        liveness: &connect::Liveness,
        retry: Retry,
        deadline: Instant,
        sending: impl Future<Output = Result<T, Status>>,
    ) -> Result<Result<Result<T, Status>, tokio::time::error::Elapsed>, EndpointFailure> {
        let uses_tls = endpoint.uses_tls(self.config.tls.is_some());
        let budget = self
            .config
            .dial_timeout
            .min(deadline.saturating_duration_since(Instant::now()));
        let failure = |cause: String, transient: bool| EndpointFailure {
            endpoint: endpoint.to_string(),
            cause,
            transient,
        };
        let mut sending = std::pin::pin!(tokio::time::timeout_at(deadline.into(), sending));
        let answered = tokio::time::timeout(budget, liveness.answered());
        tokio::select! {
            biased;
            outcome = &mut sending => {
                let timed_out = match &outcome {
                    Ok(Ok(_)) => false,
                    Ok(Err(status)) => is_deadline(status),
                    Err(_) => true,
                };
                match liveness.answer() {
                    Some(connect::Answer::Http2) => Ok(outcome),
                    Some(answer) => Err(failure(answer.cause(uses_tls), false)),
                    // The deadline came before the member said anything.
                    None if timed_out => Err(failure(self.silence(budget, uses_tls), true)),
                    None => Ok(outcome),
                }
            }
            answer = answered => match answer {
                Ok(connect::Answer::Http2) => Ok(sending.await),
                Ok(answer) => Err(failure(answer.cause(uses_tls), false)),
                Err(_) if retry == Retry::Safe => Err(failure(self.silence(budget, uses_tls), true)),
                Err(_) => Ok(sending.await),
            },
        }
    }

    /// Why a member that never answered failed, with the waits the user set.
    fn silence(&self, budget: Duration, uses_tls: bool) -> String {
        // A dial cut short by the command's deadline says so, rather than showing whatever
        // was left of it.
        let (dial, command) = (self.config.dial_timeout, self.config.command_timeout);
        let waited = if budget >= dial {
            format!(
                "no answer within {} (--dial-timeout)",
                humanize_duration(dial)
            )
        } else if command > dial {
            format!(
                "no answer within {} (--dial-timeout), nor when asked again until \
                 --command-timeout ({}) ran out",
                humanize_duration(dial),
                humanize_duration(command)
            )
        } else {
            format!(
                "no answer within --command-timeout ({})",
                humanize_duration(command)
            )
        };
        format!("{waited}: {}", hint::for_silence(uses_tls))
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
            rpc: rpc::AUTHENTICATE,
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
                .map_err(|_| Error::Timeout(Vec::new()))?;
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

/// How long the next endpoint waits for the one before it to answer: [`HEAD_START`] after
/// twice the time its TCP handshake took, the time the server preface needs on that network.
/// A frozen member completes the TCP handshake at once (the kernel does it), so on a LAN the
/// next endpoint is dialled after about [`HEAD_START`]; a far-away member gets longer, and one
/// whose TCP handshake does not finish within [`SLOW_CONNECT`] is passed at that point.
async fn head_start(liveness: Arc<connect::Liveness>) {
    let started = Instant::now();
    let Ok(connected) = tokio::time::timeout(SLOW_CONNECT, liveness.connected()).await else {
        return;
    };
    let handshake = connected.saturating_duration_since(started);
    tokio::time::sleep_until((started + handshake * 2 + HEAD_START).into()).await;
}

/// The head start of a member over the next one, beyond its network's round trips. A live
/// member on a LAN sends its first HTTP/2 bytes within a millisecond or two of the TCP
/// handshake; 10 ms leaves room for a busy machine and is RFC 8305's floor for staggered
/// connection attempts, while a frozen first member costs each command only about that much.
pub(crate) const HEAD_START: Duration = Duration::from_millis(10);
/// HTTP/2 flow-control windows (see [`Client::dial`]).
const STREAM_WINDOW: u32 = 8 << 20;
const CONNECTION_WINDOW: u32 = 12 << 20;
/// RFC 8305's recommended delay between attempts when nothing is known of the network.
const SLOW_CONNECT: Duration = Duration::from_millis(250);
/// The pause before another round once every endpoint failed, doubling up to the maximum.
const ROUND_PAUSE_START: Duration = Duration::from_millis(50);
const ROUND_PAUSE_MAX: Duration = Duration::from_millis(500);

/// The command's deadline as the transport or the server saw it: tonic's own timer for the
/// `grpc-timeout` it sends (`Cancelled`), etcd's (`DeadlineExceeded`, or `Unknown` from the
/// lock and election services, which pass Go's context error on).
fn is_deadline(status: &Status) -> bool {
    let mut expired = false;
    failure::walk(status, &mut |e| expired |= e.is::<tonic::TimeoutExpired>());
    expired
        || status.code() == Code::DeadlineExceeded
        || (status.code() == Code::Unknown && status.message() == "context deadline exceeded")
}

/// The sizes in tonic's refusal of a response over `--max-recv-bytes`, which it reports only as
/// text (`... found N bytes, the limit is: M bytes`).
fn response_too_large(status: &Status) -> Option<(usize, usize)> {
    if status.code() != Code::OutOfRange {
        return None;
    }
    let rest = status
        .message()
        .strip_prefix("Error, decoded message length too large: found ")?;
    let (size, rest) = rest.split_once(" bytes, the limit is: ")?;
    let limit = rest.strip_suffix(" bytes")?;
    Some((size.parse().ok()?, limit.parse().ok()?))
}

/// A failed attempt's cause, as the all-failed and timeout messages list it.
fn describe(failure: failure::Failure, status: &Status) -> String {
    match failure {
        failure::Failure::ConnectionLost => {
            format!(
                "the connection broke before the answer ({})",
                hint::cause_chain(status)
            )
        }
        failure::Failure::NotEtcd => format!(
            "{}: not a gRPC server; {}",
            status_message(status),
            hint::NOT_A_CLIENT_PORT
        ),
        _ => status_message(status),
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
    /// with the auth token, reporting it to the observer as a request to `rpc`.
    pub fn request<T: prost::Message>(
        &self,
        rpc: Rpc,
        message: T,
    ) -> Result<tonic::Request<T>, Error> {
        let token = self.client.token.lock().unwrap().clone();
        let endpoint = self.endpoint();
        if let Some(observer) = &self.client.observer {
            observer.request(&Call {
                endpoint,
                tls: endpoint.uses_tls(self.client.config.tls.is_some()),
                rpc,
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

/// Go's duration notation (`2s`, `1.5s`, `300ms`), as the flags are written.
pub fn humanize_duration(d: Duration) -> String {
    crate::go::duration(d)
}

#[cfg(test)]
mod tests {
    use super::*;

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
