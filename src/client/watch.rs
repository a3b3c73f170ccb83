//! Watches that survive the loss of the member serving them.
//!
//! [`Watches`] multiplexes any number of watches over one Watch stream, as clientv3 does. It
//! remembers, for each watch, the revision to resume from: the start revision asked for, then
//! the one after its creation revision (for a watch from "now"), then the one after the last
//! delivered event's. When the stream breaks — the member died, froze, lost its leader, or
//! stopped answering — the member is dropped ([`Client::stream_broken`]), the next endpoint is dialled, and every
//! watch is created again from its resume revision. Events older than the resume revision are
//! dropped should a server send them anyway, so no event is delivered twice, none is lost, and
//! each watch's events stay in revision order.
//!
//! A frozen member keeps its TCP connection open and says nothing. Besides the HTTP/2 keepalive
//! pings the channel sends (`--keepalive-time`, `--keepalive-timeout`), the stream checks etcd
//! itself: after `--keepalive-time` without a message it sends a progress request, which every
//! live member answers at once, and when `--keepalive-timeout` passes with no message at all the
//! stream counts as broken. The answers to these probes are not delivered.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tonic::codec::Streaming;
use tonic::codegen::tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::{Code, Status};

use super::{Client, Error, StreamConnection, rpc};
use crate::pb::etcdserverpb::watch_client::WatchClient;
use crate::pb::etcdserverpb::watch_request::RequestUnion;
use crate::pb::etcdserverpb::{
    WatchCreateRequest, WatchProgressRequest, WatchRequest, WatchResponse,
};

/// The watch id etcd gives responses that belong to no single watch (progress answers, refused
/// creations).
const NO_WATCH: i64 = -1;
/// Cancel reasons after which clientv3 opens a new stream (with a new token) and tries again.
const RETRY_REASONS: [&str; 2] = [
    "etcdserver: invalid auth token",
    "etcdserver: revision of auth store is old",
];
/// Pause between reconnection rounds once every endpoint failed, doubling up to the maximum.
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// What [`Watches::next`] hands on.
#[derive(Debug)]
pub enum Delivery {
    /// A response for watch number `watch`: new events (never seen before), a progress
    /// notification, or the compaction that ended the watch (`compact_revision` set).
    Response {
        watch: usize,
        response: WatchResponse,
    },
    /// Watch `watch` ended without a response of its own: etcd refused to create it, or the
    /// stream failed in a way retrying cannot mend. `error` is the reason as etcdctl words it.
    Closed { watch: usize, error: String },
    /// etcd canceled watch `watch` without giving a reason.
    Canceled { watch: usize },
}

struct Watch {
    /// The creation request as asked, `start_revision` included.
    create: WatchCreateRequest,
    /// The revision to (re)start from; 0 while it is "the next one" and unknown.
    next_revision: i64,
    /// The watch's id on the current stream, once created there.
    id: Option<i64>,
    ended: bool,
}

/// The stream on one member.
struct Live<'c> {
    connection: StreamConnection<'c>,
    requests: mpsc::UnboundedSender<WatchRequest>,
    responses: Streaming<WatchResponse>,
    pending: Pending,
    last_heard: Instant,
    probe_sent: Option<Instant>,
}

/// A set of watches over one stream; see the module documentation.
pub struct Watches<'c> {
    client: &'c Client,
    watches: Vec<Watch>,
    live: Option<Live<'c>>,
    connected_once: bool,
    /// Members that failed to open a stream before the first one opened.
    refusals: usize,
    /// Progress requests made while no stream was open.
    pending_progress: usize,
    backoff: Duration,
    ready: VecDeque<Delivery>,
}

impl Client {
    /// An empty set of watches; nothing is sent until one is added and polled.
    pub fn watches(&self) -> Watches<'_> {
        Watches {
            client: self,
            watches: Vec::new(),
            live: None,
            connected_once: false,
            refusals: 0,
            pending_progress: 0,
            backoff: BACKOFF_START,
            ready: VecDeque::new(),
        }
    }
}

