//! Every version of a key range a cluster still holds, without a request per version: one
//! watch from the oldest retained revision, and two small Ranges that say where it starts and
//! where it ends.
//!
//! - The end is the revision R the store is at when the history is asked for (a count-only
//!   Range, first).
//! - When revision 1 is gone (a count-only Range there is refused), a watch from revision 1
//!   learns the compacted revision C from etcd's refusal; each key's version at C is read with
//!   one Range at C, and the events start at C + 1 (a watch from C would leave out versions
//!   written before C that C still shows).
//! - The events from C + 1 to R come from one watch per window of 1,000 revisions, created
//!   together: etcd catches a watch up by at most 1,000 revisions per round, every 100 ms, so
//!   one watch would take a round per window.
//! - The watches cover the whole keyspace, and keep only the events of the range: every
//!   revision was made by some write, so a window is complete once its last revision's events
//!   arrived. A watch on
//!   the range alone could not tell when it is over: etcd sends nothing for a range that did
//!   not change, and 3.4.23 answers a progress request at once instead of after the events
//!   owed (fixed in 3.4.24 and 3.5.8), so a key created and deleted again would go unseen.
//!   The cost is the other keys' events since the compaction, read and dropped.

use tonic::Status;

use super::watch::Delivery;
use super::{Client, Error};
use crate::pb::etcdserverpb::{RangeRequest, WatchCreateRequest};
use crate::pb::mvccpb::{Event, KeyValue, event::EventType};

/// Revisions a catching-up watch gets from etcd in one round (its `watchBatchMaxRevs`); the
/// history is read as windows of this many, one watch each, so every window arrives in the
/// first round instead of one window per round (100 ms apart).
const WINDOW: i64 = 1000;

fn put(kv: KeyValue) -> Event {
    Event {
        r#type: EventType::Put as i32,
        kv: Some(kv),
        prev_kv: None,
    }
}

impl Client {
    /// The compacted revision (0: none) and every version of `[key, range_end)` from it on,
    /// oldest first, as watch events; see the module documentation. `in_range` tells the
    /// range's keys from the others the watch sees (the key rules are not the client's).
    pub async fn history(
        &self,
        key: &[u8],
        range_end: &[u8],
        in_range: &dyn Fn(&[u8]) -> bool,
    ) -> Result<(i64, Vec<Event>), Error> {
        let range = |revision| RangeRequest {
            key: key.to_vec(),
            range_end: range_end.to_vec(),
            revision,
            ..RangeRequest::default()
        };
        let end = self
            .range(RangeRequest {
                count_only: true,
                ..range(0)
            })
            .await?
            .header
            .map_or(0, |h| h.revision);
        let mut events = Vec::new();
        // Revision 1 is the empty store: nothing was ever written.
        if end <= 1 {
            return Ok((0, events));
        }
        let everything = |start_revision| WatchCreateRequest {
            key: vec![0],
            range_end: vec![0],
            start_revision,
            ..WatchCreateRequest::default()
        };
        let mut watches = self.watches();
        let compacted = match self
            .range(RangeRequest {
                count_only: true,
                ..range(1)
            })
            .await
        {
            Ok(_) => 0,
            // Gone: a watch from revision 1 is refused with the compacted revision.
            Err(e) if e.code() == Some(tonic::Code::OutOfRange) => {
                let probe = watches.add(everything(1));
                loop {
                    match watches.next().await? {
                        Delivery::Response { watch, response }
                            if watch == probe && response.compact_revision > 0 =>
                        {
                            break response.compact_revision;
                        }
                        Delivery::Closed { error, .. } => {
                            return Err(Error::Rpc(Status::unknown(error)));
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => return Err(e),
        };
        if compacted > 0 {
            let mut kept = self.range(range(compacted)).await?.kvs;
            // Oldest first; a txn's keys in key order.
            kept.sort_by_key(|kv| kv.mod_revision);
            events.extend(kept.into_iter().map(put));
        }
        // One watch per window of revisions, all caught up in the same round of etcd's.
        let starts: Vec<i64> = (compacted + 1..=end).step_by(WINDOW as usize).collect();
        let ids: Vec<usize> = starts.iter().map(|s| watches.add(everything(*s))).collect();
        let mut windows: Vec<Vec<Event>> = vec![Vec::new(); starts.len()];
        let mut open = vec![true; starts.len()];
        while open.contains(&true) {
            let (watch, response) = match watches.next().await? {
                Delivery::Response { watch, response } => (watch, response),
                Delivery::Closed { error, .. } => return Err(Error::Rpc(Status::unknown(error))),
                Delivery::Canceled { .. } => {
                    return Err(Error::Rpc(Status::cancelled("the watch was canceled")));
                }
            };
            let Some(w) = ids.iter().position(|id| *id == watch).filter(|w| open[*w]) else {
                continue;
            };
            if response.compact_revision > 0 {
                return Err(Error::Rpc(Status::out_of_range(
                    "etcdserver: mvcc: required revision has been compacted",
                )));
            }
            let last = (starts[w] + WINDOW - 1).min(end);
            // A revision's events all come in one response: the window ends with its last.
            for event in response.events {
                let Some(kv) = &event.kv else { continue };
                if kv.mod_revision >= last {
                    open[w] = false;
                }
                if kv.mod_revision > last {
                    break;
                }
                if in_range(&kv.key) {
                    windows[w].push(event);
                }
            }
        }
        events.extend(windows.into_iter().flatten());
        Ok((compacted, events))
    }
}
