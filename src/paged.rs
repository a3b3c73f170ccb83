//! Reading a range of any size in pages, every page at one revision, so memory stays flat.
//!
//! The revision is the one asked for, or else the one the first page was served at; later pages
//! ask for it explicitly, so a writer changing the range meanwhile is never seen. Page sizes
//! adapt to the bytes of the keys and values seen so far, so tiny and huge values both give
//! responses of about [`DEFAULT_PAGE_BYTES`].
//!
//! etcd 3.4 walks its index over the whole rest of a range for every request, however small its
//! limit, so unbounded pages make a long range cost the square of its length. After the first
//! page each request is therefore bounded by a guess ([`keys::key_after`]) at where the next
//! page's worth of keys ends, from how densely the last page's keys lay. A guess that falls
//! short gives a small page; one that goes too far gives a full page and the rest of its span
//! is cut again at a fresh guess. (Two requests in flight at once gained nothing measurable:
//! etcd's read work for one range is the limit, and a second page in memory costs one page more.)
//!
//! Each page is an ordinary Range request through the client, so a member lost between pages
//! is replaced by the next one, which serves the same revision: nothing is read twice or lost.

use std::collections::VecDeque;

use crate::client::{self, Client};
use crate::keys;
use crate::pb::etcdserverpb::range_request::SortOrder;
use crate::pb::etcdserverpb::{RangeRequest, RangeResponse};

/// About this many bytes of keys and values per response. With the page being printed and the
/// next one arriving, 4 MiB pages peaked at 25 MiB of RSS in about half the runs; 3 MiB ones
/// stay under 21 MiB and cost no measurable time.
pub const DEFAULT_PAGE_BYTES: usize = 3 << 20;
/// Keys asked for in the first page, before any size is known: few, in case values are huge.
const FIRST_PAGE_KEYS: i64 = 16;
/// The most keys in any page, however small they are.
const MAX_PAGE_KEYS: i64 = 10_000;
/// How many pages' worth of keys a bounded request aims at. Ascending, etcd reads only the
/// keys it returns, so going too far costs an index walk and going short a round trip: aim
/// long. Descending, it reads and sorts every key in the span, so aim a little short.
const GUESS_PAGES_ASCENDING: f64 = 2.0;
const GUESS_PAGES_DESCENDING: f64 = 0.8;

/// How much further each guess in a row that found no key reaches: gaps such as the one
/// between `k/0999` and `k/1000` (after `9` come 198 byte values without keys) are crossed in a
/// request or two.
const SPARSE_GROWTH: f64 = 16.0;

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

/// The pages of one range; see the module documentation.
pub struct Pages<'c> {
    client: &'c Client,
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
    /// The last page of two or more keys.
    sample: Option<Sample>,
    /// Pages in a row with fewer than two keys: each makes the next guess reach
    /// [`SPARSE_GROWTH`] times further.
    sparse: i32,
    pages_read: usize,
}

impl<'c> Pages<'c> {
    /// Pages of `request`, which must be sorted by key (or not sorted at all): other sort
    /// targets cannot be continued from a key. `page_bytes` is the target response size.
    pub fn new(client: &'c Client, request: RangeRequest, page_bytes: usize) -> Pages<'c> {
        let remaining = (request.limit > 0).then_some(request.limit);
        let descending = request.sort_order == SortOrder::Descend as i32;
        let from = if descending {
            request.range_end.clone()
        } else {
            request.key.clone()
        };
        Pages {
            client,
            request,
            descending,
            remaining,
            page_bytes: page_bytes.max(1),
            page_keys: FIRST_PAGE_KEYS.min(page_bytes as i64 / 1024).max(1),
            max_page_keys: MAX_PAGE_KEYS,
            spans: VecDeque::from([Span { from, bound: None }]),
            sample: None,
            sparse: 0,
            pages_read: 0,
        }
    }

    /// Pages of at most `keys` keys (`None`: as many as fit the bytes), whatever their size:
    /// for `--page-keys`, which makes a small range take many pages.
    pub fn at_most_keys(mut self, keys: Option<i64>) -> Pages<'c> {
        if let Some(keys) = keys {
            self.max_page_keys = keys.clamp(1, MAX_PAGE_KEYS);
            self.page_keys = self.page_keys.min(self.max_page_keys);
        }
        self
    }

