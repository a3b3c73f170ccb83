//! Reading a range of any size in pages, every page at one revision, so memory stays flat.
//!
//! The revision is the one asked for, or else the one the first page was served at; later pages
//! ask for it explicitly, so a writer changing the range meanwhile is never seen. Ascending
//! ranges continue just after the last key returned; descending ones end at it. Page sizes
//! adapt to the bytes of the keys and values seen so far, so tiny and huge values both give
//! responses of about [`DEFAULT_PAGE_BYTES`].
//!
//! Each page is an ordinary Range request through the client, so a member lost between pages
//! is replaced by the next one, which serves the same revision: nothing is read twice or lost.

use crate::client::{self, Client};
use crate::pb::etcdserverpb::range_request::SortOrder;
use crate::pb::etcdserverpb::{RangeRequest, RangeResponse};

/// About this many bytes of keys and values per response.
pub const DEFAULT_PAGE_BYTES: usize = 4 << 20;
/// Keys asked for in the first page, before any size is known: few, in case values are huge.
const FIRST_PAGE_KEYS: i64 = 16;
/// The most keys in any page, however small they are.
const MAX_PAGE_KEYS: i64 = 10_000;

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

/// The pages of one range; see the module documentation.
pub struct Pages<'c> {
    client: &'c Client,
    /// The next page's request: its key or range end moves as pages arrive.
    request: RangeRequest,
    /// The caller's `limit` (0: none) and how many keys it still allows.
    remaining: Option<i64>,
    page_bytes: usize,
    page_keys: i64,
    pages_read: usize,
    done: bool,
}

impl<'c> Pages<'c> {
    /// Pages of `request`, which must be sorted by key (or not sorted at all): other sort
    /// targets cannot be continued from a key. `page_bytes` is the target response size.
    pub fn new(client: &'c Client, request: RangeRequest, page_bytes: usize) -> Pages<'c> {
        let remaining = (request.limit > 0).then_some(request.limit);
        Pages {
            client,
            request,
            remaining,
            page_bytes: page_bytes.max(1),
            page_keys: FIRST_PAGE_KEYS.min(page_bytes as i64 / 1024).max(1),
            pages_read: 0,
            done: false,
        }
    }

    /// The revision every page is read at; 0 until the first page arrived, unless asked for.
    pub fn revision(&self) -> i64 {
        self.request.revision
    }

    /// The next page, `None` after the last one. A page may be empty only when the range is.
    pub async fn next(&mut self) -> anyhow::Result<Option<RangeResponse>> {
        if self.done {
            return Ok(None);
        }
        let mut request = self.request.clone();
        request.limit = match self.remaining {
            Some(remaining) => remaining.min(self.page_keys),
            None => self.page_keys,
        };
        // A page is a read at a pinned revision: sent again, to whichever member answers, it
        // gets the same keys. The client fails over by itself only before a request reaches a
        // member; one that dies while answering is retried here, once per endpoint.
        let mut resent = 0;
        let response = loop {
            match self.client.range(request.clone()).await {
                Ok(response) => break response,
                Err(e) if self.pages_read > 0 && is_compacted(&e) => {
                    return Err(Compacted {
                        revision: self.request.revision,
                        source: e,
                    }
                    .into());
                }
                Err(e) if member_lost(&e) && resent < self.client.endpoints().len() => {
                    tracing::debug!(error = %e, "page lost with its member; asking again");
                    resent += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.pages_read += 1;
        if self.request.revision == 0 {
            self.request.revision = response.header.as_ref().map_or(0, |h| h.revision);
        }
        let returned = response.kvs.len() as i64;
        if let Some(remaining) = &mut self.remaining {
            *remaining -= returned;
        }
        let last = response.kvs.last().map(|kv| kv.key.clone());
        match last {
            Some(last) if response.more && self.remaining.is_none_or(|r| r > 0) => {
                if self.request.sort_order == SortOrder::Descend as i32 {
                    self.request.range_end = last;
                } else {
                    let mut next = last;
                    next.push(0);
                    self.request.key = next;
                }
            }
            _ => self.done = true,
        }
        if returned > 0 {
            let bytes: usize = response
                .kvs
                .iter()
                .map(|kv| kv.key.len() + kv.value.len())
                .sum();
            let per_key = (bytes / returned as usize).max(1);
            self.page_keys = ((self.page_bytes / per_key) as i64).clamp(1, MAX_PAGE_KEYS);
        }
        Ok(Some(response))
    }
}

/// etcd's "required revision has been compacted".
pub fn is_compacted(e: &client::Error) -> bool {
    e.code() == Some(tonic::Code::OutOfRange) || e.to_string().contains("has been compacted")
}

/// The member serving a request went away mid-answer: tonic reports the broken connection as
/// `Unknown` (transport error) or `Unavailable`, and the client as every endpoint failing.
pub fn member_lost(e: &client::Error) -> bool {
    e.is_unavailable()
        || e.code() == Some(tonic::Code::Unknown)
        || matches!(e, client::Error::Timeout(_))
}
