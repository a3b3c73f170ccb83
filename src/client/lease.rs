//! Leases: keep-alive (the unary lease RPCs are rows of [`rpc`]) over a bidirectional stream that survives the
//! loss of its member (it reconnects to the next endpoint and renews again at once).
//!
//! Keep-alive follows clientv3's lessor: a renewal is sent at once, then a third of the TTL
//! after each answer (every 500 ms while no answer comes); the lease counts as lost when the
//! server answers with a TTL of 0 or less, or when no answer came within the last granted TTL
//! (`--dial-timeout` + 1 s before the first answer).

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tonic::codegen::tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::codegen::tokio_stream::{self, StreamExt};
use tonic::{Code, Status, Streaming};

use super::rpc::{self, service};
use super::{Client, Error, Grpc, StreamConnection};
use crate::pb::etcdserverpb::lease_client::LeaseClient;
use crate::pb::etcdserverpb::{LeaseKeepAliveRequest, LeaseKeepAliveResponse};

/// clientv3's pause before reopening a broken stream and between unanswered renewals.
pub(crate) const RETRY_WAIT: Duration = Duration::from_millis(500);

impl Client {
    /// One renewal on a stream of its own, under `--command-timeout`, on another member when
    /// the first cannot be reached (renewing twice is harmless). The answer's TTL is 0 or less
    /// when the lease does not exist.
    pub async fn lease_keep_alive_once(&self, id: i64) -> Result<LeaseKeepAliveResponse, Error> {
        let deadline = Instant::now() + self.config.command_timeout;
        let once = async {
            loop {
                let patience = self.config.command_timeout;
                let mut open = KeepAliveStream::open(self, id, patience).await?;
                match open.responses.message().await {
                    Ok(Some(resp)) => return Ok(resp),
                    Ok(None) => {
                        let status = Status::unavailable("keep-alive stream closed by the server");
                        self.stream_broken(&open.conn, &status);
                    }
                    Err(status) if is_transient(&status) => self.stream_broken(&open.conn, &status),
                    Err(status) => return Err(Error::Rpc(status)),
                }
                tokio::time::sleep(RETRY_WAIT).await;
            }
        };
        tokio::time::timeout_at(deadline.into(), once)
            .await
            .unwrap_or(Err(Error::Timeout(Vec::new())))
    }

    /// Keeps lease `id` alive until it is lost; see [`KeepAlive::next`].
    pub fn lease_keep_alive(&self, id: i64) -> KeepAlive<'_> {
        let now = Instant::now();
        KeepAlive {
            client: self,
            id,
            deadline: now + self.config.dial_timeout + Duration::from_secs(1),
            next_send: now,
            awaiting: None,
            ttl: None,
            stream: None,
        }
    }
}

/// What a keep-alive saw next.
#[derive(Debug)]
pub enum KeepAliveEvent {
    /// The lease was renewed for `TTL` seconds.
    Renewed(LeaseKeepAliveResponse),
    /// The server answered that the lease does not exist (TTL 0 or less): it expired or was
    /// revoked, or never existed.
    Gone(LeaseKeepAliveResponse),
    /// No answer came within the lease's TTL, across reconnections: it may have expired.
    NoAnswer,
}

/// A running keep-alive for one lease.
pub struct KeepAlive<'c> {
    client: &'c Client,
    id: i64,
    /// When the lease counts as lost if no answer came.
    deadline: Instant,
    next_send: Instant,
    /// When the oldest unanswered renewal on the current stream was sent.
    awaiting: Option<Instant>,
    /// The TTL of the last answer.
    ttl: Option<Duration>,
    stream: Option<KeepAliveStream<'c>>,
}