    /// The revision every page is read at; 0 until the first page arrived, unless asked for.
    pub fn revision(&self) -> i64 {
        self.request.revision
    }

    /// The next page, `None` after the last one. A page may be empty only when the range is.
    pub async fn next(&mut self) -> anyhow::Result<Option<RangeResponse>> {
        while let Some(Span { from, bound }) = self.spans.pop_front() {
            // Cut the span at a guess inside it; what lies beyond is read next.
            let guess = self
                .guess(&from)
                .filter(|guess| self.short_of(guess, bound.as_deref()));
            let bound = match guess {
                Some(guess) => {
                    self.spans.push_front(Span {
                        from: guess.clone(),
                        bound,
                    });
                    Some(guess)
                }
                None => bound,
            };
            let response =
                match read_page(self.client, self.request_for(from, bound.as_deref())).await {
                    Ok(response) => response,
                    Err(e) if self.pages_read > 0 && is_compacted(&e) => {
                        return Err(Compacted {
                            revision: self.request.revision,
                            source: e,
                        }
                        .into());
                    }
                    Err(e) => return Err(e.into()),
                };
            self.pages_read += 1;
            if self.request.revision == 0 {
                self.request.revision = response.header.as_ref().map_or(0, |h| h.revision);
            }
            self.take(&response, bound);
            // A guess that held no key is not a page; the first page always is, for its header.
            if self.pages_read == 1 || !response.kvs.is_empty() {
                return Ok(Some(response));
            }
        }
        Ok(None)
    }

    /// Learns from a page: what is left of its span, how dense keys are, how many fit a page.
    fn take(&mut self, response: &RangeResponse, bound: Option<Vec<u8>>) {
        let returned = response.kvs.len();
        tracing::debug!(
            keys = returned,
            in_span = response.count,
            bound = bound.as_deref().map(String::from_utf8_lossy).as_deref(),
            "page"
        );
        if let Some(remaining) = &mut self.remaining {
            *remaining -= returned as i64;
            if *remaining <= 0 {
                self.spans.clear();
                return;
            }
        }
        if let (true, Some(last)) = (response.more, response.kvs.last()) {
            // The rest of this page's span, read before the spans after it.
            let rest = if self.descending {
                last.key.clone()
            } else {
                [last.key.as_slice(), b"\0"].concat()
            };
            self.spans.push_front(Span { from: rest, bound });
        }
        if let [first, .., last] = response.kvs.as_slice() {
            let (low, high) = if self.descending {
                (&last.key, &first.key)
            } else {
                (&first.key, &last.key)
            };
            self.sample = Some(Sample {
                low: low.clone(),
                high: high.clone(),
                keys: returned,
            });
            self.sparse = 0;
        } else if !response.more {
            self.sparse += 1;
        }
        let bytes: usize = response
            .kvs
            .iter()
            .map(|kv| kv.key.len() + kv.value.len())
            .sum();
        if let Some(per_key) = bytes.checked_div(returned) {
            self.page_keys =
                ((self.page_bytes / per_key.max(1)) as i64).clamp(1, self.max_page_keys);
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
        let scale = self.page_keys as f64 * pages / gaps * SPARSE_GROWTH.powi(self.sparse);
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

/// One page. It is a read at a pinned revision: sent again, to whichever member answers, it
/// gets the same keys. The client fails over by itself only before a request reaches a member;
/// one that dies while answering is retried here, once per endpoint.
async fn read_page(client: &Client, request: RangeRequest) -> Result<RangeResponse, client::Error> {
    let mut resent = 0;
    loop {
        match client.range(request.clone()).await {
            Err(e) if member_lost(&e) && resent < client.endpoints().len() => {
                tracing::debug!(error = %e, "page lost with its member; asking again");
                resent += 1;
            }
            result => return result,
        }
    }
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