/// Why a stream is given up, for the observer-free part of the logic.
#[derive(Debug)]
enum Broken {
    /// Move to another member (or renew the token, for an invalid-token status).
    Retry(Status),
    /// Retrying cannot help: every watch ends with this message.
    Halt(String),
}

impl<'c> Watches<'c> {
    /// Adds a watch and returns its number; it is created on the stream at the next poll.
    pub fn add(&mut self, create: WatchCreateRequest) -> usize {
        let index = self.watches.len();
        self.watches.push(Watch {
            next_revision: create.start_revision,
            create,
            id: None,
            ended: false,
        });
        if let Some(live) = &mut self.live {
            send_create(live, &self.watches[index], index);
        }
        index
    }

    /// How many watches are still running.
    pub fn active(&self) -> usize {
        self.watches.iter().filter(|w| !w.ended).count()
    }

    /// Asks etcd for a progress notification on every watch (etcdctl's interactive `progress`).
    /// Before the stream is open it is sent right after the watches' creation, as etcdctl's
    /// goes on the stream its watches opened; with no watch at all there is nobody to notify.
    pub fn request_progress(&mut self) {
        let active = self.active();
        match &mut self.live {
            Some(live) => {
                live.pending.progress.push_back(true);
                let _ = live.requests.send(progress_request());
            }
            None if active > 0 => self.pending_progress += 1,
            None => {}
        }
    }

    /// The next delivery, connecting and reconnecting as needed. Cancel-safe: dropping the
    /// future loses nothing but a connection attempt in progress. Fails only when no endpoint
    /// could be reached before any watch was ever created.
    pub async fn next(&mut self) -> Result<Delivery, Error> {
        loop {
            if let Some(delivery) = self.ready.pop_front() {
                return Ok(delivery);
            }
            if self.active() == 0 {
                // Nothing to watch: wait for the caller to add a watch (or give up).
                std::future::pending::<()>().await;
            }
            if self.live.is_none() {
                self.connect().await?;
                continue;
            }
            let outcome = self.poll_live().await;
            if let Err(broken) = outcome {
                self.broken(broken);
            }
        }
    }