impl KeepAlive<'_> {
    /// How long a renewal may go unanswered before its member counts as gone (frozen, or
    /// without a leader): a third of the TTL, at least 1 s and at most `--dial-timeout`, so
    /// another member is asked well before the lease could expire.
    fn patience(&self) -> Duration {
        let dial = self.client.config.dial_timeout.max(Duration::from_secs(1));
        self.ttl
            .map_or(dial, |ttl| ttl / 3)
            .clamp(Duration::from_secs(1), dial)
    }

    /// Renews as needed until the next answer (or the loss of the lease). A broken stream, or
    /// one whose renewal goes unanswered for too long, is reopened on the next member, and the
    /// renewal sent again at once. Errors are those that reconnecting cannot cure (refused
    /// credentials or permissions).
    pub async fn next(&mut self) -> Result<KeepAliveEvent, Error> {
        loop {
            if Instant::now() >= self.deadline {
                return Ok(KeepAliveEvent::NoAnswer);
            }
            let patience = self.patience();
            let stream = match &mut self.stream {
                Some(stream) => stream,
                None => {
                    let opening = KeepAliveStream::open(self.client, self.id, patience);
                    match tokio::time::timeout_at(self.deadline.into(), opening).await {
                        Err(_) => return Ok(KeepAliveEvent::NoAnswer),
                        Ok(Ok(stream)) => {
                            // `open` sent a renewal with the stream's first message.
                            let now = Instant::now();
                            self.next_send = now + RETRY_WAIT;
                            self.awaiting = Some(now);
                            self.stream.insert(stream)
                        }
                        Ok(Err(e)) if is_transient_error(&e) => {
                            tokio::time::sleep(RETRY_WAIT).await;
                            continue;
                        }
                        Ok(Err(e)) => return Err(e),
                    }
                }
            };
            tokio::select! {
                _ = tokio::time::sleep_until(self.deadline.into()) => {
                    return Ok(KeepAliveEvent::NoAnswer);
                }
                _ = tokio::time::sleep_until(self.next_send.into()) => {
                    // The receiving half lives as long as the stream; a failed send shows up
                    // as an error on the next receive.
                    let _ = stream.requests.send(LeaseKeepAliveRequest { id: self.id });
                    let now = Instant::now();
                    self.next_send = now + RETRY_WAIT;
                    self.awaiting.get_or_insert(now);
                }
                _ = tokio::time::sleep_until(
                    self.awaiting.map_or(self.deadline, |sent| sent + patience).into()
                ), if self.awaiting.is_some() => {
                    let status = Status::unavailable("keep-alive renewal unanswered");
                    self.client.stream_broken(&stream.conn, &status);
                    self.stream = None;
                    self.awaiting = None;
                }
                message = stream.responses.message() => {
                    let status = match message {
                        Ok(Some(resp)) if resp.id != self.id => continue,
                        Ok(Some(resp)) if resp.ttl <= 0 => return Ok(KeepAliveEvent::Gone(resp)),
                        Ok(Some(resp)) => {
                            let now = Instant::now();
                            let ttl = Duration::from_secs(resp.ttl as u64);
                            self.ttl = Some(ttl);
                            self.awaiting = None;
                            self.deadline = now + ttl;
                            self.next_send = now + ttl / 3;
                            return Ok(KeepAliveEvent::Renewed(resp));
                        }
                        Ok(None) => Status::unavailable("keep-alive stream closed by the server"),
                        Err(status) => status,
                    };
                    if !is_transient(&status) {
                        return Err(Error::Rpc(status));
                    }
                    self.client.stream_broken(&stream.conn, &status);
                    self.stream = None;
                    self.awaiting = None;
                    tokio::time::sleep(RETRY_WAIT).await;
                }
            }
        }
    }
}

/// One open `LeaseKeepAlive` stream: its member, the sending half and the answers.
struct KeepAliveStream<'c> {
    conn: StreamConnection<'c>,
    requests: mpsc::UnboundedSender<LeaseKeepAliveRequest>,
    responses: Streaming<LeaseKeepAliveResponse>,
}

impl<'c> KeepAliveStream<'c> {
    /// Opens a stream on the pinned member whose first message renews `id`; a member that
    /// does not answer within `patience` is dropped like one whose stream broke.
    async fn open(client: &'c Client, id: i64, patience: Duration) -> Result<Self, Error> {
        let conn = client.stream_connection().await?;
        let (requests, rx) = mpsc::unbounded_channel();
        let first = conn.request(rpc::LEASE_KEEP_ALIVE, LeaseKeepAliveRequest { id })?;
        let request =
            first.map(|first| tokio_stream::once(first).chain(UnboundedReceiverStream::new(rx)));
        let mut leases = service!(LeaseClient, grpc(&conn));
        let opening = leases.lease_keep_alive(request);
        let opened = tokio::time::timeout(patience, opening)
            .await
            .unwrap_or_else(|_| Err(Status::unavailable("keep-alive stream unanswered")));
        match opened {
            Ok(response) => Ok(KeepAliveStream {
                conn,
                requests,
                responses: response.into_inner(),
            }),
            Err(status) => {
                client.stream_broken(&conn, &status);
                Err(Error::Rpc(status))
            }
        }
    }
}

/// A copy of the connection's channel and limits, for one generated client.
pub(crate) fn grpc(conn: &StreamConnection<'_>) -> Grpc {
    Grpc {
        channel: conn.grpc.channel.clone(),
        max_request_bytes: conn.grpc.max_request_bytes,
        max_recv_bytes: conn.grpc.max_recv_bytes,
    }
}

/// Whether a stream that failed with `status` is worth reopening on another member: the
/// member went away, lost its leader, or our token expired (renewed on reconnect).
pub(crate) fn is_transient(status: &Status) -> bool {
    matches!(
        status.code(),
        Code::Unavailable
            | Code::Unknown
            | Code::Internal
            | Code::Cancelled
            | Code::DeadlineExceeded
            | Code::Aborted
    ) || super::is_invalid_token(status)
}

/// [`is_transient`] for an error from opening a stream.
pub(crate) fn is_transient_error(e: &Error) -> bool {
    match e {
        Error::Rpc(status) => is_transient(status),
        // The deadline of the lease bounds the retries.
        Error::Timeout(_) | Error::AllEndpointsFailed(_) => true,
        _ => false,
    }
}
