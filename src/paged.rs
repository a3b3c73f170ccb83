//! Reading a range of any size at one revision, printed as it arrives, so memory stays flat.
//!
//! Each answer is read key by key as it comes off the wire ([`client::streamed`]), so a page's
//! size costs round trips and server work, not memory. The first request asks for as many keys
//! as could fit [`DEFAULT_PAGE_BYTES`] if each were tiny ([`MIN_KEY_BYTES`]): any range smaller
//! than a page is one request, whatever its key names. When the range is longer, later requests
//! ask for a page's worth of keys at the bytes per key seen so far.
//!
//! The revision is the one asked for, or else the one the first answer was served at; later
//! requests ask for it explicitly, so a writer changing the range meanwhile is never seen.
//!
//! etcd (3.4 and 3.5 alike) walks its index over the whole rest of a range for every request,
//! however small its limit, so unbounded pages would make a long range cost the square of its
//! length. Requests after the first are therefore bounded by a guess ([`keys::key_after`]) at
//! where the next page's worth of keys ends, from how densely the keys read so far lay. A guess
//! that falls short gives a small page; one that goes too far gives a full page and the rest of
//! its span is cut again at a fresh guess; one that finds no key sends the next request to the
//! range's end.
//!
//! A member lost mid-answer is replaced by the next one, which serves the same revision from the
//! key after the last one received: nothing is read twice or lost.
//!
//! Ranges come from a [`KvSource`]: a cluster ([`Client`]) or, under `--db`, an etcd backend
//! file read offline ([`MvccFile`]), which answers each request as a server holding that state
//! would. Everything past the source (paging, printing) is the same code for both.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use crate::client::streamed::{Piece, StreamedRange};
use crate::client::{self, Client};
use crate::keys;
use crate::pb::etcdserverpb::range_request::SortOrder;
use crate::pb::etcdserverpb::{RangeRequest, RangeResponse, ResponseHeader};
use crate::pb::mvccpb::{Event, KeyValue};
use crate::storage::mvcc::{self, Loc, MvccFile};

/// A source's answer to come.
pub type Reply<'a, T> = Pin<Box<dyn Future<Output = anyhow::Result<T>> + 'a>>;

/// Where key-value reads are answered: a cluster, or an etcd backend file (`--db`). Both
/// answer a RangeRequest with the RangeResponse etcd would give, headers aside.
pub trait KvSource {
    /// One Range, answered whole.
    fn range(&self, request: RangeRequest) -> Reply<'_, RangeResponse>;
    /// One Range whose answer is read as it arrives.
    fn range_streamed(&self, request: RangeRequest) -> Reply<'_, Answer<'_>>;
    /// How many times in a row an answer lost with its member may be asked for again.
    fn retries(&self) -> usize;
    /// The compacted revision (0: none) and every version of `[key, range_end)` held from it
    /// on, oldest first, as watch events.
    fn history<'a>(&'a self, key: &'a [u8], range_end: &'a [u8]) -> Reply<'a, (i64, Vec<Event>)>;
}

impl KvSource for Client {
    fn range(&self, request: RangeRequest) -> Reply<'_, RangeResponse> {
        Box::pin(async move { Ok(Client::range(self, request).await?) })
    }

    fn range_streamed(&self, request: RangeRequest) -> Reply<'_, Answer<'_>> {
        Box::pin(async move { Ok(Answer::Wire(Client::range_streamed(self, request).await?)) })
    }

    fn retries(&self) -> usize {
        self.endpoints().len()
    }

    fn history<'a>(&'a self, key: &'a [u8], range_end: &'a [u8]) -> Reply<'a, (i64, Vec<Event>)> {
        let in_range = move |k: &[u8]| keys::in_range(k, key, range_end);
        Box::pin(async move { Ok(Client::history(self, key, range_end, &in_range).await?) })
    }
}