    /// A delivery that is ready now, without waiting: used to print a burst of responses before
    /// flushing the output once.
    pub fn next_ready(&mut self) -> Option<Result<Delivery, Error>> {
        if let Some(delivery) = self.ready.pop_front() {
            return Some(Ok(delivery));
        }
        self.live.as_ref()?;
        let mut next = pin!(self.next());
        match next.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => Some(result),
            Poll::Pending => None,
        }
    }

    async fn connect(&mut self) -> Result<(), Error> {
        let connection = match self.client.stream_connection().await {
            Ok(connection) => connection,
            Err(e) if !self.connected_once => return Err(e),
            Err(_) => {
                // Every member is unreachable for now; a watch waits for one to come back, as
                // etcdctl's does.
                tokio::time::sleep(self.backoff).await;
                self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
                return Ok(());
            }
        };
        let (requests, receiver) = mpsc::unbounded_channel();
        let first = self
            .watches
            .iter()
            .find(|w| !w.ended)
            .map(create_request)
            .unwrap_or_default();
        let mut request = connection
            .request(rpc::WATCH, first)?
            .map(|_| UnboundedReceiverStream::new(receiver));
        // etcdctl's WithRequireLeader: a member cut off from its leader ends the stream with
        // "no leader" instead of serving stale events; here that means moving to another one.
        request
            .metadata_mut()
            .insert("hasleader", "true".parse().expect("ASCII"));
        let mut live_creating = VecDeque::new();
        for (index, watch) in self.watches.iter_mut().enumerate() {
            watch.id = None;
            if !watch.ended {
                let _ = requests.send(create_request(watch));
                live_creating.push_back(index);
            }
        }
        let mut progress = VecDeque::new();
        for _ in 0..std::mem::take(&mut self.pending_progress) {
            let _ = requests.send(progress_request());
            progress.push_back(true);
        }
        let grpc = &connection.grpc;
        let mut client = WatchClient::new(grpc.channel.clone())
            .max_encoding_message_size(grpc.max_request_bytes)
            .max_decoding_message_size(grpc.max_recv_bytes);
        let limit = self.silence_limit();
        let opened = tokio::time::timeout(limit, client.watch(request)).await;
        let result = match opened {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(status),
            Err(_) => Err(Status::unavailable(format!(
                "no answer to the watch request within {}",
                super::humanize_duration(limit)
            ))),
        };
        match result {
            Ok(responses) => {
                self.connected_once = true;
                self.live = Some(Live {
                    connection,
                    requests,
                    responses,
                    pending: Pending {
                        creating: live_creating,
                        progress,
                    },
                    last_heard: Instant::now(),
                    probe_sent: None,
                });
            }
            Err(status) => {
                let broken = classify(status);
                if let Broken::Retry(status) = &broken {
                    self.client.stream_broken(&connection, status);
                    // Before any watch was created, a member that cannot serve one counts as a
                    // failed dial: once every endpoint has failed, so does the command.
                    if !self.connected_once {
                        self.refusals += 1;
                        if self.refusals >= self.client.endpoints().len() {
                            return Err(Error::Rpc(status.clone()));
                        }
                    }
                }
                self.halt_if(broken);
            }
        }
        Ok(())
    }

    /// How long a stream may stay silent once probed: `--keepalive-time` before the probe plus
    /// `--keepalive-timeout` for its answer.
    fn silence_limit(&self) -> Duration {
        let config = self.client.config();
        config.keepalive_time + config.keepalive_timeout
    }

    /// Waits for the next message on the live stream and handles it.
    async fn poll_live(&mut self) -> Result<(), Broken> {
        let config = self.client.config();
        let (probe_after, give_up) = (config.keepalive_time, config.keepalive_timeout);
        let live = self.live.as_mut().expect("connected");
        let wake_at = match live.probe_sent {
            None => live.last_heard + probe_after,
            Some(sent) => sent + give_up,
        };
        let message = tokio::select! {
            message = live.responses.message() => message,
            () = tokio::time::sleep_until(wake_at) => {
                if live.probe_sent.is_some() {
                    return Err(Broken::Retry(Status::unavailable(format!(
                        "{}: no answer within {} (keepalive timeout)",
                        live.connection.endpoint(),
                        super::humanize_duration(give_up)
                    ))));
                }
                live.probe_sent = Some(Instant::now());
                live.pending.progress.push_back(false);
                let _ = live.requests.send(progress_request());
                return Ok(());
            }
        };
        match message {
            Ok(Some(response)) => {
                live.last_heard = Instant::now();
                live.probe_sent = None;
                self.backoff = BACKOFF_START;
                self.handle(response)
            }
            Ok(None) => Err(Broken::Retry(Status::unavailable(
                "the member closed the stream",
            ))),
            Err(status) => Err(classify(status)),
        }
    }

    fn handle(&mut self, response: WatchResponse) -> Result<(), Broken> {
        let live = self.live.as_mut().expect("connected");
        step(
            &mut self.watches,
            &mut live.pending,
            &mut self.ready,
            response,
        )
    }

    /// Gives up the live stream: moves to the next member, or ends every watch.
    fn broken(&mut self, broken: Broken) {
        if let Some(live) = self.live.take()
            && let Broken::Retry(status) = &broken
        {
            self.client.stream_broken(&live.connection, status);
        }
        self.halt_if(broken);
    }

    fn halt_if(&mut self, broken: Broken) {
        let Broken::Halt(error) = broken else {
            return;
        };
        for (index, watch) in self.watches.iter_mut().enumerate() {
            if !watch.ended {
                watch.ended = true;
                self.ready.push_back(Delivery::Closed {
                    watch: index,
                    error: error.clone(),
                });
            }
        }
    }
}

fn create_request(watch: &Watch) -> WatchRequest {
    WatchRequest {
        request_union: Some(RequestUnion::CreateRequest(WatchCreateRequest {
            start_revision: watch.next_revision,
            ..watch.create.clone()
        })),
    }
}

