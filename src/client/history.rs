//! Every version of a key range a cluster still holds, without a request per version: one
//! watch from the oldest retained revision, and two small Ranges that say where it starts and
//! where it ends.
//!
//! - The end is the revision R the store is at when the history is asked for (a count-only
//!   Range, first).
//! - A watch from revision 1 learns the compacted revision C, if any, from etcd's refusal; each
//!   key's version at C is then read with one Range at C, and the watch starts again at C + 1
//!   (a watch from C would leave out versions written before C that C still shows).
//! - The watch covers the whole keyspace, and keeps only the events of the range: R was made by
//!   some write, so the event at R arrives and says that everything before it has. A watch on
//!   the range alone could not tell when it is over: etcd sends nothing for a range that did
//!   not change, and 3.4.23 answers a progress request at once instead of after the events
//!   owed (fixed in 3.4.24 and 3.5.8), so a key created and deleted again would go unseen.
//!   The cost is the other keys' events since the compaction, read and dropped.

use tonic::Status;

use super::watch::Delivery;
use super::{Client, Error};
use crate::pb::etcdserverpb::{RangeRequest, WatchCreateRequest};
use crate::pb::mvccpb::{Event, KeyValue, event::EventType};

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
        let mut compacted = 0;
        let mut events = Vec::new();
        // Revision 1 is the empty store: nothing was ever written.
        if end <= 1 {
            return Ok((compacted, events));
        }
        let everything = |start_revision| WatchCreateRequest {
            key: vec![0],
            range_end: vec![0],
            start_revision,
            ..WatchCreateRequest::default()
        };
        let mut watches = self.watches();
        let mut watch = watches.add(everything(1));
        loop {
            let response = match watches.next().await? {
                Delivery::Response { watch: w, response } if w == watch => response,
                Delivery::Response { .. } => continue,
                Delivery::Closed { error, .. } => return Err(Error::Rpc(Status::unknown(error))),
                Delivery::Canceled { .. } => {
                    return Err(Error::Rpc(Status::cancelled("the watch was canceled")));
                }
            };
            if response.compact_revision > 0 {
                compacted = response.compact_revision;
                let mut kept = self.range(range(compacted)).await?.kvs;
                // Oldest first; a txn's keys in key order.
                kept.sort_by_key(|kv| kv.mod_revision);
                events.extend(kept.into_iter().map(put));
                if compacted >= end {
                    return Ok((compacted, events));
                }
                watch = watches.add(everything(compacted + 1));
                continue;
            }
            // A revision's events all come in one response: the end is reached with it.
            let mut reached = false;
            for event in response.events {
                let Some(kv) = &event.kv else { continue };
                if kv.mod_revision > end {
                    reached = true;
                    break;
                }
                reached |= kv.mod_revision == end;
                if in_range(&kv.key) {
                    events.push(event);
                }
            }
            if reached {
                return Ok((compacted, events));
            }
        }
    }
}