impl KvSource for MvccFile {
    fn range(&self, request: RangeRequest) -> Reply<'_, RangeResponse> {
        Box::pin(async move {
            let selection = self.select(&request).map_err(offline)?;
            let kvs = selection
                .locs
                .iter()
                .map(|loc| self.read_for(&request, *loc))
                .collect::<Result<Vec<_>, _>>()
                .map_err(offline)?;
            let (kvs, more) = mvcc::finish(&request, kvs, selection.more);
            Ok(RangeResponse {
                header: Some(file_header(self)),
                kvs,
                more,
                count: selection.count,
            })
        })
    }

    fn range_streamed(&self, request: RangeRequest) -> Reply<'_, Answer<'_>> {
        Box::pin(async move {
            let selection = self.select(&request).map_err(offline)?;
            Ok(Answer::File {
                file: self,
                header: Some(file_header(self)),
                locs: selection.locs.into_iter(),
                more: Some(selection.more),
                count: Some(selection.count),
                request,
            })
        })
    }

    fn retries(&self) -> usize {
        0
    }

    fn history<'a>(&'a self, key: &'a [u8], range_end: &'a [u8]) -> Reply<'a, (i64, Vec<Event>)> {
        Box::pin(async move { MvccFile::history(self, key, range_end).map_err(offline) })
    }
}

/// The header of an answer read from a file: its revision (and raft term, which etcd 3.5
/// records); no cluster or member id, which the file does not hold.
pub fn file_header(file: &MvccFile) -> ResponseHeader {
    ResponseHeader {
        revision: file.meta().revision,
        raft_term: file.meta().term,
        ..ResponseHeader::default()
    }
}

/// A file's refusal as a server words it (`etcdserver: mvcc: required revision has been
/// compacted`), so that messages and exit codes are the same online and offline.
pub fn offline(e: mvcc::Error) -> anyhow::Error {
    match e {
        mvcc::Error::Compacted | mvcc::Error::FutureRev => {
            client::Error::Rpc(tonic::Status::out_of_range(format!("etcdserver: {e}"))).into()
        }
        other => other.into(),
    }
}

/// A Range answer being read: off the wire, or from a file.
pub enum Answer<'a> {
    Wire(StreamedRange),
    File {
        file: &'a MvccFile,
        request: RangeRequest,
        header: Option<ResponseHeader>,
        locs: std::vec::IntoIter<Loc>,
        more: Option<bool>,
        count: Option<i64>,
    },
}

impl Answer<'_> {
    /// The answer's next piece, in the order etcd encodes them; `None` after the last.
    pub async fn next(&mut self) -> anyhow::Result<Option<Piece>> {
        match self {
            Answer::Wire(stream) => Ok(stream.next().await?),
            Answer::File {
                file,
                request,
                header,
                locs,
                more,
                count,
            } => {
                if let Some(header) = header.take() {
                    return Ok(Some(Piece::Header(header)));
                }
                if let Some(loc) = locs.next() {
                    return Ok(Some(Piece::Kv(
                        file.read_for(request, loc).map_err(offline)?,
                    )));
                }
                Ok(more
                    .take()
                    .map(Piece::More)
                    .or_else(|| count.take().map(Piece::Count)))
            }
        }
    }
}

/// About this many bytes of keys and values per answer, once the range has shown how large its
/// keys and values are. It no longer bounds memory (answers are read as they arrive): it bounds
/// how much one request makes a member gather at once.
pub const DEFAULT_PAGE_BYTES: usize = 3 << 20;
/// The smallest a key-value is taken to be on the wire (a short key, an empty value and its
/// revisions), for the first request, which knows nothing of the range yet.
const MIN_KEY_BYTES: usize = 32;
/// Key-values handed out at a time: what the printer works on while the next ones arrive.
const CHUNK_KEYS: usize = 256;
const CHUNK_BYTES: usize = 1 << 20;
/// How many pages' worth of keys a bounded request aims at. Ascending, etcd reads only the
/// keys it returns, so going too far costs an index walk and going short a round trip: aim
/// long. Descending, it reads and sorts every key in the span, so aim a little short.
const GUESS_PAGES_ASCENDING: f64 = 2.0;
const GUESS_PAGES_DESCENDING: f64 = 0.8;

/// The pinned revision was compacted away after the first page. Other failures are the
/// client's own errors, unwrapped, so they keep their exit codes.
#[derive(Debug, thiserror::Error)]
#[error(
    "revision {revision} was compacted while the range was read page by page; \
     read it again, or pass --rev with a revision that is kept"
)]
pub struct Compacted {
    pub revision: i64,
    #[source]
    source: client::Error,
}

/// A part of the range not read yet: from `from` (descending: below it) to `bound` (the side
/// pages move towards: ascending, the range end; descending, the key), or to the range's own.
struct Span {
    from: Vec<u8>,
    bound: Option<Vec<u8>>,
}

/// The first and last key of a page and how many it held: how densely keys lie there.
struct Sample {
    low: Vec<u8>,
    high: Vec<u8>,
    keys: usize,
}