fn send_create(live: &mut Live<'_>, watch: &Watch, index: usize) {
    if live.requests.send(create_request(watch)).is_ok() {
        live.pending.creating.push_back(index);
    }
}

fn progress_request() -> WatchRequest {
    WatchRequest {
        request_union: Some(RequestUnion::ProgressRequest(WatchProgressRequest {})),
    }
}

/// Which stream failures another member (or a new token) may mend. clientv3 retries on
/// `Unavailable` and `Internal`; transport failures also show up as `Unknown` or `Cancelled`
/// here. etcd's "no leader" is `Unavailable` too, and means: try a member that has one.
fn classify(status: Status) -> Broken {
    match status.code() {
        Code::Unavailable
        | Code::Internal
        | Code::Unknown
        | Code::Cancelled
        | Code::DeadlineExceeded
        | Code::ResourceExhausted => Broken::Retry(status),
        _ if super::is_invalid_token(&status) => Broken::Retry(status),
        _ => Broken::Halt(Error::Rpc(status).to_string()),
    }
}

/// etcdctl's wording for a creation etcd refused: the reasons etcd's auth layer gives come out
/// as gRPC status errors.
fn refusal_message(reason: &str) -> String {
    let code = match reason {
        "etcdserver: permission denied" => "PermissionDenied",
        "etcdserver: user name is empty" => "InvalidArgument",
        _ => return reason.to_string(),
    };
    format!("rpc error: code = {code} desc = {reason}")
}

/// What one stream owes its watches: answers to the creations and progress requests it sent.
#[derive(Debug, Default)]
struct Pending {
    /// Watches whose creation this stream has yet to confirm, in request order.
    creating: VecDeque<usize>,
    /// Progress requests awaiting their answer, in order: `true` for the user's own.
    progress: VecDeque<bool>,
}

