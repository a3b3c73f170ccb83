//! A range read page by page at one pinned revision, for `du` and `diff`: a fixed number of
//! keys per page, each page starting just after the last key of the one before.
//!
//! Issue 10's paged reader (`src/paged.rs` on the bulk branch: byte-sized pages, descending
//! order, limits, a clear error when the revision is compacted between pages) does this and
//! more; once it is on main this module should become a thin use of it.

use crate::client::{self, Client};
use crate::pb::etcdserverpb::RangeRequest;
use crate::pb::mvccpb::KeyValue;

/// Keys per page unless a command asks otherwise: small enough that big values stay well under
/// gRPC's limits, large enough that round trips do not dominate.
pub const DEFAULT_PAGE_KEYS: i64 = 500;

pub struct Scan<'c> {
    client: &'c Client,
    request: RangeRequest,
    done: bool,
}

impl<'c> Scan<'c> {
    /// The keys of `[key, range_end)` at `revision` (0: the revision the first page is served
    /// at), `page_keys` at a time; `serializable` reads the member's own copy.
    pub fn new(
        client: &'c Client,
        key: Vec<u8>,
        range_end: Vec<u8>,
        revision: i64,
        page_keys: i64,
        serializable: bool,
    ) -> Scan<'c> {
        Scan {
            client,
            request: RangeRequest {
                key,
                range_end,
                revision,
                limit: page_keys.max(1),
                serializable,
                ..Default::default()
            },
            done: false,
        }
    }

    /// Keys and their revisions only, without values.
    pub fn keys_only(mut self) -> Scan<'c> {
        self.request.keys_only = true;
        self
    }

    /// The pinned revision (0 before the first page unless one was given).
    pub fn revision(&self) -> i64 {
        self.request.revision
    }

    /// The next page; `None` once the range is exhausted.
    pub async fn next_page(&mut self) -> Result<Option<Vec<KeyValue>>, client::Error> {
        if self.done {
            return Ok(None);
        }
        let response = self.client.range(self.request.clone()).await?;
        if self.request.revision == 0 {
            self.request.revision = response.header.as_ref().map_or(0, |h| h.revision);
        }
        match response.kvs.last() {
            Some(last) if response.more => {
                let mut next = last.key.clone();
                next.push(0);
                self.request.key = next;
            }
            _ => self.done = true,
        }
        Ok(Some(response.kvs))
    }
}