/// An answer being read, and what it has shown so far.
struct Reading<'c> {
    stream: Answer<'c>,
    /// The span the request asked for, for its rest.
    from: Vec<u8>,
    bound: Option<Vec<u8>>,
    first: Option<Vec<u8>>,
    last: Option<Vec<u8>>,
    keys: usize,
    bytes: usize,
    more: bool,
    /// The keys in the request's span (etcd's `count`).
    in_span: i64,
}

/// The pages of one range; see the module documentation.
pub struct Pages<'c> {
    source: &'c dyn KvSource,
    /// The request as given; each page's request narrows its range.
    request: RangeRequest,
    descending: bool,
    /// The caller's `limit` (0: none) and how many keys it still allows.
    remaining: Option<i64>,
    page_bytes: usize,
    page_keys: i64,
    /// The most keys a page may ask for.
    max_page_keys: i64,
    /// What is left of the range, in order; empty once it is all read.
    spans: VecDeque<Span>,
    answer: Option<Reading<'c>>,
    /// The header of the first answer, which every chunk carries.
    header: Option<ResponseHeader>,
    /// The keys in the whole range, once the first answer (or what finished it) has ended.
    count: Option<i64>,
    /// Keys received before the answer that will tell the count; see [`Pages::count`].
    counted_before: i64,
    /// Keys received so far.
    received: i64,
    /// The last page of two or more keys.
    sample: Option<Sample>,
    /// The last page found fewer than two keys in its guessed span: the keys go on somewhere
    /// no guess can see (past a gap such as `/kib/` to `/small/`, or `k/0999` to `k/1000`), so
    /// the next request runs to the range's end instead: one longer index walk on the server
    /// rather than a round trip per guess.
    lost_track: bool,
    requests: usize,
    /// Requests sent again since a member was lost; at most one per endpoint in a row.
    resent: usize,
    /// Whether a chunk has been handed out (the first one is, even empty, for its header).
    handed_out: bool,
}

impl<'c> Pages<'c> {
    /// Pages of `request`, which must be sorted by key (or not sorted at all): other sort
    /// targets cannot be continued from a key. `page_bytes` is the target answer size.
    pub fn new(source: &'c dyn KvSource, request: RangeRequest, page_bytes: usize) -> Pages<'c> {
        let remaining = (request.limit > 0).then_some(request.limit);
        let descending = request.sort_order == SortOrder::Descend as i32;
        let from = if descending {
            request.range_end.clone()
        } else {
            request.key.clone()
        };
        let page_bytes = page_bytes.max(1);
        let max_page_keys = (page_bytes / MIN_KEY_BYTES).max(1) as i64;
        Pages {
            source,
            request,
            descending,
            remaining,
            page_bytes,
            page_keys: max_page_keys,
            max_page_keys,
            spans: VecDeque::from([Span { from, bound: None }]),
            answer: None,
            header: None,
            count: None,
            counted_before: 0,
            received: 0,
            sample: None,
            lost_track: false,
            requests: 0,
            resent: 0,
            handed_out: false,
        }
    }

    /// Pages of at most `keys` keys (`None`: as many as fit the bytes), whatever their size:
    /// for `--page-keys`, which makes a small range take many pages.
    pub fn at_most_keys(mut self, keys: Option<i64>) -> Pages<'c> {
        if let Some(keys) = keys {
            self.max_page_keys = keys.clamp(1, self.max_page_keys);
            self.page_keys = self.page_keys.min(self.max_page_keys);
        }
        self
    }

    /// The revision every page is read at; 0 until the first answer began, unless asked for.
    pub fn revision(&self) -> i64 {
        self.request.revision
    }

    /// How many keys the whole range holds, as the one answer etcdctl asks for would say;
    /// known once the first answer has ended (at the latest, after the last chunk).
    pub fn count(&self) -> Option<i64> {
        self.count
    }