/// The pure step of [`Watches`]: one response of the stream, applied to the watches (their ids
/// and resume revisions) and to what the stream still owes them, with what is to be handed on
/// appended to `ready`. Events below a watch's resume revision, which a new stream may repeat,
/// are dropped here; so are the answers to ectl's own liveness probes.
fn step(
    watches: &mut [Watch],
    pending: &mut Pending,
    ready: &mut VecDeque<Delivery>,
    response: WatchResponse,
) -> Result<(), Broken> {
    if response.created {
        let Some(index) = pending.creating.pop_front() else {
            return Ok(());
        };
        let watch = &mut watches[index];
        if response.canceled {
            if RETRY_REASONS.contains(&response.cancel_reason.as_str()) {
                return Err(Broken::Retry(Status::unauthenticated(
                    response.cancel_reason.clone(),
                )));
            }
            watch.ended = true;
            ready.push_back(Delivery::Closed {
                watch: index,
                error: refusal_message(&response.cancel_reason),
            });
            return Ok(());
        }
        watch.id = Some(response.watch_id);
        if watch.next_revision == 0 {
            // The watch starts after the revision it was created at (etcd's own rule).
            watch.next_revision = response.header.map_or(0, |h| h.revision) + 1;
        }
        return Ok(());
    }
    if response.watch_id == NO_WATCH {
        // A progress answer for every watch: the user's, or one of our liveness probes.
        if pending.progress.pop_front() == Some(false) {
            return Ok(());
        }
        for (index, watch) in watches.iter().enumerate() {
            if watch.id.is_some() && !watch.ended {
                ready.push_back(Delivery::Response {
                    watch: index,
                    response: response.clone(),
                });
            }
        }
        return Ok(());
    }
    let Some(index) = watches
        .iter()
        .position(|w| w.id == Some(response.watch_id) && !w.ended)
    else {
        return Ok(());
    };
    let watch = &mut watches[index];
    if response.compact_revision != 0 {
        watch.ended = true;
        ready.push_back(Delivery::Response {
            watch: index,
            response,
        });
        return Ok(());
    }
    if response.canceled {
        watch.ended = true;
        ready.push_back(Delivery::Canceled { watch: index });
        return Ok(());
    }
    let mut response = response;
    if response.events.is_empty() {
        // The watch's own progress notification: everything up to its revision was sent.
        let revision = response.header.map_or(0, |h| h.revision);
        watch.next_revision = watch.next_revision.max(revision + 1);
    } else {
        let next = watch.next_revision;
        response
            .events
            .retain(|e| e.kv.as_ref().is_none_or(|kv| kv.mod_revision >= next));
        let Some(last) = response.events.last() else {
            return Ok(());
        };
        watch.next_revision = last.kv.as_ref().map_or(next, |kv| kv.mod_revision + 1);
    }
    ready.push_back(Delivery::Response {
        watch: index,
        response,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::etcdserverpb::ResponseHeader;
    use crate::pb::mvccpb::{Event, KeyValue};

    fn watch(start_revision: i64) -> Watch {
        Watch {
            create: WatchCreateRequest {
                key: b"k".to_vec(),
                start_revision,
                ..Default::default()
            },
            next_revision: start_revision,
            id: None,
            ended: false,
        }
    }

    fn header(revision: i64) -> Option<ResponseHeader> {
        Some(ResponseHeader {
            revision,
            ..Default::default()
        })
    }

    fn created(id: i64, revision: i64) -> WatchResponse {
        WatchResponse {
            header: header(revision),
            watch_id: id,
            created: true,
            ..Default::default()
        }
    }

    fn events(id: i64, revisions: &[i64]) -> WatchResponse {
        WatchResponse {
            header: header(*revisions.last().unwrap()),
            watch_id: id,
            events: revisions
                .iter()
                .map(|&mod_revision| Event {
                    kv: Some(KeyValue {
                        key: b"k".to_vec(),
                        mod_revision,
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// A stream that sent the creation of every watch in `watches`.
    fn stream_for(watches: &[Watch]) -> Pending {
        Pending {
            creating: (0..watches.len()).collect(),
            progress: VecDeque::new(),
        }
    }

    fn revisions(delivery: &Delivery) -> Vec<i64> {
        match delivery {
            Delivery::Response { response, .. } => response
                .events
                .iter()
                .map(|e| e.kv.as_ref().unwrap().mod_revision)
                .collect(),
            other => panic!("not a response: {other:?}"),
        }
    }

    #[test]
    fn a_watch_from_now_resumes_after_its_creation_then_after_each_event() {
        let mut watches = vec![watch(0)];
        let mut pending = stream_for(&watches);
        let mut ready = VecDeque::new();
        step(&mut watches, &mut pending, &mut ready, created(7, 10)).unwrap();
        assert_eq!((watches[0].id, watches[0].next_revision), (Some(7), 11));
        assert!(ready.is_empty());
        step(&mut watches, &mut pending, &mut ready, events(7, &[11, 12])).unwrap();
        assert_eq!(watches[0].next_revision, 13);
        assert_eq!(revisions(&ready.pop_front().unwrap()), [11, 12]);
    }

    #[test]
    fn events_a_resumed_stream_repeats_are_dropped() {
        // Resumed from 13 on a new stream, whose server sends 12 again with 13.
        let mut watches = vec![watch(13)];
        let mut pending = stream_for(&watches);
        let mut ready = VecDeque::new();
        step(&mut watches, &mut pending, &mut ready, created(1, 20)).unwrap();
        assert_eq!(watches[0].next_revision, 13, "an asked-for start stays");
        step(&mut watches, &mut pending, &mut ready, events(1, &[12, 13])).unwrap();
        assert_eq!(revisions(&ready.pop_front().unwrap()), [13]);
        // Nothing new at all: nothing is handed on.
        step(&mut watches, &mut pending, &mut ready, events(1, &[12, 13])).unwrap();
        assert!(ready.is_empty());
        assert_eq!(watches[0].next_revision, 14);
    }

    #[test]
    fn progress_moves_the_resume_revision_and_only_the_users_requests_are_handed_on() {
        let mut watches = vec![watch(0)];
        let mut pending = stream_for(&watches);
        let mut ready = VecDeque::new();
        step(&mut watches, &mut pending, &mut ready, created(3, 5)).unwrap();
        // The watch's own progress notification: everything up to 9 was sent.
        let own = WatchResponse {
            header: header(9),
            watch_id: 3,
            ..Default::default()
        };
        step(&mut watches, &mut pending, &mut ready, own).unwrap();
        assert_eq!(watches[0].next_revision, 10);
        assert_eq!(ready.len(), 1);
        ready.clear();
        // Answers to a liveness probe (false) and to the user's request (true).
        pending.progress.extend([false, true]);
        let answer = || WatchResponse {
            header: header(9),
            watch_id: NO_WATCH,
            ..Default::default()
        };
        step(&mut watches, &mut pending, &mut ready, answer()).unwrap();
        assert!(ready.is_empty(), "a probe's answer is not delivered");
        step(&mut watches, &mut pending, &mut ready, answer()).unwrap();
        assert!(matches!(
            ready.pop_front(),
            Some(Delivery::Response { watch: 0, .. })
        ));
    }

    #[test]
    fn cancellation_ends_the_watch_and_auth_cancellations_retry() {
        let mut watches = vec![watch(0), watch(0)];
        let mut pending = stream_for(&watches);
        let mut ready = VecDeque::new();
        let refused = WatchResponse {
            created: true,
            canceled: true,
            cancel_reason: "etcdserver: permission denied".into(),
            watch_id: NO_WATCH,
            ..Default::default()
        };
        step(&mut watches, &mut pending, &mut ready, refused).unwrap();
        assert!(watches[0].ended);
        assert!(matches!(
            ready.pop_front(),
            Some(Delivery::Closed { watch: 0, error })
                if error == "rpc error: code = PermissionDenied desc = etcdserver: permission denied"
        ));
        let expired = WatchResponse {
            created: true,
            canceled: true,
            cancel_reason: "etcdserver: invalid auth token".into(),
            ..Default::default()
        };
        assert!(matches!(
            step(&mut watches, &mut pending, &mut ready, expired),
            Err(Broken::Retry(_))
        ));

        let mut watches = vec![watch(0)];
        let mut pending = stream_for(&watches);
        step(&mut watches, &mut pending, &mut ready, created(4, 1)).unwrap();
        let canceled = WatchResponse {
            watch_id: 4,
            canceled: true,
            ..Default::default()
        };
        step(&mut watches, &mut pending, &mut ready, canceled).unwrap();
        assert!(watches[0].ended);
        assert!(matches!(
            ready.pop_front(),
            Some(Delivery::Canceled { watch: 0 })
        ));
        // A late response for an ended watch is ignored.
        step(&mut watches, &mut pending, &mut ready, events(4, &[5])).unwrap();
        assert!(ready.is_empty());
    }

    #[test]
    fn compaction_ends_the_watch_with_its_response() {
        let mut watches = vec![watch(2)];
        let mut pending = stream_for(&watches);
        let mut ready = VecDeque::new();
        step(&mut watches, &mut pending, &mut ready, created(1, 50)).unwrap();
        let compacted = WatchResponse {
            watch_id: 1,
            compact_revision: 40,
            canceled: true,
            ..Default::default()
        };
        step(&mut watches, &mut pending, &mut ready, compacted).unwrap();
        assert!(watches[0].ended);
        assert!(matches!(
            ready.pop_front(),
            Some(Delivery::Response { watch: 0, response }) if response.compact_revision == 40
        ));
    }

    #[test]
    fn a_rejected_token_on_the_stream_is_retried_with_a_new_one() {
        let status = Status::unauthenticated("etcdserver: invalid auth token");
        assert!(matches!(classify(status), Broken::Retry(_)));
        let denied = Status::permission_denied("etcdserver: permission denied");
        assert!(matches!(classify(denied), Broken::Halt(_)));
    }
}