    /// The next chunk of key-values, with the first answer's header; `None` after the last.
    /// A chunk is empty only when the range is.
    pub async fn next(&mut self) -> anyhow::Result<Option<RangeResponse>> {
        let mut chunk: Vec<KeyValue> = Vec::new();
        let mut chunk_bytes = 0;
        loop {
            if self.answer.is_none() && (!chunk.is_empty() || !self.send().await?) {
                break;
            }
            let answer = self.answer.as_mut().expect("an answer being read");
            let piece = match answer.stream.next().await {
                Ok(piece) => piece,
                Err(e) if lost(&e) && self.resent < self.source.retries() => {
                    tracing::debug!(error = %e, "answer lost with its member; asking again");
                    self.resume();
                    continue;
                }
                Err(e) => return Err(self.failed(e)),
            };
            match piece {
                Some(Piece::Header(header)) => {
                    if self.request.revision == 0 {
                        self.request.revision = header.revision;
                    }
                    self.header.get_or_insert(header);
                }
                Some(Piece::Kv(kv)) => {
                    let size = kv.key.len() + kv.value.len();
                    if answer.first.is_none() {
                        answer.first = Some(kv.key.clone());
                    }
                    answer.last = Some(kv.key.clone());
                    answer.keys += 1;
                    answer.bytes += size;
                    self.received += 1;
                    if let Some(remaining) = &mut self.remaining {
                        *remaining -= 1;
                    }
                    self.resent = 0;
                    chunk_bytes += size;
                    chunk.push(kv);
                    if chunk.len() >= CHUNK_KEYS || chunk_bytes >= CHUNK_BYTES {
                        break;
                    }
                }
                Some(Piece::More(more)) => answer.more = more,
                Some(Piece::Count(count)) => answer.in_span = count,
                None => {
                    self.ended();
                    // The first answer is handed out even empty, for its header.
                    if !self.handed_out && chunk.is_empty() {
                        break;
                    }
                }
            }
        }
        if chunk.is_empty() && self.handed_out {
            return Ok(None);
        }
        self.handed_out = true;
        Ok(Some(RangeResponse {
            header: self.header,
            kvs: chunk,
            ..RangeResponse::default()
        }))
    }

    /// Sends the request for the next span; `false` when the range is all read.
    async fn send(&mut self) -> anyhow::Result<bool> {
        let Some(Span { from, bound }) = self.spans.pop_front() else {
            return Ok(false);
        };
        let fits = self.unread().is_some_and(|unread| unread <= self.page_keys);
        let bound = if fits || self.lost_track {
            // One request to the range's end, with no guess: the rest fits one page, or the
            // last guess found nothing. The spans left lie in order after this one, so this
            // covers them all.
            self.spans.clear();
            None
        } else {
            // Cut the span at a guess inside it; what lies beyond is read next.
            let guess = self
                .guess(&from)
                .filter(|guess| self.short_of(guess, bound.as_deref()));
            match guess {
                Some(guess) => {
                    self.spans.push_front(Span {
                        from: guess.clone(),
                        bound,
                    });
                    Some(guess)
                }
                None => bound,
            }
        };
        let request = self.request_for(from.clone(), bound.as_deref());
        let stream = loop {
            self.requests += 1;
            match self.source.range_streamed(request.clone()).await {
                Ok(stream) => break stream,
                Err(e) if lost(&e) && self.resent < self.source.retries() => {
                    tracing::debug!(error = %e, "request lost with its member; asking again");
                    self.resent += 1;
                }
                Err(e) => return Err(self.failed(e)),
            }
        };
        self.answer = Some(Reading {
            stream,
            from,
            bound,
            first: None,
            last: None,
            keys: 0,
            bytes: 0,
            more: false,
            in_span: 0,
        });
        Ok(true)
    }

    /// The answer broke: its span is asked for again, from after the last key received.
    fn resume(&mut self) {
        let answer = self.answer.take().expect("an answer being read");
        self.resent += 1;
        if self.count.is_none() {
            // The answer that started the range never said its count; the one resuming it
            // counts only what is left.
            self.counted_before += answer.keys as i64;
        }
        let from = match &answer.last {
            Some(last) => self.after(last),
            None => answer.from,
        };
        if self.remaining.is_some_and(|remaining| remaining <= 0) {
            self.spans.clear();
            return;
        }
        self.spans.push_front(Span {
            from,
            bound: answer.bound,
        });
    }

    /// Learns from an answer that ended: what is left of its span, how dense keys are, how many
    /// fit a page.
    fn ended(&mut self) {
        let answer = self.answer.take().expect("an answer being read");
        tracing::debug!(
            keys = answer.keys,
            in_span = answer.in_span,
            // Quoted as Go's %q: a binary bound must not reach the terminal raw.
            bound = answer
                .bound
                .as_deref()
                .map(|b| tracing::field::display(crate::go::quote(b))),
            "page"
        );
        if self.count.is_none() {
            self.count = Some(self.counted_before + answer.in_span);
        }
        let limit_reached = self.remaining.is_some_and(|remaining| remaining <= 0);
        if limit_reached || self.unread() == Some(0) {
            self.spans.clear();
            return;
        }
        if let (true, Some(last)) = (answer.more, &answer.last) {
            // The rest of this page's span, read before the spans after it.
            let rest = self.after(last);
            self.spans.push_front(Span {
                from: rest,
                bound: answer.bound,
            });
        }
        if let (Some(first), Some(last), true) = (answer.first, answer.last, answer.keys >= 2) {
            let (low, high) = if self.descending {
                (last, first)
            } else {
                (first, last)
            };
            self.sample = Some(Sample {
                low,
                high,
                keys: answer.keys,
            });
            self.lost_track = false;
        } else if !answer.more {
            self.lost_track = true;
        }
        if let Some(per_key) = answer.bytes.checked_div(answer.keys) {
            self.page_keys =
                ((self.page_bytes / per_key.max(1)) as i64).clamp(1, self.max_page_keys);
        }
    }

    /// How many keys of the range have not arrived yet, once the count is known.
    fn unread(&self) -> Option<i64> {
        self.count.map(|count| (count - self.received).max(0))
    }

    /// Where reading goes on after `key`: ascending, the key right after it; descending, the
    /// key itself, as the exclusive end.
    fn after(&self, key: &[u8]) -> Vec<u8> {
        if self.descending {
            key.to_vec()
        } else {
            [key, b"\0"].concat()
        }
    }

    /// The error to return for `e`: the pinned revision compacted after the first answer is
    /// said as such.
    fn failed(&self, e: anyhow::Error) -> anyhow::Error {
        match e.downcast::<client::Error>() {
            Ok(e) if self.requests > 1 && is_compacted(&e) => Compacted {
                revision: self.request.revision,
                source: e,
            }
            .into(),
            Ok(e) => e.into(),
            Err(e) => e,
        }
    }

    /// Where a page's worth of keys from `from` may end, if keys go on as densely as in the
    /// last page.
    fn guess(&self, from: &[u8]) -> Option<Vec<u8>> {
        let sample = self.sample.as_ref()?;
        let gaps = sample.keys.saturating_sub(1).max(1) as f64;
        let pages = if self.descending {
            GUESS_PAGES_DESCENDING
        } else {
            GUESS_PAGES_ASCENDING
        };
        let scale = self.page_keys as f64 * pages / gaps;
        if self.descending {
            keys::key_before(from, &sample.low, &sample.high, scale)
        } else {
            keys::key_after(from, &sample.low, &sample.high, scale)
        }
    }

    /// Whether `key` comes before `bound` (`None`: the range's own end) in reading order.
    fn short_of(&self, key: &[u8], bound: Option<&[u8]>) -> bool {
        if self.descending {
            key > bound.unwrap_or(&self.request.key)
        } else {
            let end = bound.unwrap_or(&self.request.range_end);
            end == b"\0" || key < end
        }
    }

    /// The request for the range from `from` (descending: up to `from`) to `bound`, or to the
    /// range's end.
    fn request_for(&self, from: Vec<u8>, bound: Option<&[u8]>) -> RangeRequest {
        let mut request = self.request.clone();
        let (near, far) = if self.descending {
            (&mut request.range_end, &mut request.key)
        } else {
            (&mut request.key, &mut request.range_end)
        };
        *near = from;
        if let Some(bound) = bound {
            *far = bound.to_vec();
        }
        request.limit = match self.remaining {
            Some(remaining) => remaining.min(self.page_keys),
            None => self.page_keys,
        };
        request
    }
}

/// A client error that [`member_lost`] says is a lost member.
fn lost(e: &anyhow::Error) -> bool {
    e.downcast_ref::<client::Error>().is_some_and(member_lost)
}

/// etcd's "required revision has been compacted".
pub fn is_compacted(e: &client::Error) -> bool {
    e.code() == Some(tonic::Code::OutOfRange) || e.to_string().contains("has been compacted")
}

/// The member serving a request went away mid-answer: tonic reports the broken connection as
/// `Unknown` (transport error) or `Unavailable`, and the client as every endpoint failing, or,
/// for a write it does not send again itself, as in flight.
pub fn member_lost(e: &client::Error) -> bool {
    e.is_unavailable()
        || e.code() == Some(tonic::Code::Unknown)
        || matches!(
            e,
            client::Error::Timeout(_) | client::Error::InFlight { .. }
        )
}
